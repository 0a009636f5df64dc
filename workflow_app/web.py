"""Small helpers shared by the web views."""
from __future__ import annotations

from flask import flash

from .errors import OperationError


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
