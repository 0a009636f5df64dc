"""Filtering the trail for the inspectors' page, its exports and the API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select

from ..clock import start_of_day
from ..extensions import db
from ..models import AuditEntry, Unit, User
from ..units.operations import among, scope_ids, search_key, units_within


@dataclass
class AuditFilter:
    unit: str = ""  # a unit code, or words of its name
    dossier_id: int | None = None
    actor: str = ""
    action: str = ""
    since: date | None = None  # Vietnamese calendar days, both ends included
    until: date | None = None


def visible_codes(user: User) -> list[str]:
    return db.session.scalars(select(Unit.code).where(Unit.id.in_(scope_ids(user.unit)))).all()


def audit_query(user: User, f: AuditFilter):
    """Entries within the user's scope matching the filter, newest first."""
    codes = visible_codes(user)
    query = select(AuditEntry).where(among(AuditEntry.unit_code, codes))
    if f.unit:
        wanted = f.unit.strip()
        matching = [u.code for u in units_within(user.unit) if u.code == wanted or search_key(wanted) in u.search_name]
        query = query.where(AuditEntry.unit_code.in_(matching))
    if f.dossier_id:
        query = query.where(AuditEntry.dossier_id == f.dossier_id)
    if f.actor:
        wanted = search_key(f.actor)
        people = db.session.execute(select(User.id, User.full_name).join(Unit, User.unit_id == Unit.id)
                                    .where(among(Unit.code, codes))).all()
        named = [i for i, full_name in people if wanted in search_key(full_name)]
        query = query.where(or_(AuditEntry.actor == f.actor.strip().lower(), AuditEntry.actor_id.in_(named)))
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.since:
        query = query.where(AuditEntry.at >= start_of_day(f.since))
    if f.until:
        query = query.where(AuditEntry.at < start_of_day(f.until + timedelta(days=1)))
    return query.order_by(AuditEntry.seq.desc())


def unit_names(codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return dict(db.session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())
