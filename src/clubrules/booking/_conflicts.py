"""The batch conflict scan: a sweep line over integer microseconds, per resource."""

from __future__ import annotations

from collections.abc import Iterable  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import datetime  # noqa: TC003 - resolved at runtime by get_type_hints
from itertools import compress, islice
from operator import itemgetter, lt
from typing import Any

import attrs

from clubrules._checks import require_items
from clubrules._time import from_epoch_us, instants_compared, require_aware, to_epoch_us
from clubrules.booking._model import Booking

__all__ = ["Conflict", "ConflictReport", "OverCapacity", "find_conflicts"]

_START = itemgetter(0)
_END = itemgetter(1)
_SORT_KEY = itemgetter(4)


@attrs.frozen(field_transformer=instants_compared)
class Conflict:
    """Two bookings that make one resource busy at the same time.

    Attributes:
        resource: The resource id.
        first: The booking whose busy time (buffers included) starts first.
        second: The other booking.
        start: The start of the overlap (UTC).
        end: The end of the overlap (UTC, exclusive).
    """

    resource: str
    first: str
    second: str
    start: datetime
    end: datetime

    def __str__(self) -> str:
        return (
            f"{self.first} and {self.second} both use {self.resource} "
            f"from {self.start.isoformat()} to {self.end.isoformat()}"
        )


@attrs.frozen(field_transformer=instants_compared)
class OverCapacity:
    """A window in which a resource holds more than its capacity.

    Attributes:
        resource: The resource id.
        start: The start of the window (UTC).
        end: The end of the window (UTC, exclusive).
        peak: The most units in use at any instant of the window.
        peak_at: The first instant at which the peak is reached.
        capacity: The resource's capacity.
        bookings: The ids of every booking present during the window, sorted.
    """

    resource: str
    start: datetime
    end: datetime
    peak: int
    peak_at: datetime
    capacity: int
    bookings: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.resource} holds {self.peak} (capacity {self.capacity}) "
            f"from {self.start.isoformat()} to {self.end.isoformat()}"
        )


@attrs.frozen
class ConflictReport:
    """What [find_conflicts][clubrules.booking.find_conflicts] found.

    Attributes:
        pairs: Every conflicting pair on resources of capacity 1, ordered by
            resource, then start.
        over_capacity: Every over-capacity window on resources of capacity
            above 1, ordered by resource, then start.
    """

    pairs: tuple[Conflict, ...]
    over_capacity: tuple[OverCapacity, ...]

    def __bool__(self) -> bool:
        return bool(self.pairs or self.over_capacity)

    def __len__(self) -> int:
        return len(self.pairs) + len(self.over_capacity)


def find_conflicts(bookings: Iterable[Booking], *, as_of: datetime | None = None) -> ConflictReport:
    """Every conflict among `bookings`, per resource, buffers included.

    Intervals are half-open, so back-to-back bookings do not conflict. A
    resource's capacity is the smallest capacity its occupancies carry. For
    capacity 1 every overlapping pair is reported with its overlap window;
    for capacity above 1, every window in which the units in use exceed the
    capacity, with its peak.

    Cancelled, expired and no-show bookings are skipped. With `as_of`, held
    and pending bookings whose expiry is at or before `as_of` are skipped
    too; without it, they count.

    The scan sorts each resource's busy times and sweeps them once: O(n log n
    + k) for n occupancies and k conflicts.

    Args:
        bookings: Any collection of bookings.
        as_of: The instant at which holds are judged.

    Returns:
        A [ConflictReport][clubrules.booking.ConflictReport].

    Raises:
        NaiveDatetimeError: `as_of` is naive.
    """
    source: Iterable[Booking] = require_items(bookings, Booking, "bookings")
    if as_of is not None:
        threshold = to_epoch_us(require_aware(as_of, "as_of"))
        source = (b for b in source if b._expires_us > threshold)  # noqa: SLF001
    # Each booking carries its rows ready-made (none if it never blocks), so
    # gathering them builds no tuples; one read back from storage makes them now.
    lanes: dict[str, list[Any]] = {}  # resource -> [capacity, rows]
    get = lanes.get
    for booking in source:
        scan = booking._rows  # noqa: SLF001 - the package's hot path
        if scan is None:
            scan = booking._scan_rows()  # noqa: SLF001
        for resource, capacity, row in scan:
            entry = get(resource)
            if entry is None:
                lanes[resource] = [capacity, [row]]
                continue
            if capacity < entry[0]:  # noqa: PLR1730 - a call to min() per row costs more
                entry[0] = capacity
            entry[1].append(row)
    pairs: list[Conflict] = []
    windows: list[OverCapacity] = []
    for resource in sorted(lanes):
        capacity, rows = lanes[resource]
        rows.sort(key=_SORT_KEY)
        if capacity == 1:
            for a, b, lo, hi in _pairs(rows):
                pairs.append(Conflict(resource, a, b, from_epoch_us(lo), from_epoch_us(hi)))
        else:
            for lo, hi, peak, peak_at, present in _over(rows, capacity):
                windows.append(
                    OverCapacity(
                        resource,
                        from_epoch_us(lo),
                        from_epoch_us(hi),
                        peak,
                        from_epoch_us(peak_at),
                        capacity,
                        tuple(sorted(present)),
                    )
                )
    return ConflictReport(tuple(pairs), tuple(windows))


