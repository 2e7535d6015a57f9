"""Net spend: purchases minus refunds, floored at zero per customer, redemptions excluded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    spend_by_customer,
    total_spend,
)
from clubrules.errors import InvalidIntervalError, InvalidMoneyError, NaiveDatetimeError
from clubrules.money import Money
from clubrules.testing.strategies import aware_datetimes, consumption_records

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
PURCHASE, REFUND, REDEMPTION = ConsumptionKind


def _r(
    amount: str,
    kind: ConsumptionKind = PURCHASE,
    *,
    customer: str = "c-1",
    days: int = 0,
    currency: str = "CNY",
) -> ConsumptionRecord:
    return ConsumptionRecord(
        id=f"t-{customer}-{amount}-{kind.value}-{days}",
        customer_id=customer,
        at=T0 + timedelta(days=days),
        service="facial",
        amount=Money(amount, currency),
        kind=kind,
    )


def test_refunds_are_subtracted_and_redemptions_ignored() -> None:
    records = [_r("300"), _r("120", REFUND), _r("999", REDEMPTION)]
    assert total_spend(records) == Money("180")


def test_refunds_never_count_as_spend() -> None:
    assert total_spend([_r("500", REFUND)]) == Money(0)


def test_net_spend_is_floored_at_zero_per_customer() -> None:
    records = [
        _r("100", customer="c-1"),
        _r("300", REFUND, customer="c-1", days=1),  # a refund of an earlier period's purchase
        _r("200", customer="c-2"),
    ]
    assert spend_by_customer(records) == {"c-1": Money(0), "c-2": Money("200")}
    # c-1's refund never lowers c-2's spend.
    assert total_spend(records) == Money("200")


def test_the_window_is_half_open_and_refunds_count_when_paid_back() -> None:
    records = [_r("100", days=0), _r("100", REFUND, days=1), _r("50", days=2)]
    day = timedelta(days=1)
    assert total_spend(records, end=T0 + day) == Money("100")
    # From day 1 on: -100 + 50 is negative, floored at zero for the customer.
    assert total_spend(records, start=T0 + day) == Money(0)
    assert total_spend(records, start=T0 + 2 * day) == Money("50")
    assert total_spend(records, start=T0, end=T0 + 3 * day) == Money("50")
    assert total_spend(records, start=T0 + day, end=T0 + day) == Money(0)


def test_other_currencies_are_refused_not_dropped() -> None:
    with pytest.raises(InvalidMoneyError) as caught:
        total_spend([_r("100"), _r("30", currency="HKD")])
    assert caught.value.rule == "currency_mismatch"
    assert caught.value.violations[0].items == ("t-c-1-30-purchase-0",)
    assert total_spend([_r("30", currency="HKD")], currency="HKD") == Money("30", "HKD")


def test_records_outside_the_window_are_not_checked_for_currency() -> None:
    records = [_r("100"), _r("30", currency="HKD", days=5)]
    assert total_spend(records, end=T0 + timedelta(days=1)) == Money("100")


def test_bad_windows_get_typed_errors() -> None:
    with pytest.raises(NaiveDatetimeError):
        total_spend([], start=datetime(2026, 3, 1))  # noqa: DTZ001 - the point
    with pytest.raises(InvalidIntervalError):
        total_spend([], start=T0, end=T0 - timedelta(seconds=1))
    with pytest.raises(InvalidMoneyError):
        total_spend([], currency="yuan")


def test_no_records_spend_nothing() -> None:
    assert total_spend([]) == Money(0)
    assert spend_by_customer([_r("10", REDEMPTION)]) == {}


def _oracle(
    records: list[ConsumptionRecord], start: datetime | None, end: datetime | None
) -> Decimal:
    """Net spend, the obvious way: customer by customer, record by record."""
    total = Decimal(0)
    for customer in sorted({r.customer_id for r in records}):
        net = Decimal(0)
        for r in records:
            inside = (start is None or r.at >= start) and (end is None or r.at < end)
            if r.customer_id != customer or not inside:
                continue
            if r.kind is PURCHASE:
                net += r.amount.amount
            elif r.kind is REFUND:
                net -= r.amount.amount
        total += max(net, Decimal(0))
    return total


@settings(max_examples=150)
@given(
    records=st.lists(consumption_records(), max_size=20),
    start=st.none() | aware_datetimes(),
    length=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5000)),
)
def test_total_spend_agrees_with_the_oracle(
    records: list[ConsumptionRecord], start: datetime | None, length: timedelta | None
) -> None:
    end = None if start is None or length is None else start + length
    got = total_spend(records, start=start, end=end)
    assert got.amount == _oracle(records, start, end)
    assert got.amount >= 0
    by_customer = spend_by_customer(records, start=start, end=end)
    assert all(m.amount >= 0 for m in by_customer.values())
    assert sum((m.amount for m in by_customer.values()), Decimal(0)) == got.amount
    # Adding a redemption never changes spend.
    if records:
        redemption = ConsumptionRecord(
            id="extra",
            customer_id=records[0].customer_id,
            at=records[0].at,
            service="package session",
            amount=Money("5000"),
            kind=REDEMPTION,
        )
        assert total_spend([*records, redemption], start=start, end=end) == got
