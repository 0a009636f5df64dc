"""The records each step files: every record of every set, in every state it can be printed in,
read back from the PDF; the QR target that checks a paper against the trail."""
import io
import re

import pytest
from docx import Document as Docx
from pypdf import PdfReader
from sqlalchemy import select, text

import criteria
from workflow_app.dossiers import operations as ops
from workflow_app.dossiers import queries
from workflow_app.extensions import db
from workflow_app.models import AuditEntry
from workflow_app.transaction import unit_of_work

from .conftest import TEST_PASSWORD
from .test_audit import behind_the_apps_back
from .test_workflow import full_inputs, recognize_communes, xa_of

HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Nơi nhận:")
# Where each set's dossier is opened: its own unit, and the district that reviews a commune.
UNITS = {"xa-ntm-19.2": "29269", "xa-ntm-nc-19.2": "29269", "xa-dien-hinh-antt": "29269",
         "huyen-ntm-9.4": "850", "huyen-ntm-nc-9.1": "850"}
# What the records of a dossier are, step by step (a district's own dossier has no appraisal).
COMMUNE_STEPS = [("submit", ["tu-danh-gia"]), ("approve", ["tu-danh-gia", "tham-dinh"]),
                 ("verify", ["tu-danh-gia", "tham-dinh", "xac-minh"]),
                 ("recognize", ["tu-danh-gia", "tham-dinh", "xac-minh", "cong-nhan"]),
                 ("revoke", ["tu-danh-gia", "tham-dinh"])]
DISTRICT_STEPS = [("submit", ["tu-danh-gia"]), ("verify", ["tu-danh-gia", "xac-minh"]),
                  ("recognize", ["tu-danh-gia", "xac-minh", "cong-nhan"]), ("revoke", ["tu-danh-gia"])]


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    words = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return re.sub(r"(?<=V) (?=\.)", "", words)  # the extractor reads the kerning in "IV.1" as a space


def check_link(response) -> str:
    """The address the record's QR code holds, from the link printed under it (path and query)."""
    for page in PdfReader(io.BytesIO(response.data)).pages:
        for annotation in page.get("/Annots") or []:
            uri = annotation.get_object().get("/A", {}).get("/URI", "")
            if "/records/check?" in uri:
                return uri[uri.index("/records/check?"):]
    raise AssertionError("no check link in the record")


def one_line(words: str) -> str:
    return re.sub(r"\s+", " ", words)


