"""Reading dossiers: scope, evaluation, the moves open to a user, and what waits for whom."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload

import criteria
import states
from criteria import CriteriaSet, Evaluation, Facts

from .. import canonical
from ..clock import as_utc, today_in_vietnam
from ..errors import NotFound
from ..extensions import db
from ..models import Attestation, AuditEntry, Dossier, Evidence, Unit, User, Verdict
from ..roles import Level
from ..units.operations import among_parameter, scope_of
from ..web import rows_and_total
from .aggregates import DatabaseAggregates


def criteria_set_of(dossier: Dossier) -> CriteriaSet:
    """The set and version the dossier was opened with."""
    return criteria.default_registry().get(dossier.criteria_set, dossier.criteria_set_version)


class Children(NamedTuple):
    """A dossier's attestations, evidence (not removed), verdicts and history (its entries in the
    trail) as plain rows, in the order of its relationships and of the trail: what a reader shows
    of them, read for a page of dossiers at once without a mapped object each (a page of 20
    dossiers of the API holds ~270 of them, a verified one ~35 verdicts more). Read by
    children_of(); the mapped collections stay for what changes them."""

    attestations: list
    evidence: list
    verdicts: list
    history: list


class Attested(NamedTuple):
    criterion: str
    met: bool | None
    note: str


class Shown(NamedTuple):
    """An evidence file as lists show it (not where it is stored)."""

    id: int
    filename: str
    size: int
    sha256: str
    document_type: str
    issued_on: date | None
    criterion: str | None


class Reviewed(NamedTuple):
    criterion: str
    level: str
    agree: bool
    comment: str


class Moved(NamedTuple):
    """An entry of a dossier's history: who did what, when, from which state to which."""

    seq: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    comment: str


# A row of children_of()'s statement as what it holds (its columns: part, dossier_id, key, number,
# flag, a, b, c, d, e, size, day, at; the part says which), read by position (by name, a row's
# columns took longer to read than the database to send them).
_PARTS = (
    lambda r: Attested(r[2], r[4], r[5]),
    lambda r: Shown(r[3], r[5], r[10], r[6], r[7], r[11], r[8]),
    lambda r: Reviewed(r[2], r[6], r[4], r[5]),
    lambda r: Moved(r[3], as_utc(r[12]), r[6], r[7], r[8], r[9], r[5]),
)


def children_of(dossier_ids: list[int]) -> dict[int, Children]:
    """Children of these dossiers, in one statement (see Children)."""
    found = {i: Children([], [], [], []) for i in dossier_ids}
    # Fetched at once (the driver's fetchall): a page's ~1,300 rows read one at a time through the
    # result took 4.5 ms, at once 2.6 ms.
    rows = db.session.execute(_children_statement(db.session.get_bind().dialect.name), {"ids": list(dossier_ids)}).all()
    for row in rows:
        found[row[1]][row[0]].append(_PARTS[row[0]](row))
    return found


@lru_cache(maxsize=4)
def _children_statement(dialect: str):
    """children_of()'s statement, built once per process (the dossiers' ids, `ids`, its parameter):
    the four kinds of rows in the same columns, each kind the ones it needs (the others empty),
    ordered as the relationships order them (attestations by criterion, evidence by id, verdicts by
    criterion and id; the history by its place in the trail). A statement each cost more of the
    application's time than the database took for them."""
    def of(column):
        return among_parameter(column, "ids", dialect)

    def empty(type_=None):
        return null() if type_ is None else cast(null(), type_)

    def row(part, dossier_id, key=None, number=None, flag=None, a=None, b=None, c=None, d=None, e=None,
            size=None, day=None, at=None):
        return (literal_column(str(part), Integer).label("part"), dossier_id.label("dossier_id"),
                (key if key is not None else empty()).label("key"),
                (number if number is not None else empty()).label("number"),
                (flag if flag is not None else empty()).label("flag"),
                *((text if text is not None else empty()).label(name)
                  for name, text in zip("abcde", (a, b, c, d, e))),
                (size if size is not None else empty()).label("size"),
                (day if day is not None else empty()).label("day"),
                (at if at is not None else empty()).label("at"))

    # The first branch gives each column its type (PostgreSQL's union takes it from there, SQLite's
    # values are read back as it says); the time of a history's entry is made UTC for those rows
    # only (a column's type converts every row's value, NULL or not).
    attestations = select(*row(0, Attestation.dossier_id, key=Attestation.criterion,
                               number=empty(Integer), flag=Attestation.met, a=Attestation.note,
                               b=empty(String), c=empty(String), d=empty(String), e=empty(String),
                               size=empty(Integer), day=empty(Date), at=empty(DateTime(timezone=True)))
                          ).where(of(Attestation.dossier_id))
    evidence = select(*row(1, Evidence.dossier_id, number=Evidence.id, a=Evidence.filename, b=Evidence.sha256,
                           c=Evidence.document_type, d=Evidence.criterion, size=Evidence.size, day=Evidence.issued_on)
                      ).where(of(Evidence.dossier_id), Evidence.removed_at.is_(None))
    verdicts = select(*row(2, Verdict.dossier_id, key=Verdict.criterion, number=Verdict.id, flag=Verdict.agree,
                           a=Verdict.comment, b=Verdict.level)).where(of(Verdict.dossier_id))
    history = select(*row(3, AuditEntry.dossier_id, number=AuditEntry.seq, a=AuditEntry.comment, b=AuditEntry.actor,
                          c=AuditEntry.action, d=AuditEntry.from_state, e=AuditEntry.to_state, at=AuditEntry.at)
                     ).where(of(AuditEntry.dossier_id))
    return union_all(attestations, evidence, verdicts, history).order_by(
        literal_column("part"), literal_column("dossier_id"), literal_column("key"), literal_column("number"))


