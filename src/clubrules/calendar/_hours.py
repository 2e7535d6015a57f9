"""Local daily opening hours: `TimeRange` and the parsing of hours specifications."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import TYPE_CHECKING, Union

import attrs

from clubrules._checks import shown
from clubrules.errors import InvalidHoursError, ViolationCollector

if TYPE_CHECKING:
    from typing import TypeAlias

__all__ = ["HoursSpec", "TimeRange", "parse_hours", "parse_weekday"]

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013~]\s*(\d{1,2}):(\d{2})\s*$")
_DAY_SECONDS = 86_400

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES = {
    **{name: i for i, name in enumerate(WEEKDAY_NAMES)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}


def _plain_time(value: object) -> time:
    if not isinstance(value, time):
        raise InvalidHoursError(
            f"must be a datetime.time, got {type(value).__name__}",
            field="time_range",
            rule="not_a_time",
        )
    if value.tzinfo is not None:
        raise InvalidHoursError(
            "must be a local wall time without tzinfo; the calendar's zone applies",
            field="time_range",
            rule="aware_time",
        )
    return value


def _seconds(value: time) -> float:
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6


@attrs.frozen(order=True)
class TimeRange:
    """A local daily range of opening hours, such as 10:00-14:00.

    `end <= start` means the range runs past midnight and ends the next day:
    `TimeRange(time(18), time(2))` is open from 18:00 until 02:00 the next
    morning, and `TimeRange(time(0), time(0))` is open all day.

    ```python
    from datetime import time
    from clubrules.calendar import TimeRange

    late = TimeRange.parse("18:00-02:00")
    assert late == TimeRange(time(18), time(2))
    assert late.overnight and str(late) == "18:00-02:00"
    ```

    Attributes:
        start: The local wall time at which the range opens.
        end: The local wall time at which it closes (the next day if
            `end <= start`).
    """

    start: time = attrs.field(converter=_plain_time)
    end: time = attrs.field(converter=_plain_time)

    @classmethod
    def parse(cls, text: str, *, field: str = "hours") -> TimeRange:
        """Parse `"HH:MM-HH:MM"` (an end of `24:00` means midnight).

        Raises:
            InvalidHoursError: `text` is not of that form, or names an impossible time
                (rule `invalid_hours`).
        """
        given: object = text
        match = _RANGE.match(given) if isinstance(given, str) else None
        if match is None:
            raise InvalidHoursError(
                f"{shown(text)} is not an opening-hours range like '10:00-14:00'",
                field=field,
                rule="invalid_hours",
            )
        sh, sm, eh, em = (int(g) for g in match.groups())
        if eh == 24 and em == 0:
            eh = 0
        if sh > 23 or eh > 23 or sm > 59 or em > 59:
            raise InvalidHoursError(
                f"{text!r} names a time that does not exist on a clock",
                field=field,
                rule="invalid_hours",
            )
        return cls(time(sh, sm), time(eh, em))

    @property
    def overnight(self) -> bool:
        """Whether the range ends on the next day (`end <= start`)."""
        return self.end <= self.start

    @property
    def start_seconds(self) -> float:
        """Seconds from local midnight to the opening."""
        return _seconds(self.start)

    @property
    def end_seconds(self) -> float:
        """Seconds from local midnight of the opening day to the closing (may exceed a day)."""
        end = _seconds(self.end)
        return end + _DAY_SECONDS if self.overnight else end

    def __str__(self) -> str:
        def fmt(t: time) -> str:
            text = f"{t.hour:02d}:{t.minute:02d}"
            if t.second or t.microsecond:
                text += f":{t.second:02d}"
                if t.microsecond:
                    text += f".{t.microsecond:06d}"
            return text

        return f"{fmt(self.start)}-{fmt(self.end)}"


HoursSpec: TypeAlias = Union[str, TimeRange, Iterable[Union[str, TimeRange]], None]  # noqa: UP007


def parse_hours(spec: object, *, field: str, problems: ViolationCollector) -> tuple[TimeRange, ...]:
    """Parse one day's hours into sorted `TimeRange`s, recording problems in `problems`.

    Accepts `""`/`None` (closed), `"10:00-14:00, 15:00-22:00"`, a `TimeRange`,
    or a sequence of `TimeRange`s and range strings. Overlapping ranges
    within the day are a problem (rule `overlapping_hours`).
    """
    items: list[object]
    if spec is None:
        items = []
    elif isinstance(spec, str):
        items = [part for part in spec.split(",") if part.strip()]
    elif isinstance(spec, TimeRange):
        items = [spec]
    elif isinstance(spec, Iterable) and not isinstance(spec, Mapping | bytes):
        items = list(spec)
    else:
        problems.add(
            field,
            "invalid_hours",
            f"must be hours text like '10:00-14:00' or a sequence of ranges, "
            f"got {type(spec).__name__}",
        )
        return ()
    ranges: list[TimeRange] = []
    for index, item in enumerate(items):
        where = f"{field}[{index}]" if len(items) > 1 else field
        if isinstance(item, TimeRange):
            ranges.append(item)
        elif isinstance(item, str):
            try:
                ranges.append(TimeRange.parse(item, field=where))
            except InvalidHoursError as error:
                problems.extend(error.violations)
        else:
            problems.add(
                where,
                "invalid_hours",
                f"must be a TimeRange or text like '10:00-14:00', got {type(item).__name__}",
            )
    ranges.sort(key=lambda r: r.start_seconds)
    for before, after in itertools.pairwise(ranges):
        if before.end_seconds > after.start_seconds:
            problems.add(
                field,
                "overlapping_hours",
                f"{before} overlaps {after}",
                items=(str(before), str(after)),
            )
    return tuple(ranges)


def parse_weekday(
    key: object, *, problems: ViolationCollector, field: str = "weekly"
) -> int | None:
    """Map a weekly key (0-6 with Monday 0, or "mon".."sun") to a weekday number."""
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 6:
        return key
    if isinstance(key, str) and key.strip().lower() in _WEEKDAY_ALIASES:
        return _WEEKDAY_ALIASES[key.strip().lower()]
    problems.add(
        field,
        "unknown_weekday",
        f"{shown(key)} is not a weekday; use 0-6 (Monday is 0) or 'mon'..'sun'",
    )
    return None


def spill_overlap(earlier: tuple[TimeRange, ...], later: tuple[TimeRange, ...]) -> bool:
    """Whether the last range of a day runs past midnight into the next day's first range."""
    if not earlier or not later:
        return False
    spill = max(r.end_seconds for r in earlier) - _DAY_SECONDS
    return spill > later[0].start_seconds


def check_date_key(key: object, *, field: str, problems: ViolationCollector) -> date | None:
    """Return `key` if it is a plain `date` (not a datetime), else record a problem."""
    from datetime import datetime  # noqa: PLC0415 - local: only needed here

    if isinstance(key, date) and not isinstance(key, datetime):
        return key
    problems.add(field, "not_a_date", f"keys must be datetime.date values, got {shown(key)}")
    return None
