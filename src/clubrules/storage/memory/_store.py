"""What every in-memory adapter shares: a dict behind a lock, and ordering by instant.

Instants are compared as epoch microseconds, never as datetimes: Python
compares two datetimes of one zone by wall time, so the repeated hour of a
DST change would sort and filter wrongly.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Generic, TypeVar

from clubrules._time import to_epoch_us
from clubrules.errors import DuplicateError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

__all__ = ["Table", "by_instant"]

K = TypeVar("K")
V = TypeVar("V")


class Table(Generic[K, V]):
    """Values of one kind by key, behind a lock; the kind names them in errors."""

    def __init__(self, kind: str, lock: threading.Lock | None = None) -> None:
        self.kind = kind
        self.lock = lock or threading.Lock()
        self.rows: dict[K, V] = {}

    def add_new(self, key: K, value: V, taken: str | None = None) -> None:
        """Store a value under a new key; `DuplicateError` (with `taken`) if the key is held."""
        with self.lock:
            if key in self.rows:
                raise DuplicateError(taken or f"{self.kind} {key!r} already exists")
            self.rows[key] = value

    def add_once(self, key: K, value: V) -> bool:
        """Store a value; False if stored as is, `DuplicateError` if the key holds another."""
        with self.lock:
            stored = self.rows.get(key)
            if stored is None:
                self.rows[key] = value
                return True
        if stored == value:
            return False
        raise DuplicateError(f"{self.kind} {key!r} already exists with other content")

    def get(self, key: K) -> V:
        """The value under `key`; `NotFoundError` if there is none."""
        with self.lock:
            try:
                return self.rows[key]
            except KeyError:
                raise NotFoundError(self.kind, str(key)) from None

    def select(self, keep: Callable[[V], bool]) -> list[V]:
        """The stored values that `keep` accepts (a snapshot)."""
        with self.lock:
            return [v for v in self.rows.values() if keep(v)]

    def __len__(self) -> int:
        return len(self.rows)


def by_instant(
    values: Iterable[V],
    at: Callable[[V], datetime],
    tie: Callable[[V], str],
    bounds: tuple[int | None, int | None] = (None, None),
) -> list[V]:
    """The values whose instant `at` lies in `bounds`, by instant then `tie`."""
    lo, hi = bounds
    keyed = [(to_epoch_us(at(v)), tie(v), v) for v in values]
    keyed = [k for k in keyed if (lo is None or k[0] >= lo) and (hi is None or k[0] < hi)]
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [k[2] for k in keyed]