def facts_of(dossier: Dossier, children: Children | None = None) -> Facts:
    attestations, evidence = (dossier.attestations, dossier.evidence) if children is None else children[:2]
    return Facts(
        year=dossier.year,
        values=dossier.values or {},
        attestations={a.criterion: criteria.Attestation(a.met, a.note) for a in attestations},
        documents=tuple(criteria.Document(e.document_type, e.issued_on) for e in evidence),
        unit_code=dossier.unit.code,
        aggregates=DatabaseAggregates() if dossier.level == Level.district.value else None,
    )


def evaluate_dossier(dossier: Dossier, children: Children | None = None) -> Evaluation:
    cset, facts = criteria_set_of(dossier), facts_of(dossier, children)
    if facts.aggregates is not None:  # a district's: what other dossiers hold counts too
        return criteria.evaluate(cset, facts)
    return _evaluated(_Pure(cset, facts))


class _Pure:
    """A commune dossier's evaluation depends on nothing but its set and its facts: equal facts,
    equal results. The same dossier is read many times between two changes (its page, the API,
    the guards of a move); it is evaluated once, and again only when a fact changes."""

    __slots__ = ("cset", "facts", "key")

    def __init__(self, cset: CriteriaSet, facts: Facts):
        self.cset, self.facts = cset, facts
        self.key = (cset.code, cset.version, facts.year, facts.unit_code, canonical.dumps(facts.values),
                    tuple(sorted(facts.attestations.items())), tuple(facts.documents))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Pure) and self.key == other.key


@lru_cache(maxsize=32)  # a 34-criterion evaluation holds ~70 KB: at most ~2 MB per process
def _evaluated(pure: _Pure) -> Evaluation:
    return criteria.evaluate(pure.cset, pure.facts)


def unit_and_province(first=joinedload):
    """Loader option for lists of dossiers: each one's unit with its parent and grandparent, read
    with the rows (a row's due mark reads its province's calendar), not one parent at a time.
    `first`: contains_eager when the query joins the unit itself."""
    return first(Dossier.unit).joinedload(Unit.parent).joinedload(Unit.parent)


def get_dossier(user: User, dossier_id: int) -> Dossier:
    """The dossier, or NotFound when it does not exist or lies outside the user's scope. Read
    with its unit, the unit's parent and grandparent: the scope check walks up to the province
    (otherwise a lazy load per level, on every dossier page, API read and move)."""
    dossier = db.session.get(Dossier, dossier_id, options=[unit_and_province()])
    if dossier is None or not dossier.can_view(user):
        raise NotFound(_("No such dossier."))
    return dossier


def get_evidence(user: User, dossier: Dossier, evidence_id: int) -> Evidence:
    row = db.session.get(Evidence, evidence_id)
    if row is None or row.dossier_id != dossier.id or row.removed_at is not None or not dossier.can_view(user):
        raise NotFound(_("No such evidence file."))
    return row


def verdicts_by_level(dossier: Dossier, rows: list | None = None) -> dict[str, dict[str, states.Verdict]]:
    """`rows`: the dossier's verdicts as rows (Children.verdicts), when the caller read them so."""
    levels: dict[str, dict[str, states.Verdict]] = {}
    for v in dossier.verdicts if rows is None else rows:
        levels.setdefault(v.level, {})[v.criterion] = states.Verdict(v.agree, v.comment)
    return levels


