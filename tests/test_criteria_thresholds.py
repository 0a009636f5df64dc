"""Every number the documents set, written here independently of the set files: its value, its
direction and strictness, the rounding of district shares, the first-quarter window and the
addicts' bands. Each is tried at the threshold (met) and one step to the lenient side (not met),
so that a threshold changed in a set file or in the evaluator fails here (`make mutants` checks
that it does)."""
from datetime import date

import pytest

from criteria import MET, NOT_MET, CommuneStanding, Document

from .criteria_helpers import docs_except, result

XA, NC, HUYEN, HUYEN_NC, MODEL = "xa-ntm-19.2", "xa-ntm-nc-19.2", "huyen-ntm-9.4", "huyen-ntm-nc-9.1", "xa-dien-hinh-antt"


def zero(set_code, code, name, words):
    return (set_code, code, {name: 0}, {name: 1}, words)


def at_least(set_code, code, name, n, words):
    return (set_code, code, {name: n}, {name: n - 1}, words)


AT_LEAST = []  # (set, criterion, input, n): well past the threshold is met too


def at_least_n(set_code, code, name, n, words):
    AT_LEAST.append((set_code, code, name, n))
    return at_least(set_code, code, name, n, words)


def prev_cur(set_code, code, prev, cur, at, step, words):
    return (set_code, code, {prev: at[0], cur: at[1]}, {prev: step[0], cur: step[1]}, words)


def full(set_code, code, part, total, words):
    return (set_code, code, {total: 10, part: 10}, {total: 10, part: 9}, words)


def rating(set_code, code, name, level, below, words):
    return (set_code, code, {name: level}, {name: below}, words)


