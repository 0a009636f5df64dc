"""Truth tables for every rule, with the documents' own numbers at each edge criteria.md names."""
import pytest

import criteria
from criteria import INCOMPLETE, MET, NOT_MET, CommuneStanding

from .criteria_helpers import (
    REGISTRY,
    YEAR,
    Attestation,
    Document,
    date,
    docs_except,
    facts_with,
    result,
)


@pytest.mark.parametrize("set_code", ["xa-ntm-19.2", "xa-ntm-nc-19.2", "xa-dien-hinh-antt"])
def test_passing_facts_meet_every_criterion(set_code):
    cset, facts = facts_with(set_code)
    evaluation = criteria.evaluate(cset, facts)
    assert evaluation.status == MET
    assert evaluation.blockers() == []


# I.5 — "kéo giảm số vụ phạm tội về trật tự xã hội ít nhất 05% so với năm trước"
@pytest.mark.parametrize(
    "prev, cur, status, says",
    [
        (40, 39, NOT_MET, "Số vụ phạm tội về trật tự xã hội: 40 → 39 (giảm 2,5%), yêu cầu giảm ít nhất 5%"),
        (40, 38, MET, "40 → 38 (giảm 5%)"),
        (99, 94, MET, "99 → 94 (giảm 5,05%)"),
        (100, 96, NOT_MET, "100 → 96 (giảm 4%)"),
        (100, 95, MET, "100 → 95 (giảm 5%)"),
        (40, 40, NOT_MET, "40 → 40 (không đổi)"),
        (40, 44, NOT_MET, "40 → 44 (tăng 10%)"),
        (0, 0, MET, "0 → 0; năm trước không có vụ nào"),
        (0, 1, NOT_MET, "0 → 1; năm trước không có vụ nào nên năm nay phải không có vụ nào"),
    ],
)
def test_reduce5_in_I5(prev, cur, status, says):
    r = result("xa-ntm-19.2", "I.5", values={"social_order_crimes_prev": prev, "social_order_crimes": cur})
    assert r.status == status
    assert says in r.reason.vi


def test_reduce5_reason_in_english():
    r = result("xa-ntm-19.2", "I.5", values={"social_order_crimes_prev": 40, "social_order_crimes": 39})
    assert "Crimes against social order: 40 → 39 (down 2.5%), required: down at least 5%" in r.reason.en


# TC10 holds the level ("kiềm chế hoặc giảm"); I.5 demands 5 % less.
@pytest.mark.parametrize(
    "prev, cur, tc10, i5",
    [(40, 40, MET, NOT_MET), (40, 39, MET, NOT_MET), (40, 38, MET, MET), (40, 41, NOT_MET, NOT_MET), (0, 0, MET, MET)],
)
def test_hold_the_level_in_TC10_versus_reduce5_in_I5(prev, cur, tc10, i5):
    values = {"social_order_crimes_prev": prev, "social_order_crimes": cur}
    assert result("xa-dien-hinh-antt", "TC10", values=values).status == tc10
    assert result("xa-ntm-19.2", "I.5", values=values).status == i5


@pytest.mark.parametrize(
    "prev, cur, status, says",
    [(10, 8, MET, "10 → 8 (giảm)"), (10, 10, MET, "10 → 10 (kiềm chế, không tăng)"),
     (10, 11, NOT_MET, "10 → 11 (tăng, yêu cầu kiềm chế hoặc giảm so với năm trước)"), (0, 0, MET, "0 → 0")],
)
def test_not_up_for_traffic_accidents(prev, cur, status, says):
    r = result("xa-ntm-19.2", "I.5", values={"traffic_accidents_prev": prev, "traffic_accidents": cur})
    assert r.status == status
    assert says in r.reason.vi


