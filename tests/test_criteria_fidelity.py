"""Fidelity to the two source documents, checked against their text (docs/sources), not against
the set files: every condition is asked for with the document's own words, and each exception
stands where the document's sentence puts it."""
import re
from pathlib import Path

import pytest

from .criteria_helpers import REGISTRY

SOURCES = Path(__file__).resolve().parent.parent / "docs" / "sources"
CV_1672 = (SOURCES / "cv-1672-CAT-PV05-2022.txt").read_text(encoding="utf-8")
PL_01 = (SOURCES / "phu-luc-01-dien-hinh-antt-2023.txt").read_text(encoding="utf-8")
SOURCE = {"xa-ntm-19.2": CV_1672, "xa-ntm-nc-19.2": CV_1672, "huyen-ntm-9.4": CV_1672, "huyen-ntm-nc-9.1": CV_1672,
          "xa-dien-hinh-antt": PL_01}
# The source's own slips, read as meant where a label repeats them.
SLIPS = {"Cùng cố": "Củng cố"}


def words(text: str) -> str:
    text = re.sub(r"</?i>|\*", "", text)
    for slip, meant in SLIPS.items():
        text = text.replace(slip, meant)
    return " ".join(text.split()).casefold()


# (set, criterion, input, the document's words it asks about): each clause of the documents that
# a yes/no answer or a count stands for.
CLAUSES = [
    ("xa-ntm-19.2", "I.1", "security_work_directed", "chỉ đạo tổ chức thực hiện có hiệu quả công tác bảo đảm ANTT và xây dựng phong trào toàn dân bảo vệ ANTTQ trên địa bàn"),
    ("xa-ntm-19.2", "I.1", "cadres_managed", "Làm tốt công tác quản lý, giáo dục cán bộ, đảng viên, củng cố hệ thống chính trị trong sạch, vững mạnh"),
    ("xa-ntm-19.2", "I.5", "advised_superiors_on_crime_plan", "Chủ động tham mưu cấp trên có kế hoạch triển khai các giải pháp, biện pháp trong công tác đấu tranh, phòng ngừa, ngăn chặn"),
    ("xa-ntm-19.2", "I.6", "people_mobilized", "làm tốt công tác tuyên truyền, vận động quần chúng nhân dân tích cực tham gia"),
    ("xa-ntm-19.2", "I.6", "core_force_recruited", "vận động mọi tầng lớp Nhân dân tham gia lực lượng nòng cốt bảo vệ ANTT ở cơ sở"),
    ("xa-ntm-19.2", "I.6", "crime_prevention_models_strengthened", "Củng cố và nâng chất hoạt động các mô hình về phòng, chống tội phạm, tệ nạn xã hội; bảo đảm TTATGT"),
    ("xa-ntm-19.2", "I.6", "self_defence_encouraged", "theo hướng tự phòng, tự quản, tự bảo vệ, tự hòa giải"),
    ("xa-ntm-19.2", "I.7", "key_areas_reviewed", "Tổ chức rà soát, đánh giá, phân loại địa bàn trọng điểm, phức tạp về TTATXH"),
    ("xa-ntm-19.2", "I.7", "hot_spots_emerged", "điểm nóng"),
    ("xa-ntm-19.2", "I.8", "plan_23_implemented", "Thực hiện tốt Kế hoạch số 23/KH-CAT-PV28 ngày 03/3/2016"),
    ("xa-ntm-nc-19.2", "II.3", "crime_prevention_stepped_up", "Thường xuyên đẩy mạnh các biện pháp phòng chống tội phạm hình sự"),
    ("huyen-ntm-9.4", "III.1", "security_work_directed", "chỉ đạo tổ chức thực hiện có hiệu quả công tác bảo đảm ANTT và xây dựng phong trào toàn dân bảo vệ ANTQ trên địa bàn"),
    ("huyen-ntm-9.4", "III.1", "provincial_directives_followed", "Quán triệt thực hiện nghiêm túc các văn bản chỉ đạo của Ban Chỉ đạo tỉnh"),
    ("huyen-ntm-9.4", "III.1", "cadres_managed", "Làm tốt công tác quản lý, giáo dục cán bộ, đảng viên, củng cố hệ thống chính trị trong sạch, vững mạnh"),
    ("huyen-ntm-9.4", "III.3", "state_management_strengthened", "Nâng cao hiệu lực, hiệu quả quản lý nhà nước về ANTT"),
    ("huyen-ntm-9.4", "III.3", "prevention_scheme_implemented", "Tăng cường phòng ngừa đối tượng vi phạm pháp luật ở địa bàn cơ sở, giai đoạn 2021 - 2025"),
    ("xa-dien-hinh-antt", "TC02", "campaign_crime_crackdown", "cao điểm tấn công trấn áp tội phạm"),
    ("xa-dien-hinh-antt", "TC02", "campaign_fire_safety", "phòng cháy, chữa cháy"),
    ("xa-dien-hinh-antt", "TC02", "campaign_models", "xây dựng và duy trì mô hình, điển hình tiên tiến"),
    ("xa-dien-hinh-antt", "TC02", "campaign_movement_launch", "phát động phong trào toàn dân bảo vệ ANTQ"),
    ("xa-dien-hinh-antt", "TC05", "reception_schedule_posted", "tiếp công dân định kỳ hằng tháng và đột xuất"),
    ("xa-dien-hinh-antt", "TC07", "provincial_merit", "hoặc phong trào Thi đua yêu nước"),
    ("xa-dien-hinh-antt", "TC12", "fire_safety_propaganda", "Tuyên truyền, vận động các cơ quan, đơn vị, hộ gia đình thực hiện nghiêm các quy định về phòng cháy, chữa cháy"),
    ("xa-dien-hinh-antt", "TC15", "economic_crimes_unreported", "gian lận thương mại, hàng giả, hàng cấm"),
    ("xa-dien-hinh-antt", "TC16", "mass_complaint_disturbances", "biểu tình, tuần hành; khiếu kiện vượt cấp và tiến hành các hành vi vi phạm pháp luật khác"),
    ("xa-dien-hinh-antt", "TC19", "other_emulation_movements", "các phong trào thi đua khác do địa phương phát động"),
    ("xa-dien-hinh-antt", "TC20", "core_force_consolidated", "Thường xuyên củng cố, kiện toàn lực lượng nòng cốt làm nhiệm vụ bảo đảm ANTT ở cơ sở"),
    ("xa-dien-hinh-antt", "TC23", "rewards_timely", "Khen thưởng và đề xuất khen thưởng kịp thời"),
    ("xa-dien-hinh-antt", "TC29", "subjects_supervised", "Thực hiện tốt công tác quản lý, giám sát các hệ, loại đối tượng"),
    ("xa-dien-hinh-antt", "TC29", "subject_software_updated", "cập nhật bổ sung đầy đủ thông tin các loại đối tượng vào phần mềm quản lý đối tượng"),
]


