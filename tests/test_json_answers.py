"""The API's answers, written by orjson, are the bytes json.dumps writes (keys sorted, compact,
UTF-8 as it is), and what orjson refuses is still written as before; JSON columns, read by orjson,
are the values json.loads reads."""
import json
import math
from datetime import date, datetime, timezone

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow_app import canonical
from workflow_app.audit import trail
from workflow_app.extensions import db
from workflow_app.models import AuditEntry
from workflow_app.web import BoundedJSONProvider

APP = Flask(__name__)  # held: the provider keeps only a weak reference to its application
APP.json = BoundedJSONProvider(APP)
JSON = APP.json

# Whatever a dossier's answer holds: Vietnamese and control characters, quotes, big and negative
# numbers, nesting.
LEAVES = st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.text()
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                      max_leaves=25)


def as_json_writes(value) -> bytes:
    return (json.dumps(value, default=JSON.default, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n").encode("utf-8")


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_the_same_bytes_as_json(value):
    assert JSON.response(value).get_data() == as_json_writes(value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), st.floats(allow_nan=False, allow_infinity=False), max_size=5))
def test_numbers_with_a_fraction_read_back_the_same(value):  # written shortest-first, as 1e16 not 1e+16
    assert json.loads(JSON.response(value).get_data()) == value


def test_dates_as_flask_writes_them_and_vietnamese_unescaped():
    value = {"ở": "Xã Trà Cú", "at": datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc), "on": date(2026, 1, 31)}
    body = JSON.response(value).get_data()
    assert body == as_json_writes(value)
    assert "Xã Trà Cú".encode() in body and b'"at":"Wed, 02 Dec 2026 09:30:00 GMT"' in body


def test_what_orjson_refuses_is_written_as_before():
    for value in ({"n": 2**70, "list": [1, -(2**65)]}, {3: "số", 1: [2]}):  # beyond 64 bits; keys not text
        assert JSON.response(value).get_data() == as_json_writes(value)
    lone = {"text": "a\ud800b"}  # a lone surrogate: json writes it, UTF-8 cannot; as before, an error
    try:
        JSON.response(lone)
    except UnicodeEncodeError:
        pass
    else:
        raise AssertionError("a lone surrogate was written")


def test_debug_mode_keeps_the_readable_form():
    app = Flask(__name__)
    app.debug = True
    app.json = BoundedJSONProvider(app)
    assert app.json.response({"b": 1, "a": [2]}).get_data() == b'{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'


# What a stored JSON text may hold, and more: integers beyond 64 bits, NaN and infinities (json writes
# them), lone surrogates (json escapes them with ensure_ascii), fractions, any script.
STORED = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                      max_leaves=25)


def same(a, b) -> bool:
    """The same value, type for type (1 is not 1.0 nor True), keys in the same order, NaN as NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@settings(max_examples=500, deadline=None)
@given(STORED, st.booleans())
def test_a_stored_text_is_read_as_json_reads_it(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    expected = json.loads(text)
    assert same(canonical.loads(text), expected)
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):  # bytes hold no surrogate
        assert same(canonical.loads(text.encode("utf-8")), expected)  # PostgreSQL's driver gives bytes


def test_what_orjson_reads_otherwise_is_read_by_json():
    for text in ("18446744073709551616", "-9223372036854775809", '{"n":[1,123456789012345678901234567890]}',
                 '"\\ud800"', "NaN", "[-Infinity]", "1e400"):
        assert same(canonical.loads(text), json.loads(text)), text
        assert same(canonical.loads(text.encode()), json.loads(text)), text
    assert type(canonical.loads("-9223372036854775809")) is int  # orjson alone: -9.223372036854776e+18
    assert canonical.loads('{"code":"1234567890123456789x"}') == {"code": "1234567890123456789x"}


def test_json_columns_are_read_so(app):
    assert db.engine.dialect._json_deserializer is canonical.loads
    details = {"big": 2**70, "small": -(2**63) - 1, "số": "Xã Trà Cú", "f": 0.1}
    trail.append(None, "comment_added", details=details)
    db.session.commit()
    db.session.expunge_all()
    read = db.session.scalars(db.select(AuditEntry.details)).one()
    assert same(read, dict(sorted(details.items())))  # stored with its keys sorted
