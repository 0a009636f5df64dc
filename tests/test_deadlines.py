"""Working days and due dates: Tết, the national make-up Saturdays, the province's own days."""
from datetime import date, datetime, timedelta, timezone

import pytest

from workflow_app.clock import VIETNAM
from workflow_app.deadlines import DEFAULT_DEADLINES, Schedule, WorkCalendar
from workflow_app.extensions import db
from workflow_app.models import CalendarDay, Campaign, StepDeadline
from workflow_app.units.operations import get_unit


@pytest.mark.parametrize("start, days, due, why", [
    (date(2025, 1, 24), 10, date(2025, 2, 14), "Tết 2025: 27/01–31/01 off, 01/02 a Saturday"),
    (date(2025, 1, 24), 1, date(2025, 2, 3), "the first working day after Tết"),
    (date(2025, 4, 24), 3, date(2025, 4, 28), "Saturday 26/04/2025 is worked (make-up for Friday 02/05)"),
    (date(2025, 4, 29), 1, date(2025, 5, 5), "30/04, 01/05 and the day off 02/05"),
    (date(2026, 2, 13), 1, date(2026, 2, 23), "Tết 2026: 16/02–20/02 off"),
    (date(2026, 11, 27), 1, date(2026, 11, 30), "a Friday: due Monday"),
    (date(2026, 11, 30), 0, date(2026, 11, 30), "no days: the same day"),
])
def test_working_days_follow_the_national_calendar(start, days, due, why):
    assert WorkCalendar().add(start, days) == due, why


