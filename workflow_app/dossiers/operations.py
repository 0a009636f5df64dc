"""Dossier operations shared by the web UI and the API. They check role, scope and state,
write their audit entry in the caller's transaction, and never commit. Reads are in queries."""
from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

import criteria
import states

from .. import notifications
from ..audit import trail
from ..clock import today_in_vietnam, utcnow
from ..deadlines import schedule_for
from ..errors import (
    Conflict,
    GuardFailed,
    NotFound,
    PermissionDenied,
    TooLarge,
    Unavailable,
    ValidationFailed,
)
from ..extensions import db
from ..i18n import language
from ..models import Attestation, Comment, Dossier, Evidence, User, Verdict
from ..units.operations import get_unit, route_of
from . import evidence as files
from .queries import Children, Moved, children_of, criteria_set_of, evaluate_dossier, guard_context

MAX_COMMENT = 4000


# --- opening ----------------------------------------------------------------------------------


def open_dossier(actor: User, *, criteria_set: str, year: Any, unit_code: str | None = None) -> Dossier:
    """Open a dossier for the actor's own unit (commune police: its commune; district: its district)."""
    if not actor.can_open_dossiers():
        raise PermissionDenied(_("Only commune and district police open dossiers."))
    unit = actor.unit if not unit_code else get_unit(unit_code)
    if unit.id != actor.unit_id:
        raise PermissionDenied(_("You can open dossiers only for your own unit, %(unit)s.", unit=actor.unit.name))
    try:
        cset = criteria.default_registry().get(criteria_set or "")
    except criteria.UnknownCriteriaSet:
        raise ValidationFailed(_("Choose a criteria set."), field="criteria_set") from None
    if states.SUBMITTING_ROLE[cset.level] != actor.role:
        raise ValidationFailed(
            _("The set “%(set)s” is for units of another level.", set=cset.name.get(language())), field="criteria_set"
        )
    if not cset.applies_to_unit_type(unit.type):
        raise ValidationFailed(
            _("The set “%(set)s” does not apply to %(unit)s.", set=cset.name.get(language()), unit=unit.name),
            field="criteria_set",
        )
    year = _year(year)
    if unit.valid_to is not None and year > unit.valid_to.year:
        raise ValidationFailed(_("%(unit)s ceased to exist on %(day)s: open the dossier of %(year)d for the unit "
                                 "it became.", unit=unit.name, day=unit.valid_to.strftime("%d/%m/%Y"), year=year),
                               field="year")
    route = route_of(unit, year)
    if not route.files_on(cset.level):
        raise ValidationFailed(_("The set “%(set)s” is for districts, and %(province)s has no district police "
                                 "review in %(year)d.", set=cset.name.get(language()), province=unit.province.name,
                                 year=year), field="criteria_set")
    if not cset.applies_to_year(year):
        period = f"{cset.from_year}–{cset.to_year}" if cset.to_year else f"{cset.from_year} →"
        raise ValidationFailed(
            _("The set “%(set)s” applies to the years %(period)s.", set=cset.name.get(language()), period=period),
            field="year",
        )
    existing = db.session.execute(
        select(Dossier.id).where(
            Dossier.unit_id == unit.id, Dossier.criteria_set == cset.code, Dossier.year == year, Dossier.state != "withdrawn"
        )
    ).scalar()
    if existing:
        raise Conflict(
            _("%(unit)s already has a dossier for this set and year (no. %(id)d).", unit=unit.name, id=existing)
        )
    dossier = Dossier(
        unit=unit, criteria_set=cset.code, criteria_set_version=cset.version, level=cset.level,
        route=route.code, year=year, state=states.workflow_for(cset.level, route.code).initial, version=1, values={}, created_by=actor,
    )
    dossier.due_on = schedule_for(unit).due(cset.code, year, dossier.state, utcnow())  # the campaign's last day
    db.session.add(dossier)
    db.session.flush()
    trail.append(actor, "dossier_opened", dossier=dossier, to_state=dossier.state,
                 details={"criteria_set": cset.code, "criteria_set_version": cset.version, "year": year,
                          "route": route.code})
    return dossier