# TC11 — addicts: none; over 10, down 20 %; 10 or fewer, down 2 people (or to none).
@pytest.mark.parametrize(
    "prev, cur, status",
    [
        (0, 0, MET), (0, 1, NOT_MET),
        (1, 0, MET), (1, 1, NOT_MET),
        (2, 0, MET), (3, 1, MET), (3, 2, NOT_MET),
        (10, 8, MET), (10, 9, NOT_MET),
        (11, 8, MET), (11, 9, NOT_MET),  # 80 % of 11 is 8.8: at most 8 left
        (20, 16, MET), (20, 17, NOT_MET),
    ],
)
def test_addicts_rule(prev, cur, status):
    r = result("xa-dien-hinh-antt", "TC11", values={"drug_addicts_prev": prev, "drug_addicts": cur})
    assert r.status == status, r.reason.vi


def test_addicts_reason_names_the_limit():
    r = result("xa-dien-hinh-antt", "TC11", values={"drug_addicts_prev": 20, "drug_addicts": 17})
    assert "Số người nghiện ma túy: 20 → 17 (giảm 15%); trên 10 người phải giảm ít nhất 20% (còn tối đa 16)" in r.reason.vi


# TC29 — reoffending "dưới 1,5%", strictly.
@pytest.mark.parametrize(
    "released, reoffended, status, says",
    [
        (200, 2, MET, "2/200 = 1%"),
        (200, 3, NOT_MET, "3/200 = 1,5%, yêu cầu dưới 1,5%"),
        (1000, 14, MET, "14/1000 = 1,4%"),
        (0, 0, MET, "không có người được đặc xá, tha tù"),
    ],
)
def test_recidivism_rule(released, reoffended, status, says):
    r = result("xa-dien-hinh-antt", "TC29", values={"released": released, "released_reoffended": reoffended})
    assert r.status == status
    assert says in r.reason.vi


@pytest.mark.parametrize(
    "with_files, total, status",
    [(10, 10, MET), (9, 10, NOT_MET), (0, 0, MET)],
)
def test_full_rule(with_files, total, status):
    r = result("xa-dien-hinh-antt", "TC12", values={"fire_facilities": total, "fire_facilities_with_files": with_files})
    assert r.status == status
    if status == NOT_MET:
        assert "9/10 (90%), yêu cầu 100%" in r.reason.vi


# I.1 — "Hàng năm (quý I)": the resolution is issued 1 January – 31 March of the dossier's year.
@pytest.mark.parametrize(
    "issued_on, status",
    [
        (date(YEAR, 3, 31), MET),
        (date(YEAR, 4, 1), NOT_MET),
        (date(YEAR, 1, 1), MET),
        (date(YEAR - 1, 12, 31), NOT_MET),
        (None, INCOMPLETE),
    ],
)
def test_q1_document(issued_on, status):
    docs = docs_except("xa-ntm-19.2", "nghi_quyet_dang_uy", Document("nghi_quyet_dang_uy", issued_on))
    r = result("xa-ntm-19.2", "I.1", documents=docs)
    assert r.status == status, r.reason.vi


def test_q1_reason_gives_the_dates():
    docs = docs_except("xa-ntm-19.2", "nghi_quyet_dang_uy", Document("nghi_quyet_dang_uy", date(2024, 4, 1)))
    r = result("xa-ntm-19.2", "I.1", documents=docs)
    assert "ban hành ngày 01/04/2024, yêu cầu ban hành trong quý I năm 2024 (01/01 – 31/03)" in r.reason.vi


def test_one_document_in_q1_is_enough():
    docs = docs_except(
        "xa-ntm-19.2", "nghi_quyet_dang_uy",
        Document("nghi_quyet_dang_uy", date(YEAR, 5, 2)), Document("nghi_quyet_dang_uy", date(YEAR, 2, 1)),
    )
    assert result("xa-ntm-19.2", "I.1", documents=docs).status == MET


def test_missing_document_is_incomplete_and_named():
    r = result("xa-ntm-19.2", "I.2", documents=docs_except("xa-ntm-19.2", "ke_hoach_nam_tinh_hinh"))
    assert r.status == INCOMPLETE
    assert "Chưa đính kèm: Kế hoạch, chương trình nắm tình hình, bảo đảm ANCT, TTATXH" in r.reason.vi


