"""Hypothesis strategies for calendars: daily hours and whole business calendars."""

# No `from __future__ import annotations` here: `st.composite` builds each
# strategy's signature in hypothesis's own module, where a name in a string
# annotation would not resolve, so the annotations are evaluated at once.

from collections.abc import Sequence
from datetime import date, time, timedelta

from hypothesis import assume
from hypothesis import strategies as st

from clubrules.calendar import BusinessCalendar, TimeRange
from clubrules.errors import InvalidHoursError

__all__ = ["business_calendars", "day_hours", "time_ranges"]

_CALENDAR_ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata")


def _at(half_hours: int) -> time:
    return time(half_hours // 2 % 24, 30 * (half_hours % 2))


def time_ranges() -> st.SearchStrategy[TimeRange]:
    """Single opening ranges on the half hour, including overnight ones."""
    same_day = st.tuples(st.integers(0, 46), st.integers(1, 47)).filter(lambda p: p[0] < p[1])
    overnight = st.tuples(st.integers(34, 46), st.integers(0, 10))
    return st.one_of(same_day, overnight).map(lambda p: TimeRange(_at(p[0]), _at(p[1])))


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[TimeRange, ...]:
    """One day's hours: closed, one range, a split day, or an evening past midnight."""
    kind = draw(st.sampled_from(["closed", "one", "split", "overnight"]))
    if kind == "closed":
        return ()
    if kind == "overnight":
        return (TimeRange(_at(draw(st.integers(34, 46))), _at(draw(st.integers(1, 8)))),)
    size = 2 if kind == "one" else 4
    points = sorted(draw(st.sets(st.integers(0, 47), min_size=size, max_size=size)))
    return tuple(TimeRange(_at(points[i]), _at(points[i + 1])) for i in range(0, size, 2))


@st.composite
def business_calendars(  # noqa: D417 - hypothesis supplies `draw`
    draw: st.DrawFn,
    *,
    zones: Sequence[str] = _CALENDAR_ZONES,
    around: date = date(2026, 3, 29),
    span_days: int = 30,
) -> BusinessCalendar:
    """Valid calendars with random weekly hours, holidays, extra working days and overrides.

    Dated entries fall within `span_days` of `around` (by default the EU
    spring DST change), and missing holiday data is ignored, so queries in
    any year work.

    Args:
        zones: IANA zone names to draw from (by default with and without DST).
        around: The centre of the dated entries.
        span_days: How far from `around` dated entries may fall.
    """
    window = [around + timedelta(days=d) for d in range(-span_days, span_days + 1)]
    weekly = {day: draw(day_hours()) for day in range(7)}
    dates = st.sampled_from(window)
    holidays = draw(st.sets(dates, max_size=4))
    extra = draw(st.dictionaries(dates, day_hours().filter(bool), max_size=2))
    overrides = draw(st.dictionaries(dates, day_hours(), max_size=2))
    try:
        return BusinessCalendar(
            draw(st.sampled_from(zones)),
            weekly,
            holidays=holidays,
            extra_working_days=extra,
            overrides=overrides,
            on_missing_holiday_data="ignore",
        )
    except InvalidHoursError:
        # An overnight range ran into the next day's first range: draw again.
        assume(False)  # noqa: FBT003 - hypothesis's API
        raise