def _year(raw: Any) -> int:
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("The year must be a number such as 2024."), field="year") from None
    if not 2000 <= year <= today_in_vietnam().year + 1:
        raise ValidationFailed(_("The year %(year)d is not plausible.", year=year), field="year")
    return year


# --- the common checks -------------------------------------------------------------------------


def _check_scope(actor: User, dossier: Dossier) -> None:
    if not dossier.can_view(actor):
        raise NotFound(_("No such dossier."))


def check_version(dossier: Dossier, version: Any) -> None:
    if version is None or version == "":
        return
    try:
        seen = int(version)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The version must be a whole number."), field="version") from None
    if seen != dossier.version:
        raise _changed(dossier, seen)


def _changed(dossier: Dossier, seen: int) -> Conflict:
    db.session.refresh(dossier)
    return Conflict(
        _(
            "The dossier changed while you were working on it (you saw version %(seen)d, it is now at version %(now)d, state: %(state)s). Nothing of yours was saved: reload it.",
            seen=seen, now=dossier.version, state=states.STATE_LABELS[dossier.state].get(language()),
        )
    )


def _claim(dossier: Dossier, *, new_state: str | None = None, **changes) -> None:
    """Increment the version if, and only if, the row is still what we read: one row or a conflict.

    This conditional UPDATE is the lock: it works alike on SQLite and PostgreSQL.
    """
    seen_version, seen_state = dossier.version, dossier.state
    now = utcnow()
    table = Dossier.__table__
    values = {"version": table.c.version + 1, "updated_at": now, **changes}
    if new_state is not None:
        due = schedule_for(dossier.unit).due(dossier.criteria_set, dossier.year, new_state, now)
        values.update(state=new_state, state_changed_at=now, due_on=due)
    written = db.session.execute(
        update(table).where(table.c.id == dossier.id, table.c.version == seen_version, table.c.state == seen_state)
        .values(**values).returning(*(table.c[name] for name in values))
    ).first()
    if written is None:
        raise _changed(dossier, seen_version)
    # The row was what we read (its version says so): what this UPDATE wrote comes back with it,
    # and the rest of the dossier, its attestations, evidence and verdicts, stay as read.
    for name, value in zip(values, written):
        set_committed_value(dossier, name, value)


def check_editable(actor: User, dossier: Dossier) -> None:
    """Data, attestations and evidence: only the submitting role of the dossier's own unit, in draft or returned."""
    _check_scope(actor, dossier)
    if not dossier.is_submitter(actor):
        raise PermissionDenied(_("Only the police of %(unit)s may change this dossier.", unit=dossier.unit.name))
    if not dossier.is_editable:
        raise Conflict(
            _("The dossier is “%(state)s”: it can be changed only as a draft or when returned.",
              state=states.STATE_LABELS[dossier.state].get(language()))
        )


def _criterion(dossier: Dossier, code: str):
    cset = criteria_set_of(dossier)
    if not cset.has_criterion(code or ""):
        raise NotFound(_("The set has no criterion %(code)s.", code=code), field="criterion")
    return cset.criterion(code)


def _text_field(value: Any, field: str, *, required: bool = False, limit: int = MAX_COMMENT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(_("This must be text."), field=field)
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("This cannot be empty."), field=field)
    if len(value) > limit:
        raise ValidationFailed(_("At most %(n)d characters.", n=limit), field=field)
    return value


# --- changing a dossier ------------------------------------------------------------------------


def update_data(actor: User, dossier: Dossier, values: Any, *, version: Any = None) -> Dossier:
    """Change values of the data sheet; unknown fields and bad values are refused together."""
    check_editable(actor, dossier)
    check_version(dossier, version)
    if not isinstance(values, dict):
        raise ValidationFailed(_("The values must be an object of field names and values."), field="values")
    cset = criteria_set_of(dossier)
    current = dict(dossier.values or {})
    clean, errors = criteria.validate_values(cset, values, current)
    if errors:
        lang = language()
        raise ValidationFailed(
            _("Some values are not valid: nothing was saved."), fields={k: v.get(lang) for k, v in errors.items()}
        )
    changes = {k: [current.get(k), v] for k, v in clean.items() if current.get(k) != v}
    if not changes:
        return dossier
    merged = {**current, **clean}
    _claim(dossier, values={k: v for k, v in merged.items() if v is not None})
    trail.append(actor, "data_updated", dossier=dossier, details={"changes": changes})
    return dossier


