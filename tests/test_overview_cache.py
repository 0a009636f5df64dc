"""The province and national overviews are kept per process under the provinces' revisions: what a
reader sees is always what the database holds, whatever was kept before."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from workflow_app.admin import calendar
from workflow_app.admin.operations import create_user
from workflow_app.dossiers import operations as ops
from workflow_app.extensions import db
from workflow_app.models import Unit
from workflow_app.transaction import unit_of_work

from .conftest import TEST_PASSWORD
from .test_workflow import full_inputs

COMMUNE = "29269"  # Xã Mỹ Cẩm, Huyện Càng Long (844), Trà Vinh (84)


def cang_long(html: str) -> str:
    """The text of Huyện Càng Long's row in the overview's table."""
    table = html.split('data-testid="dashboard-table"')[1]
    row = next(r for r in table.split("<tr>") if "Huyện Càng Long" in r)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


@pytest.fixture
def reader(client, people):
    def view(user="pv05_officer", path="/reports/dashboard?year=2024"):
        client.post("/logout")
        client.post("/login", data={"username": people[user].username if isinstance(user, str) else user.username,
                                    "password": TEST_PASSWORD})
        response = client.get(path)
        assert response.status_code == 200
        return response.get_data(as_text=True)
    return view


def test_each_move_shows_at_once(people, make_dossier, reader):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "pv05_verified")
    assert "0/13" in cang_long(reader())  # none of Càng Long's 13 xã recognized yet
    with unit_of_work():
        ops.fire_transition(people["pv05_officer"], dossier, "recognize", **full_inputs())
    assert "1/13" in cang_long(reader())
    with unit_of_work():
        ops.fire_transition(people["pv05_officer"], dossier, "revoke", **full_inputs())
    assert "0/13" in cang_long(reader())  # and back: the revision only moves forward


def test_a_new_deadline_changes_what_is_overdue(people, make_dossier, reader):
    waiting = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    waiting.due_on = date(2025, 1, 6)
    db.session.commit()
    assert re.search(r'data-testid="overdue-844">1<', reader())
    admin = people["admin"]
    with unit_of_work():  # the deadlines recomputed from the day it was submitted (today): not overdue
        calendar.set_deadlines(admin, {("*", "commune_submitted"): "20"})
    assert re.search(r'data-testid="overdue-844"><', reader())


@pytest.mark.parametrize("change, advances", [
    ("open", True), ("submit", True), ("figures", False), ("attestation", False), ("comment", False),
    ("day off", True), ("user", True),
])
def test_what_the_overviews_count_advances_its_province_and_no_other(app, people, make_dossier, change, advances):
    """The overviews count dossiers by state (and the units, and the calendar's days and deadlines):
    a commune typing its figures in leaves them as they were."""
    def revisions():
        db.session.expire_all()
        return dict(db.session.execute(select(Unit.code, Unit.revision).where(Unit.level == "province")).all())

    commune, district, admin = people["commune_officer"], people["district_officer"], people["admin"]
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    do = {
        "open": lambda: ops.open_dossier(commune, criteria_set="xa-ntm-nc-19.2", year=2024),
        "submit": lambda: ops.fire_transition(commune, dossier, "submit"),
        "figures": lambda: ops.update_data(commune, dossier, {"social_order_crimes": 3}),
        "attestation": lambda: ops.set_attestation(commune, dossier, "I.4", met=True, note="Đã rà soát"),
        "comment": lambda: ops.add_comment(district, dossier, "Bổ sung kế hoạch"),
        "day off": lambda: calendar.add_day(admin, date(2024, 9, 3), False, "Nghỉ bù"),
        "user": lambda: create_user(admin, username="canbo9", full_name="Cán bộ", password=TEST_PASSWORD,
                                    role="commune_officer", unit_code="29272"),
    }[change]
    before = revisions()
    with unit_of_work():
        do()
    after = revisions()
    assert after["84"] == before["84"] + (1 if advances else 0)
    assert {k: v for k, v in after.items() if k != "84"} == {k: v for k, v in before.items() if k != "84"}


def test_each_reader_sees_the_overview_of_their_role_and_language(client, people, make_dossier, make_user, reader):
    make_dossier(COMMUNE, "xa-ntm-19.2", "recognized")
    pv05 = reader()
    assert "/dossiers/?district=844" in pv05 and "Tổng hợp toàn tỉnh" in pv05
    ministry = reader(make_user("ministry_officer", "VN"), "/reports/dashboard?year=2024&province=84&map=legacy")
    assert "/dossiers/?district=844" not in ministry and "/reports/national?year=2024" in ministry
    assert cang_long(ministry) == cang_long(pv05)  # the same figures
    assert "/dossiers/?district=844" in reader()
    client.get("/lang/en")
    english = client.get("/reports/dashboard?year=2024").get_data(as_text=True)
    assert "Province overview" in english and "Whole province" in english and "Toàn tỉnh" not in english
    client.get("/lang/vi")
    assert "Toàn tỉnh" in client.get("/reports/dashboard?year=2024").get_data(as_text=True)


def test_the_national_overview_shows_each_change_at_once(client, people, make_dossier, make_user):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "pv05_verified")
    ministry = make_user("ministry_officer", "VN")
    client.post("/login", data={"username": ministry.username, "password": TEST_PASSWORD})

    def tra_vinh() -> str:
        html = client.get("/reports/national?year=2024").get_data(as_text=True)
        row = html.split('data-testid="province-legacy-84"')[1].split("</tr>")[0]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))

    assert " 0/85 " in tra_vinh()  # Trà Vinh's 85 xã, none recognized
    with unit_of_work():
        ops.fire_transition(people["pv05_officer"], dossier, "recognize", **full_inputs())
    assert " 1/85 " in tra_vinh()


def test_the_least_recently_used_part_leaves_first():
    from workflow_app.pagecache import Kept

    made = []

    def part(name):
        return lambda: made.append(name) or name

    kept = Kept(size=2)
    assert [kept.get(k, part(k)) for k in ("a", "b", "a", "c", "a", "b")] == ["a", "b", "a", "c", "a", "b"]
    assert made == ["a", "b", "c", "b"]  # "a", asked again, stayed; "b" left for "c" and was made again


def test_a_part_asked_by_several_threads_at_once_is_computed_once():
    import threading
    import time

    from workflow_app.pagecache import Kept

    kept, started, release, made, got = Kept(), threading.Event(), threading.Event(), [], []

    def slow():
        made.append(1)
        started.set()
        release.wait(5)
        return "overview"

    first = threading.Thread(target=lambda: got.append(kept.get("k", slow)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: got.append(kept.get("k", slow))) for _ in range(3)]
    for t in others:
        t.start()
    time.sleep(0.2)  # the others are asking meanwhile
    release.set()
    for t in [first, *others]:
        t.join(5)
    assert got == ["overview"] * 4 and made == [1]


def test_a_part_that_failed_is_computed_by_the_next_request():
    from workflow_app.pagecache import Kept

    kept = Kept()

    def failing():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        kept.get("k", failing)
    assert kept.get("k", lambda: "overview") == "overview"
