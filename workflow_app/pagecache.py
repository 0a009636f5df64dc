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

    def __init__(self, size: int = SIZE):
        self.size = size
        self._parts: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The part kept under `key`, or make() kept under it. Two threads asking for a new key
        at once both compute it (the same result): no request waits for another's."""
        with self._lock:
            if key in self._parts:
                self._parts.move_to_end(key)
                return self._parts[key]
        part = make()
        with self._lock:
            self._parts[key] = part
            while len(self._parts) > self.size:
                self._parts.popitem(last=False)
        return part


def kept() -> Kept:
    """The running application's parts."""
    return current_app.extensions["kept_parts"]