def set_attestation(actor: User, dossier: Dossier, criterion: str, *, met: Any, note: Any = "", version: Any = None) -> Dossier:
    check_editable(actor, dossier)
    check_version(dossier, version)
    crit = _criterion(dossier, criterion)
    if not any(r.kind == "attest" for r in crit.requirements):
        raise ValidationFailed(_("Criterion %(code)s is not assessed by attestation.", code=crit.code), field="criterion")
    if not isinstance(met, bool):
        raise ValidationFailed(_("Say whether the criterion is met (true or false)."), field="met")
    note = _text_field(note, "note")
    if not met and not note:
        raise ValidationFailed(_("Say why the criterion is not met."), field="note")
    row = next((a for a in dossier.attestations if a.criterion == crit.code), None)
    if row is None:
        row = Attestation(dossier=dossier, criterion=crit.code, met=met, note=note, by=actor)
        db.session.add(row)
    else:
        row.met, row.note, row.by, row.at = met, note, actor, utcnow()
    _claim(dossier)
    trail.append(actor, "attestation_set", dossier=dossier, comment=note, details={"criterion": crit.code, "met": met})
    return dossier


def record_verdict(actor: User, dossier: Dossier, criterion: str, *, agree: Any, comment: Any = "", version: Any = None) -> Dossier:
    """A reviewer's verdict on one criterion; only the reviewer whose turn it is."""
    _check_scope(actor, dossier)
    if not dossier.can_review(actor):
        raise PermissionDenied(_("It is not your turn to give verdicts on this dossier."))
    level = dossier.workflow.reviewer_level(dossier.state)
    check_version(dossier, version)
    crit = _criterion(dossier, criterion)
    if not isinstance(agree, bool):
        raise ValidationFailed(_("Say whether you agree (true or false)."), field="agree")
    comment = _text_field(comment, "comment")
    if not agree and not comment:
        raise ValidationFailed(_("When you disagree, say what must be fixed."), field="comment")
    row = next((v for v in dossier.verdicts if v.criterion == crit.code and v.level == level), None)
    if row is None:
        row = Verdict(dossier=dossier, criterion=crit.code, level=level, agree=agree, comment=comment, by=actor)
        db.session.add(row)
    else:
        row.agree, row.comment, row.by, row.at = agree, comment, actor, utcnow()
    _claim(dossier)
    trail.append(actor, "verdict_recorded", dossier=dossier, comment=comment,
                 details={"criterion": crit.code, "level": level, "agree": agree})
    return dossier


def add_comment(actor: User, dossier: Dossier, text: Any, *, criterion: str | None = None) -> Comment:
    _check_scope(actor, dossier)
    if not dossier.can_comment(actor):
        raise PermissionDenied(_("Your role reads dossiers but does not comment on them."))
    text = _text_field(text, "text", required=True)
    code = _criterion(dossier, criterion).code if criterion else None
    comment = Comment(dossier=dossier, criterion=code, text=text, by=actor)
    db.session.add(comment)
    _claim(dossier)
    trail.append(actor, "comment_added", dossier=dossier, comment=text, details={"criterion": code})
    return comment


