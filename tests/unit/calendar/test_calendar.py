"""Examples a salon would recognise, and every bad input getting a typed error."""

from __future__ import annotations

import pickle
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

from clubrules.calendar import BusinessCalendar, Interval, TimeRange, from_epoch_us
from clubrules.errors import (
    InvalidHoursError,
    InvalidIntervalError,
    MissingHolidayDataError,
    MissingHolidayDataWarning,
    NaiveDatetimeError,
    NoBusinessTimeError,
    UnknownTimeZoneError,
    ValidationError,
)
from clubrules.testing.strategies import aware_datetimes, business_calendars, time_ranges

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
SPLIT = "10:00-14:00, 15:00-22:00"


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[arg-type, misc]


@pytest.fixture
def salon() -> BusinessCalendar:
    return BusinessCalendar(
        "Asia/Shanghai",
        weekly=dict.fromkeys(range(7), SPLIT),
        holidays={date(2026, 10, 1): "National Day", date(2026, 10, 2): "National Day"},
        extra_working_days={date(2026, 10, 10): "10:00-18:00"},
        overrides={date(2026, 12, 24): "10:00-16:00"},
    )


def test_split_hours_and_the_lunch_break(salon: BusinessCalendar) -> None:
    assert salon.is_open(sh(2026, 3, 2, 10))
    assert not salon.is_open(sh(2026, 3, 2, 14))  # half-open: 14:00 is closed
    assert salon.is_open(sh(2026, 3, 2, 15))
    assert not salon.is_open(sh(2026, 3, 2, 22))
    assert salon.open_intervals(sh(2026, 3, 2, 9), sh(2026, 3, 2, 23)) == [
        Interval(sh(2026, 3, 2, 10), sh(2026, 3, 2, 14)),
        Interval(sh(2026, 3, 2, 15), sh(2026, 3, 2, 22)),
    ]


def test_a_deadline_across_a_holiday_lands_after_it(salon: BusinessCalendar) -> None:
    # 20:00 on 30 September, 24 business hours: 2 h that evening, the holidays
    # on 1 and 2 October do not count, 11 h on 3 October, 11 h on 4 October.
    due = salon.add_business_time(sh(2026, 9, 30, 20), timedelta(hours=24))
    assert due == sh(2026, 10, 4, 22)
    assert salon.business_time_between(sh(2026, 9, 30, 20), due) == timedelta(hours=24)


def test_a_deadline_in_closed_time_moves_to_the_next_opening(salon: BusinessCalendar) -> None:
    assert salon.add_business_time(sh(2026, 3, 2, 23), timedelta(0)) == sh(2026, 3, 3, 10)
    assert salon.add_business_time(sh(2026, 3, 2, 13), timedelta(hours=2)) == sh(2026, 3, 2, 16)
    # Exactly used up at a closing: the closing itself, not the next opening.
    assert salon.add_business_time(sh(2026, 3, 2, 20), timedelta(hours=2)) == sh(2026, 3, 2, 22)


def test_counting_back(salon: BusinessCalendar) -> None:
    assert salon.add_business_time(sh(2026, 10, 3, 11), timedelta(hours=-2)) == sh(2026, 9, 30, 21)


def test_extra_working_days_and_overrides_win(salon: BusinessCalendar) -> None:
    assert salon.hours_on(date(2026, 10, 1)) == ()
    assert salon.hours_on(date(2026, 10, 10)) == (TimeRange(time(10), time(18)),)
    assert salon.hours_on(date(2026, 12, 24)) == (TimeRange(time(10), time(16)),)
    assert not salon.is_business_day(date(2026, 10, 2))


