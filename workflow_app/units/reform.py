"""The 2025 map (34 provinces, communes straight under the province) and its lineage from the one
before, read from the `vietnamadminunits` package's data files.

`vietnamadminunits` carries both maps with their official codes and the old → new correspondence:
which old communes (keyed by province, district and commune names) form each new commune, and the
old communes that were split, with every new commune that took a part. `vietnam-provinces` 2025.x
carries only the new map, without lineage, and replaces the old map of the 0.6 series the
application keeps for its 2021–2025 records: so the old map stays from `vietnam-provinces`, the new
one and the lineage come from here, joined on the official codes.

Only the package's data files are read (its address parser imports geocoding libraries the
application has no use for).
"""
from __future__ import annotations

import importlib.util
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from ..errors import NotFound
from ..extensions import db
from ..models import Unit, UnitLineage
from ..roles import Level
from . import revisions
from .operations import LEGACY_MAP as LEGACY
from .operations import load_units, search_key, subtree, unit_code

MAP_2025 = "2025"
MAPS = (LEGACY, MAP_2025)
REFORM_DAY = date(2025, 7, 1)  # the day the new communes and provinces began
LAST_LEGACY_DAY = REFORM_DAY - timedelta(days=1)

TYPES_2025 = {
    Level.province: {"Tỉnh": "tinh", "Thành phố": "thanh_pho"},
    Level.commune: {"Xã": "xa", "Phường": "phuong", "Đặc khu": "dac_khu"},
}