def add_evidence(
    actor: User,
    dossier: Dossier,
    stream: BinaryIO | None,
    filename: str,
    *,
    document_type: Any,
    issued_on: Any = None,
    criterion: str | None = None,
    version: Any = None,
) -> Evidence:
    """Attach an evidence file, its type checked from its content."""
    check_editable(actor, dossier)
    check_version(dossier, version)
    cset = criteria_set_of(dossier)
    if document_type not in cset.document_types:
        raise ValidationFailed(_("Choose the type of document."), field="document_type")
    issued = _issued_on(issued_on)
    code = _criterion(dossier, criterion).code if criterion else None
    if stream is None or not filename:
        raise ValidationFailed(_("Choose a file to upload."), field="file")
    content = read_upload(stream)
    if not content:
        raise ValidationFailed(_("The file is empty."), field="file")
    try:
        stored = files.store(db.session, content)
    except files.SuspiciousArchive:
        raise ValidationFailed(
            _("The file is a compressed archive that would expand to far more than any office document: it was refused."),
            field="file") from None
    except files.StorageFailed:
        current_app.logger.exception("evidence file could not be written")
        raise Unavailable(_("The server could not store the file (its disk may be full): nothing was saved. "
                            "Tell your administrator."), field="file") from None
    except files.UnsupportedFile:
        raise ValidationFailed(
            _("Only these kinds of file are accepted: %(kinds)s.", kinds=files.ACCEPTED), field="file"
        ) from None
    row = Evidence(
        dossier=dossier, criterion=code, document_type=document_type, issued_on=issued,
        filename=files.clean_filename(filename), stored_name=stored.stored_name, content_type=stored.content_type,
        size=stored.size, sha256=stored.sha256, uploaded_by=actor,
    )
    db.session.add(row)
    _claim(dossier)
    db.session.expire(dossier, ["evidence"])  # a view of the rows (not removed): read again when asked
    trail.append(actor, "evidence_added", dossier=dossier, details={
        "evidence_id": row.id, "filename": row.filename, "document_type": document_type,
        "issued_on": issued.isoformat() if issued else None, "sha256": stored.sha256, "size": stored.size,
    })
    return row


