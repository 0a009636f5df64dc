"""Moving a merged province's people and open dossiers onto the 2025 map, by the lineage.

`plan_migration` reads and decides everything and changes nothing (the dry run); `apply_migration`
carries out exactly that plan, so the dry run's report is the real run's. What the lineage cannot
decide is listed for a person, never guessed:

- an old commune split between several new ones (its people and dossiers: which new commune?),
  unless `decisions` names the new commune for it (one of those it went into);
- district police and a district's own dossiers: there are no districts on the new map;
- two open dossiers, for one set and year, of old communes that merged into one new commune (or of
  an old one and the new one): the new commune may hold one.

A moved dossier keeps its criteria set and version, its data, verdicts, evidence and history; it
takes the new unit, the route of the new unit for its year, and the state in which that route
waits for the same reviewer (a dossier the district police had approved waits for PV05 in
"submitted" on a route without them). Every move is one new audit entry; no entry is changed.
Closed dossiers (recognized, revoked, withdrawn) stay with the unit they were decided for.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

import states

from ..audit import trail
from ..clock import utcnow
from ..deadlines import OPEN_STATES, schedule_for
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Dossier, Unit, UnitLineage, User
from ..roles import Level
from . import revisions
from .operations import LEGACY_MAP, route_of, subtree


@dataclass(frozen=True)
class Move:
    kind: str  # "user" or "dossier"
    id: int
    label: str  # the user's name, or "Hồ sơ số 12: xa-ntm-19.2 năm 2025"
    from_unit: str  # "29269 Xã Mỹ Cẩm"
    to_unit: str
    to_unit_id: int
    from_state: str | None = None
    to_state: str | None = None
    route: str | None = None


@dataclass(frozen=True)
class Undecided:
    kind: str
    id: int
    label: str
    unit: str
    reason: str


@dataclass
class MigrationPlan:
    province: str  # the old province, "84 Tỉnh Trà Vinh"
    successor: str  # the new one
    moves: list[Move] = field(default_factory=list)
    undecided: list[Undecided] = field(default_factory=list)

    def report(self) -> dict:
        return {"province": self.province, "successor": self.successor,
                "moves": [m.__dict__ for m in self.moves], "undecided": [u.__dict__ for u in self.undecided]}


def _name(unit: Unit) -> str:
    return f"{unit.code} {unit.name}"


def _successor_map(old_units: list[Unit]) -> dict[int, list[tuple[Unit, bool]]]:
    """Each old unit's successors, (new unit, whole)."""
    found: dict[int, list[tuple[Unit, bool]]] = {u.id: [] for u in old_units}
    rows = db.session.execute(select(UnitLineage, Unit).join(Unit, Unit.id == UnitLineage.successor_id)
                              .where(UnitLineage.predecessor_id.in_(list(found)))).all()
    for lineage, unit in rows:
        found[lineage.predecessor_id].append((unit, lineage.whole))
    return found


