"""Notifications: who is told of a move, the e-mail outbox against a real SMTP server (aiosmtpd),
retries when it is down, nothing for a rolled-back change, each mail once with two workers."""
import io
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from workflow_app import notifications
from workflow_app.clock import today_in_vietnam, utcnow
from workflow_app.dossiers import operations as ops
from workflow_app.dossiers import queries
from workflow_app.extensions import db
from workflow_app.models import Dossier, Notification
from workflow_app.transaction import unit_of_work

from .conftest import TEST_PASSWORD

COMMUNE = "29269"


class Inbox:
    """What the SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def mailbox(app):
    inbox = Inbox()
    port = closed_port()  # free a moment ago: the server takes it
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    yield inbox
    controller.stop()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_addresses(people):
    for user in people.values():
        user.email = f"{user.username}@congan.test"
    db.session.commit()


def submit(people, dossier):
    with unit_of_work():
        ops.fire_transition(people["commune_officer"], dossier, "submit", version=dossier.version)


def decoded(raw: str) -> str:
    from email import message_from_string
    from email.policy import default

    message = message_from_string(raw, policy=default)
    return f"{message['Subject']}\n{message.get_body().get_content()}"


def test_a_dossier_sent_on_reaches_the_districts_mailbox_once_with_its_link(app, people, make_dossier, mailbox):
    with_addresses(people)
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    submit(people, dossier)
    rows = db.session.scalars(select(Notification)).all()
    assert [(r.user_id, r.kind, r.email_state) for r in rows] == [(people["district_officer"].id, "waiting", "pending")]
    assert notifications.deliver() == {"sent": 1, "retry": 0, "failed": 0}
    assert notifications.deliver() == {"sent": 0, "retry": 0, "failed": 0}  # nothing twice
    [(recipients, raw)] = mailbox.messages
    assert recipients == [people["district_officer"].email]
    text = decoded(raw)
    assert "Hồ sơ đang chờ bạn xử lý: Xã Mỹ Cẩm" in text and f"/dossiers/{dossier.id}" in text
    assert "Hạn xử lý: " in text  # the due date of the step


def test_a_mail_server_down_then_up_delivers_once(app, people, make_dossier, mailbox):
    with_addresses(people)
    live = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = closed_port()
    submit(people, make_dossier(COMMUNE, "xa-ntm-19.2", "draft"))
    assert notifications.deliver() == {"sent": 0, "retry": 1, "failed": 0}
    row = db.session.scalars(select(Notification)).one()
    assert (row.email_state, row.attempts) == ("pending", 1) and row.next_attempt_at > utcnow()
    assert notifications.deliver()["retry"] == 0  # not before its back-off
    app.config["SMTP_PORT"] = live
    db.session.execute(update(Notification).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert notifications.deliver()["sent"] == 1 and notifications.deliver()["sent"] == 0
    assert len(mailbox.messages) == 1


def test_a_rolled_back_move_tells_nobody(app, people, make_dossier, mailbox):
    with_addresses(people)
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    with pytest.raises(RuntimeError), unit_of_work():
        ops.fire_transition(people["commune_officer"], dossier, "submit", version=dossier.version)
        raise RuntimeError("the rest of the change failed")
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert notifications.deliver()["sent"] == 0 and mailbox.messages == []


def test_returns_and_recognitions_tell_the_unit_and_in_its_language(app, people, make_dossier, mailbox):
    with_addresses(people)
    people["commune_officer"].language = "en"
    people["district_officer"].email_enabled = False
    db.session.commit()
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "commune_submitted")
    with unit_of_work():
        ops.fire_transition(people["district_officer"], dossier, "return_to_commune", comment="Bổ sung kế hoạch")
    returned = db.session.scalars(select(Notification)).one()
    assert (returned.user_id, returned.kind, returned.subject) == (
        people["commune_officer"].id, "returned", "Dossier returned: Xã Mỹ Cẩm")
    recognized = make_dossier("29272", "xa-ntm-19.2", "pv05_verified")
    with unit_of_work():
        ops.fire_transition(people["pv05_officer"], recognized, "recognize", decision_number="15/QĐ-CAT",
                            decision_date=today_in_vietnam(), authority="Công an tỉnh")
    told = db.session.scalars(select(Notification).where(Notification.kind == "recognized")).all()
    assert {r.user_id for r in told} == {people["district_officer"].id}  # Mỹ Cẩm's officer is not An Trường A's
    assert told[0].email_state == "none"  # e-mail turned off: in the application only


def test_the_bell_counts_and_opening_a_notification_marks_it_read(app, people, make_dossier):
    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    submit(people, dossier)
    browser = app.test_client()
    browser.post("/login", data={"username": people["district_officer"].username, "password": TEST_PASSWORD})
    home = browser.get("/").get_data(as_text=True)
    assert 'data-testid="unread">1<' in home
    listing = browser.get("/notifications").get_data(as_text=True)
    assert "Hồ sơ đang chờ bạn xử lý: Xã Mỹ Cẩm" in listing
    row = db.session.scalars(select(Notification)).one()
    opened = browser.post(f"/notifications/{row.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/dossiers/{dossier.id}")
    assert 'data-testid="unread"' not in browser.get("/").get_data(as_text=True)
    other = app.test_client()
    other.post("/login", data={"username": people["commune_officer"].username, "password": TEST_PASSWORD})
    assert other.post(f"/notifications/{row.id}").status_code == 404  # not theirs


def test_the_inbox_puts_the_dossier_due_first_on_top_and_marks_the_overdue(app, people, make_dossier):
    early, late = make_dossier(COMMUNE, "xa-ntm-19.2", "draft"), make_dossier("29272", "xa-ntm-19.2", "draft")
    for dossier in (late, early):
        with unit_of_work():
            ops.fire_transition(people["commune_officer"] if dossier is early else
                                _officer_of(people, "29272"), dossier, "submit", version=dossier.version)
    long_ago = utcnow().date() - timedelta(days=40)
    db.session.execute(update(Dossier).where(Dossier.id == early.id).values(due_on=long_ago))
    db.session.commit()
    browser = app.test_client()
    browser.post("/login", data={"username": people["district_officer"].username, "password": TEST_PASSWORD})
    waiting = browser.get("/").get_data(as_text=True).split('data-testid="waiting"')[1].split("</table>")[0]
    assert waiting.index("Xã Mỹ Cẩm") < waiting.index("Xã An Trường A")
    assert f'data-testid="overdue-{early.id}"' in waiting and "Quá hạn" in waiting
    assert f'data-testid="overdue-{late.id}"' not in waiting
    assert notifications.overdue_digest() == 1  # one list for the district officer
    digest = db.session.scalars(select(Notification).where(Notification.kind == "digest")).one()
    assert digest.user_id == people["district_officer"].id and "Xã Mỹ Cẩm" in digest.body


def _officer_of(people, code):
    from workflow_app.admin.operations import create_user

    user = create_user(None, username=f"xa{code}", full_name=f"Công an xã {code}", password=TEST_PASSWORD,
                       role="commune_officer", unit_code=code)
    db.session.commit()
    return user


def test_two_workers_send_each_mail_once(app, people, make_dossier, mailbox, backend):
    with_addresses(people)
    for code in ("29269", "29272", "29275", "29278"):
        dossier = make_dossier(code, "xa-ntm-19.2", "commune_submitted")
        with unit_of_work():
            ops.fire_transition(people["district_officer"], dossier, "return_to_commune", comment="Bổ sung")
    for index, user in enumerate([people["commune_officer"]]):
        user.email = f"worker{index}@congan.test"
    # every dossier's return tells a commune officer; give each notification an address to send to
    db.session.execute(update(Notification).values(email_state="pending", email_to="xa@congan.test",
                                                   next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    pending = db.session.scalar(select(func.count()).select_from(Notification))
    if backend != "postgresql":  # one connection to an in-memory database: the claim, taken twice in turn
        first = db.session.scalars(select(Notification.id).order_by(Notification.id)).first()
        assert notifications._claim(first) is True and notifications._claim(first) is False
        return
    results = []

    def worker():
        with app.app_context():
            results.append(notifications.deliver())
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["sent"] for r in results) == pending == len(mailbox.messages)


def test_the_overview_counts_the_overdue_and_the_median_days_per_step(app, people, make_dossier):
    from datetime import datetime, timezone

    from workflow_app.models import AuditEntry
    from workflow_app.reports.queries import dashboard
    from workflow_app.units.operations import get_unit

    from .test_audit import behind_the_apps_back

    # Three dossiers of Càng Long sent 2, 4 and 9 working days before the district approved them.
    sent_on = {"29269": datetime(2025, 3, 3, 2, tzinfo=timezone.utc), "29272": datetime(2025, 2, 27, 2, tzinfo=timezone.utc),
               "29275": datetime(2025, 2, 20, 2, tzinfo=timezone.utc)}
    approved_on = datetime(2025, 3, 4, 18, tzinfo=timezone.utc)  # 5 March, 01:00 in Vietnam: days are Vietnamese
    dossiers = {}
    for code in sent_on:
        dossier = make_dossier(code, "xa-ntm-19.2", "draft")
        officer = people["commune_officer"] if code == COMMUNE else _officer_of(people, code)
        with unit_of_work():
            ops.fire_transition(officer, dossier, "submit", version=dossier.version)
        with unit_of_work():
            for criterion in queries.criteria_set_of(dossier).criteria:
                ops.record_verdict(people["district_officer"], dossier, criterion.code, agree=True)
        with unit_of_work():
            ops.fire_transition(people["district_officer"], dossier, "approve", version=dossier.version)
        dossiers[code] = dossier
    with behind_the_apps_back():
        for code, dossier in dossiers.items():
            for action, when in (("submit", sent_on[code]), ("approve", approved_on)):
                db.session.execute(update(AuditEntry).where(AuditEntry.dossier_id == dossier.id,
                                                            AuditEntry.action == action).values(at=when))
    late = make_dossier("29278", "xa-ntm-19.2", "commune_submitted")
    db.session.execute(update(Dossier).where(Dossier.id == late.id).values(due_on=utcnow().date() - timedelta(days=30)))
    db.session.commit()
    board = dashboard(get_unit("84"), 2024)
    cang_long = next(r for r in board.rows if r.unit.code == "844")
    assert cang_long.overdue == 1
    assert cang_long.median_days == {"commune_submitted": 4}  # of 2, 4 and 9 working days
    assert board.total.overdue == 1 and board.total.median_days == {"commune_submitted": 4}
    browser = app.test_client()
    browser.post("/login", data={"username": people["pv05_officer"].username, "password": TEST_PASSWORD})
    html = browser.get("/reports/dashboard?year=2024").get_data(as_text=True)
    cell = html[html.index('data-testid="overdue-844"'):]
    assert cell[cell.index(">") + 1:cell.index("<")] == "1"


def test_who_looked_at_what_is_kept_and_shown_to_inspectors(app, people, make_dossier):
    from workflow_app.access import purge
    from workflow_app.models import AccessEntry

    from .files import PDF

    dossier = make_dossier(COMMUNE, "xa-ntm-19.2", "draft")
    with unit_of_work():
        evidence = ops.add_evidence(people["commune_officer"], dossier, io.BytesIO(PDF), "ke-hoach.pdf",
                                    document_type="ke_hoach_nam_tinh_hinh", issued_on="2024-02-10")
    reader = app.test_client()
    reader.post("/login", data={"username": people["district_officer"].username, "password": TEST_PASSWORD})
    reader.get(f"/dossiers/{dossier.id}")
    reader.get(f"/dossiers/{dossier.id}/evidence/{evidence.id}")
    rows = db.session.scalars(select(AccessEntry).order_by(AccessEntry.id)).all()
    assert [(r.actor, r.action, r.dossier_id, r.evidence_id) for r in rows] == [
        (people["district_officer"].username, "view", dossier.id, None),
        (people["district_officer"].username, "download", dossier.id, evidence.id)]
    inspector = app.test_client()
    inspector.post("/login", data={"username": people["inspector"].username, "password": TEST_PASSWORD})
    page = inspector.get(f"/audit/access?dossier={dossier.id}&action=download").get_data(as_text=True)
    table = page[page.index('data-testid="access-table"'):]
    assert "Tải tệp đính kèm" in table and "Xem hồ sơ" not in table
    assert people["district_officer"].full_name in table
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(inspector.get("/audit/access.xlsx").data)).active
    assert sheet["A1"].value == "Ai đã xem gì" and sheet.max_row == 4 + 2
    with pytest.raises(DBAPIError):  # append-only: the trigger refuses any change of an entry
        db.session.execute(update(AccessEntry).values(actor="ai-do"))
        db.session.flush()
    db.session.rollback()
    app.config["ACCESS_LOG_DAYS"] = 1
    postgresql = db.engine.dialect.name == "postgresql"
    db.session.execute(text("ALTER TABLE access_log DISABLE TRIGGER USER" if postgresql
                            else "DROP TRIGGER access_log_no_update"))  # to age an entry for the test
    db.session.execute(update(AccessEntry).where(AccessEntry.id == rows[0].id).values(at=utcnow() - timedelta(days=3)))
    assert purge() == 1
    db.session.commit()
    if postgresql:
        db.session.execute(text("ALTER TABLE access_log ENABLE TRIGGER USER"))
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AccessEntry)) == 1


def test_pv05_verifies_and_recognizes_many_dossiers_at_once(app, people, make_dossier):
    from workflow_app.models import AuditEntry

    ready = [make_dossier(code, "xa-ntm-19.2", "district_reviewed") for code in ("29269", "29272")]
    unanswered = make_dossier("29275", "xa-ntm-19.2", "district_reviewed")
    for dossier in ready:  # PV05's verdicts given on the dossiers' pages
        with unit_of_work():
            for criterion in queries.criteria_set_of(dossier).criteria:
                ops.record_verdict(people["pv05_officer"], dossier, criterion.code, agree=True)
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    browser = app.test_client()
    browser.post("/login", data={"username": people["pv05_officer"].username, "password": TEST_PASSWORD})
    listed = browser.get("/dossiers/bulk?step=verify&year=2024").get_data(as_text=True)
    assert all(f'value="{d.id}"' in listed for d in ready + [unanswered])
    answer = browser.post("/dossiers/bulk", data={"step": "verify", "year": "2024",
                                                   "dossier": [str(d.id) for d in ready + [unanswered]]})
    page = answer.get_data(as_text=True)
    assert all(f'data-testid="bulk-done-{d.id}"' in page for d in ready)
    assert f'data-testid="bulk-refused-{unanswered.id}"' in page and "Chưa thể “Xác minh”" in page
    db.session.expire_all()
    assert [db.session.get(Dossier, d.id).state for d in ready + [unanswered]] == [
        "pv05_verified", "pv05_verified", "district_reviewed"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries + 2  # one entry each
    refused = browser.post("/dossiers/bulk", data={"step": "recognize", "year": "2024", "c-x": "",
                                                   "dossier": [str(d.id) for d in ready]})
    text = refused.get_data(as_text=True)  # no decision number: each refused, saying why
    assert all(f'data-testid="bulk-refused-{d.id}"' in text for d in ready) and "Chưa thể “Công nhận”" in text
    assert db.session.get(Dossier, ready[0].id).state == "pv05_verified"
    done = browser.post("/dossiers/bulk", data={"step": "recognize", "year": "2024", "decision_number": "20/QĐ-CAT",
                                                "decision_date": today_in_vietnam().strftime("%d/%m/%Y"), "authority": "Công an tỉnh Trà Vinh",
                                                "dossier": [str(d.id) for d in ready]})
    assert all(f'data-testid="bulk-done-{d.id}"' in done.get_data(as_text=True) for d in ready)
    db.session.expire_all()
    assert {db.session.get(Dossier, d.id).decision_number for d in ready} == {"20/QĐ-CAT"}
