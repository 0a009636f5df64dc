"""Filtering the trail for the inspectors' page, its exports and the API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

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
    return db.session.scalars(_codes_within(scope_ids(user.unit)), {"root": user.unit.id}).all()


@lru_cache(maxsize=8)
def _codes_within(scope):
    """The codes of a scope's units (scope: scope_ids' statement, built once; so is this one)."""
    return select(Unit.code).where(Unit.id.in_(scope))


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
    return dict(db.session.execute(select(Unit.code, Unit.name).where(among(Unit.code, list(codes)))).all())
