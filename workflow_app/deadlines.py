"""The year's calendar: working days (Vietnam's public holidays, Tết included, from the `holidays`
package, which also knows the make-up Saturdays; plus each province's own days off and make-up
days), the deadline of each step in working days, and the province's campaign dates.

A dossier's due date is computed when it enters a state and stored (`Dossier.due_on`), so that
lists sort by it in the database; changing the calendar or a deadline recomputes the open ones.
"""
from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import holidays
from flask import current_app, g, has_app_context
from flask_login import current_user
from sqlalchemy import Boolean, Date, Integer, String, bindparam, literal, select, union_all, update

from .clock import VIETNAM, today_in_vietnam
from .extensions import db
from .models import CalendarDay, Campaign, Dossier, StepDeadline, Unit

# Working days a dossier may wait in a state before it is overdue, unless the province sets
# otherwise (for every set, "*", or for one set).
DEFAULT_DEADLINES = {
    "commune_submitted": 10,  # the district police appraise it
    "district_reviewed": 15,  # PV05 verifies it
    "pv05_verified": 20,  # the recognition decision is recorded
    "returned": 10,  # the unit fixes it and sends it back
}
ALL_SETS = "*"
OPEN_STATES = ("draft", *DEFAULT_DEADLINES)


@lru_cache(maxsize=1)
def _vietnam() -> type[holidays.HolidayBase]:
    """The `holidays` package's Vietnam, loaded alone: its `countries` package imports every
    country's module (279 modules, 8 MB in each worker) to find one. Should the package's layout
    change, the ordinary way still works (a test holds both to the same days)."""
    try:
        source = Path(holidays.__file__).parent / "countries" / "vietnam.py"
        spec = importlib.util.spec_from_file_location("workflow_app._holidays_vietnam", source)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Vietnam
    except (OSError, ImportError, AttributeError):
        return holidays.country_holidays("VN").__class__


@lru_cache(maxsize=64)
def _national(year: int) -> holidays.HolidayBase:
    return _vietnam()(years=year, language="vi")


def national_holidays(year: int) -> dict[date, str]:
    """The year's public holidays and national days off, with their Vietnamese names."""
    return dict(_national(year).items())


def national_make_up_days(year: int) -> list[date]:
    """The Saturdays worked nationwide in exchange for a bridge holiday."""
    return sorted(d for d in _national(year).weekend_workdays if d.year == year)


def national_holiday(day: date) -> str | None:
    """The public holiday's name on that day ("Tết Nguyên Đán"), if any."""
    return _national(day.year).get(day)


@lru_cache(maxsize=256)
def _new_year(year: int) -> int:
    """The ordinal of 1 January: a day's place in its year is its ordinal minus this."""
    return date(year, 1, 1).toordinal()


@lru_cache(maxsize=64)
def _national_days(year: int) -> tuple[bool, ...]:
    """Whether each day of the year (1 January first) is a working day nationwide."""
    calendar = _national(year)
    first = date(year, 1, 1)
    return tuple(calendar.is_working_day(first + timedelta(days=n))
                 for n in range((date(year + 1, 1, 1) - first).days))


@lru_cache(maxsize=64)
def _national_running(year: int) -> tuple[int, ...]:
    running, total = [], 0
    for working in _national_days(year):
        total += working
        running.append(total)
    return tuple(running)


