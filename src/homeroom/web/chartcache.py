"""Aggregate charts drawn once per prepared load, date and unit, then reused.

Drawing a chart with vl-convert costs ~0.1 s; the district, school and equity charts show
aggregates that are the same for every user who may open the page, so each is drawn once.
A lock per key makes twenty users who open a new date at once wait for one drawing, not
draw twenty. Student charts are never cached here (they are fast, and per student).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
MAX_ENTRIES = 2048


class ChartCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self._max = max_entries

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._guard:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]  # type: ignore[return-value]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._entries:
                    return self._entries[key]  # type: ignore[return-value]
            value = make()
            with self._guard:
                self._entries[key] = value
                self._locks.pop(key, None)
                while len(self._entries) > self._max:
                    self._entries.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()
