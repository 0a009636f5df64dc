"""The request's language: Vietnamese first, English when chosen."""
from __future__ import annotations

from flask import has_request_context, request, session
from flask_babel import get_locale

from criteria import Text

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def select_locale() -> str:
    """Vietnamese unless the user switched to English (the command line speaks Vietnamese).

    API clients choose with Accept-Language.
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def language() -> str:
    """The language of the current request: "vi" unless the user switched to English."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def tr(text: Text | None) -> str:
    """A bilingual text of the criteria or the workflow, in the request's language."""
    return "" if text is None else text.get(language())
