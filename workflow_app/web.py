"""Small helpers shared by the web views."""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort, flash
from flask_login import current_user, login_required

from .errors import OperationError
from .transaction import unit_of_work

T = TypeVar("T")


def requires(predicate: Callable[..., bool]):
    """A view for signed-in users of whom `predicate(user)` holds (e.g. User.can_read_province); 403 for others."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def submit(change: Callable[[], T], *, form=None) -> tuple[T | None, OperationError | None]:
    """Run `change` as the request's one unit of work: (its result, None) once committed, or
    (None, the refusal) with nothing written and, given a form, the refusal placed on its fields."""
    try:
        with unit_of_work():
            return change(), None
    except OperationError as exc:
        if form is not None:
            place_errors(form, exc)
        return None, exc


def place_errors(form, exc: OperationError) -> None:
    """Put an operation's error next to the field it names, or above the form."""
    placed = False
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
            placed = True
    if not placed:
        flash(exc.message, "danger")


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def nul_field():
    """The name of the first request field holding a NUL character (which no database column
    accepts), or None. Checked once for every request, the web forms and the API alike."""
    from flask import request

    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if _has_nul(name) or _has_nul(value):
                return name
    for name, upload in request.files.items(multi=True):
        if _has_nul(upload.filename or ""):
            return name
    if request.is_json:
        data = request.get_json(silent=True)
        if isinstance(data, dict):
            for name, value in data.items():
                if _has_nul(name) or _has_nul(value):
                    return name
        elif _has_nul(data):
            return "body"
    return None
