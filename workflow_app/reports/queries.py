"""Counts for the province overview, computed live with the same rules as the guards."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

import criteria
from criteria import Facts
from criteria.evaluator import check_requirements

from ..dossiers.aggregates import DatabaseAggregates
from ..extensions import db
from ..models import Dossier, Unit
from ..roles import Level
from ..units.operations import units_within

COMMUNE_SETS = ("xa-ntm-19.2", "xa-ntm-nc-19.2", "xa-dien-hinh-antt")
READINESS = (("huyen-ntm-9.4", "III.2"), ("huyen-ntm-nc-9.1", "IV.2"))


@dataclass
class DistrictRow:
    unit: Unit
    communes: int
    xa: int
    states: dict[str, int] = field(default_factory=dict)
    recognized: dict[str, int] = field(default_factory=dict)  # per commune set
    eligible: dict[str, int] = field(default_factory=dict)
    readiness: dict[str, tuple[str, object]] = field(default_factory=dict)  # "III.2" -> (status, reason)

    def share(self, set_code: str) -> float:
        total = self.eligible.get(set_code, 0)
        return 0.0 if total == 0 else self.recognized.get(set_code, 0) / total


def dashboard(province: Unit, year: int) -> list[DistrictRow]:
    registry = criteria.default_registry()
    districts = units_within(province, Level.district)
    units = units_within(province, Level.commune)
    by_district: dict[int, list[Unit]] = {}
    for u in units:
        by_district.setdefault(u.parent_id, []).append(u)
    unit_district = {u.id: u.parent_id for u in units} | {d.id: d.id for d in districts}
    state_counts = db.session.execute(
        select(Dossier.unit_id, Dossier.state, func.count()).where(
            Dossier.unit_id.in_(list(unit_district)), Dossier.year == year).group_by(Dossier.unit_id, Dossier.state)
    ).all()
    recognized = db.session.execute(
        select(Dossier.unit_id, Dossier.criteria_set).where(
            Dossier.unit_id.in_([u.id for u in units]), Dossier.state == "recognized", Dossier.year <= year,
            Dossier.criteria_set.in_(COMMUNE_SETS)).distinct()
    ).all()
    provider = DatabaseAggregates()
    rows = []
    for district in districts:
        members = by_district.get(district.id, [])
        row = DistrictRow(district, len(members), sum(1 for u in members if u.type == "xa"))
        for unit_id, state, n in state_counts:
            if unit_district.get(unit_id) == district.id:
                row.states[state] = row.states.get(state, 0) + n
        member_types = {u.id: u.type for u in members}
        for set_code in COMMUNE_SETS:
            cset = registry.get(set_code)
            row.eligible[set_code] = sum(1 for t in member_types.values() if cset.applies_to_unit_type(t))
            row.recognized[set_code] = sum(
                1 for unit_id, s in recognized
                if s == set_code and unit_id in member_types and cset.applies_to_unit_type(member_types[unit_id]))
        facts = Facts(year=year, unit_code=district.code, aggregates=provider)
        for set_code, code in READINESS:
            results = check_requirements(registry.get(set_code), code, facts, "aggregate")
            status = criteria.evaluator.combine([r.status for r in results])
            row.readiness[code] = (status, criteria.Text.join([r.reason for r in results]))
        rows.append(row)
    return rows


def default_year(province: Unit) -> int:
    """The latest year with a dossier in the province, or this year."""
    from ..clock import today_in_vietnam

    ids = [u.id for u in units_within(province)]
    latest = db.session.scalar(select(func.max(Dossier.year)).where(Dossier.unit_id.in_(ids)))
    return latest or today_in_vietnam().year