def test_seven_business_days_skip_holidays(salon: BusinessCalendar) -> None:
    # From 16:00 on 29 September: 30 Sep, (1, 2 Oct closed), 3, 4, 5, 6, 7, 8 Oct.
    assert salon.add_business_days(sh(2026, 9, 29, 16), 7) == sh(2026, 10, 8, 16)
    # A shorter target day clamps to its closing: 10 Oct is open 10:00-18:00 (7 h).
    assert salon.add_business_days(sh(2026, 10, 9, 21), 1) == sh(2026, 10, 10, 18)
    # After the last closing counts as the next day's opening.
    assert salon.add_business_days(sh(2026, 3, 2, 23), 1) == sh(2026, 3, 4, 10)


def test_overnight_hours() -> None:
    bar = BusinessCalendar("Asia/Shanghai", weekly={"fri": "18:00-02:00", "sat": "18:00-02:00"})
    assert bar.is_open(sh(2026, 3, 7, 1, 30))  # Saturday 01:30, Friday's night
    assert not bar.is_open(sh(2026, 3, 8, 2))  # Sunday 02:00: closed
    assert bar.add_business_time(sh(2026, 3, 6, 23), timedelta(hours=4)) == sh(2026, 3, 7, 19)
    assert bar.next_closing(sh(2026, 3, 6, 12)) == sh(2026, 3, 7, 2)


def test_ranges_that_touch_at_midnight_are_one_opening() -> None:
    club = BusinessCalendar("Asia/Shanghai", weekly={"mon": "20:00-24:00", "tue": "00:00-03:00"})
    assert club.next_closing(sh(2026, 3, 2, 21)) == sh(2026, 3, 3, 3)
    assert club.open_intervals(sh(2026, 3, 2), sh(2026, 3, 4)) == [
        Interval(sh(2026, 3, 2, 20), sh(2026, 3, 3, 3))
    ]


def test_dst_spring_forward_shortens_the_day() -> None:
    gym = BusinessCalendar("Europe/Berlin", weekly={"sun": "01:00-05:00"})
    # 29 March 2026: 02:00-03:00 does not exist in Berlin, so the day has 3 open hours.
    start = datetime(2026, 3, 29, 1, tzinfo=BERLIN)
    end = datetime(2026, 3, 29, 5, tzinfo=BERLIN)
    assert gym.business_time_between(start, end) == timedelta(hours=3)
    assert gym.add_business_time(start, timedelta(hours=3)) == end


def test_dst_fall_back_lengthens_the_day() -> None:
    gym = BusinessCalendar("Europe/Berlin", weekly={"sun": "01:00-05:00"})
    # 25 October 2026: 02:00-03:00 happens twice, so the day has 5 open hours.
    start = datetime(2026, 10, 25, 1, tzinfo=BERLIN)
    end = datetime(2026, 10, 25, 5, tzinfo=BERLIN)
    assert gym.business_time_between(start, end) == timedelta(hours=5)


def test_results_are_in_the_calendars_zone_and_inputs_may_be_in_any(
    salon: BusinessCalendar,
) -> None:
    utc_start = datetime(2026, 3, 2, 2, tzinfo=UTC)  # 10:00 in Shanghai
    due = salon.add_business_time(utc_start, timedelta(hours=1))
    assert due == sh(2026, 3, 2, 11)
    assert due.tzinfo is SH


def test_pendulum_datetimes_are_accepted(salon: BusinessCalendar) -> None:
    import pendulum  # noqa: PLC0415 - only this test needs it

    start = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")
    assert salon.add_business_time(start, timedelta(hours=1)) == sh(2026, 3, 2, 11)


def test_cost_does_not_depend_on_the_span() -> None:
    # Ten years of business time: answered from running totals, not by stepping.
    salon = BusinessCalendar("Asia/Shanghai", weekly=dict.fromkeys(range(7), SPLIT))
    far = salon.add_business_time(sh(2026, 3, 2, 10), timedelta(hours=11 * 3650))
    assert far.year >= 2036
    assert salon.business_time_between(sh(2026, 3, 2, 10), far) == timedelta(hours=11 * 3650)


