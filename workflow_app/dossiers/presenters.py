"""What the dossier page shows: criteria in their groups, each with its inputs, evidence and verdicts."""
from __future__ import annotations

from dataclasses import dataclass, field

from criteria import CriterionResult
from criteria.model import Criterion, DocumentType, Group, InputSpec
from criteria.requirements import Attest, DocumentRule, Requirement

from ..models import Attestation, Dossier, Evidence, Verdict
from .operations import criteria_set_of


@dataclass
class CriterionView:
    criterion: Criterion
    result: CriterionResult
    inputs: list[InputSpec] = field(default_factory=list)  # first asked for here
    shared: list[tuple[InputSpec, str]] = field(default_factory=list)  # asked for at an earlier criterion
    attested: bool = False
    attestation: Attestation | None = None
    document_types: list[DocumentType] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    verdicts: dict[str, Verdict] = field(default_factory=dict)  # by level

    @property
    def code(self) -> str:
        return self.criterion.code


def _walk(requirements: list[Requirement]):
    for req in requirements:
        yield req
        yield from _walk(req.nested())


def criteria_views(dossier: Dossier, evaluation) -> list[tuple[Group, list[CriterionView]]]:
    cset = criteria_set_of(dossier)
    attestations = {a.criterion: a for a in dossier.attestations}
    verdicts: dict[str, dict[str, Verdict]] = {}
    for v in dossier.verdicts:
        verdicts.setdefault(v.criterion, {})[v.level] = v
    evidence = list(dossier.evidence)
    first_asked: dict[str, str] = {}
    views: dict[str, CriterionView] = {}
    for criterion in cset.criteria:
        view = CriterionView(criterion, evaluation.results[criterion.code],
                             attestation=attestations.get(criterion.code), verdicts=verdicts.get(criterion.code, {}))
        names = []
        for req in _walk(criterion.requirements):
            for name in sorted(req.inputs(), key=list(cset.inputs).index):
                if name not in names:
                    names.append(name)
            if isinstance(req, Attest):
                view.attested = True
            if isinstance(req, DocumentRule):
                view.document_types.append(cset.document_types[req.raw["type"]])
        for name in names:
            if name in first_asked:
                view.shared.append((cset.inputs[name], first_asked[name]))
            else:
                first_asked[name] = criterion.code
                view.inputs.append(cset.inputs[name])
        types = {t.code for t in view.document_types}
        view.evidence = [e for e in evidence if e.document_type in types or e.criterion == criterion.code]
        views[criterion.code] = view
    return [(group, [views[c.code] for c in cset.criteria_in(group.code)]) for group in cset.groups]
