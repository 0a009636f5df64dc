"""Filtering the trail for the inspectors' page, its exports and the API."""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Sequence

from sqlalchemy import Integer, String, bindparam, func, or_, select

from ..clock import start_of_day
from ..extensions import db
from ..models import AuditEntry, Unit, User
from ..units import scopes
from ..units.operations import among, among_parameter, scope_ids, search_key, units_within
from ..web import rows_and_total


@dataclass
class AuditFilter:
    unit: str = ""  # a unit code, or words of its name
    dossier_id: int | None = None
    actor: str = ""
    action: str = ""
    since: date | None = None  # Vietnamese calendar days, both ends included
    until: date | None = None


def visible_codes(user: User) -> Sequence[str]:
    """The codes of the units the user may see, kept per process under the map's revision read
    with the user (units/scopes.py)."""
    return scopes.of(user, "codes", lambda: db.session.scalars(_codes_within(scope_ids(user.unit)),
                                                                {"root": user.unit.id}).all())


@lru_cache(maxsize=8)
def _codes_within(scope):
    """The codes of a scope's units (scope: scope_ids' statement, built once; so is this one)."""
    return select(Unit.code).where(Unit.id.in_(scope))


# The filters of the trail, each a parameter of the statement that applies it: `units` (codes),
# `dossier_id`, `actor` (a username) with `actors` (the ids of users so named), `action`, `since`
# and `until` (instants).
AUDIT_FILTERS = ("units", "dossier_id", "actor", "action", "since", "until")


def audit_query(user: User, f: AuditFilter) -> tuple[tuple[str, ...], dict]:
    """The filters given (their names choose the statement, see audit_statement) and the
    statement's parameters: entries within the user's scope matching the filter."""
    codes = visible_codes(user)
    params: dict = {"codes": codes}
    if f.unit:
        wanted = f.unit.strip()
        params["units"] = [u.code for u in units_within(user.unit)
                           if u.code == wanted or search_key(wanted) in u.search_name]
    if f.dossier_id:
        params["dossier_id"] = f.dossier_id
    if f.actor:
        wanted = search_key(f.actor)
        people = db.session.execute(select(User.id, User.full_name).join(Unit, User.unit_id == Unit.id)
                                    .where(among(Unit.code, codes))).all()
        params["actor"] = f.actor.strip().lower()
        params["actors"] = [i for i, full_name in people if wanted in search_key(full_name)]
    if f.action:
        params["action"] = f.action
    if f.since:
        params["since"] = start_of_day(f.since)
    if f.until:
        params["until"] = start_of_day(f.until + timedelta(days=1))
    return tuple(name for name in AUDIT_FILTERS if name in params), params


# An entry as the trail's lists read it: its columns by name, as a tuple (a result's row reads a
# column by name in ~0.5 µs, a named tuple in ~0.05; a page reads about 700).
Entry = namedtuple("Entry", [column.name for column in AuditEntry.__table__.c])


def audit_page(user: User, f: AuditFilter, page: int, per_page: int) -> tuple[list[Entry], int]:
    """A page of the entries, newest first, and how many match in all."""
    given, params = audit_query(user, f)
    dialect = db.session.get_bind().dialect.name
    rows, total = rows_and_total(audit_statement("page", given, dialect), audit_statement("count", given, dialect),
                                 params, page, per_page)
    return [Entry._make(row) for row in rows], total


def audit_rows(user: User, f: AuditFilter, limit: int, batch: int):
    """Every entry matching, newest first (up to `limit`), a batch of entries at a time."""
    given, params = audit_query(user, f)
    statement = audit_statement("all", given, db.session.get_bind().dialect.name)
    result = db.session.execute(statement.execution_options(yield_per=batch), {**params, "limit": limit})
    for rows in result.partitions():
        yield [Entry._make(row) for row in rows]


@lru_cache(maxsize=128)
def audit_statement(kind: str, given: tuple[str, ...], dialect: str):
    """The trail's statement for the filters given, built once per process (their values are its
    parameters): `page` (with `limit` and `offset`), `all` (with `limit`) or `count`. Rows of the
    entries' columns (read as Entry), not mapped entries."""
    if kind == "count":
        query = select(func.count()).select_from(AuditEntry)
    else:
        query = select(*AuditEntry.__table__.c)
    query = query.where(among_parameter(AuditEntry.unit_code, "codes", dialect, strings=True))
    if "units" in given:
        query = query.where(among_parameter(AuditEntry.unit_code, "units", dialect, strings=True))
    if "dossier_id" in given:
        query = query.where(AuditEntry.dossier_id == bindparam("dossier_id", type_=Integer))
    if "actor" in given:
        query = query.where(or_(AuditEntry.actor == bindparam("actor", type_=String),
                                among_parameter(AuditEntry.actor_id, "actors", dialect)))
    if "action" in given:
        query = query.where(AuditEntry.action == bindparam("action", type_=String))
    if "since" in given:
        query = query.where(AuditEntry.at >= bindparam("since", type_=AuditEntry.at.type))
    if "until" in given:
        query = query.where(AuditEntry.at < bindparam("until", type_=AuditEntry.at.type))
    if kind == "count":
        return query
    query = query.order_by(AuditEntry.seq.desc()).limit(bindparam("limit", type_=Integer))
    return query.offset(bindparam("offset", type_=Integer)) if kind == "page" else query
