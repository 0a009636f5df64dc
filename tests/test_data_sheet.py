"""The data sheet in Excel, both ways: what a commune downloads, fills in offline and uploads."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Dossier

from .conftest import TEST_PASSWORD

COMMUNE = "29269"


@pytest.fixture
def browser(app, people):
    client = app.test_client()
    assert client.post("/login", data={"username": people["commune_officer"].username,
                                       "password": TEST_PASSWORD}).status_code == 302
    return client


def rows_of(book) -> dict[str, int]:
    """{field code: row} of the sheet's inputs."""
    sheet = book["So lieu"]
    return {sheet.cell(r, 1).value: r for r in range(6, sheet.max_row + 1) if sheet.cell(r, 1).value}


def upload(client, dossier, book):
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return client.post(f"/dossiers/{dossier.id}/sheet.xlsx", data={"file": (buffer, "so-lieu.xlsx")},
                       content_type="multipart/form-data")


def download(client, dossier):
    response = client.get(f"/dossiers/{dossier.id}/sheet.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_the_sheet_lists_every_input_with_its_choices_and_last_years_figures(people, make_dossier, browser):
    make_dossier(COMMUNE, "xa-ntm-19.2", "recognized", year=2024, values={"social_order_crimes": 41})
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft", year=2025, values={"social_order_crimes_prev": None})
    db.session.execute(Dossier.__table__.update().where(Dossier.id == dossier.id).values(
        values={k: v for k, v in dossier.values.items() if k != "social_order_crimes_prev"}))
    db.session.commit()
    book = download(browser, dossier)
    sheet, rows = book["So lieu"], rows_of(book)
    assert sheet["A1"].value == "Phiếu số liệu: Xã Mỹ Cẩm, Xã nông thôn mới — chỉ tiêu 19.2, năm 2025"
    assert [c.value for c in sheet[5]] == ["Mã trường", "Tiêu chí", "Nội dung cần nhập", "Cách nhập", "Giá trị",
                                           "Năm 2024 (tham khảo)"]
    from workflow_app.dossiers.queries import criteria_set_of
    assert set(rows) == set(criteria_set_of(dossier).inputs)  # every input, once
    crimes = rows["social_order_crimes"]
    assert sheet.cell(crimes, 2).value == "I.5" and sheet.cell(crimes, 6).value == 41
    assert sheet.cell(rows["social_order_crimes_prev"], 5).value == 41  # last year's figure, filled in
    forum = rows["forum_held"]
    assert sheet.cell(forum, 5).value in ("Có", "Không") and "Chọn Có hoặc Không" == sheet.cell(forum, 4).value
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert any(f"E{forum}" in str(dv.sqref) and dv.formula1 == '"Có,Không"' for dv in lists)
    assert not sheet.cell(forum, 5).protection.locked and sheet.cell(forum, 1).protection.locked
    assert book["Tieu chi"]["A2"].value == "I.1" and book["Tieu chi"]["B2"].value.startswith("Hàng năm (quý I)")


def test_a_filled_in_sheet_saves_exactly_what_was_entered(people, make_dossier, browser):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    book = download(browser, dossier)
    sheet, rows = book["So lieu"], rows_of(book)
    sheet.cell(rows["social_order_crimes"], 5).value = 35
    sheet.cell(rows["forum_held"], 5).value = "Không"
    sheet.cell(rows["police_title"], 5).value = sheet.cell(rows["police_title"], 4).value.split(": ")[1].split("; ")[0]
    sheet.cell(rows["hot_spots_emerged"], 5).value = None  # emptied: cleared, as on the form
    version, entries = dossier.version, audit_count()
    response = upload(browser, dossier, book)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Dossier, dossier.id)
    assert saved.values["social_order_crimes"] == 35 and saved.values["forum_held"] is False
    from workflow_app.dossiers.queries import criteria_set_of
    assert saved.values["police_title"] == criteria_set_of(saved).inputs["police_title"].scale.levels[0]
    assert "hot_spots_emerged" not in saved.values
    assert saved.version == version + 1 and audit_count() == entries + 1
    # Downloaded again and sent back untouched: the same figures, nothing written.
    again = upload(browser, saved, download(browser, saved))
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).values == saved.values and audit_count() == entries + 1


def test_one_bad_cell_is_named_and_nothing_is_saved(people, make_dossier, browser):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    values, version, entries = dict(dossier.values), dossier.version, audit_count()
    book = download(browser, dossier)
    sheet, rows = book["So lieu"], rows_of(book)
    sheet.cell(rows["social_order_crimes"], 5).value = 30  # a valid change …
    sheet.cell(rows["traffic_accidents"], 5).value = "nhiều"  # … and one bad cell
    response = upload(browser, dossier, book)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Ô E{rows['traffic_accidents']}" in html and "phải là số nguyên" in html
    assert "Phiếu có 1 ô cần sửa: chưa lưu gì cả." in html
    db.session.expire_all()
    kept = db.session.get(Dossier, dossier.id)
    assert (kept.values, kept.version, audit_count()) == (values, version, entries)


def test_a_sheet_of_another_dossier_or_not_a_sheet_is_refused(people, make_dossier, browser):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    other = make_dossier(COMMUNE, "xa-dien-hinh-antt", "draft")
    wrong = upload(browser, dossier, download(browser, other))
    assert wrong.status_code == 422 and f"Phiếu này thuộc hồ sơ số {other.id}" in wrong.get_data(as_text=True)
    junk = browser.post(f"/dossiers/{dossier.id}/sheet.xlsx", data={"file": (io.BytesIO(b"%PDF-1.4 x"), "a.xlsx")},
                        content_type="multipart/form-data")
    assert junk.status_code == 422 and "Đây không phải là phiếu số liệu Excel" in junk.get_data(as_text=True)
