"""A user's scope is kept per process under the map's revision, which the database advances with
every change to the unit tree or its lineage: what a reader sees is always what the map holds now,
whatever was kept before, and whoever changed the map (the application, a bulk load, psql)."""
import pytest
import sqlalchemy as sa

from workflow_app.extensions import db
from workflow_app.models import MapRevision, Unit, UnitLineage
from workflow_app.units.scopes import Scope, Scopes

from .conftest import TEST_PASSWORD

COMMUNE, NAME = "29269", "Xã Mỹ Cẩm"  # in Huyện Càng Long (844), Trà Vinh (84)


def revision() -> int:
    db.session.expire_all()
    return db.session.get(MapRevision, 1).value


def unit_id(code: str) -> int:
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def raw(statement: str, **params) -> None:
    """A change as psql would make it: SQL past the application's operations."""
    db.session.execute(sa.text(statement), params)
    db.session.commit()


@pytest.mark.parametrize("change, advances", [
    ("a commune added", True),
    ("a commune moved to another district", True),
    ("a commune given another code", True),
    ("a lineage line added", True),
    ("a lineage line removed", True),
    ("a unit removed", True),
    ("a commune renamed", True),  # the districts to filter by and the origins kept under it show names
    ("a commune's search key rewritten", False),
    ("a province's revision advanced (a dossier moved)", False),
])
def test_the_map_revision_moves_with_the_tree_and_nothing_else(app, change, advances):
    cang_long, cau_ke, commune = unit_id("844"), unit_id("845"), unit_id(COMMUNE)
    if "lineage line removed" in change or "unit removed" in change:
        raw("INSERT INTO unit (map, code, name, level, type, parent_id, search_name, revision) "
            "VALUES ('2025', '99001', 'Xã Mới', 'commune', 'xa', NULL, 'xa moi', 0)")
        raw("INSERT INTO unit_lineage (predecessor_id, successor_id, whole) VALUES (:old, :new, true)",
            old=commune, new=unit_id("99001"))
    before = revision()
    do = {
        "a commune added": lambda: raw(
            "INSERT INTO unit (map, code, name, level, type, parent_id, search_name, revision) "
            "VALUES ('legacy', '99002', 'Xã Thêm', 'commune', 'xa', :parent, 'xa them', 0)", parent=cang_long),
        "a commune moved to another district": lambda: raw(
            "UPDATE unit SET parent_id = :parent WHERE id = :id", parent=cau_ke, id=commune),
        "a commune given another code": lambda: raw("UPDATE unit SET code = '99003' WHERE id = :id", id=commune),
        "a lineage line added": lambda: raw(
            "INSERT INTO unit_lineage (predecessor_id, successor_id, whole) VALUES (:old, :new, true)",
            old=commune, new=unit_id("29272")),
        "a lineage line removed": lambda: raw("DELETE FROM unit_lineage"),
        "a unit removed": lambda: (raw("DELETE FROM unit_lineage"), raw("DELETE FROM unit WHERE code = '99001'")),
        "a commune renamed": lambda: raw("UPDATE unit SET name = 'Xã Mỹ Cẩm A' WHERE id = :id", id=commune),
        "a commune's search key rewritten": lambda: raw("UPDATE unit SET search_name = 'xa my cam' WHERE id = :id",
                                                        id=commune),
        "a province's revision advanced (a dossier moved)": lambda: raw(
            "UPDATE unit SET revision = revision + 1 WHERE code = '84'"),
    }
    do[change]()
    assert (revision() > before) is advances


def test_a_load_of_many_units_advances_it(app):
    from workflow_app.units.operations import load_units

    before = revision()
    load_units(["86"])  # Vĩnh Long: ~100 units in a few statements
    db.session.commit()
    assert revision() > before


@pytest.fixture
def district_list(client, people):
    """The district officer of Càng Long reading its dossier list (the same process throughout)."""
    client.post("/login", data={"username": people["district_officer"].username, "password": TEST_PASSWORD})

    def names() -> str:
        response = client.get("/dossiers/")
        assert response.status_code == 200
        return response.get_data(as_text=True)
    return names


def test_a_commune_moved_away_leaves_the_kept_scope_at_once(app, people, make_dossier, district_list):
    make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    assert NAME in district_list() and NAME in district_list()  # the second read from the kept scope
    raw("UPDATE unit SET parent_id = :parent WHERE code = :code", parent=unit_id("845"), code=COMMUNE)
    assert NAME not in district_list()  # Càng Long's officer no longer sees Cầu Kè's commune
    raw("UPDATE unit SET parent_id = :parent WHERE code = :code", parent=unit_id("844"), code=COMMUNE)
    assert NAME in district_list()


def test_a_district_renamed_past_the_application_shows_in_the_lists_filter_at_once(app, client, people):
    client.post("/login", data={"username": people["pv05_officer"].username, "password": TEST_PASSWORD})
    assert ">Huyện Càng Long</option>" in client.get("/dossiers/").get_data(as_text=True)
    raw("UPDATE unit SET name = 'Thị xã Càng Long' WHERE code = '844'")
    page = client.get("/dossiers/").get_data(as_text=True)
    assert ">Thị xã Càng Long</option>" in page and "Huyện Càng Long" not in page


