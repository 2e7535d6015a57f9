from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from clubrules.errors import NaiveDatetimeError, NotFoundError, ValidationError
from clubrules.money import Money
from clubrules.testing.strategies import tier_programs
from clubrules.tiering import (
    ActivitySummary,
    QualificationWindow,
    ReviewSchedule,
    Tier,
    TierChange,
    TierMetric,
    TierProgram,
    TierReason,
    TierStatus,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def program(*, one_step_down: bool = False) -> TierProgram:
    return TierProgram(
        tiers=[
            Tier("member", 0),
            Tier("silver", Decimal(1000), Decimal(800)),
            Tier("gold", 5000, 4000),
            Tier("diamond", 20000, 15000),
        ],
        metric=TierMetric.SPEND,
        window=QualificationWindow(trailing_days=365),
        reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=3),
        zone="Asia/Shanghai",
        one_step_down=one_step_down,
    )


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


SINCE = at(2025, 6, 1)


def status(tier: str, since: datetime = SINCE, **kw: object) -> TierStatus:
    # Reviewed on 1 January already, unless the test says otherwise.
    kw.setdefault("last_review", date(2026, 1, 1))
    return TierStatus(customer_id="c-1", tier=tier, since=since, **kw)  # type: ignore[arg-type]


def test_thresholds_are_half_open() -> None:
    p = program()
    assert p.tier_of(Decimal("999.99")).name == "member"
    assert p.tier_of(1000).name == "silver"
    assert p.tier_of(Decimal("4999.99")).name == "silver"
    assert p.tier_of(5000).name == "gold"
    assert p.tier_of(0).name == "member"


def test_upgrade_is_immediate_and_says_what_is_needed_next() -> None:
    d = program().decide(status("member"), Decimal(5000), as_of=at(2026, 2, 10))
    assert (d.previous, d.tier, d.change, d.reason) == (
        "member",
        "gold",
        TierChange.UPGRADE,
        TierReason.QUALIFIED,
    )
    assert d.next_tier == "diamond"
    assert d.to_reach_next == 15000
    assert d.to_keep == 0
    assert d.next_review == date(2026, 4, 1)
    assert d.status.since == at(2026, 2, 10)
    assert "reached 'gold'" in d.message


def test_no_downgrade_between_reviews() -> None:
    d = program().decide(status("gold"), 10, as_of=at(2026, 2, 10))
    assert (d.tier, d.change, d.reason) == ("gold", TierChange.KEEP, TierReason.NO_REVIEW_DUE)
    assert d.to_keep == 3990  # gold retains at 4000: what is needed by the next review


def test_at_review_retain_is_lower_than_qualify() -> None:
    p = program()
    kept = p.decide(status("gold"), 4000, as_of=at(2026, 4, 1, 9))
    assert (kept.tier, kept.reason, kept.review) == ("gold", TierReason.RETAINED, date(2026, 4, 1))
    dropped = p.decide(status("gold"), Decimal("3999.99"), as_of=at(2026, 4, 1, 9))
    assert (dropped.tier, dropped.change, dropped.reason) == (
        "silver",
        TierChange.DOWNGRADE,
        TierReason.DOWNGRADED,
    )
    # 900 is below silver's qualify but above its retain: kept at silver, not member.
    assert p.decide(status("silver"), 900, as_of=at(2026, 4, 2)).tier == "silver"


def test_a_review_applies_once() -> None:
    p = program(one_step_down=True)
    first = p.decide(status("diamond"), 0, as_of=at(2026, 4, 1, 9))
    assert (first.tier, first.reason) == ("gold", TierReason.ONE_STEP_CAP)
    again = p.decide(first.status, 0, as_of=at(2026, 4, 1, 20))
    assert (again.tier, again.change, again.reason) == (
        "gold",
        TierChange.KEEP,
        TierReason.NO_REVIEW_DUE,
    )
    later = p.decide(first.status, 0, as_of=at(2026, 7, 1, 9))
    assert later.tier == "silver"


def test_without_the_cap_a_review_drops_to_the_retained_tier() -> None:
    d = program().decide(status("diamond"), 900, as_of=at(2026, 4, 1, 9))
    assert (d.tier, d.reason) == ("silver", TierReason.DOWNGRADED)


def test_a_manual_tier_is_a_floor() -> None:
    p = program()
    d = p.decide(status("gold", manual_floor="gold"), 0, as_of=at(2026, 4, 1, 9))
    assert (d.tier, d.reason) == ("gold", TierReason.MANUAL_FLOOR)
    raised = p.decide(status("member", manual_floor="silver"), 0, as_of=at(2026, 2, 1))
    assert (raised.tier, raised.change) == ("silver", TierChange.UPGRADE)
    up = p.decide(status("member", manual_floor="silver"), 6000, as_of=at(2026, 2, 1))
    assert up.tier == "gold"


