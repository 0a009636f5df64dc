"""User management operations, shared by the admin pages and the CLI. They never commit."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import trail
from ..auth.operations import end_every_session
from ..auth.passwords import check_password
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import Unit, User
from ..roles import LEVEL_LABELS, Role
from ..units.operations import get_unit

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def _check_role_fits_unit(role: Role, unit: Unit) -> None:
    if unit.level != role.level.value:
        raise ValidationFailed(
            _(
                "The role %(role)s must be attached to a unit of level %(level)s; %(unit)s is a unit of level %(unit_level)s.",
                role=role.label,
                level=LEVEL_LABELS[role.level],
                unit=unit.name,
                unit_level=LEVEL_LABELS[unit.level_enum],
            ),
            field="unit",
        )


def _check_current(unit: Unit) -> None:
    """People work in units that exist: an old unit's records stay readable from the one it became."""
    if unit.valid_to is not None:
        raise ValidationFailed(_("%(unit)s ceased to exist on %(day)s: choose the unit it became.", unit=unit.name,
                                 day=unit.valid_to.strftime("%d/%m/%Y")), field="unit")


def _check_actor(actor: User | None, unit: Unit) -> None:
    """Only an admin may manage users, and only within the admin's own province."""
    if actor is None:  # the command line, run by whoever operates the server
        return
    if not actor.can_manage_users():
        raise PermissionDenied(_("Only an administrator may manage users."))
    if not actor.can_see_unit(unit):
        raise ValidationFailed(_("%(unit)s is outside your province.", unit=unit.name), field="unit")


def _parse_role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationFailed(
            _("Unknown role %(role)s. Choose one of: %(roles)s.", role=role, roles=", ".join(r.value for r in Role)),
            field="role",
        ) from None


def create_user(
    actor: User | None,
    *,
    username: str,
    full_name: str,
    password: str,
    role: str | Role,
    unit_code: str,
    active: bool = True,
    password_hash: str | None = None,
) -> User:
    """Create a user whose role fits the level of their unit.

    `password_hash` lets a caller that creates many users with one password hash it once.
    """
    problems: dict[str, str] = {}  # every field's problem at once, not one per try

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ValidationFailed, NotFound) as exc:
            for name, message in (exc.fields or {"unit": exc.message}).items():
                problems.setdefault(name, message)
            return None

    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        problems["username"] = _("A username has 3 to 64 characters: lower-case letters, digits, dot, dash or underscore.")
    elif db.session.execute(select(User.id).where(User.username == username)).first():
        problems["username"] = _("The username %(u)s is already taken.", u=username)
    full_name = (full_name or "").strip()
    if not full_name:
        problems["full_name"] = _("Enter the full name.")
    role_enum = check(_parse_role, role)
    unit = check(get_unit, unit_code)
    if unit is not None:
        check(_check_actor, actor, unit)
        check(_check_current, unit)
        if role_enum is not None:
            check(_check_role_fits_unit, role_enum, unit)
    check(check_password, password, username=username, full_name=full_name, unit_name=unit.name if unit else "")
    if problems:
        only = next(iter(problems.values())) if len(problems) == 1 else None
        raise ValidationFailed(only or _("Check the fields marked: nothing was saved."), fields=problems)
    # A password an administrator chose is replaced by the user's own at the first sign-in; one set
    # from the command line (the installer's first account, the demo) is the user's own.
    user = User(username=username, full_name=full_name[:120], role=role_enum.value, unit=unit, active=active,
                must_change_password=actor is not None)
    if password_hash:
        user.password_hash = password_hash
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    trail.append(actor, "user_created", unit=unit, details={
        "user": user.username, "role": user.role, "unit": unit.code, "active": user.active,
    })
    return user


def update_user(
    actor: User | None,
    user: User,
    *,
    full_name: str | None = None,
    role: str | Role | None = None,
    unit_code: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's name, role, unit, active flag or password; role and unit must still fit."""
    role_enum = _parse_role(role) if role is not None else user.role_enum
    unit = get_unit(unit_code) if unit_code is not None else user.unit
    _check_actor(actor, user.unit)
    _check_actor(actor, unit)
    if unit.id != user.unit_id:
        _check_current(unit)
    _check_role_fits_unit(role_enum, unit)
    if actor is not None and actor.id == user.id:
        if active is False:
            raise ValidationFailed(_("You cannot deactivate your own account."), field="active")
        if role_enum != Role.admin:
            raise ValidationFailed(_("You cannot remove your own administrator role."), field="role")
    if full_name is not None and not full_name.strip():
        raise ValidationFailed(_("Enter the full name."), field="full_name")
    if password:
        check_password(password, username=user.username, full_name=full_name or user.full_name, unit_name=unit.name)
    before = {"full_name": user.full_name, "role": user.role, "unit": user.unit.code, "active": user.active}
    if full_name is not None:
        user.full_name = full_name.strip()[:120]
    if password:
        user.set_password(password)
        user.must_change_password = actor is not None and actor.id != user.id  # a reset: the user chooses anew
    if password or (active is False and user.active):
        end_every_session(user)  # the old password's sessions and tokens end with it
    user.role = role_enum.value
    user.unit = unit
    if active is not None:
        user.active = active
    after = {"full_name": user.full_name, "role": user.role, "unit": unit.code, "active": user.active}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if password:
        changes["password"] = ["…", "…"]  # that it changed, never what it is
    db.session.flush()
    if changes:
        trail.append(actor, "user_updated", unit=unit, details={"user": user.username, "changes": changes})
    return user