def test_a_commune_moved_to_a_province_on_another_route_says_so_at_once(app, client, people, monkeypatch):
    """A commune's home page says where its dossier goes, by its province's route (kept with its
    scope): moved by SQL under a province whose communes send straight to PV05, it says so at the
    next request."""
    import states
    from states.routes import Assignment, RouteTable
    from workflow_app.units.operations import load_units

    load_units(["86"])  # Vĩnh Long, old map
    db.session.commit()
    monkeypatch.setattr(states, "ROUTES", RouteTable(states.ROUTES.routes, states.ROUTES.assignments + (
        Assignment("direct", "legacy", province="86"),)))
    client.post("/login", data={"username": people["commune_officer"].username, "password": TEST_PASSWORD})
    to_district, to_pv05 = "và gửi Công an huyện.", "gửi Phòng PV05 Công an tỉnh."
    home = client.get("/").get_data(as_text=True)
    assert to_district in home and to_pv05 not in home
    assert to_district in client.get("/").get_data(as_text=True)  # from the kept province
    vinh_long_district = db.session.scalar(sa.select(Unit.id).where(Unit.parent_id == unit_id("86")).limit(1))
    raw("UPDATE unit SET parent_id = :parent WHERE code = :code", parent=vinh_long_district, code=COMMUNE)
    home = client.get("/").get_data(as_text=True)
    assert to_pv05 in home and to_district not in home


def test_a_commune_formed_from_ones_in_scope_brings_its_dossiers(app, people, make_dossier, client):
    """On the 2025 map a province's scope reaches back along the lineage: a line added by hand
    brings the old commune's dossiers into the new province's list at the next request."""
    from workflow_app.units.operations import load_units

    load_units(["86"])
    db.session.commit()
    make_dossier(COMMUNE, "xa-ntm-19.2", "recognized")
    from workflow_app.admin.operations import create_user

    reader = create_user(None, username="pv05vl", full_name="PV05 Vĩnh Long", password=TEST_PASSWORD,
                         role="pv05_officer", unit_code="86")
    db.session.commit()
    client.post("/login", data={"username": reader.username, "password": TEST_PASSWORD})
    assert NAME not in client.get("/dossiers/").get_data(as_text=True)
    districts = sa.select(Unit.id).where(Unit.parent_id == unit_id("86"))
    vinh_long_commune = db.session.scalar(sa.select(Unit.id).where(Unit.parent_id.in_(districts)).limit(1))
    db.session.add(UnitLineage(predecessor_id=unit_id(COMMUNE), successor_id=vinh_long_commune, whole=True))
    db.session.commit()
    assert NAME in client.get("/dossiers/").get_data(as_text=True)


@pytest.mark.parametrize("path, kept_with_it", [
    # the dossier list: the districts to filter by too; the home page: its unit's origins
    ("/dossiers/", 1), ("/", 1), ("/audit/", 0), ("/admin/users", 0),
])
def test_a_scope_seen_again_is_not_read_again(app, client, people, make_dossier, count_queries, path, kept_with_it):
    make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    role = "admin" if path.startswith("/admin") else "inspector" if path == "/audit/" else "district_officer"
    client.post("/login", data={"username": people[role].username, "password": TEST_PASSWORD})
    first, read = count_queries(lambda: client.get(path))
    again, kept = count_queries(lambda: client.get(path))
    assert first.status_code == again.status_code == 200
    assert kept == read - 1 - kept_with_it, count_queries.last
    assert not any("RECURSIVE" in q for q in count_queries.last), count_queries.last
    raw("UPDATE unit SET search_name = search_name WHERE code = '84'")  # not the map: the scope stays kept
    assert count_queries(lambda: client.get(path))[1] == kept
    raw("UPDATE unit SET parent_id = parent_id WHERE code = '844'")  # the map, unchanged but touched
    assert count_queries(lambda: client.get(path))[1] == read


def test_the_api_keeps_the_scope_too(app, client, people, make_dossier, count_queries):
    make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    token = client.post("/api/v1/tokens", json={"username": people["district_officer"].username,
                                                "password": TEST_PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    first, read = count_queries(lambda: client.get("/api/v1/dossiers", headers=headers))
    again, kept = count_queries(lambda: client.get("/api/v1/dossiers", headers=headers))
    assert first.json == again.json and first.json["total"] == 1
    assert kept == read - 1, count_queries.last
    raw("UPDATE unit SET parent_id = :parent WHERE code = :code", parent=unit_id("845"), code=COMMUNE)
    assert client.get("/api/v1/dossiers", headers=headers).json["total"] == 0


def test_kept_scopes_hold_one_revision_and_never_an_older_one():
    scopes, reads = Scopes(size=2), []

    def read(ids):
        def do():
            reads.append(ids)
            return ids
        return do

    assert scopes.get(("ids", 1), 5, read([1, 2])) == (1, 2)
    assert scopes.get(("ids", 1), 5, read([9])) == (1, 2) and reads == [[1, 2]]  # kept
    assert scopes.get(("ids", 1), 4, read([1])) == (1,)  # an older revision: read, not kept ...
    assert scopes.get(("ids", 1), 5, read([9])) == (1, 2)  # ... and the newer one's stays
    assert scopes.get(("ids", 1), 6, read([1, 3])) == (1, 3)  # a newer revision empties what was kept
    assert scopes.get(("ids", 1), 5, read([1, 2])) == (1, 2) and scopes.get(("ids", 1), 6, read([0])) == (1, 3)
    scopes.get(("ids", 2), 6, read([2]))
    scopes.get(("ids", 3), 6, read([3]))  # full: the least recently used (unit 1) leaves
    assert scopes.get(("ids", 1), 6, read([1, 4])) == (1, 4)


def test_a_kept_scope_cannot_be_changed():
    scope = Scope([1, 2])
    with pytest.raises(AttributeError):
        scope.append(3)  # noqa: B018 -- a tuple: no caller can add a unit to another's scope
    assert scope.as_text(lambda ids: "{1,2}") == "{1,2}" and scope.as_text(lambda ids: "other") == "{1,2}"