def test_a_missed_review_is_applied_on_the_next_decision() -> None:
    d = program().decide(status("gold", last_review=None), 10, as_of=at(2026, 2, 10))
    assert (d.tier, d.review) == ("member", date(2026, 1, 1))


def test_a_customer_who_entered_after_the_review_is_not_reviewed_by_it() -> None:
    d = program().decide(status("gold", since=at(2026, 4, 1, 8)), 0, as_of=at(2026, 4, 1, 20))
    assert d.reason is TierReason.NO_REVIEW_DUE


def test_value_of_summary_and_windows() -> None:
    t = at(2026, 5, 20)
    s = ActivitySummary(customer_id="c-1", start=t - timedelta(days=365), end=t, spend=Money("12"))
    assert program().value_of(s) == Decimal(12)
    assert QualificationWindow(trailing_days=30).window(t, SHANGHAI) == (t - timedelta(days=30), t)
    start, end = QualificationWindow(fixed_months=3).window(t, SHANGHAI)
    assert start == datetime(2026, 4, 1, tzinfo=SHANGHAI)
    assert end == t
    points = TierProgram(
        tiers=[("a", 0)],
        metric=TierMetric.POINTS,
        window=QualificationWindow(trailing_days=1),
        reviews=ReviewSchedule(anchor=date(2026, 1, 1)),
        zone=UTC,
    )
    with pytest.raises(ValidationError):
        points.value_of(s)


