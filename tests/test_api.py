"""The JSON API: every endpoint and error code, scopes per role, the whole process by API alone."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from criteria.samples import passing_facts
from workflow_app.clock import today_in_vietnam, utcnow
from workflow_app.dossiers import queries
from workflow_app.extensions import db
from workflow_app.models import ApiToken, Dossier

from .conftest import TEST_PASSWORD
from .files import PDF

COMMUNE = "29269"


@pytest.fixture
def token_for(client):
    def get(user, password=TEST_PASSWORD):
        response = client.post("/api/v1/tokens", json={"username": user.username, "password": password})
        assert response.status_code == 201, response.json
        return response.json["token"]

    return get


@pytest.fixture
def api(client, token_for):
    """api(user) -> call(method, path, **kwargs) with the user's bearer token."""

    def as_user(user):
        token = token_for(user)

        def call(method, path, **kwargs):
            headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
            return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

        return call

    return as_user


def error(response, status, code):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.json["error"] == code
    assert response.json["message"]
    return response.json


# --- tokens --------------------------------------------------------------------------------------


def test_token_lifecycle(client, people, token_for):
    token = token_for(people["commune_officer"])
    assert token not in str([t.token_hash for t in db.session.scalars(select(ApiToken))])  # stored hashed
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json == {
        "username": people["commune_officer"].username, "full_name": people["commune_officer"].full_name,
        "role": "commune_officer", "unit_code": COMMUNE}
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
def test_missing_or_bad_token(client, headers):
    error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_expired_token_and_inactive_user(client, people, token_for):
    token = token_for(people["inspector"])
    row = db.session.scalars(select(ApiToken)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "unauthorized")
    token = token_for(people["inspector"])
    people["inspector"].active = False
    db.session.commit()
    error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "unauthorized")


