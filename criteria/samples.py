"""Facts that meet every criterion of a set, derived from its rules: for demo data and tests."""
from __future__ import annotations

from datetime import date

from .evaluator import AggregateProvider, Attestation, Document, Facts
from .model import CriteriaSet
from .requirements import (
    Addicts,
    Attest,
    DocumentRule,
    Full,
    NotUp,
    NumberRule,
    RatingRule,
    Recidivism,
    Reduce5,
    Requirement,
    When,
    YesNoRule,
)

_PASSING_NUMBER = {"eq": 0, "ge": 0, "le": 0, "gt": 1, "lt": -1}


def passing_facts(
    cset: CriteriaSet, year: int, unit_code: str | None = None, aggregates: AggregateProvider | None = None
) -> Facts:
    """Values, attestations and documents under which every criterion of `cset` is met
    (district aggregates excepted: those depend on other dossiers, through `aggregates`)."""
    values: dict = {}
    documents: dict[str, Document] = {}
    attestations: dict[str, Attestation] = {}

    def satisfy(code: str, req: Requirement) -> None:
        raw = req.raw
        if isinstance(req, NumberRule):
            values.setdefault(raw["input"], max(raw["value"] + _PASSING_NUMBER[raw["op"]], 0))
        elif isinstance(req, YesNoRule):
            values.setdefault(raw["input"], raw["value"])
        elif isinstance(req, RatingRule):
            values.setdefault(raw["input"], raw["at_least"])
        elif isinstance(req, (Reduce5, NotUp)):
            values.setdefault(raw["prev"], 20)
            values.setdefault(raw["cur"], 19)
        elif isinstance(req, Addicts):
            values.setdefault(raw["prev"], 5)
            values.setdefault(raw["cur"], 3)
        elif isinstance(req, Full):
            total = values.setdefault(raw["total"], 10)
            values.setdefault(raw["part"], total)
        elif isinstance(req, Recidivism):
            values.setdefault(raw["released"], 100)
            values.setdefault(raw["reoffended"], 1)
        elif isinstance(req, Attest):
            attestations[code] = Attestation(True, "Đã kiểm tra hồ sơ, đạt yêu cầu.")
        elif isinstance(req, DocumentRule):
            documents.setdefault(raw["type"], Document(raw["type"], date(year, 2, 15)))
        elif isinstance(req, When):
            values.setdefault(raw["input"], raw["equals"])
        for inner in req.nested():
            satisfy(code, inner)

    for criterion in cset.criteria:
        for req in criterion.requirements:
            satisfy(criterion.code, req)
    return Facts(year, values, attestations, tuple(documents.values()), unit_code, aggregates)