def guard_context(dossier: Dossier, evaluation: Evaluation | None = None, verdicts: list | None = None,
                  **inputs) -> states.GuardContext:
    return states.GuardContext(
        evaluation=evaluation or evaluate_dossier(dossier),
        verdicts=verdicts_by_level(dossier, verdicts),
        verified_on=dossier.verified_on,
        today=today_in_vietnam(),
        **inputs,
    )


def transitions_for(user: User, dossier: Dossier, evaluation: Evaluation | None = None,
                    verdicts: list | None = None) -> list[dict]:
    """The triggers that exist now for this user, whether each would pass, and why not.

    What the user types with the action (a comment, a decision number) is asked for by the
    form, so only what the dossier itself lacks is listed as blocking.
    """
    machine = states.machine_for(dossier.level, dossier.route)
    ctx = guard_context(dossier, evaluation, verdicts)
    result = []
    order = (states.FORWARD, states.RETURN, states.EXIT)  # the main move first, the risky ones after
    for spec in sorted(machine.available(dossier.state, user.role), key=lambda s: order.index(s.kind)):
        blockers = machine.blockers(dossier.state, spec.trigger, ctx, include_input=False)
        result.append({"spec": spec, "allowed": not blockers, "blockers": blockers})
    return result


class Listed(NamedTuple):
    """A dossier as a row of the lists shows it (the home page's, the dossier list): the columns
    the row shows and its due mark reads, with its unit's name and its province's id (whose
    calendar makes the due mark), read as a row rather than a mapped dossier with its unit, the
    unit's parent and grandparent (four mapped objects a row)."""

    id: int
    unit_name: str
    province_id: int
    criteria_set: str
    year: int
    state: str
    state_changed_at: datetime
    updated_at: datetime
    due_on: date | None


def listed_select(*more):
    """A statement of Listed rows (and `more` columns after them), Dossier joined to its Unit: the
    unit's province is its grandparent, its parent or itself (a province's own dossier)."""
    parent, grandparent = aliased(Unit), aliased(Unit)
    return (select(Dossier.id, Unit.name, func.coalesce(grandparent.id, parent.id, Unit.id), Dossier.criteria_set,
                   Dossier.year, Dossier.state, Dossier.state_changed_at, Dossier.updated_at, Dossier.due_on, *more)
            .join(Unit, Unit.id == Dossier.unit_id)
            .outerjoin(parent, parent.id == Unit.parent_id).outerjoin(grandparent, grandparent.id == parent.parent_id))


@dataclass
class InboxList:
    """One list of the home page: its first dossiers (the one due first on top) and how many in all."""

    items: list[Listed]
    total: int


# A home page shows this many of a list; the rest are one click away ("show all").
INBOX_ROWS = 50


# The dossier list's filters, each a parameter of the statement that applies it (`q`: a LIKE
# pattern of the unit's search name, units.operations.containing; `district`: a district's id,
# its own dossiers and its communes').
LIST_FILTERS = ("q", "district", "criteria_set", "year", "state")


def dossier_list(scope: list[int], filters: dict, due_first: bool, page: int,
                 per_page: int) -> tuple[list[Listed], int]:
    """A page of the dossier list: the dossiers of the scope (unit ids) that the filters keep,
    latest change first (or the one due first), as Listed rows, and how many there are in all."""
    dialect = db.session.get_bind().dialect.name
    given, params = _given(scope, filters)
    rows, total = rows_and_total(_list_statement("page", given, due_first, dialect),
                                 _list_statement("count", given, False, dialect), params, page, per_page)
    return [Listed(*row) for row in rows], total


def dossier_list_export(scope: list[int], filters: dict, due_first: bool, limit: int):
    """The dossier list as filtered, every row (up to `limit`) with what the spreadsheet shows:
    id, unit name, unit's parent id, set, version, year, state, due, last change, decision."""
    given, params = _given(scope, filters)
    return db.session.execute(_list_statement("export", given, due_first, db.session.get_bind().dialect.name),
                              {**params, "limit": limit})


def _given(scope: list[int], filters: dict) -> tuple[tuple[str, ...], dict]:
    """The filters given (their names, which choose the statement) and the statement's parameters."""
    given = tuple(name for name in LIST_FILTERS if filters.get(name) is not None)
    return given, {"scope": scope, **{name: filters[name] for name in given}}