CRIMES = ("social_order_crimes_prev", "social_order_crimes")
EDGES = [
    # --- Công văn 1672, Phần I (and II through II.1), Phần III and IV
    zero(XA, "I.1", "cadres_disciplined", "không để sai phạm bị xử lý kỷ luật"),
    zero(XA, "I.3", "prolonged_mass_complaints", "không để khiếu kiện đông người kéo dài trái pháp luật"),
    prev_cur(XA, "I.5", *CRIMES, (100, 95), (100, 96), "kéo giảm ... ít nhất 05% so với năm trước"),
    prev_cur(XA, "I.5", *CRIMES, (20, 19), (20, 20), "ít nhất 05%: 20 → 19 is 5 %"),
    prev_cur(XA, "I.5", *CRIMES, (10001, 9500), (10001, 9501), "ít nhất 05%, counted exactly"),
    prev_cur(XA, "I.5", *CRIMES, (0, 0), (0, 1), "none the year before: none"),
    zero(XA, "I.5", "especially_serious_crimes_by_residents", "không có công dân ... phạm tội đặc biệt nghiêm trọng"),
    zero(XA, "I.5", "child_abuse_crimes_by_residents", "hoặc phạm các tội về xâm hại trẻ em"),
    prev_cur(XA, "I.5", "social_evils_prev", "social_evils", (10, 10), (10, 11), "Tệ nạn xã hội ... được kiềm chế"),
    prev_cur(XA, "I.5", "traffic_accidents_prev", "traffic_accidents", (10, 10), (10, 11), "tai nạn giao thông ... kiềm chế"),
    prev_cur(XA, "I.5", "fires_explosions_prev", "fires_explosions", (10, 10), (10, 11), "cháy, nổ được kiềm chế"),
    at_least_n(XA, "I.6", "self_managed_models", 1, "có ít nhất một mô hình quần chúng tự quản về ANTT"),
    zero(XA, "I.7", "hot_spots_emerged", "không để phát sinh, hình thành các điểm nóng"),
    rating(XA, "I.8", "police_title", "don_vi_tien_tien", "none", "tập thể Công an xã đạt danh hiệu “Đơn vị tiên tiến” trở lên"),
    zero(XA, "I.8", "officers_disciplined_warning_plus", "không có cán bộ, chiến sĩ vi phạm bị xử lý kỷ luật từ hình thức cảnh cáo trở lên"),
    rating(XA, "I.8", "core_force_rating", "hoan_thanh", "khong_hoan_thanh", "lực lượng nòng cốt ... hoàn thành nhiệm vụ trở lên"),
    zero(XA, "I.8", "core_force_violations", "không có cá nhân vi phạm pháp luật"),
    zero(NC, "II.3", "especially_serious_crimes_by_residents", "không có công dân ... phạm tội đặc biệt nghiêm trọng"),
    zero(NC, "II.3", "child_abuse_crimes_by_residents", "hoặc phạm các tội về xâm hại trẻ em"),
    zero(NC, "II.3", "serious_traffic_accidents", "tai nạn giao thông ... nghiêm trọng trở lên"),
    zero(NC, "II.3", "serious_fires_explosions", "cháy, nổ nghiêm trọng trở lên"),
    at_least_n(NC, "II.4", "camera_models", 1, "có ít nhất một mô hình có sử dụng camera an ninh"),
    zero(HUYEN, "III.1", "cadres_disciplined", "không để sai phạm đến mức bị xử lý kỷ luật"),
    prev_cur(HUYEN, "III.3", *CRIMES, (100, 95), (100, 96), "giảm ít nhất 05% so với năm trước"),
    prev_cur(HUYEN, "III.3", "social_evils_prev", "social_evils", (10, 10), (10, 11), "tệ nạn xã hội ... kiềm chế"),
    prev_cur(HUYEN, "III.3", "traffic_accidents_prev", "traffic_accidents", (10, 10), (10, 11), "tai nạn giao thông ... kiềm chế"),
    prev_cur(HUYEN, "III.3", "fires_explosions_prev", "fires_explosions", (10, 10), (10, 11), "cháy, nổ được kiềm chế"),
    prev_cur(HUYEN_NC, "III.3", *CRIMES, (100, 95), (100, 96), "IV.1: Mục 3 Phần III"),
    # --- Phụ lục 01 (xã điển hình về ANTT)
    at_least_n(MODEL, "TC03", "innovations", 1, "có ít nhất 01 cách làm hay, đổi mới, sáng tạo"),
    zero(MODEL, "TC05", "backlogged_complaints", "không để tồn đọng, phát sinh phức tạp kéo dài"),
    rating(MODEL, "TC06", "party_committee_rating", "hoan_thanh_tot", "hoan_thanh", "Đảng bộ ... “Hoàn thành tốt nhiệm vụ” trở lên"),
    rating(MODEL, "TC06", "commune_pc_title", "tap_the_lao_dong_tien_tien", "none", "UBND ... “Tập thể lao động tiên tiến” trở lên"),
    zero(MODEL, "TC06", "officials_sanctioned_antt", "không có cán bộ ... bị xử phạt ... hoặc bị xử lý kỷ luật"),
    zero(MODEL, "TC08", "complex_hotspots", "Không có tụ điểm phức tạp"),
    zero(MODEL, "TC09", "complex_incidents_unhandled", "Không để xảy ra các vụ việc phức tạp về ANTT"),
    zero(MODEL, "TC09", "organized_crime_gangs", "Không có hoạt động của tội phạm có tổ chức"),
    zero(MODEL, "TC09", "black_credit_cases", "“Tín dụng đen”"),
    prev_cur(MODEL, "TC10", *CRIMES, (10, 10), (10, 11), "Kiềm chế hoặc giảm ít nhất 5%"),
    zero(MODEL, "TC10", "serious_crimes_by_permanent_residents", "không để xảy ra tội phạm nghiêm trọng trở lên"),
    prev_cur(MODEL, "TC11", "drug_addicts_prev", "drug_addicts", (0, 0), (0, 1), "Không có người nghiện ma túy"),
    prev_cur(MODEL, "TC11", "drug_addicts_prev", "drug_addicts", (100, 80), (100, 81), "trên 10 người, mỗi năm kéo giảm ít nhất 20%"),
    prev_cur(MODEL, "TC11", "drug_addicts_prev", "drug_addicts", (11, 8), (11, 9), "trên 10 người: 20 % of 11, rounded to whole people"),
    prev_cur(MODEL, "TC11", "drug_addicts_prev", "drug_addicts", (10, 8), (10, 9), "từ 10 người trở xuống, ... ít nhất 02 người"),
    prev_cur(MODEL, "TC11", "drug_addicts_prev", "drug_addicts", (5, 3), (5, 4), "từ 10 người trở xuống: 2 people, not 20 %"),
    prev_cur(MODEL, "TC11", "drug_addicts_prev", "drug_addicts", (1, 0), (1, 1), "từ 10 người trở xuống: down 2, to none"),
    zero(MODEL, "TC11", "new_or_relapsed_addicts", "không phát sinh người nghiện mới hoặc tái nghiện"),
    zero(MODEL, "TC11", "drug_plant_cultivation", "trồng và tái trồng cây có chứa chất ma túy"),
    zero(MODEL, "TC12", "serious_fires", "cháy nổ gây hậu quả nghiêm trọng trở lên"),
    full(MODEL, "TC12", "fire_facilities_with_files", "fire_facilities", "100% cơ sở ... được lập hồ sơ quản lý"),
    zero(MODEL, "TC13", "serious_traffic_accidents_by_residents", "tai nạn giao thông gây hậu quả nghiêm trọng trở lên"),
    zero(MODEL, "TC13", "illegal_racing", "không để xảy ra đua xe trái phép"),
    zero(MODEL, "TC14", "environment_incidents_unhandled", "Không để xảy ra các vụ, việc phức tạp về khai thác tài nguyên"),
    zero(MODEL, "TC15", "economic_crimes_unreported", "Không có các vụ phạm tội về kinh tế"),
    zero(MODEL, "TC16", "mass_complaint_disturbances", "Không để công dân ... tập trung đông người gây rối"),
    at_least_n(MODEL, "TC18", "propaganda_sessions", 2, "có ít nhất 02 lần tổ chức tuyên truyền"),
    zero(MODEL, "TC20", "core_force_violations", "không có cá nhân vi phạm pháp luật hoặc bị xử lý kỷ luật"),
    at_least_n(MODEL, "TC21", "coordination_briefings", 12, "định kỳ hằng tháng giao ban: 12 a year"),
    at_least_n(MODEL, "TC22", "dan_van_kheo_models", 1, "ít nhất 01 mô hình “Dân vận khéo”"),
    full(MODEL, "TC22", "villages_with_models", "villages", "các thôn, bản, tổ dân phố có mô hình"),
    at_least_n(MODEL, "TC22", "models_publicized", 1, "ít nhất 01 mô hình ... được Ban Chỉ đạo huyện ... thông báo"),
    at_least_n(MODEL, "TC23", "certificates_of_merit", 1, "ít nhất 01 tập thể hoặc cá nhân được ... tặng Bằng khen"),
    at_least_n(MODEL, "TC23", "certificates_of_commendation", 2, "02 lượt tập thể, cá nhân được tặng Giấy khen"),
    at_least_n(MODEL, "TC23", "advanced_exemplars", 1, "ít nhất 01 tập thể hoặc cá nhân trở lên là điển hình tiên tiến"),
    rating(MODEL, "TC24", "movement_class", "xuat_sac", "kha", "phân loại phong trào ... đạt loại Xuất sắc"),
    full(MODEL, "TC26", "villages_inspected", "villages", "kiểm tra 100% số thôn, bản, tổ dân phố"),
    at_least_n(MODEL, "TC27", "trainings", 1, "tập huấn được ít nhất 01 nội dung"),
    full(MODEL, "TC29", "managed_subjects_with_files", "managed_subjects", "100% số đối tượng ... có hồ sơ, danh sách"),
    (MODEL, "TC29", {"released": 2000, "released_reoffended": 29}, {"released": 200, "released_reoffended": 3},
     "tỷ lệ tái phạm hằng năm dưới 1,5%: 1,45 % is below, 1,5 % is not"),
    full(MODEL, "TC30", "crime_reports_processed", "crime_reports_received", "100% tin báo, tố giác tội phạm"),
    zero(MODEL, "TC32", "complaints_about_officers", "Không có đơn, thư phản ánh"),
    zero(MODEL, "TC32", "officers_disciplined", "không có cán bộ chiến sĩ vi phạm bị xử lý kỷ luật"),
    (MODEL, "TC34", {"targets_completed_pct": 100}, {"targets_completed_pct": 99}, "Hoàn thành 100% chỉ tiêu công tác"),
    rating(MODEL, "TC34", "police_title", "don_vi_tien_tien", "none", "đạt danh hiệu “Đơn vị tiên tiến” trở lên"),
    rating(MODEL, "TC34", "police_collective_rating", "hoan_thanh_tot", "hoan_thanh", "tập thể “Hoàn thành tốt nhiệm vụ”"),
    rating(MODEL, "TC34", "party_cell_rating", "hoan_thanh_tot", "hoan_thanh", "chi bộ ... “Hoàn thành tốt nhiệm vụ” trở lên"),
]


