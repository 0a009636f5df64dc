from datetime import timedelta
from itertools import chain

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from ..clock import start_of_day, utcnow
from ..exports import Sheet, csv_download, xlsx_download
from ..extensions import db, reads_in_transaction
from ..formatting import format_datetime_vn, role_label, state_label
from ..forms import DayField, Form
from ..models import AccessEntry, Dossier, User
from ..units.operations import among, containing, scope_of
from ..web import Fetched, requires
from . import bp, trail
from .labels import (
    action_label,
    actor_names,
    all_actions,
    entry_labels,
    what_was_decided,
)
from .queries import AuditFilter, audit_page, audit_rows

PER_PAGE = 50
EXPORT_LIMIT = 100_000
EXPORT_BATCH = 2_000
# Every page names actions the way the trail does (the dossier's history, the inboxes).
bp.add_app_template_global(action_label, "action_label")


readers_only = requires(User.can_read_province)

class AuditFilterForm(Form):
    class Meta:
        csrf = False

    unit = StringField(_l("Unit"), validators=[Optional()])
    dossier = IntegerField(_l("Dossier no."), validators=[Optional(), NumberRange(min=1)])
    actor = StringField(_l("User"), validators=[Optional()])
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("To"), validators=[Optional()])


def _filter_form() -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "—")] + [(a, action_label(a)) for a in all_actions()]
    form.validate()  # a field that fails shows its message and filters nothing; the others filter
    given = form.accepted
    return form, AuditFilter(unit=given("unit") or "", dossier_id=given("dossier"), actor=given("actor") or "",
                             action=given("action") or "", since=given("since"), until=given("until"))


@bp.route("/")
@readers_only
def index():
    form, f = _filter_form()
    page = Fetched(per_page=PER_PAGE, error_out=False,
                   fetch=lambda number, size: audit_page(current_user, f, number, size))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    labels = entry_labels(page.items)
    decided = {e.seq: what_was_decided(e, labels.sets.get(e.dossier_id)) for e in page.items}
    return render_template("audit/index.html", form=form, page=page, args=args, names=labels.names,
                           units=labels.units, decided=decided), (400 if form.errors else 200)


def _headers() -> list[str]:
    return [_("Entry no."), _("Time"), _("Who"), _("Full name"), _("Role"), _("Dossier no."), _("Unit code"), _("Unit"),
            _("Action"), _("What was decided"), _("From state"), _("To state"), _("Comment"), _("Seal (HMAC-SHA256)")]


def _rows(f: AuditFilter):
    """The entries as filtered, a batch at a time (names, units and sets looked up per batch)."""
    for entries in audit_rows(current_user, f, EXPORT_LIMIT, EXPORT_BATCH):
        names, units, sets = entry_labels(entries)
        for e in entries:
            yield [e.seq, format_datetime_vn(e.at), e.actor, names.get(e.actor_id, ""), role_label(e.role),
                   e.dossier_id or "", e.unit_code or "", units.get(e.unit_code, ""), action_label(e.action),
                   what_was_decided(e, sets.get(e.dossier_id)),
                   state_label(e.from_state) if e.from_state else "", state_label(e.to_state) if e.to_state else "",
                   e.comment, e.seal]


def _filters_line(form: AuditFilterForm) -> str:
    def value(field) -> str:
        raw = request.args[field.name]
        return dict(field.choices).get(raw, raw) if isinstance(field, SelectField) else raw

    shown = [f"{field.label.text}: {value(field)}" for field in form if request.args.get(field.name) and not field.errors]
    return _("Filters: %(filters)s", filters="; ".join(shown)) if shown else _("All entries you may read")


@bp.route("/export.csv")
@reads_in_transaction  # its rows stream through a server-side cursor
@readers_only
def export_csv():
    _form, f = _filter_form()
    return csv_download(chain([_headers()], _rows(f)), "nhat-ky-kiem-tra.csv")


