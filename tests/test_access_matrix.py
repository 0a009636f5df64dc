"""Who may reach what: every route of the application (web and API) × every role × a target inside
the role's scope and the nearest target outside it, generated from the URL map.

A route without an entry in MATRIX fails the test, so a new route cannot ship unlisted. Refused
requests change nothing; each route's allowed requests run last, on the same database.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from workflow_app.dossiers import operations as ops
from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Dossier
from workflow_app.transaction import unit_of_work
from workflow_app.units.operations import load_units

from .conftest import TEST_PASSWORD
from .files import PDF

ROLES = ("commune_officer", "district_officer", "pv05_officer", "inspector", "admin")
HOME = "29269"  # Xã Mỹ Cẩm, Huyện Càng Long, Trà Vinh: inside every role's scope
OUTSIDE = {  # the nearest dossier each role may not see
    "commune_officer": "29272",  # Xã An Trường A, same district
    "district_officer": "29311",  # Xã Hòa Ân, Huyện Cầu Kè, same province
    "pv05_officer": "29578", "inspector": "29578", "admin": "29578",  # Xã Đồng Phú, Vĩnh Long
}
USER_UNITS = {"commune_officer": HOME, "district_officer": "844", "pv05_officer": "84", "inspector": "84", "admin": "84"}


@dataclass(frozen=True)
class Case:
    """Expected status per role (C D P I A) inside its scope, outside it, and for nobody signed in.

    `state` is the state of the dossiers the route is tried on; `request(ctx, target)` builds
    (method, url, keyword arguments) for the target dossier ("own" or "other").
    """

    own: str
    anonymous: int
    other: str = ""
    state: str = "commune_submitted"
    request: object = None


def web(method, url, **kw):
    return lambda ctx, target: (method, url.format(**ctx.ids(target)), kw)


def api(method, url, **kw):
    return lambda ctx, target: (method, "/api/v1" + url.format(**ctx.ids(target)), kw)


def upload(prefix: str):
    """A new file each time (a stream is read once)."""
    def build(ctx, target):
        return ("POST", prefix + "/dossiers/{dossier}/evidence".format(**ctx.ids(target)),
                {"data": {"file": (io.BytesIO(PDF), "qd.pdf"), "document_type": "ke_hoach_nam_tinh_hinh",
                          "issued_on": "2024-02-10"}, "content_type": "multipart/form-data"})
    return build


OPEN_BODY = {"criteria_set": "xa-ntm-19.2", "year": 2025}
USER_FORM = {"full_name": "Cán bộ đổi tên", "role": "commune_officer", "unit": HOME, "active": "y"}
NEW_USER_FORM = {"username": "canbomoi", "full_name": "Cán bộ mới", "password": "chuyen-an-ninh-xom-7",
                 "role": "inspector", "unit": "84", "active": "y"}
TOKEN = {"json": {"username": "{username}", "password": TEST_PASSWORD}}

MATRIX: dict[tuple[str, str], Case] = {
    # --- pages for everyone signed in
    ("main.index", "GET"): Case("200 200 200 200 200", 302, request=web("GET", "/")),
    ("main.set_language", "GET"): Case("302 302 302 302 302", 302, request=web("GET", "/lang/en?next=/")),
    ("auth.login", "GET"): Case("302 302 302 302 302", 200, request=web("GET", "/login")),
    ("auth.login", "POST"): Case("302 302 302 302 302", 400,
                                 request=web("POST", "/login", data={"username": "x", "password": "sai-mat-khau"})),
    ("auth.change_password", "GET"): Case("200 200 200 200 200", 302, request=web("GET", "/account/password")),
    ("auth.change_password", "POST"): Case("400 400 400 400 400", 302, request=web(
        "POST", "/account/password", data={"current_password": "sai", "new_password": "x", "repeat_password": "y"})),
    ("auth.logout", "POST"): Case("302 302 302 302 302", 302, request=web("POST", "/logout")),
    ("main.notifications_page", "GET"): Case("200 200 200 200 200", 302, request=web("GET", "/notifications")),
    ("main.read_all_notifications", "POST"): Case("302 302 302 302 302", 302,
                                                  request=web("POST", "/notifications/read-all")),
    ("main.open_notification", "POST"): Case("404 404 404 404 404", 302, request=web("POST", "/notifications/999")),
    ("auth.account", "GET"): Case("200 200 200 200 200", 302, request=web("GET", "/account")),
    ("auth.account", "POST"): Case("400 400 400 400 400", 302, request=web("POST", "/account", data={"email": "khong-hop-le"})),
    ("dossiers.index", "GET"): Case("200 200 200 200 200", 302, request=web("GET", "/dossiers/")),
    # --- dossiers, inside and outside the scope
    ("dossiers.detail", "GET"): Case("200 200 200 200 200", 302, "404 404 404 404 404",
                                     request=web("GET", "/dossiers/{dossier}")),
    ("dossiers.download_evidence", "GET"): Case("200 200 200 200 200", 302, "404 404 404 404 404",
                                                request=web("GET", "/dossiers/{dossier}/evidence/{evidence}")),
    ("dossiers.add_comment", "POST"): Case("302 302 302 403 403", 302, "404 404 404 404 404",
                                           request=web("POST", "/dossiers/{dossier}/comments", data={"text": "Ý kiến"})),
    ("dossiers.save_sheet", "POST"): Case("302 403 403 403 403", 302, "404 404 404 404 404", state="draft",
                                          request=web("POST", "/dossiers/{dossier}/sheet",
                                                      data={"version": "{version}", "cadres_disciplined": "1"})),
    ("dossiers.upload_evidence", "POST"): Case("302 403 403 403 403", 302, "404 404 404 404 404", state="draft",
                                               request=upload("")),
    ("dossiers.remove_evidence", "POST"): Case("302 403 403 403 403", 302, "404 404 404 404 404", state="draft",
                                               request=web("POST", "/dossiers/{dossier}/evidence/{evidence}/remove",
                                                           data={"version": "{version}"})),
    ("dossiers.edit_evidence", "POST"): Case("302 403 403 403 403", 302, "404 404 404 404 404", state="draft",
                                             request=web("POST", "/dossiers/{dossier}/evidence/{evidence}/edit",
                                                         data={"version": "{version}", "document_type": "ke_hoach_nam_tinh_hinh",
                                                               "issued_on": "11/02/2024"})),
    ("dossiers.upload_sheet", "POST"): Case("422 403 403 403 403", 302, "404 404 404 404 404", state="draft",
                                            request=lambda ctx, target: (
                                                "POST", "/dossiers/{dossier}/sheet.xlsx".format(**ctx.ids(target)),
                                                {"data": {"file": (io.BytesIO(b"not excel"), "so-lieu.xlsx")},
                                                 "content_type": "multipart/form-data"})),
    ("dossiers.save_verdicts", "POST"): Case("403 302 403 403 403", 302, "404 404 404 404 404",
                                             request=web("POST", "/dossiers/{dossier}/verdicts",
                                                         data={"version": "{version}", "verdict__I.1": "agree"})),
    ("dossiers.fire", "POST"): Case("403 302 403 403 403", 302, "404 404 404 404 404",
                                    request=web("POST", "/dossiers/{dossier}/transitions/return_to_commune",
                                                data={"version": "{version}", "comment": "Bổ sung kế hoạch"})),
    ("dossiers.export_xlsx", "GET"): Case("200 200 200 200 200", 302, request=web("GET", "/dossiers/export.xlsx")),
    ("dossiers.bulk", "GET"): Case("403 403 200 403 403", 302, request=web("GET", "/dossiers/bulk?step=verify&year=2024")),
    ("dossiers.bulk", "POST"): Case("403 403 200 403 403", 302, request=web(
        "POST", "/dossiers/bulk", data={"step": "verify", "year": "2024", "dossier": "1"})),
    ("dossiers.new", "GET"): Case("200 200 403 403 403", 302, request=web("GET", "/dossiers/new")),
    ("dossiers.new", "POST"): Case("302 400 403 403 403", 302,
                                   request=web("POST", "/dossiers/new", data={"criteria_set": "xa-ntm-19.2", "year": "2025"})),
    ("documents.dossier_record", "GET"): Case("200 200 200 200 200", 302, "404 404 404 404 404",
                                              request=web("GET", "/dossiers/{dossier}/records/tu-danh-gia.docx")),
    ("documents.data_sheet", "GET"): Case("200 200 200 200 200", 302, "404 404 404 404 404",
                                          request=web("GET", "/dossiers/{dossier}/sheet.xlsx")),
    ("documents.check", "GET"): Case("200 200 200 200 200", 302, "404 404 404 404 404",
                                     request=web("GET", "/records/check?k=tu-danh-gia&d={dossier}&s={anchor}&f=0")),
    # --- the province's readers
    ("audit.index", "GET"): Case("403 403 200 200 200", 302, request=web("GET", "/audit/")),
    ("audit.export_csv", "GET"): Case("403 403 200 200 200", 302, request=web("GET", "/audit/export.csv")),
    ("audit.export_xlsx", "GET"): Case("403 403 200 200 200", 302, request=web("GET", "/audit/export.xlsx")),
    ("audit.access_log", "GET"): Case("403 403 200 200 200", 302, request=web("GET", "/audit/access")),
    ("audit.access_log_xlsx", "GET"): Case("403 403 200 200 200", 302, request=web("GET", "/audit/access.xlsx")),
    ("audit.verify", "GET"): Case("403 403 200 200 200", 302, request=web("GET", "/audit/verify")),
    ("reports.dashboard", "GET"): Case("403 403 200 200 200", 302, request=web("GET", "/reports/dashboard?year=2024")),
    ("documents.batch_record", "GET"): Case("403 403 404 404 404", 302,
                                            request=web("GET", "/reports/verified.pdf?set=xa-ntm-19.2&year=2024")),
    ("reports.communes_xlsx", "GET"): Case("403 403 200 200 200", 302,
                                           request=web("GET", "/reports/communes.xlsx?year=2024")),
    ("reports.dashboard_xlsx", "GET"): Case("403 403 200 200 200", 302,
                                            request=web("GET", "/reports/dashboard.xlsx?year=2024")),
    # --- the national overview: the ministry's alone (its reader is tried in test_national.py)
    ("reports.national", "GET"): Case("403 403 403 403 403", 302, request=web("GET", "/reports/national")),
    ("reports.national_xlsx", "GET"): Case("403 403 403 403 403", 302, request=web("GET", "/reports/national.xlsx")),
    # --- administration: users inside the admin's province, and outside it
    ("admin.users", "GET"): Case("403 403 403 403 200", 302, request=web("GET", "/admin/users")),
    ("admin.new_user", "GET"): Case("403 403 403 403 200", 302, request=web("GET", "/admin/users/new")),
    ("admin.new_user", "POST"): Case("403 403 403 403 302", 302, request=web("POST", "/admin/users/new", data=NEW_USER_FORM)),
    ("admin.edit_user", "GET"): Case("403 403 403 403 200", 302, "403 403 403 403 404",
                                     request=web("GET", "/admin/users/{user}")),
    ("admin.edit_user", "POST"): Case("403 403 403 403 302", 302, "403 403 403 403 404",
                                      request=web("POST", "/admin/users/{user}", data=USER_FORM)),
    ("admin.calendar", "GET"): Case("403 403 403 403 200", 302, request=web("GET", "/admin/calendar?year=2025")),
    ("admin.calendar", "POST"): Case("403 403 403 403 302", 302, request=web(
        "POST", "/admin/calendar", data={"year": "2025", "action": "campaign", "c-opens_on": "02/01/2025",
                                         "c-submit_by": "30/06/2025"})),
    # --- the JSON API
    ("api.openapi_document", "GET"): Case("200 200 200 200 200", 200, request=api("GET", "/openapi.json")),
    ("api.create_token", "POST"): Case("201 201 201 201 201", 401, request=api("POST", "/tokens", **TOKEN)),
    ("api.revoke_token", "DELETE"): Case("204 204 204 204 204", 401, request=api("DELETE", "/tokens/current")),
    ("api.me", "GET"): Case("200 200 200 200 200", 401, request=api("GET", "/me")),
    ("api.list_units", "GET"): Case("200 200 200 200 200", 401, request=api("GET", "/units")),
    ("api.get_unit_entry", "GET"): Case("200 200 200 200 200", 401, request=api("GET", "/units/legacy/844")),
    ("api.list_criteria_sets", "GET"): Case("200 200 200 200 200", 401, request=api("GET", "/criteria-sets")),
    ("api.get_criteria_set", "GET"): Case("200 200 200 200 200", 401, request=api("GET", "/criteria-sets/xa-ntm-19.2")),
    ("api.list_dossiers", "GET"): Case("200 200 200 200 200", 401, request=api("GET", "/dossiers")),
    ("api.open_dossier", "POST"): Case("201 422 403 403 403", 401, request=api("POST", "/dossiers", json=OPEN_BODY)),
    ("api.get_dossier", "GET"): Case("200 200 200 200 200", 401, "404 404 404 404 404",
                                     request=api("GET", "/dossiers/{dossier}")),
    ("api.get_evidence", "GET"): Case("200 200 200 200 200", 401, "404 404 404 404 404",
                                      request=api("GET", "/dossiers/{dossier}/evidence/{evidence}")),
    ("api.patch_data", "PATCH"): Case("200 403 403 403 403", 401, "404 404 404 404 404", state="draft",
                                      request=api("PATCH", "/dossiers/{dossier}/data",
                                                  json={"values": {"cadres_disciplined": 1}})),
    ("api.put_attestation", "PUT"): Case("200 403 403 403 403", 401, "404 404 404 404 404", state="draft",
                                         request=api("PUT", "/dossiers/{dossier}/criteria/I.2/attestation",
                                                     json={"met": True, "note": "Đã rà soát"})),
    ("api.post_evidence", "POST"): Case("201 403 403 403 403", 401, "404 404 404 404 404", state="draft",
                                        request=upload("/api/v1")),
    ("api.patch_evidence", "PATCH"): Case("200 403 403 403 403", 401, "404 404 404 404 404", state="draft",
                                          request=api("PATCH", "/dossiers/{dossier}/evidence/{evidence}",
                                                      json={"issued_on": "2024-02-11"})),
    ("api.get_record", "GET"): Case("200 200 200 200 200", 401, "404 404 404 404 404",
                                    request=api("GET", "/dossiers/{dossier}/records/tu-danh-gia?format=docx")),
    ("api.get_sheet", "GET"): Case("200 200 200 200 200", 401, "404 404 404 404 404",
                                   request=api("GET", "/dossiers/{dossier}/sheet")),
    ("api.put_sheet", "PUT"): Case("422 403 403 403 403", 401, "404 404 404 404 404", state="draft",
                                   request=lambda ctx, target: (
                                       "PUT", "/api/v1/dossiers/{dossier}/sheet".format(**ctx.ids(target)),
                                       {"data": {"file": (io.BytesIO(b"not excel"), "so-lieu.xlsx")},
                                        "content_type": "multipart/form-data"})),
    ("api.delete_evidence", "DELETE"): Case("204 403 403 403 403", 401, "404 404 404 404 404", state="draft",
                                            request=api("DELETE", "/dossiers/{dossier}/evidence/{evidence}")),
    ("api.put_verdict", "PUT"): Case("403 200 403 403 403", 401, "404 404 404 404 404",
                                     request=api("PUT", "/dossiers/{dossier}/criteria/I.1/verdict", json={"agree": True})),
    ("api.post_transition", "POST"): Case("403 200 403 403 403", 401, "404 404 404 404 404",
                                          request=api("POST", "/dossiers/{dossier}/transitions/return_to_commune",
                                                      json={"comment": "Bổ sung kế hoạch"})),
    ("api.get_verified_letter", "GET"): Case("403 403 404 404 404", 401,
                                             request=api("GET", "/reports/verified?set=xa-ntm-19.2&year=2024")),
    ("api.list_audit", "GET"): Case("403 403 200 200 200", 401, request=api("GET", "/audit")),
    ("api.verify_audit", "GET"): Case("403 403 200 200 200", 401, request=api("GET", "/audit/verify")),
}


def routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_an_entry(app):
    missing = routes(app) - set(MATRIX)
    assert not missing, f"routes with no entry in the access matrix: {sorted(missing)}"
    assert not set(MATRIX) - routes(app), "entries for routes that no longer exist"


class Context:
    """The people, and a dossier with a real evidence file inside and outside each role's scope."""

    def __init__(self, make_user, make_dossier, state):
        load_units(["86"])
        db.session.commit()
        self.people = {role: make_user(role, unit) for role, unit in USER_UNITS.items()}
        self.stranger = make_user("inspector", "86", username="thanhtra-vinhlong")
        self.dossier, self.evidence = {}, {}
        for key, code in [("own", HOME)] + [(c, c) for c in sorted(set(OUTSIDE.values()))]:
            dossier = make_dossier(code, "xa-ntm-19.2", "draft")
            owner = self.people["commune_officer"] if key == "own" else make_user("commune_officer", code)
            with unit_of_work():
                self.evidence[key] = ops.add_evidence(owner, dossier, io.BytesIO(PDF), "qd.pdf",
                                                      document_type="ke_hoach_nam_tinh_hinh", issued_on="2024-02-10")
            if state == "commune_submitted":  # sent through the workflow: its self-assessment record exists
                with unit_of_work():
                    ops.fire_transition(owner, dossier, "submit", version=dossier.version)
            else:
                db.session.execute(Dossier.__table__.update().where(Dossier.id == dossier.id).values(state=state))
                db.session.commit()
            self.dossier[key] = dossier
        self.role = None

    def ids(self, target):
        key = "own" if target == "own" else OUTSIDE[self.role]
        dossier = self.dossier[key]
        db.session.refresh(dossier)
        user = self.people["commune_officer"] if target == "own" else self.stranger
        anchor = db.session.scalar(select(func.max(AuditEntry.seq)).where(AuditEntry.dossier_id == dossier.id,
                                                                          AuditEntry.action == "submit"))
        return {"dossier": dossier.id, "evidence": self.evidence[key].id, "version": dossier.version, "user": user.id,
                "anchor": anchor or 0,
                "username": self.people[self.role].username if self.role else "nobody"}


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _send(app, ctx, case, role, target, tokens):
    ctx.role = role
    method, url, kw = case.request(ctx, target)
    ids = ctx.ids(target) if role else {"username": "nobody", "version": 1}
    kw = {k: (_fill(v, ids) if k in ("data", "json") else v) for k, v in kw.items()}
    client = app.test_client()
    headers = {}
    if role and url.startswith("/api/"):
        headers["Authorization"] = f"Bearer {tokens[role]}"
    elif role:
        client.post("/login", data={"username": ctx.people[role].username, "password": TEST_PASSWORD})
    return client.open(url, method=method, headers=headers, **kw).status_code