@lru_cache(maxsize=128)
def _list_statement(kind: str, given: tuple[str, ...], due_first: bool, dialect: str):
    """The dossier list's statement for the filters given, built once per process (the values are
    its parameters): `page` (Listed rows, `limit` and `offset`), `count`, or `export`."""
    if kind == "count":
        query = select(func.count()).select_from(Dossier).join(Unit, Unit.id == Dossier.unit_id)
    elif kind == "export":
        query = select(Dossier.id, Unit.name, Unit.parent_id, Dossier.criteria_set, Dossier.criteria_set_version,
                       Dossier.year, Dossier.state, Dossier.due_on, Dossier.updated_at, Dossier.decision_number,
                       Dossier.decision_date, Dossier.decision_authority).join(Unit, Unit.id == Dossier.unit_id)
    else:
        query = listed_select()
    query = query.where(among_parameter(Dossier.unit_id, "scope", dialect))
    if "q" in given:
        query = query.where(Unit.search_name.like(bindparam("q", type_=String), escape="\\"))
    if "district" in given:
        district = bindparam("district", type_=Integer)
        query = query.where(or_(Unit.id == district, Unit.parent_id == district))
    for name, column, type_ in (("criteria_set", Dossier.criteria_set, String), ("year", Dossier.year, Integer),
                                ("state", Dossier.state, String)):
        if name in given:
            query = query.where(column == bindparam(name, type_=type_))
    if kind == "count":
        return query
    if due_first:
        query = query.order_by(Dossier.due_on.is_(None), Dossier.due_on, Dossier.id)
    else:
        query = query.order_by(Dossier.updated_at.desc(), Dossier.id.desc())
    query = query.limit(bindparam("limit", type_=Integer))
    return query.offset(bindparam("offset", type_=Integer)) if kind == "page" else query


INBOX_KINDS = ("waiting", "sent")


def inbox_for(user: User, limit: int | None = INBOX_ROWS) -> dict[str, InboxList]:
    """What waits for the user, and what the user moved on that is still with others; oldest first.

    Both follow from the workflow table: a dossier waits for the roles that may move it forward
    or back from its state; the submitting role sees only its own unit's dossiers.
    """
    statement, reads_scope = _inbox_statement(user.role, limit is not None, db.session.get_bind().dialect.name)
    lists = {kind: InboxList([], 0) for kind in INBOX_KINDS}
    if statement is None:
        return lists
    params = {"own": user.unit_id, "limit": limit}
    if reads_scope:  # not a commune's: its own unit
        params["scope"] = scope_of(user)
    for row in db.session.execute(statement, params):
        listed = lists[INBOX_KINDS[row[-2]]]
        listed.items.append(Listed(*row[:-3]))
        listed.total = row[-3]
    return lists


@lru_cache(maxsize=32)
def _inbox_statement(role: str, limited: bool, dialect: str):
    """A role's two home lists as one statement built once per process, and whether it reads the
    user's scope: the user's unit (`own`), scope (`scope`) and the rows shown of each list
    (`limit`) are its parameters. Each row comes with the count of all that its list holds, its
    list (an index of INBOX_KINDS) and its place in the list, which the rows come out in: one
    statement, however many there are (built per request it cost more of the application's time
    than the database took to answer it; two statements cost a round trip more)."""
    lists, reads_scope = [], False
    for position, kind in enumerate(INBOX_KINDS):
        parts = []
        for workflow in states.WORKFLOWS.values():
            wanted = workflow.waiting_for(role) if kind == "waiting" else workflow.sent_by(role)
            if wanted:
                own = role == workflow.submitting_role
                reads_scope |= not own
                whose = (Dossier.unit_id == bindparam("own", type_=Integer) if own
                         else among_parameter(Dossier.unit_id, "scope", dialect))
                parts.append(and_(Dossier.level == workflow.level, Dossier.route == workflow.route,
                                  Dossier.state.in_(wanted), whose))
        if not parts:
            continue
        # The one due first on top; those with no due date after, the longest waiting first.
        order = (Dossier.due_on.is_(None), Dossier.due_on, Dossier.state_changed_at, Dossier.id)
        query = (listed_select(func.count().over(), literal(position, Integer).label("list"),
                               func.row_number().over(order_by=order).label("place"))
                 .where(or_(*parts)).order_by(*order))
        lists.append(query.limit(bindparam("limit", type_=Integer)) if limited else query)
    if not lists:
        return None, False
    both = union_all(*(select(listed.subquery()) for listed in lists)).subquery()
    return select(both).order_by(both.c.list, both.c.place), reads_scope
