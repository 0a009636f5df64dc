"""Who looked at what: each opening of a dossier and each download of a file or record, kept
beside the audit trail (append-only; the purge removes what is older than ACCESS_LOG_DAYS)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, insert

from .clock import utcnow
from .extensions import commits_each_statement, db
from .models import AccessEntry, User
from .transaction import commit_keeping_loaded

_WRITE = insert(AccessEntry.__table__)


def record(user: User, action: str, *, dossier_id: int | None = None, evidence_id: int | None = None,
           channel: str = "web") -> None:
    """Write one entry, committed at once: reading never waits on, nor rolls back, a change.

    A reading request on PostgreSQL commits each statement as it runs (extensions.Session): the
    entry is then committed by its INSERT, and the page reads on through the same connection.
    Otherwise it is committed here, and what the request has read stays loaded (a commit would
    otherwise expire it, and the page about to be shown would read the dossier, its unit and its
    user again). Written as a row of the table, not an object of the session: nothing reads it
    back in the request."""
    db.session.execute(_WRITE, {"user_id": user.id, "actor": user.username, "role": user.role, "dossier_id": dossier_id,
                                "evidence_id": evidence_id, "action": action, "channel": channel})
    if not commits_each_statement():
        commit_keeping_loaded()


def purge() -> int:
    cutoff = utcnow() - timedelta(days=current_app.config["ACCESS_LOG_DAYS"])
    return db.session.execute(delete(AccessEntry).where(AccessEntry.at < cutoff)).rowcount
