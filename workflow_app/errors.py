"""Errors: what operations refuse, with a status and a code, and how a request answers them.

The web UI shows them next to the fields or on an error page; the API answers them as JSON
({"error": code, "message": ..., "fields": ...}). Every code the API can answer is listed here.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _


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


class BadRequest(OperationError):
    status = 400
    code = "validation"


class Unauthorized(OperationError):
    status = 401
    code = "unauthorized"


class PermissionDenied(OperationError):
    status = 403
    code = "forbidden"


class NotFound(OperationError):
    status = 404
    code = "not_found"


class MethodNotAllowed(OperationError):
    status = 405
    code = "method_not_allowed"


class Conflict(OperationError):
    status = 409
    code = "conflict"


class GuardFailed(Conflict):
    """A transition refused by its guards, with the blockers that refused it."""

    code = "guard_failed"

    def __init__(self, message: str, blockers: list):
        super().__init__(message)
        self.blockers = blockers

    def to_dict(self) -> dict:
        from .i18n import language

        lang = language()
        return {**super().to_dict(), "blockers": [b.to_dict(lang) for b in self.blockers]}


class TooLarge(OperationError):
    status = 413
    code = "too_large"


class ValidationFailed(OperationError):
    status = 422
    code = "validation"


class RateLimited(OperationError):
    status = 429
    code = "rate_limited"


class ServerError(OperationError):
    status = 500
    code = "server_error"


ERRORS = (BadRequest, Unauthorized, PermissionDenied, NotFound, MethodNotAllowed, Conflict, GuardFailed, TooLarge,
          ValidationFailed, RateLimited, ServerError)
ERROR_CODES = list(dict.fromkeys(cls.code for cls in ERRORS))


def _answer(exc: OperationError, title: str):
    if request.path.startswith("/api/"):  # scripts get the API's error shape, never a page
        return jsonify(exc.to_dict()), exc.status
    return render_template("errors/error.html", status=exc.status, title=title, message=exc.message), exc.status


def register_error_handlers(app: Flask) -> None:
    """Answer the HTTP errors Flask raises, and any operation error a view let through."""

    @app.errorhandler(OperationError)
    def operation_error(exc: OperationError):
        return _answer(exc, _("Not allowed") if exc.status in (401, 403) else _("Not done"))

    @app.errorhandler(405)
    def method_not_allowed(_e):
        return _answer(MethodNotAllowed(_("This address does not accept that method.")), _("Not allowed"))

    @app.errorhandler(403)
    def forbidden(_e):
        return _answer(PermissionDenied(_("Your role may not do this.")), _("Not allowed"))

    @app.errorhandler(404)
    def not_found(_e):
        return _answer(NotFound(_("This page does not exist, or is outside your scope.")), _("Not found"))

    @app.errorhandler(413)
    def too_large(_e):
        limit = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        return _answer(TooLarge(_("A file may be at most %(mb)d MB.", mb=limit)), _("File too large"))

    @app.errorhandler(500)
    def server_error(_e):
        app.logger.exception("Unhandled error on %s", request.path)
        return _answer(ServerError(_("Nothing was saved. Please try again.")), _("Something went wrong"))
