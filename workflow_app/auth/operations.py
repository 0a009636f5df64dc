"""Checking credentials, shared by the login page and API token creation."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import OperationError
from ..extensions import db
from ..models import User


class AuthenticationFailed(OperationError):
    status = 401
    code = "unauthorized"


def authenticate(username: str, password: str) -> User:
    """Return the active user with these credentials, or raise AuthenticationFailed."""
    user = db.session.execute(
        select(User).where(User.username == (username or "").strip().lower())
    ).scalar_one_or_none()
    if user is None or not user.check_password(password or ""):
        raise AuthenticationFailed(_("Wrong username or password."))
    if not user.is_active:
        raise AuthenticationFailed(_("This account has been deactivated. Ask your administrator."))
    return user
