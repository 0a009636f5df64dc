"""What the dossier page shows: criteria in their groups, each with its inputs, evidence and verdicts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import states
from criteria import CriterionResult
from criteria.model import CriteriaSet, Criterion, DocumentType, Group, InputSpec
from criteria.requirements import Attest, DocumentRule, Requirement

from ..audit.labels import what_was_decided
from ..clock import VIETNAM, utcnow
from ..models import Attestation, Dossier, Evidence, Verdict
from .queries import Attested, Children, Reviewed, Shown, criteria_set_of


@dataclass
class CriterionView:
    criterion: Criterion
    result: CriterionResult
    inputs: list[InputSpec] = field(default_factory=list)  # first asked for here
    shared: list[tuple[InputSpec, str]] = field(default_factory=list)  # asked for at an earlier criterion
    attested: bool = False
    # The dossier's own, mapped or as rows of the same names (queries.children_of: the page's).
    attestation: Attestation | Attested | None = None
    document_types: list[DocumentType] = field(default_factory=list)
    evidence: list[Evidence | Shown] = field(default_factory=list)
    verdicts: dict[str, Verdict | Reviewed] = field(default_factory=dict)  # by level
    # Worked out once (the page reads each several times): the criterion's code; whether a reviewer
    # disagrees (whatever the figures say, the criterion still needs work); whether it is done,
    # met and not disputed (what the section menu counts and "hide the met ones" folds).
    code: str = field(init=False)
    disputed: bool = field(init=False)
    done: bool = field(init=False)

    def __post_init__(self) -> None:
        self.code = self.criterion.code
        self.disputed = any(not v.agree for v in self.verdicts.values())
        self.done = self.result.status == "met" and not self.disputed


def _walk(requirements: list[Requirement]):
    for req in requirements:
        yield req
        yield from _walk(req.nested())


@dataclass(frozen=True)
class _Layout:
    """Where a criterion stands on the page whatever the dossier: the inputs first asked for at it,
    those asked for earlier (and where), whether it is attested, the documents it reads."""

    inputs: tuple[InputSpec, ...]
    shared: tuple[tuple[InputSpec, str], ...]
    attested: bool
    document_types: tuple[DocumentType, ...]
    type_codes: frozenset[str]


_LAYOUTS: dict[int, tuple[CriteriaSet, dict[str, _Layout]]] = {}


def _layout(cset: CriteriaSet) -> dict[str, _Layout]:
    """The set's layout by criterion, worked out once per set loaded (2 of the 2.2 ms the page's
    34 criteria took). Kept with the set itself, so that an id is never taken for another set's."""
    kept = _LAYOUTS.get(id(cset))
    if kept is not None and kept[0] is cset:
        return kept[1]
    order = {name: i for i, name in enumerate(cset.inputs)}
    first_asked: dict[str, str] = {}
    layout = {}
    for criterion in cset.criteria:
        names, attested, document_types = [], False, []
        for req in _walk(criterion.requirements):
            for name in sorted(req.inputs(), key=order.__getitem__):
                if name not in names:
                    names.append(name)
            if isinstance(req, Attest):
                attested = True
            if isinstance(req, DocumentRule):
                document_types.append(cset.document_types[req.raw["type"]])
        inputs, shared = [], []
        for name in names:
            if name in first_asked:
                shared.append((cset.inputs[name], first_asked[name]))
            else:
                first_asked[name] = criterion.code
                inputs.append(cset.inputs[name])
        layout[criterion.code] = _Layout(tuple(inputs), tuple(shared), attested, tuple(document_types),
                                         frozenset(t.code for t in document_types))
    if len(_LAYOUTS) >= 64:  # sets loaded again and again (tests): start over (one step, safe between threads)
        _LAYOUTS.clear()
    _LAYOUTS[id(cset)] = (cset, layout)
    return layout


