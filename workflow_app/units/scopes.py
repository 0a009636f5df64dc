"""Scopes kept per process under the map's revision.

A user's scope (the ids of the units its unit reaches down the tree and back along the lineage:
operations.ids_within) is read on every page that lists dossiers or the trail; it depends on the
unit tree and the lineage alone, which change a few times a year. The database advances the map's
revision with every change to either (models.MapRevision, triggers of migration 0012), and the
revision is read with the signed-in user (auth/operations.py, api/tokens.py), in the statement
every request makes anyway. A scope worked out once is kept under the revision it was read at:
the first request after a change reads a new revision and works the scope out again. No server
keeps anything another could contradict: a revision never goes back, and a scope kept under one
was read at it or after it (a request that read the revision before a change and the units after
it keeps the newer scope under the older revision, which no later request asks for).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable, Sequence

from flask import current_app

SIZE = 4096  # scopes per process (a commune's is one id, a district's ~20, a province's ~700)


class Scope(tuple):
    """What a scope holds (ids, or codes), which nobody may change once kept, with the text
    PostgreSQL reads it from as an array parameter, written once (operations._Integers: a
    province's 700 ids took ~0.3 ms a statement to write)."""

    _text = None

    def as_text(self, write: Callable[[tuple], str]) -> str:
        if self._text is None:
            self._text = write(self)
        return self._text


class Scopes:
    """The scopes of the newest revision seen, the least recently used leaving first when full;
    a newer revision empties it."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self.revision = -1
        self._kept: OrderedDict[Hashable, Scope] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, revision: int, read: Callable[[], list]) -> Scope:
        """What read() gives, kept under `key` (what is read, of which unit) at `revision`."""
        with self._lock:
            if revision == self.revision and key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        scope = Scope(read())
        with self._lock:
            if revision > self.revision:
                self.revision = revision
                self._kept.clear()
            if revision == self.revision:  # an older revision's scope is used, not kept
                self._kept[key] = scope
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return scope


def kept() -> Scopes:
    """The running application's scopes (each application, each database, has its own)."""
    return current_app.extensions["scopes"]


def of(user, what: str, read: Callable[[], list]) -> Sequence:
    """read() of the user's unit (`what` names what it reads: "ids", "codes"), kept under the
    map's revision read with the user; read afresh for a user not read with it (None)."""
    if user.map_revision is None:
        return read()
    return kept().get((what, user.unit_id), user.map_revision, read)
