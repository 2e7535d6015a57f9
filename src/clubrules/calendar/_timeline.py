"""The precomputed timeline of a calendar: open intervals as epoch microseconds.

For each loaded local year the timeline holds every open interval as integer
epoch microseconds, sorted, with the business time elapsed before and after
each interval (prefix sums), and the business days (local dates with some open
time). Every query is a `bisect` over these lists, so its cost does not grow
with the span it covers. Years load lazily, under a lock; readers take one
immutable snapshot per call and never see a half-built one.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from clubrules._time import EPOCH, ONE_US
from clubrules.errors import CalendarError, NoBusinessTimeError

if TYPE_CHECKING:
    from collections.abc import Callable
    from zoneinfo import ZoneInfo

    from clubrules.calendar._hours import TimeRange

__all__ = ["Snapshot", "Timeline", "wall_to_us"]

# Years scanned past the loaded ones before concluding there is no open time.
HORIZON_YEARS = 10
_MIN_YEAR = 2
_MAX_YEAR = 9997


def _to_us(value: datetime) -> int:
    return (value - EPOCH) // ONE_US


def _wall_of(us: int, tz: ZoneInfo) -> datetime:
    return (EPOCH + timedelta(microseconds=us)).astimezone(tz).replace(tzinfo=None)


def wall_to_us(wall: datetime, tz: ZoneInfo) -> int:
    """The first instant whose local wall time in `tz` is at or after the naive `wall`.

    For a wall time that exists once, that is its only instant; for an
    ambiguous one (a fall-back repeat) its first occurrence; for one that does
    not exist (a spring-forward gap) the transition instant that ends the gap.
    """
    first = _to_us(wall.replace(tzinfo=tz, fold=0))
    if _wall_of(first, tz) == wall:
        return first
    # In a gap: the two folds bracket the transition; find it by bisection.
    other = _to_us(wall.replace(tzinfo=tz, fold=1))
    lo, hi = min(first, other), max(first, other)
    while lo < hi:
        mid = (lo + hi) // 2
        if _wall_of(mid, tz) >= wall:
            hi = mid
        else:
            lo = mid + 1
    return lo


class Snapshot:
    """One immutable state of a timeline: the loaded years and their intervals.

    Attributes (all lists are never mutated once published):
        lo_safe, hi_safe: instants `t` with `lo_safe <= t < hi_safe` are
            answered exactly from the loaded intervals.
        starts, ends: interval bounds in epoch microseconds, sorted.
        cum0, cum1: business microseconds before and after each interval.
        day_of: the business-day index of each interval.
        day_first, day_last: first and last interval index of each business day.
        day_cum0, day_len: the business clock at each business day's first
            opening, and the day's open length.
    """

    __slots__ = (
        "cum0",
        "cum1",
        "day_cum0",
        "day_first",
        "day_last",
        "day_len",
        "day_of",
        "ends",
        "hi_safe",
        "lo_safe",
        "starts",
        "year_hi",
        "year_lo",
    )

    def __init__(
        self,
        year_lo: int,
        year_hi: int,
        blocks: dict[int, list[tuple[int, int, int]]],
        origin_us: int,
        tz: ZoneInfo,
    ) -> None:
        self.year_lo = year_lo
        self.year_hi = year_hi
        self.lo_safe = wall_to_us(datetime(year_lo, 1, 2), tz)  # noqa: DTZ001 - a wall time
        self.hi_safe = wall_to_us(datetime(year_hi + 1, 1, 1), tz)  # noqa: DTZ001 - a wall time
        starts: list[int] = []
        ends: list[int] = []
        ordinals: list[int] = []
        for year in range(year_lo, year_hi + 1):
            for start, end, ordinal in blocks[year]:
                if starts and start < ends[-1]:
                    msg = "calendar intervals overlap after conversion to instants"
                    raise CalendarError(msg)
                starts.append(start)
                ends.append(end)
                ordinals.append(ordinal)
        cum0: list[int] = []
        cum1: list[int] = []
        total = 0
        for start, end in zip(starts, ends, strict=True):
            cum0.append(total)
            total += end - start
            cum1.append(total)
        self.starts, self.ends = starts, ends
        self.cum0, self.cum1 = cum0, cum1
        shift = self.business_us(origin_us)
        if shift:
            self.cum0 = [c - shift for c in cum0]
            self.cum1 = [c - shift for c in cum1]
        day_of: list[int] = []
        day_first: list[int] = []
        day_last: list[int] = []
        previous = None
        for index, ordinal in enumerate(ordinals):
            if ordinal != previous:
                day_first.append(index)
                day_last.append(index)
                previous = ordinal
            else:
                day_last[-1] = index
            day_of.append(len(day_first) - 1)
        self.day_of, self.day_first, self.day_last = day_of, day_first, day_last
        self.day_cum0 = [self.cum0[i] for i in day_first]
        self.day_len = [
            self.cum1[j] - self.cum0[i] for i, j in zip(day_first, day_last, strict=True)
        ]

    def business_us(self, at: int) -> int:
        """The business clock at `at`; exact when `lo_safe <= at < hi_safe`."""
        starts = self.starts
        if not starts:
            return 0
        i = bisect_right(starts, at) - 1
        if i < 0:
            return self.cum0[0]
        end = self.ends[i]
        return self.cum0[i] + (min(end, at)) - starts[i]


class Timeline:
    """The lazily loaded, thread-safe timeline of one calendar.

    Args:
        tz: The calendar's zone.
        hours_on: The local opening hours of a date (no holiday-data checks).
    """

    def __init__(self, tz: ZoneInfo, hours_on: Callable[[date], tuple[TimeRange, ...]]) -> None:
        self._tz = tz
        self._hours_on = hours_on
        self._lock = threading.Lock()
        self._blocks: dict[int, list[tuple[int, int, int]]] = {}
        self._origin_us = 0
        self.snapshot: Snapshot | None = None

    def _year_block(self, year: int) -> list[tuple[int, int, int]]:
        tz = self._tz
        block: list[tuple[int, int, int]] = []
        day = date(year, 1, 1)
        one_day = timedelta(days=1)
        while day.year == year:
            midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a wall time
            for hours in self._hours_on(day):
                opening = midnight + timedelta(seconds=hours.start_seconds)
                closing = midnight + timedelta(seconds=hours.end_seconds)
                start, end = wall_to_us(opening, tz), wall_to_us(closing, tz)
                if end > start:  # a range wholly inside a DST gap has no open time
                    block.append((start, end, day.toordinal()))
            day += one_day
        return block

    def _publish(self, year_lo: int, year_hi: int) -> Snapshot:
        for year in range(year_lo, year_hi + 1):
            if year not in self._blocks:
                self._blocks[year] = self._year_block(year)
        snapshot = Snapshot(year_lo, year_hi, self._blocks, self._origin_us, self._tz)
        self.snapshot = snapshot
        return snapshot

    def covering(self, at: int) -> Snapshot:
        """A snapshot that answers exactly about the instant `at` (loading years as needed)."""
        snap = self.snapshot
        if snap is not None and snap.lo_safe <= at < snap.hi_safe:
            return snap
        with self._lock:
            snap = self.snapshot
            if snap is None:
                year = (EPOCH + timedelta(microseconds=at)).year
                year = min(max(year, _MIN_YEAR), _MAX_YEAR)
                # The business clock reads 0 at the first safe instant of the first
                # year loaded; every later snapshot keeps that origin.
                self._origin_us = wall_to_us(datetime(year, 1, 2), self._tz)  # noqa: DTZ001
                snap = self._publish(year, year)
            while at < snap.lo_safe and snap.year_lo > _MIN_YEAR:
                snap = self._publish(snap.year_lo - 1, snap.year_hi)
            while at >= snap.hi_safe and snap.year_hi < _MAX_YEAR:
                snap = self._publish(snap.year_lo, snap.year_hi + 1)
            if not snap.lo_safe <= at < snap.hi_safe:
                msg = "the instant is outside the years a calendar can represent"
                raise CalendarError(msg)
            return snap

    def extend_forward(self, snap: Snapshot, needed: Callable[[Snapshot], bool]) -> Snapshot:
        """Load later years until `needed(snapshot)` holds.

        Raises:
            NoBusinessTimeError: `HORIZON_YEARS` consecutive years hold no open
                time, so `needed` can never come to hold.
            CalendarError: the search ran past the last representable year.
        """
        with self._lock:
            # Snapshots only ever grow, so the published one covers `snap`.
            current = self.snapshot if self.snapshot is not None else snap
            empty_years = 0
            while not needed(current):
                if current.year_hi >= _MAX_YEAR:
                    msg = "the search ran past the last year a calendar can represent"
                    raise CalendarError(msg)
                if empty_years >= HORIZON_YEARS:
                    msg = (
                        f"the calendar has no open time in the {HORIZON_YEARS} years "
                        f"after {current.year_hi - HORIZON_YEARS}"
                    )
                    raise NoBusinessTimeError(msg)
                current = self._publish(current.year_lo, current.year_hi + 1)
                empty_years = 0 if self._blocks[current.year_hi] else empty_years + 1
            return current

    def extend_backward(self, snap: Snapshot, needed: Callable[[Snapshot], bool]) -> Snapshot:
        """Load earlier years until `needed(snapshot)` holds.

        Raises:
            NoBusinessTimeError: `HORIZON_YEARS` consecutive years hold no open time.
            CalendarError: the search ran past the first representable year.
        """
        with self._lock:
            current = self.snapshot if self.snapshot is not None else snap
            empty_years = 0
            while not needed(current):
                if current.year_lo <= _MIN_YEAR:
                    msg = "the search ran past the first year a calendar can represent"
                    raise CalendarError(msg)
                if empty_years >= HORIZON_YEARS:
                    msg = (
                        f"the calendar has no open time in the {HORIZON_YEARS} years "
                        f"before {current.year_lo + HORIZON_YEARS}"
                    )
                    raise NoBusinessTimeError(msg)
                current = self._publish(current.year_lo - 1, current.year_hi)
                empty_years = 0 if self._blocks[current.year_lo] else empty_years + 1
            return current
