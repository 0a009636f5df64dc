"""Parts of pages that are costly to compute, kept per process under the revision they read.

A key names everything the part depends on, the revision of the data it read among them
(units/revisions.py): a change moves the revision, the next request asks under a new key and
computes the part again. Nothing kept can disagree with the database for longer than the request
that read the revision, so servers still hold no state of their own: another server computes the
same part under the same key. Each application (each database) has its own parts.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from flask import current_app

SIZE = 16  # parts per process: a province overview is up to ~110 KB of text (~220 KB held)


class Kept:
    """The last SIZE parts asked for, the least recently used leaving first."""

    WAIT = 30.0  # seconds a request waits for another thread computing the same part, at most

    def __init__(self, size: int = SIZE):
        self.size = size
        self._parts: OrderedDict[Hashable, Any] = OrderedDict()
        self._computing: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The part kept under `key`, or make() kept under it. A part is computed by one thread at
        a time: right after a change, the four threads of a worker asking for the province's
        overview at once compute it once, not four times over each other (the others wait for it,
        or compute it themselves if it fails or takes more than WAIT)."""
        with self._lock:
            if key in self._parts:
                self._parts.move_to_end(key)
                return self._parts[key]
            computing = self._computing.get(key)
            if computing is None:
                computing = self._computing[key] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:
            computing.wait(self.WAIT)
            with self._lock:
                if key in self._parts:
                    return self._parts[key]
            return make()
        try:
            part = make()
            with self._lock:
                self._parts[key] = part
                while len(self._parts) > self.size:
                    self._parts.popitem(last=False)
            return part
        finally:
            with self._lock:
                del self._computing[key]
            computing.set()


class Newest:
    """Values kept per process under the newest revision seen of something the database advances
    itself (the map, the calendars: triggers), the least recently used leaving first when full.
    The revision is read with the signed-in user, in the statement every request makes; the first
    request after a change reads a newer revision, which empties what was kept. A value is kept
    only under the revision it was read at or after (a request that read the revision before a
    change and the value after it keeps the newer value under the older revision, which no later
    request asks for); one read under an older revision is used, never kept: a revision never goes
    back, so nothing kept can disagree with the database past the request that read it."""

    def __init__(self, size: int):
        self.size = size
        self.revision = -1
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def wrap(value: Any) -> Any:
        """What is kept of what read() gives (a subclass may make it immutable)."""
        return value

    def get(self, key: Hashable, revision: int, read: Callable[[], Any]) -> Any:
        """What read() gives, kept under `key` at `revision`."""
        with self._lock:
            if revision == self.revision and key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        value = self.wrap(read())
        with self._lock:
            if revision > self.revision:
                self.revision = revision
                self._kept.clear()
            if revision == self.revision:  # an older revision's value is used, not kept
                self._kept[key] = value
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return value


def kept() -> Kept:
    """The running application's parts."""
    return current_app.extensions["kept_parts"]
