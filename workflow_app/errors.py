"""Errors: what operations refuse, with a status and a code, and how a request answers them.

The web UI shows them next to the fields or on an error page; the API answers them as JSON
({"error": code, "message": ..., "fields": ...}). Every code the API can answer is listed here.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from .i18n import language


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

    def __init__(self, message: str, *, retry_after: int = 1, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(OperationError):
    status = 500
    code = "server_error"


class Unavailable(OperationError):
    """The database or the file store failed under the request; nothing of it was kept."""

    status = 503
    code = "unavailable"


ERRORS = (BadRequest, Unauthorized, PermissionDenied, NotFound, MethodNotAllowed, Conflict, GuardFailed, TooLarge,
          ValidationFailed, RateLimited, ServerError, Unavailable)
ERROR_CODES = list(dict.fromkeys(cls.code for cls in ERRORS))


def _answer(exc: OperationError, title: str):
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}
    if request.path.startswith("/api/"):  # scripts get the API's error shape, never a page
        return jsonify(exc.to_dict()), exc.status, headers
    page = render_template("errors/error.html", status=exc.status, title=title, message=exc.message)
    return page, exc.status, headers


# The errors Flask itself raises, with the page title and message each is answered with.
HTTP_ERRORS = {
    400: (BadRequest, _l("Not done"), _l("The request could not be understood. Reload the page and try again.")),
    403: (PermissionDenied, _l("Not allowed"), _l("Your role may not do this.")),
    404: (NotFound, _l("Not found"), _l("This page does not exist, or is outside your scope.")),
    405: (MethodNotAllowed, _l("Not allowed"), _l("This address does not accept that method.")),
    413: (TooLarge, _l("File too large"), _l("A file may be at most %(mb)d MB.")),
    500: (ServerError, _l("Something went wrong"), _l("Nothing was saved. Please try again.")),
}


def register_error_handlers(app: Flask) -> None:
    """Answer the HTTP errors Flask raises, and any operation error a view let through."""

    @app.errorhandler(OperationError)
    def operation_error(exc: OperationError):
        if exc.status >= 500:
            app.logger.error("%s on %s: %s", exc.code, request.path, exc.message)
        return _answer(exc, _("Not allowed") if exc.status in (401, 403) else _("Not done"))

    def handler(status: int):
        cls, title, message = HTTP_ERRORS[status]

        def answer(_e):
            if status == 500:
                app.logger.exception("Unhandled error on %s", request.path)
            text = str(message) % {"mb": app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)} if status == 413 else str(message)
            return _answer(cls(text), str(title))

        return answer

    for status in HTTP_ERRORS:
        app.register_error_handler(status, handler(status))

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):
        # Flask-WTF's reason ("The CSRF token is missing.") is in the catalogue (forms.py lists it)
        return _answer(BadRequest(_(exc.description)), _("The form has expired"))
