"""Counts for the province overview, computed live with the same rules as the guards."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any

from sqlalchemy import Date, and_, case, distinct, func, or_, select
from sqlalchemy.orm import aliased

import criteria
from criteria import CommuneStanding, CriteriaSet, Facts
from criteria.evaluator import check_requirements, combine

from ..clock import today_in_vietnam, vietnam_date
from ..deadlines import OPEN_STATES, Schedule
from ..dossiers.aggregates import DatabaseAggregates
from ..extensions import db
from ..models import AuditEntry, Dossier, Unit, existed_in
from ..roles import Level
from ..units.operations import among, ids_within, unit_rows_within, units_within


@dataclass
class Tally:
    """A row of an overview (a district, a province) or its total: communes, dossiers by state,
    and per set the units recognized and eligible."""

    unit: Any  # the unit (the province overview: a row of unit_rows_within), None for a total
    communes: int = 0
    states: dict[str, int] = field(default_factory=dict)
    recognized: dict[str, int] = field(default_factory=dict)  # per commune set
    eligible: dict[str, int] = field(default_factory=dict)

    def share(self, set_code: str) -> float:
        total = self.eligible.get(set_code, 0)
        return 0.0 if total == 0 else self.recognized.get(set_code, 0) / total

    def add(self, row: Tally) -> None:
        """Count `row` into this total."""
        self.communes += row.communes
        for mine, theirs in ((self.states, row.states), (self.recognized, row.recognized),
                             (self.eligible, row.eligible)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n


@dataclass(kw_only=True)
class DistrictRow(Tally):
    xa: int = 0
    # (set code, criterion code) -> (status, reason), e.g. ("huyen-ntm-9.4", "III.2")
    readiness: dict[tuple[str, str], tuple[str, object]] = field(default_factory=dict)
    overdue: int = 0  # open dossiers past their due date
    median_days: dict[str, float] = field(default_factory=dict)  # state -> median working days spent in it


@dataclass
class Dashboard:
    """The province overview of a year, with the columns the sets in force ask for."""

    year: int
    sets: list[CriteriaSet]  # sets whose recognitions are counted
    readiness: list[tuple[CriteriaSet, str]]  # district criteria counting recognized communes
    rows: list[DistrictRow]

    @property
    def chart_set(self) -> CriteriaSet | None:
        return next((s for s in self.sets if s.report.chart), None)

    @property
    def total(self) -> DistrictRow:
        """The whole province: every count summed over its districts."""
        total = DistrictRow(None)
        for row in self.rows:
            total.add(row)
            total.xa += row.xa
            total.overdue += row.overdue
        total.median_days = self.province_medians
        return total

    province_medians: dict[str, float] = field(default_factory=dict)


def report_sets(year: int) -> tuple[list[CriteriaSet], list[tuple[CriteriaSet, str]]]:
    """What the overview counts for a year: each set in force says so in its file ("report")."""
    in_force = [s for s in criteria.default_registry().latest() if s.applies_to_year(year)]
    return ([s for s in in_force if s.report.recognitions],
            [(s, code) for s in in_force for code in s.report.readiness])


def dashboard(province: Unit, year: int) -> Dashboard:
    sets, readiness = report_sets(year)
    scope = unit_rows_within(province)
    units = [u for u in scope if u.level == Level.commune.value]
    # The rows: the districts that existed in the year; on the 2025 map, where communes stand right
    # under the province, the province itself for them.
    existed = [u for u in scope if existed_in(u, year)]
    holding = {u.parent_id for u in units}
    districts = ([u for u in existed if u.level == Level.district.value]
                 + [u for u in existed if u.level == Level.province.value and u.id in holding])
    by_district: dict[int, list[Unit]] = {}
    for u in units:
        by_district.setdefault(u.parent_id, []).append(u)
    counted = [u.id for u in units] + [d.id for d in districts]  # whose dossiers the rows count
    states_of: dict[int, dict[str, int]] = {}  # row (district) id -> state -> dossiers
    row_of = _row_of_dossier()
    for row_id, state, n in db.session.execute(
            select(row_of, Dossier.state, func.count()).join(Unit, Unit.id == Dossier.unit_id)
            .where(*_counted(counted), Dossier.year == year).group_by(row_of, Dossier.state)):
        states_of.setdefault(row_id, {})[state] = n
    registry = criteria.default_registry()
    counting = {s.code: registry.recognitions_for(s.code) for s in sets}
    recognized_sets: dict[int, set[str]] = {}
    for unit_id, set_code in db.session.execute(
        select(Dossier.unit_id, Dossier.criteria_set).where(
            among(Dossier.unit_id, [u.id for u in units]), Dossier.state == "recognized", Dossier.year <= year).distinct()
    ):
        recognized_sets.setdefault(unit_id, set()).add(set_code)
    # The districts' readiness reads the same recognitions: from these rows, not a query per district.
    provider = PreloadedAggregates(year, {d.code: by_district.get(d.id, []) for d in districts
                                          if d.level == Level.district.value}, recognized_sets)
    rows = []
    for district in districts:
        members = by_district.get(district.id, [])
        row = DistrictRow(district, len(members), xa=sum(1 for u in members if u.type == "xa"))
        row.states = states_of.get(district.id, {})
        for cset in sets:
            eligible = [u for u in members if cset.applies_to_unit_type(u.type)]
            wanted = set(counting[cset.code])
            row.eligible[cset.code] = len(eligible)
            row.recognized[cset.code] = sum(1 for u in eligible if recognized_sets.get(u.id, set()) & wanted)
        facts = Facts(year=year, unit_code=district.code, aggregates=provider)
        for cset, code in readiness if district.level == Level.district.value else ():
            results = check_requirements(cset, code, facts, "aggregate")
            row.readiness[(cset.code, code)] = (combine([r.status for r in results]),
                                                criteria.Text.join([r.reason for r in results]))
        rows.append(row)
    board = Dashboard(year, sets, readiness, rows)
    _timeliness(board, province, counted, year)
    return board


def _row_of_dossier():
    """SQL: the overview row a dossier counts in (its unit joined): a commune's district (on the
    2025 map, its province), otherwise its own unit."""
    return case((Unit.level == Level.commune.value, Unit.parent_id), else_=Unit.id).label("row_id")


def _counted(unit_ids: list[int]) -> tuple:
    """SQL: the dossiers of these units, with their unit joined (_row_of_dossier). The units are
    named on both sides of the join: from the dossiers' side alone, PostgreSQL hashed the whole
    country's units for each count (10,811 rows, 5 ms a query)."""
    return among(Dossier.unit_id, unit_ids), among(Unit.id, unit_ids)