def criteria_views(dossier: Dossier, evaluation, children: Children | None = None
                   ) -> list[tuple[Group, list[CriterionView]]]:
    """`children`: the dossier's attestations, evidence and verdicts as rows (queries.children_of),
    when the caller read them so; otherwise its mapped collections."""
    cset = criteria_set_of(dossier)
    layout = _layout(cset)
    attestations_, evidence_, verdicts_ = ((dossier.attestations, dossier.evidence, dossier.verdicts)
                                           if children is None else children[:3])
    attestations = {a.criterion: a for a in attestations_}
    verdicts: dict[str, dict[str, Verdict]] = {}
    for v in verdicts_:
        verdicts.setdefault(v.criterion, {})[v.level] = v
    evidence = [(e, e.document_type, e.criterion) for e in evidence_]
    views: dict[str, CriterionView] = {}
    for criterion in cset.criteria:
        code, place = criterion.code, layout[criterion.code]
        views[code] = CriterionView(
            criterion, evaluation.results[code], inputs=list(place.inputs), shared=list(place.shared),
            attested=place.attested, attestation=attestations.get(code), document_types=list(place.document_types),
            evidence=[e for e, kind, about in evidence if kind in place.type_codes or about == code],
            verdicts=verdicts.get(code, {}))
    return [(group, [views[c.code] for c in cset.criteria_in(group.code)]) for group in cset.groups]


# What the submitting unit changes in a dossier (the entries a reviewer wants to see again).
CHANGE_ACTIONS = ("data_updated", "attestation_set", "evidence_added", "evidence_removed", "evidence_changed")


@dataclass
class ReturnNotice:
    """The latest return of a dossier: who sent it back, when and why; the criteria a reviewer
    disagreed with; and what the unit changed since."""

    entry: object  # the AuditEntry of the return
    who: str
    disputed: list[tuple[str, str, str]]  # (criterion, reviewer level, comment)
    changes: list[dict]  # history items since the return that changed the dossier
    resubmitted: bool  # the unit has sent it back in since: the reviewer's turn again

    def describe(self, change: dict, cset) -> str:
        """One change, as a reviewer reads it ("Số vụ …: 40 → 38"), as the audit trail writes it."""
        return what_was_decided(change["entry"], cset)


def return_notice(dossier: Dossier, history: list[dict], verdicts: list | None = None) -> ReturnNotice | None:
    """The notice to show while the latest move of the dossier is a return, or the resubmission
    that answered it; None otherwise. `verdicts`: the dossier's, as rows, when the caller read them."""
    returns = {t.trigger for t in dossier.workflow.transitions if t.kind == states.RETURN}
    moves = [item for item in history if item["entry"].from_state is not None]
    if not moves:
        return None
    last = moves[-1]
    resubmitted = len(moves) >= 2 and moves[-2]["entry"].action in returns and last["entry"].action == "submit"
    back = moves[-2] if resubmitted else last
    if back["entry"].action not in returns:
        return None
    since = back["entry"].seq
    changes = [item for item in history if item["entry"].seq > since and item["entry"].action in CHANGE_ACTIONS]
    disputed = [(v.criterion, v.level, v.comment) for v in (dossier.verdicts if verdicts is None else verdicts)
                if not v.agree]
    return ReturnNotice(back["entry"], back["who"], disputed, changes, resubmitted)


@dataclass
class Stay:
    """A time the dossier spent in one state."""

    state: str
    since: datetime
    until: datetime | None  # None: still there
    working_days: int
    due: date | None = None


def time_in_states(dossier: Dossier, history: list[dict], schedule) -> list[Stay]:
    """Each state the dossier has been in, from its trail: when, for how many working days; the
    current one with its due date."""
    moves = [item["entry"] for item in history if item["entry"].to_state]
    stays = []
    for entry, following in zip(moves, [*moves[1:], None]):
        until = following.at if following is not None else None
        start = entry.at.astimezone(VIETNAM).date()
        end = (until or utcnow()).astimezone(VIETNAM).date()
        stays.append(Stay(entry.to_state, entry.at, until, schedule.calendar.count(start, end)))
    if stays:
        stays[-1].due = dossier.due_on
    return stays