@pytest.fixture
def as_user(app):
    """A browser of its own for each user (signing one in does not sign another out)."""
    def sign_in(user):
        client = app.test_client()
        assert client.post("/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302
        return client

    return sign_in


@pytest.fixture
def actors(people, make_user):
    return {**people, "district_850": make_user("district_officer", "850")}


def fire(user, dossier, trigger):
    with unit_of_work():
        ops.fire_transition(user, dossier, trigger, version=dossier.version, **full_inputs())


def agree_all(user, dossier):
    with unit_of_work():
        for criterion in queries.criteria_set_of(dossier).criteria:
            ops.record_verdict(user, dossier, criterion.code, agree=True, comment="Đúng thực tế")


def step(actors, dossier, trigger):
    district_level = dossier.level == "district"
    submitter = actors["district_850"] if district_level else actors["commune_officer"]
    if trigger == "submit":
        fire(submitter, dossier, "submit")
    elif trigger == "approve":
        agree_all(actors["district_officer"], dossier)
        fire(actors["district_officer"], dossier, "approve")
    elif trigger == "verify":
        agree_all(actors["pv05_officer"], dossier)
        fire(actors["pv05_officer"], dossier, "verify")
    else:
        fire(actors["pv05_officer"], dossier, trigger)


@pytest.mark.parametrize("set_code", sorted(UNITS))
def test_every_record_of_every_set_prints_in_every_state(actors, make_dossier, as_user, set_code):
    if UNITS[set_code] == "850":  # the district's aggregates: its xã recognized
        xa = xa_of("850")
        recognize_communes("850", "xa-ntm-19.2", xa)
        recognize_communes("850", "xa-ntm-nc-19.2", xa)
    dossier = make_dossier(UNITS[set_code], set_code, "draft")
    cset = criteria.default_registry().get(set_code)
    reader = as_user(actors["pv05_officer"])
    assert reader.get(f"/dossiers/{dossier.id}/records/tu-danh-gia.pdf").status_code == 404  # not sent yet
    printed = {}
    for trigger, expected in (DISTRICT_STEPS if dossier.level == "district" else COMMUNE_STEPS):
        step(actors, dossier, trigger)
        page = reader.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
        offered = re.findall(r'data-testid="record-([a-z-]+)"', page)
        assert offered == expected, (trigger, offered)
        # A record reflects the entry of its step: read each when it appears, and again at the end.
        for kind in [k for k in expected if k not in printed or trigger == "revoke"]:
            words = pdf_text(reader.get(f"/dossiers/{dossier.id}/records/{kind}.pdf"))
            assert printed.setdefault(kind, words) == words, kind  # later steps did not change it
            flat = one_line(words)
            assert all(part in flat for part in HEADER), (kind, flat[:300])
            assert dossier.unit.name in flat, kind
            if kind != "cong-nhan":
                missing = [c.code for c in cset.criteria if not re.search(rf"(?<![\w.]){re.escape(c.code)}(?![\w])", words)]
                assert not missing, (kind, missing)
            else:
                assert "Quyết định số 15/QĐ-CAT" in flat and "Công an tỉnh Trà Vinh" in flat
        if "tham-dinh" in expected:
            assert "Ý kiến thẩm định" in one_line(printed["tham-dinh"])
    superseded = reader.get(f"/dossiers/{dossier.id}/records/cong-nhan.pdf")
    assert superseded.status_code == 409  # revoked: the recognition summary is no longer current


def test_a_printed_record_is_checked_against_the_trail(actors, make_dossier, as_user):
    dossier = make_dossier("29269", "xa-ntm-19.2", "draft")
    for trigger in ("submit", "approve", "verify", "recognize"):
        step(actors, dossier, trigger)
    pv05 = as_user(actors["pv05_officer"])
    target = check_link(pv05.get(f"/dossiers/{dossier.id}/records/cong-nhan.pdf"))
    answer = pv05.get(target).get_data(as_text=True)
    assert 'data-status="matches"' in answer and "Văn bản này khớp với nhật ký kiểm tra." in answer
    # A paper whose fingerprint was changed (a forged or edited record) does not match.
    forged = re.sub(r"f=([0-9a-f])", lambda m: "f=" + ("0" if m.group(1) != "0" else "1"), target)
    assert 'data-status="altered"' in pv05.get(forged).get_data(as_text=True)
    # Read by someone outside the dossier's scope: not found.
    stranger = as_user(actors["district_850"])
    assert stranger.get(target).status_code == 404
    # Revoked afterwards: the paper says it has been overtaken, and by what.
    step(actors, dossier, "revoke")
    overtaken = pv05.get(target).get_data(as_text=True)
    assert 'data-status="superseded"' in overtaken and "Thu hồi công nhận" in overtaken
    assert "làm thay đổi văn bản này" in overtaken


def test_a_record_whose_trail_entry_was_altered_does_not_match(actors, make_dossier, as_user):
    dossier = make_dossier("29269", "xa-ntm-19.2", "draft")
    step(actors, dossier, "submit")
    reader = as_user(actors["district_officer"])
    target = check_link(reader.get(f"/dossiers/{dossier.id}/records/tu-danh-gia.pdf"))
    assert 'data-status="matches"' in reader.get(target).get_data(as_text=True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.dossier_id == dossier.id,
                                                        AuditEntry.action == "submit")).one()
    with behind_the_apps_back():
        db.session.execute(text("UPDATE audit_entry SET comment = 'đã sửa' WHERE seq = :seq"), {"seq": entry.seq})
    db.session.expire_all()
    assert 'data-status="altered"' in reader.get(target).get_data(as_text=True)


