"""Read criteria sets from data files, validate them, and keep them by (code, version)."""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .model import CriteriaSet, Criterion, DocumentType, Group, InputSpec, Report, Scale
from .requirements import (
    Aggregate,
    DocumentRule,
    Includes,
    RatingRule,
    Requirement,
    SpecError,
    build_requirement,
)
from .text import Text

SETS_DIR = Path(__file__).parent / "sets"
COMMON_FILE = "_common.json"
# The format of a set file, as a JSON Schema: it also documents the format for whoever writes one.
SCHEMA_FILE = Path(__file__).parent / "set.schema.json"
LEVELS = {"commune": ("xa", "phuong", "thi_tran", "dac_khu"), "district": ("huyen", "quan", "thi_xa", "thanh_pho")}
# Which input types each requirement field accepts.
FIELD_TYPES = {
    ("number", "input"): ("count", "percent"),
    ("yes_no", "input"): ("yes_no",),
    ("rating", "input"): ("rating",),
    ("when", "input"): ("yes_no",),
}
COUNT_ONLY = ("count",)


class CriteriaFileError(ValueError):
    """A data file is not a valid criteria set; `problems` names each thing wrong."""

    def __init__(self, path: str, problems: list[str]):
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


class UnknownCriteriaSet(LookupError):
    pass


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise CriteriaFileError(str(path), [f"not valid JSON: {exc}"]) from None
    except OSError as exc:
        raise CriteriaFileError(str(path), [f"cannot be read: {exc.strerror}"]) from None


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    with open(SCHEMA_FILE, encoding="utf-8") as fh:
        return Draft202012Validator(json.load(fh), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _located(raw: dict, path: list) -> str:
    """Where a schema error stands, as a set's author reads it: "criterion I.4: requirement 1: op"."""
    parts, node, owner = [], raw, ""
    for key in path:
        node = node[key] if isinstance(node, (dict, list)) else None
        if not isinstance(key, int):
            owner = key
            if key not in ("criteria", "inputs", "requirements", "then"):
                parts.append(key)
            continue
        if owner == "criteria" and isinstance(node, dict) and isinstance(node.get("code"), str):
            parts.append(f"criterion {node['code']}")
        elif owner == "inputs" and isinstance(node, dict) and isinstance(node.get("name"), str):
            parts.append(f"input {node['name']!r}")
        elif owner in ("requirements", "then"):
            parts.append(f"requirement {key + 1}")
        else:
            parts.append(f"{owner}[{key}]")
    return ": ".join(parts) or "the file"


def schema_problems(raw: Any) -> list[str]:
    """What in a set file does not follow the format of set.schema.json."""
    errors = sorted(_validator().iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_located(raw, list(e.absolute_path))}: {e.message}" for e in errors]


def _text(raw: Any, where: str, problems: list[str]) -> Text | None:
    if isinstance(raw, str) and raw.strip():
        return Text(raw, raw)
    if isinstance(raw, dict) and isinstance(raw.get("vi"), str) and raw["vi"].strip():
        return Text.parse(raw)
    problems.append(f"{where}: needs a Vietnamese text ({{\"vi\": ..., \"en\": ...}})")
    return None


def _scales_and_types(raw: dict) -> tuple[dict[str, Scale], dict[str, DocumentType]]:
    """The rating scales and document types a file declares (the common file, or a set's own)."""
    scales = {
        name: Scale(name, tuple(s["levels"]), {lvl: Text.parse(s["labels"][lvl]) for lvl in s["levels"]})
        for name, s in (raw.get("scales") or {}).items()
    }
    doc_types = {code: DocumentType(code, Text.parse(label)) for code, label in (raw.get("document_types") or {}).items()}
    return scales, doc_types


def _common(directory: Path) -> tuple[dict[str, Scale], dict[str, DocumentType]]:
    return _scales_and_types(_read_json(directory / COMMON_FILE))


def _parse_inputs(raw_inputs: Any, scales: dict[str, Scale], problems: list[str]) -> dict[str, InputSpec]:
    inputs: dict[str, InputSpec] = {}
    if not isinstance(raw_inputs, list):
        problems.append("inputs: must be a list")
        return inputs
    for i, raw in enumerate(raw_inputs):
        where = f"inputs[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            problems.append(f"{where}: needs a name")
            continue
        name = raw["name"]
        where = f"input {name!r}"
        if name in inputs:
            problems.append(f"{where}: declared twice")
            continue
        kind = raw.get("type")
        scale = None
        if kind == "rating":
            scale = scales.get(raw.get("scale"))
            if scale is None:
                problems.append(f"{where}: scale must be one of {', '.join(scales)}, not {raw.get('scale')!r}")
                continue
        label = _text(raw.get("label"), f"{where}: label", problems)
        help_text = _text(raw["help"], f"{where}: help", problems) if "help" in raw else None
        if label is None:
            continue
        inputs[name] = InputSpec(name, kind, label, help_text, scale, raw.get("max"), raw.get("at_most"))
    for spec in inputs.values():
        if spec.at_most is not None:
            other = inputs.get(spec.at_most)
            if other is None or other.type != spec.type:
                problems.append(f"input {spec.name!r}: at_most must name another input of type {spec.type}")
    return inputs


def _check_requirement(req: Requirement, where: str, inputs: dict, doc_types: dict, problems: list[str]) -> None:
    for field_name in req.input_fields:
        name = req.raw[field_name]
        spec = inputs.get(name)
        if spec is None:
            problems.append(f"{where}: {field_name} {name!r} is not an input of this set")
            continue
        allowed = FIELD_TYPES.get((req.kind, field_name), COUNT_ONLY)
        if spec.type not in allowed:
            problems.append(f"{where}: {field_name} {name!r} is a {spec.type}, {req.kind} needs {' or '.join(allowed)}")
        if isinstance(req, RatingRule) and spec.scale and req.raw["at_least"] not in spec.scale.levels:
            problems.append(f"{where}: at_least {req.raw['at_least']!r} is not a level of scale {spec.scale.name}")
    if isinstance(req, DocumentRule) and req.raw["type"] not in doc_types:
        problems.append(f"{where}: unknown document type {req.raw['type']!r}")
    for k, inner in enumerate(req.nested()):
        _check_requirement(inner, f"{where}.{k + 1}", inputs, doc_types, problems)


def _parse_criterion(raw: Any, i: int, problems: list[str]) -> Criterion | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("code"), str):
        problems.append(f"criteria[{i}]: needs a code")
        return None
    code = raw["code"]
    where = f"criterion {code}"
    for key in ("source", "text"):
        if not raw[key].strip():
            problems.append(f"{where}: {key} must be a non-empty text")
    requirements = []
    raw_reqs = raw.get("requirements")
    if not isinstance(raw_reqs, list) or not raw_reqs:
        problems.append(f"{where}: needs at least one requirement")
        raw_reqs = []
    for j, raw_req in enumerate(raw_reqs):
        try:
            requirements.append(build_requirement(raw_req))
        except SpecError as exc:
            problems.append(f"{where}: requirement {j + 1}: {exc}")
    interpretation = _text(raw["interpretation"], f"{where}: interpretation", problems) if "interpretation" in raw else None
    return Criterion(code, raw.get("group", ""), raw.get("text", ""), raw.get("source", ""), requirements, interpretation)