def read_upload(stream: BinaryIO) -> bytes:
    """An uploaded file's bytes, refused on the "file" field past MAX_UPLOAD_BYTES."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    try:
        return files.read_limited(stream, limit)
    except files.FileTooLarge:
        raise TooLarge(_("A file may be at most %(mb)d MB.", mb=limit // (1024 * 1024)), field="file") from None


def _date(raw: Any, field: str, message: str) -> date | None:
    """An optional ISO date (YYYY-MM-DD) from a form or JSON; anything else is refused on `field`."""
    if raw in (None, ""):
        return None
    try:
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationFailed(message, field=field) from None


def _issued_on(raw: Any) -> date | None:
    issued = _date(raw, "issued_on", _("The issue date must be a date (YYYY-MM-DD)."))
    if issued is not None and issued > today_in_vietnam():
        raise ValidationFailed(_("The issue date cannot be in the future."), field="issued_on")
    return issued


def update_evidence(actor: User, dossier: Dossier, row: Evidence, *, document_type: Any = None,
                    issued_on: Any = None, version: Any = None) -> Evidence:
    """Correct what an attached document is (its type) and when it was issued, without sending the
    file again; the audit entry keeps the old and new values."""
    check_editable(actor, dossier)
    check_version(dossier, version)
    if document_type is not None and document_type not in criteria_set_of(dossier).document_types:
        raise ValidationFailed(_("Choose the type of document."), field="document_type")
    issued = _issued_on(issued_on)
    changes: dict[str, list] = {}
    if document_type is not None and document_type != row.document_type:
        changes["document_type"] = [row.document_type, document_type]
        row.document_type = document_type
    if issued != row.issued_on:
        changes["issued_on"] = [row.issued_on.isoformat() if row.issued_on else None,
                                issued.isoformat() if issued else None]
        row.issued_on = issued
    if not changes:
        return row
    _claim(dossier)
    trail.append(actor, "evidence_changed", dossier=dossier,
                 details={"evidence_id": row.id, "filename": row.filename, "changes": changes})
    return row


def remove_evidence(actor: User, dossier: Dossier, row: Evidence, *, version: Any = None) -> None:
    check_editable(actor, dossier)
    check_version(dossier, version)
    row.removed_at = utcnow()
    row.removed_by_id = actor.id
    _claim(dossier)
    db.session.expire(dossier, ["evidence"])  # a view of the rows (not removed): read again when asked
    trail.append(actor, "evidence_removed", dossier=dossier,
                 details={"evidence_id": row.id, "filename": row.filename, "sha256": row.sha256})


# --- transitions -------------------------------------------------------------------------------


class AfterMove(NamedTuple):
    """A moved dossier with what the move's guards read of it, as the move left it: its children
    (the verdicts the move cleared gone, its entry in the trail added to the history) and its
    evaluation, which a move does not change (a dossier's figures, attestations and evidence stay;
    a district's counts are of its communes' dossiers, not its own). The API answers a move with
    the dossier as it now stands without reading these again."""

    dossier: Dossier
    children: Children
    evaluation: criteria.Evaluation


def fire_transition(
    actor: User,
    dossier: Dossier,
    trigger: str,
    *,
    version: Any = None,
    comment: Any = "",
    decision_number: Any = "",
    decision_date: Any = None,
    authority: Any = "",
) -> AfterMove:
    """Move the dossier: guards evaluated, state changed and audit written together, or nothing.
    Returns the dossier with what the guards read of it, as the move left it (see AfterMove)."""
    _check_scope(actor, dossier)
    try:
        spec = dossier.workflow.transition(trigger)
    except KeyError:
        raise NotFound(_("There is no action %(trigger)s.", trigger=trigger), field="trigger") from None
    if actor.role != spec.role:
        raise PermissionDenied(_("Your role may not “%(action)s” a dossier.", action=spec.label.get(language())))
    check_version(dossier, version)
    if dossier.state not in spec.sources:
        raise Conflict(_(
            "A dossier that is “%(state)s” cannot be “%(action)s”.",
            state=states.STATE_LABELS[dossier.state].get(language()), action=spec.label.get(language()),
        ))
    comment = _text_field(comment, "comment")
    number = _text_field(decision_number, "decision_number", limit=60)
    authority = _text_field(authority, "authority", limit=200)
    when = _date(decision_date, "decision_date", _("The decision date must be a date (YYYY-MM-DD)."))
    # What the guards read of the dossier's attestations, evidence and verdicts, as rows, in one
    # statement (three loads of mapped collections cost a move more than its own writes).
    children = children_of([dossier.id])[dossier.id]
    evaluation = evaluate_dossier(dossier, children)
    ctx = guard_context(dossier, evaluation, children.verdicts, comment=comment, decision_number=number,
                        decision_date=when, authority=authority)
    moved: list[Moved] = []

    def on_change(source: str, dest: str, _trigger: str) -> None:
        changes: dict[str, Any] = {}
        if spec.needs("decision"):
            changes.update(decision_number=number, decision_date=when, decision_authority=authority)
        if spec.needs("revocation"):
            changes.update(revocation_number=number)
        if trigger == "verify":
            changes.update(verified_on=today_in_vietnam())
        _claim(dossier, new_state=dest, **changes)
        if spec.clears_verdicts:
            db.session.execute(delete(Verdict).where(Verdict.dossier_id == dossier.id, Verdict.level == spec.clears_verdicts))
            if "verdicts" in dossier.__dict__:  # as read, less what was cleared: not read again
                set_committed_value(dossier, "verdicts", [v for v in dossier.verdicts if v.level != spec.clears_verdicts])
        details: dict[str, Any] = {
            "criteria_set": dossier.criteria_set, "criteria_set_version": dossier.criteria_set_version,
            "snapshot": evaluation.snapshot(),
        }
        if spec.needs("decision") or spec.needs("revocation"):
            details["decision"] = {"number": number, "date": when.isoformat() if when else None, "authority": authority}
        notifications.after_move(dossier, spec, actor)  # in this transaction: rolled back with it
        # Last: the trail's head is the one row every change in the country waits for, held from
        # here to the commit.
        entry = trail.append(actor, trigger, dossier=dossier, from_state=source, to_state=dest, comment=comment,
                             details=details)
        moved.append(Moved(entry["seq"], entry["at"], entry["actor"], trigger, source, dest, entry["comment"]))

    try:
        states.machine_for(dossier.level, dossier.route).fire(dossier.state, trigger, ctx, on_change=on_change)
    except states.TransitionRefused as refused:
        raise GuardFailed(
            _("“%(action)s” is blocked: %(n)d problem(s) to fix first.", action=spec.label.get(language()), n=len(refused.blockers)),
            refused.blockers,
        ) from None
    verdicts = children.verdicts
    if spec.clears_verdicts:
        verdicts = [v for v in verdicts if v.level != spec.clears_verdicts]
    return AfterMove(dossier, Children(children.attestations, children.evidence, verdicts, children.history + moved),
                     evaluation)
