"""Time: every stored timestamp is UTC, every calendar day is a Vietnamese one."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import TypeDecorator

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of a Vietnamese calendar day, as an aware time."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back as an aware UTC datetime on every engine.

    SQLite keeps no offset: an aware value bound to it would be written as its wall-clock
    time, and a naive value read from it would compare wrongly with an aware one. Converting
    on the way in and out makes both engines store and return the same instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; use an aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return as_utc(value)


def as_utc(value: datetime | None) -> datetime | None:
    """A timestamp read from either engine (naive UTC from SQLite) as an aware UTC datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class vietnam_date(ColumnElement):
    """The Vietnamese calendar day of a stored UTC timestamp, computed by the database: a query
    over thousands of moves then reads plain dates, not timestamps converted one by one."""

    type = Date()
    inherit_cache = True

    def __init__(self, column):
        self.column = column


@compiles(vietnam_date, "postgresql")
def _vietnam_date_postgresql(element, compiler, **kw):
    return f"CAST(timezone('Asia/Ho_Chi_Minh', {compiler.process(element.column, **kw)}) AS DATE)"


@compiles(vietnam_date)
def _vietnam_date(element, compiler, **kw):  # SQLite stores UTC wall-clock text; Vietnam keeps +07:00 all year
    return f"date({compiler.process(element.column, **kw)}, '+7 hours')"