class PreloadedAggregates:
    """The district aggregates of one province and year, from rows the overview loaded once (a
    recognition counted in the year or before it, as DatabaseAggregates counts it)."""

    def __init__(self, year: int, members: dict[str, list[Unit]], recognized_sets: dict[int, set[str]]):
        self.year, self.members, self.recognized_sets = year, members, recognized_sets

    def recognized_communes(self, district_code: str, set_codes: tuple[str, ...], year: int) -> CommuneStanding:
        if year != self.year or district_code not in self.members:
            return DatabaseAggregates().recognized_communes(district_code, set_codes, year)
        units = sorted(self.members[district_code], key=lambda u: u.code)
        wanted = set(set_codes)
        recognized = {u.code for u in units if self.recognized_sets.get(u.id, set()) & wanted}
        return CommuneStanding.of_units([(u.code, u.name, u.type) for u in units], recognized)


TIMED_STATES = ("commune_submitted", "district_reviewed", "pv05_verified", "returned")


def _timeliness(board: Dashboard, province: Unit, counted: list[int], year: int) -> None:
    """Per district: how many open dossiers are overdue, and the median working days the year's
    dossiers spent in each step (from the moves in the trail)."""
    schedule = Schedule(province)
    today = today_in_vietnam()
    by_id = {row.unit.id: row for row in board.rows}
    district = _row_of_dossier()
    in_scope = _counted(counted)
    late: dict[date, bool] = {}
    for district_id, due, n in db.session.execute(
            select(district, Dossier.due_on, func.count()).join(Unit, Unit.id == Dossier.unit_id)
            .where(*in_scope, Dossier.state.in_(OPEN_STATES), Dossier.due_on < today).group_by(district, Dossier.due_on)):
        if due not in late:
            late[due] = bool(schedule.overdue_days(due, today))
        if district_id in by_id and late[due]:
            by_id[district_id].overdue += n
    # Each move out of a timed step, with the day the dossier entered that step (the move before
    # it): paired and dated by the database, counted per district and pair of days.
    step = (AuditEntry.dossier_id, AuditEntry.seq)
    moves = (select(district, AuditEntry.from_state,
                    func.lag(AuditEntry.to_state).over(partition_by=step[0], order_by=step[1]).label("entered_state"),
                    func.lag(vietnam_date(AuditEntry.at), type_=Date).over(partition_by=step[0], order_by=step[1]).label("entered_on"),
                    vietnam_date(AuditEntry.at).label("left_on"))
             .join(Dossier, Dossier.id == AuditEntry.dossier_id).join(Unit, Unit.id == Dossier.unit_id)
             .where(*in_scope, Dossier.year == year, AuditEntry.to_state.is_not(None))
             .subquery())
    spent: dict[tuple[int, str], list[int]] = {}
    working_days: dict[tuple, int] = {}  # the same two days recur across districts
    for district_id, state, entered_on, left_on, n in db.session.execute(
            select(moves.c.row_id, moves.c.from_state, moves.c.entered_on, moves.c.left_on, func.count())
            .where(moves.c.entered_state == moves.c.from_state, moves.c.from_state.in_(TIMED_STATES))
            .group_by(moves.c.row_id, moves.c.from_state, moves.c.entered_on, moves.c.left_on)):
        days = working_days.get((entered_on, left_on))
        if days is None:
            days = working_days[(entered_on, left_on)] = schedule.calendar.count(entered_on, left_on)
        spent.setdefault((district_id, state), []).extend([days] * n)
    for (district_id, state), days in spent.items():
        if district_id in by_id:
            by_id[district_id].median_days[state] = median(days)
    everyone: dict[str, list[int]] = {}
    for (_district, state), days in spent.items():
        everyone.setdefault(state, []).extend(days)
    board.province_medians = {state: median(days) for state, days in everyone.items()}


