from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

import criteria
import states
from states.diagram import mermaid

from ..audit.labels import history_of
from ..errors import NotFound, OperationError
from ..extensions import db
from ..formatting import tr
from ..models import Dossier, Unit
from ..transaction import unit_of_work
from ..units.operations import search_key
from ..web import place_errors
from . import bp
from . import evidence as storage
from . import operations as ops
from .forms import CommentForm, EvidenceForm, ListFilterForm, OpenDossierForm, TransitionForm, VersionedForm
from .presenters import criteria_views

PER_PAGE = 25


def _dossier(dossier_id: int) -> Dossier:
    try:
        return ops.get_dossier(current_user, dossier_id)
    except NotFound:
        abort(404)


def _set_choices(blank: bool = False):
    choices = [(s.code, s.name.get(ops.language())) for s in criteria.default_registry().latest()]
    return ([("", "—")] if blank else []) + choices


def _state_choices():
    return [("", "—")] + [(s, label.get(ops.language())) for s, label in states.STATE_LABELS.items()]


@bp.route("/")
@login_required
def index():
    form = ListFilterForm(request.args)
    form.criteria_set.choices = _set_choices(blank=True)
    form.state.choices = _state_choices()
    query = (select(Dossier).join(Unit, Dossier.unit_id == Unit.id).options(contains_eager(Dossier.unit))
             .where(Dossier.unit_id.in_(ops.visible_unit_ids(current_user))))
    if form.validate():
        if form.q.data:
            query = query.where(Unit.search_name.like(f"%{search_key(form.q.data)}%"))
        if form.criteria_set.data:
            query = query.where(Dossier.criteria_set == form.criteria_set.data)
        if form.year.data:
            query = query.where(Dossier.year == form.year.data)
        if form.state.data:
            query = query.where(Dossier.state == form.state.data)
    page = db.paginate(query.order_by(Dossier.updated_at.desc(), Dossier.id.desc()), per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("dossiers/index.html", form=form, page=page, args=args)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if current_user.role not in states.SUBMITTING_ROLE.values():
        abort(403)
    unit = current_user.unit
    year = ops.today_in_vietnam().year
    form = OpenDossierForm(year=year)
    registry = criteria.default_registry()
    offered = [s for s in registry.latest() if s.level == unit.level and s.applies_to_unit_type(unit.type)]
    form.criteria_set.choices = [(s.code, s.name.get(ops.language())) for s in offered]
    if form.validate_on_submit():
        try:
            with unit_of_work():
                dossier = ops.open_dossier(current_user, criteria_set=form.criteria_set.data, year=form.year.data)
        except OperationError as exc:
            place_errors(form, exc)
        else:
            flash(_("Dossier opened. Enter the figures, attach the evidence, then submit it."), "success")
            return redirect(url_for("dossiers.detail", dossier_id=dossier.id))
    return render_template("dossiers/new.html", form=form, offered=offered, unit=unit), (400 if form.errors else 200)


@bp.route("/<int:dossier_id>")
@login_required
def detail(dossier_id: int):
    return _render_detail(_dossier(dossier_id))


def _render_detail(dossier: Dossier, status: int = 200, *, errors=None, submitted=None, blockers=None,
                   active_form: str | None = None, message: str | None = None):
    """The dossier page; after a refusal, with the refusal next to the fields and what was typed kept."""
    evaluation = ops.evaluate_dossier(dossier)
    workflow = ops.workflow_of(dossier)
    cset = ops.criteria_set_of(dossier)
    reviewer_level = workflow.reviewer_level(dossier.state)
    reviewer_role = {"district": "district_officer", "pv05": "pv05_officer"}.get(reviewer_level)
    can_edit = (current_user.role == states.SUBMITTING_ROLE[dossier.level] and current_user.unit_id == dossier.unit_id
                and dossier.state in workflow.editable_states)
    context = dict(
        dossier=dossier,
        cset=cset,
        evaluation=evaluation,
        groups=criteria_views(dossier, evaluation),
        transitions=ops.transitions_for(current_user, dossier, evaluation),
        history=history_of(dossier),
        diagram=mermaid(workflow.name, dossier.state, ops.language()),
        can_edit=can_edit,
        can_review=reviewer_role is not None and current_user.role == reviewer_role,
        reviewer_level=reviewer_level,
        can_comment=current_user.role not in ("inspector", "admin"),
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


@bp.route("/<int:dossier_id>/sheet", methods=["POST"])
@login_required
def save_sheet(dossier_id: int):
    """The data sheet and the attestations, saved together."""
    dossier = _dossier(dossier_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    cset = ops.criteria_set_of(dossier)
    values = {name: request.form.get(name, "") for name in cset.inputs if name in request.form}
    try:
        with unit_of_work():
            ops.update_data(current_user, dossier, values, version=form.version.data)
            _save_answers(cset, "attest", ("yes", "no"), {a.criterion: (a.met, a.note) for a in dossier.attestations},
                          lambda code, met, note: ops.set_attestation(current_user, dossier, code, met=met, note=note))
    except OperationError as exc:
        return _refused(dossier, exc, "sheet")
    flash(_("Saved."), "success")
    return _back(dossier, "criteria")


def _save_answers(cset, prefix: str, choices: tuple[str, str], current: dict, save) -> None:
    """Per-criterion answers of a page form (attestations, verdicts): for each criterion answered
    and changed, call save(code, answer is the first choice, text); an error goes by its text box."""
    for criterion in cset.criteria:
        answer = request.form.get(f"{prefix}__{criterion.code}")
        if answer not in choices:
            continue
        flag, text = answer == choices[0], request.form.get(f"{prefix}_comment__{criterion.code}", "").strip()
        if current.get(criterion.code) == (flag, text):
            continue
        try:
            save(criterion.code, flag, text)
        except OperationError as exc:
            raise type(exc)(exc.message, fields={f"{prefix}_comment__{criterion.code}": exc.message}) from None


@bp.route("/<int:dossier_id>/verdicts", methods=["POST"])
@login_required
def save_verdicts(dossier_id: int):
    dossier = _dossier(dossier_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    level = ops.workflow_of(dossier).reviewer_level(dossier.state)
    current = {v.criterion: (v.agree, v.comment) for v in dossier.verdicts if v.level == level}
    try:
        with unit_of_work():
            ops.check_version(dossier, form.version.data)
            _save_answers(ops.criteria_set_of(dossier), "verdict", ("agree", "disagree"), current,
                          lambda code, agree, text: ops.record_verdict(current_user, dossier, code, agree=agree, comment=text))
    except OperationError as exc:
        return _refused(dossier, exc, "verdicts")
    flash(_("Verdicts saved."), "success")
    return _back(dossier, "criteria")


@bp.route("/<int:dossier_id>/evidence", methods=["POST"])
@login_required
def upload_evidence(dossier_id: int):
    dossier = _dossier(dossier_id)
    form = EvidenceForm()
    form.document_type.choices = [(c, c) for c in ops.criteria_set_of(dossier).document_types]
    if not form.validate_on_submit():
        return _refused(dossier, ops.ValidationFailed(
            _("Check the upload form."), fields={k: "; ".join(v) for k, v in form.errors.items()}), "evidence")
    upload = form.file.data
    try:
        with unit_of_work():
            ops.add_evidence(
                current_user, dossier, upload.stream if upload else None, upload.filename if upload else "",
                document_type=form.document_type.data, issued_on=form.issued_on.data,
                criterion=form.criterion.data or None, version=form.version.data,
            )
    except OperationError as exc:
        return _refused(dossier, exc, f"evidence-{form.criterion.data}")
    flash(_("File attached."), "success")
    return _back(dossier, f"c-{form.criterion.data}" if form.criterion.data else "criteria")


@bp.route("/<int:dossier_id>/evidence/<int:evidence_id>")
@login_required
def download_evidence(dossier_id: int, evidence_id: int):
    dossier = _dossier(dossier_id)
    try:
        row = ops.get_evidence(current_user, dossier, evidence_id)
    except NotFound:
        abort(404)
    return send_file(storage.path_of(row.stored_name), mimetype=row.content_type, as_attachment=True,
                     download_name=row.filename)


@bp.route("/<int:dossier_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@login_required
def remove_evidence(dossier_id: int, evidence_id: int):
    dossier = _dossier(dossier_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        row = ops.get_evidence(current_user, dossier, evidence_id)
    except NotFound:
        abort(404)
    try:
        with unit_of_work():
            ops.remove_evidence(current_user, dossier, row, version=form.version.data)
    except OperationError as exc:
        return _refused(dossier, exc, "evidence")
    flash(_("File removed."), "success")
    return _back(dossier, "criteria")


@bp.route("/<int:dossier_id>/comments", methods=["POST"])
@login_required
def add_comment(dossier_id: int):
    dossier = _dossier(dossier_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _refused(dossier, ops.ValidationFailed(_("Write the comment first."), field="text"), "comment")
    try:
        with unit_of_work():
            ops.add_comment(current_user, dossier, form.text.data, criterion=form.criterion.data or None)
    except OperationError as exc:
        return _refused(dossier, exc, "comment")
    flash(_("Comment added."), "success")
    return _back(dossier, "history")


@bp.route("/<int:dossier_id>/transitions/<trigger>", methods=["POST"])
@login_required
def fire(dossier_id: int, trigger: str):
    dossier = _dossier(dossier_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _refused(dossier, ops.ValidationFailed(
            _("Check the form."), fields={k: "; ".join(v) for k, v in form.errors.items()}), f"t-{trigger}")
    try:
        with unit_of_work():
            ops.fire_transition(current_user, dossier, trigger, version=form.version.data, comment=form.comment.data,
                                decision_number=form.decision_number.data, decision_date=form.decision_date.data,
                                authority=form.authority.data)
    except OperationError as exc:
        return _refused(dossier, exc, f"t-{trigger}")
    label = ops.workflow_of(dossier).transition(trigger).label.get(ops.language())
    flash(_("Done: %(action)s. The dossier is now “%(state)s”.", action=label,
            state=states.STATE_LABELS[dossier.state].get(ops.language())), "success")
    return _back(dossier)