def build_set(raw: Any, path: str, scales, doc_types, resolve) -> CriteriaSet:
    """Build and validate one set; `resolve(code, version)` returns a set it inherits from."""
    problems = schema_problems(raw)
    if problems:
        raise CriteriaFileError(path, problems)

    own_scales, own_types = _scales_and_types(raw)
    scales, doc_types = {**scales, **own_scales}, {**doc_types, **own_types}

    name = _text(raw["name"], "name", problems)
    level = raw["level"]
    unit_types = raw["unit_types"]
    if not isinstance(unit_types, list) or not unit_types or any(t not in LEVELS.get(level, ()) for t in unit_types):
        problems.append(f"unit_types must list types of level {level}: {', '.join(LEVELS.get(level, ()))}")
        unit_types = []
    issued_on = date.fromisoformat(raw["issued_on"])
    from_year, to_year = raw["years"]["from"], raw["years"].get("to")
    if to_year is not None and to_year < from_year:
        problems.append("years must be {\"from\": YYYY, \"to\": YYYY or null} with from <= to")

    groups = []
    for i, g in enumerate(raw["groups"] if isinstance(raw["groups"], list) else []):
        title = _text(g.get("title") if isinstance(g, dict) else None, f"groups[{i}]: title", problems)
        if isinstance(g, dict) and isinstance(g.get("code"), str) and title:
            groups.append(Group(g["code"], title))
    if not groups:
        problems.append("groups: needs at least one group with a code and a title")
    group_codes = [g.code for g in groups]
    if len(set(group_codes)) != len(group_codes):
        problems.append("groups: codes must be unique")

    inputs = _parse_inputs(raw["inputs"], scales, problems)
    criteria: list[Criterion] = []
    for inc in raw.get("include_criteria") or []:
        try:
            parent = resolve(inc["set"], inc["version"])
        except (KeyError, TypeError):
            problems.append("include_criteria: each entry needs set, version and codes")
            continue
        except UnknownCriteriaSet:
            problems.append(f"include_criteria: no set {inc['set']} version {inc['version']} is loaded")
            continue
        for code in inc.get("codes") or []:
            if not parent.has_criterion(code):
                problems.append(f"include_criteria: {inc['set']} has no criterion {code}")
                continue
            criterion = parent.criterion(code)
            criteria.append(criterion)
            for input_name in criterion.inputs_used():
                inputs.setdefault(input_name, parent.inputs[input_name])
    if not isinstance(raw["criteria"], list):
        problems.append("criteria: must be a list")
    else:
        for i, raw_c in enumerate(raw["criteria"]):
            criterion = _parse_criterion(raw_c, i, problems)
            if criterion is not None:
                criteria.append(criterion)

    codes = [c.code for c in criteria]
    for code in {c for c in codes if codes.count(c) > 1}:
        problems.append(f"criterion {code}: code used twice")
    used: set[str] = set()
    for criterion in criteria:
        where = f"criterion {criterion.code}"
        if criterion.group not in group_codes:
            problems.append(f"{where}: group {criterion.group!r} is not one of {', '.join(group_codes)}")
        for j, req in enumerate(criterion.requirements):
            _check_requirement(req, f"{where}: requirement {j + 1}", inputs, doc_types, problems)
            if isinstance(req, Includes):
                for code in req.raw["criteria"]:
                    if code not in codes or code == criterion.code:
                        problems.append(f"{where}: includes {code}, which is not another criterion of this set")
        used |= criterion.inputs_used()
    for name_ in sorted(set(inputs) - used):
        problems.append(f"input {name_!r} is not used by any criterion")
    _check_include_cycles(criteria, problems)
    report = Report(**raw.get("report", {}))
    for code in report.readiness:
        found = next((c for c in criteria if c.code == code), None)
        if found is None or not any(isinstance(r, Aggregate) for r in found.requirements):
            problems.append(f"report: readiness {code} is not a criterion of this set counting recognized communes")
    if problems:
        raise CriteriaFileError(path, problems)
    return CriteriaSet(
        code=raw["code"], version=str(raw["version"]), name=name, level=level, unit_types=tuple(unit_types),
        issued_on=issued_on, from_year=from_year, to_year=to_year, source=raw["source"], groups=groups,
        inputs=inputs, criteria=criteria, document_types=doc_types, path=path, report=report,
        counts_for=tuple(raw.get("counts_for", ())),
        short_name=Text.parse(raw["short_name"]) if "short_name" in raw else None,
    )