def _pairs(rows: list[tuple[int, int, int, str, float]]) -> list[tuple[str, str, int, int]]:
    """Overlapping pairs in rows sorted by start: (earlier, later, overlap start, overlap end).

    A row that starts at or after the end of the row before it, in a run of
    such rows, overlaps nothing earlier; C-level `map`/`compress` find the
    rows that do not (about 1% in a real diary), and the sweep runs in
    Python only from each of those until the busy stretch it opens ends.
    """
    out: list[tuple[str, str, int, int]] = []
    n = len(rows)
    done = 0
    starts = list(map(_START, rows))
    ends = list(map(_END, rows))
    for i in compress(range(1, n), map(lt, islice(starts, 1, None), ends)):
        if i < done:
            continue  # inside a stretch already swept
        # Outside a swept stretch, only the previous row can still be busy.
        _, max_end, _, previous, _ = rows[i - 1]
        active = [(max_end, previous)]
        j = i
        while j < n:
            s, e, _units, k, _ = rows[j]
            if s >= max_end:
                break
            active = [a for a in active if a[0] > s]
            for a_end, a_k in active:
                if a_k != k:
                    out.append((a_k, k, s, min(a_end, e)))
            active.append((e, k))
            max_end = max(max_end, e)
            j += 1
        done = j
    return out


def _over(
    rows: list[tuple[int, int, int, str, float]], capacity: int
) -> list[tuple[int, int, int, int, set[str]]]:
    """Windows where the units in use exceed `capacity`: (start, end, peak, peak at, bookings)."""
    events: list[tuple[int, int, str]] = []
    for s, e, units, k, _ in rows:
        events.append((s, units, k))
        events.append((e, -units, k))
    # At one instant, ends (negative) sort before starts: intervals are half-open.
    events.sort()
    out: list[tuple[int, int, int, int, set[str]]] = []
    present: dict[str, int] = {}
    load = 0
    window: list[object] | None = None  # [start, peak, peak_at, bookings]
    i, n = 0, len(events)
    while i < n:
        t = events[i][0]
        starters: list[str] = []
        while i < n and events[i][0] == t:
            _, delta, k = events[i]
            load += delta
            if delta > 0:
                present[k] = present.get(k, 0) + 1
                starters.append(k)
            else:
                left = present[k] - 1
                if left:
                    present[k] = left
                else:
                    del present[k]
            i += 1
        if load > capacity:
            if window is None:
                window = [t, load, t, set(present)]
            else:
                window[3].update(starters)  # type: ignore[attr-defined]
                if load > window[1]:  # type: ignore[operator]
                    window[1] = load
                    window[2] = t
        elif window is not None:
            start, peak, peak_at, ids = window
            out.append((start, t, peak, peak_at, ids))  # type: ignore[arg-type]
            window = None
    return out
