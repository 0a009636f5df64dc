"""Tables. Predicates about who may do what live beside the rows they guard."""
from __future__ import annotations

import threading
from datetime import date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

import states

from .clock import UTCDateTime, utcnow
from .extensions import db
from .roles import Level, Role

# scrypt (Werkzeug's default: N=32768, r=8) takes 32 MiB for every hash it computes. One at a time
# in a process: sign-ins arriving together on a worker's threads wait their turn instead of
# multiplying its memory (four threads would otherwise hold 128 MiB at once).
_HASHING = threading.Lock()


def hash_password(password: str) -> str:
    """Hash with the configured method (tests use a cheap one; production keeps scrypt)."""
    with _HASHING:
        return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def password_matches(stored_hash: str, password: str) -> bool:
    with _HASHING:
        return check_password_hash(stored_hash, password)


def existed_in(unit, year: int) -> bool:
    """A unit, or a row of its columns (units/operations.unit_rows_within), existed on some day of
    `year` (the reform's year has units of both maps)."""
    return ((unit.valid_from is None or unit.valid_from.year <= year)
            and (unit.valid_to is None or unit.valid_to.year >= year))


class Unit(db.Model):
    """An administrative unit: tỉnh, huyện/quận/thị xã/thành phố, xã/phường/thị trấn."""

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("level IN ('nation', 'province', 'district', 'commune')", name="level"),
        # An official code is unique within its map: the 2025 map reuses codes of the one before.
        UniqueConstraint("map", "code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Which administrative map the unit belongs to: "legacy" (63 provinces, with districts, until
    # 30 June 2025) or "2025" (34 provinces, communes straight under the province).
    map: Mapped[str] = mapped_column(String(8), default="legacy", server_default="legacy")
    code: Mapped[str] = mapped_column(String(8), index=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    # The real type read from the name (xa, phuong, thi_tran, huyen, quan, thi_xa, thanh_pho, tinh).
    type: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Lower-case, accent-free name so that "tra cu" finds "Trà Cú".
    search_name: Mapped[str] = mapped_column(String(160), index=True)

    # The days the unit existed on, both ends included; None: since before / still today.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # On a province: advanced by every change to what its overview reads (a dossier's state, a
    # unit, the calendar: units/revisions.py); the overview rendered at a revision is kept until
    # the next.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")
    # What the unit became on the next map (and, the other way, what it was formed from).
    successors: Mapped[list[Unit]] = relationship(
        secondary="unit_lineage", primaryjoin="Unit.id == UnitLineage.predecessor_id",
        secondaryjoin="Unit.id == UnitLineage.successor_id", viewonly=True, order_by="Unit.code")

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    def existed_in(self, year: int) -> bool:
        """The unit existed on some day of `year` (the reform's year has units of both maps)."""
        return existed_in(self, year)

    @property
    def is_current(self) -> bool:
        """Still exists: it has no end day (units of a map that replaced it end on its eve)."""
        return self.valid_to is None

    def ancestry(self) -> list[Unit]:
        """This unit and the units above it, up to its province."""
        chain, unit = [], self
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return chain

    def is_within(self, other: Unit) -> bool:
        """True when this unit is `other` or lies below it in the tree, or became (wholly or in
        part, on a later map) a unit that does: an old commune lies within the new commune and
        the new province it went into. Every unit lies within the nation."""
        if other.level == Level.nation.value:
            return True
        seen: set[int] = set()
        todo: list[Unit] = [self]
        while todo:
            chain = [u for u in todo.pop().ancestry() if u.id not in seen]
            if any(u.id == other.id for u in chain):
                return True
            seen.update(u.id for u in chain)
            todo += [s for u in chain for s in u.successors if s.id not in seen]
        return False

    @property
    def province(self) -> Unit:
        unit = self
        while unit.parent is not None:
            unit = unit.parent
        return unit


class UnitLineage(db.Model):
    """One line of the map's history: `successor` was formed from `predecessor`, wholly or from a
    part of it (a commune split between several new ones is a part of each)."""

    __tablename__ = "unit_lineage"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    whole: Mapped[bool] = mapped_column(Boolean, default=True)  # since: the successor's valid_from

    predecessor: Mapped[Unit] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Unit] = relationship(foreign_keys=[successor_id])


class MapRevision(db.Model):
    """The map's revision, one row: a number that the database itself advances with every change
    to the unit tree or its lineage (a unit added, removed, moved to another parent, given another
    code or renamed; a lineage line added, changed or removed: triggers, migrations 0012 and 0014),
    whoever makes it. What a scope holds (units/operations.ids_within, its units' codes and names)
    depends on nothing else, so what is worked out of it once is kept per process under the
    revision it was read at (units/scopes.py)."""

    __tablename__ = "map_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('commune_officer', 'district_officer', 'pv05_officer', 'inspector', 'admin', 'ministry_officer')",
            name="role",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when an administrator chose the password (a new account, a reset): the user then chooses
    # their own before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    email: Mapped[str | None] = mapped_column(String(254))
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    language: Mapped[str] = mapped_column(String(2), default="vi", server_default="vi")  # of the messages it gets
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship()

    # The signed-in session this object was loaded for (not a column): see LoginSession; its
    # unread notifications, the map's revision (MapRevision), the calendars' (CalendarRevision)
    # and its province's (Unit.revision) when that session or API token was read (None: not read
    # with it).
    session_key = None
    unread = None
    map_revision = None
    calendar_revision = None
    province_revision = None

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    def get_id(self) -> str:
        """What the session and the remember cookie hold: the user and the session's key."""
        return f"{self.id}:{self.session_key}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login and per request
        return bool(self.active)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return password_matches(self.password_hash, password)

    def can_manage_users(self) -> bool:
        return self.role == Role.admin.value

    def can_read_province(self) -> bool:
        """PV05, inspectors and administrators: the province's overview and audit trail."""
        return self.role_enum.level == Level.province

    def can_read_nation(self) -> bool:
        """The ministry: the national overview, and from it any province's overview."""
        return self.role_enum.level == Level.nation

    def can_read_overview(self) -> bool:
        return self.can_read_province() or self.can_read_nation()

    def can_see_unit(self, unit: Unit) -> bool:
        """A user sees the units inside their own scope."""
        return unit.is_within(self.unit)

    def works_on_dossiers(self) -> bool:
        """Everyone but the administrator, who manages users, and the ministry, which reads the
        national overview, works with dossiers."""
        return self.role not in (Role.admin.value, Role.ministry_officer.value)

    def can_open_dossiers(self) -> bool:
        """Commune police open their commune's dossiers, district police their district's."""
        return self.role in states.SUBMITTING_ROLE.values()


class Dossier(db.Model):
    """Hồ sơ: one unit's request to be recognized under one criteria set for one year."""

    __tablename__ = "dossier"
    __table_args__ = (
        CheckConstraint(
            "state IN ('draft', 'commune_submitted', 'district_reviewed', 'pv05_verified', 'recognized', "
            "'returned', 'withdrawn', 'revoked')",
            name="state",
        ),
        # At most one dossier per (unit, set, year) that is not withdrawn.
        Index(
            "uq_dossier_open",
            "unit_id",
            "criteria_set",
            "year",
            unique=True,
            sqlite_where=text("state <> 'withdrawn'"),
            postgresql_where=text("state <> 'withdrawn'"),
        ),
        # The overviews count a year's dossiers by state, and the recognitions up to a year, for
        # the whole country: read from these indexes alone, not from the (wide) rows.
        Index("ix_dossier_year_state", "year", "state", "unit_id"),
        Index("ix_dossier_recognitions", "state", "year", "unit_id", "criteria_set"),
        # A scope's dossiers in given states (the inboxes): found by unit and state together, not
        # by intersecting a unit's dossiers with every dossier of the country in those states.
        Index("ix_dossier_unit_state", "unit_id", "state"),
        # The dossier list, latest change first: read in that order, not sorted whole per page.
        Index("ix_dossier_latest", "updated_at", "id"),
        # A scope's dossiers of a year by state (the province overview): read from the index alone.
        Index("ix_dossier_year_unit", "year", "unit_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    criteria_set: Mapped[str] = mapped_column(String(40))
    criteria_set_version: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(16))  # the set's level: which workflow the dossier follows
    # Which levels review it (states/routes.json), fixed when it is opened: with the level, its workflow.
    route: Mapped[str] = mapped_column(String(24), default="via_district", server_default="via_district")
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    # Every change increments it; a change made against an older version is a conflict.
    version: Mapped[int] = mapped_column(Integer, default=1)
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decision_date: Mapped[date | None] = mapped_column(Date)
    decision_authority: Mapped[str | None] = mapped_column(String(200))
    revocation_number: Mapped[str | None] = mapped_column(String(60))
    verified_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the dossier must have moved on from its state (working days; see deadlines.py); stored so
    # that inboxes and lists sort by it.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User] = relationship()
    attestations: Mapped[list[Attestation]] = relationship(back_populates="dossier", order_by="Attestation.criterion")
    verdicts: Mapped[list[Verdict]] = relationship(back_populates="dossier",
                                                        order_by="[Verdict.criterion, Verdict.id]")
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="dossier", order_by="Evidence.id", primaryjoin="and_(Evidence.dossier_id == Dossier.id, Evidence.removed_at.is_(None))",
        viewonly=True,
    )
    comments: Mapped[list[Comment]] = relationship(back_populates="dossier", order_by="Comment.id")

    def __repr__(self) -> str:
        return f"<Dossier {self.id} {self.criteria_set} {self.year} {self.state}>"

    # Who may do what with this dossier. Operations enforce these; views and templates only ask.

    @property
    def province_id(self) -> int:
        """The id of the province the dossier's unit lies in (a row of the lists carries it as a
        column: dossiers.queries.Listed)."""
        return self.unit.province.id

    @property
    def workflow(self) -> states.Workflow:
        return states.workflow_for(self.level, self.route or states.DEFAULT_ROUTE)  # unsaved: the column default

    def can_view(self, user: User) -> bool:
        return user.can_see_unit(self.unit)

    def is_submitter(self, user: User) -> bool:
        """The police of the dossier's own unit, at the level that files it."""
        return user.role == self.workflow.submitting_role and user.unit_id == self.unit_id

    @property
    def is_editable(self) -> bool:
        """Figures, attestations and evidence change only in a draft or a returned dossier."""
        return self.state in self.workflow.editable_states

    def can_edit(self, user: User) -> bool:
        return self.is_submitter(user) and self.is_editable

    def can_review(self, user: User) -> bool:
        """The reviewer whose turn it is records verdicts on each criterion."""
        return self.can_view(user) and user.role == self.workflow.reviewer_role(self.state)

    def can_comment(self, user: User) -> bool:
        """Everyone taking part in the process comments; inspectors and administrators read."""
        return self.can_view(user) and user.role in states.ACTING_ROLES


class Attestation(db.Model):
    """An officer's declaration that a criterion is met or not, with a note."""

    __tablename__ = "attestation"
    __table_args__ = (UniqueConstraint("dossier_id", "criterion", name="uq_attestation_dossier_criterion"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(16))
    met: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="attestations")
    by: Mapped[User] = relationship()


class Verdict(db.Model):
    """A reviewer's verdict on one criterion: the district police or PV05."""

    __tablename__ = "verdict"
    __table_args__ = (
        UniqueConstraint("dossier_id", "criterion", "level", name="uq_verdict_dossier_criterion_level"),
        CheckConstraint("level IN ('district', 'pv05')", name="level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    agree: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="verdicts")
    by: Mapped[User] = relationship()


class Comment(db.Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    criterion: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="comments")
    by: Mapped[User] = relationship()


class Evidence(db.Model):
    """An evidence file, stored outside any served folder under a random name."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    criterion: Mapped[str | None] = mapped_column(String(16))
    document_type: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date | None] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Removal keeps the row and the file: the audit trail may point at them.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    dossier: Mapped[Dossier] = relationship(foreign_keys=[dossier_id])
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])


class AuditEntry(db.Model):
    """One sealed, append-only line of the audit trail."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        # The moves of given dossiers in order, with their times and states (the overview's days
        # spent in each step): read from this index alone, not from the entries' scattered rows.
        Index("ix_audit_entry_moves", "dossier_id", "seq", "at", "from_state", "to_state",
              sqlite_where=text("to_state IS NOT NULL"), postgresql_where=text("to_state IS NOT NULL")),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    dossier_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_code: Mapped[str | None] = mapped_column(String(8), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_seal: Mapped[str] = mapped_column(String(64))
    seal: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """The chain's head, one row: updating it first serializes appends on both engines."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    seal: Mapped[str] = mapped_column(String(64))


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; it expires and can be revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginSession(db.Model):
    """One signed-in browser. Logging out ends it; a password change or reset, or deactivation,
    ends every session of the user. The cookie holds a random key; only its SHA-256 is stored."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class AuthFailure(db.Model):
    """A failed sign-in to the API, kept briefly to throttle password guessing."""

    __tablename__ = "auth_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)  # "user:NAME" or "ip:ADDRESS"
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class CalendarDay(db.Model):
    """A province's exception to the national calendar for one day: a day off it grants, or a
    make-up working day (a Saturday worked for a bridge holiday)."""

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("province_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    day: Mapped[date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class StepDeadline(db.Model):
    """How many working days a dossier may wait in a state, for a province and a criteria set
    ("*": every set); the code holds the defaults."""

    __tablename__ = "step_deadline"
    __table_args__ = (UniqueConstraint("province_id", "criteria_set", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    criteria_set: Mapped[str] = mapped_column(String(40), default="*")
    state: Mapped[str] = mapped_column(String(24))
    working_days: Mapped[int] = mapped_column(Integer)


class Campaign(db.Model):
    """The province's yearly campaign: when dossiers open, and the last day to submit them."""

    __tablename__ = "campaign"
    __table_args__ = (UniqueConstraint("province_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    opens_on: Mapped[date | None] = mapped_column(Date)
    submit_by: Mapped[date | None] = mapped_column(Date)


class CalendarRevision(db.Model):
    """The calendars' revision, one row: a number that the database itself advances with every
    change to a province's days off and make-up days, its step deadlines or its campaigns
    (triggers, migration 0013), whoever makes it. A province's schedule (deadlines.Schedule)
    depends on nothing else, so one read once is kept per process under the revision it was read at
    (deadlines.province_schedule)."""

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Notification(db.Model):
    """A message to one user: shown in the application, and the outbox entry of its e-mail,
    written in the same transaction as the change it tells of."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_outbox", "email_state", "next_attempt_at"),
                      Index("ix_notification_unread", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "none" (in the application only), "pending", "sending" (claimed by a worker), "sent", "failed"
    email_state: Mapped[str] = mapped_column(String(12), default="none")
    email_to: Mapped[str | None] = mapped_column(String(254))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped[User] = relationship()


class AccessEntry(db.Model):
    """Who opened which dossier or downloaded which file, when: kept beside the audit trail for a
    configured time (ACCESS_LOG_DAYS), then purged."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    action: Mapped[str] = mapped_column(String(16))  # "view", "download", "record"
    channel: Mapped[str] = mapped_column(String(8), default="web")  # "web" or "api"

    @property
    def actor_id(self) -> int | None:  # named as in the audit trail, for the pages that list both
        return self.user_id
