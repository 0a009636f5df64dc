"""Tables. Predicates about who may do what live beside the rows they guard."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .roles import Level, Role


def hash_password(password: str) -> str:
    """Hash with the configured method (tests use a cheap one; production keeps scrypt)."""
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Unit(db.Model):
    """An administrative unit: tỉnh, huyện/quận/thị xã/thành phố, xã/phường/thị trấn."""

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("level IN ('province', 'district', 'commune')", name="level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    # The real type read from the name (xa, phuong, thi_tran, huyen, quan, thi_xa, thanh_pho, tinh).
    type: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Lower-case, accent-free name so that "tra cu" finds "Trà Cú".
    search_name: Mapped[str] = mapped_column(String(160), index=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    def is_within(self, other: Unit) -> bool:
        """True when this unit is `other` or lies below it in the tree."""
        unit: Unit | None = self
        while unit is not None:
            if unit.id == other.id:
                return True
            unit = unit.parent
        return False

    @property
    def province(self) -> Unit:
        unit = self
        while unit.parent is not None:
            unit = unit.parent
        return unit


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('commune_officer', 'district_officer', 'pv05_officer', 'inspector', 'admin')",
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login and per request
        return bool(self.active)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def can_manage_users(self) -> bool:
        return self.role == Role.admin.value

    def can_see_unit(self, unit: Unit) -> bool:
        """A user sees the units inside their own scope."""
        return unit.is_within(self.unit)
