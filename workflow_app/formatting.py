"""Dates as dd/mm/yyyy and times in Asia/Ho_Chi_Minh, for templates and exports."""
from __future__ import annotations

from datetime import date, datetime, timezone

import re

from flask import Flask, render_template, request
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from criteria import Text
from states import STATE_LABELS

from .models import as_utc
from .roles import LEVEL_LABELS, ROLE_LABELS, Level, Role


def language() -> str:
    """The language of the current request: "vi" unless the user switched to English."""
    locale = get_locale()
    return locale.language if locale is not None else "vi"


def tr(text: Text | None) -> str:
    return "" if text is None else text.get(language())


def state_label(state: str) -> str:
    label = STATE_LABELS.get(state)
    return label.get(language()) if label else state


_ITALIC = re.compile(r"&lt;i&gt;(.*?)&lt;/i&gt;|\*([^*]+)\*", re.S)


def official_text(text: str) -> Markup:
    """A criterion's verbatim wording, safe: only its italics (<i>…</i>, *…*) and line breaks survive."""
    escaped = str(escape(text))
    escaped = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", escaped)
    return Markup(escaped.replace("\n", "<br>"))


def input_value(spec, value) -> str:
    """A data-sheet value as a person reads it."""
    if value is None or value == "":
        return "—"
    if spec.type == "yes_no":
        return _("Yes") if value else _("No")
    if spec.type == "rating":
        return spec.scale.label(value).get(language())
    return str(value)


def format_date_vn(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(as_utc(value), "dd/MM/yyyy")
    return value.strftime("%d/%m/%Y")


def format_datetime_vn(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(as_utc(value), "dd/MM/yyyy HH:mm")


def days_since(value: datetime) -> int:
    """Whole days from `value` (stored in UTC) until now: how long a dossier has waited."""
    return (datetime.now(timezone.utc) - as_utc(value)).days


def role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


def level_label(level: str) -> str:
    try:
        return str(LEVEL_LABELS[Level(level)])
    except ValueError:
        return level


STATUS_BADGES = {"met": "success", "not_met": "danger", "incomplete": "warning"}


def status_label(status: str) -> str:
    return {"met": _("Met"), "not_met": _("Not met"), "incomplete": _("Incomplete")}.get(status, status)


def init_app(app: Flask) -> None:
    from .audit.labels import action_label

    app.add_template_filter(format_date_vn, "date_vn")
    app.add_template_filter(official_text, "official_text")
    app.add_template_filter(state_label, "state_label")
    app.add_template_filter(status_label, "status_label")
    app.add_template_global(tr, "tr")
    app.add_template_global(days_since, "days_since")
    app.add_template_global(action_label, "action_label")
    app.add_template_global(input_value, "input_value")
    app.add_template_global(language, "language")
    app.add_template_global(STATUS_BADGES, "STATUS_BADGES")
    app.add_template_filter(format_datetime_vn, "datetime_vn")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(level_label, "level_label")

    api_codes = {403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large", 500: "server_error"}

    def error_page(status: int, title: str, message: str):
        if request.path.startswith("/api/"):  # scripts get the API's error shape, never a page
            return {"error": api_codes[status], "message": message}, status
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(405)
    def method_not_allowed(_e):
        return error_page(405, _("Not allowed"), _("This address does not accept that method."))

    @app.errorhandler(403)
    def forbidden(_e):
        return error_page(403, _("Not allowed"), _("Your role may not do this."))

    @app.errorhandler(404)
    def not_found(_e):
        return error_page(404, _("Not found"), _("This page does not exist, or is outside your scope."))

    @app.errorhandler(413)
    def too_large(_e):
        limit = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        return error_page(413, _("File too large"), _("A file may be at most %(mb)d MB.", mb=limit))

    @app.errorhandler(500)
    def server_error(_e):
        app.logger.exception("Unhandled error on %s", request.path)
        return error_page(500, _("Something went wrong"), _("Nothing was saved. Please try again."))