@bp.route("/export.xlsx")
@reads_in_transaction  # its rows stream through a server-side cursor
@readers_only
def export_xlsx():
    form, f = _filter_form()
    title = [_("Audit trail"), _filters_line(form), _("Exported %(when)s by %(who)s",
                                                       when=format_datetime_vn(utcnow()), who=current_user.full_name)]
    return xlsx_download(Sheet(_("Audit trail"), title, _headers(), _rows(f),
                               widths=[8, 17, 14, 24, 16, 8, 9, 22, 24, 48, 18, 18, 40, 20]), "nhat-ky-kiem-tra.xlsx")


class AccessFilterForm(Form):
    class Meta:
        csrf = False

    actor = StringField(_l("User"), validators=[Optional()])
    dossier = IntegerField(_l("Dossier no."), validators=[Optional(), NumberRange(min=1)])
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("To"), validators=[Optional()])


ACCESS_ACTIONS = {"view": _l("Viewed the dossier"), "download": _l("Downloaded a file"),
                  "record": _l("Downloaded a record"), "sheet": _l("Downloaded the data sheet")}


def _access_query():
    form = AccessFilterForm(request.args)
    form.action.choices = [("", "—")] + [(k, str(v)) for k, v in ACCESS_ACTIONS.items()]
    query = select(AccessEntry).order_by(AccessEntry.id.desc())
    scope = scope_of(current_user)
    query = query.where(or_(AccessEntry.dossier_id.is_(None),
                            AccessEntry.dossier_id.in_(select(Dossier.id).where(among(Dossier.unit_id, scope)))))
    if form.validate():
        if form.actor.data:
            needle = containing(form.actor.data.strip().lower())
            names = select(User.id).where(or_(func.lower(User.full_name).like(needle, escape="\\"),
                                              User.username.like(needle, escape="\\")))
            query = query.where(AccessEntry.user_id.in_(names))
        if form.dossier.data:
            query = query.where(AccessEntry.dossier_id == form.dossier.data)
        if form.action.data:
            query = query.where(AccessEntry.action == form.action.data)
        if form.since.data:
            query = query.where(AccessEntry.at >= start_of_day(form.since.data))
        if form.until.data:
            query = query.where(AccessEntry.at < start_of_day(form.until.data + timedelta(days=1)))
    return form, query


@bp.route("/access")
@readers_only
def access_log():
    """Who opened which dossier and downloaded which file, when."""
    form, query = _access_query()
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/access.html", form=form, page=page, args=args, names=actor_names(page.items),
                           actions=ACCESS_ACTIONS), (400 if form.errors else 200)


@bp.route("/access.xlsx")
@reads_in_transaction  # its rows stream through a server-side cursor
@readers_only
def access_log_xlsx():
    form, query = _access_query()

    def rows():
        for entries in db.session.scalars(query.limit(EXPORT_LIMIT).execution_options(yield_per=EXPORT_BATCH)).partitions():
            names = actor_names(entries)
            for e in entries:
                yield [format_datetime_vn(e.at), e.actor, names.get(e.user_id, ""), role_label(e.role),
                       str(ACCESS_ACTIONS.get(e.action, e.action)), e.dossier_id or "", e.evidence_id or "", e.channel]

    title = [_("Who looked at what"), _filters_line(form)]
    headers = [_("Time"), _("Who"), _("Full name"), _("Role"), _("Action"), _("Dossier no."), _("File no."), _("Through")]
    return xlsx_download(Sheet(_("Access log"), title, headers, rows(), [17, 14, 24, 16, 26, 10, 8, 8]), "truy-cap.xlsx")


@bp.route("/verify")
@readers_only
def verify():
    """Walk the chain; against a checkpoint kept elsewhere too, when one is given."""
    kept, error, mark = request.args.get("checkpoint", "").strip(), None, None
    if kept:
        try:
            mark = trail.parse_checkpoint(kept)
        except ValueError:
            error = _("A checkpoint reads SEQ:SEAL, as this page shows it (for example 616:74435b…).")
    result = trail.verify(mark)
    seq, seal, at = trail.head()
    return render_template("audit/verify.html", result=result, head_seq=seq, head_seal=seal, head_at=at,
                           kept=kept, checked=mark is not None, error=error), (400 if error else 200)
