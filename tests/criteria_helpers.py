"""Helpers for criteria tests: a set's passing facts with a few things changed."""
from dataclasses import replace
from datetime import date

import criteria
from criteria.evaluator import Attestation, Document
from criteria.samples import passing_facts

REGISTRY = criteria.default_registry()
YEAR = 2024


def facts_with(set_code: str, *, values=None, drop=(), attestations=None, documents=None, year=YEAR, **kwargs):
    """Facts meeting every criterion of the set, then with `values` changed and `drop` inputs removed."""
    cset = REGISTRY.get(set_code)
    facts = passing_facts(cset, year, **kwargs)
    merged = {**facts.values, **(values or {})}
    for name in drop:
        merged.pop(name, None)
    changes = {"values": merged}
    if attestations is not None:
        changes["attestations"] = {**facts.attestations, **attestations}
    if documents is not None:
        changes["documents"] = documents
    return cset, replace(facts, **changes)


def result(set_code: str, code: str, **kwargs) -> criteria.CriterionResult:
    cset, facts = facts_with(set_code, **kwargs)
    return criteria.evaluate(cset, facts).results[code]


def docs_except(set_code: str, doc_type: str, *extra: Document, year=YEAR) -> tuple:
    """The passing documents without those of doc_type, plus `extra`."""
    cset = REGISTRY.get(set_code)
    kept = tuple(d for d in passing_facts(cset, year).documents if d.type != doc_type)
    return kept + extra


__all__ = ["Attestation", "Document", "REGISTRY", "YEAR", "date", "docs_except", "facts_with", "result"]
