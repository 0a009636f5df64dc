import io

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from openpyxl import Workbook

import criteria
import states

from ..formatting import state_label
from ..i18n import tr
from . import bp
from . import queries
from .queries import COMMUNE_SETS



def _data():
    if not current_user.can_read_province():
        abort(403)
    province = current_user.unit.province
    year = request.args.get("year", type=int) or queries.default_year(province)
    if not 2000 <= year <= 2100:
        abort(404)
    return province, year, queries.dashboard(province, year)


@bp.route("/dashboard")
@login_required
def dashboard():
    province, year, rows = _data()
    sets = [criteria.default_registry().get(code) for code in COMMUNE_SETS]
    return render_template("reports/dashboard.html", province=province, year=year, rows=rows, sets=sets,
                           states=states.ALL_STATES)


@bp.route("/dashboard.xlsx")
@login_required
def dashboard_xlsx():
    province, year, rows = _data()
    registry = criteria.default_registry()
    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    header = [_("District"), _("Communes"), _("of which xã")] + [state_label(s) for s in states.ALL_STATES]
    for code in COMMUNE_SETS:
        header += [f"{tr(registry.get(code).name)}: {_('recognized')}", f"{code}: %"]
    header += ["III.2", "IV.2"]
    sheet.append(header)
    for row in rows:
        line = [row.unit.name, row.communes, row.xa] + [row.states.get(s, 0) for s in states.ALL_STATES]
        for code in COMMUNE_SETS:
            line += [row.recognized[code], round(row.share(code) * 100, 1)]
        line += [tr(row.readiness[c][1]) for c in ("III.2", "IV.2")]
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=tong-hop-{province.code}-{year}.xlsx"})
