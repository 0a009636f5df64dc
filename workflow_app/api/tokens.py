"""API tokens: issued for a password, stored hashed, expiring, revocable."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..auth.operations import authenticate, secret_digest
from ..clock import utcnow
from ..extensions import db
from ..models import ApiToken, User


def issue_token(username: str, password: str, address: str) -> tuple[str, ApiToken]:
    """A new token for valid credentials (throttled like the login page)."""
    user = authenticate(username, password, address)
    token = secrets.token_urlsafe(32)
    hours = current_app.config.get("API_TOKEN_HOURS", 12)
    row = ApiToken(user=user, token_hash=secret_digest(token), expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for(token: str) -> tuple[User, ApiToken] | None:
    """The active user of a valid, unexpired, unrevoked token."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == secret_digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user, row


def revoke(row: ApiToken) -> None:
    row.revoked_at = utcnow()
