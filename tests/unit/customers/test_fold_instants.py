"""Spend windows compare instants, not wall times, across the autumn clock change."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given

from clubrules import Money
from clubrules._time import to_epoch_us
from clubrules.customers import ConsumptionRecord, spend_by_customer, total_spend
from clubrules.testing.contracts._instants import FOLD_ZONE, fold_instants


def _record(at: datetime) -> ConsumptionRecord:
    return ConsumptionRecord(id="t", customer_id="c", at=at, service="s", amount=Money("10"))


@given(at=fold_instants(), one=fold_instants(), other=fold_instants())
def test_a_record_counts_exactly_when_its_instant_is_in_the_window(
    at: datetime, one: datetime, other: datetime
) -> None:
    start, end = sorted((one, other), key=to_epoch_us)
    inside = to_epoch_us(start) <= to_epoch_us(at) < to_epoch_us(end)
    got = spend_by_customer([_record(at)], start=start, end=end)
    assert got == ({"c": Money("10")} if inside else {})
    assert total_spend([_record(at)], start=start, end=end) == Money("10" if inside else "0")
    assert ("c" in spend_by_customer([_record(at)], start=start)) is (
        to_epoch_us(at) >= to_epoch_us(start)
    )
    assert ("c" in spend_by_customer([_record(at)], end=end)) is (
        to_epoch_us(at) < to_epoch_us(end)
    )


def test_a_record_in_the_second_one_oclock_hour_is_after_a_start_in_the_first() -> None:
    start = datetime(2026, 11, 1, 1, 50, tzinfo=FOLD_ZONE)  # 05:50 UTC
    at = datetime(2026, 11, 1, 1, 10, tzinfo=FOLD_ZONE, fold=1)  # 06:10 UTC, later
    assert spend_by_customer([_record(at)], start=start) == {"c": Money("10")}
    assert spend_by_customer([_record(at)], end=start) == {}