def _check_include_cycles(criteria: list[Criterion], problems: list[str]) -> None:
    edges = {
        c.code: [code for r in c.requirements if isinstance(r, Includes) for code in r.raw["criteria"]] for c in criteria
    }

    def visit(code: str, trail: tuple[str, ...]) -> None:
        if code in trail:
            problems.append("includes form a cycle: " + " → ".join(trail + (code,)))
            return
        for nxt in edges.get(code, ()):
            visit(nxt, trail + (code,))

    for code in edges:
        visit(code, ())


class Registry:
    """Every loaded set, by (code, version); the newest version of a code is its default."""

    def __init__(self, sets: list[CriteriaSet]):
        self._sets = {s.key: s for s in sets}

    def get(self, code: str, version: str | None = None) -> CriteriaSet:
        if version is not None:
            try:
                return self._sets[(code, version)]
            except KeyError:
                raise UnknownCriteriaSet(f"no criteria set {code} version {version}") from None
        versions = [s for (c, _v), s in self._sets.items() if c == code]
        if not versions:
            raise UnknownCriteriaSet(f"no criteria set {code}")
        return max(versions, key=lambda s: (s.issued_on, s.version))

    def latest(self) -> list[CriteriaSet]:
        """The newest version of every set, in a stable order."""
        codes = sorted({c for c, _v in self._sets})
        return [self.get(code) for code in codes]

    def all(self) -> list[CriteriaSet]:
        return sorted(self._sets.values(), key=lambda s: (s.code, s.issued_on, s.version))

    def recognitions_for(self, code: str) -> tuple[str, ...]:
        """The sets a recognition under which is also one under `code`: itself, and every set
        that counts for it ("counts_for"), directly or through another."""
        found, todo = {code}, [code]
        while todo:
            current = todo.pop()
            for cset in self._sets.values():
                if current in cset.counts_for and cset.code not in found:
                    found.add(cset.code)
                    todo.append(cset.code)
        return tuple(sorted(found))


