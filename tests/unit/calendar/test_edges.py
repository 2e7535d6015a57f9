"""Issue 16: year edges, bounded work, and instants rather than wall times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.calendar import BusinessCalendar, Interval, holiday_calendar, to_epoch_us
from clubrules.errors import (
    InvalidIntervalError,
    MissingHolidayDataError,
    NoBusinessTimeError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = dict.fromkeys(range(5), "09:00-18:00")
COVERED = range(2020, 2027)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[arg-type, misc]


# -- 1. holiday data at the edges of the covered years ------------------------


def test_a_covered_new_years_day_needs_no_data_for_the_year_before() -> None:
    office = holiday_calendar("Asia/Shanghai", OFFICE, country="CN", years=[2026])
    assert not office.is_open(sh(2026, 1, 1, 12))
    assert office.next_closing(sh(2026, 12, 31, 10)) == sh(2026, 12, 31, 18)
    # 1-3 January are off; Sunday 4 January is worked (调休).
    assert office.business_time_between(sh(2026, 1, 1), sh(2026, 1, 5)) == timedelta(hours=9)
    assert office.open_intervals(sh(2026, 1, 1), sh(2026, 1, 5)) == [
        Interval(sh(2026, 1, 4, 9), sh(2026, 1, 4, 18))
    ]
    assert office.built_years == frozenset({2026})
    with pytest.raises(MissingHolidayDataError):
        office.is_open(sh(2025, 12, 31, 12))


def test_overnight_hours_need_the_eve_only_for_the_hours_it_runs_into() -> None:
    bar = holiday_calendar(
        "Asia/Shanghai", dict.fromkeys(range(7), "20:00-02:00"), country="CN", years=[2026]
    )
    assert not bar.is_open(sh(2026, 1, 1, 12))
    assert not bar.is_open(sh(2026, 1, 1, 21))  # New Year's Day is a holiday
    assert bar.is_open(sh(2026, 1, 5, 1))  # Sunday 4 January is worked (调休)
    with pytest.raises(MissingHolidayDataError):
        bar.is_open(sh(2026, 1, 1, 1))  # depends on 31 December 2025


def _naive_open(calendar: BusinessCalendar, at: datetime) -> bool:
    # The slow oracle: the hours of the day and of the day before, as wall times.
    local = at.astimezone(calendar.zone).replace(tzinfo=None)
    for back in (0, 1):
        day = local.date() - timedelta(days=back)
        if day.year not in calendar.holiday_years:
            continue
        midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a wall time
        for hours in calendar.hours_on(day):
            start = midnight + timedelta(seconds=hours.start_seconds)
            end = midnight + timedelta(seconds=hours.end_seconds)
            if start <= local < end:
                return True
    return False


@pytest.fixture(scope="module")
def offices() -> dict[int, BusinessCalendar]:
    return {
        year: holiday_calendar("Asia/Shanghai", OFFICE, country="CN", years=[year])
        for year in COVERED
    }


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(COVERED),
    st.booleans(),
    st.integers(0, 24 * 60 - 1),
    st.integers(1, 24 * 60),
)
def test_the_first_and_last_day_of_every_covered_year(
    offices: dict[int, BusinessCalendar], year: int, first: bool, minute: int, length: int
) -> None:
    office = offices[year]
    day = date(year, 1, 1) if first else date(year, 12, 31)
    at = datetime(year, day.month, day.day, tzinfo=SH) + timedelta(minutes=minute)
    end = min(at + timedelta(minutes=length), datetime(year + 1, 1, 1, tzinfo=SH))
    assert office.is_open(at) == _naive_open(office, at)
    expected = sum(
        _naive_open(office, at + timedelta(minutes=m))
        for m in range(int((end - at) / timedelta(minutes=1)))
    )
    assert office.business_time_between(at, end) == timedelta(minutes=expected)
    runs = office.open_intervals(at, end)
    assert sum((i.duration for i in runs), timedelta()) == timedelta(minutes=expected)
    if office.is_open(at):
        closing = office.next_closing(at)
        assert closing.date() == day
        assert closing == datetime(year, day.month, day.day, 18, tzinfo=SH)
    assert office.built_years == frozenset({year})


# -- 2. bounded work ---------------------------------------------------------

ALWAYS = dict.fromkeys(range(7), "00:00-24:00")


def test_a_24_7_calendar_has_no_next_closing_within_the_horizon() -> None:
    always = BusinessCalendar("Asia/Shanghai", ALWAYS)
    with pytest.raises(NoBusinessTimeError):
        always.next_closing(sh(2026, 3, 2, 12))
    assert len(always.built_years) <= 12
    assert always.is_open(sh(2026, 3, 2, 12))  # the lock is free again


def test_a_calendar_without_hours_raises_no_business_time() -> None:
    never = BusinessCalendar("Asia/Shanghai", {})
    at = sh(2026, 3, 2, 12)
    calls: list[Callable[[], object]] = [
        lambda: never.add_business_days(at, -1),
        lambda: never.add_business_days(at, 1),
        lambda: never.add_business_time(at, timedelta(hours=-1)),
        lambda: never.add_business_time(at, timedelta(hours=1)),
        lambda: never.next_opening(at),
        lambda: never.next_closing(at),
    ]
    for call in calls:
        with pytest.raises(NoBusinessTimeError):
            call()
    assert len(never.built_years) <= 25
    assert never.business_time_between(at, at + timedelta(days=400)) == timedelta(0)


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("days", lambda c: c.add_business_days(sh(2026, 3, 2), -(2**31))),
        ("days", lambda c: c.add_business_days(sh(2026, 3, 2), 2**40)),
        ("delta", lambda c: c.add_business_time(sh(2026, 3, 2), timedelta.max)),
        ("delta", lambda c: c.add_business_time(sh(2026, 3, 2), timedelta.min)),
        ("start", lambda c: c.business_time_between(datetime(1, 1, 1, tzinfo=UTC), sh(2026, 1, 1))),
        ("end", lambda c: c.open_intervals(sh(2026, 1, 1), datetime(9999, 12, 31, tzinfo=UTC))),
        ("at", lambda c: c.is_open(datetime.max.replace(tzinfo=UTC))),
        ("at", lambda c: c.next_opening(datetime.min.replace(tzinfo=UTC))),
        ("end", lambda c: c.business_time_between(sh(1900, 1, 1), sh(2026, 1, 1))),
        ("reading", lambda c: c.instant_at_business_us(2**62)),
        ("at_us", lambda c: c.business_us(-(2**62))),
    ],
)
def test_hostile_arguments_are_refused_up_front(field: str, call: object) -> None:
    salon = BusinessCalendar("Asia/Shanghai", dict.fromkeys(range(7), "10:00-22:00"))
    with pytest.raises(ValidationError) as info:
        call(salon)  # type: ignore[operator]
    assert info.value.violations[0].field == field
    assert info.value.violations[0].rule == "beyond_horizon"
    assert len(salon.built_years) <= 1


def test_no_cliff_after_a_far_away_question() -> None:
    salon = BusinessCalendar("Asia/Shanghai", dict.fromkeys(range(7), "10:00-22:00"))
    assert salon.is_open(sh(9000, 6, 1, 12))
    with pytest.raises(ValidationError):
        salon.business_time_between(datetime(1, 1, 1, tzinfo=UTC), sh(2026, 1, 1))
    assert salon.is_open(sh(2026, 6, 1, 12))
    assert salon.built_years == frozenset({9000, 2026})
    assert salon.is_open(sh(9000, 6, 2, 12))
    assert salon.add_business_days(sh(2026, 6, 1, 12), 3) == sh(2026, 6, 4, 12)
    assert salon.built_years == frozenset({9000, 2026})


def test_questions_alternating_between_far_years_reuse_their_tables() -> None:
    salon = BusinessCalendar("Asia/Shanghai", dict.fromkeys(range(7), "10:00-22:00"))
    built: list[object] = []
    for _ in range(5):
        for year in (2026, 2040, 2026, 9000):
            assert salon.is_open(sh(year, 6, 1, 12))
            built.append(salon._timeline.snapshot)
    assert len({id(snap) for snap in built}) == 3
    assert salon.built_years == frozenset({2026, 2040, 9000})


def test_the_largest_accepted_steps_answer() -> None:
    salon = BusinessCalendar("Asia/Shanghai", {0: "10:00-11:00"})
    at = sh(2026, 3, 2, 10)
    with pytest.raises(NoBusinessTimeError):  # 100 years of open time is 8,760 years away
        salon.add_business_time(at, timedelta(days=36_500))
    assert salon.add_business_days(at, 520) == at + timedelta(weeks=520)
    assert salon.add_business_days(at, -520) == at - timedelta(weeks=520)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["always", "never"]),
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1)),  # noqa: DTZ001
    st.sampled_from(["opening", "closing", "days", "time", "between"]),
    st.integers(-400, 400),
)
def test_24_7_and_never_open_calendars_answer_or_raise_typed(
    kind: str, naive: datetime, call: str, n: int
) -> None:
    calendar = BusinessCalendar("Europe/Berlin", ALWAYS if kind == "always" else {})
    at = naive.replace(tzinfo=BERLIN)
    try:
        if call == "opening":
            assert calendar.next_opening(at) == at
        elif call == "closing":
            calendar.next_closing(at)
        elif call == "days":
            got = calendar.add_business_days(at, n)
            assert kind == "always"
            assert got.astimezone(BERLIN).date() == (at + timedelta(days=n)).date() or n == 0
        elif call == "time":
            got = calendar.add_business_time(at, timedelta(hours=n))
            assert kind == "always"
            assert got == (at.astimezone(UTC) + timedelta(hours=n)).astimezone(BERLIN)
        else:
            end = at + timedelta(days=n % 400)
            expected = end.astimezone(UTC) - at.astimezone(UTC) if kind == "always" else None
            assert calendar.business_time_between(at, end) == (expected or timedelta(0))
    except NoBusinessTimeError:
        assert kind == "never" or call == "closing"
    assert len(calendar.built_years) <= 25


# -- 3. instants, not wall times ---------------------------------------------


def _berlin(hour: int, minute: int) -> datetime:
    """An instant on 25 October 2026 given in UTC, shown in Berlin (fold set)."""
    return datetime(2026, 10, 25, hour, minute, tzinfo=UTC).astimezone(BERLIN)


def test_an_interval_across_the_autumn_change() -> None:
    start, end = _berlin(0, 30), _berlin(1, 10)  # 02:30+02:00 and 02:10+01:00
    assert (start.hour, end.hour, end.fold) == (2, 2, 1)
    span = Interval(start, end)
    assert span.duration == timedelta(minutes=40)
    assert span.contains(_berlin(1, 0))  # 02:00+01:00
    assert span.contains(_berlin(0, 45))  # 02:45+02:00
    assert not span.contains(_berlin(1, 15))  # 02:15+01:00
    assert span.overlaps(Interval(_berlin(1, 5), _berlin(1, 30)))
    assert not span.overlaps(Interval(_berlin(1, 10), _berlin(1, 30)))
    with pytest.raises(InvalidIntervalError):
        Interval(end, start)
    assert Interval(start, end) == Interval(start.astimezone(UTC), end.astimezone(UTC))
    assert Interval(_berlin(0, 30), _berlin(0, 30)) != Interval(_berlin(1, 30), _berlin(1, 30))


def test_a_bar_open_through_the_autumn_night() -> None:
    bar = BusinessCalendar("Europe/Berlin", {5: "22:00-04:00"})
    start = datetime(2026, 10, 24, 20, tzinfo=BERLIN)
    end = datetime(2026, 10, 25, 12, tzinfo=BERLIN)
    runs = bar.open_intervals(start, end)
    assert len(runs) == 1
    assert runs[0].duration == timedelta(hours=7)
    assert bar.business_time_between(start, end) == timedelta(hours=7)


FOLD_MINUTES = st.integers(-180, 180).map(lambda m: _berlin(1, 0) + timedelta(minutes=m))


@given(FOLD_MINUTES, FOLD_MINUTES, FOLD_MINUTES)
def test_intervals_agree_with_utc_arithmetic(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = (x.astimezone(UTC).astimezone(BERLIN) for x in (a, b, c))  # real folds
    lo, hi = sorted((a, b), key=lambda x: x.astimezone(UTC))
    span = Interval(lo, hi)
    utc_lo, utc_hi, utc_c = lo.astimezone(UTC), hi.astimezone(UTC), c.astimezone(UTC)
    assert span.duration == utc_hi - utc_lo
    assert span.contains(c) == (utc_lo <= utc_c < utc_hi)
    other = Interval(*sorted((c, b), key=lambda x: x.astimezone(UTC)))
    o_lo, o_hi = other.start.astimezone(UTC), other.end.astimezone(UTC)
    assert span.overlaps(other) == (utc_lo < o_hi and o_lo < utc_hi)
    if utc_lo < utc_hi:
        with pytest.raises(InvalidIntervalError):
            Interval(hi, lo)


@settings(max_examples=60, deadline=None)
@given(FOLD_MINUTES, st.integers(1, 600))
def test_calendar_intervals_measure_elapsed_time(at: datetime, minutes: int) -> None:
    bar = BusinessCalendar("Europe/Berlin", dict.fromkeys(range(7), "22:00-04:00"))
    at = at.astimezone(UTC).astimezone(BERLIN)
    end = (at.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(BERLIN)
    runs = bar.open_intervals(at, end)
    total = sum((i.duration for i in runs), timedelta())
    assert total == bar.business_time_between(at, end)
    assert all(bar.is_open(i.start) for i in runs)


# -- 8. moving a booking: zero days, gap-only dates, a fresh integer clock --------

LUNCH = dict.fromkeys(range(7), "10:00-12:00, 14:00-18:00")


def test_zero_business_days_is_the_next_opening() -> None:
    salon = BusinessCalendar("Asia/Shanghai", LUNCH)
    assert salon.add_business_days(sh(2026, 3, 2, 13), 0) == sh(2026, 3, 2, 14)
    assert salon.add_business_days(sh(2026, 3, 2, 19), 0) == sh(2026, 3, 3, 10)
    assert salon.add_business_days(sh(2026, 3, 2, 11), 0) == sh(2026, 3, 2, 11)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 14 * 24 * 60 - 1), st.sampled_from(["Asia/Shanghai", "Europe/Berlin"]))
def test_zero_business_days_never_goes_back(minute: int, name: str) -> None:
    tz = ZoneInfo(name)
    salon = BusinessCalendar(name, {**LUNCH, 6: "", 5: "22:00-02:00"})
    at = (datetime(2026, 10, 19, tzinfo=UTC) + timedelta(minutes=minute)).astimezone(tz)
    got = salon.add_business_days(at, 0)
    assert got == salon.add_business_time(at, timedelta(0)) == salon.next_opening(at)
    assert got.astimezone(UTC) >= at.astimezone(UTC)


def test_a_date_open_only_in_the_spring_forward_gap_is_not_a_business_day() -> None:
    new_york = ZoneInfo("America/New_York")
    early = BusinessCalendar("America/New_York", {6: "02:00-03:00"})
    assert not early.is_business_day(date(2026, 3, 8))  # the clocks skip 02:00-03:00
    assert early.is_business_day(date(2026, 3, 15))
    late = BusinessCalendar("Pacific/Kiritimati", dict.fromkeys(range(7), "20:00-04:00"))
    assert late.is_business_day(date(9999, 12, 31))  # no OverflowError at the last date
    assert late.is_business_day(date(1, 1, 1))
    saturday = datetime(2026, 3, 7, 12, tzinfo=new_york)
    # Closed on Saturday: the position is the next business day's opening,
    # Sunday 15 March (8 March has no open time); one business day later is the 22nd.
    assert early.add_business_days(saturday, 0) == datetime(2026, 3, 15, 2, tzinfo=new_york)
    assert early.add_business_days(saturday, 1) == datetime(2026, 3, 22, 2, tzinfo=new_york)


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=date(2026, 3, 1), max_value=date(2026, 11, 30)),
    st.sampled_from(["02:00-03:00", "02:15-02:45", "01:00-02:30", "10:00-11:00"]),
)
def test_business_days_are_the_dates_with_open_time(day: date, hours: str) -> None:
    calendar = BusinessCalendar("America/New_York", dict.fromkeys(range(7), hours))
    tz = calendar.zone
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    runs = calendar.open_intervals(start, start + timedelta(days=1))
    assert calendar.is_business_day(day) == bool(runs)


def _ask(calendar: BusinessCalendar, call: str, at: datetime, n: int) -> object:
    try:
        if call == "open":
            return calendar.is_open(at)
        if call == "closing":
            return calendar.next_closing(at)
        if call == "days":
            return calendar.add_business_days(at, n)
        if call == "time":
            return calendar.add_business_time(at, timedelta(hours=n))
        return calendar.business_time_between(at, at + timedelta(days=abs(n) * 30))
    except NoBusinessTimeError:
        return "none"


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["open", "closing", "days", "time", "between"]),
            st.sampled_from([1990, 2025, 2026, 2027, 2031, 2100]),
            st.integers(0, 365 * 24 - 1),
            st.integers(-30, 30),
        ),
        min_size=2,
        max_size=8,
    )
)
def test_answers_do_not_depend_on_earlier_questions(
    questions: list[tuple[str, int, int, int]],
) -> None:
    hours = {0: "10:00-14:00, 15:00-22:00", 4: "20:00-03:00", 5: "22:00-04:00"}
    shared = BusinessCalendar(
        "Europe/Berlin", hours, holidays={date(2026, 12, 25): "Christmas"}, holiday_years=()
    )
    for call, year, hour, n in questions:
        at = datetime(year, 1, 1, tzinfo=UTC) + timedelta(hours=hour)
        fresh = BusinessCalendar(
            "Europe/Berlin", hours, holidays={date(2026, 12, 25): "Christmas"}, holiday_years=()
        )
        assert _ask(shared, call, at, n) == _ask(fresh, call, at, n)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    reading = shared.business_us(to_epoch_us(start))
    assert shared.business_us(shared.instant_at_business_us(reading + 3_600_000_000)) == (
        reading + 3_600_000_000
    )


def test_a_closing_at_midnight_before_years_without_hours() -> None:
    # Open all of 31 December 2026, then never again: the closing is midnight,
    # though no later year has any open time.
    last = BusinessCalendar("Asia/Shanghai", {}, overrides={date(2026, 12, 31): "00:00-24:00"})
    assert last.next_closing(sh(2026, 12, 31, 12)) == sh(2027, 1, 1)
    assert len(last.built_years) <= 2


def test_questions_wandering_over_built_years_settle_on_one_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A desk's diary jumps between years; once they are built, nothing is rebuilt."""
    from clubrules.calendar._timeline import Timeline  # noqa: PLC0415 - the private counter

    published: list[tuple[int, int]] = []
    publish = Timeline._publish

    def counting(self: Timeline, year_lo: int, year_hi: int) -> object:
        published.append((year_lo, year_hi))
        return publish(self, year_lo, year_hi)

    monkeypatch.setattr(Timeline, "_publish", counting)
    calendar = BusinessCalendar("Asia/Shanghai", weekly=dict.fromkeys(range(7), "08:00-23:00"))
    years = [2020, 2031, 2024, 2027, 2021, 2030, 2025, 2022, 2029, 2023, 2026, 2028]
    for year in years:
        calendar.open_intervals(datetime(year, 6, 1, tzinfo=UTC), datetime(year, 6, 2, tzinfo=UTC))
    assert calendar.built_years == frozenset(range(2020, 2032))
    before = len(published)
    for year in years:  # joins the built years into one snapshot, building nothing
        calendar.is_open(datetime(year, 6, 1, 12, tzinfo=UTC))
    assert len(published) - before <= 2
    settled = len(published)
    for _ in range(3):
        for year in years:
            calendar.is_open(datetime(year, 6, 1, 12, tzinfo=UTC))
    assert len(published) == settled
    assert calendar.built_years == frozenset(range(2020, 2032))
