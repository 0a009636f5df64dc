"""The single commit of a request or command, and what a failed one turns into."""
from __future__ import annotations

from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from .errors import Conflict
from .extensions import db


def _is_lock_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "deadlock" in text or "could not serialize" in text


@contextmanager
def unit_of_work():
    """Run operations, then commit once; on any error roll everything back.

    A write that lost a race (SQLite's lock, a PostgreSQL deadlock, a unique index hit by a
    concurrent request) becomes a conflict: nothing of it was written, and the user may reload.
    """
    try:
        yield
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        if _is_lock_error(exc):
            raise Conflict(_("Someone else changed this at the same moment. Nothing of yours was saved: reload and try again.")) from exc
        raise
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("Someone else changed this at the same moment. Nothing of yours was saved: reload and try again.")) from exc
    except BaseException:
        db.session.rollback()
        raise
