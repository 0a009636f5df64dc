"""How audit entries read to a person: action names and a dossier's history."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import states

from ..extensions import db
from ..i18n import language
from ..models import AuditEntry, User

ACTION_LABELS = {
    "dossier_opened": _l("Opened the dossier"),
    "data_updated": _l("Updated the figures"),
    "attestation_set": _l("Attested a criterion"),
    "verdict_recorded": _l("Recorded a verdict"),
    "evidence_added": _l("Attached a file"),
    "evidence_removed": _l("Removed a file"),
    "comment_added": _l("Commented"),
    "user_created": _l("Created a user"),
    "user_updated": _l("Changed a user"),
}


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
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def history_of(dossier) -> list[dict]:
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.dossier_id == dossier.id).order_by(AuditEntry.seq)
    ).all()
    names = actor_names(entries)
    return [{"entry": e, "who": names.get(e.actor_id, e.actor)} for e in entries]
