"""The five sets load, say what the documents say, and keep their texts verbatim."""
import re
from pathlib import Path

import pytest

from criteria.requirements import Aggregate, Attest, DocumentRule, Includes

from .criteria_helpers import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    # code: (level, unit types, criteria codes)
    "xa-ntm-19.2": ("commune", ("xa",), [f"I.{n}" for n in range(1, 9)]),
    "xa-ntm-nc-19.2": ("commune", ("xa",), [f"I.{n}" for n in range(1, 9)] + [f"II.{n}" for n in range(1, 5)]),
    "huyen-ntm-9.4": ("district", ("huyen",), [f"III.{n}" for n in range(1, 6)]),
    "huyen-ntm-nc-9.1": ("district", ("huyen",), ["III.1", "III.3", "III.4", "III.5", "IV.1", "IV.2"]),
    "xa-dien-hinh-antt": ("commune", ("xa", "phuong", "thi_tran"), [f"TC{n:02d}" for n in range(1, 35)]),
}


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_exactly_the_five_sets_are_loaded():
    assert sorted(s.code for s in REGISTRY.latest()) == sorted(EXPECTED)


@pytest.mark.parametrize("code", EXPECTED)
def test_set_shape(code):
    cset = REGISTRY.get(code)
    level, unit_types, codes = EXPECTED[code]
    assert (cset.level, cset.unit_types) == (level, unit_types)
    assert [c.code for c in cset.criteria] == codes
    assert len(set(codes)) == len(codes)
    assert cset.source["document"] and cset.version and cset.issued_on


@pytest.mark.parametrize("code", EXPECTED)
def test_every_criterion_text_is_verbatim_from_its_source(code):
    cset = REGISTRY.get(code)
    source = squash((ROOT / cset.source["file"]).read_text(encoding="utf-8"))
    for criterion in cset.criteria:
        assert len(criterion.text) > 30, criterion.code
        assert squash(criterion.text) in source, f"{code} {criterion.code} is not verbatim"


def test_model_set_has_the_four_khoan():
    cset = REGISTRY.get("xa-dien-hinh-antt")
    sizes = [len(cset.criteria_in(g.code)) for g in cset.groups]
    assert sizes == [7, 9, 8, 10]
    assert cset.groups[1].title.vi == "Khoản 2. Công tác bảo đảm ANTT"


def test_periods_in_force():
    ntm = REGISTRY.get("xa-ntm-19.2")
    assert ntm.applies_to_year(2021) and ntm.applies_to_year(2025) and not ntm.applies_to_year(2026)
    model = REGISTRY.get("xa-dien-hinh-antt")
    assert not model.applies_to_year(2022) and model.applies_to_year(2030)


@pytest.mark.parametrize(
    "level, unit_type, year, expected",
    [
        ("commune", "xa", 2024, ["xa-dien-hinh-antt", "xa-ntm-19.2", "xa-ntm-nc-19.2"]),
        ("commune", "phuong", 2024, ["xa-dien-hinh-antt"]),
        ("commune", "thi_tran", 2024, ["xa-dien-hinh-antt"]),
        ("commune", "xa", 2026, ["xa-dien-hinh-antt"]),
        ("district", "huyen", 2024, ["huyen-ntm-9.4", "huyen-ntm-nc-9.1"]),
        ("district", "thanh_pho", 2024, []),
    ],
)
def test_sets_for_a_unit(level, unit_type, year, expected):
    offered = [s.code for s in REGISTRY.latest()
               if s.level == level and s.applies_to_unit_type(unit_type) and s.applies_to_year(year)]
    assert offered == expected


def kinds(code, criterion):
    return [type(r) for r in REGISTRY.get(code).criterion(criterion).requirements]


def test_requirements_follow_the_documents():
    assert kinds("xa-ntm-19.2", "I.4") == [Attest]
    assert kinds("xa-ntm-nc-19.2", "II.1") == [Includes]
    assert kinds("huyen-ntm-9.4", "III.2") == [DocumentRule, Aggregate, Aggregate]
    assert REGISTRY.get("huyen-ntm-nc-9.1").criterion("IV.2").requirements[1].raw["min_share_pct"] == 50
    q1 = [r.raw for r in REGISTRY.get("xa-dien-hinh-antt").criterion("TC02").requirements if r.kind == "document"]
    assert [(r["type"], r.get("in_q1", False)) for r in q1] == [
        ("nghi_quyet_dang_uy", True), ("ke_hoach_ubnd", True), ("ke_hoach_ban_chi_dao", False)]


def test_inherited_criteria_are_the_parents():
    assert REGISTRY.get("xa-ntm-nc-19.2").criterion("I.5") is REGISTRY.get("xa-ntm-19.2").criterion("I.5")
    assert "social_order_crimes" in REGISTRY.get("huyen-ntm-nc-9.1").inputs


@pytest.mark.parametrize("code, criterion", [("xa-dien-hinh-antt", "TC10"), ("xa-dien-hinh-antt", "TC11"),
                                             ("xa-dien-hinh-antt", "TC29"), ("huyen-ntm-9.4", "III.2"),
                                             ("xa-dien-hinh-antt", "TC02"), ("xa-dien-hinh-antt", "TC14"),
                                             ("xa-dien-hinh-antt", "TC15"), ("xa-ntm-nc-19.2", "II.3"),
                                             ("xa-ntm-19.2", "I.7")])
def test_ambiguous_texts_carry_their_interpretation(code, criterion):
    interpretation = REGISTRY.get(code).criterion(criterion).interpretation
    assert interpretation is not None and interpretation.vi and interpretation.en


def test_every_input_has_both_labels():
    for cset in REGISTRY.all():
        for spec in cset.inputs.values():
            assert spec.label.vi and spec.label.en and spec.label.vi != spec.label.en, (cset.code, spec.name)


# The versions dossiers were opened under until 2022.2 / 2023.2: frozen, byte for byte, so that
# those dossiers are judged as they were (a correction is a new version file, never an edit).
FROZEN = {
    "xa-ntm-19.2.json": "90d937c2e8257cd55bb477a3f8ad17d8e520bef8bdaf7f92e1378fee447ff11e",
    "xa-ntm-nc-19.2.json": "f79ed5984b3c099af79a5761dc2f4934b9d78a98671423065679b554fbaa650c",
    "huyen-ntm-9.4.json": "0fb4bf14c6234ad5946d6545d43f9832df63a3e1c2d7d00811e5a4705b9d5e6e",
    "huyen-ntm-nc-9.1.json": "3e43288d10f60d59dbb2fce238231bb35dac28d2a249164d904336016147ecdb",
    "xa-dien-hinh-antt.json": "74a530bfb1623de9988be7fd44e5612b7eddaa00dc2c1e4680dd491ce2fa7103",
}


@pytest.mark.parametrize("name", FROZEN)
def test_older_versions_are_frozen(name):
    import hashlib

    assert hashlib.sha256((ROOT / "criteria" / "sets" / name).read_bytes()).hexdigest() == FROZEN[name]