@pytest.mark.parametrize(
    "attestation, status, says",
    [
        (None, INCOMPLETE, "Chưa có xác nhận của cán bộ"),
        (Attestation(False, "Chưa triển khai đủ"), NOT_MET, "Cán bộ xác nhận chưa đạt: Chưa triển khai đủ"),
        (Attestation(True, "Đã rà soát"), MET, "Cán bộ xác nhận đạt: Đã rà soát"),
    ],
)
def test_attestation(attestation, status, says):
    cset, facts = facts_with("xa-ntm-19.2")
    attestations = {k: v for k, v in facts.attestations.items() if k != "I.4"}
    if attestation is not None:
        attestations["I.4"] = attestation
    facts.attestations = attestations
    r = criteria.evaluate(cset, facts).results["I.4"]
    assert r.status == status and says in r.reason.vi


@pytest.mark.parametrize(
    "key_area, with_plan, status",
    [(False, False, MET), (True, False, INCOMPLETE), (True, True, MET), (None, True, INCOMPLETE)],
)
def test_transformation_plan_only_for_key_complex_areas(key_area, with_plan, status):
    docs = docs_except("xa-ntm-19.2", "ke_hoach_chuyen_hoa")
    if with_plan:
        docs += (Document("ke_hoach_chuyen_hoa", date(YEAR, 6, 1)),)
    kwargs = {"drop": ["is_key_complex_area"]} if key_area is None else {"values": {"is_key_complex_area": key_area}}
    assert result("xa-ntm-19.2", "I.7", documents=docs, **kwargs).status == status


@pytest.mark.parametrize(
    "title, status, says",
    [("none", NOT_MET, "Danh hiệu của tập thể Công an xã: Không đạt danh hiệu (yêu cầu: Đơn vị tiên tiến trở lên)"),
     ("don_vi_tien_tien", MET, ""), ("don_vi_quyet_thang", MET, "")],
)
def test_rating_at_least(title, status, says):
    r = result("xa-ntm-19.2", "I.8", values={"police_title": title})
    assert r.status == status and says in r.reason.vi


def test_movement_class_must_be_excellent():
    assert result("xa-dien-hinh-antt", "TC24", values={"movement_class": "kha"}).status == NOT_MET
    assert "(yêu cầu: Xuất sắc)" in result("xa-dien-hinh-antt", "TC24", values={"movement_class": "kha"}).reason.vi


def test_missing_value_is_incomplete_and_named():
    r = result("xa-ntm-19.2", "I.3", drop=["prolonged_mass_complaints"])
    assert r.status == INCOMPLETE
    assert r.reason.vi == "Chưa nhập: Số vụ khiếu kiện đông người kéo dài trái pháp luật"


def test_a_failure_outweighs_missing_data():
    r = result("xa-ntm-19.2", "I.8", values={"forum_held": False}, drop=["core_force_violations"])
    assert r.status == NOT_MET
    assert "Chưa nhập" in r.reason.vi and "(yêu cầu: Có)" in r.reason.vi


# includes — II.1 "Đạt các nội dung tại Phần I"
def test_includes_met_when_all_of_part_I_met():
    r = result("xa-ntm-nc-19.2", "II.1")
    assert r.status == MET and "Đạt đủ các tiêu chí I.1 – I.8" in r.reason.vi


def test_includes_names_the_failing_criteria():
    r = result("xa-ntm-nc-19.2", "II.1", values={"social_order_crimes_prev": 40, "social_order_crimes": 39, "forum_held": False})
    assert r.status == NOT_MET
    assert "chưa đạt I.5, I.8" in r.reason.vi


def test_includes_incomplete_when_part_I_lacks_data():
    r = result("xa-ntm-nc-19.2", "II.1", drop=["prolonged_mass_complaints"])
    assert r.status == INCOMPLETE and "chưa đủ dữ liệu I.3" in r.reason.vi


