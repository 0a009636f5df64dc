"""Evaluate a criteria set on a dossier's facts: pure, fast, and every result says why."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from typing import Any, Mapping, Protocol, Sequence

from .model import CriteriaSet, Criterion, DocumentType, InputSpec
from .requirements import INCOMPLETE, MET, NOT_MET, RequirementResult, combine
from .text import Text


@dataclass(frozen=True)
class Attestation:
    met: bool
    note: str = ""


@dataclass(frozen=True)
class Document:
    type: str
    issued_on: date | None = None


@dataclass(frozen=True)
class Commune:
    code: str
    name: str


@dataclass(frozen=True)
class CommuneStanding:
    """The real xã of a district, and which of them hold a live recognition under a set."""

    communes: tuple[Commune, ...]
    recognized: frozenset[str]

    @classmethod
    def of_units(cls, units, recognized) -> CommuneStanding:
        """From (code, name, type) rows: NTM aggregates count real xã only, not phường or thị trấn."""
        xa = tuple(Commune(code, name) for code, name, unit_type in units if unit_type == "xa")
        codes = {c.code for c in xa}
        return cls(xa, frozenset(code for code in recognized if code in codes))


class AggregateProvider(Protocol):
    """What a district set needs from other dossiers; the application implements it."""

    def recognized_communes(self, district_code: str, set_codes: tuple[str, ...], year: int) -> CommuneStanding:
        """The district's xã, and which hold a live recognition under any of `set_codes`."""


@dataclass
class Facts:
    """Everything a dossier holds that the rules read."""

    year: int
    values: Mapping[str, Any] = field(default_factory=dict)
    attestations: Mapping[str, Attestation] = field(default_factory=dict)  # by criterion code
    documents: Sequence[Document] = ()
    unit_code: str | None = None
    aggregates: AggregateProvider | None = None


@dataclass(frozen=True)
class CriterionResult:
    code: str
    status: str
    requirements: tuple[RequirementResult, ...]

    @property
    def met(self) -> bool:
        return self.status == MET

    @cached_property  # evaluations are kept (the web application's cache): joined once, read by every page
    def reason(self) -> Text:
        """What blocks the criterion, or, when met, what shows it is."""
        shown = [r.reason for r in self.requirements if r.status != MET] or [r.reason for r in self.requirements]
        return Text.join(shown)


@dataclass(frozen=True)
class Evaluation:
    set_code: str
    version: str
    results: dict[str, CriterionResult]

    @property
    def status(self) -> str:
        return combine([r.status for r in self.results.values()])

    @property
    def met(self) -> bool:
        return self.status == MET

    def blockers(self) -> list[CriterionResult]:
        """The criteria not met, in the set's order."""
        return [r for r in self.results.values() if r.status != MET]

    def counts(self) -> dict[str, int]:
        counts = {MET: 0, NOT_MET: 0, INCOMPLETE: 0}
        for result in self.results.values():
            counts[result.status] += 1
        return counts

    def snapshot(self) -> list[dict]:
        """Every criterion's result, for the audit trail: what the approver saw."""
        return [
            {"criterion": r.code, "status": r.status, "reason": r.reason.vi}
            for r in self.results.values()
        ]




class Context:
    """What a requirement may look at while one criterion is evaluated."""

    def __init__(self, cset: CriteriaSet, facts: Facts):
        self.cset = cset
        self.facts = facts
        self.criterion: Criterion | None = None
        self._results: dict[str, CriterionResult] = {}
        self._in_progress: set[str] = set()

    def spec(self, name: str) -> InputSpec:
        return self.cset.inputs[name]

    def value(self, name: str) -> Any:
        return self.facts.values.get(name)

    def attestation(self) -> Attestation | None:
        return self.facts.attestations.get(self.criterion.code)

    def document_type(self, code: str) -> DocumentType:
        return self.cset.document_types[code]

    def result_of(self, code: str) -> CriterionResult:
        if code not in self._results:
            if code in self._in_progress:
                raise ValueError(f"criterion {code} includes itself")
            self._in_progress.add(code)
            outer = self.criterion
            self._results[code] = self._evaluate(self.cset.criterion(code))
            self.criterion = outer
            self._in_progress.discard(code)
        return self._results[code]

    def _evaluate(self, criterion: Criterion) -> CriterionResult:
        self.criterion = criterion
        results = tuple(req.check(self) for req in criterion.requirements)
        return CriterionResult(criterion.code, combine([r.status for r in results]), results)


def evaluate(cset: CriteriaSet, facts: Facts) -> Evaluation:
    """Evaluate every criterion of the set on the facts."""
    ctx = Context(cset, facts)
    results = {c.code: ctx.result_of(c.code) for c in cset.criteria}
    return Evaluation(cset.code, cset.version, results)


def check_requirements(cset: CriteriaSet, code: str, facts: Facts, kind: str) -> list[RequirementResult]:
    """Check only the requirements of one kind of a criterion (e.g. a district's aggregates)."""
    ctx = Context(cset, facts)
    ctx.criterion = cset.criterion(code)
    return [req.check(ctx) for req in ctx.criterion.requirements if req.kind == kind]
