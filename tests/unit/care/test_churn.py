from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.care import (
    CareAction,
    ChurnRule,
    ChurnWarning,
    Severity,
    SingleVisitRule,
    scan_churn,
    scan_churn_columns,
    scan_single_visits,
)
from clubrules.errors import InvalidIntervalError, NaiveDatetimeError, ValidationError
from clubrules.money import Money
from clubrules.tiering import ActivitySummary

AS_OF = datetime(2026, 6, 1, 9, tzinfo=UTC)
RULE = ChurnRule()  # 90-day baseline, 30-day recent, above 30%


def pair(
    cid: str,
    baseline_visits: int,
    recent_visits: int,
    *,
    baseline_spend: str = "0",
    recent_spend: str = "0",
    first_days_ago: int = 200,
    rule: ChurnRule = RULE,
    as_of: datetime = AS_OF,
) -> tuple[ActivitySummary, ActivitySummary]:
    b_start, r_start, end = rule.windows(as_of)
    first = as_of - timedelta(days=first_days_ago)
    b_last = r_start - timedelta(hours=1) if baseline_visits else None
    b = ActivitySummary(
        customer_id=cid,
        start=b_start,
        end=r_start,
        visits=baseline_visits,
        spend=Money(baseline_spend),
        first_visit=min(first, b_last) if b_last else None,
        last_visit=b_last,
    )
    r_last = end - timedelta(hours=1) if recent_visits else b_last
    r = ActivitySummary(
        customer_id=cid,
        start=r_start,
        end=end,
        visits=recent_visits,
        spend=Money(recent_spend),
        first_visit=b.first_visit or r_last,
        last_visit=r_last,
    )
    return b, r


def scan(*pairs: tuple[ActivitySummary, ActivitySummary], **kw: object) -> list[ChurnWarning]:
    return scan_churn(
        kw.pop("rule", RULE),  # type: ignore[arg-type]
        baseline={b.customer_id: b for b, _ in pairs},
        recent={r.customer_id: r for _, r in pairs},
        as_of=kw.pop("as_of", AS_OF),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def test_a_drop_above_thirty_percent_warns_with_a_suggested_action() -> None:
    # Baseline 12 visits in 90 days (0.1333/day); recent 2 in 30 (0.0667/day): down 50%.
    [w] = scan(pair("c-1", 12, 2))
    assert w.visit_drop == Decimal("0.5000")
    assert w.severity is Severity.LOW  # above 30%, not above 50%
    assert w.action is CareAction.CALL
    assert w.rule == "activity-drop"
    assert "down 50%" in w.message


def test_exactly_thirty_percent_does_not_warn() -> None:
    # 10 baseline visits in 90 days; 7/3 recent would be exactly 30%: use a 90/90 rule.
    rule = ChurnRule(baseline_days=30, recent_days=30)
    assert scan(pair("c-1", 10, 7, rule=rule), rule=rule) == []
    assert len(scan(pair("c-1", 10, 6, rule=rule), rule=rule)) == 1


def test_severity_bands_and_actions() -> None:
    rule = ChurnRule(baseline_days=30, recent_days=30)
    got = scan(pair("a", 10, 4, rule=rule), pair("b", 10, 2, rule=rule), rule=rule)
    assert [(w.customer_id, w.severity, w.action) for w in got] == [
        ("a", Severity.MEDIUM, CareAction.TRIAL_CLASS),
        ("b", Severity.HIGH, CareAction.OFFER),
    ]


def test_spend_drop_alone_can_warn() -> None:
    rule = ChurnRule(baseline_days=30, recent_days=30)
    [w] = scan(pair("c-1", 10, 10, baseline_spend="1000", recent_spend="100", rule=rule), rule=rule)
    assert w.visit_drop == 0
    assert w.spend_drop == Decimal("0.9000")
    assert w.severity is Severity.HIGH
    quiet = ChurnRule(baseline_days=30, recent_days=30, use_spend=False)
    p = pair("c-1", 10, 10, baseline_spend="1000", recent_spend="100", rule=quiet)
    assert scan(p, rule=quiet) == []


def test_low_baseline_and_short_tenure_are_not_judged() -> None:
    assert scan(pair("c-1", 3, 0)) == []  # below the minimum of 4 baseline visits
    assert scan(pair("c-1", 12, 0, first_days_ago=100)) == []  # joined inside the baseline
    assert len(scan(pair("c-1", 12, 0, first_days_ago=120))) == 1


def test_cooldown_per_customer_and_rule() -> None:
    p = pair("c-1", 12, 0)
    assert scan(p, last_warned={"c-1": AS_OF - timedelta(days=29)}) == []
    assert len(scan(p, last_warned={"c-1": AS_OF - timedelta(days=30)})) == 1
    assert len(scan(p, last_warned={"c-2": AS_OF})) == 1


def test_bad_rules_and_inputs_get_typed_errors() -> None:
    with pytest.raises(InvalidIntervalError) as caught:
        ChurnRule(baseline_days=30, recent_days=60)
    assert caught.value.rule == "recent_longer_than_baseline"
    with pytest.raises(ValidationError):
        ChurnRule(threshold=Decimal("1.5"))
    with pytest.raises(ValidationError):
        ChurnRule(threshold=0.3)
    with pytest.raises(NaiveDatetimeError):
        scan(pair("c-1", 12, 0), as_of=datetime(2026, 6, 1))  # noqa: DTZ001
    with pytest.raises(ValidationError) as mismatch:
        scan(pair("c-1", 12, 0), as_of=AS_OF + timedelta(days=1))
    assert mismatch.value.rule == "window_mismatch"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(4, 30), st.integers(0, 10)), min_size=1, max_size=40),
    st.integers(0, 60),
)
def test_a_warning_never_fires_inside_its_cooldown(
    days: list[tuple[int, int]], cooldown: int
) -> None:
    """Daily scans with fluctuating activity: two warnings are always a cooldown apart."""
    rule = ChurnRule(cooldown_days=cooldown)
    last: dict[str, datetime] = {}
    fired: list[datetime] = []
    now = AS_OF
    for step, (baseline, recent) in enumerate(days):
        now = AS_OF + timedelta(days=step)
        warnings = scan(
            pair("c-1", baseline, recent, rule=rule, as_of=now),
            rule=rule,
            as_of=now,
            last_warned=last,
        )
        for w in warnings:
            fired.append(w.at)
            last[w.customer_id] = w.at
    gaps = [b - a for a, b in itertools.pairwise(fired)]
    assert all(g >= timedelta(days=cooldown) for g in gaps)