def test_district_set_includes_part_III_items():
    r = result("huyen-ntm-nc-9.1", "IV.1", values={"cadres_disciplined": 1})
    assert r.status == NOT_MET and "chưa đạt III.1" in r.reason.vi


# Aggregates: Huyện Duyên Hải (850) has 6 xã and 1 thị trấn; the thị trấn never counts.
DUYEN_HAI = [("29755", "Thị trấn Long Thành", "thi_tran")] + [
    (f"2976{i}", f"Xã {name}", "xa") for i, name in enumerate(["Long Khánh", "Long Vĩnh", "Đông Hải", "Ngũ Lạc", "Đôn Xuân", "Đôn Châu"])
]
XA_CODES = [code for code, _n, t in DUYEN_HAI if t == "xa"]


class FakeProvider:
    """Recognitions per set, as the application's provider would report them."""

    def __init__(self, units, recognized: dict[str, list[str]]):
        self.units, self.recognized = units, recognized
        self.calls = []

    def recognized_communes(self, district_code, set_codes, year):
        self.calls.append((district_code, set_codes, year))
        return CommuneStanding.of_units(self.units, [c for code in set_codes for c in self.recognized.get(code, [])])


def district_result(set_code, code, recognized, units=DUYEN_HAI):
    provider = FakeProvider(units, recognized)
    return result(set_code, code, unit_code="850", aggregates=provider), provider


def test_thi_tran_does_not_count():
    standing = CommuneStanding.of_units(DUYEN_HAI, ["29755", "29760"])
    assert len(standing.communes) == 6
    assert standing.recognized == frozenset({"29760"})


@pytest.mark.parametrize(
    "ntm, nc, status",
    [
        (XA_CODES, XA_CODES[:1], MET),        # 6/6 xã, and ceil(10 % × 6) = 1 advanced
        (XA_CODES, [], NOT_MET),              # no advanced xã
        (XA_CODES[:5], XA_CODES[:1], NOT_MET),  # one xã short of 100 %
        (XA_CODES + ["29755"], ["29755"], NOT_MET),  # the thị trấn's advanced recognition does not count
        (XA_CODES[:5], XA_CODES[5:], MET),  # 5 NTM + 1 recognized only as NTM nâng cao: 6/6 NTM
        (XA_CODES[:4], XA_CODES[5:], NOT_MET),  # 4 + 1: one short of 100 %
    ],
)
def test_III2_all_xa_and_ten_percent_advanced(ntm, nc, status):
    r, provider = district_result("huyen-ntm-9.4", "III.2", {"xa-ntm-19.2": ntm, "xa-ntm-nc-19.2": nc})
    assert r.status == status, r.reason.vi
    assert ("850", ("xa-ntm-19.2", "xa-ntm-nc-19.2"), YEAR) in provider.calls  # a higher recognition counts
    assert ("850", ("xa-ntm-nc-19.2",), YEAR) in provider.calls  # ... not a lower one for the higher


def test_IV2_counts_no_lower_recognition():
    r, _ = district_result("huyen-ntm-nc-9.1", "IV.2", {"xa-ntm-19.2": XA_CODES, "xa-ntm-nc-19.2": XA_CODES[:2]})
    assert r.status == NOT_MET and "2/6 xã" in r.reason.vi


def test_III2_names_the_communes_that_fall_short():
    r, _ = district_result("huyen-ntm-9.4", "III.2", {"xa-ntm-19.2": XA_CODES[:4], "xa-ntm-nc-19.2": XA_CODES[:1]})
    assert "Xã đạt chỉ tiêu 19.2 xã nông thôn mới: 4/6 xã, yêu cầu tất cả; chưa đạt: Xã Đôn Xuân, Xã Đôn Châu" in r.reason.vi


