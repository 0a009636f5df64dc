"""The single commit of a request or command, and what a failed one turns into."""
from __future__ import annotations

import logging
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from .errors import Conflict, Unavailable
from .extensions import db

log = logging.getLogger(__name__)


def _is_lock_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "deadlock" in text or "could not serialize" in text


def _is_unique_violation(exc: IntegrityError) -> bool:
    """Operations check uniqueness before they write: hitting a unique key means a concurrent
    request wrote the same thing first. Any other integrity error is a fault of ours."""
    if getattr(exc.orig, "sqlstate", None) == "23505":  # PostgreSQL: unique_violation
        return True
    return str(exc.orig).startswith("UNIQUE constraint failed")  # SQLite


def _lost_race() -> Conflict:
    return Conflict(_("Someone else changed this at the same moment. Nothing of yours was saved: reload and try again."))


def commit_keeping_loaded() -> None:
    """Commit, and keep what the request has read loaded (a commit would otherwise expire it all,
    and the answer about to be given would read it again)."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


@contextmanager
def unit_of_work(keep_loaded: bool = False):
    """Run operations, then commit once; on any error roll everything back.

    A write that lost a race (SQLite's lock, a PostgreSQL deadlock, a unique key taken by a
    concurrent request) becomes a conflict: nothing of it was written, and the user may reload.
    Any other database error is logged and raised: the user sees that nothing was saved.

    `keep_loaded`: for a caller that answers at once with what it changed, when the operations
    change rows through the ORM or expire what they change otherwise (a move: its conditional
    UPDATE refreshes the dossier, the verdicts it deletes are expired).
    """
    try:
        yield
        if keep_loaded:
            commit_keeping_loaded()
        else:
            db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        if _is_lock_error(exc):
            raise _lost_race() from exc
        log.exception("database error")
        if exc.connection_invalidated:
            raise Unavailable(_("The connection to the database was lost: nothing was saved. Try again in a moment.")) from exc
        raise
    except IntegrityError as exc:
        db.session.rollback()
        if _is_unique_violation(exc):
            raise _lost_race() from exc
        log.exception("integrity error that no concurrent request explains")
        raise
    except BaseException:
        db.session.rollback()
        raise
