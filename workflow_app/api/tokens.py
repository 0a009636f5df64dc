"""API tokens: issued for a password, stored hashed, expiring, revocable."""
from __future__ import annotations

import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..auth.operations import authenticate, revisions, secret_digest
from ..clock import utcnow
from ..errors import PermissionDenied
from ..extensions import db
from ..models import ApiToken, User


def issue_token(username: str, password: str, address: str) -> tuple[str, ApiToken]:
    """A new token for valid credentials (throttled like the login page)."""
    user = authenticate(username, password, address)
    if user.must_change_password:
        raise PermissionDenied(_("Sign in on the web page and choose your own password first: the one you were "
                                 "given was chosen by an administrator."))
    token = secrets.token_urlsafe(32)
    hours = current_app.config.get("API_TOKEN_HOURS", 12)
    row = ApiToken(user=user, token_hash=secret_digest(token), expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for(token: str) -> tuple[User, ApiToken] | None:
    """The active user of a valid, unexpired, unrevoked token."""
    found = db.session.execute(_token_user(), {"token_hash": secret_digest(token)}).one_or_none()
    if found is None:
        return None
    row, row.user.map_revision, row.user.calendar_revision = found
    if row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user, row


@lru_cache(maxsize=1)
def _token_user():
    """A token with its user and the user's unit, and the revisions the user's scope and the
    schedules are kept under: every API request reads them; built once."""
    return (select(ApiToken, *revisions()).options(joinedload(ApiToken.user).joinedload(User.unit))
            .where(ApiToken.token_hash == bindparam("token_hash")))


def revoke(row: ApiToken) -> None:
    row.revoked_at = utcnow()
