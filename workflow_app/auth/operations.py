"""Signing in: credentials checked for the login page and API tokens alike, password guessing
slowed down, and the signed-in sessions that logout and password changes end."""
from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, delete, func, select, update
from sqlalchemy.orm import aliased, joinedload

from ..audit import trail
from ..clock import utcnow
from ..errors import RateLimited, Unauthorized, ValidationFailed
from ..extensions import db
from ..models import (
    ApiToken,
    AuthFailure,
    CalendarRevision,
    LoginSession,
    MapRevision,
    Notification,
    Unit,
    User,
    hash_password,
    password_matches,
)
from .passwords import check_password

FAILURE_WINDOW = timedelta(minutes=15)
# After this many failures within the window, each further attempt must wait after the previous
# one: 1 s, then 2, 4, … up to MAX_WAIT. A right password is never refused for longer than that,
# so nobody can lock an officer (or, behind one proxy address, the whole province) out.
FREE_ATTEMPTS_PER_USER = 5
FREE_ATTEMPTS_PER_ADDRESS = 20
MAX_WAIT = timedelta(seconds=60)


class AuthenticationFailed(Unauthorized):
    """Wrong credentials, or a deactivated account."""


def secret_digest(secret: str) -> str:
    """What is stored of a secret handed out (a session key, an API token): its SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@lru_cache(maxsize=4)
def _decoy_hash(method: str) -> str:
    """A hash to check unknown usernames against, so that they cost what known ones cost."""
    return hash_password(secrets.token_urlsafe(16))


def _wait_needed(key: str, own_id: int, free: int) -> float:
    """Seconds this attempt must still wait, counting it and every other attempt in the window."""
    since = utcnow() - FAILURE_WINDOW
    count = db.session.scalar(
        select(func.count(AuthFailure.id)).where(AuthFailure.key == key, AuthFailure.at >= since))
    if count <= free:
        return 0.0
    previous = db.session.scalar(select(func.max(AuthFailure.at)).where(
        AuthFailure.key == key, AuthFailure.at >= since, AuthFailure.id != own_id))
    gap = min(timedelta(seconds=2 ** (count - free - 1)), MAX_WAIT)
    return max((previous + gap - utcnow()).total_seconds(), 0.0) if previous is not None else 0.0


def authenticate(username: str, password: str, address: str = "") -> User:
    """Return the active user with these credentials, or raise AuthenticationFailed / RateLimited.

    The attempt is recorded (and committed) before the password is checked, so that parallel
    guesses count against each other; a right password removes the user's failures.
    """
    name = (username or "").strip().lower()
    keys = ((f"user:{name[:100]}", FREE_ATTEMPTS_PER_USER), (f"ip:{(address or '')[:100]}", FREE_ATTEMPTS_PER_ADDRESS))
    db.session.execute(delete(AuthFailure).where(AuthFailure.at < utcnow() - timedelta(days=1)))
    # Stamped once the write above holds the lock (SQLite serializes writers): the time it counts from.
    attempts = [AuthFailure(key=key, at=utcnow()) for key, _free in keys]
    db.session.add_all(attempts)
    db.session.commit()  # the attempt counts whatever happens next
    wait = max(_wait_needed(key, row.id, free) for (key, free), row in zip(keys, attempts))
    if wait > 0:
        _forget(attempts)  # not checked, so not counted
        raise RateLimited(_("Too many failed attempts. Wait %(n)d seconds and try again.", n=math.ceil(wait)),
                          retry_after=math.ceil(wait))
    user = db.session.execute(select(User).where(User.username == name)).scalar_one_or_none()
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if user is None:
        password_matches(_decoy_hash(method), password or "")
        raise AuthenticationFailed(_("Wrong username or password."))
    if not user.check_password(password or ""):
        raise AuthenticationFailed(_("Wrong username or password."))
    _forget(attempts)
    db.session.execute(delete(AuthFailure).where(AuthFailure.key == keys[0][0]))
    db.session.commit()
    if not user.is_active:
        raise AuthenticationFailed(_("This account has been deactivated. Ask your administrator."))
    return user


def _forget(attempts: list[AuthFailure]) -> None:
    db.session.execute(delete(AuthFailure).where(AuthFailure.id.in_([a.id for a in attempts])))
    db.session.commit()


# --- signed-in sessions ----------------------------------------------------------------------


def start_session(user: User) -> str:
    """A new signed-in session for the user; the key goes into the session cookie."""
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user=user, key_hash=secret_digest(key)))
    user.session_key = key
    return key


def user_for_session(value: str) -> User | None:
    """The active user of a live session, from what the cookie holds ("<user id>:<key>")."""
    user_id, _sep, key = (value or "").partition(":")
    if not user_id.isdigit() or not key or len(user_id) > 10:
        return None
    found = db.session.execute(_session_user(), {"user_id": int(user_id), "key_hash": secret_digest(key)}).one_or_none()
    if found is None:
        return None
    user, user.unread, user.map_revision, user.calendar_revision, user.province_revision = found
    user.session_key = key
    return user


def revisions() -> tuple:
    """The map's revision and the calendars', as columns of the statement that reads the signed-in
    user: what the user's scope and the provinces' schedules are kept under."""
    return (select(MapRevision.value).where(MapRevision.id == 1).scalar_subquery(),
            select(CalendarRevision.value).where(CalendarRevision.id == 1).scalar_subquery())


@lru_cache(maxsize=1)
def _session_user():
    """The user of a live session with its unit and its unread notifications, which every page
    shows, and the revisions its scope (units/scopes.py), the schedules (deadlines.py) and its
    home page's origins (main/routes.py) are kept under: the map's, the calendars' and its own
    province's (the top of its unit's tree, at most two parents up). One statement per request,
    built once."""
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.user_id == User.id, Notification.read_at.is_(None)).scalar_subquery())
    own, parent, grandparent = aliased(Unit), aliased(Unit), aliased(Unit)
    province_revision = func.coalesce(grandparent.revision, parent.revision, own.revision)
    return (select(User, unread, *revisions(), province_revision).join(LoginSession, LoginSession.user_id == User.id)
            .join(own, own.id == User.unit_id).outerjoin(parent, parent.id == own.parent_id)
            .outerjoin(grandparent, grandparent.id == parent.parent_id)
            .options(joinedload(User.unit))
            .where(User.id == bindparam("user_id", type_=Integer), LoginSession.key_hash == bindparam("key_hash"),
                   LoginSession.ended_at.is_(None)))


def end_session(user: User) -> None:
    """Logging out: this session's cookie, and any copy of it, no longer signs anyone in."""
    if user.session_key:
        db.session.execute(update(LoginSession).where(
            LoginSession.key_hash == secret_digest(user.session_key), LoginSession.ended_at.is_(None)).values(ended_at=utcnow()))


