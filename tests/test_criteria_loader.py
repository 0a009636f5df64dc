"""A criteria file that is wrong is refused, and the refusal names what is wrong."""
import json
import shutil

import pytest

from criteria import CriteriaFileError, check_file, load_directory
from criteria.loader import SETS_DIR


@pytest.fixture
def sets_dir(tmp_path):
    for path in SETS_DIR.glob("*.json"):
        shutil.copy(path, tmp_path)
    return tmp_path


def write_variant(sets_dir, change, name="variant.json", base="xa-ntm-19.2.json"):
    data = json.loads((SETS_DIR / base).read_text(encoding="utf-8"))
    data["version"] = "2099.1"
    change(data)
    path = sets_dir / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def problems(sets_dir, change, **kwargs):
    path = write_variant(sets_dir, change, **kwargs)
    with pytest.raises(CriteriaFileError) as err:
        check_file(path, sets_dir)
    return err.value.problems


def test_a_new_version_is_just_a_file(sets_dir):
    path = write_variant(sets_dir, lambda d: d.update(issued_on="2026-01-15", years={"from": 2026, "to": 2030}))
    assert check_file(path, sets_dir).version == "2099.1"
    registry = load_directory(sets_dir)
    assert registry.get("xa-ntm-19.2").version == "2099.1"  # the newest is the default
    assert registry.get("xa-ntm-19.2", "2022.1").to_year == 2025  # the old one stays for its dossiers


def set_req(criterion, req):
    def change(d):
        next(c for c in d["criteria"] if c["code"] == criterion)["requirements"] = [req]
    return change


@pytest.mark.parametrize(
    "change, expected",
    [
        (set_req("I.4", {"kind": "magic"}), "criterion I.4: requirement 1: kind: 'magic' is not one of"),
        (set_req("I.4", {"kind": "number", "input": "nope", "op": "eq", "value": 0}),
         "criterion I.4: requirement 1: input 'nope' is not an input of this set"),
        (set_req("I.4", {"kind": "number", "input": "forum_held", "op": "eq", "value": 0}),
         "input 'forum_held' is a yes_no, number needs count or percent"),
        (set_req("I.4", {"kind": "number", "input": "cadres_disciplined", "op": "about", "value": 0}),
         "criterion I.4: requirement 1: op: 'about' is not one of"),
        (set_req("I.4", {"kind": "document", "type": "thu_tay"}), "unknown document type 'thu_tay'"),
        (set_req("I.4", {"kind": "rating", "input": "police_title", "at_least": "gold"}), "'gold' is not a level of scale police_title"),
        (set_req("I.4", {"kind": "includes", "criteria": ["I.9"]}), "includes I.9, which is not another criterion"),
        (set_req("I.4", {"kind": "attest", "colour": "red"}), "criterion I.4: requirement 1: Additional properties are not allowed ('colour' was unexpected)"),
        (lambda d: d["criteria"].append(dict(d["criteria"][0])), "criterion I.1: code used twice"),
        (lambda d: d["criteria"][0].update(group="Z"), "criterion I.1: group 'Z' is not one of I"),
        (lambda d: d["criteria"][0].update(text=""), "criterion I.1: text: '' should be non-empty"),
        (lambda d: d["inputs"].append({"name": "unused", "type": "count", "label": "X"}), "input 'unused' is not used by any criterion"),
        (lambda d: d["inputs"][0].update(type="money"), "type: 'money' is not one of ['count', 'percent', 'yes_no', 'rating', 'date']"),
        (lambda d: d.update(level="village"), "level: 'village' is not one of ['commune', 'district']"),
        (lambda d: d.update(unit_types=["phuong", "huyen"]), "unit_types must list types of level commune"),
        (lambda d: d.update(issued_on="29/08/2022"), "issued_on: '29/08/2022' is not a 'date'"),
        (lambda d: d.update(years={"from": 2025, "to": 2021}), "years must be"),
        (lambda d: d.pop("groups"), "the file: 'groups' is a required property"),
    ],
)
def test_problems_are_named(sets_dir, change, expected):
    found = problems(sets_dir, change)
    assert any(expected in p for p in found), found


def test_include_cycles_are_refused(sets_dir):
    def change(d):
        for code, other in (("I.3", "I.4"), ("I.4", "I.3")):
            next(c for c in d["criteria"] if c["code"] == code)["requirements"] = [{"kind": "includes", "criteria": [other]}]
        d["inputs"] = [i for i in d["inputs"] if i["name"] != "prolonged_mass_complaints"]
    assert any("cycle" in p for p in problems(sets_dir, change))


def test_including_from_a_missing_version(sets_dir):
    def change(d):
        d["include_criteria"][0]["version"] = "1900.1"
    found = problems(sets_dir, change, base="xa-ntm-nc-19.2.json")
    assert any("no set xa-ntm-19.2 version 1900.1 is loaded" in p for p in found)


def test_invalid_json_is_named(sets_dir):
    path = sets_dir / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(CriteriaFileError, match="not valid JSON"):
        check_file(path, sets_dir)


def test_two_files_with_one_version_are_refused(sets_dir):
    shutil.copy(sets_dir / "xa-ntm-19.2.json", sets_dir / "copy.json")
    with pytest.raises(CriteriaFileError, match="also in"):
        load_directory(sets_dir)


def test_cli_list(runner):
    result = runner.invoke(args=["criteria", "list"])
    assert result.exit_code == 0
    assert "xa-dien-hinh-antt    2023.1" in result.output and " 34 tiêu chí" in result.output


def test_cli_check_good_file(runner):
    result = runner.invoke(args=["criteria", "check", str(SETS_DIR / "xa-dien-hinh-antt.json")])
    assert result.exit_code == 0
    assert "OK: xa-dien-hinh-antt version 2023.1, 34 criteria" in result.output


def test_cli_check_bad_file(runner, tmp_path):
    path = write_variant(tmp_path, set_req("I.4", {"kind": "magic"}))
    result = runner.invoke(args=["criteria", "check", str(path)])
    assert result.exit_code == 1
    assert "criterion I.4: requirement 1: kind: 'magic' is not one of" in result.output


def test_readiness_must_name_a_criterion_that_counts_communes(sets_dir):
    def change(d):
        d["report"] = {"readiness": ["III.1"]}
    found = problems(sets_dir, change, base="huyen-ntm-9.4.json")
    assert any("report: readiness III.1 is not a criterion of this set counting recognized communes" in p
               for p in found), found


def test_every_shipped_set_follows_the_schema():
    import json

    from criteria.loader import SETS_DIR, schema_problems

    for path in sorted(SETS_DIR.glob("[!_]*.json")):
        assert schema_problems(json.loads(path.read_text(encoding="utf-8"))) == [], path.name