@pytest.mark.parametrize("set_code, code, name, n", AT_LEAST)
def test_at_least_is_met_well_past_it(set_code, code, name, n):
    assert result(set_code, code, values={name: n + 5}).status == MET


@pytest.mark.parametrize("set_code, code, at, step, words", EDGES,
                         ids=[f"{e[1]}-{'-'.join(map(str, e[3].values()))}" for e in EDGES])
def test_each_threshold_at_its_edge(set_code, code, at, step, words):
    met = result(set_code, code, values=at)
    assert met.status == MET, f"{words}: {at} should meet it — {met.reason.vi}"
    short = result(set_code, code, values=step)
    assert short.status == NOT_MET, f"{words}: {step} should not meet it — {short.reason.vi}"


# --- the first-quarter window: 1 January to 31 March of the dossier's year, both days included
Q1 = [(XA, "I.1", "nghi_quyet_dang_uy"), (XA, "I.1", "ke_hoach_ubnd"), (HUYEN, "III.1", "nghi_quyet_huyen_uy"),
      (HUYEN, "III.1", "ke_hoach_ubnd_huyen"), (MODEL, "TC02", "nghi_quyet_dang_uy"), (MODEL, "TC02", "ke_hoach_ubnd")]


@pytest.mark.parametrize("set_code, code, doc_type", Q1)
@pytest.mark.parametrize("issued, status", [
    (date(2024, 1, 1), MET), (date(2024, 3, 31), MET), (date(2024, 4, 1), NOT_MET), (date(2023, 12, 31), NOT_MET),
    (date(2023, 2, 15), NOT_MET),  # the first quarter of another year
])
def test_first_quarter_documents(set_code, code, doc_type, issued, status):
    documents = docs_except(set_code, doc_type, Document(doc_type, issued))
    assert result(set_code, code, documents=documents).status == status