def end_every_session(user: User) -> None:
    """After a password change or reset, or deactivation: every session and API token of the user ends."""
    now = utcnow()
    db.session.execute(update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)).values(ended_at=now))
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))


# --- a user's own password --------------------------------------------------------------------


def change_password(user: User, current: str, new: str, repeated: str, address: str = "") -> None:
    """The user replaces their password: the current one is checked as at sign-in (and counts as an
    attempt), the new one must pass the password rules and differ from it. Every other session and
    API token of the user ends; this one goes on with a new key (the caller signs in again with it)."""
    try:
        authenticate(user.username, current, address)
    except RateLimited as exc:
        exc.fields = {"current_password": exc.message}
        raise
    except AuthenticationFailed:
        raise ValidationFailed(_("The current password is not right."), field="current_password") from None
    problems: dict[str, str] = {}
    try:
        check_password(new, username=user.username, full_name=user.full_name, unit_name=user.unit.name)
    except ValidationFailed as exc:
        problems["new_password"] = exc.message
    if new and new == current:
        problems["new_password"] = _("Choose a password different from the current one.")
    if new != repeated:
        problems["repeat_password"] = _("The two new passwords are not the same.")
    if problems:
        only = next(iter(problems.values())) if len(problems) == 1 else None
        raise ValidationFailed(only or _("Check the fields marked: nothing was saved."), fields=problems)
    user.set_password(new)
    user.must_change_password = False
    end_every_session(user)
    start_session(user)
    trail.append(user, "password_changed", unit=user.unit, details={"user": user.username})
