"""Edges: the last and first days a date holds, long lateness spans, bools and huge ints."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from clubrules import Money
from clubrules._time import to_epoch_us
from clubrules.activities import Activity, ActivityKind, Audience, Candidate, plan_invitations
from clubrules.booking import Frequency, Recurrence
from clubrules.calendar import BusinessCalendar
from clubrules.care import CareKind, SurveySchedule, plan_care
from clubrules.errors import ValidationError
from clubrules.tiering import (
    ActivitySummary,
    QualificationWindow,
    RfmThresholds,
    ScoreRule,
    Segment,
    SegmentScheme,
)
from clubrules.training import BudgetLine, StaffMember, compliance_report, seed_requirements

if TYPE_CHECKING:
    from collections.abc import Callable

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def _rule_of(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.field, caught.value.rule


class _Days:
    """A club calendar that opens at midnight on the days `opens` admits."""

    def __init__(self, opens: Callable[[date], bool], zone: ZoneInfo = SHANGHAI) -> None:
        self.opens = opens
        self.zone = zone

    def is_business_day(self, day: date) -> bool:
        return self.opens(day)

    def next_opening(self, at: datetime) -> datetime:
        return at


# -- the last and the first day a date holds -----------------------------------


def test_an_activity_on_the_last_day_a_date_holds_is_refused_with_a_typed_error() -> None:
    # 31 December 9999 is a Friday, and the club is closed on Fridays: there is
    # no later day to try, and no business time left to invite.
    closed_fridays = BusinessCalendar(
        SHANGHAI,
        weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "sat"), "10:00-21:00"),
        on_missing_holiday_data="ignore",
    )
    start = datetime(9999, 12, 31, 14, tzinfo=SHANGHAI)
    activity = Activity(
        id="a",
        name="last tea",
        kind=ActivityKind.MEMBER,
        start=start,
        end=start + timedelta(hours=1),
        capacity=2,
        audience=Audience(tiers={"gold"}),
    )
    as_of = datetime(9999, 12, 31, 8, tzinfo=SHANGHAI)
    candidates = [Candidate(customer_id="c", tier="gold")]
    plan = lambda: plan_invitations(activity, candidates, [], as_of=as_of, calendar=closed_fridays)  # noqa: E731
    assert _rule_of(plan) == ("as_of", "too_late")


@pytest.mark.parametrize("occasion", [date(9999, 12, 31), date(9999, 12, 20)])
def test_a_greeting_near_the_last_date_with_no_business_day_gets_no_task(occasion: date) -> None:
    closed = _Days(lambda _day: False)
    tasks = plan_care(
        as_of=datetime(9999, 12, 25, tzinfo=UTC),
        horizon_days=1,
        calendar=closed,
        holidays={occasion: "year's end"},
        greet=["c"],
    )
    assert tasks == []


def test_a_return_visit_near_the_first_date_with_no_business_day_gets_no_task() -> None:
    closed = _Days(lambda _day: False, zone=ZoneInfo("UTC"))
    tasks = plan_care(
        as_of=datetime(1, 1, 1, 1, tzinfo=UTC),
        horizon_days=3,
        calendar=closed,
        holidays={date(1, 1, 2): "new year"},
        greet=["c"],
    )
    assert tasks == []


@given(
    as_of_day=st.dates(date(9999, 12, 1), date(9999, 12, 31)),
    born=st.dates(date(2000, 12, 1), date(2000, 12, 31)),
    horizon=st.integers(1, 40),
)
def test_birthdays_near_the_last_date_are_planned_on_their_day(
    as_of_day: date, born: date, horizon: int
) -> None:
    assume(horizon <= (date.max - as_of_day).days)  # a longer horizon is out_of_range
    everyday = _Days(lambda _day: True, zone=ZoneInfo("UTC"))
    as_of = datetime(as_of_day.year, as_of_day.month, as_of_day.day, tzinfo=UTC)
    tasks = plan_care(as_of=as_of, horizon_days=horizon, calendar=everyday, birthdays={"c": born})
    # Oracle: the club opens every day, so the birthday is due on itself when
    # it falls from today up to the horizon's last day.
    birthday = date(9999, 12, born.day)
    last = as_of_day + timedelta(days=horizon - 1)
    expected = [birthday] if as_of_day <= birthday <= last else []
    assert [t.due for t in tasks] == expected
    assert all(t.kind is CareKind.BIRTHDAY for t in tasks)


@pytest.mark.parametrize(
    ("first", "recurrence"),
    [
        (datetime(9999, 12, 20, 10, tzinfo=NEW_YORK), Recurrence(count=3)),
        (datetime(9999, 12, 30, 20, tzinfo=NEW_YORK), Recurrence(frequency=Frequency.DAILY)),
        # The most weeks a recurrence takes (the last within 9998 years of the first).
        (datetime(2026, 1, 1, tzinfo=NEW_YORK), Recurrence(count=2, interval=521_722)),
    ],
)
def test_a_series_past_year_9999_is_a_typed_error(first: datetime, recurrence: Recurrence) -> None:
    assert _rule_of(lambda: recurrence.starts(first)) == ("start", "out_of_range")


def test_a_fixed_window_starts_at_a_wall_time_that_exists() -> None:
    havana = ZoneInfo("America/Havana")  # 1 April 2012 began at 01:00: midnight was skipped
    start, _ = QualificationWindow(fixed_months=1).window(
        datetime(2012, 4, 15, 12, tzinfo=havana), havana
    )
    assert (start.day, start.hour) == (1, 1)
    assert start.astimezone(UTC).astimezone(havana) == start  # reads back as itself
    assert to_epoch_us(start) == to_epoch_us(datetime(2012, 4, 1, 5, tzinfo=UTC))


def test_a_fixed_window_starting_before_year_1_is_a_typed_error() -> None:
    # 2 January of year 1 in Shanghai: its month began, in UTC, in year 0.
    window = QualificationWindow(fixed_months=1)
    assert _rule_of(lambda: window.window(datetime(1, 1, 1, 20, tzinfo=UTC), SHANGHAI)) == (
        "as_of",
        "out_of_range",
    )


# -- a lateness span of thousands of years ---------------------------------------


class _CountingCalendar(BusinessCalendar):
    """A calendar that counts the days it is asked about."""

    asked = 0

    def is_business_day(self, day: date) -> bool:
        type(self).asked += 1
        return super().is_business_day(day)


def test_lateness_beyond_the_calendars_horizon_is_refused_before_walking_it() -> None:
    club = _CountingCalendar(
        SHANGHAI,
        weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
        holidays={},
        holiday_years=frozenset(),
    )
    rules = seed_requirements(induction_days=5, sessions_per_month=2)
    induction = tuple(r for r in rules if r.id == "induction")
    hired = StaffMember(
        id="s", role="service_specialist", hired_at=datetime(2026, 3, 26, 10, tzinfo=SHANGHAI)
    )
    as_of = datetime(5026, 4, 1, tzinfo=SHANGHAI)  # the induction is 3000 years late
    report = lambda: compliance_report(  # noqa: E731
        induction,
        [hired],
        sessions=[],
        start=as_of - timedelta(days=30),
        end=as_of,
        as_of=as_of,
        calendar=club,
    )
    _CountingCalendar.asked = 0
    assert _rule_of(report)[0] == "end"  # beyond the calendar's 100-year horizon
    # Refused before the day-by-day walk over a million days (which took seconds).
    assert _CountingCalendar.asked < 100


# -- bools, huge ints and wrong types ------------------------------------------------


def _line(**changes: object) -> BudgetLine:
    fields: dict[str, object] = {
        "year": 2026,
        "quarter": 1,
        "kind": None,
        "budget": Money(100),
        "spent": Money(0),
        "sessions": (),
    }
    fields.update(changes)
    return BudgetLine(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quarter": 0}, "quarter"),
        ({"quarter": -1}, "quarter"),
        ({"quarter": 5}, "quarter"),
        ({"quarter": True}, "quarter"),
        ({"quarter": 10**100}, "quarter"),
        ({"year": 0}, "year"),
        ({"year": True}, "year"),
        ({"year": 10**100}, "year"),
        ({"kind": "nonsense"}, "kind"),
        ({"budget": 100}, "budget"),
        ({"spent": None}, "spent"),
    ],
)
def test_a_budget_line_refuses_a_bad_quarter_year_kind_or_amount(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _line(**changes)
    assert caught.value.field == field


def test_a_budget_line_without_a_budget_is_valid() -> None:
    assert _line(budget=None).remaining is None


@pytest.mark.parametrize(
    "changes",
    [{"day": True}, {"day": 0}, {"day": 32}, {"months": (True,)}, {"months": (1, 13)}],
)
def test_a_survey_schedule_refuses_bools_and_days_out_of_range(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SurveySchedule("s", **changes)  # type: ignore[arg-type]


THRESHOLDS = RfmThresholds(
    recency_days=(7, 30, 90, 180), frequency=(2, 4, 8, 12), monetary=(500, 1000, 3000, 8000)
)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"recency_days": True}, "recency_days"),
        ({"recency_days": -1}, "recency_days"),
        ({"recency_days": 10**100}, "recency_days"),
        ({"frequency": True}, "frequency"),
        ({"frequency": -1}, "frequency"),
        ({"frequency": 10**100}, "frequency"),
        ({"monetary": True}, "monetary"),
    ],
)
def test_rfm_scores_refuse_bools_negative_and_huge_counts(
    kwargs: dict[str, object], field: str
) -> None:
    given_: dict[str, object] = {"recency_days": 10, "frequency": 3, "monetary": 100}
    given_.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        THRESHOLDS.scores(**given_)  # type: ignore[arg-type]
    assert caught.value.field == field


@given(
    recency=st.none() | st.integers(0, 400),
    frequency=st.integers(0, 20),
    monetary=st.integers(-100, 10_000),
)
def test_rfm_scores_count_the_cuts_passed(
    recency: int | None, frequency: int, monetary: int
) -> None:
    r, f, m = THRESHOLDS.scores(recency_days=recency, frequency=frequency, monetary=monetary)
    assert r == (1 if recency is None else 5 - sum(c <= recency for c in (7, 30, 90, 180)))
    assert f == 1 + sum(c <= frequency for c in (2, 4, 8, 12))
    assert m == 1 + sum(c <= monetary for c in (500, 1000, 3000, 8000))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"r": (True, 5)}, "r"),
        ({"f": (1, 10**100)}, "f"),
        ({"m": (3, 2)}, "m"),
        ({"m": (0, 2)}, "m"),
        ({"r": "1-5"}, "r"),
        ({"name": " "}, "name"),
    ],
)
def test_a_segment_refuses_ranges_that_are_not_pairs_of_scores(
    changes: dict[str, object], field: str
) -> None:
    given_: dict[str, object] = {"name": "Champions"}
    given_.update(changes)
    with pytest.raises(ValidationError) as caught:
        Segment(**given_)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(("r", "f", "m"), [(True, 1, 1), (1, True, 1), (1, 1, "5"), (1, 1, 2.0)])
def test_segment_matches_refuses_scores_that_are_not_ints(r: object, f: object, m: object) -> None:
    with pytest.raises(ValidationError):
        Segment("All").matches(r, f, m)  # type: ignore[arg-type]


@given(r=st.integers(1, 5), f=st.integers(1, 5), m=st.integers(1, 5))
def test_a_scheme_names_the_first_segment_that_matches(r: int, f: int, m: int) -> None:
    scheme = SegmentScheme()
    hit = next((s.name for s in scheme.segments if s.matches(r, f, m)), scheme.catch_all)
    assert scheme.name_of(r, f, m) == hit


_SUMMARY = ActivitySummary(
    customer_id="c", start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 2, 1, tzinfo=UTC)
)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"days_since_visit": True}, "days_since_visit"),
        ({"days_since_visit": -1}, "days_since_visit"),
        ({"days_since_visit": 10**100}, "days_since_visit"),
        ({"days_since_visit": "3"}, "days_since_visit"),
        ({"tags": "vip"}, "tags"),
        ({"needs": None}, "needs"),
    ],
)
def test_score_rule_matches_refuses_bad_arguments(kwargs: dict[str, object], field: str) -> None:
    rule = ScoreRule(name="recent", points=5, max_days_since_visit=30)
    given_: dict[str, object] = {"tags": frozenset(), "needs": frozenset(), "days_since_visit": 3}
    given_.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        rule.matches(_SUMMARY, **given_)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_score_rule_matches_still_answers_for_good_arguments() -> None:
    rule = ScoreRule(name="recent", points=5, max_days_since_visit=30)
    kw = {"tags": frozenset[str](), "needs": frozenset[str]()}
    assert rule.matches(_SUMMARY, days_since_visit=30, **kw)
    assert not rule.matches(_SUMMARY, days_since_visit=31, **kw)
    assert not rule.matches(_SUMMARY, days_since_visit=None, **kw)
