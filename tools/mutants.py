"""Mutation testing of the criteria: change one threshold or comparison at a time, in the set files
in force and in the evaluator, run the pure criteria tests, and print every mutant they let live.

    .venv/bin/python tools/mutants.py          # or: make mutants

Exit status 1 when a mutant survives. Older set versions are not mutated: they are frozen for the
dossiers opened under them, and tests/test_criteria_sets.py pins each by its hash.
"""
from __future__ import annotations

import copy
import importlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after PYTHONPATH, where a mutated copy of the package may stand

TEST_MODULES = ("tests.test_criteria_thresholds", "tests.test_criteria_rules", "tests.test_criteria_fidelity")
OPS = ("eq", "ge", "le", "gt", "lt")

# Comparisons and numbers in the evaluator's code: (file, what to find, what to put instead).
# Left out as equivalent: "prev > 10" → "prev >= 10" in the addicts' bands (at 10 people both
# rules allow at most 8).
CODE_MUTANTS = [("requirements.py", old, new) for old, new in [
    ("ok = cur * 100 <= prev * (100 - pct)", "ok = cur * 100 < prev * (100 - pct)"),
    ("            ok = cur == 0\n            return RequirementResult(\n                MET if ok else NOT_MET,\n                Text(\n                    f\"{label.vi}: {arrow[0]}; năm trước",
     "            ok = cur <= 1\n            return RequirementResult(\n                MET if ok else NOT_MET,\n                Text(\n                    f\"{label.vi}: {arrow[0]}; năm trước"),
    ("MET if cur <= prev else NOT_MET", "MET if cur < prev else NOT_MET"),
    ("MET if cur <= prev else NOT_MET", "MET if cur <= prev + 1 else NOT_MET"),
    ("elif prev > 10:", "elif prev > 11:"),
    ("elif prev > 10:", "elif prev > 4:"),
    ("ok = cur * 10 <= prev * 8", "ok = cur * 10 < prev * 8"),
    ("ok = cur * 10 <= prev * 8", "ok = cur * 10 <= prev * 9"),
    ("limit = max(prev - 2, 0)", "limit = max(prev - 1, 0)"),
    ("ok = part == total", "ok = part >= total - 1"),
    ("MET if rate < limit else NOT_MET", "MET if rate <= limit else NOT_MET"),
    ("d.issued_on.month <= 3", "d.issued_on.month <= 4"),
    ("d.issued_on.month <= 3", "d.issued_on.month < 3"),
    ("d.issued_on.year == year", "d.issued_on.year <= year"),
    ("needed = -(-share * total // 100)", "needed = share * total // 100"),
    ("ok = len(have) >= needed", "ok = len(have) > needed"),
    ("ok = scale.rank(value) >= scale.rank(need)", "ok = scale.rank(value) > scale.rank(need)"),
    ("ok = scale.rank(value) >= scale.rank(need)", "ok = scale.rank(value) >= scale.rank(need) - 1"),
    ('"ge": (lambda v, t: v >= t,', '"ge": (lambda v, t: v > t,'),
    ('"le": (lambda v, t: v <= t,', '"le": (lambda v, t: v < t,'),
    ('"eq": (lambda v, t: v == t,', '"eq": (lambda v, t: v <= t,'),
    ("if value != self.raw[\"equals\"]:", "if value == self.raw[\"equals\"]:"),
]] + [
    ("evaluator.py", 'units if unit_type == "xa")', "units)"),
    ("requirements.py", "if NOT_MET in statuses:\n        return NOT_MET", "if False:\n        return NOT_MET"),
]


def _equivalent(op: str, new_op: str, value, bounds: tuple) -> bool:
    """A changed comparison that no value the input accepts can tell apart: "= 0" and "≤ 0" on a
    count (never negative), "= 100" and "≥ 100" on a percentage (never above 100)."""
    low, high = bounds
    return {op, new_op} == {"eq", "le"} and value == low or {op, new_op} == {"eq", "ge"} and value == high


def requirement_mutants(req: dict, levels: dict[str, list[str]], bounds: dict[str, tuple]) -> list[tuple[str, dict | None]]:
    """(what changed, the mutated requirement or None to drop it)."""
    kind, out = req["kind"], [("dropped", None)]
    if kind == "number":
        out += [(f"value {req['value']} -> {req['value'] + d}", {**req, "value": req["value"] + d}) for d in (1, -1)]
        out += [(f"op {req['op']} -> {op}", {**req, "op": op}) for op in OPS
                if op != req["op"] and not _equivalent(req["op"], op, req["value"], bounds[req["input"]])]
    elif kind == "rating":
        scale = levels[req["input"]]
        i = scale.index(req["at_least"])
        out += [(f"at_least -> {scale[j]}", {**req, "at_least": scale[j]}) for j in (i - 1, i + 1) if 0 <= j < len(scale)]
    elif kind == "reduce5":
        pct = req.get("pct", 5)
        out += [(f"pct {pct} -> {pct + d}", {**req, "pct": pct + d}) for d in (1, -1)]
        out += [("reduce5 -> not_up", {k: v for k, v in req.items() if k != "pct"} | {"kind": "not_up"})]
    elif kind == "not_up":
        out += [("not_up -> reduce5", {**req, "kind": "reduce5"})]
    elif kind == "addicts":
        out += [("addicts -> not_up", {**req, "kind": "not_up"}), ("addicts -> reduce5", {**req, "kind": "reduce5"})]
    elif kind == "recidivism":
        out += [(f"below_pct -> {req['below_pct'] + d}", {**req, "below_pct": round(req["below_pct"] + d, 2)})
                for d in (0.1, -0.1)]
    elif kind == "document" and req.get("in_q1"):
        out += [("in_q1 dropped", {k: v for k, v in req.items() if k != "in_q1"})]
    elif kind == "aggregate":
        out += [(f"min_share_pct -> {req['min_share_pct'] + d}", {**req, "min_share_pct": req["min_share_pct"] + d})
                for d in (1, -1) if 0 < req["min_share_pct"] + d <= 100]
    elif kind == "yes_no":
        out += [("value flipped", {**req, "value": not req["value"]})]
    return out


