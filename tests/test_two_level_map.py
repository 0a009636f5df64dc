"""After the 2025 reform: both maps with their lineage, the route without district police, and the
migration of a merged province (Trà Vinh, 84, into the new Vĩnh Long, 86)."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

import states
from workflow_app.audit import trail
from workflow_app.clock import today_in_vietnam
from workflow_app.documents import records
from workflow_app.dossiers import operations as ops
from workflow_app.dossiers import queries
from workflow_app.errors import ValidationFailed
from workflow_app.extensions import db
from workflow_app.models import AuditEntry, Dossier, Unit, UnitLineage, User, Verdict
from workflow_app.transaction import unit_of_work
from workflow_app.units.migration import apply_migration, plan_migration
from workflow_app.units.operations import get_unit, units_within
from workflow_app.units.reform import load_map_2025

from .conftest import TEST_PASSWORD, build_dossier

# Xã Mỹ Cẩm, Thị trấn Càng Long and Xã Nhị Long Phú (Huyện Càng Long, Trà Vinh) became Xã Càng Long.
MY_CAM, CANG_LONG_TOWN, NHI_LONG_PHU, NEW_CANG_LONG = "29269", "29266", "29299", "29266"  # the town's code goes on
# Xã Mỹ An (Huyện Mang Thít, old Vĩnh Long) was split between Xã Thạnh Phú and Xã Nhơn Phú.
MY_AN, THANH_PHU, NHON_PHU = "29623", "29182", "29623"


@pytest.fixture
def reformed(app):
    """Trà Vinh's old units (the app fixture's), and the new Vĩnh Long formed from it, Bến Tre and Vĩnh Long."""
    result = load_map_2025("86")
    db.session.commit()
    return result


def legacy(code: str) -> Unit:
    return get_unit(code, "legacy")


def new(code: str) -> Unit:
    return get_unit(code, "2025")


def test_every_tra_vinh_commune_has_its_successor_in_the_new_vinh_long(reformed):
    tra_vinh = legacy("84")
    old_communes = [u for u in units_within(tra_vinh) if u.map == "legacy" and u.level == "commune"]
    assert len(old_communes) == 104 and all(u.valid_to == date(2025, 6, 30) for u in old_communes)
    vinh_long = new("86")
    assert vinh_long.name == "Tỉnh Vĩnh Long" and vinh_long.valid_from == date(2025, 7, 1) and vinh_long.is_current
    assert {u.code for u in tra_vinh.successors} == {"86"} and tra_vinh.successors[0].map == "2025"
    for commune in old_communes:
        assert commune.successors, commune
        assert all(s.map == "2025" and s.parent_id == vinh_long.id for s in commune.successors), commune
    assert reformed.missing == () and reformed.old_provinces == ("83", "84", "86")
    new_communes = db.session.scalar(select(func.count()).select_from(Unit).where(Unit.parent_id == vinh_long.id))
    assert new_communes == 124
    formed = db.session.scalars(select(Unit.code).join(UnitLineage, UnitLineage.predecessor_id == Unit.id)
                                .where(UnitLineage.successor_id == new(NEW_CANG_LONG).id)).all()
    assert sorted(formed) == sorted([MY_CAM, CANG_LONG_TOWN, NHI_LONG_PHU])
    split = db.session.execute(select(Unit.code, UnitLineage.whole).join(UnitLineage, UnitLineage.successor_id == Unit.id)
                               .where(UnitLineage.predecessor_id == legacy(MY_AN).id)).all()
    assert sorted(split) == sorted([(THANH_PHU, False), (NHON_PHU, False)])
    again = load_map_2025("86")
    assert (again.inserted, again.updated, again.lineage_added, again.ended) == (0, 0, 0, 0)


def test_the_units_api_serves_both_maps_with_predecessors_and_successors(reformed, make_user, client):
    officer = make_user("commune_officer", NEW_CANG_LONG)
    token = client.post("/api/v1/tokens", json={"username": officer.username, "password": TEST_PASSWORD}).json["token"]

    def get(path):
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})

    communes = get("/units?map=2025&level=commune&parent=86").json
    assert len(communes) == 124 and {c["map"] for c in communes} == {"2025"}
    cang_long = next(c for c in communes if c["code"] == NEW_CANG_LONG)
    assert cang_long["name"] == "Xã Càng Long" and cang_long["valid_from"] == "2025-07-01"
    assert {p["name"] for p in cang_long["predecessors"]} == {"Xã Mỹ Cẩm", "Thị trấn Càng Long", "Xã Nhị Long Phú"}
    old = get(f"/units/legacy/{MY_AN}").json
    assert old["valid_to"] == "2025-06-30" and [(s["code"], s["whole"]) for s in old["successors"]] == [
        (THANH_PHU, False), (NHON_PHU, False)]
    assert [p["code"] for p in get("/units?map=legacy&level=province").json] == ["83", "84", "86"]
    assert get("/units/2025/99999").status_code == 404 and get("/units/1999/84").status_code == 404
    assert get("/units?map=1999").status_code == 400
    # Without a map: the caller's scope, which now reaches the old communes it was formed from.
    assert {u["code"] for u in get("/units").json} == {NEW_CANG_LONG, MY_CAM, CANG_LONG_TOWN, NHI_LONG_PHU}


def walk_direct(people_new, dossier):
    """commune → PV05 → recognized, as the two roles of the new map do it."""
    commune, pv05 = people_new["commune_officer"], people_new["pv05_officer"]
    ops.fire_transition(commune, dossier, "submit")
    assert dossier.state == "commune_submitted" and dossier.workflow.reviewer_role(dossier.state) == "pv05_officer"
    assert dossier.id in [d.id for d in queries.inbox_for(pv05)["waiting"].items]
    for criterion in queries.criteria_set_of(dossier).criteria:
        ops.record_verdict(pv05, dossier, criterion.code, agree=True)
    ops.fire_transition(pv05, dossier, "verify")
    ops.fire_transition(pv05, dossier, "recognize", decision_number="20/QĐ-CAT", decision_date=today_in_vietnam(),
                        authority="Công an tỉnh Vĩnh Long")
    db.session.commit()
    assert dossier.state == "recognized"


@pytest.fixture
def people_new(reformed, make_user):
    return {"commune_officer": make_user("commune_officer", NEW_CANG_LONG), "pv05_officer": make_user("pv05_officer", "86"),
            "inspector": make_user("inspector", "86")}


def test_a_commune_without_district_police_goes_to_pv05_and_is_recognized(people_new, client, login):
    commune = people_new["commune_officer"]
    opened = ops.open_dossier(commune, criteria_set="xa-ntm-19.2", year=2025)
    assert (opened.route, opened.workflow.name) == ("direct", "commune.direct")
    assert [t.trigger for t in opened.workflow.transitions] == [
        "submit", "return_to_commune", "verify", "recognize", "revoke", "withdraw"]
    dossier = build_dossier(NEW_CANG_LONG, "xa-dien-hinh-antt", year=2026, creator=commune)  # the data met
    assert dossier.route == "direct"
    walk_direct(people_new, dossier)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.dossier_id == dossier.id)
                                 .order_by(AuditEntry.seq)).all()
    assert [a for a in actions if a != "verdict_recorded"] == ["submit", "verify", "recognize"]
    assert {v.level for v in db.session.scalars(select(Verdict).where(Verdict.dossier_id == dossier.id))} == {"pv05"}
    # The page: no district step in its diagram or its moves, the route said.
    login(people_new["inspector"])
    html = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Huyện đã thẩm định" not in html and "Gửi Công an huyện" not in html and "Trả lại huyện" not in html
    assert "Xã → PV05 (không còn Công an huyện)" in html and "Đã công nhận" in html
    assert [k.code for k in records.available(dossier)] == ["tu-danh-gia", "xac-minh", "cong-nhan"]


def test_district_sets_are_unavailable_where_there_are_no_district_police(app, people, tmp_path, monkeypatch):
    """A province whose district police were dissolved on 1 March 2025, on the old map still."""
    routes = tmp_path / "routes.json"
    routes.write_text(states.ROUTES_FILE.read_text().replace(
        '{"map": "2025", "route": "direct"}',
        '{"map": "2025", "route": "direct"},\n{"map": "legacy", "province": "84", "years": {"from": 2025}, "route": "direct"}'))
    monkeypatch.setattr(states, "ROUTES", states.load_routes(routes))
    district = people["district_officer"]
    with pytest.raises(ValidationFailed) as refused:
        ops.open_dossier(district, criteria_set="huyen-ntm-9.4", year=2025)
    assert list(refused.value.fields) == ["criteria_set"] and "không còn Công an cấp huyện" in str(refused.value.message)
    assert ops.open_dossier(district, criteria_set="huyen-ntm-9.4", year=2024).route == "via_district"
    assert ops.open_dossier(people["commune_officer"], criteria_set="xa-ntm-19.2", year=2025).route == "direct"
    assert ops.open_dossier(people["commune_officer"], criteria_set="xa-ntm-19.2", year=2024).route == "via_district"


def test_an_old_unit_opens_no_dossier_after_it_ceased_to_exist(reformed, app, make_user):
    officer = User(username="cuxa", full_name="Cũ", role="commune_officer", unit=legacy(MY_CAM), password_hash="x")
    db.session.add(officer)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        ops.open_dossier(officer, criteria_set="xa-dien-hinh-antt", year=2026)
    assert list(refused.value.fields) == ["year"] and "30/06/2025" in str(refused.value.message)
    with pytest.raises(ValidationFailed):
        make_user("commune_officer", MY_CAM)  # nobody joins a unit that is no more
    assert get_unit(MY_CAM).map == "legacy" and get_unit("86").map == "2025"


def test_migration_moves_people_and_open_dossiers_and_keeps_the_old_records(app, people, make_dossier, client, login):
    old_recognized = make_dossier(MY_CAM, "xa-ntm-19.2", "pv05_verified", year=2024)
    ops.fire_transition(people["pv05_officer"], old_recognized, "recognize", decision_number="9/QĐ-CAT",
                        decision_date=date(2025, 1, 15), authority="Công an tỉnh Trà Vinh")
    db.session.commit()
    paper = records.build("cong-nhan", old_recognized)
    open_one = make_dossier(MY_CAM, "xa-dien-hinh-antt", "district_reviewed", year=2025)
    version_before = open_one.criteria_set_version
    clash = make_dossier(NHI_LONG_PHU, "xa-dien-hinh-antt", "draft", year=2025)  # merges into the same commune
    district_own = make_dossier("844", "huyen-ntm-9.4", "draft", year=2025)
    load_map_2025("86")
    db.session.commit()
    entries_before = [(e.seq, e.seal) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]

    dry = plan_migration("84")
    assert db.session.scalar(select(Dossier.unit_id).where(Dossier.id == open_one.id)) == legacy(MY_CAM).id
    moved = {(m.kind, m.id): m for m in dry.moves}
    assert moved[("dossier", open_one.id)].to_unit == f"{NEW_CANG_LONG} Xã Càng Long"
    assert (moved[("dossier", open_one.id)].from_state, moved[("dossier", open_one.id)].to_state) == (
        "district_reviewed", "commune_submitted")
    assert moved[("user", people["commune_officer"].id)].to_unit == f"{NEW_CANG_LONG} Xã Càng Long"
    assert moved[("user", people["pv05_officer"].id)].to_unit == "86 Tỉnh Vĩnh Long"
    left = {(u.kind, u.id): u.reason for u in dry.undecided}
    assert "Huyện Càng Long không có đơn vị kế tiếp" in left[("user", people["district_officer"].id)]
    assert ("dossier", district_own.id) in left and ("dossier", clash.id) in left
    assert ("dossier", old_recognized.id) not in moved  # closed dossiers stay where they were decided

    real = apply_migration(plan_migration("84"))
    db.session.commit()
    assert real.report() == dry.report()  # the dry run said exactly what the real run did
    db.session.expire_all()
    open_one = db.session.get(Dossier, open_one.id)
    assert (open_one.unit.code, open_one.unit.map, open_one.route, open_one.state) == (
        NEW_CANG_LONG, "2025", "direct", "commune_submitted")
    assert (open_one.criteria_set_version, open_one.version) == (version_before, 2)
    assert db.session.get(Dossier, old_recognized.id).unit.map == "legacy"
    # The trail: every earlier entry as it was, one new entry per move, the chain whole.
    after = [(e.seq, e.seal) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert after[:len(entries_before)] == entries_before and len(after) == len(entries_before) + len(real.moves)
    assert trail.verify().ok
    # The inspector, now of the new province, still reads and verifies the 2024 record.
    inspector = db.session.get(User, people["inspector"].id)
    assert inspector.unit.map == "2025"
    login(inspector)
    assert client.get(f"/dossiers/{old_recognized.id}").status_code == 200
    assert records.check("cong-nhan", db.session.get(Dossier, old_recognized.id), paper.anchor.seq,
                         paper.fingerprint()).status == "matches"
    # The new commune's page names where it came from and what those were recognized for.
    officer = app.test_client()
    officer.post("/login", data={"username": people["commune_officer"].username, "password": TEST_PASSWORD})
    home = officer.get("/").get_data(as_text=True)
    assert "Hình thành từ" in home and "Xã Mỹ Cẩm</span> (đã công nhận Xã NTM (19.2) năm 2024)" in home
    # A second run finds nothing more to move.
    assert plan_migration("84").moves == []


def test_a_split_commune_waits_for_a_person_and_a_decision_moves_it(reformed, app, make_dossier):
    officer = User(username="myan", full_name="Cán bộ Mỹ An", role="commune_officer", unit=legacy(MY_AN),
                   password_hash="x")
    db.session.add(officer)
    db.session.commit()
    plan = plan_migration("86")
    why = {(u.kind, u.id): u.reason for u in plan.undecided}[("user", officer.id)]
    assert "Xã Thạnh Phú" in why and "Xã Nhơn Phú" in why and f"--decide {MY_AN}=" in why
    assert not any(m.id == officer.id and m.kind == "user" for m in plan.moves)
    wrong = plan_migration("86", {MY_AN: NEW_CANG_LONG})
    assert any(u.id == officer.id for u in wrong.undecided)
    decided = plan_migration("86", {MY_AN: THANH_PHU})
    move = next(m for m in decided.moves if m.kind == "user" and m.id == officer.id)
    assert move.to_unit == f"{THANH_PHU} Xã Thạnh Phú"


def test_the_migration_command_runs_dry_first(app, people, runner):
    load_map_2025("86")
    db.session.commit()
    dry = runner.invoke(args=["migrate-map", "--province", "84"])
    assert dry.exit_code == 0 and "dry run" in dry.output and "--apply" in dry.output
    assert db.session.get(User, people["pv05_officer"].id).unit.map == "legacy"
    real = runner.invoke(args=["migrate-map", "--province", "84", "--apply"])
    assert real.exit_code == 0 and real.output.split("\n", 1)[1].split("Run again")[0] == \
        dry.output.split("\n", 1)[1].split("Run again")[0]
    db.session.expire_all()
    assert db.session.get(User, people["pv05_officer"].id).unit.map == "2025"
    unknown = runner.invoke(args=["migrate-map", "--province", "99"])
    assert unknown.exit_code != 0


def test_pv05_of_the_new_province_verifies_in_bulk_and_reads_the_overview_of_either_map(app, people_new, make_dossier):
    pv05 = people_new["pv05_officer"]
    waiting = make_dossier(NEW_CANG_LONG, "xa-dien-hinh-antt", "commune_submitted", year=2026)
    for criterion in queries.criteria_set_of(waiting).criteria:
        ops.record_verdict(pv05, waiting, criterion.code, agree=True)
    make_dossier(MY_CAM, "xa-ntm-19.2", "recognized", year=2024)  # an old commune's year, on the old map
    db.session.commit()
    browser = app.test_client()
    browser.post("/login", data={"username": pv05.username, "password": TEST_PASSWORD})
    assert f'value="{waiting.id}"' in browser.get("/dossiers/bulk?step=verify&year=2026").get_data(as_text=True)
    done = browser.post("/dossiers/bulk", data={"step": "verify", "year": "2026", "dossier": [str(waiting.id)]})
    assert f'data-testid="bulk-done-{waiting.id}"' in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Dossier, waiting.id).state == "pv05_verified"

    def rows(year):
        html = browser.get(f"/reports/dashboard?year={year}").get_data(as_text=True)
        body = html.split('data-testid="dashboard-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
        return re.findall(r"<tr>\s*<td><a [^>]*>([^<]+)</a>", body)

    assert rows(2026) == ["Tỉnh Vĩnh Long"]  # the new communes stand under the province; the districts are gone
    in_2024 = rows(2024)
    assert "Huyện Càng Long" in in_2024 and "Tỉnh Vĩnh Long" not in in_2024 and len(in_2024) == 9 + 9 + 8


def test_a_province_adds_the_2026_2030_set_as_a_new_file(tmp_path):
    """The set's text is the province's to copy in verbatim; here another set's criteria stand in for it."""
    import json
    import shutil

    from criteria.loader import SETS_DIR, check_file, load_directory

    sets = tmp_path / "sets"
    shutil.copytree(SETS_DIR, sets)
    raw = json.loads((SETS_DIR / "xa-dien-hinh-antt-2023.2.json").read_text(encoding="utf-8"))
    raw.update(code="xa-ntm-antt-2026", version="2026.1", issued_on="2025-12-31",
               years={"from": 2026, "to": 2030}, unit_types=["xa", "phuong", "dac_khu"],
               source={"document": "Quyết định số 51/2025/QĐ-TTg (tiêu chí về an ninh, trật tự)",
                       "issuer": "Thủ tướng Chính phủ"})
    raw.pop("short_name", None)
    new_file = sets / "xa-ntm-antt-2026.json"
    new_file.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    added = check_file(new_file, sets)
    assert added.applies_to_year(2026) and added.applies_to_year(2030) and not added.applies_to_year(2025)
    assert added.applies_to_unit_type("dac_khu")
    registry = load_directory(sets)
    in_force = {s.code for s in registry.latest() if s.applies_to_year(2026)}
    assert "xa-ntm-antt-2026" in in_force and "xa-ntm-19.2" not in in_force and "huyen-ntm-9.4" not in in_force