@dataclass
class CommuneRow:
    district: Unit
    unit: Unit
    states: dict[str, str]  # set code -> the state of the unit's dossier of the year (its latest)


def communes(province: Unit, year: int) -> tuple[list[CriteriaSet], list[CommuneRow]]:
    """Every commune of the province, district by district, with its dossier's state for each
    commune-level set in force in the year."""
    sets = [s for s in criteria.default_registry().latest() if s.applies_to_year(year) and s.level == "commune"]
    scope = [u for u in units_within(province) if u.existed_in(year)]  # the map of that year
    districts = {d.id: d for d in scope if d.level != Level.commune.value}  # on the 2025 map: the province
    units = [u for u in scope if u.level == Level.commune.value]
    latest: dict[tuple[int, str], str] = {}
    for unit_id, set_code, state in db.session.execute(
            select(Dossier.unit_id, Dossier.criteria_set, Dossier.state)
            .where(among(Dossier.unit_id, [u.id for u in units]), Dossier.year == year).order_by(Dossier.id)):
        latest[(unit_id, set_code)] = state  # ordered by id: the newest dossier wins
    rows = [CommuneRow(districts[u.parent_id], u, {s.code: latest.get((u.id, s.code), "") for s in sets})
            for u in units if u.parent_id in districts]
    rows.sort(key=lambda r: (r.district.code, r.unit.code))
    return sets, rows


