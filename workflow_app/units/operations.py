"""Load the official administrative units from the vietnam-provinces package."""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import vietnam_provinces
from flask_babel import gettext as _
from sqlalchemy import (
    ARRAY,
    Integer,
    and_,
    any_,
    bindparam,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import joinedload
from sqlalchemy.types import UserDefinedType

import states

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Dossier, Unit, UnitLineage
from ..roles import Level
from . import revisions, scopes

# The package labels every commune-level unit "xã" and every district-level unit "huyện";
# the real type is the first words of the name. Longer prefixes first.
TYPE_PREFIXES = {
    Level.province: (("Thành phố ", "thanh_pho"), ("Tỉnh ", "tinh")),
    Level.district: (
        ("Thành phố ", "thanh_pho"),
        ("Thị xã ", "thi_xa"),
        ("Huyện ", "huyen"),
        ("Quận ", "quan"),
    ),
    Level.commune: (("Thị trấn ", "thi_tran"), ("Phường ", "phuong"), ("Xã ", "xa")),
}
LEGACY_MAP = "legacy"  # the map before 1 July 2025, from vietnam-provinces 0.6 (see reform.py for the next)
CODE_WIDTH = {Level.province: 2, Level.district: 3, Level.commune: 5}
NATION_CODE = "VN"  # the one unit above the provinces of both maps: the ministry's readers belong to it


def unit_type_from_name(level: Level, name: str) -> str:
    """Return the real unit type ("xa", "phuong", "thi_tran", "huyen", ...) read from its name."""
    folded = unicodedata.normalize("NFC", name).casefold()  # the data has "Thành Phố" too
    for prefix, unit_type in TYPE_PREFIXES[level]:
        if folded.startswith(prefix.casefold()):
            return unit_type
    raise ValueError(f"cannot tell the type of {level.value} unit {name!r} from its name")


_UNACCENTED = str.maketrans({"đ": "d", "Đ": "D"})  # a letter of its own, not d with a mark


def search_key(text: str) -> str:
    """Lower-case, accent-free form used for accent-insensitive search ("Trà Cú" -> "tra cu")."""
    decomposed = unicodedata.normalize("NFD", text.translate(_UNACCENTED))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def containing(text: str) -> str:
    """A LIKE pattern (escape character `\\`) for values that contain `text` as typed: a `%` or
    `_` in it is that character, not a wildcard that would match everything."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def unit_code(level: Level, code: int | str) -> str:
    """Official code, zero-padded so that codes are unique across levels."""
    return str(int(code)).zfill(CODE_WIDTH[level])


@lru_cache(maxsize=1)
def _divisions() -> tuple[dict, ...]:
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        return tuple(json.load(fh))


def official_units(province_codes: list[str] | None = None) -> list[dict]:
    """Rows for the given provinces (all when None), parents before children."""
    wanted = None if province_codes is None else {unit_code(Level.province, c) for c in province_codes}
    rows: list[dict] = []
    seen = set()
    for province in _divisions():
        pcode = unit_code(Level.province, province["code"])
        if wanted is not None and pcode not in wanted:
            continue
        seen.add(pcode)
        rows.append(_row(Level.province, pcode, province["name"], None))
        for district in province["districts"]:
            dcode = unit_code(Level.district, district["code"])
            rows.append(_row(Level.district, dcode, district["name"], pcode))
            for ward in district["wards"]:
                rows.append(_row(Level.commune, unit_code(Level.commune, ward["code"]), ward["name"], dcode))
    if wanted is not None and wanted - seen:
        missing = ", ".join(sorted(wanted - seen))
        raise NotFound(_("No province with code %(codes)s in the official list.", codes=missing), field="province")
    return rows


def _row(level: Level, code: str, name: str, parent_code: str | None) -> dict:
    return {
        "code": code,
        "name": name,
        "level": level.value,
        "type": unit_type_from_name(level, name),
        "parent_code": parent_code,
        "search_name": search_key(name),
    }


@dataclass(frozen=True)
class LoadResult:
    inserted: int
    updated: int
    unchanged: int


def load_units(province_codes: list[str] | None = None) -> LoadResult:
    """Insert or update the official units; running it twice changes nothing."""
    if province_codes is not None and not province_codes:
        raise ValidationFailed(_("Name at least one province, or load all."), field="province")
    rows = official_units(province_codes)
    existing = {
        r.code: r
        for r in db.session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.type, Unit.parent_id, Unit.search_name)
            .where(Unit.map == LEGACY_MAP)
        )
    }
    ids = {code: r.id for code, r in existing.items()}
    inserted = updated = unchanged = 0
    for level in Level:  # parents first, so their ids exist for the children
        level_rows = [r for r in rows if r["level"] == level.value]
        new, changed = [], []
        for r in level_rows:
            values = {k: r[k] for k in ("code", "name", "level", "type", "search_name")}
            values["parent_id"] = ids[r["parent_code"]] if r["parent_code"] else None
            current = existing.get(r["code"])
            if current is None:
                new.append(values)
            elif any(getattr(current, k) != v for k, v in values.items()):
                changed.append({"id": current.id, **values})
            else:
                unchanged += 1
        if new:
            db.session.execute(insert(Unit), new)
            codes = [v["code"] for v in new]
            for start in range(0, len(codes), 5000):
                chunk = codes[start:start + 5000]
                ids.update(dict(db.session.execute(select(Unit.code, Unit.id).where(Unit.map == LEGACY_MAP, Unit.code.in_(chunk))).all()))
        if changed:
            db.session.execute(update(Unit), changed)
        inserted += len(new)
        updated += len(changed)
    if new or changed:
        revisions.advance_all()
    db.session.expire_all()
    return LoadResult(inserted, updated, unchanged)


def route_of(unit: Unit, year: int) -> states.Route:
    """The route a dossier of `unit` for `year` follows (states/routes.json)."""
    return states.ROUTES.route_for(unit.map, unit.province.code, year)


def own_route(user, year: int) -> states.Route:
    """route_of(the user's unit, year), which a commune's home page shows: its province's code is
    kept under the map's revision read with the user (the walk up the unit's parents is the map's)."""
    province = scopes.of(user, "province", lambda: [user.unit.province.code])
    return states.ROUTES.route_for(user.unit.map, province[0], year)


def nation() -> Unit:
    """The nation, made on first use: the unit of the ministry's readers, above every province."""
    unit = db.session.execute(select(Unit).where(Unit.level == Level.nation.value)).scalar_one_or_none()
    if unit is None:
        unit = Unit(map=LEGACY_MAP, code=NATION_CODE, name="Việt Nam", level=Level.nation.value, type="quoc_gia",
                    search_name=search_key("Việt Nam"))
        db.session.add(unit)
        db.session.flush()
    return unit


def get_unit(code: str, map_: str | None = None) -> Unit:
    """The unit with this official code. The 2025 map reuses codes of the old one: without a map,
    the unit that still exists (then the newer one). "VN": the nation."""
    if code.strip().upper() == NATION_CODE and not map_:
        return nation()
    query = select(Unit).where(Unit.code == code.strip())
    if map_:
        query = query.where(Unit.map == map_)
    units = db.session.execute(query).scalars().all()
    if not units:
        raise NotFound(_("No unit with code %(code)s.", code=code), field="unit")
    return min(units, key=lambda u: (u.valid_to is not None, u.map == LEGACY_MAP))


@dataclass(frozen=True)
class Link:
    """One line of a unit's lineage, seen from the unit: the other unit and whether it was whole."""

    unit: Unit
    whole: bool


def lineage_of(units: list[Unit]) -> tuple[dict[int, list[Link]], dict[int, list[Link]]]:
    """Each unit's predecessors and successors (by unit id), in one query."""
    ids = [u.id for u in units]
    before: dict[int, list[Link]] = {i: [] for i in ids}
    after: dict[int, list[Link]] = {i: [] for i in ids}
    if not ids:
        return before, after
    rows = db.session.execute(
        select(UnitLineage).options(joinedload(UnitLineage.predecessor), joinedload(UnitLineage.successor))
        .where(or_(UnitLineage.successor_id.in_(ids), UnitLineage.predecessor_id.in_(ids)))).scalars()
    for row in rows:
        if row.successor_id in before:
            before[row.successor_id].append(Link(row.predecessor, row.whole))
        if row.predecessor_id in after:
            after[row.predecessor_id].append(Link(row.successor, row.whole))
    for links in (*before.values(), *after.values()):
        links.sort(key=lambda link: (link.unit.map, link.unit.code))
    return before, after


@dataclass(frozen=True)
class Origin:
    """A unit this one was formed from, with the recognitions it held there."""

    name: str
    whole: bool
    recognitions: list[tuple[str, int]]  # (criteria set code, year), oldest first


def origins(unit: Unit) -> list[Origin]:
    """The units `unit` was formed from (by map, then code) and what each was recognized for."""
    found: dict[int, Origin] = {}
    for unit_id, name, whole, cset, year in db.session.execute(_origins_statement(), {"unit": unit.id}):
        origin = found.setdefault(unit_id, Origin(name, whole, []))
        if cset is not None:
            origin.recognitions.append((cset, year))
    return list(found.values())


def kept_origins(user, unit: Unit, province_revision: int | None) -> Sequence[Origin]:
    """origins(unit), kept per process under the map's revision (the lineage, the names) and the
    revision of the unit's province, read in this request: a recognition given or revoked in a unit
    it was formed from advances the revision of every province formed from that unit
    (revisions.advance), the unit's own among them."""
    if user.map_revision is None or province_revision is None:
        return origins(unit)
    return scopes.kept().get(("origins", unit.id, province_revision), user.map_revision, lambda: origins(unit))


@lru_cache(maxsize=1)
def _origins_statement():
    """origins' one statement, built once (every home page and dossier page asks, and nearly
    every unit has none: built per request, with its mapped objects, it cost 1.3 ms for nothing)."""
    return (select(Unit.id, Unit.name, UnitLineage.whole, Dossier.criteria_set, Dossier.year)
            .join(UnitLineage, UnitLineage.predecessor_id == Unit.id)
            .outerjoin(Dossier, and_(Dossier.unit_id == Unit.id, Dossier.state == "recognized"))
            .where(UnitLineage.successor_id == bindparam("unit", type_=Integer))
            .order_by(Unit.map, Unit.code, Unit.id, Dossier.year, Dossier.criteria_set))


def units_within(root: Unit, level: Level | None = None) -> list[Unit]:
    """The units of root's subtree (root included), optionally of one level, by code; with the
    units they were formed from and those units' subtrees, so that a unit of the new map keeps
    the records of the old units it came from (a new province: the old provinces, their districts
    and communes; a new commune: the old communes, or the parts of them, it took in). The nation:
    every unit."""
    query = select(Unit) if level is None else select(Unit).where(Unit.level == level.value)
    return _within(root, query, db.session.scalars)


def unit_rows_within(root: Unit) -> list:
    """units_within(root) as rows of the columns an overview reads (id, code, name, level, type,
    parent_id, valid_from, valid_to), in the same order: a province's 600 units without 600
    mapped objects to build and read through."""
    return _within(root, select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.type, Unit.parent_id,
                                Unit.valid_from, Unit.valid_to), db.session.execute)


def _within(root: Unit, query, run) -> list:
    """`query` over units, limited to root's scope (every unit for the nation), today's units
    first, then by code."""
    if root.level != Level.nation.value:
        query = query.where(among(Unit.id, ids_within(root)))
    return sorted(run(query), key=lambda u: (u.valid_to is not None, u.code))


# units_within(root)'s ids in one statement on PostgreSQL: down the tree and back along the
# lineage, each step looked up by index from the units found so far.
_SCOPE_POSTGRESQL = text("""
    WITH RECURSIVE scope(id) AS (
        SELECT CAST(:root AS INTEGER)
        UNION
        SELECT step.id FROM scope CROSS JOIN LATERAL (
            SELECT unit.id FROM unit WHERE unit.parent_id = scope.id
            UNION ALL
            SELECT unit_lineage.predecessor_id FROM unit_lineage WHERE unit_lineage.successor_id = scope.id
        ) AS step(id)
    )
    SELECT id FROM scope""")


def scope_ids(root: Unit):
    """The ids of units_within(root), as one statement (read by ids_within, or used as a subquery),
    the root's id its parameter `root`: no unit is loaded, and the statement is the same whatever
    the size of the scope."""
    return _scope_ids(db.session.get_bind().dialect.name, root.level == Level.nation.value)


@lru_cache(maxsize=8)
def _scope_ids(dialect: str, nation: bool):
    """scope_ids' statement, built once per process (built per call it cost ~0.4 ms, more than
    the application's part of running it)."""
    if nation:
        return select(Unit.id)
    root = bindparam("root", type_=Integer)
    if dialect == "postgresql":
        return select(_SCOPE_POSTGRESQL.bindparams(root).columns(id=Integer).subquery().c.id)
    # Elsewhere (SQLite has no LATERAL): the same walk over the union of both kinds of edges.
    edges = union_all(select(Unit.id.label("child"), Unit.parent_id.label("parent")).where(Unit.parent_id.is_not(None)),
                      select(UnitLineage.predecessor_id, UnitLineage.successor_id)).subquery("edges")
    scope = select(root.label("id")).cte("scope", recursive=True)
    scope = scope.union(select(edges.c.child).join(scope, edges.c.parent == scope.c.id))
    return select(scope.c.id)


def among(column, values: list):
    """`column IN values`; on PostgreSQL as one array parameter (`= ANY(...)`): a province's
    hundreds of units are one value to send, not hundreds of placeholders to write and parse.
    Numbers and strings go as the array's text, which the server reads: the driver writes a list
    out element by element in Python (a province's 700 ids: 1.2 ms of the application's CPU a
    statement, as text 0.5–0.6 ms)."""
    if db.session.get_bind().dialect.name == "postgresql":
        if type(values) is not scopes.Scope:  # a kept scope goes as it is, its array text written once
            values = list(values)
        if all(type(v) is int for v in values):
            return column == any_(literal(values, _INTEGERS))
        if all(type(v) is str for v in values):
            return column == any_(literal(values, _STRINGS))
        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(values)


def among_parameter(column, name: str, dialect: str, strings: bool = False):
    """`among(column, ids)` in a statement built once: the ids are given at execution as the
    parameter `name` (a list of integers; of strings with `strings`)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=_STRINGS if strings else _INTEGERS))
    return column.in_(bindparam(name, expanding=True))


class _Integers(UserDefinedType):
    """A list of integers sent as the text of an INTEGER[] (`$1::INTEGER[]`, as ARRAY(Integer)
    renders it): the server reads the numbers, the parameter keeps its array type for the planner."""

    cache_ok = True
    render_bind_cast = True

    def get_col_spec(self, **_kw) -> str:
        return "INTEGER[]"

    @staticmethod
    def write(values) -> str:
        return "{" + ",".join(map(str, values)) + "}"

    def bind_processor(self, dialect):
        write = self.write
        return lambda values: values.as_text(write) if type(values) is scopes.Scope else write(values)


class _Strings(_Integers):
    """A list of strings sent as the text of a VARCHAR[]: each element quoted, its quotes and
    backslashes escaped (PostgreSQL's array syntax)."""

    cache_ok = True

    def get_col_spec(self, **_kw) -> str:
        return "VARCHAR[]"

    @staticmethod
    def write(values) -> str:
        if not values:
            return "{}"
        joined = '","'.join(values)
        if "\\" in joined or joined.count('"') != 2 * (len(values) - 1):  # a value holds a quote or backslash
            joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
        return '{"' + joined + '"}'


_INTEGERS, _STRINGS = _Integers(), _Strings()


def ids_within(root: Unit) -> list[int]:
    """The ids of units_within(root), read as numbers only. Pages filter by this list rather than
    by the subquery: the planner then knows how few units a scope has."""
    return db.session.scalars(scope_ids(root), {"root": root.id}).all()  # fetched at once, not row by row


def scope_of(user) -> Sequence[int]:
    """The ids of the units the user may see (ids_within its unit), kept per process under the
    map's revision read with the user (scopes.py)."""
    return scopes.of(user, "ids", lambda: ids_within(user.unit))


def districts_among(ids: list[int]) -> list:
    """The districts among these units, as rows (id, code, name) in the order of their codes: the
    dossier list's filter, on every view of it (a statement built once)."""
    return db.session.execute(_districts_among(db.session.get_bind().dialect.name), {"ids": ids}).all()


def districts_of(user) -> Sequence:
    """districts_among(the user's scope), kept under the map's revision read with the user."""
    return scopes.of(user, "districts", lambda: districts_among(scope_of(user)))


@lru_cache(maxsize=4)
def _districts_among(dialect: str):
    return (select(Unit.id, Unit.code, Unit.name)
            .where(among_parameter(Unit.id, "ids", dialect), Unit.level == Level.district.value).order_by(Unit.code))


def subtree(roots: list[Unit]) -> list[Unit]:
    found, frontier = list(roots), [u.id for u in roots]
    while frontier:
        children = list(db.session.execute(select(Unit).where(Unit.parent_id.in_(frontier))).scalars())
        found.extend(children)
        frontier = [u.id for u in children]
    return found
