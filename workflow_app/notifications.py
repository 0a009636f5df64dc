"""Telling people what waits for them: a notification per person, shown in the application and,
when an SMTP server is configured and the person has an address, sent by e-mail.

Notifications are written in the same transaction as the change they tell of (a rolled-back
change tells nothing); `deliver()` sends the pending e-mails afterwards, claiming each with a
conditional UPDATE so that two workers never send the same one, retrying with back-off when the
mail server is down.
"""
from __future__ import annotations

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, insert, or_, select, update

import states

from .clock import utcnow
from .deadlines import OPEN_STATES, Schedule
from .extensions import db
from .formatting import format_date_vn
from .i18n import tr
from .models import Dossier, Notification, Unit, User
from .roles import Level

MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=15)  # a worker that died while sending: its claims are taken again
BATCH = 50


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


# --- who is told ---------------------------------------------------------------------------


def _unit_of_role(dossier: Dossier, role: str) -> Unit | None:
    """The unit whose officers of `role` act on the dossier."""
    unit = dossier.unit
    if role == "commune_officer":
        return unit if unit.level == Level.commune.value else None
    if role == "district_officer":
        return unit if unit.level == Level.district.value else unit.parent
    return unit.province  # pv05_officer


def people(dossier: Dossier, role: str) -> list:
    """The active officers of `role` who act on the dossier: what a notification needs of each
    (id, language, address and whether they take e-mail), as rows, not whole users."""
    unit = _unit_of_role(dossier, role)
    if unit is None:
        return []
    return db.session.execute(select(User.id, User.language, User.email, User.email_enabled)
                              .where(User.role == role, User.unit_id == unit.id, User.active.is_(True))
                              .order_by(User.id)).all()


def waiting_roles(dossier: Dossier) -> list[str]:
    """The roles whose inbox the dossier is in, in its present state."""
    workflow = dossier.workflow
    return [role for role in workflow.roles() if dossier.state in workflow.waiting_for(role)]


def after_move(dossier: Dossier, spec, actor: User) -> int:
    """Whoever the move concerns: those whose inbox it reaches (or returns to); the unit and its
    district when it is recognized or revoked. Returns how many were told."""
    workflow = dossier.workflow
    kind = {"recognize": "recognized", "revoke": "revoked"}.get(spec.trigger)
    if kind is None:
        kind = "returned" if spec.kind == states.RETURN else "waiting"
    roles = waiting_roles(dossier)
    if kind in ("recognized", "revoked"):
        roles = [workflow.submitting_role] + (["district_officer"] if dossier.level == "commune" else [])
    told = {person.id: person for role in roles for person in people(dossier, role) if person.id != actor.id}
    write([notification(person, kind, dossier, actor=actor, action=spec.label) for person in told.values()])
    return len(told)


# --- what they are told --------------------------------------------------------------------


def _link(dossier_id: int) -> str:
    if has_request_context():
        return url_for("dossiers.detail", dossier_id=dossier_id, _external=True)
    return f"{current_app.config['BASE_URL']}/dossiers/{dossier_id}"


def _texts(kind: str, dossier: Dossier | None, **info) -> tuple[str, str]:
    if kind == "digest":
        lines = [f"- {d.unit.name}, {d.year}: {tr(states.STATE_LABELS[d.state])}, "
                 + _("due %(day)s", day=format_date_vn(d.due_on)) + f" — {_link(d.id)}" for d in info["dossiers"]]
        return (_("%(n)d dossier(s) waiting for you are overdue", n=len(info["dossiers"])),
                _("These dossiers are past their due date:") + "\n" + "\n".join(lines))
    where = f"{dossier.unit.name}, {dossier.year} ({tr(states.STATE_LABELS[dossier.state])})"
    subject = {
        "waiting": _("Dossier waiting for you: %(unit)s", unit=dossier.unit.name),
        "returned": _("Dossier returned: %(unit)s", unit=dossier.unit.name),
        "recognized": _("Dossier recognized: %(unit)s", unit=dossier.unit.name),
        "revoked": _("Recognition revoked: %(unit)s", unit=dossier.unit.name),
    }[kind]
    body = _("%(who)s: %(action)s — %(where)s.", who=info["actor"].full_name, action=tr(info["action"]), where=where)
    if dossier.due_on is not None and dossier.state in OPEN_STATES:
        body += "\n" + _("Due %(day)s.", day=format_date_vn(dossier.due_on))
    return subject, body


