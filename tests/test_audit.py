"""The audit trail: sealed, chained, append-only; verify names the first entry that fails."""
import hashlib
import hmac
import json
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Text, cast, func, select, text
from sqlalchemy.exc import DatabaseError

from workflow_app.audit import trail
from workflow_app.canonical import dumps as canonical_json
from workflow_app.extensions import db
from workflow_app.models import AuditEntry
from workflow_app.units.operations import get_unit


@pytest.fixture
def chain(app, make_user):
    """Five entries: creating users writes audit entries."""
    for i in range(5):
        make_user("commune_officer", "29269", username=f"canbo{i}")
    assert [e.seq for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))] == [1, 2, 3, 4, 5]
    return app


@contextmanager
def behind_the_apps_back():
    """Write to the table as someone with database access would, past the append-only triggers."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
        try:
            yield
        finally:
            db.session.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
            db.session.commit()
    else:
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.session.execute(text("DROP TRIGGER audit_entry_no_delete"))
        yield
        db.session.commit()


def test_intact_chain_verifies(chain):
    result = trail.verify()
    assert (result.ok, result.entries, result.first_bad_seq) == (True, 5, None)
    assert result.head_seq == 5


def test_entries_are_chained_and_sealed(chain):
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert entries[0].prev_seal == trail.GENESIS
    assert all(b.prev_seal == a.seal for a, b in zip(entries, entries[1:]))
    assert len({e.seal for e in entries}) == 5


@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET comment = 'sửa' WHERE seq = 2",
                                       "DELETE FROM audit_entry WHERE seq = 2"])
def test_the_database_refuses_updates_and_deletes(chain, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()
    assert trail.verify().ok


def test_an_edited_entry_is_named(chain):
    with behind_the_apps_back():
        db.session.execute(text("UPDATE audit_entry SET role = 'admin' WHERE seq = 3"))
    result = trail.verify()
    assert (result.ok, result.first_bad_seq, result.entries) == (False, 3, 2)
    assert "changed" in result.problem
    # The walk stopped at entry 3 of 5: its reading was ended, the transaction is usable still.
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 5


@settings(max_examples=50, deadline=None)
@given(key=st.binary(max_size=200), message=st.binary(max_size=2000))
def test_the_sealer_is_hmac_sha256(key, message):
    """The walk's HMAC (the key's padded blocks hashed once) is the standard library's, for keys
    shorter and longer than SHA-256's 64-byte block."""
    assert trail._sealer(key)(message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def stored_details(seq: int) -> str:
    return db.session.scalar(select(cast(AuditEntry.details, Text)).where(AuditEntry.seq == seq))


def test_details_are_stored_as_they_are_sealed(chain):
    """Sorted keys, no spaces: verify seals the stored text without decoding it."""
    assert stored_details(3) == '{"active":true,"role":"commune_officer","unit":"29269","user":"canbo2"}'


def test_edited_details_are_named(chain):
    with behind_the_apps_back():
        db.session.execute(text("UPDATE audit_entry SET details = :d WHERE seq = 3"),
                           {"d": stored_details(3).replace("canbo2", "canbo9")})
    result = trail.verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "changed" in result.problem


def test_details_stored_in_another_layout_still_verify(chain):
    """An entry written before JSON was stored canonically: same content, other spacing and key
    order. Its seal still holds, so the trail is intact."""
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.seq == 3)).one()
    relaid = json.dumps(dict(reversed(list(entry.details.items()))), indent=1)
    with behind_the_apps_back():
        db.session.execute(text("UPDATE audit_entry SET details = :d WHERE seq = 3"), {"d": relaid})
    assert stored_details(3) == relaid != canonical_json(entry.details)
    result = trail.verify()
    assert (result.ok, result.entries) == (True, 5)


def test_verification_seals_the_stored_text_as_append_sealed_the_content(chain):
    """The fast path of verify (each entry's bytes written out from the row's text as COPY or the
    driver gives it) gives exactly the canonical bytes the entry was sealed over, for awkward
    content too: so it is the path taken, not the fallback."""
    trail.append(None, "comment_added", unit=get_unit("29269"), comment='Trả lời "gấp"\\ \n\t — 🚓',
                 details={"z": [1, 2.5, None, True], "a": {"ý kiến": "Đồng ý", "n": -3}})
    db.session.commit()
    assert_read_as_sealed(6)


