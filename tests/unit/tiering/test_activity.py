from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.errors import InvalidMoneyError, NaiveDatetimeError, ValidationError
from clubrules.money import Money
from clubrules.testing.strategies import activity_summaries
from clubrules.tiering import ActivitySummary, days_since_last_visit, summarize_activity

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, tzinfo=SHANGHAI)
START, END = T0 - timedelta(days=30), T0 + timedelta(days=30)


def rec(
    rid: str, hours: float, amount: str = "100", kind: str = "purchase", cid: str = "c-1"
) -> ConsumptionRecord:
    return ConsumptionRecord(
        id=rid,
        customer_id=cid,
        at=T0 + timedelta(hours=hours),
        service="facial",
        amount=Money(amount),
        kind=kind,
    )


def test_visits_are_local_days_with_a_purchase_or_redemption() -> None:
    records = [
        rec("t1", 0),
        rec("t2", 3),  # 13:00 the same day in Shanghai
        rec("t3", 14),  # 00:00 the next local day (16:00 UTC): a second visit
        rec("t4", 48, "500", "redemption"),
        rec("t5", 72, "80", "refund"),  # a refund is never a visit
    ]
    s = summarize_activity(records, start=START, end=END, zone=SHANGHAI)["c-1"]
    assert s.visits == 3
    assert s.spend == Money("220")
    assert s.first_visit == T0
    assert s.last_visit == T0 + timedelta(hours=48)


def test_the_same_records_in_utc_days_count_differently() -> None:
    records = [rec("t1", 0), rec("t3", 14)]  # 02:00 and 16:00 UTC on the same UTC day
    assert summarize_activity(records, start=START, end=END, zone=UTC)["c-1"].visits == 1


def test_net_spend_is_floored_at_zero() -> None:
    records = [rec("t1", -24 * 40, "300"), rec("t2", 0, "300", "refund")]
    s = summarize_activity(records, start=START, end=END, zone=SHANGHAI)["c-1"]
    assert s.spend == Money(0)
    assert s.visits == 0
    assert s.last_visit == T0 - timedelta(days=40)


def test_records_after_end_are_ignored_and_empty_customers_listed() -> None:
    records = [rec("t1", 24 * 40)]
    found = summarize_activity(records, start=START, end=END, zone=SHANGHAI, customer_ids=["c-9"])
    assert list(found) == ["c-9"]
    assert found["c-9"] == ActivitySummary(customer_id="c-9", start=START, end=END)


def test_bad_inputs_get_typed_errors() -> None:
    naive = datetime(2026, 3, 1)  # noqa: DTZ001
    with pytest.raises(NaiveDatetimeError):
        summarize_activity([], start=naive, end=END, zone=UTC)
    with pytest.raises(InvalidMoneyError):
        summarize_activity(
            [
                ConsumptionRecord(
                    id="x", customer_id="c", at=T0, service="s", amount=Money(1, "USD")
                )
            ],
            start=START,
            end=END,
            zone=UTC,
        )
    with pytest.raises(ValidationError) as caught:
        ActivitySummary(customer_id="c", start=START, end=END, visits=-1, spend=Money(-5))
    assert {v.rule for v in caught.value.violations} == {"too_small", "negative_amount"}
    with pytest.raises(ValidationError, match="last visit"):
        ActivitySummary(customer_id="c", start=START, end=END, visits=2)


def test_days_since_last_visit_floors_and_needs_an_aware_as_of() -> None:
    s = ActivitySummary(customer_id="c", start=START, end=END, first_visit=T0, last_visit=T0)
    assert days_since_last_visit(s, T0 + timedelta(days=2, hours=23)) == 2
    assert days_since_last_visit(ActivitySummary(customer_id="c", start=START, end=END), T0) is None
    with pytest.raises(NaiveDatetimeError):
        days_since_last_visit(s, datetime(2026, 3, 1))  # noqa: DTZ001
    with pytest.raises(ValidationError):
        days_since_last_visit(s, T0 - timedelta(days=1))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["c-1", "c-2", "c-3"]),
            st.integers(-24 * 60, 24 * 60),
            st.sampled_from(["0", "9.90", "300"]),
            st.sampled_from(list(ConsumptionKind)),
        ),
        max_size=30,
    )
)
def test_summaries_agree_with_an_obvious_oracle(
    rows: list[tuple[str, int, str, ConsumptionKind]],
) -> None:
    records = [
        rec(f"t{i}", h, amount, kind.value, cid) for i, (cid, h, amount, kind) in enumerate(rows)
    ]
    found = summarize_activity(records, start=START, end=END, zone=SHANGHAI)
    for cid, s in found.items():
        mine = [r for r in records if r.customer_id == cid and r.at < END]
        visits = [r for r in mine if r.kind is not ConsumptionKind.REFUND]
        in_window = [r for r in visits if r.at >= START]
        assert s.visits == len({r.at.astimezone(SHANGHAI).date() for r in in_window})
        net = sum(
            (r.amount.amount if r.kind is ConsumptionKind.PURCHASE else -r.amount.amount)
            for r in mine
            if r.at >= START and r.kind is not ConsumptionKind.REDEMPTION
        )
        assert s.spend.amount == max(net, 0)
        assert s.first_visit == (min(r.at for r in visits) if visits else None)
        assert s.last_visit == (max(r.at for r in visits) if visits else None)


@given(activity_summaries())
def test_the_strategy_builds_valid_summaries(s: ActivitySummary) -> None:
    assert s.visits == 0 or s.last_visit is not None


def test_negative_spend_outside_a_refund_is_refused() -> None:
    with pytest.raises(InvalidMoneyError) as caught:
        rec("t1", 0, "-88.00")
    assert caught.value.rule == "negative_amount"
    assert "kind=REFUND" in str(caught.value)
    with pytest.raises(ValidationError) as summary_error:
        ActivitySummary(customer_id="c", start=START, end=END, spend=Money("-1"))
    assert summary_error.value.rule == "negative_amount"
