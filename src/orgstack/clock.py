"""The clock that business rules read, so tests can move time without sleeping.

Signature checks use the wall clock instead, because clients sign with theirs.
"""

from __future__ import annotations

import datetime as dt
import threading


class Clock:
    """UTC time with an adjustable offset (zero in normal operation)."""

    def __init__(self) -> None:
        self._offset = dt.timedelta()
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset

    def advance(self, delta: dt.timedelta) -> None:
        with self._lock:
            self._offset += delta

    @property
    def offset(self) -> dt.timedelta:
        return self._offset