@pytest.mark.parametrize("set_code, criterion, name, clause", CLAUSES, ids=[f"{c[0]}-{c[2]}" for c in CLAUSES])
def test_every_condition_is_asked_for_in_the_documents_words(set_code, criterion, name, clause):
    cset = REGISTRY.get(set_code)
    assert words(clause) in words(SOURCE[set_code]), "the clause is not the document's"
    assert words(clause) in words(cset.criterion(criterion).text), "the clause is not this criterion's"
    spec = cset.inputs[name]
    assert words(clause) in words(spec.label.vi) or spec.type == "count" and "điểm nóng" in spec.label.vi
    assert name in cset.criterion(criterion).inputs_used()


def test_a_xa_that_is_no_key_area_still_reviews_its_areas_and_lets_no_hot_spot_arise():
    from criteria import MET, NOT_MET

    from .criteria_helpers import result

    assert result("xa-ntm-19.2", "I.7", values={"is_key_complex_area": False}).status == MET
    assert result("xa-ntm-19.2", "I.7", values={"is_key_complex_area": False, "key_areas_reviewed": False}).status == NOT_MET
    assert result("xa-ntm-19.2", "I.7", values={"is_key_complex_area": False, "hot_spots_emerged": 1}).status == NOT_MET


FORCE_MAJEURE = "bất khả kháng"
# Where each document's "(trừ trường hợp bất khả kháng)" applies, read from its sentence.
EXCEPTED = {
    # I.5 and III.3: it closes "Tệ nạn xã hội; tai nạn giao thông, cháy, nổ được kiềm chế, giảm so với năm trước"
    "xa-ntm-19.2": {"social_evils_prev", "social_evils", "traffic_accidents_prev", "traffic_accidents",
                    "fires_explosions_prev", "fires_explosions"},
    "huyen-ntm-9.4": {"social_evils_prev", "social_evils", "traffic_accidents_prev", "traffic_accidents",
                      "fires_explosions_prev", "fires_explosions"},
    # II.3: it closes the sentence on serious traffic accidents and fires (its crime counts are I.5's, counted whole)
    "xa-ntm-nc-19.2": {"social_evils_prev", "social_evils", "traffic_accidents_prev", "traffic_accidents",
                       "fires_explosions_prev", "fires_explosions", "serious_traffic_accidents", "serious_fires_explosions"},
    # TC09 and TC10 only: not TC12's fires, not TC13's traffic accidents
    "xa-dien-hinh-antt": {"complex_incidents_unhandled", "social_order_crimes_prev", "social_order_crimes",
                          "serious_crimes_by_permanent_residents"},
}


