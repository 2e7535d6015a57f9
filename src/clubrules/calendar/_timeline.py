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

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "SEARCH_YEARS",
    "SPAN_YEARS",
    "Snapshot",
    "Timeline",
    "wall_to_us",
]

# The horizon. A calendar answers about instants in local years MIN_YEAR to
# MAX_YEAR; a span (between two instants, or a business-time or business-day
# step) may cover at most SPAN_YEARS years; a search for the next opening or
# closing gives up after SEARCH_YEARS years of finding none.
SEARCH_YEARS = 10
SPAN_YEARS = 100
_RECENT = 4
_MAX_STEP = 25  # years loaded at once by a search, at most
MIN_YEAR = 2
MAX_YEAR = 9997


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


Block = list[tuple[int, int, int]]
"""Open intervals `(start_us, end_us, date ordinal)` of one local year, sorted."""


class Snapshot:
    """One immutable state of a timeline: some consecutive local years and their intervals.

    Attributes (all lists are never mutated once published):
        year_lo, year_hi: the local years loaded.
        lo_safe, hi_safe: instants `t` with `lo_safe <= t < hi_safe` are
            answered exactly from the loaded intervals.
        starts, ends: interval bounds in epoch microseconds, sorted.
        cum0, cum1: business microseconds before and after each interval,
            counted from the snapshot's first interval (readings of two
            snapshots are not comparable; differences within one are).
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
        self, year_lo: int, year_hi: int, intervals: Block, lo_safe: int, hi_safe: int
    ) -> None:
        self.year_lo = year_lo
        self.year_hi = year_hi
        self.lo_safe = lo_safe
        self.hi_safe = hi_safe
        starts: list[int] = []
        ends: list[int] = []
        ordinals: list[int] = []
        for start, end, ordinal in intervals:
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
        self.day_cum0 = [cum0[i] for i in day_first]
        self.day_len = [cum1[j] - cum0[i] for i, j in zip(day_first, day_last, strict=True)]

    def covers(self, lo: int, hi: int) -> bool:
        """Whether the instants `lo` to `hi` (both included) are answered exactly."""
        return self.lo_safe <= lo and hi < self.hi_safe

    def business_us(self, at: int) -> int:
        """The business clock at `at`; exact when `lo_safe <= at < hi_safe`."""
        starts = self.starts
        if not starts:
            return 0
        i = bisect_right(starts, at) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum0[i] + (min(end, at)) - starts[i]


def _beyond(direction: str, year: int) -> NoBusinessTimeError:
    return NoBusinessTimeError(
        f"no answer {direction} within the calendar's horizon "
        f"(local years {MIN_YEAR}-{MAX_YEAR}, {SPAN_YEARS} years from the instant asked "
        f"about); the search stopped at {year}"
    )


class Timeline:
    """The lazily loaded, thread-safe timeline of one calendar.

    Year tables are built only for the years a question needs, and kept. The
    published snapshot covers consecutive years; a question about a year far
    from it (not adjacent) gets a snapshot of its own years rather than every
    year in between, so one far-off question never makes later ones slow.

    Args:
        tz: The calendar's zone.
        hours_on: The local opening hours of a date (checked for holiday data).
        known_hours: The hours of a date if they are known without a
            holiday-data complaint, else None; used for the day before a
            snapshot's first year, whose overnight hours may run into it.
        max_spill_s: The most that any day's hours run past its midnight, in
            seconds (0 if no range is overnight).
    """

    def __init__(
        self,
        tz: ZoneInfo,
        hours_on: Callable[[date], tuple[TimeRange, ...]],
        known_hours: Callable[[date], tuple[TimeRange, ...] | None] | None = None,
        max_spill_s: float = 0.0,
    ) -> None:
        self._tz = tz
        self._hours_on = hours_on
        self._known_hours = known_hours or hours_on
        self._max_spill_s = max_spill_s
        self._lock = threading.Lock()
        self._blocks: dict[int, Block] = {}
        self.snapshot: Snapshot | None = None
        self.origin_us: int | None = None
        # Snapshots published lately, so that questions alternating between
        # far-apart years do not rebuild one each time.
        self._recent: list[Snapshot] = []

    @property
    def built_years(self) -> frozenset[int]:
        """The local years whose tables have been built."""
        return frozenset(self._blocks)

    def year_of(self, us: int) -> int:
        """The local year of the instant `us`."""
        return (EPOCH + timedelta(microseconds=us)).astimezone(self._tz).year

    def day_intervals(self, day: date, hours: tuple[TimeRange, ...]) -> Block:
        """The open intervals of `day` with the local `hours`, as epoch microseconds."""
        tz = self._tz
        midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a wall time
        block: Block = []
        for one in hours:
            start = wall_to_us(midnight + timedelta(seconds=one.start_seconds), tz)
            end = wall_to_us(midnight + timedelta(seconds=one.end_seconds), tz)
            if end > start:  # a range wholly inside a DST gap has no open time
                block.append((start, end, day.toordinal()))
        return block

    def _year_block(self, year: int) -> Block:
        block: Block = []
        day = date(year, 1, 1)
        one_day = timedelta(days=1)
        while day.year == year:
            block.extend(self.day_intervals(day, self._hours_on(day)))
            day += one_day
        return block

    def _lower_edge(self, year: int, *, checked: bool = False) -> tuple[Block, int]:
        # The intervals of 31 December before `year` that run into it, and the
        # first instant of `year` answered exactly without loading that year.
        # `checked`: read that day's hours as a question about it would (a
        # missing year of holiday data raises or warns), not only if known.
        jan1 = wall_to_us(datetime(year, 1, 1), self._tz)  # noqa: DTZ001 - a wall time
        if self._max_spill_s <= 0:
            return [], jan1
        eve = date(year - 1, 12, 31)
        if year - 1 in self._blocks:
            day_block = [iv for iv in self._blocks[year - 1] if iv[2] == eve.toordinal()]
        else:
            hours = self._hours_on(eve) if checked else self._known_hours(eve)
            if hours is None:
                spill = datetime(year, 1, 1) + timedelta(seconds=self._max_spill_s)  # noqa: DTZ001
                return [], wall_to_us(spill, self._tz)
            day_block = self.day_intervals(eve, hours)
        return [iv for iv in day_block if iv[1] > jan1], jan1

    def _publish(self, year_lo: int, year_hi: int, *, checked_edge: bool = False) -> Snapshot:
        year_lo, year_hi = max(year_lo, MIN_YEAR), min(year_hi, MAX_YEAR)
        for year in range(year_lo, year_hi + 1):
            if year not in self._blocks:
                self._blocks[year] = self._year_block(year)
        intervals, lo_safe = self._lower_edge(year_lo, checked=checked_edge)
        for year in range(year_lo, year_hi + 1):
            intervals.extend(self._blocks[year])
        hi_safe = wall_to_us(datetime(year_hi + 1, 1, 1), self._tz)  # noqa: DTZ001 - a wall time
        snapshot = Snapshot(year_lo, year_hi, intervals, lo_safe, hi_safe)
        self.snapshot = snapshot
        # Keep the recent snapshots that the new one does not contain.
        kept = [s for s in self._recent if s.year_lo < year_lo or s.year_hi > year_hi]
        self._recent = [*kept[-(_RECENT - 1) :], snapshot]
        return snapshot

    def set_origin(self, us: int) -> int:
        """Fix the business clock's zero at `us` unless it is fixed already; return the zero."""
        with self._lock:
            if self.origin_us is None:
                self.origin_us = us
            return self.origin_us

    def cover(self, lo: int, hi: int) -> Snapshot:
        """A snapshot that answers exactly about every instant from `lo` to `hi`, both included.

        Loads the years from `lo` to `hi` (and the published snapshot's years
        when they touch them); callers keep spans within the horizon.
        """
        snap = self.snapshot
        if snap is not None and snap.lo_safe <= lo and hi < snap.hi_safe:
            return snap
        with self._lock:
            snap = self.snapshot
            if snap is not None and snap.lo_safe <= lo and hi < snap.hi_safe:
                return snap
            for recent in reversed(self._recent):
                if recent.lo_safe <= lo and hi < recent.hi_safe:
                    self.snapshot = recent
                    return recent
            year_lo, year_hi = self.year_of(lo), self.year_of(hi)
            if snap is not None and self._joins(snap, year_lo, year_hi):
                year_lo, year_hi = min(year_lo, snap.year_lo), max(year_hi, snap.year_hi)
            snap = self._publish(year_lo, year_hi)
            if lo < snap.lo_safe:  # in the overnight spill of the year before
                if year_lo > MIN_YEAR:
                    snap = self._publish(year_lo - 1, year_hi)
                else:  # that year is beyond the horizon: only its last day is read
                    snap = self._publish(year_lo, year_hi, checked_edge=True)
            if not (snap.lo_safe <= lo and hi < snap.hi_safe):
                raise _beyond("here", year_lo)
            return snap

    def _joins(self, snap: Snapshot, year_lo: int, year_hi: int) -> bool:
        """Whether a snapshot of `year_lo..year_hi` should take in the published one's years.

        It should when the two touch, or when every year between them is
        built already: joining then builds nothing new, and questions that
        wander over a run of years (a desk's diary) settle on one snapshot
        instead of rebuilding small ones in turn.
        """
        if year_lo <= snap.year_hi + 1 and year_hi >= snap.year_lo - 1:
            return True
        gap = (
            range(snap.year_hi + 1, year_lo)
            if year_lo > snap.year_hi
            else range(year_hi + 1, snap.year_lo)
        )
        return all(year in self._blocks for year in gap)

    def covering(self, at: int) -> Snapshot:
        """A snapshot that answers exactly about the instant `at` (loading years as needed)."""
        return self.cover(at, at)

    def _empty_run(self, years: range) -> bool:
        blocks = self._blocks
        return all(year in blocks and not blocks[year] for year in years)

    def extend_forward(
        self, snap: Snapshot, needed: Callable[[Snapshot], bool], limit_year: int
    ) -> Snapshot:
        """Load later years, up to `limit_year`, until `needed(snapshot)`; see `_extend`."""
        return self._extend(snap, needed, min(limit_year, MAX_YEAR), later=True)

    def extend_backward(
        self, snap: Snapshot, needed: Callable[[Snapshot], bool], limit_year: int
    ) -> Snapshot:
        """Load earlier years, down to `limit_year`, until `needed(snapshot)`; see `_extend`."""
        return self._extend(snap, needed, max(limit_year, MIN_YEAR), later=False)

    def _extend(
        self,
        snap: Snapshot,
        needed: Callable[[Snapshot], bool],
        limit_year: int,
        *,
        later: bool,
    ) -> Snapshot:
        """Load years towards `limit_year` (later or earlier) until `needed(snapshot)` holds.

        Each load reaches twice as far as the one before, up to `_MAX_STEP` years.

        Raises:
            NoBusinessTimeError: `SEARCH_YEARS` consecutive years at the loaded
                edge hold no open time, or `needed` does not hold by `limit_year`.
        """
        sign = 1 if later else -1
        with self._lock:
            current, step = snap, 1
            while not needed(current):
                # The last year loaded in the direction of travel.
                edge = current.year_hi if later else current.year_lo
                if self._empty_run(range(edge, edge - sign * SEARCH_YEARS, -sign)):
                    where = f"up to {edge}" if later else f"from {edge}"
                    msg = f"the calendar has no open time in the {SEARCH_YEARS} years {where}"
                    raise NoBusinessTimeError(msg)
                if (edge - limit_year) * sign >= 0:
                    raise _beyond("later" if later else "earlier", edge)
                reach = edge + sign * step
                if (reach - limit_year) * sign > 0:
                    reach = limit_year
                if later:
                    current = self._publish(current.year_lo, reach)
                else:
                    current = self._publish(reach, current.year_hi)
                step = min(step * 2, _MAX_STEP)
            return current