@lru_cache(maxsize=1)
def _data_dir() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")  # found, not imported
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the vietnamadminunits package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _rows(sql: str, *params) -> list[sqlite3.Row]:
    with sqlite3.connect(f"file:{_data_dir() / 'dataset.db'}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


@lru_cache(maxsize=1)
def _correspondence() -> dict:
    with open(_data_dir() / "converter_2025.json", encoding="utf-8") as fh:
        return json.load(fh)


@dataclass(frozen=True)
class NewUnit:
    code: str
    name: str
    level: str
    type: str


@dataclass
class Map2025:
    """One new province: its communes, the old provinces it joined, and each new commune's origins."""

    province: NewUnit
    communes: list[NewUnit]
    old_provinces: list[str]  # legacy codes
    # new commune code -> [(legacy code, legacy level, whole)]
    origins: dict[str, list[tuple[str, str, bool]]] = field(default_factory=dict)


def province_2025(code: str) -> Map2025:
    """The new province `code` as the package describes it."""
    code = unit_code(Level.province, code)
    rows = _rows("SELECT DISTINCT province, provinceKey, ward, wardType, wardCode, wardKey FROM admin_units "
                 "WHERE provinceCode = ? ORDER BY wardCode", code)
    if not rows:
        raise NotFound(_("No province with code %(codes)s in the official list.", codes=code), field="province")
    name, key = rows[0]["province"], rows[0]["provinceKey"]
    province = NewUnit(code, name, Level.province.value, _type(Level.province, name))
    communes = [NewUnit(unit_code(Level.commune, r["wardCode"]), r["ward"], Level.commune.value,
                        TYPES_2025[Level.commune][r["wardType"]]) for r in rows]
    by_key = {r["wardKey"]: unit_code(Level.commune, r["wardCode"]) for r in rows}

    data = _correspondence()
    old_keys = data["DICT_PROVINCE"][key]
    legacy = _rows("SELECT DISTINCT provinceKey, provinceCode, districtKey, districtCode, wardKey, wardCode "
                   "FROM admin_units_legacy WHERE provinceKey IN (SELECT value FROM json_each(?))", json.dumps(old_keys))
    old_provinces = sorted({unit_code(Level.province, r["provinceCode"]) for r in legacy})
    # An old unit by its key: a commune "province_district_commune"; an island district without
    # communes "province_district_" (it became a special zone, đặc khu).
    old_by_key: dict[str, tuple[str, str]] = {}
    for r in legacy:
        if r["wardKey"]:
            old_by_key[f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"] = (
                unit_code(Level.commune, r["wardCode"]), Level.commune.value)
        else:
            old_by_key[f"{r['provinceKey']}_{r['districtKey']}_"] = (
                unit_code(Level.district, r["districtCode"]), Level.district.value)

    origins: dict[str, list[tuple[str, str, bool]]] = {c.code: [] for c in communes}
    for new_key, olds in data["DICT_PROVINCE_WARD_NO_DIVIDED"].get(key, {}).items():
        for old_key in olds:
            origins[by_key[new_key]].append((*old_by_key[old_key], True))
    for old_key, parts in data["DICT_PROVINCE_WARD_DIVIDED"].get(key, {}).items():
        for part in parts:
            origins[by_key[part["newWardKey"]]].append((*old_by_key[old_key], False))
    return Map2025(province, communes, old_provinces, origins)


def _type(level: Level, name: str) -> str:
    for prefix, unit_type in TYPES_2025[level].items():
        if name.startswith(prefix + " "):
            return unit_type
    raise ValueError(f"cannot tell the type of {level.value} unit {name!r} from its name")


@dataclass(frozen=True)
class MapLoadResult:
    province: str  # "86 Tỉnh Vĩnh Long"
    old_provinces: tuple[str, ...]
    inserted: int
    updated: int
    unchanged: int
    lineage_added: int
    ended: int  # old units given their last day
    missing: tuple[str, ...]  # old codes the package names that the old map here does not have


def load_map_2025(province_code: str) -> MapLoadResult:
    """Load new province `province_code` with its communes, the old provinces it was formed from
    (so that the lineage has both ends), and the lineage; running it twice changes nothing."""
    new = province_2025(province_code)
    load_units(new.old_provinces)
    inserted = updated = unchanged = 0

    def upsert(unit: NewUnit, parent_id: int | None) -> int:
        nonlocal inserted, updated, unchanged
        values = {"map": MAP_2025, "code": unit.code, "name": unit.name, "level": unit.level, "type": unit.type,
                  "parent_id": parent_id, "search_name": search_key(unit.name), "valid_from": REFORM_DAY}
        current = db.session.execute(select(Unit).where(Unit.map == MAP_2025, Unit.code == unit.code)).scalar()
        if current is None:
            inserted += 1
            return db.session.execute(insert(Unit).values(**values).returning(Unit.id)).scalar_one()
        if any(getattr(current, k) != v for k, v in values.items()):
            updated += 1
            db.session.execute(update(Unit).where(Unit.id == current.id).values(**values))
        else:
            unchanged += 1
        return current.id

    province_id = upsert(new.province, None)
    new_ids = {c.code: upsert(c, province_id) for c in new.communes}

    old_units = {(u.code, u.level): u for u in db.session.execute(
        select(Unit).where(Unit.map == LEGACY, Unit.code.in_(
            new.old_provinces + [code for links in new.origins.values() for code, _lvl, _w in links]))).scalars()}
    wanted = {(old_units[(p, Level.province.value)].id, province_id, True) for p in new.old_provinces}
    missing = set()
    for new_code, links in new.origins.items():
        for old_code, old_level, whole in links:
            old = old_units.get((old_code, old_level))
            if old is None:
                missing.add(old_code)
            else:
                wanted.add((old.id, new_ids[new_code], whole))
    have = {(r.predecessor_id, r.successor_id): r for r in db.session.execute(
        select(UnitLineage).where(UnitLineage.successor_id.in_([province_id, *new_ids.values()]))).scalars()}
    added = [{"predecessor_id": p, "successor_id": s, "whole": w}
             for p, s, w in sorted(wanted) if (p, s) not in have]
    relinked = 0
    for p, s, w in wanted:
        if (p, s) in have and have[(p, s)].whole != w:
            have[(p, s)].whole = w
            relinked += 1
    if added:
        db.session.execute(insert(UnitLineage), added)

    # Every unit of the old provinces ended on the eve of the reform: the old districts with no
    # successor (there are no districts any more), the communes and provinces with theirs.
    old_ids = [u.id for u in subtree([old_units[(p, Level.province.value)] for p in new.old_provinces])]
    ended = db.session.execute(update(Unit).where(Unit.id.in_(old_ids), Unit.valid_to.is_(None))
                               .values(valid_to=LAST_LEGACY_DAY)).rowcount
    if inserted or updated or added or relinked or ended:
        revisions.advance_all()
    db.session.expire_all()
    return MapLoadResult(f"{new.province.code} {new.province.name}", tuple(new.old_provinces), inserted, updated,
                         unchanged, len(added), ended, tuple(sorted(missing)))


def province_codes_2025() -> list[str]:
    return [r["provinceCode"] for r in _rows("SELECT DISTINCT provinceCode FROM admin_units ORDER BY provinceCode")]
