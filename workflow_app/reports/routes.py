from dataclasses import dataclass

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

import states

from ..clock import today_in_vietnam
from ..errors import NotFound
from ..exports import Sheet, xlsx_download
from ..formatting import state_label
from ..i18n import language, tr
from ..models import Unit, User
from ..pagecache import kept
from ..roles import Level
from ..units import revisions
from ..units.operations import get_unit
from ..web import requires
from . import bp, queries


def _province() -> Unit:
    """The user's province; for the ministry, the one the national overview links to."""
    if not current_user.can_read_nation():
        return current_user.unit.province
    try:
        unit = get_unit(request.args.get("province", ""), request.args.get("map") or "-")
    except NotFound:
        abort(404)
    if unit.level != Level.province.value:
        abort(404)
    return unit


def _year_asked() -> int | None:
    """The year in the address, if any (the overviews then show the latest with dossiers)."""
    year = request.args.get("year", type=int) or None
    if year is not None and not 2000 <= year <= 2100:
        abort(404)
    return year


def _year(default) -> int:
    return _year_asked() or default()


def _data():
    province = _province()
    return province, queries.dashboard(province, _year(lambda: queries.default_year(province)))


@dataclass(frozen=True)
class View:
    """What the overview shows a reader, by role: links to the dossiers, back to the national
    overview, the year's verification records."""

    links: bool
    nation: bool
    records: bool


def _kept_page(title: str, key: tuple, template: str, context) -> str:
    """A page whose content is kept per process under `key`, which names everything it depends on
    (a revision of the data among them); context() gives the template's variables when it is not."""
    def content() -> Markup:
        # A template's own output, every value in it escaped by Jinja (autoescape): kept as markup.
        html = render_template(template, **context())
        return Markup(html)  # nosec B704

    return render_template("reports/kept.html", title=title, body=kept().get(key + (language(),), content))


@bp.route("/dashboard")
@requires(User.can_read_overview)
def dashboard():
    """Kept under the province's revision (which any change in its scope that the overview counts
    advances) and today's date (what is overdue): computed once per such change, per worker."""
    province, year = _province(), _year_asked()
    view = View(current_user.works_on_dossiers(), current_user.can_read_nation(), current_user.can_read_province())

    def context() -> dict:
        board = queries.dashboard(province, year or queries.default_year(province))
        return dict(province=province, board=board, year=board.year, states=states.ALL_STATES,
                    timed=queries.TIMED_STATES[:3], view=view,
                    # the arguments that name the province in the overview's links (the ministry chooses it)
                    where={"province": province.code, "map": province.map} if view.nation else {})

    key = ("dashboard", province.id, province.revision, year, today_in_vietnam(), view)
    return _kept_page(_("Province overview"), key, "reports/_dashboard.html", context)


@bp.route("/national")
@requires(User.can_read_nation)
def national():
    """Kept under the sum of the provinces' revisions: computed once per change in the country."""
    year = _year_asked()

    def context() -> dict:
        board = queries.national(year or queries.national_default_year())
        return dict(board=board, year=board.year, states=states.ALL_STATES)

    return _kept_page(_("National overview"), ("national", revisions.of_nation(), year), "reports/_national.html",
                      context)


@bp.route("/national.xlsx")
@requires(User.can_read_nation)
def national_xlsx():
    board = queries.national(_year(queries.national_default_year))
    header = [_("Province"), _("Communes")] + [state_label(s) for s in states.ALL_STATES]
    widths = [28, 10] + [12] * len(states.ALL_STATES)
    for cset in board.sets:
        header += [_("%(set)s: recognized", set=tr(cset.name)), _("%(set)s: share recognized (%%)", set=tr(cset.name))]
        widths += [16, 16]

    def line(first: str, row) -> list:
        cells = [first, row.communes] + [row.states.get(s, 0) for s in states.ALL_STATES]
        for cset in board.sets:
            cells += [row.recognized[cset.code], round(row.share(cset.code) * 100, 1)]
        return cells

    rows = [line(row.unit.name, row) for row in board.rows]
    title = [_("National overview"), _("Year %(year)d", year=board.year)]
    return xlsx_download(Sheet(str(board.year), title, header, rows, widths, total=line(_("Whole country"), board.total)),
                         f"toan-quoc-{board.year}.xlsx")


@bp.route("/dashboard.xlsx")
@requires(User.can_read_overview)
def dashboard_xlsx():
    province, board = _data()
    year = board.year
    header = [_("District"), _("Communes"), _("of which xã")] + [state_label(s) for s in states.ALL_STATES]
    widths = [26, 10, 10] + [12] * len(states.ALL_STATES)
    for cset in board.sets:
        header += [_("%(set)s: recognized", set=tr(cset.name)), _("%(set)s: share recognized (%%)", set=tr(cset.name))]
        widths += [16, 16]
    header += [_("%(set)s: criterion %(code)s", set=tr(cset.name), code=code) for cset, code in board.readiness]
    widths += [40] * len(board.readiness)
    rows = []
    for row in board.rows:
        line = [row.unit.name, row.communes, row.xa] + [row.states.get(s, 0) for s in states.ALL_STATES]
        for cset in board.sets:
            line += [row.recognized[cset.code], round(row.share(cset.code) * 100, 1)]
        line += [tr(row.readiness[(cset.code, code)][1]) for cset, code in board.readiness]
        rows.append(line)
    total = board.total
    line = [_("Whole province"), total.communes, total.xa] + [total.states.get(s, 0) for s in states.ALL_STATES]
    for cset in board.sets:
        line += [total.recognized[cset.code], round(total.share(cset.code) * 100, 1)]
    title = [_("Province overview: %(province)s", province=province.name), _("Year %(year)d", year=year)]
    return xlsx_download(Sheet(str(year), title, header, rows, widths, total=line),
                         f"tong-hop-{province.code}-{year}.xlsx")


@bp.route("/communes.xlsx")
@requires(User.can_read_overview)
def communes_xlsx():
    """Each district's communes and where their dossiers of the year stand, set by set."""
    province, board = _data()
    sets, rows = queries.communes(province, board.year)
    headers = [_("District"), _("Commune, ward or town"), _("Code")] + [tr(s.name) for s in sets]

    def lines():
        for row in rows:
            yield [row.district.name, row.unit.name, row.unit.code] + [
                state_label(row.states[s.code]) if row.states[s.code] else "—" for s in sets]

    recognized = [sum(1 for r in rows if r.states[s.code] == "recognized") for s in sets]
    total = [_("Recognized in the province"), "", ""] + recognized
    title = [_("Communes by district: %(province)s", province=province.name), _("Year %(year)d", year=board.year)]
    return xlsx_download(Sheet(str(board.year), title, headers, lines(), [26, 26, 8] + [30] * len(sets), total=total),
                         f"xa-theo-huyen-{province.code}-{board.year}.xlsx")
