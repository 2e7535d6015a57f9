"""The calendar agrees with a minute-by-minute oracle, across DST, overnight hours and holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clubrules.calendar import BusinessCalendar
from clubrules.errors import InvalidHoursError

from .oracle import MINUTE_US, Oracle, dt_to_minute, minute_to_dt

ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]
# DST transitions in 2026 (US spring and fall, EU spring and fall), and plain dates.
ANCHORS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 1, 1),
    date(2026, 6, 15),
]
SPAN_DAYS = 12


def _hm(half_hours: int) -> str:
    return f"{half_hours // 2:02d}:{30 * (half_hours % 2):02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["closed", "one", "split", "overnight", "late", "dst"]))
    if kind == "closed":
        return ""
    if kind == "overnight":
        start = draw(st.integers(34, 46))
        end = draw(st.integers(1, 8))
        return f"{_hm(start)}-{_hm(end)}"
    if kind == "late":  # ends at midnight exactly
        return f"{_hm(draw(st.integers(0, 46)))}-24:00"
    if kind == "dst":  # boundaries inside the 01:00-04:00 band where DST changes happen
        points = sorted(draw(st.sets(st.integers(2, 8), min_size=2, max_size=2)))
        return f"{_hm(points[0])}-{_hm(points[1])}"
    size = 2 if kind == "one" else 4
    points = sorted(draw(st.sets(st.integers(0, 47), min_size=size, max_size=size)))
    pairs = [f"{_hm(points[i])}-{_hm(points[i + 1])}" for i in range(0, size, 2)]
    return ", ".join(pairs)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, date]:
    zone = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(ANCHORS))
    first = anchor - timedelta(days=4)
    window = [first + timedelta(days=i) for i in range(SPAN_DAYS)]
    weekly = {day: draw(day_hours()) for day in range(7)}
    holidays = draw(st.sets(st.sampled_from(window), max_size=3))
    extra = draw(st.dictionaries(st.sampled_from(window), day_hours(), max_size=2))
    overrides = draw(st.dictionaries(st.sampled_from(window), day_hours(), max_size=2))
    try:
        calendar = BusinessCalendar(
            zone,
            weekly,
            holidays=holidays,
            extra_working_days=extra,
            overrides=overrides,
            on_missing_holiday_data="ignore",
        )
    except InvalidHoursError:
        assume(False)  # noqa: FBT003 - hypothesis's API
        raise
    return calendar, first


def _model(calendar: BusinessCalendar, first: date) -> Oracle:
    return Oracle(calendar, first - timedelta(days=2), first + timedelta(days=SPAN_DAYS + 20))


def _minute(data: st.DataObject, oracle: Oracle) -> int:
    return data.draw(st.integers(oracle.lo, oracle.lo + (SPAN_DAYS - 2) * 1440))


def _us(minute: int) -> int:
    return minute * MINUTE_US


pytestmark = pytest.mark.filterwarnings("error")
SETTINGS = settings(max_examples=60)


@SETTINGS
@given(calendars(), st.data())
def test_is_open_and_open_intervals_agree(
    cal_first: tuple[BusinessCalendar, date], data: st.DataObject
) -> None:
    calendar, first = cal_first
    oracle = _model(calendar, first)
    a = _minute(data, oracle)
    b = a + data.draw(st.integers(0, 3 * 1440))
    tz = calendar.zone
    for m in (a, b, (a + b) // 2):
        assert calendar.is_open(minute_to_dt(m, tz)) == oracle.is_open(m)
    got = calendar.open_intervals(minute_to_dt(a, tz), minute_to_dt(b, tz))
    assert [(dt_to_minute(i.start), dt_to_minute(i.end)) for i in got] == oracle.runs(a, b)
    assert all(i.start.tzinfo is tz for i in got)


@SETTINGS
@given(calendars(), st.data())
def test_business_time_between_agrees(
    cal_first: tuple[BusinessCalendar, date], data: st.DataObject
) -> None:
    calendar, first = cal_first
    oracle = _model(calendar, first)
    a, b = _minute(data, oracle), _minute(data, oracle)
    tz = calendar.zone
    got = calendar.business_time_between(minute_to_dt(a, tz), minute_to_dt(b, tz))
    assert got == timedelta(minutes=oracle.between(a, b))


@SETTINGS
@given(calendars(), st.data())
def test_add_business_time_agrees(
    cal_first: tuple[BusinessCalendar, date], data: st.DataObject
) -> None:
    calendar, first = cal_first
    oracle = _model(calendar, first)
    a = _minute(data, oracle)
    k = data.draw(st.integers(-2 * 1440, 4 * 1440))
    expected = oracle.add(a, k)
    assume(expected is not None)
    tz = calendar.zone
    got = calendar.add_business_time(minute_to_dt(a, tz), timedelta(minutes=k))
    assert dt_to_minute(got) == expected
    assert got.tzinfo is tz
    # The integer fast path says the same.
    assert calendar.business_us(_us(expected)) - calendar.business_us(_us(a)) == _us(k)


@SETTINGS
@given(calendars(), st.data())
def test_add_business_days_agrees(
    cal_first: tuple[BusinessCalendar, date], data: st.DataObject
) -> None:
    calendar, first = cal_first
    oracle = _model(calendar, first)
    a = _minute(data, oracle)
    n = data.draw(st.integers(-3, 6))
    expected = oracle.add_days(a, n)
    assume(expected is not None)
    got = calendar.add_business_days(minute_to_dt(a, calendar.zone), n)
    assert dt_to_minute(got) == expected


@SETTINGS
@given(calendars(), st.data())
def test_next_opening_and_closing_agree(
    cal_first: tuple[BusinessCalendar, date], data: st.DataObject
) -> None:
    calendar, first = cal_first
    oracle = _model(calendar, first)
    a = _minute(data, oracle)
    opening = oracle.add(a, 0)
    assume(opening is not None)
    assert opening is not None
    closing = opening
    while oracle.is_open(closing):
        closing += 1
    assume(closing < oracle.hi)
    tz = calendar.zone
    assert dt_to_minute(calendar.next_opening(minute_to_dt(a, tz))) == opening
    assert dt_to_minute(calendar.next_closing(minute_to_dt(a, tz))) == closing
