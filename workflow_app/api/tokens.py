"""API tokens: issued for a password, stored hashed, expiring, revocable; guessing is throttled."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..auth.operations import AuthenticationFailed, authenticate
from ..errors import OperationError
from ..extensions import db
from ..models import ApiToken, AuthFailure, User, utcnow

FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20


class RateLimited(OperationError):
    status = 429
    code = "rate_limited"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _recent_failures(key: str) -> int:
    since = utcnow() - FAILURE_WINDOW
    return db.session.scalar(select(func.count(AuthFailure.id)).where(AuthFailure.key == key, AuthFailure.at >= since))


def issue_token(username: str, password: str, address: str) -> tuple[str, ApiToken]:
    """A new token for valid credentials; too many recent failures are refused before checking."""
    keys = (f"user:{(username or '').strip().lower()[:100]}", f"ip:{address[:100]}")
    if (_recent_failures(keys[0]) >= MAX_FAILURES_PER_USER
            or _recent_failures(keys[1]) >= MAX_FAILURES_PER_ADDRESS):
        raise RateLimited(_("Too many failed attempts. Wait 15 minutes and try again."))
    try:
        user = authenticate(username, password)
    except AuthenticationFailed:
        db.session.execute(delete(AuthFailure).where(AuthFailure.at < utcnow() - timedelta(days=1)))
        db.session.add_all(AuthFailure(key=key) for key in keys)
        db.session.commit()  # the failure is kept although the request fails
        raise
    token = secrets.token_urlsafe(32)
    hours = current_app.config.get("API_TOKEN_HOURS", 12)
    row = ApiToken(user=user, token_hash=_digest(token), expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for(token: str) -> tuple[User, ApiToken] | None:
    """The active user of a valid, unexpired, unrevoked token."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= utcnow() or not row.user.is_active:
        return None
    return row.user, row


def revoke(row: ApiToken) -> None:
    row.revoked_at = utcnow()