def test_a_calendar_that_never_opens_says_so() -> None:
    never = BusinessCalendar("Asia/Shanghai", weekly={})
    with pytest.raises(NoBusinessTimeError):
        never.add_business_time(sh(2026, 3, 2), timedelta(hours=1))
    with pytest.raises(NoBusinessTimeError):
        never.next_opening(sh(2026, 3, 2))
    assert never.open_intervals(sh(2026, 3, 2), sh(2026, 3, 9)) == []


def test_missing_holiday_data_raises_or_warns() -> None:
    strict = BusinessCalendar(
        "Asia/Shanghai", weekly={0: SPLIT}, holidays=[date(2026, 10, 1)], holiday_years=[2026]
    )
    with pytest.raises(MissingHolidayDataError) as info:
        strict.is_open(sh(2027, 3, 1, 12))
    assert info.value.year == 2027
    assert info.value.known_years == (2026,)
    with pytest.raises(MissingHolidayDataError):
        strict.hours_on(date(2025, 5, 1))
    lenient = BusinessCalendar(
        "Asia/Shanghai",
        weekly={0: SPLIT},
        holidays=[date(2026, 10, 1)],
        on_missing_holiday_data="warn",
    )
    with pytest.warns(MissingHolidayDataWarning, match="2027"):
        assert lenient.is_open(sh(2027, 3, 1, 12))
    # A calendar without holiday data at all never complains.
    plain = BusinessCalendar("Asia/Shanghai", weekly={0: SPLIT})
    assert plain.is_open(sh(2030, 3, 4, 12))


def test_a_failed_holiday_check_leaves_the_calendar_usable() -> None:
    strict = BusinessCalendar("Asia/Shanghai", weekly={0: SPLIT}, holidays=[date(2026, 10, 1)])
    with pytest.raises(MissingHolidayDataError):
        strict.add_business_days(sh(2026, 12, 28, 12), 5)
    assert strict.is_open(sh(2026, 3, 2, 12))


@pytest.mark.parametrize(
    ("kwargs", "error", "field", "rule"),
    [
        ({"zone": "Mars/Olympus"}, UnknownTimeZoneError, "zone", "unknown_time_zone"),
        ({"weekly": {"mon": "10:00-14:00, 13:00-15:00"}}, InvalidHoursError, "weekly[mon]", "overlapping_hours"),  # noqa: E501
        ({"weekly": {"mon": "20:00-03:00", "tue": "02:00-05:00"}}, InvalidHoursError, "weekly[mon]", "overlapping_hours"),  # noqa: E501
        ({"weekly": {"mon": "10-14"}}, InvalidHoursError, "weekly[mon]", "invalid_hours"),
        ({"weekly": {"mon": "25:00-26:00"}}, InvalidHoursError, "weekly[mon]", "invalid_hours"),
        ({"weekly": {"funday": "10:00-14:00"}}, ValidationError, "weekly", "unknown_weekday"),
        ({"holidays": ["2026-10-01"]}, ValidationError, "holidays", "not_a_date"),
        ({"on_missing_holiday_data": "shrug"}, ValidationError, "on_missing_holiday_data", "unknown_choice"),  # noqa: E501
    ],
)  # fmt: skip
def test_bad_configuration_gets_a_typed_error(
    kwargs: dict[str, object], error: type[Exception], field: str, rule: str
) -> None:
    arguments: dict[str, object] = {"zone": "Asia/Shanghai", "weekly": {"mon": SPLIT}, **kwargs}
    with pytest.raises(error) as info:
        BusinessCalendar(**arguments)  # type: ignore[arg-type]
    assert isinstance(info.value, ValidationError)
    assert isinstance(info.value, ValueError)
    assert (field, rule) in {(v.field, v.rule) for v in info.value.violations}


def test_every_configuration_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        BusinessCalendar(
            "Asia/Shanghai",
            weekly={"mon": "10-14", "tue": "10:00-12:00, 11:00-13:00", "xyz": "10:00-11:00"},
        )
    fields = {v.field for v in info.value.violations}
    assert {"weekly[mon]", "weekly[tue]", "weekly"} <= fields