@pytest.mark.parametrize("root", [("2025", "86"), ("2025", "29266"), ("legacy", "84"), ("legacy", "844"),
                                  ("legacy", "29269")])
def test_the_scope_read_in_one_query_is_the_scope_walked_unit_by_unit(reformed, root):
    """Pages read a unit's scope in one recursive statement (ids_within; units_within loads those
    units); it must reach exactly the units a walk reaches, unit by unit: down the tree and back
    along the lineage (the new Vĩnh Long reaches Trà Vinh's communes; new Xã Càng Long the old
    communes it was formed from)."""
    from workflow_app.units.operations import ids_within, subtree, units_within

    unit = new(root[1]) if root[0] == "2025" else legacy(root[1])
    walked: set[int] = set()
    frontier = [unit]
    while frontier:
        below = subtree(frontier)
        walked.update(u.id for u in below)
        before = db.session.scalars(select(Unit).join(UnitLineage, UnitLineage.predecessor_id == Unit.id)
                                    .where(UnitLineage.successor_id.in_([u.id for u in below])))
        frontier = [u for u in before if u.id not in walked]
    assert sorted(ids_within(unit)) == sorted(walked)
    assert sorted(u.id for u in units_within(unit)) == sorted(walked)
    if root == ("2025", "86"):
        assert legacy("29269").id in walked and legacy("84").id in walked