def test_vietnams_holidays_loaded_alone_are_the_packages_own():
    """The calendar loads the `holidays` package's Vietnam by itself (not every country's module):
    the same days, names and make-up Saturdays as the package gives when asked for "VN"."""
    import holidays

    from workflow_app import deadlines

    for year in range(2015, 2036):
        package = holidays.country_holidays("VN", years=year, language="vi")
        assert deadlines.national_holidays(year) == dict(package.items()), year
        assert deadlines.national_make_up_days(year) == sorted(d for d in package.weekend_workdays if d.year == year)
    assert deadlines.national_holiday(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert deadlines._national(2026).__class__.__module__ == "workflow_app._holidays_vietnam"


def test_counting_back_agrees_with_adding():
    calendar = WorkCalendar()
    assert calendar.count(date(2025, 1, 24), date(2025, 2, 14)) == 10
    assert calendar.count(date(2025, 2, 14), date(2025, 2, 18)) == 2  # overdue by Monday and Tuesday
    assert calendar.count(date(2025, 2, 14), date(2025, 2, 14)) == 0
    assert calendar.count(date(2024, 12, 30), date(2025, 1, 3)) == 3  # 31/12, then 02/01 and 03/01 after New Year
    assert calendar.count(date(2023, 6, 1), date(2025, 6, 2)) == sum(
        calendar.is_working(date(2023, 6, 1) + timedelta(days=n)) for n in range(1, (date(2025, 6, 2) - date(2023, 6, 1)).days + 1))


def test_a_provinces_own_days_off_and_make_up_days(app):
    province = get_unit("84")
    db.session.add_all([CalendarDay(province_id=province.id, day=date(2025, 2, 3), working=False, note="Nghỉ bù"),
                        CalendarDay(province_id=province.id, day=date(2025, 4, 26), working=False, note="Không làm bù"),
                        CalendarDay(province_id=province.id, day=date(2025, 2, 8), working=True, note="Làm bù")])
    db.session.commit()
    calendar = Schedule(province).calendar
    assert calendar.add(date(2025, 1, 24), 1) == date(2025, 2, 4)  # 03/02 given off
    assert calendar.add(date(2025, 1, 24), 5) == date(2025, 2, 8)  # Saturday 08/02 worked
    assert calendar.add(date(2025, 4, 24), 3) == date(2025, 4, 29)  # 26/04 not worked in this province
    assert WorkCalendar().add(date(2025, 1, 24), 1) == date(2025, 2, 3)  # other provinces keep the national days


def test_deadlines_per_province_and_set_with_defaults_and_the_campaigns_last_day(app):
    province = get_unit("84")
    db.session.add_all([StepDeadline(province_id=province.id, criteria_set="*", state="commune_submitted", working_days=5),
                        StepDeadline(province_id=province.id, criteria_set="xa-dien-hinh-antt",
                                     state="commune_submitted", working_days=7),
                        Campaign(province_id=province.id, year=2025, opens_on=date(2025, 1, 2), submit_by=date(2025, 6, 30))])
    db.session.commit()
    schedule = Schedule(province)
    friday = datetime(2025, 3, 7, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vietnam
    assert schedule.due("xa-ntm-19.2", 2025, "commune_submitted", friday) == date(2025, 3, 14)  # 5 days
    assert schedule.due("xa-dien-hinh-antt", 2025, "commune_submitted", friday) == date(2025, 3, 18)  # 7 days
    assert schedule.due("xa-ntm-19.2", 2025, "district_reviewed", friday) == WorkCalendar().add(
        date(2025, 3, 7), DEFAULT_DEADLINES["district_reviewed"])
    assert schedule.due("xa-ntm-19.2", 2025, "draft", friday) == date(2025, 6, 30)
    assert schedule.due("xa-ntm-19.2", 2024, "draft", friday) is None  # no campaign that year
    assert schedule.due("xa-ntm-19.2", 2025, "recognized", friday) is None
    late = datetime(2025, 3, 6, 17, 30, tzinfo=timezone.utc)  # 00:30 on 07/03 in Vietnam: a Friday there
    assert schedule.due("xa-ntm-19.2", 2025, "commune_submitted", late) == date(2025, 3, 14)


def test_the_admin_sets_the_year_and_open_dossiers_follow(app, people, make_dossier):
    from workflow_app.dossiers import operations as ops
    from workflow_app.models import Dossier
    from workflow_app.transaction import unit_of_work

    from .conftest import TEST_PASSWORD

    dossier = make_dossier("29269", "xa-ntm-19.2", "draft", year=2025)
    with unit_of_work():
        ops.fire_transition(people["commune_officer"], dossier, "submit", version=dossier.version)
    default_due = dossier.due_on
    browser = app.test_client()
    browser.post("/login", data={"username": people["admin"].username, "password": TEST_PASSWORD})
    page = browser.get("/admin/calendar?year=2025").get_data(as_text=True)
    assert "Tết Nguyên Đán" in page and "Thời hạn xử lý" in page
    assert "26/04/2025 — ngày làm bù" in page  # the Saturday worked for 02/05
    refused = browser.post("/admin/calendar", data={"year": "2025", "action": "deadlines", "*__commune_submitted": "mười"})
    assert refused.status_code == 400 and "Số nguyên ngày làm việc từ 1 đến 120." in refused.get_data(as_text=True)
    saved = browser.post("/admin/calendar", data={"year": "2025", "action": "deadlines", "*__commune_submitted": "3"})
    assert saved.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Dossier, dossier.id)
    assert moved.due_on == Schedule(get_unit("84")).calendar.add(moved.state_changed_at.astimezone(VIETNAM).date(), 3)
    assert moved.due_on < default_due
    three_days = moved.due_on
    day_off = browser.post("/admin/calendar", data={"year": "2025", "action": "day", "d-day": three_days.strftime("%d/%m/%Y"),
                                                    "d-working": "0", "d-note": "Nghỉ bù"})
    assert day_off.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).due_on > three_days  # its due day became a day off
    twice = browser.post("/admin/calendar", data={"year": "2025", "action": "day", "d-day": three_days.strftime("%d/%m/%Y"),
                                                  "d-working": "0"})
    assert twice.status_code == 400 and "Ngày này đã có trong danh sách" in twice.get_data(as_text=True)