def default_year(province: Unit) -> int:
    """The latest year with a dossier in the province, or this year."""
    ids = ids_within(province)
    latest = db.session.scalar(select(func.max(Dossier.year)).where(among(Dossier.unit_id, ids)))
    return latest or today_in_vietnam().year


@dataclass
class NationalBoard:
    """The ministry's view of a year: each province that existed in it, as its own overview
    totals it (its communes, their recognitions, its dossiers by state)."""

    year: int
    sets: list[CriteriaSet]
    rows: list[Tally]

    @property
    def total(self) -> Tally:
        total = Tally(None)
        for row in self.rows:
            total.add(row)
        return total


def _province_of_unit():
    """(SQL expression for the id of a unit's province, the FROM clause that gives it): a unit,
    its parent and its grandparent — the province is whichever of them is one."""
    parent, grandparent = aliased(Unit), aliased(Unit)
    province_id = case((Unit.level == Level.province.value, Unit.id),
                       (parent.level == Level.province.value, parent.id), else_=grandparent.id)
    joined = (Unit.__table__.outerjoin(parent, Unit.parent_id == parent.id)
              .outerjoin(grandparent, parent.parent_id == grandparent.id))
    return province_id, joined


def national(year: int) -> NationalBoard:
    """Every province of the year's map (both maps in 2025), in four queries whatever the size of
    the country: the units, the communes by type, the dossiers by state, the recognitions."""
    sets, _readiness = report_sets(year)
    provinces = [u for u in db.session.execute(select(Unit).where(Unit.level == Level.province.value)).scalars()
                 if u.existed_in(year)]
    rows = {u.id: Tally(u) for u in sorted(provinces, key=lambda u: (u.map, u.code))}
    province_id, joined = _province_of_unit()
    communes = Unit.level == Level.commune.value
    types: set[str] = set()  # of the communes: which a set's eligibility is asked about
    for pid, unit_type, n in db.session.execute(
            select(province_id, Unit.type, func.count()).select_from(joined).where(communes)
            .group_by(province_id, Unit.type)):
        if pid in rows:
            rows[pid].communes += n
            types.add(unit_type)
            for cset in sets:
                if cset.applies_to_unit_type(unit_type):
                    rows[pid].eligible[cset.code] = rows[pid].eligible.get(cset.code, 0) + n
    for pid, state, n in db.session.execute(
            select(province_id, Dossier.state, func.count()).select_from(joined.join(Dossier, Dossier.unit_id == Unit.id))
            .where(Dossier.year == year).group_by(province_id, Dossier.state)):
        if pid in rows:
            rows[pid].states[state] = n
    registry = criteria.default_registry()
    if sets:
        # A commune counts once per set, under whichever set recognizing it counts for that one.
        columns = [func.count(distinct(Unit.id)).filter(and_(
            Dossier.criteria_set.in_(registry.recognitions_for(cset.code)),
            or_(*[Unit.type == t for t in types if cset.applies_to_unit_type(t)] or [Unit.id.is_(None)])))
            for cset in sets]
        for pid, *counts in db.session.execute(
                select(province_id, *columns).select_from(joined.join(Dossier, Dossier.unit_id == Unit.id))
                .where(communes, Dossier.state == "recognized", Dossier.year <= year).group_by(province_id)):
            if pid in rows:
                rows[pid].recognized = dict(zip([s.code for s in sets], counts))
    for row in rows.values():
        for cset in sets:
            row.recognized.setdefault(cset.code, 0)
            row.eligible.setdefault(cset.code, 0)
    return NationalBoard(year, sets, list(rows.values()))


def national_default_year() -> int:
    return db.session.scalar(select(func.max(Dossier.year))) or today_in_vietnam().year