def notification(person, kind: str, dossier: Dossier | None = None, **info) -> dict:
    """One notification's row (`person`: a row of people()), in the person's language; its e-mail
    pending when it can be sent."""
    with force_locale(person.language or "vi"):
        subject, body = _texts(kind, dossier, **info)
    can_mail = bool(current_app.config.get("SMTP_HOST")) and bool(person.email) and person.email_enabled
    now = utcnow()
    return {"user_id": person.id, "dossier_id": dossier.id if dossier else None, "kind": kind,
            "subject": subject[:300], "body": body, "link": _link(dossier.id) if dossier else "", "created_at": now,
            "email_state": "pending" if can_mail else "none", "email_to": person.email if can_mail else None,
            "next_attempt_at": now if can_mail else None}


def write(rows: list[dict]) -> None:
    """The notifications, in the caller's transaction (a rolled-back change tells nothing): one
    INSERT, without a mapped object each and the session's flush of them."""
    if rows:
        db.session.execute(insert(Notification.__table__), rows)


def overdue_digest() -> int:
    """Once a day: each person with overdue dossiers waiting for them gets one list of them."""
    open_ones = db.session.scalars(select(Dossier).where(Dossier.state.in_(OPEN_STATES),
                                                         Dossier.due_on.is_not(None))).all()
    schedules: dict[int, Schedule] = {}
    waiting: dict[int, tuple[object, list[Dossier]]] = {}  # a person (a row of people()) and their dossiers
    for dossier in open_ones:
        province = dossier.unit.province
        schedule = schedules.setdefault(province.id, Schedule(province))
        if not schedule.overdue_days(dossier.due_on):
            continue
        for role in waiting_roles(dossier):
            for person in people(dossier, role):
                waiting.setdefault(person.id, (person, []))[1].append(dossier)
    write([notification(person, "digest", None, dossiers=sorted(dossiers, key=lambda d: d.due_on))
           for person, dossiers in waiting.values()])
    return len(waiting)


# --- in the application --------------------------------------------------------------------


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(row: Notification) -> None:
    if row.read_at is None:
        row.read_at = utcnow()


# --- by e-mail -----------------------------------------------------------------------------


def _due(now) -> object:
    """An e-mail to send now: pending and past its back-off, or claimed by a worker that died."""
    return or_(and_(Notification.email_state == "pending", Notification.next_attempt_at <= now),
               and_(Notification.email_state == "sending", Notification.claimed_at < now - CLAIM_TIMEOUT))


def _claim(row_id: int) -> bool:
    """Take one pending e-mail for this worker: one row changes, or another worker has it."""
    now = utcnow()
    result = db.session.execute(update(Notification).where(Notification.id == row_id, _due(now))
                                .values(email_state="sending", claimed_at=now)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _message(row: Notification) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((_("ANTT recognition"), config["MAIL_FROM"]))
    message["To"] = row.email_to
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(idstring=f"notification-{row.id}")
    message.set_content(row.body + (f"\n\n{row.link}" if row.link else ""))
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    server = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20)
    if config["SMTP_STARTTLS"]:
        server.starttls(context=ssl.create_default_context())
    if config["SMTP_USER"]:
        server.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return server


def deliver(limit: int = BATCH) -> dict[str, int]:
    """Send the pending e-mails that are due; return how many were sent, retried, given up."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not current_app.config.get("SMTP_HOST"):
        return counts
    now = utcnow()
    candidates = db.session.scalars(select(Notification.id).where(_due(now))
                                    .order_by(Notification.id).limit(limit)).all()
    db.session.commit()
    server = None
    try:
        for row_id in candidates:
            if not _claim(row_id):
                continue
            row = db.session.get(Notification, row_id)
            try:
                if server is None:
                    server = _connect()
                with force_locale(row.user.language or "vi"):
                    server.send_message(_message(row))
            except (OSError, smtplib.SMTPException) as exc:
                server = None
                row.attempts += 1
                row.last_error = str(exc)[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    row.email_state = "failed"
                    counts["failed"] += 1
                else:
                    row.email_state, row.next_attempt_at = "pending", utcnow() + _backoff(row.attempts)
                    counts["retry"] += 1
                db.session.commit()
                continue
            row.email_state, row.sent_at, row.attempts = "sent", utcnow(), row.attempts + 1
            db.session.commit()
            counts["sent"] += 1
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return counts