def test_a_change_to_an_old_communes_dossier_advances_the_new_province_too(app, people_new, make_dossier):
    """The new Vĩnh Long's overview counts Trà Vinh's old communes: a change to one of their dossiers
    moves both provinces' revisions, and the new province's overview shows it at once."""
    pv05 = people_new["pv05_officer"]
    old = make_dossier(MY_CAM, "xa-ntm-19.2", "recognized", year=2024)
    browser = app.test_client()
    browser.post("/login", data={"username": pv05.username, "password": TEST_PASSWORD})

    def cang_long_2024() -> str:
        html = browser.get("/reports/dashboard?year=2024").get_data(as_text=True)
        table = html.split('data-testid="dashboard-table"')[1]
        return next(r for r in table.split("<tr>") if "Huyện Càng Long" in r)

    def revisions() -> dict:
        return dict(db.session.execute(select(Unit.map + ":" + Unit.code, Unit.revision)
                                       .where(Unit.level == "province")).all())

    assert "1/13<br>" in cang_long_2024()
    before = revisions()
    with unit_of_work():
        ops.fire_transition(pv05, old, "revoke", comment="Không còn đạt", decision_number="21/QĐ-CAT",
                            decision_date=today_in_vietnam(), authority="Công an tỉnh Vĩnh Long")
    db.session.expire_all()
    moved = {k for k, v in revisions().items() if v != before[k]}
    assert moved == {"legacy:84", "2025:86"}  # Trà Vinh, and the new Vĩnh Long it went into; not the old Vĩnh Long
    assert "0/13<br>" in cang_long_2024()