def test_the_steering_committee_plan_is_not_held_to_the_first_quarter():
    documents = docs_except(MODEL, "ke_hoach_ban_chi_dao", Document("ke_hoach_ban_chi_dao", date(2024, 6, 1)))
    assert result(MODEL, "TC02", documents=documents).status == MET


# --- district shares of xã: at least the share, rounded up; a higher recognition counts for the lower
class Standing:
    def __init__(self, n_xa: int, ntm: int, nc: int):
        self.units = [(f"9{i:04d}", f"Xã {i}", "xa") for i in range(n_xa)]
        codes = [u[0] for u in self.units]
        self.held = {"xa-ntm-19.2": codes[:ntm], "xa-ntm-nc-19.2": codes[:nc]}

    def recognized_communes(self, district_code, set_codes, year):
        return CommuneStanding.of_units(self.units, [c for s in set_codes for c in self.held.get(s, [])])


@pytest.mark.parametrize("set_code, code, n_xa, at, step", [
    (HUYEN, "III.2", 6, (6, 1), (5, 1)),  # 100 % of the xã meet 19.2 (NTM)
    (HUYEN, "III.2", 101, (101, 11), (100, 11)),  # 100 % is all of them, even of 101
    (HUYEN, "III.2", 10, (10, 1), (10, 0)),  # at least 10 % advanced: 1 of 10
    (HUYEN, "III.2", 11, (11, 2), (11, 1)),  # 10 % of 11 is 1.1: rounded up to 2
    (HUYEN_NC, "IV.2", 6, (0, 3), (0, 2)),  # at least 50 %: 3 of 6
    (HUYEN_NC, "IV.2", 7, (0, 4), (0, 3)),  # 50 % of 7 is 3.5: 4
])
def test_district_shares_round_up(set_code, code, n_xa, at, step):
    for (ntm, nc), status in ((at, MET), (step, NOT_MET)):
        r = result(set_code, code, unit_code="850", aggregates=Standing(n_xa, ntm, nc))
        assert r.status == status, r.reason.vi