def _expected(codes: str) -> dict[str, int]:
    return dict(zip(ROLES, map(int, codes.split())))


def _changes():
    return (db.session.scalar(select(func.count()).select_from(AuditEntry)),
            db.session.scalar(select(func.sum(Dossier.version))))


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[1]} {r[0]}")
def test_access(app, make_user, make_dossier, route):
    case = MATRIX[route]
    ctx = Context(make_user, make_dossier, case.state)
    tokens = {role: app.test_client().post("/api/v1/tokens", json={"username": u.username, "password": TEST_PASSWORD})
              .json["token"] for role, u in ctx.people.items()}
    own, other = _expected(case.own), _expected(case.other) if case.other else {}
    attempts = [(None, "own", case.anonymous)]
    attempts += [(role, "other", status) for role, status in other.items()]
    attempts += [(role, "own", status) for role, status in own.items() if status >= 400]
    attempts += [(role, "own", status) for role, status in own.items() if status < 400]  # the changes last
    got = {}
    for role, target, status in attempts:
        before = _changes()
        got[(role, target)] = _send(app, ctx, case, role, target, tokens)
        if status >= 400 or role is None:
            assert _changes() == before, f"{role} {target}: a refused request changed something"
    expected = {(role, target): status for role, target, status in attempts}
    assert got == expected
