from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

import criteria
import states
from states.diagram import mermaid

from .. import access
from ..audit.labels import history_of
from ..clock import today_in_vietnam
from ..deadlines import page_schedule
from ..documents import sheet as data_sheet
from ..documents.records import available as available_records
from ..errors import NotFound, OperationError, ValidationFailed
from ..exports import Sheet, xlsx_download
from ..extensions import db
from ..formatting import format_date_vn, format_datetime_vn
from ..i18n import language, tr
from ..models import Dossier, Unit
from ..units.operations import (
    among,
    containing,
    districts_of,
    kept_origins,
    route_of,
    scope_of,
    search_key,
    units_within,
)
from ..web import Fetched, submit
from . import bp, queries
from . import evidence as storage
from . import operations as ops
from .forms import (
    BulkForm,
    CommentForm,
    EvidenceEditForm,
    EvidenceForm,
    ListFilterForm,
    OpenDossierForm,
    SheetUploadForm,
    TransitionForm,
    VersionedForm,
)
from .presenters import criteria_views, return_notice, time_in_states

PER_PAGE = 25
EXPORT_LIMIT = 100_000


def _dossier(dossier_id: int) -> Dossier:
    try:
        return queries.get_dossier(current_user, dossier_id)
    except NotFound:
        abort(404)


def _set_choices(blank: bool = False):
    choices = [(s.code, s.name.get(language())) for s in criteria.default_registry().latest()]
    return ([("", "—")] if blank else []) + choices


def _state_choices():
    return [("", "—")] + [(s, label.get(language())) for s, label in states.STATE_LABELS.items()]


def _listed():
    """The list's filter form, the user's scope, and the filters the form gives (see
    queries.LIST_FILTERS) with its order: whether the one due first comes first."""
    form = ListFilterForm(request.args)
    form.criteria_set.choices = _set_choices(blank=True)
    form.state.choices = _state_choices()
    form.sort.choices = [("", _("Latest change first")), ("due", _("Due first"))]
    scope = scope_of(current_user)
    districts = districts_of(current_user)
    form.district.choices = [("", "—")] + [(d.code, d.name) for d in districts]
    form.validate()  # a field that fails shows its message and filters nothing; the others filter
    given = form.accepted
    district = next((d for d in districts if d.code == given("district")), None)
    filters = {"q": containing(search_key(given("q"))) if given("q") else None,
               "district": district.id if district is not None else None,
               "criteria_set": given("criteria_set") or None, "year": given("year"), "state": given("state") or None}
    return form, scope, filters, given("sort") == "due"


@bp.route("/")
@login_required
def index():
    form, scope, filters, due_first = _listed()
    page = Fetched(per_page=PER_PAGE, error_out=False,
                   fetch=lambda number, size: queries.dossier_list(scope, filters, due_first, number, size))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("dossiers/index.html", form=form, page=page, args=args), (400 if form.errors else 200)


@bp.route("/export.xlsx")
@login_required
def export_xlsx():
    """The list as filtered, for the office's files."""
    form, scope, filters, due_first = _listed()
    registry = criteria.default_registry()
    units = {u.id: u for u in units_within(current_user.unit)}

    def rows():
        for (number, name, parent_id, set_code, version, year, state, due_on, updated_at, decision_number,
             decision_date, decision_authority) in queries.dossier_list_export(scope, filters, due_first, EXPORT_LIMIT):
            parent = units.get(parent_id)
            yield [number, name, parent.name if parent else "", tr(registry.get(set_code, version).name), version, year,
                   tr(states.STATE_LABELS[state]), format_date_vn(due_on), format_datetime_vn(updated_at),
                   " ".join(filter(None, [decision_number, format_date_vn(decision_date), decision_authority]))]

    shown = [f"{f.label.text}: {dict(f.choices).get(f.data, f.data) if hasattr(f, 'choices') else f.data}"
             for f in form if form.accepted(f.name)]
    title = [_("Dossiers"), _("Filters: %(filters)s", filters="; ".join(shown)) if shown else current_user.unit.name]
    headers = [_("No."), _("Unit"), _("District"), _("Criteria set"), _("version"), _("Year"), _("State"), _("Due"),
               _("Last change"), _("Recognition decision")]
    return xlsx_download(Sheet(_("Dossiers"), title, headers, rows(), [8, 26, 24, 40, 10, 8, 20, 12, 18, 40]),
                         "ho-so.xlsx")


BULK_STEPS = ("verify", "recognize")


