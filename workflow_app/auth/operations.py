"""Checking credentials, shared by the login page and API token creation; guessing is throttled."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..errors import RateLimited, Unauthorized
from ..extensions import db
from ..clock import utcnow
from ..models import AuthFailure, User

FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20


class AuthenticationFailed(Unauthorized):
    """Wrong credentials, or a deactivated account."""


def _recent_failures(key: str) -> int:
    since = utcnow() - FAILURE_WINDOW
    return db.session.scalar(select(func.count(AuthFailure.id)).where(AuthFailure.key == key, AuthFailure.at >= since))


def authenticate(username: str, password: str, address: str = "") -> User:
    """Return the active user with these credentials, or raise AuthenticationFailed.

    After 5 failures for one username, or 20 from one address, within 15 minutes, every attempt
    is refused (RateLimited) before the password is even checked.
    """
    keys = (f"user:{(username or '').strip().lower()[:100]}", f"ip:{(address or '')[:100]}")
    if _recent_failures(keys[0]) >= MAX_FAILURES_PER_USER or _recent_failures(keys[1]) >= MAX_FAILURES_PER_ADDRESS:
        raise RateLimited(_("Too many failed attempts. Wait 15 minutes and try again."))
    user = db.session.execute(
        select(User).where(User.username == (username or "").strip().lower())
    ).scalar_one_or_none()
    if user is None or not user.check_password(password or ""):
        db.session.execute(delete(AuthFailure).where(AuthFailure.at < utcnow() - timedelta(days=1)))
        db.session.add_all(AuthFailure(key=key) for key in keys)
        db.session.commit()  # the failure is kept although the request fails
        raise AuthenticationFailed(_("Wrong username or password."))
    if not user.is_active:
        raise AuthenticationFailed(_("This account has been deactivated. Ask your administrator."))
    return user