def assert_read_as_sealed(count: int) -> None:
    rows = list(trail._rows(db.session.connection()))
    entries = list(trail._entries(db.session.connection()))
    assert len(rows) == len(entries) == count
    for row, (seq, prev_seal, seal, content) in zip(rows, entries):
        fields = trail._fields(row)
        assert (seq, prev_seal, seal) == (row[0], row[12], row[13])
        assert content == trail._stored_content(*row) == trail.canonical(fields)
        assert trail.compute_seal(app_key(), fields) == seal


AWKWARD = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(comment=AWKWARD, key=AWKWARD, value=AWKWARD)
@example(comment=" lề ", key="", value="")  # spaces at the ends, nothing escaped
@example(comment='ý "kiến"', key="\x01", value="\x1f\x7f")  # controls COPY writes as they are
@example(comment="\\N", key="\\", value="null")  # COPY's own NULL, written as data
@example(comment="tab\there\r\n", key="🚓", value="\u2028")
def test_any_text_is_read_as_it_was_sealed(chain, comment, key, value):
    """Quotes, backslashes, tabs, line ends, every control character, any script: the bytes the
    database writes for an entry are the bytes Python sealed (to_json escapes as json.dumps does),
    and COPY's own escapes are undone."""
    trail.append(None, "comment_added", unit=get_unit("29269"), comment=comment, details={key: [value, comment]})
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert_read_as_sealed(count)
    assert trail.verify().ok


def app_key() -> str:
    from flask import current_app

    return current_app.config["AUDIT_KEY"]


def test_a_deleted_entry_is_named(chain):
    with behind_the_apps_back():
        db.session.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    result = trail.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "missing" in result.problem


def test_swapped_entries_are_named(chain):
    with behind_the_apps_back():
        db.session.execute(text("UPDATE audit_entry SET seq = -2 WHERE seq = 2"))
        db.session.execute(text("UPDATE audit_entry SET seq = 2 WHERE seq = 3"))
        db.session.execute(text("UPDATE audit_entry SET seq = 3 WHERE seq = -2"))
    result = trail.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_a_chain_resealed_without_the_key_is_caught(chain):
    """Recomputing every seal needs AUDIT_KEY, which is not in the database."""
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    prev = trail.GENESIS
    with behind_the_apps_back():
        for entry in entries:
            fields = {name: getattr(entry, name) for name in trail.SEALED_FIELDS} | {"prev_seal": prev}
            if entry.seq == 4:
                fields["actor"] = "nguoi-khac"
            seal = trail.compute_seal("a guessed key", fields)
            db.session.execute(text("UPDATE audit_entry SET actor = :a, prev_seal = :p, seal = :s WHERE seq = :q"),
                               {"a": fields["actor"], "p": prev, "s": seal, "q": entry.seq})
            prev = seal
    result = trail.verify()
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_entries_cut_from_the_end_are_caught_by_the_head(chain):
    with behind_the_apps_back():
        db.session.execute(text("DELETE FROM audit_entry WHERE seq >= 4"))
    result = trail.verify()
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "the trail ends at entry 3, but its head records entry 5" in result.problem


def test_entries_cut_and_the_head_rewound_are_caught_by_a_checkpoint(chain):
    seq, seal, _at = trail.head()
    assert seq == 5
    with behind_the_apps_back():
        db.session.execute(text("DELETE FROM audit_entry WHERE seq >= 4"))
        db.session.execute(text("UPDATE audit_head SET seq = 3, seal = (SELECT seal FROM audit_entry WHERE seq = 3)"))
    assert trail.verify().ok  # the head rewound too: only a checkpoint kept elsewhere shows the cut
    result = trail.verify((seq, seal))
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_emptying_the_trail_is_refused(chain):
    """TRUNCATE on PostgreSQL; SQLite has none, and its DELETE of every row is refused like any delete."""
    statement = "TRUNCATE audit_entry" if db.engine.dialect.name == "postgresql" else "DELETE FROM audit_entry"
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    statement = "TRUNCATE audit_head" if db.engine.dialect.name == "postgresql" else "DELETE FROM audit_head"
    with pytest.raises(DatabaseError, match="never deleted"):
        db.session.execute(text(statement))
    db.session.rollback()