@pytest.mark.parametrize("set_code", sorted(EXCEPTED))
def test_force_majeure_is_excepted_exactly_where_the_document_says(set_code):
    cset = REGISTRY.get(set_code)
    excepted = {name for name, spec in cset.inputs.items() if spec.help and FORCE_MAJEURE in spec.help.vi}
    assert excepted == EXCEPTED[set_code]


def test_the_documents_say_force_majeure_only_in_those_items():
    assert CV_1672.count(FORCE_MAJEURE) == 3  # I.5, II.3, III.3
    assert PL_01.count(FORCE_MAJEURE) == 2  # TC09, TC10


def test_older_versions_keep_their_rules():
    """Dossiers opened under 2022.1 are judged as they were: the corrections came as 2022.2."""
    old, new = REGISTRY.get("xa-ntm-19.2", "2022.1"), REGISTRY.get("xa-ntm-19.2", "2022.2")
    assert "key_areas_reviewed" not in old.inputs and "key_areas_reviewed" in new.inputs
    assert REGISTRY.get("xa-ntm-19.2").version == "2022.2"


# --- each criterion's text is its whole source item, not just a piece of it ---------------------

PARTS = re.compile(r"^\*\*(I|II|III|IV)\. ", re.M)
ENDING = "Công an các huyện, thị xã, thành phố căn cứ"


def squash(text: str) -> str:
    return " ".join(text.split())


def cv_1672_items() -> dict[tuple[str, str], str]:
    """{("III", "2"): the item's whole text}: from its number to the next item or part."""
    body = CV_1672[:CV_1672.index(ENDING)]
    heads = list(PARTS.finditer(body))
    items = {}
    for i, head in enumerate(heads):
        part = body[head.end():heads[i + 1].start() if i + 1 < len(heads) else len(body)]
        part = part.split("**", 2)[-1]  # past the part's bold title
        numbered = list(re.finditer(r"^(\d+)\. ", part, re.M))
        for j, item in enumerate(numbered):
            end = numbered[j + 1].start() if j + 1 < len(numbered) else len(part)
            items[(head.group(1), item.group(1))] = squash(part[item.end():end])
    return items


def pl_01_items() -> dict[str, str]:
    """{"12": the whole text of Tiêu chí 12}."""
    return {m.group(1): squash(m.group(2)) for m in re.finditer(r"Tiêu chí (\d+)\t([^\t]*)\t", PL_01)}


def source_item(set_code: str, source: str) -> str:
    if set_code == "xa-dien-hinh-antt":
        return pl_01_items()[re.search(r"Tiêu chí (\d+)", source).group(1)]
    part, number = re.fullmatch(r"Phần (I|II|III|IV), mục (\d+)", source).groups()
    return cv_1672_items()[(part, number)]


@pytest.mark.parametrize("set_code", sorted(SOURCE))
def test_every_criterion_text_is_its_whole_source_item(set_code):
    for cset in (s for s in REGISTRY.all() if s.code == set_code):
        for criterion in cset.criteria:
            assert squash(criterion.text) == source_item(set_code, criterion.source), (cset.version, criterion.code)


def test_the_item_parsers_find_every_item():
    assert len(pl_01_items()) == 34
    assert sorted(cv_1672_items()) == sorted([("I", str(n)) for n in range(1, 9)] + [("II", str(n)) for n in range(1, 5)]
                                             + [("III", str(n)) for n in range(1, 6)] + [("IV", "1"), ("IV", "2")])
