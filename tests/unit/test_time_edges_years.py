"""Near year 1 and year 9999: a local date, month or deadline outside them is a typed error.

An instant in the first or last hours of years 1-9999 is valid, but its
local date east or west of UTC, or a deadline or window worked out from it,
may fall in year 0 or 10000. Each rule then raises a `ValidationError`
(rule `out_of_range`), never a bare `OverflowError` or `ValueError`.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules import Money
from clubrules._time import local_month_start, to_epoch_us
from clubrules.booking import BookingRequest, BookingStatus, Schedule
from clubrules.calendar import BusinessCalendar
from clubrules.care import Question, Questionnaire, SurveyResponse, aggregate_surveys
from clubrules.complaints import analyse
from clubrules.customers import ConsumptionRecord
from clubrules.errors import ValidationError
from clubrules.staff import decide_outcome, seed_rubric
from clubrules.testing.contracts._staff import _sheet
from clubrules.tiering import ReviewSchedule, summarize_activity
from clubrules.training import (
    TrainingSession,
    compliance_report,
    seed_requirements,
    spend_against_budget,
)
from tests._zones import EDGE_ZONES

from .booking.conftest import NOW, SHANGHAI, salon_rules

if TYPE_CHECKING:
    from collections.abc import Callable

NY = ZoneInfo("America/New_York")
LAST = datetime(9999, 12, 31, 20, tzinfo=UTC)  # 10000-01-01 04:00 in Shanghai
FIRST = datetime(1, 1, 1, 1, tzinfo=UTC)  # still year 0 in New York
EDGES = [pytest.param(LAST, SHANGHAI, id="9999-east"), pytest.param(FIRST, NY, id="0001-west")]
ZONES = tuple(z for z in EDGE_ZONES if z.key != "UTC")


def _rule_of(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.field, caught.value.rule


def _record(at: datetime) -> ConsumptionRecord:
    return ConsumptionRecord(id="r", customer_id="c", at=at, service="s", amount=Money(1))


def _response(at: datetime) -> SurveyResponse:
    return SurveyResponse(id="x", questionnaire_id="q", customer_id="c", at=at, answers={"a": 3})


def _session(at: datetime) -> TrainingSession:
    return TrainingSession(
        id="s",
        kind="safety",
        topic="first aid",
        method="external",
        start=at,
        end=at + timedelta(hours=1),
        cost=Money(1),
    )


@pytest.mark.parametrize(("at", "zone"), EDGES)
def test_local_dates_outside_years_1_to_9999_are_typed_errors(at: datetime, zone: ZoneInfo) -> None:
    questionnaire = Questionnaire("q", [Question("a", "service")], weights={"service": 1})
    hour = timedelta(hours=1)
    assert _rule_of(
        lambda: summarize_activity([_record(at)], start=at - hour, end=at + hour, zone=zone)
    ) == ("records", "out_of_range")
    assert _rule_of(lambda: aggregate_surveys(questionnaire, [_response(at)], zone=zone)) == (
        "responses",
        "out_of_range",
    )
    assert _rule_of(lambda: spend_against_budget([], [_session(at)], zone=zone)) == (
        "sessions",
        "out_of_range",
    )
    assert _rule_of(lambda: analyse([], start=at - hour, end=at + hour, zone=zone)) == (
        "start",
        "out_of_range",
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        # December 9999's cycle would end in January 10000.
        (datetime(9999, 12, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC), "end"),
        # January of year 1 starts, in Shanghai, before any UTC datetime.
        (datetime(1, 1, 1, tzinfo=UTC), datetime(1, 2, 1, tzinfo=UTC), "start"),
    ],
)
def test_a_compliance_cycle_outside_years_1_to_9999_is_a_typed_error(
    start: datetime, end: datetime, field: str
) -> None:
    club = BusinessCalendar(
        SHANGHAI, weekly={"mon": "10:00-21:00"}, holidays={}, holiday_years=frozenset()
    )
    rules = seed_requirements(induction_days=5, sessions_per_month=2)
    assert _rule_of(
        lambda: compliance_report(
            rules, [], sessions=[], start=start, end=end, as_of=start, calendar=club
        )
    ) == (field, "out_of_range")


def test_a_warning_deadline_after_year_9999_is_a_typed_error() -> None:
    failing = attrs.evolve(_sheet("a-2", month=4, points="0"), assessed_at=LAST)
    assert _rule_of(lambda: decide_outcome(failing, seed_rubric())) == ("sheet", "out_of_range")


def test_a_hold_expiring_after_year_9999_is_a_typed_error() -> None:
    rules = salon_rules()
    result = rules.check(
        BookingRequest(service="laser", start=datetime(2026, 3, 2, 15, tzinfo=SHANGHAI)),
        Schedule(),
        now=NOW,
    )
    late = datetime(9999, 12, 31, 23, 55, tzinfo=UTC)
    assert _rule_of(
        lambda: rules.book(result, booking_id="h", now=late, status=BookingStatus.HELD)
    ) == ("now", "out_of_range")


def _first_instant_of(day: date, zone: ZoneInfo) -> int:
    """Oracle: scan minutes from well before for the first one whose local date is `day`."""
    guess = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=16)
    at = guess
    while at.astimezone(zone).date() < day:
        at += timedelta(minutes=1)
    return to_epoch_us(at)


@given(
    zone=st.sampled_from(ZONES),
    year=st.integers(1990, 2035),
    month=st.integers(1, 13),
)
def test_a_local_month_starts_at_the_first_instant_of_its_first_day(
    zone: ZoneInfo, year: int, month: int
) -> None:
    start = local_month_start(year, month, zone, "start")
    first_day = date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    assert to_epoch_us(start) == _first_instant_of(first_day, zone)
    # Written as a wall time that exists: it reads back as itself.
    assert start.astimezone(UTC).astimezone(zone) == start


@pytest.mark.parametrize(
    ("name", "year", "month"), [("America/Havana", 2012, 4), ("America/Asuncion", 2023, 10)]
)
def test_a_month_whose_first_midnight_is_skipped_starts_at_one_oclock(
    name: str, year: int, month: int
) -> None:
    zone = ZoneInfo(name)
    start = local_month_start(year, month, zone, "start")
    assert (start.day, start.hour, start.minute) == (1, 1, 0)
    assert to_epoch_us(start) == _first_instant_of(date(year, month, 1), zone)


@pytest.mark.parametrize(
    ("year", "month", "zone"),
    [(9999, 13, UTC), (10000, 1, UTC), (0, 12, UTC), (1, 1, SHANGHAI)],
)
def test_a_local_month_outside_years_1_to_9999_is_a_typed_error(
    year: int, month: int, zone: ZoneInfo
) -> None:
    assert _rule_of(lambda: local_month_start(year, month, zone, "end")) == ("end", "out_of_range")


def test_a_review_before_year_1_is_a_typed_error() -> None:
    schedule = ReviewSchedule(anchor=date(2026, 6, 1), every_months=12)
    # The last review on or before 1 March of year 1 would be 1 June of year 0.
    assert _rule_of(lambda: schedule.latest_on_or_before(date(1, 3, 1))) == ("day", "out_of_range")
    # The next one after it is 1 June of year 1, the schedule's first.
    assert schedule.next_after(date(1, 3, 1)) == date(1, 6, 1)
    assert schedule.latest_on_or_before(date(1, 6, 1)) == date(1, 6, 1)


@given(
    anchor=st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    every=st.sampled_from((1, 2, 3, 4, 6, 12)),
    day=st.dates(date(1990, 1, 1), date(2040, 12, 31)),
)
def test_reviews_fall_on_the_anchor_day_or_the_end_of_a_shorter_month(
    anchor: date, every: int, day: date
) -> None:
    schedule = ReviewSchedule(anchor=anchor, every_months=every)
    latest, following = schedule.latest_on_or_before(day), schedule.next_after(day)
    assert latest <= day < following
    for review in (latest, following):
        # Oracle: whole steps of `every` months from the anchor, the day clamped to the month.
        months = (review.year - anchor.year) * 12 + review.month - anchor.month
        assert months % every == 0
        last_day = calendar.monthrange(review.year, review.month)[1]
        assert review.day == min(anchor.day, last_day)
    between = (following.year - latest.year) * 12 + following.month - latest.month
    assert between == every
