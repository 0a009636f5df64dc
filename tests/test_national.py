"""The ministry's national overview: every province of the year, as its own overview counts it."""
import io
import re

import pytest
from openpyxl import load_workbook

from workflow_app.admin.operations import create_user
from workflow_app.errors import ValidationFailed
from workflow_app.extensions import db
from workflow_app.reports import queries
from workflow_app.units.operations import get_unit, load_units

from .conftest import TEST_PASSWORD


@pytest.fixture
def country(app, people, make_user, make_dossier):
    """Trà Vinh (84) and Vĩnh Long (86) on the old map, with dossiers of 2023–2025, and a reader at
    the ministry."""
    load_units(["86"])
    db.session.commit()
    make_dossier("29269", "xa-ntm-19.2", "recognized", year=2023)  # Xã Mỹ Cẩm: counted from 2023 on
    make_dossier("29272", "xa-ntm-nc-19.2", "recognized", year=2024)  # counts for NTM (19.2) too
    make_dossier("29275", "xa-ntm-19.2", "recognized", year=2025)  # not yet in 2024
    make_dossier("29278", "xa-ntm-19.2", "district_reviewed", year=2024)
    make_dossier("844", "huyen-ntm-9.4", "draft", year=2024)  # a district's own dossier
    make_dossier("29578", "xa-ntm-19.2", "recognized", year=2024)  # Xã Đồng Phú, Vĩnh Long
    make_dossier("29581", "xa-ntm-19.2", "returned", year=2024)
    return {"ministry": make_user("ministry_officer", "VN"), **people}


def sign_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def test_each_province_row_is_what_its_own_overview_totals(country):
    board = queries.national(2024)
    rows = {row.unit.code: row for row in board.rows}
    assert set(rows) == {"84", "86"}  # the provinces of the old map in 2024
    for code in ("84", "86"):
        total = queries.dashboard(get_unit(code), 2024).total
        row = rows[code]
        assert (row.communes, row.states, row.recognized, row.eligible) == (
            total.communes, total.states, total.recognized, total.eligible)
    tra_vinh = rows["84"]
    assert tra_vinh.communes == 104 and tra_vinh.eligible["xa-ntm-19.2"] == 85  # 85 of them xã
    assert tra_vinh.recognized["xa-ntm-19.2"] == 2  # 2023's and the advanced one of 2024; 2025's not yet
    assert tra_vinh.recognized["xa-ntm-nc-19.2"] == 1
    assert tra_vinh.states == {"recognized": 1, "district_reviewed": 1, "draft": 1}
    assert rows["86"].recognized["xa-ntm-19.2"] == 1 and rows["86"].states == {"recognized": 1, "returned": 1}
    assert board.total.recognized["xa-ntm-19.2"] == 3
    assert queries.national(2025).total.recognized["xa-ntm-19.2"] == 4


def test_the_ministry_reads_the_country_and_opens_any_province(app, country):
    client = sign_in(app, country["ministry"])
    assert client.get("/").headers["Location"] == "/reports/national"
    html = client.get("/reports/national?year=2024").get_data(as_text=True)
    row = html[html.index('data-testid="province-legacy-86"'):]
    row = row[:row.index("</tr>")]
    assert "Tỉnh Vĩnh Long" in row and "1/" in row
    total = html[html.index('data-testid="national-total"'):]
    assert "Toàn quốc" in total and "3/" in total
    footer = html[html.index('data-testid="footer"'):]
    assert "Bộ Công an" in footer[:200] and "Công an tỉnh" not in footer[:200]  # not a province's PV05
    link = re.search(r'href="(/reports/dashboard\?province=86[^"]*)"', html).group(1).replace("&amp;", "&")
    province = client.get(link).get_data(as_text=True)
    assert "Tổng hợp toàn tỉnh: Tỉnh Vĩnh Long" in province and "Tổng hợp toàn quốc" in province
    assert 'data-testid="batch-records"' not in province  # the province's own papers stay with its PV05
    assert client.get("/reports/dashboard?province=844&map=legacy").status_code == 404  # a district
    assert client.get("/reports/dashboard?province=99&map=legacy").status_code == 404
    sheet = load_workbook(io.BytesIO(client.get("/reports/national.xlsx?year=2024").data)).active
    assert sheet["A1"].value == "Tổng hợp toàn quốc" and sheet["A2"].value == "Năm 2024"
    assert [sheet.cell(row, 1).value for row in range(5, sheet.max_row + 1)] == [
        "Tỉnh Trà Vinh", "Tỉnh Vĩnh Long", "Toàn quốc"]
    for path in ("/audit/", "/admin/users", "/admin/calendar"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("role", ["pv05_officer", "inspector", "admin", "district_officer"])
def test_only_the_ministry_reads_the_national_overview(app, country, role):
    assert sign_in(app, country[role]).get("/reports/national").status_code == 403


def test_a_province_administrator_cannot_make_a_ministry_account(country):
    with pytest.raises(ValidationFailed) as refused:
        create_user(country["admin"], username="bo2", full_name="Cán bộ Bộ", password=TEST_PASSWORD,
                    role="ministry_officer", unit_code="VN")
    assert list(refused.value.fields) == ["unit"] and "Việt Nam" in refused.value.fields["unit"]
    db.session.rollback()


def test_the_command_line_makes_a_ministry_account(app, runner):
    result = runner.invoke(args=["create-user", "cucv05", "--role", "ministry_officer", "--unit", "VN",
                                 "--password", TEST_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Created user cucv05 (ministry_officer, Việt Nam)" in result.output


def test_the_ministry_reads_a_dossier_but_changes_nothing(app, country, make_dossier):
    dossier = make_dossier("29269", "xa-ntm-19.2", "commune_submitted", year=2025)
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"username": country["ministry"].username,
                                                "password": TEST_PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/dossiers/{dossier.id}", headers=headers).status_code == 200
    attempts = [
        ("POST", "/api/v1/dossiers", {"criteria_set": "xa-ntm-19.2", "year": 2026}),
        ("POST", f"/api/v1/dossiers/{dossier.id}/transitions/approve_district", {"version": dossier.version}),
        ("POST", f"/api/v1/dossiers/{dossier.id}/comments", {"body": "Bộ đề nghị bổ sung"}),
    ]
    for method, path, body in attempts:
        assert client.open(path, method=method, json=body, headers=headers).status_code in (403, 404), path
    db.session.refresh(dossier)
    assert (dossier.state, dossier.version) == ("commune_submitted", 1)
