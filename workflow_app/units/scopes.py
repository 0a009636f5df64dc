"""Scopes kept per process under the map's revision.

A user's scope (the ids of the units its unit reaches down the tree and back along the lineage:
operations.ids_within) is read on every page that lists dossiers or the trail; it depends on the
unit tree and the lineage alone, which change a few times a year. The database advances the map's
revision with every change to either, names included (models.MapRevision, triggers of migrations
0012 and 0014), and the revision is read with the signed-in user (auth/operations.py,
api/tokens.py), in the statement every request makes anyway. A scope worked out once is kept under
the revision it was read at (pagecache.Newest): the first request after a change reads a new
revision and works the scope out again. What else a page reads of the map alone is kept with the
scopes (units/operations.py): the districts the dossier list filters by, the province a commune's
route is read by, and the units a unit was formed from (under its province's revision too).
"""
from __future__ import annotations

from typing import Callable, Hashable, Sequence

from flask import current_app

from ..pagecache import Newest

SIZE = 4096  # kept per process (a commune's scope is one id, a district's ~20, a province's ~700)


class Scope(tuple):
    """What a scope holds (ids, or codes), which nobody may change once kept, with the text
    PostgreSQL reads it from as an array parameter, written once (operations._Integers: a
    province's 700 ids took ~0.3 ms a statement to write)."""

    _text = None

    def as_text(self, write: Callable[[tuple], str]) -> str:
        if self._text is None:
            self._text = write(self)
        return self._text


class Scopes(Newest):
    """The scopes of the newest map revision seen, each kept as a Scope."""

    wrap = Scope

    def __init__(self, size: int = SIZE):
        super().__init__(size)


def kept() -> Scopes:
    """The running application's scopes (each application, each database, has its own)."""
    return current_app.extensions["scopes"]


def of(user, what: Hashable, read: Callable[[], list]) -> Sequence:
    """read() of the user's unit (`what` names what it reads: "ids", "codes", and anything else
    it depends on), kept under the map's revision read with the user; read afresh for a user not
    read with it (None)."""
    if user.map_revision is None:
        return read()
    return kept().get((what, user.unit_id), user.map_revision, read)
