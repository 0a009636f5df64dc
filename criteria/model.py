"""A criteria set as data: inputs (the data sheet), groups, criteria and their requirements."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .text import Text

INPUT_TYPES = ("count", "percent", "yes_no", "rating", "date")
# A count beyond this is taken for a typing error, unless the input sets its own "max".
DEFAULT_COUNT_MAX = 100_000


@dataclass(frozen=True)
class Report:
    """What a set counts for in the province overview (its file's "report")."""

    recognitions: bool = False  # count the units recognized under it, per district
    chart: bool = False  # the overview's chart shows its share of recognized units
    readiness: tuple[str, ...] = ()  # criteria of a district set that count recognized communes

    def __post_init__(self) -> None:
        object.__setattr__(self, "readiness", tuple(self.readiness))


@dataclass(frozen=True)
class Scale:
    """An ordered rating, lowest first."""

    name: str
    levels: tuple[str, ...]
    labels: dict[str, Text]

    def rank(self, level: str) -> int:
        return self.levels.index(level)

    def label(self, level: str) -> Text:
        return self.labels[level]


@dataclass(frozen=True)
class InputSpec:
    """One named field of the data sheet."""

    name: str
    type: str
    label: Text
    help: Text | None = None
    scale: Scale | None = None
    max: float | None = None
    # Name of another input this one may not exceed (a part may not exceed its whole).
    at_most: str | None = None

    @property
    def upper_bound(self) -> float | None:
        if self.max is not None:
            return self.max
        if self.type == "count":
            return DEFAULT_COUNT_MAX
        if self.type == "percent":
            return 100
        return None

    def coerce(self, raw: Any) -> Any:
        """Turn a JSON or form value into this input's type; raise InputError saying why not."""
        if raw is None or raw == "":
            return None
        kind = self.type
        if kind == "count":
            value = _whole_number(raw)
            if value is None:
                raise InputError(Text("phải là số nguyên", "must be a whole number"))
            if value < 0:
                raise InputError(Text("không được âm", "must not be negative"))
        elif kind == "percent":
            value = _decimal_number(raw)
            if value is None:
                raise InputError(Text("phải là một số", "must be a number"))
            if value < 0:
                raise InputError(Text("không được âm", "must not be negative"))
        elif kind == "yes_no":
            value = _yes_no(raw)
            if value is None:
                raise InputError(Text("phải là Có hoặc Không", "must be yes or no"))
            return value
        elif kind == "rating":
            if not isinstance(raw, str) or raw not in self.scale.levels:
                raise InputError(
                    Text(
                        "phải là một trong: " + ", ".join(self.scale.levels),
                        "must be one of: " + ", ".join(self.scale.levels),
                    )
                )
            return raw
        elif kind == "date":
            try:
                return raw if isinstance(raw, date) else date.fromisoformat(str(raw))
            except ValueError:
                raise InputError(Text("phải là ngày dạng YYYY-MM-DD", "must be a date as YYYY-MM-DD")) from None
        else:  # pragma: no cover - the loader rejects unknown types
            raise ValueError(kind)
        bound = self.upper_bound
        if bound is not None and value > bound:
            raise InputError(
                Text(f"không hợp lệ: {value} lớn hơn {bound:g}", f"is not plausible: {value} is more than {bound:g}")
            )
        return value


def _whole_number(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and _WHOLE.fullmatch(raw.strip()):
        return int(raw.strip())
    return None


# ASCII digits only ("²" and "٣" are digits to str.isdigit, not to int()), and few enough of them.
_WHOLE = re.compile(r"-?[0-9]{1,15}")


def _decimal_number(raw: Any) -> float | int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return raw if raw == raw and raw not in (float("inf"), float("-inf")) else None
    if isinstance(raw, str):
        try:
            value = float(raw.strip().replace(",", "."))
        except ValueError:
            return None
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return int(value) if value.is_integer() else value
    return None


_YES = {"true", "yes", "1", "on", "y", "co", "có"}
_NO = {"false", "no", "0", "off", "n", "khong", "không"}


def _yes_no(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        key = raw.strip().lower()
        if key in _YES:
            return True
        if key in _NO:
            return False
    return None


class InputError(ValueError):
    """A value that does not fit its input; carries a bilingual message."""

    def __init__(self, message: Text):
        super().__init__(message.en)
        self.text = message


@dataclass(frozen=True)
class Group:
    code: str
    title: Text


@dataclass(frozen=True)
class DocumentType:
    code: str
    label: Text


@dataclass
class Criterion:
    code: str
    group: str
    text: str  # official wording, verbatim from the source document
    source: str  # where in the source document: part, item
    requirements: list  # of requirements.Requirement
    interpretation: Text | None = None

    def inputs_used(self) -> set[str]:
        names: set[str] = set()
        for requirement in self.requirements:
            names.update(requirement.inputs())
        return names


@dataclass
class CriteriaSet:
    code: str
    version: str
    name: Text
    level: str  # "commune" or "district"
    unit_types: tuple[str, ...]
    issued_on: date
    from_year: int
    to_year: int | None
    source: dict
    groups: list[Group]
    inputs: dict[str, InputSpec]
    criteria: list[Criterion]
    document_types: dict[str, DocumentType]
    path: str = ""
    report: Report = field(default_factory=Report)
    # Sets whose recognition a recognition under this one also is (a higher level counts for the lower).
    counts_for: tuple[str, ...] = ()
    short_name: Text | None = None  # for tables and lists; the name when absent

    @property
    def label(self) -> Text:
        return self.short_name or self.name
    _by_code: dict[str, Criterion] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_code = {c.code: c for c in self.criteria}

    def criterion(self, code: str) -> Criterion:
        return self._by_code[code]

    def has_criterion(self, code: str) -> bool:
        return code in self._by_code

    def applies_to_year(self, year: int) -> bool:
        return year >= self.from_year and (self.to_year is None or year <= self.to_year)

    def applies_to_unit_type(self, unit_type: str) -> bool:
        return unit_type in self.unit_types

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.version)

    def criteria_in(self, group: str) -> list[Criterion]:
        return [c for c in self.criteria if c.group == group]
