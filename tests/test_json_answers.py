"""The API's answers, written by orjson, are the bytes json.dumps writes (keys sorted, compact,
UTF-8 as it is), and what orjson refuses is still written as before."""
import json
from datetime import date, datetime, timezone

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

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
