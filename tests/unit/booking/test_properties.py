"""Property tests: alternatives, series and reminders against obvious oracles."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import (
    Booking,
    BookingRequest,
    BookingRules,
    BookingStatus,
    Frequency,
    Occupancy,
    Recurrence,
    ReminderPolicy,
    Schedule,
    reminder_time,
)
from clubrules.booking._check import _first_gap, _SpanHours
from clubrules.testing.strategies import aware_datetimes, business_calendars, time_zones

from .conftest import NOW, SHANGHAI, salon_rules

if TYPE_CHECKING:
    from clubrules.calendar import BusinessCalendar

DAY = datetime(2026, 3, 2, tzinfo=SHANGHAI)
RULES = salon_rules()


@st.composite
def _diaries(draw: st.DrawFn) -> Schedule:
    schedule = Schedule()
    for i in range(draw(st.integers(0, 10))):
        start = DAY + timedelta(hours=10, minutes=15 * draw(st.integers(0, 44)))
        request = BookingRequest(
            service=draw(st.sampled_from(["facial", "laser", "colour"])), start=start
        )
        result = RULES.check(request, schedule, now=NOW)
        if result.ok:
            schedule.add(RULES.book(result, booking_id=f"e{i}", now=NOW))
    return schedule


@settings(max_examples=60)
@given(
    schedule=_diaries(),
    minutes=st.integers(0, 47),
    service=st.sampled_from(["facial", "laser"]),
    pin=st.booleans(),
)
def test_alternatives_are_free_and_nearest(
    schedule: Schedule, minutes: int, service: str, pin: bool
) -> None:
    rules: BookingRules = RULES
    start = DAY + timedelta(hours=10, minutes=15 * minutes)
    pins = {"beautician": "li"} if pin and service == "facial" else {}
    request = BookingRequest(service=service, start=start, resources=pins)
    step = timedelta(minutes=15)
    slots = rules.alternatives(request, schedule, now=NOW, limit=3, window=timedelta(hours=4))
    for slot in slots:
        again = attrs.evolve(request, start=slot.start, resources=slot.assignment)
        assert rules.check(again, schedule, now=NOW).ok
        assert slot.start - start == slot.offset
        assert slot.offset % step == timedelta(0)
    # Oracle: every grid time nearer than the last slot returned, if free, was offered.
    if len(slots) == 3:
        bound = abs(slots[-1].offset)
        offered = {s.offset for s in slots}
        for k in range(1, bound // step):
            for offset in (-k * step, k * step):
                free = rules.check(
                    attrs.evolve(request, start=start + offset, resources={}), schedule, now=NOW
                ).ok
                if free:
                    assert offset in offered


@settings(max_examples=40)
@given(schedule=_diaries(), minutes=st.integers(0, 40), count=st.integers(1, 6))
def test_series_results_match_checking_each_occurrence(
    schedule: Schedule, minutes: int, count: int
) -> None:
    start = DAY + timedelta(hours=10, minutes=15 * minutes)
    request = BookingRequest(service="laser", start=start)
    weekly = Recurrence(frequency=Frequency.WEEKLY, count=count)
    series = RULES.check_series(request, weekly, schedule, now=NOW)
    assert len(series.results) == count
    for i, result in enumerate(series.results):
        alone = RULES.check(
            attrs.evolve(request, start=start + timedelta(weeks=i)), schedule, now=NOW
        )
        # Weekly 30-minute occurrences never meet each other, so each is judged alone.
        assert result.ok == alone.ok
        assert result.reasons == alone.reasons


@given(
    start=aware_datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)),  # noqa: DTZ001
    zone=time_zones(),
    hours=st.integers(1, 72),
    quiet=st.tuples(st.integers(0, 23), st.integers(0, 23)),
)
def test_reminders_avoid_quiet_hours_and_precede_the_visit(
    start: datetime, zone: object, hours: int, quiet: tuple[int, int]
) -> None:
    policy = ReminderPolicy(
        zone=zone,  # type: ignore[arg-type]
        before=timedelta(hours=hours),
        quiet_start=time(quiet[0]),
        quiet_end=time(quiet[1]),
    )
    booking = Booking(
        id="b",
        service="s",
        start=start,
        end=start + timedelta(hours=1),
        occupancy=[Occupancy.between("r", start, start + timedelta(hours=1))],
        status=BookingStatus.CONFIRMED,
    )
    at = reminder_time(booking, policy)
    assert at is not None
    assert at.tzinfo is UTC
    assert at < start
    assert policy.quiet_period(at) is None


@settings(max_examples=80)
@given(
    calendar=business_calendars(),
    lo_hours=st.integers(-24 * 40, 24 * 40),
    span_hours=st.integers(0, 24 * 5),
    queries=st.lists(st.tuples(st.integers(-48, 24 * 6), st.integers(0, 30)), max_size=12),
)
def test_hours_read_ahead_answer_as_the_calendar(
    calendar: BusinessCalendar,
    lo_hours: int,
    span_hours: int,
    queries: list[tuple[int, int]],
) -> None:
    # The alternatives search reads the opening hours of its span once (`_SpanHours`);
    # every question it then answers must be the calendar's answer, inside the span or not.
    hour = 3_600_000_000
    origin = to_epoch_us(datetime(2026, 3, 29, tzinfo=UTC))
    lo = origin + lo_hours * hour
    hi = lo + span_hours * hour
    ahead = _SpanHours.over(calendar, lo, hi)
    assert isinstance(ahead, _SpanHours)
    for start_quarters, length_quarters in queries:
        start = lo + start_quarters * hour // 4
        end = start + length_quarters * hour // 4
        assert ahead.open_intervals_us(start, end) == calendar.open_intervals_us(start, end)
        if end > start:
            closed = _first_gap(calendar, start, end) is not None
            inside = lo <= start and end <= hi
            assert ahead.closed_within(start, end) == (closed and inside)
