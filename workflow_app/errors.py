"""Errors raised by operations; the web UI flashes them, the API maps them to JSON."""
from __future__ import annotations


class OperationError(Exception):
    """Base: a refused operation, with a message for the person who asked."""

    status = 400
    code = "validation"

    def __init__(self, message: str, *, field: str | None = None, fields: dict | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, self.message)

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class ValidationFailed(OperationError):
    status = 422
    code = "validation"


class PermissionDenied(OperationError):
    status = 403
    code = "forbidden"


class NotFound(OperationError):
    status = 404
    code = "not_found"


class Conflict(OperationError):
    status = 409
    code = "conflict"
