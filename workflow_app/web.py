"""Small helpers shared by the web views."""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

import orjson
from flask import abort, flash
from flask.json.provider import DefaultJSONProvider
from flask_sqlalchemy.pagination import Pagination
from flask_login import current_user, login_required
from werkzeug.routing import IntegerConverter

from .errors import OperationError
from .extensions import db
from .transaction import unit_of_work

T = TypeVar("T")


def requires(predicate: Callable[..., bool]):
    """A view for signed-in users of whom `predicate(user)` holds (e.g. User.can_read_province); 403 for others."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def submit(change: Callable[[], T], *, form=None) -> tuple[T | None, OperationError | None]:
    """Run `change` as the request's one unit of work: (its result, None) once committed, or
    (None, the refusal) with nothing written and, given a form, the refusal placed on its fields."""
    try:
        with unit_of_work():
            return change(), None
    except OperationError as exc:
        if form is not None:
            place_errors(form, exc)
        return None, exc


def place_errors(form, exc: OperationError) -> None:
    """Put an operation's error next to the field it names, or above the form."""
    placed = False
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
            placed = True
    if not placed:
        flash(exc.message, "danger")


def _strings(value, limit: int = 100_000):
    """Every string inside a parsed request value (keys too), walked without recursion."""
    todo = [value]
    while todo and limit:
        item = todo.pop()
        limit -= 1
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)


def _has_nul(value) -> bool:
    return any("\x00" in text for text in _strings(value))


def nul_field():
    """The name of the first request field holding a NUL character (which no database column
    accepts), or None. Checked once for every request, the web forms and the API alike."""
    from flask import request

    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if _has_nul(name) or _has_nul(value):
                return name
    for name, upload in request.files.items(multi=True):
        if _has_nul(upload.filename or ""):
            return name
    if request.is_json:
        data = request.get_json(silent=True)
        if isinstance(data, dict):
            for name, value in data.items():
                if _has_nul(name) or _has_nul(value):
                    return name
        elif _has_nul(data):
            return "body"
    return None


# Database ids are 32-bit: a longer number in a URL is no page (404), never a database error.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """The <int:…> of every route: 1 to MAX_ID."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


MAX_JSON_DEPTH = 32


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON bodies nested deeper than any request of the API are malformed (400), not a crash.
    Answers are written in UTF-8 as they are: Vietnamese text is not six bytes per letter.

    An answer is written by orjson (in C) with the same bytes as json.dumps would write them
    (keys sorted, compact, the provider's `default` for dates and the like), 15 times faster: a
    page of 20 dossiers is 400 KB of JSON. What orjson refuses (an integer beyond 64 bits, a lone
    surrogate, a key that is not text) is left to json, which writes or refuses it as before; so is
    the readable form of debug mode."""

    ensure_ascii = False
    ORJSON = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
              | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_APPEND_NEWLINE)

    def response(self, *args, **kwargs):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=self.ORJSON)
        except orjson.JSONEncodeError:
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)

    def loads(self, s, **kwargs):
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        todo = [(data, 1)]
        while todo:
            item, depth = todo.pop()
            if depth > MAX_JSON_DEPTH:
                raise ValueError("JSON nested too deeply")
            if isinstance(item, dict):
                todo.extend((v, depth + 1) for v in item.values())
            elif isinstance(item, list):
                todo.extend((v, depth + 1) for v in item)
        return data


class Fetched(Pagination):
    """A page as db.paginate gives it (the pager reads it), of what `fetch(page, per_page)` returns:
    the page's items and how many there are in all (rows, where db.paginate reads mapped objects)."""

    def _query_items(self) -> list:
        items, self._total = self._query_args["fetch"](self.page, self.per_page)
        return items

    def _query_count(self) -> int:
        return self._total


# A page beyond this many rows (a typed link's page number) is past the end of any list: not asked
# of the database, whose integer parameter it would overflow.
MAX_OFFSET = 2**31 - 1


def rows_and_total(page_statement, count_statement, params: dict, page: int, per_page: int) -> tuple[list, int]:
    """A page of rows (`page_statement` takes `limit` and `offset`) and how many there are in all:
    a page with fewer rows than a page holds is the last, and its total needs no count."""
    offset = (page - 1) * per_page
    rows = [] if offset > MAX_OFFSET else db.session.execute(page_statement,
                                                              {**params, "limit": per_page, "offset": offset}).all()
    if rows and len(rows) < per_page:
        return rows, offset + len(rows)
    return rows, db.session.execute(count_statement, params).scalar_one()
