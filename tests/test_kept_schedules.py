"""A province's schedule (its days off, deadlines and campaigns) is kept per process under the
calendars' revision, which the database advances with every change to any of them: the due marks
always count the calendar as it stands now, whoever changed it (the administrator's page, psql)."""
import re
from datetime import timedelta

import pytest

from workflow_app.clock import today_in_vietnam
from workflow_app.deadlines import WorkCalendar
from workflow_app.extensions import db
from workflow_app.models import CalendarRevision

from .conftest import TEST_PASSWORD
from .test_query_counts import without_csrf_tokens
from .test_scopes import raw, unit_id

COMMUNE = "29269"  # Xã Mỹ Cẩm, in Huyện Càng Long (844), Trà Vinh (84)


def revision() -> int:
    db.session.expire_all()
    return db.session.get(CalendarRevision, 1).value


def province() -> int:
    return unit_id("84")


DAY_OFF = ("INSERT INTO calendar_day (province_id, day, working, note) "
           "VALUES (:province, :day, false, 'Nghỉ theo quyết định của tỉnh')")
DEADLINE = ("INSERT INTO step_deadline (province_id, criteria_set, state, working_days) "
            "VALUES (:province, '*', 'commune_submitted', 5)")
CAMPAIGN = "INSERT INTO campaign (province_id, year, opens_on, submit_by) VALUES (:province, 2027, NULL, NULL)"


@pytest.mark.parametrize("change, before, statement, advances", [
    ("a day off added", None, DAY_OFF, True),
    ("a day off made a working day", DAY_OFF, "UPDATE calendar_day SET working = true", True),
    ("a day off removed", DAY_OFF, "DELETE FROM calendar_day", True),
    ("a step deadline set", None, DEADLINE, True),
    ("a step deadline changed", DEADLINE, "UPDATE step_deadline SET working_days = 6", True),
    ("a step deadline removed", DEADLINE, "DELETE FROM step_deadline", True),
    ("a campaign set", None, CAMPAIGN, True),
    ("a campaign's last day changed", CAMPAIGN, "UPDATE campaign SET submit_by = '2027-09-30'", True),
    ("a campaign removed", CAMPAIGN, "DELETE FROM campaign", True),
    ("a unit renamed", None, "UPDATE unit SET name = 'Tỉnh Trà Vinh A' WHERE code = '84'", False),
    ("a province's revision advanced (a dossier moved)", None,
     "UPDATE unit SET revision = revision + 1 WHERE code = '84'", False),
    ("a dossier's due day stored", "dossier", "UPDATE dossier SET due_on = '2026-01-05'", False),
])
def test_the_calendar_revision_moves_with_the_calendars_and_nothing_else(app, make_dossier, change, before,
                                                                          statement, advances):
    params = {"province": province(), "day": "2026-12-24"}
    if before == "dossier":
        make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    elif before:
        raw(before, **params)
    was = revision()
    raw(statement, **params)
    assert (revision() > was) is advances


def overdue_on(page: str, dossier_id: int) -> int:
    """The working days overdue that the page's mark of the dossier says."""
    mark = re.search(rf'data-testid="overdue-{dossier_id}"[^>]*>([^<]*)<', page)
    assert mark, page
    return int(re.search(r"\d+", mark.group(1)).group())


def test_a_day_off_added_past_the_application_counts_at_the_next_request(app, client, people, make_dossier):
    """The district officer's inbox marks a dossier past its due day with the working days since;
    a day off the province grants on one of them, written by SQL, counts at once."""
    today = today_in_vietnam()
    national = WorkCalendar()
    due = today - timedelta(days=14)
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    dossier.due_on = due
    db.session.commit()
    client.post("/login", data={"username": people["district_officer"].username, "password": TEST_PASSWORD})
    first = overdue_on(client.get("/").get_data(as_text=True), dossier.id)
    assert first == national.count(due, today) > 0
    assert overdue_on(client.get("/").get_data(as_text=True), dossier.id) == first  # from the kept schedule
    worked = next(due + timedelta(days=n) for n in range(1, 15) if national.is_working(due + timedelta(days=n)))
    raw(DAY_OFF, province=province(), day=worked)
    assert overdue_on(client.get("/").get_data(as_text=True), dossier.id) == first - 1
    raw("DELETE FROM calendar_day")
    assert overdue_on(client.get("/").get_data(as_text=True), dossier.id) == first


@pytest.mark.parametrize("role, path", [
    ("district_officer", "/"), ("pv05_officer", "/dossiers/?sort=due"), ("district_officer", "/dossiers/{id}"),
])
def test_a_schedule_seen_again_is_not_read_again(app, client, people, make_dossier, count_queries, role, path):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    dossier.due_on = today_in_vietnam() - timedelta(days=14)  # overdue: its mark reads the province's calendar
    db.session.commit()
    path = path.format(id=dossier.id)
    client.post("/login", data={"username": people[role].username, "password": TEST_PASSWORD})
    client.get(path)  # the user's scope and the province's schedule are kept from here on
    raw(DAY_OFF, province=province(), day="2030-01-07")  # a change to a calendar: the schedule is read again
    first, read = count_queries(lambda: client.get(path))
    again, kept = count_queries(lambda: client.get(path))
    assert first.status_code == 200 and without_csrf_tokens(first) == without_csrf_tokens(again)
    assert kept == read - 1, count_queries.last
    raw("UPDATE unit SET search_name = search_name WHERE code = '84'")  # not a calendar: it stays kept
    assert count_queries(lambda: client.get(path))[1] == kept
    raw("DELETE FROM calendar_day")
    assert count_queries(lambda: client.get(path))[1] == read
