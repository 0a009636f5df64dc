"""The data sheet: validation of values names the field and says why."""
import pytest

from criteria import validate_values

from .criteria_helpers import REGISTRY

MODEL = REGISTRY.get("xa-dien-hinh-antt")
NTM = REGISTRY.get("xa-ntm-19.2")


@pytest.mark.parametrize(
    "name, raw, clean",
    [
        ("complex_hotspots", 3, 3), ("complex_hotspots", "3", 3), ("complex_hotspots", 0, 0),
        ("complex_hotspots", 2.0, 2), ("complex_hotspots", None, None), ("complex_hotspots", "", None),
        ("forum_held", True, True), ("forum_held", "yes", True), ("forum_held", "không", False), ("forum_held", "0", False),
        ("police_title", "don_vi_tien_tien", "don_vi_tien_tien"),
        ("targets_completed_pct", 99.5, 99.5), ("targets_completed_pct", "100", 100), ("targets_completed_pct", "97,5", 97.5),
    ],
)
def test_values_are_coerced(name, raw, clean):
    cset = NTM if name == "forum_held" else MODEL
    values, errors = validate_values(cset, {name: raw})
    assert errors == {}
    assert values == {name: clean}


@pytest.mark.parametrize(
    "name, raw, says",
    [
        ("complex_hotspots", -1, "không được âm"),
        ("complex_hotspots", 1.5, "phải là số nguyên"),
        ("complex_hotspots", "abc", "phải là số nguyên"),
        ("complex_hotspots", True, "phải là số nguyên"),
        ("complex_hotspots", [1], "phải là số nguyên"),
        ("complex_hotspots", 10_000_000, "không hợp lệ: 10000000 lớn hơn 100000"),
        ("coordination_briefings", 40, "lớn hơn 31"),
        ("targets_completed_pct", 101, "lớn hơn 100"),
        ("targets_completed_pct", "nan", "phải là một số"),
        ("recognized_safe_antt", "maybe", "phải là Có hoặc Không"),
        ("recognized_safe_antt", 1, "phải là Có hoặc Không"),
        ("movement_class", "tot", "phải là một trong: yeu, trung_binh, kha, xuat_sac"),
        ("no_such_field", 1, "không phải là trường của bộ tiêu chí này"),
    ],
)
def test_bad_values_name_the_field(name, raw, says):
    values, errors = validate_values(MODEL, {name: raw})
    assert list(errors) == [name]
    assert says in errors[name].vi
    assert name not in values


def test_error_names_the_label_in_both_languages():
    _values, errors = validate_values(MODEL, {"complex_hotspots": -2})
    assert errors["complex_hotspots"].vi == "Số tụ điểm phức tạp về hình sự, ma túy, tệ nạn xã hội: không được âm"
    assert errors["complex_hotspots"].en.endswith("must not be negative")


def test_a_part_may_not_exceed_its_whole():
    _values, errors = validate_values(MODEL, {"villages": 10, "villages_with_models": 11})
    assert list(errors) == ["villages_with_models"]
    assert "11 lớn hơn số thôn, ấp, khóm, tổ dân phố trên địa bàn (10)" in errors["villages_with_models"].vi


def test_a_part_is_checked_against_the_saved_whole():
    _values, errors = validate_values(MODEL, {"released_reoffended": 5}, current={"released": 3})
    assert list(errors) == ["released_reoffended"]


def test_lowering_a_whole_below_a_saved_part_is_refused_on_the_whole():
    _values, errors = validate_values(MODEL, {"villages": 5}, current={"villages": 10, "villages_inspected": 8})
    assert list(errors) == ["villages"]
    assert "5 nhỏ hơn" in errors["villages"].vi


def test_many_errors_are_reported_together():
    _values, errors = validate_values(MODEL, {"complex_hotspots": -1, "innovations": "x", "trainings": 2})
    assert sorted(errors) == ["complex_hotspots", "innovations"]
