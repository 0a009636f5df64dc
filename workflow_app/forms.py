"""The base of every web form: WTForms', Flask-WTF's and Flask-Login's own messages ("This field is required.",
"Not a valid date value.", the CSRF refusals) in the user's language, from this application's
catalogue, since neither library ships Vietnamese."""
from __future__ import annotations

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, widgets
from wtforms.widgets import TextInput
from wtforms.widgets import core as widget_core

# Officers type dates as dd/mm/yyyy; ISO dates (from scripts) are read too.
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def html_params(**kwargs) -> Markup:
    """WTForms' `html_params`, written with plain strings: the same attributes, sorted, each value
    escaped, `True` as a bare attribute and `False` left out. WTForms builds each attribute with
    `Markup.format` (a Python string formatter that escapes as it goes): a list page's filter with
    a province's 30 districts writes 60 options, an eighth of the page's instructions."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(widget_core.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    # Every name and value above went through escape().
    return Markup(" ".join(params))  # nosec B704


# Every widget of WTForms reads the function through one of these names.
LIBRARY_HTML_PARAMS = getattr(widget_core.html_params, "library", widget_core.html_params)
html_params.library = LIBRARY_HTML_PARAMS  # what it replaces, which the tests compare it with
widget_core.html_params = widgets.html_params = html_params
widget_core.Input.html_params = widget_core.Button.html_params = staticmethod(html_params)


class _CatalogueTranslations:
    """What WTForms asks of translations: the raw translated string (it formats it itself)."""

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


class DayField(DateField):
    """A date typed as dd/mm/yyyy in a text box: a browser's date picker would follow its own
    locale (mm/dd/yyyy in an English browser), so the application shows one format everywhere."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", DATE_FORMATS)
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
        super().__init__(label, validators, **kwargs)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _CatalogueTranslations()

    def validate(self, extra_validators=None) -> bool:
        """One message per mistake: a value that could not be read ("abc" for a year) is told so,
        without the checks after it ("must be between ...") about a value the officer did not type;
        a box left empty is told what its own checks say ("required"), not that it is no number."""
        valid = super().validate(extra_validators)
        for field in self:
            if field.process_errors:
                blank = not field.raw_data or not str(field.raw_data[0]).strip()
                rest = [e for e in field.errors if e not in field.process_errors]
                field.errors = rest if blank else list(field.process_errors)
        return valid

    def accepted(self, name: str):
        """A field's value when it was read and passed its checks, else None: a list's filter
        applies the fields that did and shows its message next to the one that did not."""
        field = self[name]
        return None if field.errors else field.data


# The libraries' messages this application's forms can show, listed so that `make messages`
# brings them into the catalogue (the strings are the libraries' own, to the letter).
LIBRARY_MESSAGES = (
    _l("This field is required."), _l("Invalid input."), _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."), _l("Not a valid integer value."), _l("Not a valid decimal value."),
    _l("Not a valid float value."), _l("Not a valid date value."), _l("Not a valid datetime value."),
    _l("Number must be at least %(min)s."), _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."), _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Invalid CSRF Token."), _l("CSRF token missing."), _l("CSRF failed."), _l("CSRF token expired."),
    _l("The CSRF token is missing."), _l("The CSRF session token is missing."), _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."), _l("The CSRF tokens do not match."),
    # Flask-Login's, shown when a page needs signing in (translated through localize_callback)
    _l("Please log in to access this page."), _l("Please reauthenticate to access this page."),
    _ln("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1),
    _ln("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1),
    _ln("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1),
)