def plan_migration(province_code: str, decisions: dict[str, str] | None = None) -> MigrationPlan:
    """What moving old province `province_code` onto the 2025 map would do (changes nothing).

    `decisions`: old commune code -> new commune code, for the communes split between several.
    """
    decisions = decisions or {}
    province = db.session.execute(select(Unit).where(Unit.map == LEGACY_MAP, Unit.code == province_code.strip(),
                                                     Unit.level == Level.province.value)).scalar()
    if province is None:
        raise NotFound(_("No province with code %(codes)s in the official list.", codes=province_code),
                       field="province")
    old_units = subtree([province])
    successors = _successor_map(old_units)
    new_provinces = [u for u, _whole in successors[province.id]]
    if len(new_provinces) != 1:
        raise ValidationFailed(_("%(province)s has no successor on the 2025 map here: load it first with "
                                 "load-units --map 2025.", province=province.name), field="province")
    plan = MigrationPlan(_name(province), _name(new_provinces[0]))
    by_id = {u.id: u for u in old_units}

    def target(unit: Unit) -> tuple[Unit | None, str]:
        """The new unit for people and dossiers of `unit`, or why there is none to be had."""
        options = successors[unit.id]
        if unit.code in decisions:
            chosen = [u for u, _whole in options if u.code == decisions[unit.code]]
            if chosen:
                return chosen[0], ""
            return None, _("The decision names %(code)s, which %(unit)s did not go into (it went into: %(options)s).",
                           code=decisions[unit.code], unit=unit.name,
                           options=", ".join(_name(u) for u, _whole in options) or "—")
        if not options:
            return None, _("%(unit)s has no successor on the new map (there are no districts any more): a person "
                           "decides (another role and unit, or deactivation).", unit=unit.name)
        if len(options) > 1:
            return None, _("%(unit)s was split between %(options)s: choose one with --decide %(code)s=NEW_CODE.",
                           unit=unit.name, options=", ".join(_name(u) for u, _whole in options), code=unit.code)
        return options[0][0], ""

    users = db.session.execute(select(User).where(User.unit_id.in_(list(by_id))).order_by(User.id)).scalars()
    for user in users:
        new_unit, why = target(by_id[user.unit_id])
        label = f"{user.username} ({user.full_name})"
        if new_unit is None:
            plan.undecided.append(Undecided("user", user.id, label, _name(user.unit), why))
        else:
            plan.moves.append(Move("user", user.id, label, _name(user.unit), _name(new_unit), new_unit.id))

    dossiers = db.session.execute(select(Dossier).where(Dossier.unit_id.in_(list(by_id)),
                                                        Dossier.state.in_(OPEN_STATES)).order_by(Dossier.id)).scalars()
    taken: dict[tuple[int, str, int], str] = {}  # (new unit, set, year) -> the dossier that goes there
    for dossier in dossiers:
        label = f"Hồ sơ số {dossier.id}: {dossier.criteria_set} năm {dossier.year}"
        if dossier.level == "commune":
            new_unit, why = target(dossier.unit)
        else:  # a district's own dossier: the new map has no districts (nor district police to file it)
            new_unit, why = None, _("There are no district police on the new map: finish this dossier of %(unit)s "
                                    "on the old one, or withdraw it.", unit=dossier.unit.name)
        if new_unit is None:
            plan.undecided.append(Undecided("dossier", dossier.id, label, _name(dossier.unit), why))
            continue
        route = route_of(new_unit, dossier.year)
        key = (new_unit.id, dossier.criteria_set, dossier.year)
        there = taken.get(key) or _open_dossier_label(*key)
        if there:
            plan.undecided.append(Undecided("dossier", dossier.id, label, _name(dossier.unit), _(
                "%(unit)s can hold one dossier of this set for %(year)d and %(other)s goes there too: withdraw one "
                "first.", unit=new_unit.name, year=dossier.year, other=there)))
            continue
        taken[key] = label
        state = _state_on(dossier, route.code)
        plan.moves.append(Move("dossier", dossier.id, label, _name(dossier.unit), _name(new_unit), new_unit.id,
                               dossier.state, state, route.code))
    return plan


def _open_dossier_label(unit_id: int, criteria_set: str, year: int) -> str:
    found = db.session.execute(select(Dossier.id).where(Dossier.unit_id == unit_id, Dossier.criteria_set == criteria_set,
                                                        Dossier.year == year, Dossier.state != "withdrawn")).scalar()
    return f"Hồ sơ số {found}" if found else ""


def _state_on(dossier: Dossier, route: str) -> str:
    """The dossier's state on the new route: a state waiting for a reviewer level the route no
    longer has becomes the state waiting for the next reviewer it does have."""
    old, new = dossier.workflow, states.workflow_for(dossier.level, route)
    if dossier.state in new.states:
        level = old.reviewer_level(dossier.state)
        if level is None or new.reviewer_level(dossier.state) == level:
            return dossier.state
    waiting = dict((lvl, state) for state, lvl in new.review_states)
    following = old.reviewers[old.reviewers.index(old.reviewer_level(dossier.state)):]
    return next(waiting[lvl] for lvl in following if lvl in waiting)


def apply_migration(plan: MigrationPlan, actor: User | None = None) -> MigrationPlan:
    """Carry out `plan` in the caller's transaction: each move written, each audited."""
    for move in plan.moves:
        new_unit = db.session.get(Unit, move.to_unit_id)
        if move.kind == "user":
            user = db.session.get(User, move.id)
            user.unit = new_unit
            trail.append(actor, "user_moved", unit=new_unit, details={
                "user": user.username, "from_unit": move.from_unit, "to_unit": move.to_unit})
            continue
        dossier = db.session.get(Dossier, move.id)
        dossier.unit, dossier.route, dossier.state = new_unit, move.route, move.to_state
        dossier.version += 1
        dossier.updated_at = utcnow()
        if move.to_state != move.from_state:
            dossier.state_changed_at = dossier.updated_at
            dossier.due_on = schedule_for(new_unit).due(dossier.criteria_set, dossier.year, dossier.state,
                                                        dossier.state_changed_at)
        db.session.flush()
        trail.append(actor, "dossier_moved", dossier=dossier, from_state=move.from_state, to_state=move.to_state,
                     details={"from_unit": move.from_unit, "to_unit": move.to_unit, "route": move.route})
    if plan.moves:
        revisions.advance_all()  # what left the old units (each entry advanced the new unit's provinces)
    return plan