def load_directory(directory: Path = SETS_DIR, extra: Path | None = None) -> Registry:
    """Load every set file of a directory (and one extra file, which replaces its twin)."""
    scales, doc_types = _common(directory)
    raws: dict[tuple[str, str], tuple[Any, str]] = {}
    files = sorted(p for p in directory.glob("*.json") if not p.name.startswith("_"))
    if extra is not None:
        files = [p for p in files if p.resolve() != extra.resolve()] + [extra]
    errors: list[CriteriaFileError] = []
    for path in files:
        raw = _read_json(path)
        key = (raw.get("code"), str(raw.get("version"))) if isinstance(raw, dict) else (str(path), "")
        if key in raws and path != extra:
            errors.append(CriteriaFileError(str(path), [f"set {key[0]} version {key[1]} is also in {raws[key][1]}"]))
            continue
        raws[key] = (raw, str(path))
    built: dict[tuple[str, str], CriteriaSet] = {}

    def resolve(code: str, version: str) -> CriteriaSet:
        key = (code, str(version))
        if key not in built:
            if key not in raws:
                raise UnknownCriteriaSet(f"{code} {version}")
            raw, path = raws[key]
            built[key] = build_set(raw, path, scales, doc_types, resolve)
        return built[key]

    for key in raws:
        try:
            resolve(*key)
        except CriteriaFileError as exc:
            errors.append(exc)
    if errors:
        raise CriteriaFileError("; ".join(e.path for e in errors), [p for e in errors for p in e.problems])
    registry = Registry(list(built.values()))
    for cset in registry.all():
        for other in cset.counts_for:
            try:
                registry.get(other)
            except UnknownCriteriaSet:
                raise CriteriaFileError(cset.path, [f"counts_for names unknown set {other!r}"]) from None
        for criterion in cset.criteria:
            for req in criterion.requirements:
                if isinstance(req, Aggregate):
                    try:
                        registry.get(req.raw["set"])
                    except UnknownCriteriaSet:
                        raise CriteriaFileError(
                            cset.path, [f"criterion {criterion.code}: aggregate names unknown set {req.raw['set']!r}"]
                        ) from None
                    req.counting = registry.recognitions_for(req.raw["set"])
    return registry


def check_file(path: Path, directory: Path = SETS_DIR) -> CriteriaSet:
    """Validate one file against the loaded sets; raise CriteriaFileError naming what is wrong."""
    registry = load_directory(directory, extra=path)
    raw = _read_json(path)
    return registry.get(raw["code"], str(raw["version"]))


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    return load_directory()