def test_wrong_password_then_throttled(client, people):
    user = people["pv05_officer"]
    for _ in range(5):
        error(client.post("/api/v1/tokens", json={"username": user.username, "password": "sai-roi-nhe"}), 401, "unauthorized")
    response = client.post("/api/v1/tokens", json={"username": user.username, "password": TEST_PASSWORD})
    body = error(response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "1" and "1" in body["message"]


@pytest.mark.parametrize("payload, status, field", [
    ({"username": "x"}, 422, "password"),
    ({"username": "x", "password": "y", "extra": 1}, 422, "extra"),
    ({"username": 5, "password": "y"}, 422, "username"),
])
def test_token_request_validation(client, payload, status, field):
    assert field in error(client.post("/api/v1/tokens", json=payload), status, "validation")["fields"]


def test_non_json_body_is_400(client):
    error(client.post("/api/v1/tokens", data="username=x", content_type="application/x-www-form-urlencoded"), 400,
          "validation")


# --- reference data ----------------------------------------------------------------------------


def test_units_within_scope(people, api):
    districts = api(people["pv05_officer"])("GET", "/units?level=district").json
    assert len(districts) == 9 and {"map": "legacy", "code": "844", "name": "Huyện Càng Long", "type": "huyen",
                                    "level": "district", "parent_code": "84", "valid_from": None, "valid_to": None,
                                    "predecessors": [], "successors": []} in districts
    communes = api(people["district_officer"])("GET", "/units?level=commune&parent=844").json
    assert len(communes) == 14
    assert [u["code"] for u in api(people["commune_officer"])("GET", "/units").json] == [COMMUNE]
    error(api(people["pv05_officer"])("GET", "/units?level=village"), 400, "validation")


def test_criteria_sets(people, api):
    call = api(people["inspector"])
    sets = {s["code"]: s for s in call("GET", "/criteria-sets").json}
    assert sets["xa-dien-hinh-antt"]["criteria_count"] == 34 and len(sets) == 5
    model = call("GET", "/criteria-sets/xa-dien-hinh-antt").json
    assert [g["code"] for g in model["groups"]] == ["K1", "K2", "K3", "K4"]
    assert model["criteria"][9]["code"] == "TC10" and model["criteria"][9]["requirements"][0]["kind"] == "not_up"
    assert any(i["name"] == "movement_class" and i["levels"][-1] == "xuat_sac" for i in model["inputs"])
    error(call("GET", "/criteria-sets/khong-co"), 404, "not_found")


# --- the whole process by API alone ---------------------------------------------------------


def test_whole_process_by_api(people, api):
    xa, huyen, pv05, thanhtra = (api(people[r]) for r in ("commune_officer", "district_officer", "pv05_officer", "inspector"))
    opened = xa("POST", "/dossiers", json={"criteria_set": "xa-ntm-19.2", "year": 2024})
    assert opened.status_code == 201
    dossier = opened.json
    assert (dossier["state"], dossier["version"], dossier["unit_code"]) == ("draft", 1, COMMUNE)
    facts = passing_facts(queries.criteria_set_of(db.session.get(Dossier, dossier["id"])), 2024)
    path = f"/dossiers/{dossier['id']}"
    dossier = xa("PATCH", f"{path}/data", json={"version": dossier["version"], "values": facts.values}).json
    for code in facts.attestations:
        dossier = xa("PUT", f"{path}/criteria/{code}/attestation", json={"met": True, "note": "Đã kiểm tra"}).json
    for document in facts.documents:
        uploaded = xa("POST", f"{path}/evidence", data={
            "file": (io.BytesIO(PDF), f"{document.type}.pdf"), "document_type": document.type,
            "issued_on": document.issued_on.isoformat()}, content_type="multipart/form-data")
        assert uploaded.status_code == 201 and uploaded.json["size"] == len(PDF)
    dossier = xa("GET", path).json
    assert all(c["status"] == "met" for c in dossier["criteria"])
    assert dossier["transitions"] == [{"trigger": "submit", "allowed": True, "blockers": []},
                                      {"trigger": "withdraw", "allowed": True, "blockers": []}]
    dossier = xa("POST", f"{path}/transitions/submit", json={"version": dossier["version"]}).json
    assert dossier["state"] == "commune_submitted"
    for c in dossier["criteria"]:
        huyen("PUT", f"{path}/criteria/{c['code']}/verdict", json={"agree": True})
    dossier = huyen("POST", f"{path}/transitions/approve", json={}).json
    assert dossier["state"] == "district_reviewed"
    for c in dossier["criteria"]:
        pv05("PUT", f"{path}/criteria/{c['code']}/verdict", json={"agree": True, "comment": "Đã xác minh"})
    assert pv05("POST", f"{path}/transitions/verify", json={}).json["state"] == "pv05_verified"
    recognized = pv05("POST", f"{path}/transitions/recognize", json={
        "decision_number": "12/QĐ-CAT", "decision_date": today_in_vietnam().isoformat(), "authority": "Công an tỉnh"})
    assert recognized.status_code == 200 and recognized.json["state"] == "recognized"
    trail = thanhtra("GET", f"/audit?dossier_id={dossier['id']}&action=recognize").json
    assert trail["total"] == 1
    entry = trail["items"][0]
    assert (entry["from_state"], entry["to_state"], entry["actor"]) == ("pv05_verified", "recognized", people["pv05_officer"].username)
    assert len(entry["snapshot"]) == 8 and len(entry["hash"]) == 64 and len(entry["prev_hash"]) == 64
    assert thanhtra("GET", "/audit/verify").json == {"ok": True, "entries": trail["items"][0]["seq"], "first_bad_seq": None}
    evidence = dossier["evidence"][0]
    download = thanhtra("GET", f"{path}/evidence/{evidence['id']}")
    assert download.status_code == 200 and download.data == PDF


def test_each_move_answers_the_dossier_as_it_then_stands(people, api, make_dossier):
    """A move's answer is built from what its guards read, as the move left it (not read again):
    it says what the dossier's own address says right after — the verdicts a return cleared gone,
    the move's entry last in the history, the decision recorded, the moves now open — for a
    commune's dossier through every step and for a district's own (whose criteria count its communes)."""
    huyen, pv05 = api(people["district_officer"]), api(people["pv05_officer"])
    commune = make_dossier(COMMUNE, "xa-ntm-19.2", "district_reviewed")  # the district's verdicts given
    district = make_dossier("844", "huyen-ntm-9.4", "district_reviewed")
    today = today_in_vietnam().isoformat()

    def agree(who, dossier_id, comment=""):
        for c in who("GET", f"/dossiers/{dossier_id}").json["criteria"]:
            assert who("PUT", f"/dossiers/{dossier_id}/criteria/{c['code']}/verdict",
                       json={"agree": True, "comment": comment}).status_code == 200

    steps = [
        (pv05, commune.id, "return_to_district", {"comment": "Huyện thẩm định lại tiêu chí I.5"}, None),
        (huyen, commune.id, "approve", {"comment": "Đã thẩm định lại"}, lambda: agree(huyen, commune.id)),
        (pv05, commune.id, "verify", {}, lambda: agree(pv05, commune.id, "Đã xác minh")),
        (pv05, commune.id, "recognize", {"decision_number": "15/QĐ-CAT", "decision_date": today,
                                         "authority": "Công an tỉnh Trà Vinh"}, None),
        (pv05, commune.id, "revoke", {"comment": "Phát hiện sai phạm", "decision_number": "20/QĐ-CAT"}, None),
        (pv05, district.id, "return_to_district", {"comment": "Bổ sung báo cáo"}, None),
    ]
    for who, dossier_id, trigger, body, before in steps:
        if before:
            before()
        seen = who("GET", f"/dossiers/{dossier_id}").json
        moved = who("POST", f"/dossiers/{dossier_id}/transitions/{trigger}", json={"version": seen["version"], **body})
        assert moved.status_code == 200, (trigger, moved.json)
        assert moved.json == who("GET", f"/dossiers/{dossier_id}").json, trigger
        last = moved.json["history"][-1]
        assert (last["action"], last["from_state"], last["to_state"]) == (trigger, seen["state"], moved.json["state"])
        assert len(moved.json["history"]) == len(seen["history"]) + 1
    answered = moved.json  # the district's own dossier, returned by PV05
    assert answered["state"] == "returned" and answered["history"][-1]["comment"] == "Bổ sung báo cáo"


# --- errors ----------------------------------------------------------------------------------


def test_data_errors_name_the_fields(people, api, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    xa = api(people["commune_officer"])
    body = error(xa("PATCH", f"/dossiers/{dossier.id}/data", json={"values": {"nope": 1, "cadres_disciplined": -1}}),
                 422, "validation")
    assert sorted(body["fields"]) == ["cadres_disciplined", "nope"]
    body = error(xa("PATCH", f"/dossiers/{dossier.id}/data", json={"values": "abc"}), 422, "validation")
    assert "values" in body["fields"]
    error(xa("PATCH", f"/dossiers/{dossier.id}/data", json={"version": 99, "values": {}}), 409, "conflict")


def test_guard_failed_lists_blockers(people, api, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft", values={"social_order_crimes_prev": 40, "social_order_crimes": 39})
    body = error(api(people["commune_officer"])("POST", f"/dossiers/{dossier.id}/transitions/submit", json={}),
                 409, "guard_failed")
    assert body["blockers"] == [{"criterion": "I.5", "reason": "Số vụ phạm tội về trật tự xã hội: 40 → 39 (giảm 2,5%), "
                                 "yêu cầu giảm ít nhất 5%: không quá 38"}]


def test_reasons_in_english_on_request(people, api, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft", values={"social_order_crimes_prev": 40, "social_order_crimes": 39})
    body = api(people["commune_officer"])("POST", f"/dossiers/{dossier.id}/transitions/submit", json={},
                                          headers={"Accept-Language": "en"}).json
    assert body["blockers"][0]["reason"].startswith("Crimes against social order: 40 → 39 (down 2.5%)")


def test_list_items_are_the_dossiers_as_read_one_by_one(people, api, make_dossier):
    """The list reads the page's verdicts in one statement: each item still says what the
    dossier's own address says (its verdicts, in order, and the moves they allow or block)."""
    verified = make_dossier(COMMUNE, "xa-ntm-19.2", "pv05_verified")  # agreed at both levels
    reviewed = make_dossier(COMMUNE, "xa-dien-hinh-antt", "district_reviewed")
    disputed = reviewed.verdicts[-1]
    disputed.agree, disputed.comment = False, "Chưa có biên bản kiểm tra"
    db.session.commit()
    pv05 = api(people["pv05_officer"])
    items = {item["id"]: item for item in pv05("GET", "/dossiers").json["items"]}
    assert set(items) == {verified.id, reviewed.id}
    for dossier in (verified, reviewed):
        assert items[dossier.id] == pv05("GET", f"/dossiers/{dossier.id}").json
    shown = {c["code"]: c["verdicts"] for c in items[reviewed.id]["criteria"]}
    assert shown[disputed.criterion] == [{"level": "district", "agree": False, "comment": "Chưa có biên bản kiểm tra"}]
    # the district's verdict first, then PV05's: in the order they were given
    assert {tuple(v["level"] for v in c["verdicts"]) for c in items[verified.id]["criteria"]} == {("district", "pv05")}


def test_children_read_together_are_each_dossiers_own(people, make_dossier, count_queries):
    """What the API shows of a page of dossiers (attestations, evidence not removed, verdicts, the
    trail's entries) is read in one statement: for each dossier, the same rows in the same order as
    its own collections and its entries in the trail."""
    from workflow_app.dossiers import operations as ops
    from workflow_app.models import AuditEntry
    from workflow_app.transaction import unit_of_work

    verified = make_dossier(COMMUNE, "xa-ntm-19.2", "pv05_verified")  # verdicts of both levels
    returned = make_dossier(COMMUNE, "xa-dien-hinh-antt", "district_reviewed")
    with unit_of_work():
        ops.fire_transition(people["pv05_officer"], returned, "return_to_district", comment="Thiếu biên bản\tkiểm tra")
    removed = returned.evidence[0]
    removed.removed_at = utcnow()
    db.session.commit()
    ids = [verified.id, returned.id, 2**31 - 1]
    read, statements = count_queries(lambda: queries.children_of(ids))
    assert statements == 1
    assert read[ids[2]] == ([], [], [], [])
    for dossier in (verified, returned):
        db.session.refresh(dossier)
        own = read[dossier.id]
        assert own.attestations == [(a.criterion, a.met, a.note) for a in dossier.attestations]
        assert own.evidence == [(e.id, e.filename, e.size, e.sha256, e.document_type, e.issued_on, e.criterion)
                                for e in dossier.evidence]
        assert own.verdicts == [(v.criterion, v.level, v.agree, v.comment) for v in dossier.verdicts]
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.dossier_id == dossier.id)
                                     .order_by(AuditEntry.seq)).all()
        assert own.history == [(e.seq, e.at, e.actor, e.action, e.from_state, e.to_state, e.comment) for e in entries]
    assert read[verified.id].verdicts and read[verified.id].evidence and read[verified.id].attestations
    assert read[returned.id].history[-1].comment == "Thiếu biên bản\tkiểm tra"
    assert removed.id not in [e.id for e in read[returned.id].evidence]


def test_roles_and_scopes(people, api, make_dossier, make_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    path = f"/dossiers/{dossier.id}"
    error(api(people["district_officer"])("PATCH", f"{path}/data", json={"values": {}}), 403, "forbidden")
    error(api(people["inspector"])("POST", f"{path}/transitions/approve", json={}), 403, "forbidden")
    error(api(people["commune_officer"])("GET", "/audit"), 403, "forbidden")
    error(api(people["district_officer"])("POST", f"{path}/transitions/dance", json={}), 404, "not_found")
    stranger = make_user("commune_officer", "29464")
    error(api(stranger)("GET", path), 404, "not_found")
    assert api(stranger)("GET", "/dossiers").json["total"] == 0
    assert api(people["inspector"])("GET", "/dossiers?state=commune_submitted").json["total"] == 1
    error(api(people["inspector"])("GET", "/dossiers?year=twenty"), 400, "validation")
    error(api(people["inspector"])("GET", "/dossiers/99999999999"), 404, "not_found")
    error(api(people["pv05_officer"])("POST", "/dossiers", json={"criteria_set": "xa-ntm-19.2", "year": 2024}), 403,
          "forbidden")


def test_conflict_when_already_open(people, api):
    xa = api(people["commune_officer"])
    assert xa("POST", "/dossiers", json={"criteria_set": "xa-ntm-19.2", "year": 2024}).status_code == 201
    error(xa("POST", "/dossiers", json={"criteria_set": "xa-ntm-19.2", "year": 2024}), 409, "conflict")


def test_evidence_errors(people, api, make_dossier, app):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    xa = api(people["commune_officer"])
    path = f"/dossiers/{dossier.id}/evidence"
    body = error(xa("POST", path, data={"file": (io.BytesIO(b"MZ\x90"), "a.pdf"), "document_type": "khac"},
                    content_type="multipart/form-data"), 422, "validation")
    assert "file" in body["fields"]
    app.config["MAX_UPLOAD_BYTES"] = 10
    error(xa("POST", path, data={"file": (io.BytesIO(PDF), "a.pdf"), "document_type": "khac"},
             content_type="multipart/form-data"), 413, "too_large")
    app.config["MAX_CONTENT_LENGTH"] = 100
    error(xa("POST", path, data={"file": (io.BytesIO(PDF * 10), "a.pdf"), "document_type": "khac"},
             content_type="multipart/form-data"), 413, "too_large")
    error(xa("DELETE", f"{path}/12345"), 404, "not_found")


def test_an_evidence_files_date_and_type_are_corrected(people, api, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    row = dossier.evidence[0]
    xa = api(people["commune_officer"])
    path = f"/dossiers/{dossier.id}/evidence/{row.id}"
    error(xa("PATCH", path, json={"issued_on": "2024-02-30"}), 422, "validation")
    error(xa("PATCH", path, json={"document_type": "khong_co"}), 422, "validation")
    assert error(xa("PATCH", path, json={"colour": "red"}), 422, "validation")["fields"] == {"colour": "Không có trường này."}
    assert error(xa("PATCH", path, json={"issued_on": 5}), 422, "validation")["fields"] == {
        "issued_on": "Phải là chuỗi ký tự hoặc null."}
    error(xa("PATCH", path, json={"issued_on": "2024-02-11", "version": dossier.version + 5}), 409, "conflict")
    body = xa("PATCH", path, json={"issued_on": "2024-02-11", "version": dossier.version}).json
    assert (body["id"], body["issued_on"], body["document_type"]) == (row.id, "2024-02-11", row.document_type)
    assert xa("PATCH", path, json={"issued_on": None}).json["issued_on"] is None
    error(api(people["district_officer"])("PATCH", path, json={"issued_on": "2024-02-11"}), 403, "forbidden")


def test_records_and_the_data_sheet_through_the_api(people, api, make_dossier):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    xa = api(people["commune_officer"])
    error(xa("GET", f"/dossiers/{dossier.id}/records/tu-danh-gia"), 404, "not_found")  # not sent yet
    sheet = xa("GET", f"/dossiers/{dossier.id}/sheet")
    book = load_workbook(io.BytesIO(sheet.data))
    rows = {book["So lieu"].cell(r, 1).value: r for r in range(6, book["So lieu"].max_row + 1)}
    book["So lieu"].cell(rows["social_order_crimes"], 5).value = "ba mươi"
    buffer = io.BytesIO()
    book.save(buffer)
    refused = error(xa("PUT", f"/dossiers/{dossier.id}/sheet", data={"file": (io.BytesIO(buffer.getvalue()), "s.xlsx")},
                       content_type="multipart/form-data"), 422, "validation")
    assert list(refused["fields"]) == [f"E{rows['social_order_crimes']}"]
    book["So lieu"].cell(rows["social_order_crimes"], 5).value = 0
    buffer = io.BytesIO()
    book.save(buffer)
    saved = xa("PUT", f"/dossiers/{dossier.id}/sheet", data={"file": (io.BytesIO(buffer.getvalue()), "s.xlsx")},
               content_type="multipart/form-data")
    assert saved.status_code == 200 and saved.json["values"]["social_order_crimes"] == 0
    assert xa("POST", f"/dossiers/{dossier.id}/transitions/submit", json={}).status_code == 200
    record = xa("GET", f"/dossiers/{dossier.id}/records/tu-danh-gia")
    assert record.mimetype == "application/pdf"
    assert "BÁO CÁO" in PdfReader(io.BytesIO(record.data)).pages[0].extract_text()
    error(xa("GET", f"/dossiers/{dossier.id}/records/tu-danh-gia?format=odt"), 400, "validation")


def test_unknown_route_and_method_answer_json(client):
    error(client.get("/api/v1/khong-co"), 404, "not_found")
    error(client.put("/api/v1/tokens"), 405, "method_not_allowed")


def test_openapi_document_describes_every_endpoint(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    operations = {(path, method) for path, item in document["paths"].items() for method in item}
    assert ("/api/v1/dossiers/{dossier_id}/transitions/{trigger}", "post") in operations
    assert ("/api/v1/audit/verify", "get") in operations
    assert len(operations) == 24
    for (path, method) in operations:
        responses = document["paths"][path][method]["responses"]
        assert any(code.startswith("2") for code in responses), (path, method)
        if path != "/api/v1/tokens":
            assert "401" in responses, (path, method)


@pytest.mark.parametrize("payload", [{"criteria_set": "xa-ntm-19.2", "year": 2024, "unit_code": "\x00"},
                                     {"criteria_set": "xa\x00", "year": 2024}])
def test_nul_characters_are_refused_before_the_database(people, api, payload):
    body = error(api(people["commune_officer"])("POST", "/dossiers", json=payload), 400, "validation")
    assert body["fields"]


def test_nul_characters_in_a_web_form(people, client):
    client.post("/login", data={"username": people["commune_officer"].username, "password": TEST_PASSWORD})
    assert client.get("/dossiers/?q=a%00b").status_code == 400


@pytest.mark.parametrize("raw", ["²", "--5", "٣"])
def test_odd_counts_are_refused_by_the_api(api, people, make_dossier, raw):
    dossier = make_dossier("29269", "xa-ntm-19.2", "draft")
    body = error(api(people["commune_officer"])("PATCH", f"/dossiers/{dossier.id}/data",
                                                 json={"values": {"cadres_disciplined": raw}}), 422, "validation")
    assert "cadres_disciplined" in body["fields"]


def test_deeply_nested_json_is_a_bad_request(api, people, make_dossier):
    dossier = make_dossier("29269", "xa-ntm-19.2", "draft")
    deep = '{"values": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api(people["commune_officer"])("PATCH", f"/dossiers/{dossier.id}/data", data=deep,
                                               content_type="application/json")
    error(response, 400, "validation")


def test_ids_beyond_the_database_are_not_found_by_the_api(api, people):
    error(api(people["pv05_officer"])("GET", "/dossiers/99999999999999999999"), 404, "not_found")


def test_criteria_texts_are_plain_with_a_rich_form(api, people):
    body = api(people["inspector"])("GET", "/criteria-sets/xa-dien-hinh-antt").json
    tc02 = next(c for c in body["criteria"] if c["code"] == "TC02")
    assert "<i>" not in tc02["text"] and "(cao điểm tấn công trấn áp tội phạm; phòng cháy, chữa cháy;" in tc02["text"]
    assert "(<em>cao điểm tấn công trấn áp tội phạm; phòng cháy, chữa cháy;" in tc02["text_html"]