def test_the_records_an_office_edits_come_as_word_files(actors, make_dossier, as_user):
    dossier = make_dossier("29269", "xa-ntm-19.2", "draft")
    for trigger in ("submit", "approve"):
        step(actors, dossier, trigger)
    reader = as_user(actors["district_officer"])
    response = reader.get(f"/dossiers/{dossier.id}/records/tham-dinh.docx")
    assert response.status_code == 200
    document = Docx(io.BytesIO(response.data))
    words = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "BIÊN BẢN" in words and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in words and "Xã Mỹ Cẩm" in words
    assert "I.6" in words and "Đồng ý: Đúng thực tế" in words
    assert reader.get(f"/dossiers/{dossier.id}/records/cong-nhan.docx").status_code == 404  # not edited: PDF only


def test_the_provinces_verified_units_of_a_year_in_one_letter(actors, make_dossier, as_user, make_user):
    played = []
    for code in ("29269", "29272", "29311"):  # Mỹ Cẩm, An Trường A (Càng Long), Hòa Ân (Cầu Kè)
        dossier = make_dossier(code, "xa-ntm-19.2", "draft")
        commune = make_user("commune_officer", code) if code != "29269" else actors["commune_officer"]
        reviewer = actors["district_officer"] if code != "29311" else make_user("district_officer", "845")
        fire(commune, dossier, "submit")
        agree_all(reviewer, dossier)
        fire(reviewer, dossier, "approve")
        step(actors, dossier, "verify")
        played.append(dossier)
    step(actors, played[0], "recognize")
    make_dossier("29275", "xa-ntm-19.2", "district_reviewed")  # not verified: not listed
    pv05 = as_user(actors["pv05_officer"])
    response = pv05.get("/reports/verified.pdf?set=xa-ntm-19.2&year=2024")
    words = one_line(pdf_text(response))
    assert "V/v xác nhận kết quả thực hiện Xã nông thôn mới — chỉ tiêu 19.2 năm 2024" in words
    assert "Kính gửi: Văn phòng Điều phối nông thôn mới tỉnh Trà Vinh." in words
    assert all(name in words for name in ("Xã Mỹ Cẩm", "Xã An Trường A", "Xã Hòa Ân", "Huyện Cầu Kè"))
    assert "Xã An Trường " not in words.replace("Xã An Trường A", "") and "Tổng cộng: 3 đơn vị" in words
    assert "Số 15/QĐ-CAT" in words and words.count("Chưa có") == 2
    target = check_link(response)
    assert 'data-status="matches"' in pv05.get(target).get_data(as_text=True)
    assert as_user(actors["commune_officer"]).get("/reports/verified.pdf?set=xa-ntm-19.2&year=2024").status_code == 403
    step(actors, played[0], "revoke")
    overtaken = pv05.get(target).get_data(as_text=True)
    assert 'data-status="superseded"' in overtaken and "Thu hồi công nhận" in overtaken
    assert "Tổng cộng: 2 đơn vị" in one_line(pdf_text(pv05.get("/reports/verified.pdf?set=xa-ntm-19.2&year=2024")))
    token = pv05.post("/api/v1/tokens", json={"username": actors["pv05_officer"].username,
                                              "password": TEST_PASSWORD}).json["token"]
    through_api = pv05.get("/api/v1/reports/verified?set=xa-ntm-19.2&year=2024",
                           headers={"Authorization": f"Bearer {token}"})
    assert "Tổng cộng: 2 đơn vị" in one_line(pdf_text(through_api))
    word = pv05.get("/reports/verified.docx?set=xa-ntm-19.2&year=2024")
    assert word.status_code == 200 and "Xã Hòa Ân" in "".join(
        c.text for t in Docx(io.BytesIO(word.data)).tables for r in t.rows for c in r.cells)