def set_file_mutants(sets_dir: Path):
    """(file name, description, mutated JSON) for every requirement of the sets in force."""
    import criteria

    registry = criteria.load_directory(sets_dir)
    for cset in registry.latest():
        path = Path(cset.path)
        raw = json.loads(path.read_text(encoding="utf-8"))
        levels = {name: list(spec.scale.levels) for name, spec in cset.inputs.items() if spec.scale}
        bounds = {name: (0, spec.upper_bound) for name, spec in cset.inputs.items()}
        for c_index, criterion in enumerate(raw["criteria"]):
            for r_index, req in enumerate(criterion["requirements"]):
                for what, mutated in requirement_mutants(req, levels, bounds):
                    mutant = copy.deepcopy(raw)
                    reqs = mutant["criteria"][c_index]["requirements"]
                    if mutated is None:
                        del reqs[r_index]
                    else:
                        reqs[r_index] = mutated
                    if not reqs:
                        continue  # a criterion with no requirement is refused at load: trivially killed
                    yield path.name, f"{cset.code} {criterion['code']} requirement {r_index + 1}: {what}", mutant


def _calls(fn):
    """Every argument combination of a test function's parametrize marks."""
    grids = []
    for mark in getattr(fn, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        grids.append([dict(zip(names, v if len(names) > 1 else (v,))) for v in values])
    for combo in itertools.product(*grids) if grids else [()]:
        kwargs = {}
        for part in combo:
            kwargs.update(part)
        yield kwargs


def run_tests(registry=None) -> str | None:
    """Run the pure criteria tests in this process; the first failure, or None."""
    import inspect

    for name in TEST_MODULES:
        module = importlib.import_module(name)
        if registry is not None:
            for mod in list(sys.modules.values()):
                if getattr(mod, "__name__", "").startswith("tests.") and hasattr(mod, "REGISTRY"):
                    mod.REGISTRY = registry
        for fn_name, fn in vars(module).items():
            if not fn_name.startswith("test_") or not callable(fn):
                continue
            params = inspect.signature(fn).parameters
            for kwargs in _calls(fn):
                if set(params) - set(kwargs):
                    continue  # needs a fixture: not a pure test
                try:
                    fn(**kwargs)
                except Exception as exc:  # noqa: BLE001 - any failure kills the mutant
                    return f"{name}.{fn_name}: {type(exc).__name__}"
    return None


def main() -> int:
    if sys.argv[1:] == ["--run-tests"]:
        failure = run_tests()
        print(failure or "")
        return 0 if failure is None else 1
    import criteria
    from criteria.loader import SETS_DIR

    assert run_tests() is None, "the criteria tests fail without any mutant"
    survivors, total = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        sets = Path(tmp) / "sets"
        shutil.copytree(SETS_DIR, sets)
        for file_name, what, mutant in set_file_mutants(sets):
            total += 1
            original = (sets / file_name).read_text(encoding="utf-8")
            (sets / file_name).write_text(json.dumps(mutant, ensure_ascii=False), encoding="utf-8")
            try:
                registry = criteria.load_directory(sets)
            except criteria.CriteriaFileError:
                registry = None  # refused at load: killed
            finally:
                (sets / file_name).write_text(original, encoding="utf-8")
            if registry is not None and run_tests(registry) is None:
                survivors.append(what)
        package = Path(tmp) / "pkg"
        shutil.copytree(ROOT / "criteria", package / "criteria")
        env = {**os.environ, "PYTHONPATH": f"{package}{os.pathsep}{ROOT}"}
        for file_name, old, new in CODE_MUTANTS:
            total += 1
            source = (ROOT / "criteria" / file_name).read_text(encoding="utf-8")
            if old not in source:
                survivors.append(f"{file_name}: mutant does not apply (code changed?): {old[:60]!r}")
                continue
            (package / "criteria" / file_name).write_text(source.replace(old, new, 1), encoding="utf-8")
            run = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--run-tests"], env=env, cwd=ROOT,
                                 capture_output=True, text=True)
            (package / "criteria" / file_name).write_text(source, encoding="utf-8")
            if run.returncode == 0:
                survivors.append(f"{file_name}: {old.strip().splitlines()[0]!r} -> {new.strip().splitlines()[0]!r}")
    print(f"{total - len(survivors)} of {total} mutants killed")
    for what in survivors:
        print(f"SURVIVED  {what}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
