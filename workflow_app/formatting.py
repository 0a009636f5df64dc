"""Dates as dd/mm/yyyy and times in Asia/Ho_Chi_Minh, for templates and exports."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from functools import lru_cache

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

import criteria
from states import STATE_LABELS

from .clock import VIETNAM, utcnow
from .i18n import language, per_language, tr
from .roles import LEVEL_LABELS, ROLE_LABELS, Level, Role


def set_label(code: str) -> str:
    """A criteria set's short name, as lists and tables show it (the code if it is unknown)."""
    try:
        return tr(criteria.default_registry().get(code).label)
    except criteria.UnknownCriteriaSet:
        return code


def state_label(state: str) -> str:
    label = STATE_LABELS.get(state)
    return label.get(language()) if label else state


_ITALIC = re.compile(r"<i>(.*?)</i>|\*([^*]+)\*", re.S)
_BR, _EM = Markup("<br>"), Markup("<em>%s</em>")


def _lines(text: str) -> Markup:
    return _BR.join(escape(line) for line in text.split("\n"))


@lru_cache(maxsize=4096)  # the criteria's wordings: a few hundred texts, shown on every dossier page
def official_text(text: str) -> Markup:
    """A criterion's verbatim wording, safe: every piece escaped, only its italics (<i>…</i>, *…*)
    and line breaks turned into markup."""
    pieces, start = [], 0
    for match in _ITALIC.finditer(text):
        pieces += [_lines(text[start:match.start()]), _EM % _lines(match.group(1) or match.group(2))]
        start = match.end()
    pieces.append(_lines(text[start:]))
    return Markup("").join(pieces)


def plain_text(text: str) -> str:
    """A criterion's verbatim wording without its italics markup (the words stay the same)."""
    return _ITALIC.sub(lambda m: m.group(1) or m.group(2), text)


def input_value(spec, value) -> str:
    """A data-sheet value as a person reads it."""
    if value is None or value == "":
        return "—"
    if spec.type == "yes_no":
        return _yes_no(bool(value))
    if spec.type == "rating":
        return spec.scale.label(value).get(language())
    return str(value)


@per_language
def _yes_no(value: bool) -> str:
    """Yes or No in the request's language (the dossier page shows one for each yes/no figure)."""
    return _("Yes") if value else _("No")


def _on_vietnamese_clock(value: datetime) -> datetime:
    """A stored time (UTC; a naive one is UTC too) as it reads in Vietnam. The formats below are
    numeric in both languages, so no locale is looked up: a list formats a time per row (the
    audit page, 50), and Flask-Babel's formatter resolved its context, time zone and pattern each
    time."""
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(VIETNAM)


def format_date_vn(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _on_vietnamese_clock(value)
    return value.strftime("%d/%m/%Y")


def format_datetime_vn(value: datetime | None) -> str:
    if value is None:
        return ""
    return _on_vietnamese_clock(value).strftime("%d/%m/%Y %H:%M")


def days_since(value: datetime) -> int:
    """Whole days from `value` (stored in UTC) until now: how long a dossier has waited."""
    return (utcnow() - value).days


@per_language
def role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


@per_language
def level_label(level: str) -> str:
    try:
        return str(LEVEL_LABELS[Level(level)])
    except ValueError:
        return level


STATUS_BADGES = {"met": "success", "not_met": "danger", "incomplete": "warning"}


STATUS_LABELS = {"met": _l("Met"), "not_met": _l("Not met"), "incomplete": _l("Incomplete")}


@per_language
def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return status if label is None else str(label)


def init_app(app: Flask) -> None:
    app.add_template_filter(format_date_vn, "date_vn")
    app.add_template_filter(official_text, "official_text")
    app.add_template_filter(state_label, "state_label")
    app.add_template_filter(set_label, "set_label")
    app.add_template_filter(status_label, "status_label")
    app.add_template_global(tr, "tr")
    app.add_template_global(days_since, "days_since")
    app.add_template_global(input_value, "input_value")
    app.add_template_global(language, "language")
    app.add_template_global(STATUS_BADGES, "STATUS_BADGES")
    app.add_template_filter(format_datetime_vn, "datetime_vn")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(level_label, "level_label")
