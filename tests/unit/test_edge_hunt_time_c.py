"""Edge hunt (time C): complaints, training, tiering and customers at year ends, DST and bad input.

- A tier program's review dates near years 1 and 9999, and with a period of
  more months than a datetime spans: the right review, or a typed error,
  never a bare `OverflowError`; the first review after a day before the
  schedule's first review is that first review.
- A tier program given a row of the wrong length, or a window given a zone
  that is not a tzinfo: a `ValidationError`, not a bare `TypeError`.
- A set of tags, roles, kinds or methods holding an unhashable item: a
  `ValidationError`, not a bare `TypeError`.
- A promised reply time `reply_by` is compared with the registration as an
  instant, in the repeated hour of a DST night too.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.activities import Audience, Candidate
from clubrules.complaints import CaseKind, default_book, register
from clubrules.customers import Customer
from clubrules.errors import ValidationError
from clubrules.tiering import (
    QualificationWindow,
    ReviewSchedule,
    ScoreRule,
    TagClass,
    TierMetric,
    TierProgram,
    TierReason,
    TierStatus,
)
from clubrules.training import TrainingRequirement

if TYPE_CHECKING:
    from collections.abc import Callable

NY = ZoneInfo("America/New_York")


# -- review dates: a walking oracle --------------------------------------------------


def _review_in(anchor: date, every: int, year: int, month: int) -> date | None:
    """The review in that month, if the schedule has one (the slow way: month by month)."""
    if ((year * 12 + month - 1) - (anchor.year * 12 + anchor.month - 1)) % every:
        return None
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def _oracle(anchor: date, every: int, day: date) -> tuple[date | None, date | None]:
    """The last review on or before `day` and the first after it, walking the months."""
    latest = following = None
    year, month = day.year, day.month
    for _ in range(every + 1):
        review = _review_in(anchor, every, year, month)
        if review is not None and review <= day:
            latest = review
            break
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        if year < 1:
            break
    year, month = day.year, day.month
    for _ in range(every + 1):
        review = _review_in(anchor, every, year, month)
        if review is not None and review > day:
            following = review
            break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if year > 9999:
            break
    return latest, following


def _or_none(call: object, day: date) -> date | None:
    try:
        return call(day)  # type: ignore[operator,no-any-return]
    except ValidationError as error:
        rule = error.violations[0].rule
    assert rule == "out_of_range"
    return None


_DATES = st.one_of(
    st.dates(),
    st.dates(min_value=date(1, 1, 1), max_value=date(3, 12, 31)),
    st.dates(min_value=date(9997, 1, 1), max_value=date(9999, 12, 31)),
    st.dates(min_value=date(2023, 12, 1), max_value=date(2029, 3, 31)),
)


@given(anchor=_DATES, every=st.integers(1, 40), day=_DATES)
def test_review_dates_match_a_month_by_month_walk(anchor: date, every: int, day: date) -> None:
    schedule = ReviewSchedule(anchor=anchor, every_months=every)
    latest, following = _oracle(anchor, every, day)
    assert _or_none(schedule.latest_on_or_before, day) == latest
    assert _or_none(schedule.next_after, day) == following


@pytest.mark.parametrize("every", [10**6, 10**18, 2**63 - 1])
@pytest.mark.parametrize("anchor", [date(1, 1, 1), date(2026, 1, 31), date(9999, 12, 31)])
@pytest.mark.parametrize("day", [date(1, 1, 1), date(2024, 2, 29), date(9999, 12, 31)])
def test_a_period_longer_than_the_calendar_has_only_its_anchor(
    every: int, anchor: date, day: date
) -> None:
    schedule = ReviewSchedule(anchor=anchor, every_months=every)
    assert _or_none(schedule.latest_on_or_before, day) == (anchor if anchor <= day else None)
    assert _or_none(schedule.next_after, day) == (anchor if anchor > day else None)


def _program(anchor: date) -> TierProgram:
    return TierProgram(
        tiers=[("member", 0), ("silver", 1000, 800)],
        metric=TierMetric.SPEND,
        window=QualificationWindow(trailing_days=365),
        reviews=ReviewSchedule(anchor=anchor, every_months=12),
        zone="UTC",
    )


def test_a_decision_before_the_first_review_in_year_1_is_no_review() -> None:
    program = _program(date(1, 6, 1))
    status = TierStatus(customer_id="c-1", tier="silver", since=datetime(1, 1, 1, tzinfo=UTC))
    decision = program.decide(status, 0, as_of=datetime(1, 3, 1, tzinfo=UTC))
    assert decision.reason is TierReason.NO_REVIEW_DUE
    assert decision.tier == "silver"
    assert decision.next_review == date(1, 6, 1)


# -- bad shapes and types ------------------------------------------------------------


@pytest.mark.parametrize("row", [("gold",), ("gold", 1, 2, (), "extra"), ()])
def test_a_tier_row_of_the_wrong_length_is_a_validation_error(row: tuple[object, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        TierProgram(
            tiers=[("member", 0), row],
            metric=TierMetric.SPEND,
            window=QualificationWindow(trailing_days=365),
            reviews=ReviewSchedule(anchor=date(2026, 1, 1)),
            zone="UTC",
        )
    assert caught.value.violations[0].field == "tiers[1]"
    assert caught.value.violations[0].rule == "wrong_arity"


@pytest.mark.parametrize("zone", ["UTC", 5, None])
def test_a_window_zone_that_is_no_tzinfo_is_a_validation_error(zone: object) -> None:
    window = QualificationWindow(fixed_months=3)
    with pytest.raises(ValidationError) as caught:
        window.window(datetime(2026, 5, 1, tzinfo=UTC), zone)  # type: ignore[arg-type]
    assert caught.value.violations[0].field == "zone"


_UNHASHABLE = st.lists(st.just(["vip"]) | st.just({"a": 1}), min_size=1, max_size=3)


@given(items=_UNHASHABLE)
def test_sets_with_unhashable_items_are_validation_errors(items: list[object]) -> None:
    # Every set-of-strings field of a value, given a list holding a list or a dict.
    at = datetime(2026, 1, 1, tzinfo=UTC)
    loose: Any = items
    builds: list[Callable[[], object]] = [
        partial(Customer, id="c", name="n", registered_at=at, tags=loose),
        partial(Customer, id="c", name="n", registered_at=at, needs=loose),
        partial(TagClass, name="x", any_of=loose),
        partial(TagClass, name="x", all_of=loose),
        partial(ScoreRule, name="x", points=1, needs_any=loose),
        partial(ScoreRule, name="x", points=1, tags_any=loose),
        partial(Audience, tiers=loose),
        partial(Audience, segments=loose),
        partial(Candidate, customer_id="c", tags=loose),
    ]
    builds += [
        partial(
            TrainingRequirement,
            id="r",
            name="n",
            cadence="quarterly",
            **{"kinds": "safety", field: loose},
        )
        for field in ("kinds", "methods", "roles", "topics")
    ]
    for build in builds:
        with pytest.raises(ValidationError):
            build()


@pytest.mark.parametrize("role", [["a"], None, 5])
def test_applies_to_a_role_that_is_no_string_is_a_validation_error(role: object) -> None:
    rule = TrainingRequirement(id="r", name="n", kinds="safety", cadence="yearly", roles={"a"})
    with pytest.raises(ValidationError) as caught:
        rule.applies_to(role)  # type: ignore[arg-type]
    assert caught.value.violations[0].field == "role"


# -- a promised reply across the repeated hour ---------------------------------------

# 2026-11-01 in New York: 01:00-02:00 is shown twice (EDT, then EST).
_NIGHT = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
_QUARTERS = st.integers(0, 12).map(lambda q: (_NIGHT + timedelta(minutes=10 * q)).astimezone(NY))


@given(at=_QUARTERS, reply_by=_QUARTERS)
def test_reply_by_is_after_registration_as_an_instant(at: datetime, reply_by: datetime) -> None:
    def make() -> object:
        return register(
            default_book(),
            case_id="k-1",
            at=at,
            kind=CaseKind.PROMISED_REPLY,
            channel="phone",
            customer_id="c-1",
            contact="x",
            content="y",
            reply_by=reply_by,
        )

    if reply_by.astimezone(UTC) > at.astimezone(UTC):
        make()
    else:
        with pytest.raises(ValidationError) as caught:
            make()
        assert caught.value.violations[0].field == "reply_by"