def test_review_dates_clamp_to_month_end() -> None:
    s = ReviewSchedule(anchor=date(2026, 1, 31), every_months=1)
    assert s.next_after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert s.latest_on_or_before(date(2026, 3, 30)) == date(2026, 2, 28)
    assert s.latest_on_or_before(date(2025, 12, 31)) == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("tiers", "rule"),
    [
        ([("a", 100), ("b", 200)], "lowest_not_zero"),
        ([("a", 0), ("b", 200), ("c", 200)], "overlapping_thresholds"),
        ([("a", 0), ("b", 500), ("c", 200)], "unordered_thresholds"),
        ([("a", 0), ("b", 500, 600)], "retain_above_qualify"),
        ([("a", 0), ("b", 500, 400), ("c", 800, 300)], "unordered_retain"),
        ([("a", 0), ("b", 500.0)], "not_exact"),
        ([("a", 0), ("b", -5)], "negative"),
    ],
)
def test_bad_programs_get_typed_errors(tiers: list[tuple[object, ...]], rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TierProgram(
            tiers=tiers,
            metric=TierMetric.SPEND,
            window=QualificationWindow(trailing_days=365),
            reviews=ReviewSchedule(anchor=date(2026, 1, 1)),
            zone=UTC,
        )
    assert rule in {v.rule for v in caught.value.violations}


def test_bad_decisions_get_typed_errors() -> None:
    p = program()
    with pytest.raises(NaiveDatetimeError):
        p.decide(status("gold"), 10, as_of=datetime(2026, 4, 1))  # noqa: DTZ001
    with pytest.raises(NotFoundError):
        p.decide(status("platinum"), 10, as_of=at(2026, 4, 1))
    with pytest.raises(ValidationError):
        p.decide(status("gold"), -1, as_of=at(2026, 4, 1))
    with pytest.raises(ValidationError):
        QualificationWindow(trailing_days=30, fixed_months=12)
    with pytest.raises(ValidationError):
        QualificationWindow(fixed_months=5)


def test_decide_many_agrees_with_decide() -> None:
    p = program(one_step_down=True)
    current = [0, 1, 2, 3, 3, 2]
    values = [0, 1200, 3000, 100, 30000, 4500]
    floors = [-1, -1, 2, -1, -1, 1]
    for review in (False, True):
        batch = p.decide_many(current, values, review=review, floors=floors)
        when = at(2026, 4, 1, 9) if review else at(2026, 2, 1)
        for i, (c, v, f) in enumerate(zip(current, values, floors, strict=True)):
            s = status(p.tiers[c].name, manual_floor=None if f < 0 else p.tiers[f].name)
            d = p.decide(s, v, as_of=when)
            assert (batch.names()[i], batch.reasons[i]) == (d.tier, d.reason)
    plain = p.decide_many(current, values, review=False)
    assert plain.tiers == [0, 1, 2, 3, 3, 2]
    with pytest.raises(ValidationError):
        p.decide_many([7], [0], review=False)


class NoFlapping(RuleBasedStateMachine):
    """Random activity over many days: tiers only rise between reviews."""

    def __init__(self) -> None:
        super().__init__()
        self.program: TierProgram
        self.status: TierStatus
        self.now = datetime(2026, 1, 2, 12, tzinfo=UTC)
        self.value = 0

    @initialize(program=tier_programs(), floor=st.none() | st.integers(0, 4))
    def start(self, program: TierProgram, floor: int | None) -> None:
        self.program = program
        names = [t.name for t in program.tiers]
        self.status = TierStatus(
            customer_id="c-1",
            tier=names[0],
            since=self.now,
            manual_floor=None if floor is None or floor >= len(names) else names[floor],
        )

    @rule(days=st.integers(0, 40), value=st.integers(0, 6000))
    def decide(self, days: int, value: int) -> None:
        self.now += timedelta(days=days)
        p = self.program
        old = p.index(self.status.tier)
        d = p.decide(self.status, value, as_of=self.now)
        new = p.index(d.tier)
        floor = -1 if self.status.manual_floor is None else p.index(self.status.manual_floor)
        qualified = p.index(p.tier_of(value).name)
        assert new >= floor
        if d.review is None:
            assert new >= old, "downgraded between reviews"
            assert new == max(old, qualified, floor)
        else:
            if value >= p.tiers[old].keep_at:
                assert new >= old, "dropped although the retain threshold was met"
            if p.one_step_down:
                assert new >= old - 1
            assert new >= qualified
        # Deciding again at once changes nothing: a review applies once.
        again = p.decide(d.status, value, as_of=self.now)
        assert again.tier == d.tier
        assert again.change is TierChange.KEEP
        self.status = d.status
        self.value = value

    @invariant()
    def status_names_a_tier(self) -> None:
        if hasattr(self, "status"):
            self.program.index(self.status.tier)


NoFlapping.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, suppress_health_check=[HealthCheck.too_slow]
)
TestNoFlapping = NoFlapping.TestCase


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("last_review", "2026-01-01", "not_a_date"),
        ("last_review", datetime(2026, 1, 1, tzinfo=UTC), "not_a_date"),
        ("last_review", 20260101, "not_a_date"),
        ("manual_floor", 5, "not_a_string"),
        ("manual_floor", ["gold"], "not_a_string"),
        ("manual_floor", "  ", "empty"),
    ],
)
def test_a_status_refuses_a_review_that_is_not_a_date_and_a_floor_that_is_not_a_name(
    field: str, value: object, rule: str
) -> None:
    # Accepted, they made `decide` fail later with a plain TypeError (a review
    # compared with a date) or a NotFoundError that showed the value.
    with pytest.raises(ValidationError) as caught:
        TierStatus(
            customer_id="c-1",
            tier="gold",
            since=datetime(2026, 1, 1, tzinfo=UTC),
            **{field: value},  # type: ignore[arg-type]
        )
    assert caught.value.field == field
    assert caught.value.rule == rule


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[(field, v) for field in ("window", "reviews") for v in (None, 7, "365")],
        ("window", ReviewSchedule(anchor=date(2026, 1, 1))),
        ("reviews", QualificationWindow(trailing_days=1)),
        ("reviews", date(2026, 1, 1)),
    ],
)
def test_a_program_refuses_a_window_or_review_schedule_of_another_type(
    field: str, value: object
) -> None:
    good: dict[str, object] = {
        "window": QualificationWindow(trailing_days=365),
        "reviews": ReviewSchedule(anchor=date(2026, 1, 1)),
    }
    with pytest.raises(ValidationError) as caught:
        TierProgram(
            tiers=[Tier("member", 0)],
            metric=TierMetric.SPEND,
            zone=UTC,
            **{**good, field: value},  # type: ignore[arg-type]
        )
    assert (caught.value.field, caught.value.rule) == (field, "wrong_type")


def test_a_decision_with_no_review_left_before_year_10000_names_as_of() -> None:
    program = TierProgram(
        tiers=[("member", 0), ("silver", 1000, 800)],
        metric=TierMetric.SPEND,
        window=QualificationWindow(trailing_days=365),
        reviews=ReviewSchedule(anchor=date(2026, 1, 1)),
        zone="Asia/Shanghai",
    )
    status = TierStatus(customer_id="c", tier="member", since=datetime(9998, 1, 1, tzinfo=UTC))
    # The last review is 1 January 9999: from that day on (in Shanghai), none is left.
    for as_of in (datetime(9999, 6, 1, tzinfo=UTC), datetime(9998, 12, 31, 16, tzinfo=UTC)):
        with pytest.raises(ValidationError) as caught:
            program.decide(status, 1200, as_of=as_of)
        assert (caught.value.field, caught.value.rule) == ("as_of", "out_of_range")
    # On 31 December 9998 in Shanghai, the next review is 1 January 9999.
    decision = program.decide(status, 1200, as_of=datetime(9998, 12, 31, 15, tzinfo=UTC))
    assert decision.next_review == date(9999, 1, 1)
