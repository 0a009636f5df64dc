"""The province's year: campaign dates, step deadlines, and its days off and make-up working days.
Each change is audited and recomputes the due dates of the province's open dossiers."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import trail
from ..deadlines import ALL_SETS, DEFAULT_DEADLINES, Schedule
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import CalendarDay, Campaign, StepDeadline, User

MAX_DAYS = 120


def _province(actor: User):
    if not actor.can_manage_users():
        raise PermissionDenied(_("Only the province's administrator sets the calendar."))
    return actor.unit.province


def _changed(actor: User, what: str, details: dict) -> int:
    province = actor.unit.province
    trail.append(actor, "calendar_changed", unit=province, details={"what": what, **details})
    db.session.flush()
    return Schedule(province).recompute()


def set_campaign(actor: User, year: int, opens_on: date | None, submit_by: date | None) -> int:
    province = _province(actor)
    if opens_on and submit_by and submit_by < opens_on:
        raise ValidationFailed(_("The last day to submit comes before the opening day."), field="submit_by")
    row = db.session.scalar(select(Campaign).where(Campaign.province_id == province.id, Campaign.year == year))
    if row is None:
        row = Campaign(province_id=province.id, year=year)
        db.session.add(row)
    row.opens_on, row.submit_by = opens_on, submit_by
    return _changed(actor, "campaign", {"year": year, "opens_on": str(opens_on or ""), "submit_by": str(submit_by or "")})


def set_deadlines(actor: User, days: dict[tuple[str, str], Any]) -> int:
    """{(criteria set or "*", state): working days, or empty for the default}; all or none."""
    province = _province(actor)
    clean, problems = {}, {}
    for (set_code, state), raw in days.items():
        if state not in DEFAULT_DEADLINES:
            raise NotFound(_("There is no such step."))
        text = str(raw or "").strip()
        if not text:
            clean[(set_code, state)] = None
            continue
        if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
            problems[f"{set_code}__{state}"] = _("A whole number of working days from 1 to %(n)d.", n=MAX_DAYS)
            continue
        clean[(set_code, state)] = int(text)
    if problems:
        raise ValidationFailed(_("Check the fields marked: nothing was saved."), fields=problems)
    existing = {(r.criteria_set, r.state): r for r in db.session.scalars(
        select(StepDeadline).where(StepDeadline.province_id == province.id))}
    changes = {}
    for key, value in clean.items():
        row = existing.get(key)
        before = row.working_days if row else None
        if value == before:
            continue
        changes[f"{key[0]}/{key[1]}"] = [before, value]
        if value is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(StepDeadline(province_id=province.id, criteria_set=key[0], state=key[1], working_days=value))
        else:
            row.working_days = value
    if not changes:
        return 0
    return _changed(actor, "deadlines", {"changes": changes})


def add_day(actor: User, day: date | None, working: bool, note: str) -> int:
    province = _province(actor)
    if day is None:
        raise ValidationFailed(_("Give the day."), field="day")
    if db.session.scalar(select(CalendarDay.id).where(CalendarDay.province_id == province.id, CalendarDay.day == day)):
        raise ValidationFailed(_("That day is already listed: remove it first."), field="day")
    db.session.add(CalendarDay(province_id=province.id, day=day, working=working, note=(note or "").strip()[:200]))
    return _changed(actor, "day", {"day": day.isoformat(), "working": working, "note": note})


def remove_day(actor: User, day_id: int) -> int:
    province = _province(actor)
    row = db.session.get(CalendarDay, day_id)
    if row is None or row.province_id != province.id:
        raise NotFound(_("No such day."))
    db.session.delete(row)
    return _changed(actor, "day_removed", {"day": row.day.isoformat()})


__all__ = ["ALL_SETS", "add_day", "remove_day", "set_campaign", "set_deadlines"]
