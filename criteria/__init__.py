"""Criteria sets as data and a pure evaluator that explains every result. No Flask, no database."""
from .evaluator import (
    AggregateProvider,
    Attestation,
    Commune,
    CommuneStanding,
    CriterionResult,
    Document,
    Evaluation,
    Facts,
    evaluate,
)
from .loader import (
    CriteriaFileError,
    Registry,
    UnknownCriteriaSet,
    check_file,
    default_registry,
    load_directory,
)
from .model import CriteriaSet, Criterion, InputError, InputSpec
from .requirements import INCOMPLETE, MET, NOT_MET
from .text import Text
from .validation import validate_values

__all__ = [
    "AggregateProvider", "Attestation", "Commune", "CommuneStanding", "CriteriaFileError", "CriteriaSet", "Criterion",
    "CriterionResult", "Document", "Evaluation", "Facts", "INCOMPLETE", "InputError", "InputSpec", "MET", "NOT_MET",
    "Registry", "Text", "UnknownCriteriaSet", "check_file", "default_registry", "evaluate", "load_directory",
    "validate_values",
]