# --- what must be done (yes), attached, or attested by an officer ------------------------------
DONE = {
    XA: {"I.1": ["security_work_directed", "cadres_managed"], "I.5": ["advised_superiors_on_crime_plan"],
         "I.6": ["recognized_safe_antt", "people_mobilized", "core_force_recruited", "crime_prevention_models_strengthened",
                 "self_defence_encouraged"],
         "I.7": ["key_areas_reviewed"], "I.8": ["forum_held", "plan_23_implemented"]},
    NC: {"II.3": ["crime_prevention_stepped_up"]},
    HUYEN: {"III.1": ["security_work_directed", "provincial_directives_followed", "cadres_managed"],
            "III.3": ["state_management_strengthened", "prevention_scheme_implemented"]},
    MODEL: {"TC02": ["campaign_crime_crackdown", "campaign_fire_safety", "campaign_models", "campaign_movement_launch"],
            "TC03": ["movement_conference_held"], "TC05": ["reception_schedule_posted"], "TC06": ["mass_orgs_all_good"],
            "TC07": ["provincial_merit"], "TC12": ["fire_safety_propaganda"],
            "TC19": ["event_19_8", "event_04_10", "event_drug_month_6", "event_26_6", "event_30_7", "event_05_6",
                     "event_traffic_month_9", "other_emulation_movements"],
            "TC20": ["core_force_consolidated"], "TC21": ["semiannual_review_held", "annual_review_held"],
            "TC23": ["rewards_timely"], "TC24": ["recognized_safe_antt"],
            "TC29": ["subjects_supervised", "subject_software_updated"],
            "TC33": ["has_proper_office", "recognized_cultural_unit"], "TC34": ["officers_all_good"]},
}
ATTACHED = {
    XA: {"I.1": ["nghi_quyet_dang_uy", "ke_hoach_ubnd"], "I.2": ["ke_hoach_nam_tinh_hinh"],
         "I.6": ["ke_hoach_phong_trao", "qd_an_toan_antt"]},
    NC: {"II.2": ["ke_hoach_giu_vung_nang_cao"]},
    HUYEN: {"III.1": ["nghi_quyet_huyen_uy", "ke_hoach_ubnd_huyen"], "III.2": ["ke_hoach_giu_vung_nang_cao"],
            "III.3": ["ke_hoach_phong_chong_toi_pham"], "III.4": ["ke_hoach_phong_trao"], "III.5": ["ke_hoach_nam_tinh_hinh"]},
    HUYEN_NC: {"IV.2": ["ke_hoach_giu_vung_nang_cao"]},
    MODEL: {"TC02": ["nghi_quyet_dang_uy", "ke_hoach_ubnd", "ke_hoach_ban_chi_dao"], "TC07": ["bang_khen"],
            "TC21": ["ke_hoach_phoi_hop"], "TC25": ["ke_hoach_cong_an_xa"]},
}
ATTESTED = {XA: ["I.2", "I.3", "I.4"], NC: ["II.2", "II.4"], HUYEN: ["III.4", "III.5"],
            MODEL: ["TC01", "TC04", "TC17", "TC25", "TC28", "TC31"]}


def rows(table):
    return [(s, c, item) for s, crits in table.items() for c, items in crits.items() for item in items]


@pytest.mark.parametrize("set_code, code, name", rows(DONE))
def test_what_must_be_done(set_code, code, name):
    assert result(set_code, code, values={name: True}).status == MET
    assert result(set_code, code, values={name: False}).status == NOT_MET


@pytest.mark.parametrize("set_code, code, doc_type", rows(ATTACHED))
def test_what_must_be_attached(set_code, code, doc_type):
    from criteria import INCOMPLETE

    every_xa = {"unit_code": "850", "aggregates": Standing(10, 10, 10)}  # the district's shares met
    assert result(set_code, code, **every_xa).status == MET
    assert result(set_code, code, documents=docs_except(set_code, doc_type), **every_xa).status == INCOMPLETE


@pytest.mark.parametrize("set_code, code", [(s, c) for s, codes in ATTESTED.items() for c in codes])
def test_what_an_officer_attests(set_code, code):
    from .criteria_helpers import Attestation

    assert result(set_code, code, attestations={code: Attestation(False, "Chưa đạt")}).status == NOT_MET


@pytest.mark.parametrize("op, value, met", [
    ("eq", 2, [2]), ("ge", 2, [2, 3]), ("le", 2, [1, 2]), ("gt", 2, [3]), ("lt", 2, [1]),
])
def test_number_comparisons(op, value, met):
    from criteria.evaluator import Facts
    from criteria.requirements import NumberRule

    class Ctx:
        def __init__(self, v):
            self.facts = Facts(2024, {"n": v})

        def spec(self, name):
            from criteria.model import InputSpec
            from criteria.text import Text

            return InputSpec("n", "count", Text("Số", "Count"))

        def value(self, name):
            return self.facts.values.get(name)

    rule = NumberRule({"kind": "number", "input": "n", "op": op, "value": value})
    assert [v for v in (1, 2, 3) if rule.check(Ctx(v)).status == MET] == met
