from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

import states

from ..errors import NotFound
from ..exports import Sheet, xlsx_download
from ..formatting import state_label
from ..i18n import tr
from ..models import Unit, User
from ..roles import Level
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


def _year(default) -> int:
    year = request.args.get("year", type=int) or default()
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _data():
    province = _province()
    return province, queries.dashboard(province, _year(lambda: queries.default_year(province)))


def _where(province: Unit) -> dict:
    """The arguments that name the province in the overview's links (the ministry chooses it)."""
    return {"province": province.code, "map": province.map} if current_user.can_read_nation() else {}


@bp.route("/dashboard")
@requires(User.can_read_overview)
def dashboard():
    province, board = _data()
    return render_template("reports/dashboard.html", province=province, board=board, year=board.year,
                           states=states.ALL_STATES, timed=queries.TIMED_STATES[:3], where=_where(province))


@bp.route("/national")
@requires(User.can_read_nation)
def national():
    board = queries.national(_year(queries.national_default_year))
    return render_template("reports/national.html", board=board, year=board.year, states=states.ALL_STATES)


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
