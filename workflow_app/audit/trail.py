"""Append to the audit trail and verify it.

Each entry is sealed with HMAC-SHA256, under AUDIT_KEY (kept outside the database), over its
canonical content (sorted-key JSON, UTF-8) including the previous entry's seal. Anyone who can
write to the database can recompute a plain hash chain; without the key they cannot reseal one.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import orjson
from flask import current_app
from orjson import Fragment
from sqlalchemy import Text, bindparam, cast, func, insert, select, update

from ..canonical import dumps as canonical_json
from ..clock import utcnow
from ..extensions import db
from ..models import AuditEntry, AuditHead, Unit, User
from ..units import revisions

GENESIS = "0" * 64
SEALED_FIELDS = (
    "seq", "at", "actor_id", "actor", "role", "dossier_id", "unit_code", "action",
    "from_state", "to_state", "comment", "details", "prev_seal",
)


def _timestamp(value: datetime) -> str:
    """UTC with microseconds, "2025-01-01T00:00:01.000000Z" (isoformat: the same text, faster;
    a time already in UTC, as the database gives it, is not converted again)."""
    if value.tzinfo is None or value.utcoffset():
        value = value.astimezone(timezone.utc)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def canonical(fields: dict[str, Any]) -> bytes:
    content = {name: fields[name] for name in SEALED_FIELDS}
    content["at"] = _timestamp(content["at"])
    return canonical_json(content).encode("utf-8")


def _stored_content(seq, at, actor_id, actor, role, dossier_id, unit_code, action, from_state, to_state, comment,
                    details, prev_seal, *_seal) -> bytes:
    """canonical() of an entry as read for verification (SEALED_FIELDS in order: the details as
    their stored text, itself canonical, see create_app; the numbers as numbers or as their text,
    the time as its UTC text when PostgreSQL wrote it out), in one call to orjson, which escapes
    text as json.dumps does: the stored details and numbers written as they are, not decoded and
    encoded again. Should it ever differ from canonical(), the seal check falls back (_Reread)."""
    return orjson.dumps({
        "action": action, "actor": actor, "actor_id": _number(actor_id),
        "at": at if at.__class__ is str else _timestamp(at), "comment": comment,
        "details": None if details is None else Fragment(details), "dossier_id": _number(dossier_id),
        "from_state": from_state, "prev_seal": prev_seal, "role": role, "seq": _number(seq), "to_state": to_state,
        "unit_code": unit_code,
    })


def _number(value: int | str | None):
    return Fragment(value) if value.__class__ is str else value


def compute_seal(key: str, fields: dict[str, Any]) -> str:
    return hmac.new(key.encode("utf-8"), canonical(fields), hashlib.sha256).hexdigest()


def _key() -> str:
    return current_app.config["AUDIT_KEY"]


# append()'s statements, built once: Core statements on the tables (the ORM's bookkeeping is not
# needed here), the entry's fields their parameters.
_HEAD, _ENTRY = AuditHead.__table__, AuditEntry.__table__
_TAKE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + 1).returning(_HEAD.c.seq, _HEAD.c.seal)
_WRITE_ENTRY = insert(_ENTRY)
_SEAL_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seal=bindparam("new_seal"))


def append(
    actor: User | None,
    action: str,
    *,
    dossier=None,
    unit: Unit | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    details: dict | None = None,
) -> dict:
    """Write one sealed entry in the caller's transaction (never commits); return its fields.
    The entry names the dossier's unit, or `unit`. The provinces whose scope holds that unit move to
    their next revision (units/revisions.py), unless the entry leaves a dossier in its state (its
    figures, attestations, evidence, verdicts, comments): the overviews count dossiers by state,
    and a commune typing its figures in does not make every overview of its province computed again."""
    # Taking the head row first makes concurrent appends wait for each other: one chain, no forks.
    head = db.session.execute(_TAKE_HEAD).first()
    if head is None:
        db.session.execute(insert(_HEAD).values(id=1, seq=1, seal=GENESIS))
        seq, prev_seal = 1, GENESIS
    else:
        seq, prev_seal = head
    subject = dossier.unit if dossier is not None else unit
    fields = {
        "seq": seq,
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor": actor.username if actor is not None else "system",
        "role": actor.role if actor is not None else "system",
        "dossier_id": dossier.id if dossier is not None else None,
        "unit_code": subject.code if subject is not None else None,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment or "",
        "details": json.loads(json.dumps(details or {}, ensure_ascii=False, default=str)),
        "prev_seal": prev_seal,
    }
    seal = compute_seal(_key(), fields)
    db.session.execute(_WRITE_ENTRY, fields | {"seal": seal})
    db.session.execute(_SEAL_HEAD, {"new_seal": seal})
    if subject is not None and (dossier is None or to_state is not None):
        revisions.advance(subject)
    return fields | {"seal": seal}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_seq: int = 0
    head_seal: str = GENESIS


_UTC_TEXT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'  # _timestamp()'s text, written by PostgreSQL


def _rows_statement(connection, first: int, last: int | None):
    """The SELECT of the entries first..last in sequence order: SEALED_FIELDS (the details as their
    stored text; on PostgreSQL the time as the trail's own UTC text) and the seal. On PostgreSQL
    compiled with its bounds written in, for COPY, which takes no parameters (they are integers)."""
    table = AuditEntry.__table__
    postgresql = connection.dialect.name == "postgresql"
    columns = [table.c[name] for name in SEALED_FIELDS] + [table.c.seal]
    columns[SEALED_FIELDS.index("details")] = cast(table.c.details, Text)
    if postgresql:
        columns[SEALED_FIELDS.index("at")] = func.to_char(func.timezone("UTC", table.c.at), _UTC_TEXT)
    bounds = [table.c.seq >= first] + ([table.c.seq <= last] if last is not None else [])
    statement = select(*columns).where(*bounds).order_by(table.c.seq)
    if not postgresql:
        return statement
    return statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})


def _rows(connection, first: int = 1, last: int | None = None, batch: int = 5000) -> Iterator[tuple]:
    """The entries first..last in sequence order, each a row of SEALED_FIELDS (the details as their
    stored text) and the seal; memory stays bounded (on PostgreSQL a COPY read as lines of text,
    _copied, the reading being most of the cost of verifying; elsewhere a batch at a time)."""
    if connection.dialect.name == "postgresql":
        for line in _copied(connection, f"COPY ({_rows_statement(connection, first, last)}) TO STDOUT"):
            yield _copy_row(line.decode("utf-8"))
        return
    statement, seen = _rows_statement(connection, first, last), first - 1
    while True:
        rows = connection.execute(statement.where(AuditEntry.__table__.c.seq > seen).limit(batch)).all()
        if not rows:
            return
        yield from (tuple(row) for row in rows)
        seen = rows[-1][0]


def _fields(row: tuple) -> dict[str, Any]:
    """A row read for verification as the fields canonical() seals, the details decoded."""
    fields = dict(zip(SEALED_FIELDS, row))
    if isinstance(fields["at"], str):
        fields["at"] = datetime.fromisoformat(fields["at"])
    fields["details"] = json.loads(fields["details"]) if fields["details"] is not None else None
    return fields


# COPY's text format writes NULL as \\N, and a backslash and six control characters as two
# characters each (\\\\, \\t, ...); the others as they are.
_COPY_NULL = "\\N"
_COPY_ESCAPES = re.compile(r"\\(.)", re.DOTALL)
_COPY_UNESCAPED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_NULLABLE = tuple(SEALED_FIELDS.index(name) for name in ("actor_id", "dossier_id", "unit_code", "from_state",
                                                        "to_state"))


def _copy_field(field: str) -> str | None:
    if field == _COPY_NULL:
        return None
    return _COPY_ESCAPES.sub(lambda m: _COPY_UNESCAPED.get(m.group(1), m.group(1)), field) if "\\" in field else field


def _copy_row(text: str) -> list:
    """A line COPY wrote as the row _rows gives: the sequence number an integer, NULLs None, COPY's
    escapes undone."""
    if "\\" in text.replace(_COPY_NULL, ""):  # a character COPY escaped: each field read in full
        row = [_copy_field(field) for field in text.split("\t")]
    else:  # the common case: NULLs only (in the columns that may hold one)
        row = text.split("\t")
        for nullable in _NULLABLE:
            if row[nullable] == _COPY_NULL:
                row[nullable] = None
    row[0] = int(row[0])
    return row


def _entries(connection, first: int = 1, last: int | None = None) -> Iterator[tuple[int, str, str, bytes]]:
    """(seq, prev_seal, seal, the bytes sealed) of the entries first..last in sequence order: the
    rows of _rows, their content written out as canonical() writes it."""
    for row in _rows(connection, first, last):
        yield row[0], row[12], row[13], _stored_content(*row)


def _copied(connection, statement: str) -> Iterator[bytes]:
    """The lines a `COPY ... TO STDOUT` writes, each without its line end, read from libpq itself.
    The server sends a message a row; psycopg's copy object reads each through a few Python
    generators (~5 µs a row, as long as sealing the entry takes). Left early, the rest is read
    and dropped: the transaction stays usable (a cancelled COPY would abort it)."""
    import psycopg
    from psycopg import pq

    pgconn = connection.connection.driver_connection.pgconn
    pgconn.send_query(statement.encode("utf-8"))
    started = pgconn.get_result()
    if started is None or started.status != pq.ExecStatus.COPY_OUT:
        while pgconn.get_result() is not None:
            pass
        raise psycopg.DatabaseError(started.get_error_field(pq.DiagnosticField.MESSAGE_PRIMARY).decode()
                                    if started is not None else "COPY did not start")
    read, ended = pgconn.get_copy_data, False
    try:
        while True:
            size, data = read(0)
            if size < 0:
                ended = True
                break
            yield bytes(data)[:-1]
    finally:
        while not ended:
            ended = read(0)[0] < 0
        failed = None
        while (result := pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.COMMAND_OK:
                failed = result.get_error_field(pq.DiagnosticField.MESSAGE_PRIMARY)
        if failed is not None:
            raise psycopg.DatabaseError(failed.decode())


def _sealer(key: bytes) -> Callable[[bytes], str]:
    """HMAC-SHA256 under `key`, as hmac.new computes it (RFC 2104), as a function of the message:
    the key's two padded blocks hashed once, copied for each entry, with C calls only (2.0 µs an
    entry, 2.8 with a copy of hmac.new's object)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner, outer = hashlib.sha256(key.translate(_INNER_PAD)), hashlib.sha256(key.translate(_OUTER_PAD))

    def seal(message: bytes) -> str:
        step = inner.copy()
        step.update(message)
        last = outer.copy()
        last.update(step.digest())
        return last.hexdigest()

    return seal


_BLOCK = hashlib.sha256().block_size
_INNER_PAD, _OUTER_PAD = bytes(x ^ 0x36 for x in range(256)), bytes(x ^ 0x5C for x in range(256))


class _Reread:
    """Checks again, on its fields decoded, an entry whose bytes as read do not carry its seal: an
    entry stored before JSON was kept canonical (other spacing or key order) still verifies. On
    PostgreSQL on a connection of its own, opened at the first such entry: the walk's connection is
    busy streaming. The trail is append-only: both connections read the same committed entries."""

    def __init__(self, connection, key: bytes):
        self.connection, self.key, self.other = connection, key, None

    def __call__(self, seq: int) -> bool:
        if self.connection.dialect.name == "postgresql" and self.other is None:
            self.other = self.connection.engine.connect()
        rows = list(_rows(self.other or self.connection, seq, seq))  # to the stream's end: the connection free again
        row = rows[0] if rows else None
        return row is not None and hmac.compare_digest(hmac.digest(self.key, canonical(_fields(row)), "sha256").hex(),
                                                       row[-1])

    def close(self) -> None:
        if self.other is not None:
            self.other.close()


@dataclass
class Walk:
    """What walking a run of entries found: the first bad one and why, or how the run ends."""

    count: int = 0
    bad: int | None = None
    problem: str = ""
    first_prev: str | None = None  # the seal the run's first entry follows
    last_seal: str | None = None
    next: int = 1  # the sequence number the run expects after its last entry
    checkpoint_seen: bool = False


def _walk(connection, key: str, first: int, prev: str | None, checkpoint: tuple[int, str] | None = None,
          last: int | None = None) -> Walk:
    """Each entry of first..last in its place, following the one before (from `prev`; None: the
    run's first link is checked at its edge by the caller), with the seal its content was given."""
    walk, secret = Walk(next=first), key.encode("utf-8")
    sealed, reread = _sealer(secret), _Reread(connection, secret)
    entries = _entries(connection, first, last)
    try:
        for seq, prev_seal, seal, content in entries:
            if seq != walk.next:
                walk.bad, walk.problem = walk.next, f"entry {walk.next} is missing (next is {seq})"
                return walk
            if walk.count == 0 and prev is None:
                walk.first_prev = prev_seal
            elif prev_seal != (prev if walk.count == 0 else walk.last_seal):
                walk.bad, walk.problem = seq, "does not follow the previous entry (removed or reordered)"
                return walk
            if not hmac.compare_digest(sealed(content), seal) and not reread(seq):
                walk.bad, walk.problem = seq, "its content was changed after it was sealed"
                return walk
            if checkpoint is not None and seq == checkpoint[0]:
                if seal != checkpoint[1]:
                    walk.bad, walk.problem = seq, "does not match the checkpoint"
                    return walk
                walk.checkpoint_seen = True
            walk.last_seal, walk.next, walk.count = seal, seq + 1, walk.count + 1
        return walk
    finally:
        entries.close()
        reread.close()


def verify(checkpoint: tuple[int, str] | None = None) -> VerifyResult:
    """Walk the chain; name the first entry that does not check out.

    A checkpoint (seq, seal) kept elsewhere also reveals entries cut from the end.
    """
    walk = _walk(db.session.connection(), _key(), 1, GENESIS, checkpoint)
    count, prev_seal = walk.count, walk.last_seal or GENESIS
    if walk.bad is not None:
        return VerifyResult(False, count, walk.bad, walk.problem)
    if checkpoint is not None and not walk.checkpoint_seen:
        return VerifyResult(
            False, count, count + 1, f"the trail ends at entry {count}, before the checkpoint's entry {checkpoint[0]}"
        )
    # The head row is written with every entry: a trail cut short (or emptied) no longer meets it.
    stored = db.session.execute(select(AuditHead.seq, AuditHead.seal).where(AuditHead.id == 1)).first()
    head_seq, head_seal = stored if stored is not None else (0, GENESIS)
    if head_seq != count:
        return VerifyResult(False, count, min(head_seq, count) + 1,
                            f"the trail ends at entry {count}, but its head records entry {head_seq}")
    if head_seal != prev_seal:
        return VerifyResult(False, count, count, "does not match the seal its head records")
    return VerifyResult(True, count, None, "", count, prev_seal)


PARALLEL_FROM = 200_000  # below this, one process is as quick as several


def _check_range(url: str, key: str, first: int, last: int) -> Walk:
    """In a worker process: the entries first..last, on a connection of its own."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            with connection.begin():
                return _walk(connection, key, first, None, last=last)
    finally:
        engine.dispose()


def verify_parallel(checkpoint: tuple[int, str] | None = None, workers: int = 2,
                    minimum: int = PARALLEL_FROM) -> VerifyResult:
    """The same verdict as verify(), the chain cut into ranges walked by several processes (each
    row carries the seal it follows, so the ranges are checked apart, then joined at their edges).
    Falls back to verify() for a short trail, one worker, or a database other processes cannot open."""
    stored = db.session.execute(select(AuditHead.seq, AuditHead.seal).where(AuditHead.id == 1)).first()
    head_seq, head_seal = stored if stored is not None else (0, GENESIS)
    url = db.engine.url
    if workers < 2 or head_seq < max(minimum, workers) or url.get_backend_name() != "postgresql":
        return verify(checkpoint)
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    size = -(-head_seq // workers)
    ranges = [(start, min(start + size - 1, head_seq)) for start in range(1, head_seq + 1, size)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        parts = list(pool.map(_check_range, [url.render_as_string(hide_password=False)] * len(ranges),
                              [_key()] * len(ranges), [a for a, _b in ranges], [b for _a, b in ranges]))
    count, prev = 0, GENESIS
    for (start, end), part in zip(ranges, parts):
        if part.bad is not None:
            return VerifyResult(False, count + part.count, part.bad, part.problem)
        if part.count and part.first_prev != prev:
            return VerifyResult(False, count, start, "does not follow the previous entry (removed or reordered)")
        count, prev = count + part.count, part.last_seal or prev
        if part.next != end + 1:
            return VerifyResult(False, count, part.next, f"entry {part.next} is missing")
    beyond = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq > head_seq))
    if beyond:
        return VerifyResult(False, count, head_seq + 1,
                            f"the trail ends at entry {head_seq + beyond}, but its head records entry {head_seq}")
    if head_seal != prev:
        return VerifyResult(False, count, count, "does not match the seal its head records")
    if checkpoint is not None:
        kept = db.session.scalar(select(AuditEntry.seal).where(AuditEntry.seq == checkpoint[0]))
        if kept is None:
            return VerifyResult(False, count, count + 1,
                                f"the trail ends at entry {count}, before the checkpoint's entry {checkpoint[0]}")
        if kept != checkpoint[1]:
            return VerifyResult(False, count, checkpoint[0], "does not match the checkpoint")
    return VerifyResult(True, count, None, "", count, prev)


def entry_intact(entry: AuditEntry) -> bool:
    """Whether one entry still carries the seal its content was given, and the next entry (if any)
    still follows it: a record anchored there can be trusted as far as that entry goes."""
    fields = {name: getattr(entry, name) for name in SEALED_FIELDS}
    if not hmac.compare_digest(compute_seal(_key(), fields), entry.seal):
        return False
    following = db.session.scalar(select(AuditEntry.prev_seal).where(AuditEntry.seq == entry.seq + 1))
    return following is None or following == entry.seal


def head() -> tuple[int, str, datetime | None]:
    """(seq, seal, time) of the newest entry, to keep elsewhere as a checkpoint."""
    entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    if entry is None:
        return 0, GENESIS, None
    return entry.seq, entry.seal, entry.at


def parse_checkpoint(text: str) -> tuple[int, str]:
    """"SEQ:SEAL" as printed by `audit checkpoint`."""
    seq, _sep, seal = text.strip().partition(":")
    if not seq.isdigit() or len(seal) != 64:
        raise ValueError("a checkpoint reads SEQ:SEAL, as printed by `audit checkpoint`")
    return int(seq), seal
