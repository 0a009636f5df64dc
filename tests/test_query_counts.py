"""The busiest pages issue a bounded number of queries, whatever the number of criteria or files."""
import re
from datetime import date

import pytest

from workflow_app.extensions import db

from .conftest import TEST_PASSWORD


@pytest.mark.parametrize("set_code, unit, bound", [("xa-ntm-19.2", "29269", 8), ("xa-dien-hinh-antt", "29269", 8),
                                                   ("huyen-ntm-9.4", "844", 12)])
def test_dossier_page_queries_do_not_grow_with_criteria(client, people, make_dossier, count_queries, set_code, unit,
                                                        bound):
    dossier = make_dossier(unit, set_code, "district_reviewed")
    client.post("/login", data={"username": people["pv05_officer"].username, "password": TEST_PASSWORD})
    response, queries = count_queries(lambda: client.get(f"/dossiers/{dossier.id}"))
    assert response.status_code == 200
    # The same for 8 and 34 criteria: the signed-in user with its unit and unread notifications,
    # the dossier with its unit chain (one statement each), its evidence, attestations and
    # verdicts (one statement), history and its actors' names, the unit's origins, the province's
    # days, deadlines and campaigns (one statement), the access log entry (whose commit keeps what
    # the page has read: the dossier is not read twice); a district's reads its communes'
    # recognitions too.
    assert queries <= bound, queries


@pytest.mark.parametrize("set_code, state", [("xa-ntm-19.2", "pv05_verified"), ("xa-dien-hinh-antt", "district_reviewed")])
def test_a_dossier_read_by_the_api_does_not_grow_with_criteria(client, people, make_dossier, count_queries, set_code,
                                                              state):
    dossier = make_dossier("29269", set_code, state)
    token = client.post("/api/v1/tokens", json={"username": people["pv05_officer"].username,
                                                "password": TEST_PASSWORD}).json["token"]
    path = f"/api/v1/dossiers/{dossier.id}"
    response, queries = count_queries(lambda: client.get(path, headers={"Authorization": f"Bearer {token}"}))
    assert response.status_code == 200 and response.json["evidence"] and response.json["criteria"][0]["verdicts"]
    # The token with its user and unit, the dossier with its unit chain, the access log entry, then
    # its attestations, evidence, verdicts and history in one statement: 8 or 34 criteria alike.
    assert queries == 4, count_queries.last