def test_an_emptied_trail_is_caught(chain):
    with behind_the_apps_back():
        db.session.execute(text("DELETE FROM audit_entry"))
    result = trail.verify()
    assert not result.ok and result.entries == 0
    assert "the trail ends at entry 0, but its head records entry 5" in result.problem


def test_the_head_cannot_be_deleted(chain):
    with pytest.raises(DatabaseError, match="never deleted"):
        db.session.execute(text("DELETE FROM audit_head"))
    db.session.rollback()


def test_checkpoint_of_a_rewritten_entry(chain):
    seq, _seal, _at = trail.head()
    result = trail.verify((seq, "f" * 64))
    assert (result.ok, result.first_bad_seq) == (False, 5)


def test_cli_verify_and_checkpoint(chain, runner):
    checkpoint = runner.invoke(args=["audit", "checkpoint"])
    assert checkpoint.exit_code == 0
    mark = checkpoint.stdout.strip()
    assert mark.startswith("5:") and len(mark) == 2 + 64
    ok = runner.invoke(args=["audit", "verify", "--checkpoint", mark])
    assert ok.exit_code == 0 and "OK: 5 entries" in ok.output
    with behind_the_apps_back():
        db.session.execute(text("DELETE FROM audit_entry WHERE seq = 5"))
    cut = runner.invoke(args=["audit", "verify", "--checkpoint", mark])
    assert cut.exit_code == 1 and "TAMPERED: entry 5" in cut.output


def test_cli_rejects_a_malformed_checkpoint(chain, runner):
    result = runner.invoke(args=["audit", "verify", "--checkpoint", "abc"])
    assert result.exit_code == 2 and "SEQ:SEAL" in result.output


def test_empty_trail_verifies(app):
    assert trail.verify().ok and trail.head()[0] == 0


@pytest.mark.parametrize(
    "since, until, included",
    [
        ("2025-03-02", None, True),  # 03:00 on 2 March in Vietnam is 2 March
        (None, "2025-03-01", False),  # ... and not 1 March, although it is 1 March in UTC
        ("2025-03-01", "2025-03-01", False),
        ("2025-03-02", "2025-03-02", True),
        ("2025-03-03", None, False),
        (None, "2025-03-02", True),
    ],
)
def test_audit_date_filters_follow_the_vietnamese_calendar_day(app, make_user, since, until, included):
    from datetime import date, datetime, timezone
    from unittest import mock

    from workflow_app.audit.queries import AuditFilter, audit_page

    reader = make_user("inspector", "84")
    at = datetime(2025, 3, 1, 20, 0, tzinfo=timezone.utc)  # 03:00 on 2 March, Asia/Ho_Chi_Minh
    with mock.patch.object(trail, "utcnow", return_value=at):
        make_user("commune_officer", "29269", username="vaolucbaGio")
        db.session.commit()
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert entry.at == at
    f = AuditFilter(since=since and date.fromisoformat(since), until=until and date.fromisoformat(until))
    found = [e.seq for e in audit_page(reader, f, 1, 100)[0]]
    assert (entry.seq in found) is included


@pytest.mark.parametrize("damage, bad_seq", [
    (None, None),
    ("UPDATE audit_entry SET comment = 'sửa' WHERE seq = 7", 7),  # inside the second range
    ("DELETE FROM audit_entry WHERE seq = 4", 4),  # an entry cut out of the first range
    ("UPDATE audit_entry SET prev_seal = 'x' WHERE seq = 6", 6),  # the edge between the two ranges
])
def test_several_processes_give_the_same_verdict_as_one(app, make_user, damage, bad_seq):
    """On PostgreSQL the chain is cut in two ranges walked by two processes; elsewhere the same call
    walks it in one. Either way: the verdict of verify()."""
    for i in range(10):
        make_user("commune_officer", "29269", username=f"canbo{i}")
    db.session.commit()
    if damage:
        with behind_the_apps_back():
            db.session.execute(text(damage))
        db.session.commit()
    serial = trail.verify()
    parallel = trail.verify_parallel(workers=2, minimum=0)
    assert (parallel.ok, parallel.first_bad_seq) == (serial.ok, serial.first_bad_seq) == (bad_seq is None, bad_seq)
    if bad_seq is None:
        assert (parallel.entries, parallel.head_seq, parallel.head_seal) == (10, 10, serial.head_seal)
