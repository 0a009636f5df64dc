"""Facts that meet every criterion of a set, derived from its rules: for demo data and tests."""
from __future__ import annotations

from datetime import date

from .evaluator import AggregateProvider, Attestation, Document, Facts
from .model import CriteriaSet


class Sample:
    """Facts being gathered, requirement by requirement, so that each is met."""

    def __init__(self, year: int):
        self.year = year
        self.values: dict = {}
        self.attestations: dict[str, Attestation] = {}
        self.documents: dict[str, Document] = {}

    def attest(self, criterion: str) -> None:
        self.attestations[criterion] = Attestation(True, "Đã kiểm tra hồ sơ, đạt yêu cầu.")

    def attach(self, document_type: str) -> None:
        """A document of the type, issued within the first quarter of the year."""
        self.documents.setdefault(document_type, Document(document_type, date(self.year, 2, 15)))


def passing_facts(
    cset: CriteriaSet, year: int, unit_code: str | None = None, aggregates: AggregateProvider | None = None
) -> Facts:
    """Values, attestations and documents under which every criterion of `cset` is met
    (district aggregates excepted: those depend on other dossiers, through `aggregates`)."""
    sample = Sample(year)
    for criterion in cset.criteria:
        for req in criterion.requirements:
            req.sample(sample, criterion.code)
    return Facts(year, sample.values, sample.attestations, tuple(sample.documents.values()), unit_code, aggregates)