class WorkCalendar:
    """Working days of one province: Monday to Friday, without the national holidays, with the
    national make-up Saturdays, then the province's own exceptions on top."""

    def __init__(self, exceptions: dict[date, bool] | None = None):
        self.exceptions = exceptions or {}
        self._running: dict[int, list[int]] = {}  # year -> working days from 1 January up to each day

    def is_working(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return _national_days(day.year)[day.toordinal() - _new_year(day.year)]

    def add(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (a dossier received on Friday with 1 day is due Monday)."""
        day = start
        while days > 0:
            day += timedelta(days=1)
            if self.is_working(day):
                days -= 1
        return day

    def _through(self, day: date) -> int:
        """Working days from 1 January of the day's year up to and including the day."""
        running = self._running.get(day.year)
        if running is None and not any(d.year == day.year for d in self.exceptions):
            running = self._running[day.year] = _national_running(day.year)  # shared by every province without exceptions
        if running is None:
            first, total, running = date(day.year, 1, 1), 0, []
            for n in range(len(_national_days(day.year))):
                total += self.is_working(first + timedelta(days=n))
                running.append(total)
            self._running[day.year] = running
        return running[day.toordinal() - _new_year(day.year)]

    def count(self, start: date, end: date) -> int:
        """Working days after `start`, up to and including `end` (0 when end is not after start)."""
        if end <= start:
            return 0
        total = self._through(end) - self._through(start)
        for year in range(start.year, end.year):  # whole years between them
            total += self._through(date(year, 12, 31))
        return total


@lru_cache(maxsize=1)
def _province_rules():
    """A province's own days, deadlines and campaigns in one statement, read on every page with
    due dates and by every move; each row says which of the three it is. Built once."""
    province = bindparam("province", type_=Integer)
    none_text, none_number = literal(None, String), literal(None, Integer)
    days = select(literal("day"), CalendarDay.day, CalendarDay.working, none_text, none_text, none_number
                  ).where(CalendarDay.province_id == province)
    steps = select(literal("step"), literal(None, Date), literal(None, Boolean), StepDeadline.criteria_set,
                   StepDeadline.state, StepDeadline.working_days).where(StepDeadline.province_id == province)
    campaigns = select(literal("campaign"), Campaign.submit_by, literal(None, Boolean), none_text, none_text,
                       Campaign.year).where(Campaign.province_id == province)
    return union_all(days, steps, campaigns)


SCHEDULES = 256  # provinces' schedules kept per process (the country has fewer than a hundred, both maps)


class ProvinceId(NamedTuple):
    """A province known by its id alone: what a Schedule reads of it."""

    id: int


class Schedule:
    """A province's deadlines, calendar and campaigns: what makes a dossier's due date."""

    def __init__(self, province: Unit | ProvinceId | None):
        self.province_id = province.id if province is not None else None
        exceptions: dict[date, bool] = {}
        self.deadlines: dict[tuple[str, str], int] = {}
        self.campaigns: dict[int, date | None] = {}
        if province is not None:
            for kind, day, working, set_code, state, number in db.session.execute(_province_rules(),
                                                                                  {"province": self.province_id}):
                if kind == "day":
                    exceptions[day] = working
                elif kind == "step":
                    self.deadlines[(set_code, state)] = number
                else:
                    self.campaigns[number] = day
        self.calendar = WorkCalendar(exceptions)

    def working_days(self, criteria_set: str, state: str) -> int | None:
        for key in ((criteria_set, state), (ALL_SETS, state)):
            if key in self.deadlines:
                return self.deadlines[key]
        return DEFAULT_DEADLINES.get(state)

    def due(self, criteria_set: str, year: int, state: str, entered: datetime) -> date | None:
        """When a dossier that entered `state` at `entered` must have moved on."""
        if state == "draft":
            return self.campaigns.get(year)  # the campaign's last day to submit, when set
        days = self.working_days(criteria_set, state)
        if days is None:
            return None
        return self.calendar.add(entered.astimezone(VIETNAM).date(), days)

    def due_of(self, dossier: Dossier, state: str | None = None, entered: datetime | None = None) -> date | None:
        return self.due(dossier.criteria_set, dossier.year, state or dossier.state, entered or dossier.state_changed_at)

    def overdue_days(self, due: date | None, today: date | None = None) -> int:
        """Working days past the due date (0: not overdue)."""
        if due is None:
            return 0
        return self.calendar.count(due, today or today_in_vietnam())

    def recompute(self) -> int:
        """Store again the due date of every open dossier of the province (after a change of the
        calendar, a deadline or a campaign); return how many changed."""
        from .units.operations import units_within

        ids = [u.id for u in units_within(db.session.get(Unit, self.province_id))]
        changed = 0
        for dossier_id, set_code, year, state, entered, stored in db.session.execute(
                select(Dossier.id, Dossier.criteria_set, Dossier.year, Dossier.state, Dossier.state_changed_at,
                       Dossier.due_on).where(Dossier.unit_id.in_(ids), Dossier.state.in_(OPEN_STATES))):
            due = self.due(set_code, year, state, entered)
            if due != stored:
                db.session.execute(update(Dossier).where(Dossier.id == dossier_id).values(due_on=due))
                changed += 1
        return changed


def schedule_for(unit: Unit) -> Schedule:
    return Schedule(unit.province)


def page_schedule(unit: Unit) -> Schedule:
    """The unit's province schedule, read once per request for the pages (due marks, durations);
    changes made in the same request are not seen, so operations use schedule_for."""
    return province_schedule(unit.province.id)


def province_schedule(province_id: int) -> Schedule:
    """page_schedule() of the province with this id: kept per process under the calendars'
    revision read with the signed-in user (models.CalendarRevision), otherwise read once per request."""
    if not has_app_context():
        return Schedule(ProvinceId(province_id))
    revision = getattr(current_user, "calendar_revision", None)
    if revision is not None:
        return current_app.extensions["schedules"].get(province_id, revision,
                                                       lambda: Schedule(ProvinceId(province_id)))
    if "schedules" not in g:
        g.schedules = {}
    if province_id not in g.schedules:
        g.schedules[province_id] = Schedule(ProvinceId(province_id))
    return g.schedules[province_id]


def overdue(dossier) -> int:
    """Working days the dossier is past its due date (0: on time, or no deadline), for the pages.
    `dossier`: a mapped dossier or a row of the lists (queries.Listed): both give their province's id."""
    if dossier.due_on is None or dossier.state not in OPEN_STATES:
        return 0
    return province_schedule(dossier.province_id).overdue_days(dossier.due_on)
