"""How audit entries read to a person: action names and a dossier's history."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import criteria
import states

from ..extensions import db
from ..formatting import format_date_vn, input_value
from ..i18n import language, per_language, tr
from ..models import AuditEntry, Dossier, User
from ..units.operations import among

ACTION_LABELS = {
    "dossier_opened": _l("Opened the dossier"),
    # A move whose label names its receiver, which differs between levels and routes.
    "submit": _l("Submitted the dossier"),
    "dossier_moved": _l("Moved to the new map's unit"),
    "user_moved": _l("Moved a user to the new map's unit"),
    "data_updated": _l("Updated the figures"),
    "attestation_set": _l("Attested a criterion"),
    "verdict_recorded": _l("Recorded a verdict"),
    "evidence_added": _l("Attached a file"),
    "evidence_removed": _l("Removed a file"),
    "evidence_changed": _l("Corrected a file's details"),
    "comment_added": _l("Commented"),
    "user_created": _l("Created a user"),
    "user_updated": _l("Changed a user"),
    "password_changed": _l("Changed their own password"),
    "calendar_changed": _l("Changed the year's calendar"),
}


@per_language
def action_label(action: str, lang: str | None = None) -> str:
    lang = lang or language()
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    for workflow in states.WORKFLOWS.values():
        try:
            return workflow.transition(action).label.get(lang)
        except KeyError:
            continue
    return action


def all_actions() -> list[str]:
    triggers = list(dict.fromkeys(t for w in states.WORKFLOWS.values() for t in w.triggers()))
    return list(ACTION_LABELS) + triggers


def actor_names(entries) -> dict[int, str]:
    ids = {e.actor_id for e in entries if e.actor_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(among(User.id, list(ids)))).all())


def history_of(dossier) -> list[dict]:
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.dossier_id == dossier.id).order_by(AuditEntry.seq)
    ).all()
    names = actor_names(entries)
    return [{"entry": e, "who": names.get(e.actor_id, e.actor)} for e in entries]


def dossier_sets(entries) -> dict[int, object]:
    """{dossier id: the criteria set and version it was opened with}, for the entries' dossiers (one query)."""
    ids = {e.dossier_id for e in entries if e.dossier_id}
    if not ids:
        return {}
    rows = db.session.execute(select(Dossier.id, Dossier.criteria_set, Dossier.criteria_set_version)
                              .where(among(Dossier.id, list(ids)))).all()
    registry = criteria.default_registry()
    return {i: registry.get(code, version) for i, code, version in rows}


def _document_change(name: str, old, new, cset) -> str:
    """"Loại văn bản: Kế hoạch → Nghị quyết", "Ngày ban hành: — → 15/03/2025"."""
    if name == "document_type":
        def shown(code):
            known = cset.document_types.get(code) if cset is not None else None
            return tr(known.label) if known else (code or "—")
        return _("Document type: %(old)s → %(new)s", old=shown(old), new=shown(new))

    def day(value):
        return format_date_vn(date.fromisoformat(value)) if value else "—"
    return _("Issue date: %(old)s → %(new)s", old=day(old), new=day(new))


def what_was_decided(entry, cset=None) -> str:
    """An entry's content in a line: a verdict and its criterion, a decision's number, the figures
    changed from → to, the file, the user."""
    d = entry.details or {}
    if entry.action == "verdict_recorded":
        level = _("district police") if d.get("level") == "district" else _("PV05")
        verdict = _("agrees") if d.get("agree") else _("disagrees")
        return f"{d.get('criterion', '')}: {verdict} ({level})"
    if entry.action == "attestation_set":
        attested = _("attested as met") if d.get("met") else _("attested as not met")
        return f"{d.get('criterion', '')}: {attested}"
    if entry.action == "data_updated":
        parts = []
        for name, (old, new) in (d.get("changes") or {}).items():
            spec = cset.inputs.get(name) if cset is not None else None
            label = tr(spec.label) if spec else name
            shown = (lambda v: input_value(spec, v)) if spec else (lambda v: "—" if v in (None, "") else str(v))
            parts.append(f"{label}: {shown(old)} → {shown(new)}")
        return "; ".join(parts)
    if entry.action in ("evidence_added", "evidence_removed"):
        return d.get("filename", "")
    if entry.action == "evidence_changed":
        return f"{d.get('filename', '')}: " + "; ".join(
            _document_change(name, old, new, cset) for name, (old, new) in (d.get("changes") or {}).items())
    if entry.action == "comment_added":
        return d.get("criterion") or ""
    if entry.action in ("user_created", "user_updated", "password_changed"):
        return d.get("user", "")
    decision = d.get("decision")
    if decision and decision.get("number"):
        when = format_date_vn(date.fromisoformat(decision["date"])) if decision.get("date") else ""
        return _("decision no. %(n)s %(d)s %(a)s", n=decision["number"], d=when, a=decision.get("authority") or "").strip()
    return ""
