"""An obvious, slow model of a business calendar: minute by minute.

It shares nothing with the fast implementation except `hours_on` (the
precedence of overrides, extra working days, holidays and weekly hours, which
the example tests pin down). Every local boundary is found by scanning
minutes, and every answer by walking minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from clubrules.calendar import BusinessCalendar

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - wall-clock arithmetic
MINUTE_US = 60_000_000


def minute_to_dt(minute: int, tz: ZoneInfo) -> datetime:
    return (EPOCH + timedelta(minutes=minute)).astimezone(tz)


def dt_to_minute(value: datetime) -> int:
    return int((value - EPOCH).total_seconds()) // 60


def first_minute_at_or_after(wall: datetime, tz: ZoneInfo) -> int:
    """The first minute whose local wall time is at or after the naive `wall`, by scanning."""
    # Start well before: no zone shifts its offset by more than three hours at once.
    minute = dt_to_minute(wall.replace(tzinfo=tz)) - 180
    while minute_to_dt(minute, tz).replace(tzinfo=None) < wall:
        minute += 1
    return minute


class Oracle:
    """Open minutes of a calendar over `[first_day, last_day]`, by brute force."""

    def __init__(self, calendar: BusinessCalendar, first_day: date, last_day: date) -> None:
        tz = calendar.zone
        self.tz = tz
        self.days: list[tuple[date, list[tuple[int, int]]]] = []
        day = first_day
        while day <= last_day:
            midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a wall time
            spans = []
            for hours in calendar.hours_on(day):
                start = first_minute_at_or_after(
                    midnight + timedelta(seconds=hours.start_seconds), tz
                )
                end = first_minute_at_or_after(midnight + timedelta(seconds=hours.end_seconds), tz)
                if end > start:
                    spans.append((start, end))
            if spans:
                self.days.append((day, spans))
            day += timedelta(days=1)
        self.open: set[int] = set()
        for _, spans in self.days:
            for start, end in spans:
                self.open.update(range(start, end))
        # The minutes in which the model is complete (first day's opening may be late).
        self.lo = (
            dt_to_minute(datetime(first_day.year, first_day.month, first_day.day, tzinfo=tz))
            + 2 * 1440
        )
        self.hi = dt_to_minute(datetime(last_day.year, last_day.month, last_day.day, tzinfo=tz))

    def is_open(self, minute: int) -> bool:
        return minute in self.open

    def runs(self, a: int, b: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for m in range(a, b):
            if m in self.open:
                if out and out[-1][1] == m:
                    out[-1] = (out[-1][0], m + 1)
                else:
                    out.append((m, m + 1))
        return out

    def between(self, a: int, b: int) -> int:
        if b < a:
            return -self.between(b, a)
        return sum(1 for m in range(a, b) if m in self.open)

    def add(self, a: int, k: int) -> int | None:
        """Walk `k` open minutes from `a`; None if the walk leaves the model."""
        m = a
        if k == 0:
            while m not in self.open:
                m += 1
                if m >= self.hi:
                    return None
            return m
        if k > 0:
            count = 0
            while True:
                if m >= self.hi:
                    return None
                if m in self.open:
                    count += 1
                    if count == k:
                        return m + 1
                m += 1
        count = 0
        while True:
            m -= 1
            if m < self.lo:
                return None
            if m in self.open:
                count += 1
                if count == -k:
                    return m

    def add_days(self, a: int, n: int) -> int | None:
        """Same open offset into the business day `n` business days away; None if outside."""
        if n == 0:  # no business day added: `a` if open, else the next opening
            return self.add(a, 0)
        index, offset = None, 0
        for i, (_, spans) in enumerate(self.days):
            first, last = spans[0][0], spans[-1][1]
            if first <= a < last:
                index = i
                offset = sum(min(e, a) - s for s, e in spans if s < a)
                break
            if first > a:
                index, offset = i, 0
                break
        if index is None:
            return None
        target = index + n
        if not 0 <= target < len(self.days):
            return None
        spans = self.days[target][1]
        if offset == 0:
            return spans[0][0]
        left = offset
        for start, end in spans:
            if left <= end - start:
                return start + left
            left -= end - start
        return spans[-1][1]