@pytest.mark.parametrize(
    "n_xa, share, needed",
    [(6, 10, 1), (10, 10, 1), (11, 10, 2), (13, 10, 2), (20, 10, 2), (21, 10, 3),
     (6, 50, 3), (7, 50, 4), (13, 50, 7), (14, 50, 7)],
)
def test_aggregate_shares_round_up(n_xa, share, needed):
    units = [(f"9{i:04d}", f"Xã {i}", "xa") for i in range(n_xa)]
    codes = [u[0] for u in units]
    if share == 10:
        set_code, code, ntm_set = "huyen-ntm-9.4", "III.2", {"xa-ntm-19.2": codes}
    else:
        set_code, code, ntm_set = "huyen-ntm-nc-9.1", "IV.2", {}
    just_enough = district_result(set_code, code, {**ntm_set, "xa-ntm-nc-19.2": codes[:needed]}, units)[0]
    one_short = district_result(set_code, code, {**ntm_set, "xa-ntm-nc-19.2": codes[:needed - 1]}, units)[0]
    assert just_enough.status == MET, just_enough.reason.vi
    assert one_short.status == NOT_MET
    assert f"yêu cầu ít nhất {needed} ({share}%, làm tròn lên)" in one_short.reason.vi


def test_aggregate_without_provider_is_incomplete():
    r = result("huyen-ntm-9.4", "III.2")
    assert r.status == INCOMPLETE


def test_district_without_xa_does_not_meet_aggregates():
    r, _ = district_result("huyen-ntm-9.4", "III.2", {}, units=[("1", "Phường 1", "phuong")])
    assert r.status == NOT_MET and "huyện không có xã nào" in r.reason.vi


def test_evaluation_snapshot_lists_every_criterion():
    cset, facts = facts_with("xa-dien-hinh-antt", values={"complex_hotspots": 1})
    evaluation = criteria.evaluate(cset, facts)
    snapshot = evaluation.snapshot()
    assert [s["criterion"] for s in snapshot] == [f"TC{n:02d}" for n in range(1, 35)]
    assert snapshot[7] == {"criterion": "TC08", "status": NOT_MET,
                           "reason": "Số tụ điểm phức tạp về hình sự, ma túy, tệ nạn xã hội: 1 (yêu cầu bằng 0)"}
    assert evaluation.status == NOT_MET
    assert evaluation.counts() == {MET: 33, NOT_MET: 1, INCOMPLETE: 0}


def test_registry_keeps_each_version():
    assert REGISTRY.get("xa-ntm-19.2", "2022.1").version == "2022.1"
    with pytest.raises(criteria.UnknownCriteriaSet):
        REGISTRY.get("xa-ntm-19.2", "1999.1")


@pytest.mark.parametrize("set_code, code, values, status, shown", [
    # 10,001 → 9,501 is down 4.9995 %: not "5 %", and the count that would do is named
    ("xa-ntm-19.2", "I.5", {"social_order_crimes_prev": 10001, "social_order_crimes": 9501}, NOT_MET,
     "10.001 → 9.501 (giảm 4,99%), yêu cầu giảm ít nhất 5%: không quá 9.500"),
    ("xa-ntm-19.2", "I.5", {"social_order_crimes_prev": 10001, "social_order_crimes": 9500}, MET,
     "10.001 → 9.500 (giảm 5,01%), yêu cầu giảm ít nhất 5%: không quá 9.500"),
    # 29 of 2,000 released reoffended: 1.45 %; 2,999 of 200,000: 1.4995 %, below 1.5 %, shown below it
    ("xa-dien-hinh-antt", "TC29", {"released": 200000, "released_reoffended": 2999}, MET, "= 1,49%, yêu cầu dưới 1,5%"),
    ("xa-dien-hinh-antt", "TC29", {"released": 200000, "released_reoffended": 3000}, NOT_MET, "= 1,5%, yêu cầu dưới 1,5%"),
])
def test_a_shown_figure_never_contradicts_the_verdict(set_code, code, values, status, shown):
    r = result(set_code, code, values=values)
    assert r.status == status, r.reason.vi
    assert shown in r.reason.vi