# kept with them: the home page, the province its route is read by; the dossier page, its schedule
@pytest.mark.parametrize("page, kept_with_them", [("home", 1), ("its dossier's page", 1)])
def test_a_new_communes_pages_keep_its_origins_until_one_changes(people, reformed, app, make_dossier,
                                                                   count_queries, page, kept_with_them):
    """The home page of a commune of the new map, and its dossiers' pages, name the old communes it
    was formed from with their recognitions: read once and kept while nothing they show changes
    (test_scopes.py); a recognition revoked in an old commune shows at the officer's next request."""
    from workflow_app.dossiers import operations as ops
    from workflow_app.transaction import unit_of_work

    from .test_workflow import full_inputs

    old = make_dossier(MY_CAM, "xa-ntm-19.2", "recognized", year=2024)
    officer = User(username="canglong", full_name="Cán bộ Càng Long", role="commune_officer",
                   unit=new(NEW_CANG_LONG))
    officer.set_password(TEST_PASSWORD)
    db.session.add(officer)
    db.session.commit()
    path = "/"
    if page != "home":
        with unit_of_work():
            path = f"/dossiers/{ops.open_dossier(officer, criteria_set='xa-ntm-19.2', year=2025).id}"
    browser = app.test_client()
    browser.post("/login", data={"username": "canglong", "password": TEST_PASSWORD})
    recognized = "Xã Mỹ Cẩm</span> (đã công nhận Xã NTM (19.2) năm 2024)"
    first, read = count_queries(lambda: browser.get(path))
    again, kept = count_queries(lambda: browser.get(path))
    assert first.status_code == 200 and recognized in first.get_data(as_text=True)
    assert kept == read - 1 - kept_with_them, count_queries.last
    with unit_of_work():
        ops.fire_transition(people["pv05_officer"], old, "revoke", version=old.version, **full_inputs())
    shown = browser.get(path).get_data(as_text=True)
    assert "Hình thành từ" in shown and "Xã Mỹ Cẩm" in shown and recognized not in shown