def test_an_override_that_runs_into_the_next_day_is_refused() -> None:
    with pytest.raises(InvalidHoursError):
        BusinessCalendar(
            "Asia/Shanghai",
            weekly={"tue": "09:00-12:00"},
            overrides={date(2026, 3, 2): "20:00-10:00"},
        )


def test_naive_datetimes_and_reversed_intervals_are_refused(salon: BusinessCalendar) -> None:
    naive = datetime(2026, 3, 2, 10)  # noqa: DTZ001 - the point of the test
    with pytest.raises(NaiveDatetimeError) as info:
        salon.is_open(naive)
    assert info.value.violations[0].field == "at"
    with pytest.raises(NaiveDatetimeError):
        salon.add_business_time(naive, timedelta(hours=1))
    with pytest.raises(NaiveDatetimeError):
        salon.business_time_between(sh(2026, 3, 2), naive)
    with pytest.raises(InvalidIntervalError):
        salon.open_intervals(sh(2026, 3, 3), sh(2026, 3, 2))
    with pytest.raises(InvalidIntervalError):
        Interval(sh(2026, 3, 3), sh(2026, 3, 2))
    with pytest.raises(ValidationError):
        salon.add_business_time(sh(2026, 3, 2), 3600)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        salon.add_business_days(sh(2026, 3, 2), 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        salon.hours_on(sh(2026, 3, 2))


def test_the_integer_clock_answers_on_a_fresh_calendar() -> None:
    # Issue 16, item 8: it raised CalendarError until business_us had been called.
    fresh = BusinessCalendar("Asia/Shanghai", weekly={0: SPLIT})
    at = fresh.instant_at_business_us(3_600_000_000)
    assert fresh.business_us(at) == 3_600_000_000
    assert fresh.is_open(from_epoch_us(at - 1, SH))


def test_concurrent_queries_across_years_agree(salon: BusinessCalendar) -> None:
    results: dict[int, datetime] = {}
    starts = {year: sh(year, 3, 2, 10) for year in range(2027, 2035)}
    plain = BusinessCalendar("Asia/Shanghai", weekly=dict.fromkeys(range(7), SPLIT))

    def work(year: int) -> None:
        results[year] = plain.add_business_days(starts[year], 30)

    threads = [threading.Thread(target=work, args=(y,)) for y in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sequential = BusinessCalendar("Asia/Shanghai", weekly=dict.fromkeys(range(7), SPLIT))
    assert results == {y: sequential.add_business_days(s, 30) for y, s in starts.items()}


def test_repr_and_time_range_text(salon: BusinessCalendar) -> None:
    assert "Asia/Shanghai" in repr(salon)
    assert str(TimeRange.parse("18:00-02:00")) == "18:00-02:00"
    assert TimeRange.parse("10:00-24:00").end_seconds == 86_400
    text = pickle.dumps(TimeRange.parse("10:00-14:00"))
    assert pickle.loads(text) == TimeRange(time(10), time(14))  # noqa: S301 - our own bytes


SPRING_2026 = aware_datetimes(
    min_value=datetime(2026, 2, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2026, 5, 1),  # noqa: DTZ001
)


@settings(max_examples=40)
@given(business_calendars(), SPRING_2026)
def test_strategies_build_working_calendars(calendar: BusinessCalendar, at: datetime) -> None:
    # Whatever the hours, the deadline and the elapsed time agree with each other.
    if calendar.open_intervals(at, at + timedelta(days=14)):
        due = calendar.add_business_time(at, timedelta(hours=3))
        assert calendar.business_time_between(at, due) == timedelta(hours=3)
        assert calendar.next_opening(at) <= due


@given(time_ranges())
def test_time_ranges_round_trip_through_text(hours: TimeRange) -> None:
    assert TimeRange.parse(str(hours)) == hours
