"""A province's revision: a number that moves with every change to what its overview counts.

A province's overview counts the dossiers of every unit in its scope: its subtree and, on the 2025
map, the old units it was formed from (units_within). So a change to a unit's dossier advances
every province whose scope holds that unit: the unit's own province and, when the unit belongs to a
map that was replaced, the provinces it went into. Pages that are costly to compute are kept per
process under the revision they were computed at (reports/routes.py) and computed again as soon as
the revision moves: every server reads the revision from the database, none keeps anything the
others could contradict.

The trail advances the revision of each entry's unit (audit/trail.py: every change is written
there), but for a dossier's entries that leave it in its state (figures, attestations, evidence,
verdicts, comments), which no overview reads: a part that comes to read them must be keyed on
something they move too. The map's loads and migrations, which change the scopes themselves,
advance every province.
"""
from __future__ import annotations

from sqlalchemy import Integer, func, literal, select, text, union_all, update

from ..extensions import db
from ..models import Unit, UnitLineage
from ..roles import Level


def advance(unit: Unit) -> None:
    """Advance the revision of every province whose scope holds `unit` (in the caller's
    transaction). A unit of today's map (the usual case: no end day up its tree) lies in its
    own province's scope alone, already loaded: one UPDATE. A unit of a replaced map also lies in
    the scopes of the provinces it went into, found by walking up the tree and the lineage."""
    chain = unit.ancestry()
    if all(u.valid_to is None for u in chain):
        ids = [u.id for u in chain if u.level == Level.province.value]
    else:
        ids = _provinces_above(unit.id)
    if ids:
        db.session.execute(update(Unit).where(Unit.id.in_(ids)).values(revision=Unit.revision + 1)
                           .execution_options(synchronize_session=False))


def advance_all() -> None:
    """Advance every province: the map itself changed (units loaded, renamed, ended, migrated)."""
    db.session.execute(update(Unit).where(Unit.level == Level.province.value).values(revision=Unit.revision + 1)
                       .execution_options(synchronize_session=False))


def of_nation() -> int:
    """The sum of every province's revision: it moves with any change in the country (a
    revision never goes back). The provinces are the units without a parent, found by index
    (with the nation, whose revision stays 0)."""
    return db.session.scalar(select(func.coalesce(func.sum(Unit.revision), 0)).where(Unit.parent_id.is_(None)))


# Up the tree and forward along the lineage, one index lookup per step (PostgreSQL's LATERAL, as
# units/operations.py walks down): walking the union of every edge of the country took 38 ms of
# the server's time for each move of a dossier of the old map; this takes 0.5 ms.
_PROVINCES_ABOVE_POSTGRESQL = text("""
    WITH RECURSIVE up(id, level) AS (
        SELECT id, level FROM unit WHERE id = CAST(:unit AS INTEGER)
        UNION
        SELECT step.id, step.level FROM up CROSS JOIN LATERAL (
            SELECT parent.id, parent.level FROM unit JOIN unit AS parent ON parent.id = unit.parent_id
            WHERE unit.id = up.id
            UNION ALL
            SELECT successor.id, successor.level FROM unit_lineage
            JOIN unit AS successor ON successor.id = unit_lineage.successor_id
            WHERE unit_lineage.predecessor_id = up.id
        ) AS step(id, level)
    )
    SELECT id FROM up WHERE level = :province""")


def _provinces_above(unit_id: int) -> list[int]:
    """The provinces reachable from the unit up the tree and forward along the lineage."""
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(_PROVINCES_ABOVE_POSTGRESQL, {"unit": unit_id, "province": Level.province.value}))
    # Elsewhere (SQLite has no LATERAL): the same walk over the union of both kinds of edges.
    edges = union_all(select(Unit.id.label("lower"), Unit.parent_id.label("upper")).where(Unit.parent_id.is_not(None)),
                      select(UnitLineage.predecessor_id, UnitLineage.successor_id)).subquery("edges")
    up = select(literal(unit_id, Integer).label("id")).cte("up", recursive=True)
    up = up.union(select(edges.c.upper).join(up, edges.c.lower == up.c.id))
    return list(db.session.scalars(select(Unit.id).where(Unit.id.in_(select(up.c.id)),
                                                         Unit.level == Level.province.value)))