@pytest.mark.parametrize("set_code", ["xa-ntm-19.2", "xa-dien-hinh-antt"])
def test_a_move_by_the_api_does_not_grow_with_criteria(client, people, make_dossier, count_queries, set_code):
    dossier = make_dossier("29269", set_code, "district_reviewed")
    token = client.post("/api/v1/tokens", json={"username": people["pv05_officer"].username,
                                                "password": TEST_PASSWORD}).json["token"]
    dossier_id, headers = dossier.id, {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/dossiers/{dossier_id}/transitions/return_to_district"
    response, queries = count_queries(lambda: client.post(path, json={"comment": "Bổ sung biên bản"}, headers=headers))
    assert response.status_code == 200 and response.json["state"] == "commune_submitted"
    # The token, the dossier with its unit chain, what the guards read (its attestations, evidence
    # and verdicts: one statement), the province's schedule, the move (its UPDATE returns what it
    # wrote) and its trail entry with the province's next revision, the verdicts the move cleared,
    # the notification; the answer shows what the guards read, as the move left it (not read
    # again): 8 or 34 criteria alike ...
    assert queries == 12, count_queries.last
    # ... and the answer is the dossier as it now stands: the district's verdicts gone with the move.
    assert response.json == client.get(f"/api/v1/dossiers/{dossier_id}", headers=headers).json
    assert all(c["verdicts"] == [] for c in response.json["criteria"])


@pytest.mark.parametrize("role, path", [
    ("inspector", "/dossiers/"), ("pv05_officer", "/dossiers/?sort=due"), ("district_officer", "/"),
    ("pv05_officer", "/"), ("inspector", "/audit/"), ("inspector", "/audit/access"),
    ("pv05_officer", "/reports/dashboard?year=2024"), ("district_officer", "/notifications"),
    ("pv05_officer", "/dossiers/bulk?step=verify&year=2024"),
    ("inspector", "/api/v1/dossiers?per_page=100"), ("inspector", "/api/v1/audit?per_page=100"),
])
def test_lists_do_not_query_once_per_row(app, client, people, make_dossier, count_queries, role, path):
    from workflow_app.dossiers import operations as ops
    from workflow_app.transaction import unit_of_work

    headers = {}
    if path.startswith("/api/"):
        token = client.post("/api/v1/tokens", json={"username": people[role].username, "password": TEST_PASSWORD}).json
        headers = {"Authorization": f"Bearer {token['token']}"}
    else:
        client.post("/login", data={"username": people[role].username, "password": TEST_PASSWORD})
    counts = []
    # Three communes of Càng Long, then six more: three of Càng Long, one each of Cầu Kè, Tiểu Cần
    # and the city of Trà Vinh (rows of several districts: their units' parents are not read row by row).
    for codes in (("29269", "29272", "29275"), ("29278", "29281", "29284", "29308", "29341", "29236")):
        for code in codes:
            dossier = make_dossier(code, "xa-ntm-19.2", "commune_submitted")
            if dossier.unit.parent.code == "844":  # a real history: a return and a comment, and notifications
                with unit_of_work():
                    ops.fire_transition(people["district_officer"], dossier, "return_to_commune", comment="Bổ sung")
            waiting = make_dossier(code, "xa-ntm-nc-19.2", "district_reviewed")
            waiting.due_on = date(2025, 1, 6)  # past: each row's due mark reads its province's calendar
            db.session.commit()
        # What a page reads once and keeps (the user's scope: test_scopes.py; the provinces'
        # schedules: test_deadlines.py) is kept from the first request of each round on.
        client.get(path, headers=headers)
        response, queries = count_queries(lambda: client.get(path, headers=headers))
        assert response.status_code == 200
        counts.append(queries)
    assert counts[0] == counts[1], (counts, sorted(set(q[:90] for q in count_queries.last)))  # 3 units or 9: the same


def test_the_national_overview_does_not_query_once_per_province(app, client, make_user, make_dossier, count_queries):
    from workflow_app.units.operations import load_units

    reader = make_user("ministry_officer", "VN")
    client.post("/login", data={"username": reader.username, "password": TEST_PASSWORD})
    make_dossier("29269", "xa-ntm-19.2", "recognized")
    response, one_province = count_queries(lambda: client.get("/reports/national?year=2024"))
    assert response.status_code == 200
    load_units(["86", "87"])
    db.session.commit()
    for code in ("29578", "29581", "29272"):
        make_dossier(code, "xa-ntm-19.2", "recognized")
    response, three = count_queries(lambda: client.get("/reports/national?year=2024"))
    assert response.status_code == 200 and "Tỉnh Đồng Tháp" in response.get_data(as_text=True)
    assert three == one_province, sorted(set(q[:90] for q in count_queries.last))


def without_csrf_tokens(response) -> str:
    """The page, its CSRF tokens blanked: each is signed with the second it was made in."""
    return re.sub(r'(name="csrf_token"[^>]*value|name="csrf-token"[^>]*content)="[^"]*"', r'\1=""',
                  response.get_data(as_text=True))


def test_the_overview_seen_again_reads_only_the_signed_in_user(client, people, make_dossier, count_queries):
    """Kept under the province's revision, which comes with the reader's unit: nothing else is read
    until something in the province changes."""
    make_dossier("29269", "xa-ntm-19.2", "recognized")
    client.post("/login", data={"username": people["pv05_officer"].username, "password": TEST_PASSWORD})
    first, computed = count_queries(lambda: client.get("/reports/dashboard?year=2024"))
    again, kept = count_queries(lambda: client.get("/reports/dashboard?year=2024"))
    assert without_csrf_tokens(again) == without_csrf_tokens(first)
    assert kept == 1 < computed, count_queries.last
    make_dossier("29272", "xa-ntm-19.2", "recognized")
    _changed, after_a_change = count_queries(lambda: client.get("/reports/dashboard?year=2024"))
    assert after_a_change == computed


@pytest.mark.parametrize("role, waiting, sent, units", [
    # Càng Long's officer: a commune's dossier sent up to it, and one it approved, now with PV05.
    ("district_officer", "commune_submitted", "district_reviewed", ("29269", "29272")),
    # Mỹ Cẩm's officer: its dossier returned to it, and one it sent, now with the district.
    ("commune_officer", "returned", "commune_submitted", ("29269", "29269")),
])
def test_a_home_page_reads_both_its_lists_in_one_statement(app, client, people, make_dossier, count_queries,
                                                            role, waiting, sent, units):
    """What waits for the officer and what the officer sent on, each with its count, one statement
    after the signed-in user's (a commune's route, walked up to its province, is kept with its
    scope): the lists' rows come out in their own order, each in its own table."""
    first = make_dossier(units[0], "xa-ntm-19.2", waiting)
    second = make_dossier(units[1], "xa-ntm-nc-19.2", sent)
    client.post("/login", data={"username": people[role].username, "password": TEST_PASSWORD})
    client.get("/")  # what is kept (the scope, the unit's origins) is kept from here on
    response, queries = count_queries(lambda: client.get("/"))
    assert queries == 2, count_queries.last
    assert sum("ORDER BY anon_1.list, anon_1.place" in q for q in count_queries.last) == 1
    page = response.get_data(as_text=True)
    waiting_table, sent_table = page.split('data-testid="waiting"')[1], page.split('data-testid="sent"')[1]
    assert f"/dossiers/{first.id}\"" in waiting_table.split("</table>")[0]
    assert f"/dossiers/{second.id}\"" in sent_table.split("</table>")[0]
    assert f"/dossiers/{second.id}\"" not in waiting_table.split("</table>")[0]