def _waiting_for(step: str):
    """Dossiers in a state `step` moves on from, on whichever route they follow."""
    return or_(*[and_(Dossier.level == w.level, Dossier.route == w.route, Dossier.state.in_(w.transition(step).sources))
                 for w in states.WORKFLOWS.values() if step in w.triggers()])


@bp.route("/bulk", methods=["GET", "POST"])
@login_required
def bulk():
    """PV05 moves many dossiers of a year at once: each under its own guards, in its own
    transaction, with its own audit entry; the page says what happened to each."""
    if current_user.role != "pv05_officer":
        abort(403)
    step = request.values.get("step", "verify")
    if step not in BULK_STEPS:
        abort(404)
    year = request.values.get("year", type=int) or today_in_vietnam().year
    scope = scope_of(current_user)
    waiting = db.session.scalars(select(Dossier).join(Unit, Dossier.unit_id == Unit.id)
                                 .options(queries.unit_and_province(contains_eager))
                                 .where(among(Dossier.unit_id, scope), Dossier.year == year,
                                        _waiting_for(step))
                                 .order_by(Dossier.due_on.is_(None), Dossier.due_on, Unit.code)).all()
    form = BulkForm()
    results = []
    if request.method == "POST" and form.validate_on_submit():
        chosen = {int(i) for i in request.form.getlist("dossier") if i.isdigit()}
        for dossier in [d for d in waiting if d.id in chosen]:
            _done, refused = submit(lambda d=dossier: ops.fire_transition(
                current_user, d, step, comment=form.comment.data, decision_number=form.decision_number.data,
                decision_date=form.decision_date.data, authority=form.authority.data))
            results.append((dossier, refused))
        if not chosen:
            flash(_("Tick the dossiers to move first."), "warning")
        waiting = [d for d in waiting if d.state in d.workflow.transition(step).sources]  # those not moved
    return render_template("dossiers/bulk.html", step=step, year=year, waiting=waiting, form=form,
                           results=results, label=tr(states.COMMUNE_WORKFLOW.transition(step).label)), (
        400 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not current_user.can_open_dossiers():
        abort(403)
    unit = current_user.unit
    year = today_in_vietnam().year
    form = OpenDossierForm(year=year)
    registry = criteria.default_registry()
    route = route_of(unit, year)
    offered = [s for s in registry.latest()
               if s.level == unit.level and s.applies_to_unit_type(unit.type) and route.files_on(s.level)]
    form.criteria_set.choices = [(s.code, s.name.get(language())) for s in offered]
    if form.validate_on_submit():
        dossier, refused = submit(
            lambda: ops.open_dossier(current_user, criteria_set=form.criteria_set.data, year=form.year.data), form=form)
        if not refused:
            flash(_("Dossier opened. Enter the figures, attach the evidence, then submit it."), "success")
            return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    return render_template("dossiers/new.html", form=form, offered=offered, unit=unit), (400 if form.errors else 200)


@bp.route("/<int:dossier_id>")
@login_required
def detail(dossier_id: int):
    dossier = _dossier(dossier_id)
    access.record(current_user, "view", dossier_id=dossier.id)
    return _render_detail(dossier)


def _render_detail(dossier: Dossier, status: int = 200, *, errors=None, submitted=None, blockers=None,
                   active_form: str | None = None, message: str | None = None):
    """The dossier page; after a refusal, with the refusal next to the fields and what was typed kept."""
    children = queries.children_of([dossier.id])[dossier.id]  # attestations, evidence, verdicts: one statement
    evaluation = queries.evaluate_dossier(dossier, children)
    history = history_of(dossier)
    context = dict(
        dossier=dossier,
        cset=queries.criteria_set_of(dossier),
        route=states.ROUTES.routes[dossier.route],
        origins=kept_origins(current_user, dossier.unit, dossier.unit.province.revision),
        evaluation=evaluation,
        groups=criteria_views(dossier, evaluation, children),
        transitions=queries.transitions_for(current_user, dossier, evaluation, children.verdicts),
        history=history,
        notice=return_notice(dossier, history, children.verdicts),
        files=len(children.evidence),
        stays=time_in_states(dossier, history, page_schedule(dossier.unit)),
        records=available_records(dossier, [item["entry"] for item in history]),
        diagram=mermaid(dossier.workflow.name, dossier.state, language()),
        can_edit=dossier.can_edit(current_user),
        can_review=dossier.can_review(current_user),
        reviewer_level=dossier.workflow.reviewer_level(dossier.state),
        can_comment=dossier.can_comment(current_user),
        errors=errors or {},
        submitted=submitted,
        blockers=blockers or [],
        active_form=active_form,
        message=message,
    )
    return render_template("dossiers/detail.html", **context), status


def _refused(dossier: Dossier, exc: OperationError, form_name: str):
    db.session.rollback()
    db.session.refresh(dossier)
    blockers = getattr(exc, "blockers", None) or []
    # A blocker about something typed with the action (a comment, a decision) goes next to its field too.
    errors = {**{b.field: tr(b.reason) for b in blockers if b.field}, **exc.fields}
    return _render_detail(
        dossier, exc.status, errors=errors, submitted=request.form, active_form=form_name, blockers=blockers,
        message=exc.message,
    )


def _back(dossier: Dossier, anchor: str = ""):
    return redirect(url_for("dossiers.detail", dossier_id=dossier.id) + (f"#{anchor}" if anchor else ""))


def _in_background() -> bool:
    """The page sent the form itself (app.js) and takes the new page back in place of a redirect,
    so that what is typed elsewhere on it stays."""
    return request.headers.get("X-Requested-With") == "fetch"


def _change(dossier: Dossier, form_name: str, change, done, anchor: str = ""):
    """Make one change to the dossier: once committed, say `done` (a text, or a function giving it
    after the change) and go back to the page; if refused, re-show the page with the refusal."""
    _result, refused = submit(change)
    if refused is not None:
        return _refused(dossier, refused, form_name)
    flash(done() if callable(done) else done, "success")
    if _in_background():
        return _render_detail(dossier)
    return _back(dossier, anchor)


def _invalid_form(dossier: Dossier, form, form_name: str, message: str):
    return _refused(dossier, ValidationFailed(message, fields={k: "; ".join(v) for k, v in form.errors.items()}),
                    form_name)


@bp.route("/<int:dossier_id>/sheet", methods=["POST"])
@login_required
def save_sheet(dossier_id: int):
    """The data sheet and the attestations, saved together."""
    dossier = _dossier(dossier_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    cset = queries.criteria_set_of(dossier)
    values = {name: request.form.get(name, "") for name in cset.inputs if name in request.form}

    def change():
        ops.update_data(current_user, dossier, values, version=form.version.data)
        _save_answers(cset, "attest", ("yes", "no"), {a.criterion: (a.met, a.note) for a in dossier.attestations},
                      lambda code, met, note: ops.set_attestation(current_user, dossier, code, met=met, note=note))

    return _change(dossier, "sheet", change, _("Saved."), "criteria")


def _save_answers(cset, prefix: str, choices: tuple[str, str], current: dict, save, *, rest: str | None = None) -> None:
    """Per-criterion answers of a page form (attestations, verdicts): for each criterion answered
    and changed, call save(code, answer is the first choice, text); an error goes by its text box,
    and its message names the criterion. With `rest`, a criterion neither answered on the form nor
    before takes that answer."""
    for criterion in cset.criteria:
        answer = request.form.get(f"{prefix}__{criterion.code}")
        if answer not in choices and rest is not None and criterion.code not in current:
            answer = rest
        if answer not in choices:
            continue
        flag, text = answer == choices[0], request.form.get(f"{prefix}_comment__{criterion.code}", "").strip()
        if current.get(criterion.code) == (flag, text):
            continue
        try:
            save(criterion.code, flag, text)
        except OperationError as exc:
            raise type(exc)(f"{criterion.code}: {exc.message}",
                            fields={f"{prefix}_comment__{criterion.code}": exc.message}) from None


@bp.route("/<int:dossier_id>/verdicts", methods=["POST"])
@login_required
def save_verdicts(dossier_id: int):
    dossier = _dossier(dossier_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    level = dossier.workflow.reviewer_level(dossier.state)
    current = {v.criterion: (v.agree, v.comment) for v in dossier.verdicts if v.level == level}

    def change():
        ops.check_version(dossier, form.version.data)
        _save_answers(queries.criteria_set_of(dossier), "verdict", ("agree", "disagree"), current,
                      lambda code, agree, text: ops.record_verdict(current_user, dossier, code, agree=agree, comment=text),
                      rest="agree" if request.form.get("agree_rest") else None)

    return _change(dossier, "verdicts", change, _("Verdicts saved."), "criteria")


@bp.route("/<int:dossier_id>/evidence", methods=["POST"])
@login_required
def upload_evidence(dossier_id: int):
    dossier = _dossier(dossier_id)
    form = EvidenceForm()
    form.document_type.choices = [(c, c) for c in queries.criteria_set_of(dossier).document_types]
    if not form.validate_on_submit():
        if form.file.data and form.file.data.filename and not form.file.errors and not _in_background():
            form.file.errors = [_("Choose the file again: a browser does not keep it after a refusal.")]
        return _invalid_form(dossier, form, f"evidence-{form.criterion.data}", _("Check the upload form."))
    upload = form.file.data
    return _change(
        dossier, f"evidence-{form.criterion.data}",
        lambda: ops.add_evidence(
            current_user, dossier, upload.stream if upload else None, upload.filename if upload else "",
            document_type=form.document_type.data, issued_on=form.issued_on.data,
            criterion=form.criterion.data or None, version=form.version.data,
        ),
        _("File attached."), f"c-{form.criterion.data}" if form.criterion.data else "criteria",
    )


@bp.route("/<int:dossier_id>/sheet.xlsx", methods=["POST"])
@login_required
def upload_sheet(dossier_id: int):
    """The figures of a data sheet filled in offline: all saved, or none, each error at its cell."""
    dossier = _dossier(dossier_id)
    form = SheetUploadForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    return _change(dossier, "sheet-upload",
                   lambda: data_sheet.import_sheet(current_user, dossier, upload.stream if upload else None),
                   lambda: _("Figures read from the Excel sheet and saved."), "criteria")


@bp.route("/<int:dossier_id>/evidence/<int:evidence_id>")
@login_required
def download_evidence(dossier_id: int, evidence_id: int):
    dossier = _dossier(dossier_id)
    try:
        row = queries.get_evidence(current_user, dossier, evidence_id)
    except NotFound:
        abort(404)
    access.record(current_user, "download", dossier_id=dossier.id, evidence_id=row.id)
    return storage.download(row)


@bp.route("/<int:dossier_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@login_required
def remove_evidence(dossier_id: int, evidence_id: int):
    dossier = _dossier(dossier_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        row = queries.get_evidence(current_user, dossier, evidence_id)
    except NotFound:
        abort(404)
    return _change(dossier, "evidence", lambda: ops.remove_evidence(current_user, dossier, row, version=form.version.data),
                   _("File removed."), "criteria")


@bp.route("/<int:dossier_id>/evidence/<int:evidence_id>/edit", methods=["POST"])
@login_required
def edit_evidence(dossier_id: int, evidence_id: int):
    """Correct a document's type or issue date without sending the file again."""
    dossier = _dossier(dossier_id)
    try:
        row = queries.get_evidence(current_user, dossier, evidence_id)
    except NotFound:
        abort(404)
    form = EvidenceEditForm()
    form_name = f"evidence-edit-{row.id}-{form.criterion.data}"
    if not form.validate_on_submit():
        return _invalid_form(dossier, form, form_name, _("Check the document's details."))
    return _change(dossier, form_name,
                   lambda: ops.update_evidence(current_user, dossier, row, document_type=form.document_type.data,
                                               issued_on=form.issued_on.data, version=form.version.data),
                   _("Document details corrected."), f"c-{form.criterion.data}" if form.criterion.data else "criteria")


@bp.route("/<int:dossier_id>/comments", methods=["POST"])
@login_required
def add_comment(dossier_id: int):
    dossier = _dossier(dossier_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _refused(dossier, ValidationFailed(_("Write the comment first."), field="text"), "comment")
    return _change(dossier, "comment",
                   lambda: ops.add_comment(current_user, dossier, form.text.data, criterion=form.criterion.data or None),
                   _("Comment added."), "history")


@bp.route("/<int:dossier_id>/transitions/<trigger>", methods=["POST"])
@login_required
def fire(dossier_id: int, trigger: str):
    dossier = _dossier(dossier_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _invalid_form(dossier, form, f"t-{trigger}", _("Check the form."))
    if trigger == "submit" and dossier.state == "returned" and not request.form.get("confirm_unchanged"):
        notice = return_notice(dossier, history_of(dossier))
        if notice is not None and not notice.changes:
            return _refused(dossier, ValidationFailed(
                _("Nothing has changed since the dossier was returned. Fix what was asked, or confirm that "
                  "you send it back unchanged."), field="confirm_unchanged"), f"t-{trigger}")

    def done() -> str:
        return _("Done: %(action)s. The dossier is now “%(state)s”.",
                 action=tr(dossier.workflow.transition(trigger).label), state=tr(states.STATE_LABELS[dossier.state]))

    return _change(
        dossier, f"t-{trigger}",
        lambda: ops.fire_transition(current_user, dossier, trigger, version=form.version.data, comment=form.comment.data,
                                    decision_number=form.decision_number.data, decision_date=form.decision_date.data,
                                    authority=form.authority.data),
        done,
    )
