"""A dossier's marks in lists and on its page (its state, its due date), written in Python: a Jinja
macro costs a call frame and a context of its own each time, and the lists show two per row."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from .deadlines import overdue
from .formatting import format_date_vn, state_label
from .i18n import per_language

STATE_COLOURS = {"draft": "secondary", "commune_submitted": "info", "district_reviewed": "primary",
                 "pv05_verified": "primary", "recognized": "success", "returned": "warning", "withdrawn": "dark",
                 "revoked": "danger"}
_NO_DUE_DATE = Markup('<span class="text-muted">—</span>')
_WORDS = {"due": _l("Due %(day)s"), "overdue": _l("%(n)d working day(s) overdue")}


@per_language
def _words(key: str) -> str:
    return str(_WORDS[key])


def state_badge(state: str) -> Markup:
    return Markup(f'<span class="badge text-bg-{STATE_COLOURS.get(state, "secondary")}" '  # nosec B704: escaped
                  f'data-state="{escape(state)}">{escape(state_label(state))}</span>')


def due_mark(dossier, late: int | None = None) -> Markup:
    """The due date: red with the working days past it when overdue. `late`: overdue(dossier),
    when the row has it already."""
    if not dossier.due_on:
        return _NO_DUE_DATE
    day = format_date_vn(dossier.due_on)
    if late is None:
        late = overdue(dossier)
    if not late:
        return Markup(f'<span class="text-nowrap">{escape(day)}</span>')  # nosec B704: escaped
    return Markup(f'<span class="badge text-bg-danger" data-testid="overdue-{int(dossier.id)}" '  # nosec B704: escaped
                  f'title="{escape(_words("due") % {"day": day})}">{escape(_words("overdue") % {"n": late})}</span>')


def init_app(app) -> None:
    app.add_template_global(state_badge, "state_badge")
    app.add_template_global(due_mark, "due_mark")