def test_one_visit_customers_have_their_own_rule() -> None:
    rule = SingleVisitRule(after_days=14, give_up_days=90)
    start = AS_OF - timedelta(days=365)

    def once(cid: str, days_ago: int, *, second: int | None = None) -> ActivitySummary:
        first = AS_OF - timedelta(days=days_ago)
        last = first if second is None else AS_OF - timedelta(days=second)
        return ActivitySummary(
            customer_id=cid,
            start=start,
            end=AS_OF,
            visits=1 if second is None else 2,
            first_visit=first,
            last_visit=last,
        )

    summaries = [once("a", 20), once("b", 10), once("c", 100), once("d", 20, second=15)]
    got = scan_single_visits(rule, summaries, as_of=AS_OF, zone=UTC)
    assert [(w.customer_id, w.action) for w in got] == [("a", CareAction.TRIAL_CLASS)]
    assert (
        scan_single_visits(rule, summaries, as_of=AS_OF, zone=UTC, last_warned={"a": AS_OF}) == []
    )
    with pytest.raises(ValidationError):
        SingleVisitRule(after_days=30, give_up_days=10)
    # The activity rule never judges them: one baseline visit is below its minimum.
    assert scan(pair("a", 1, 0)) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 30),
            st.integers(0, 30),
            st.integers(0, 100_000),
            st.integers(0, 100_000),
            st.integers(60, 200),
            st.booleans(),
        ),
        max_size=25,
    ),
    st.booleans(),
)
def test_the_column_scan_agrees_with_the_summary_scan(
    rows: list[tuple[int, int, int, int, int, bool]], use_spend: bool
) -> None:
    rule = ChurnRule(use_spend=use_spend, min_baseline_visits=1)
    pairs = [
        pair(
            f"c-{i:03}",
            bv,
            rv,
            baseline_spend=str(Decimal(bs) / 100),
            recent_spend=str(Decimal(rs) / 100),
            first_days_ago=first,
            rule=rule,
        )
        for i, (bv, rv, bs, rs, first, _) in enumerate(rows)
    ]
    warned = {
        b.customer_id: AS_OF - timedelta(days=5)
        for (b, _), row in zip(pairs, rows, strict=True)
        if row[5]
    }
    slow = scan(*pairs, rule=rule, last_warned=warned)
    fast = scan_churn_columns(
        rule,
        as_of=AS_OF,
        customer_ids=[b.customer_id for b, _ in pairs],
        first_visit_us=[
            None if b.first_visit is None else to_epoch_us(b.first_visit) for b, _ in pairs
        ],
        baseline_visits=[b.visits for b, _ in pairs],
        recent_visits=[r.visits for _, r in pairs],
        baseline_spend=[row[2] for row in rows],
        recent_spend=[row[3] for row in rows],
        last_warned=warned,
    )
    assert fast == slow


@pytest.mark.parametrize("first", [CareAction.CALL, CareAction.OFFER])
def test_actions_that_name_a_severity_twice_are_refused(first: CareAction) -> None:
    # Kept, the first pair would win, so the suggested care would follow the pairs' order.
    second = CareAction.OFFER if first is CareAction.CALL else CareAction.CALL
    actions = (
        (Severity.LOW, first),
        (Severity.LOW, second),
        (Severity.MEDIUM, CareAction.TRIAL_CLASS),
        (Severity.HIGH, CareAction.OFFER),
    )
    with pytest.raises(ValidationError) as caught:
        ChurnRule(actions=actions)
    assert (caught.value.field, caught.value.rule) == ("actions", "duplicate_key")
