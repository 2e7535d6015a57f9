"""Activity summaries: first and last visit, visits and net spend in a window."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable  # noqa: TC003
from datetime import date, datetime, tzinfo  # noqa: TC003
from decimal import Decimal

import attrs

from clubrules._checks import (
    EXACT_DECIMALS,
    NARROW_EXCEPT_INTERVAL,
    check_count,
    check_instant_field,
    check_text,
    raise_collected,
    require_instance,
    require_items,
    require_names,
    require_zone,
)
from clubrules._time import instants_compared, local_time, require_aware, require_order, to_epoch_us
from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.customers._spend import signed_amount
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.money import Money

__all__ = ["US_PER_DAY", "ActivitySummary", "days_since_last_visit", "summarize_activity"]

_ZERO = Decimal(0)

US_PER_DAY = 86_400_000_000
"""Microseconds in a day: recency is counted in whole elapsed days."""


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class ActivitySummary:
    """One customer's activity up to `end`, and in the window `[start, end)`.

    A *visit* is a local calendar day (in the club's zone) with at least one
    purchase or redemption; refund records are never visits. *Spend* is net
    spend in the window, as [spend_by_customer][clubrules.customers.spend_by_customer]
    counts it: purchases minus refunds, floored at zero, redemptions excluded.

    Attributes:
        customer_id: The customer's id.
        start: The first instant of the window (aware).
        end: The first instant after the window (aware); also the `as_of`
            of `first_visit` and `last_visit`.
        visits: Visits in the window.
        spend: Net spend in the window (never negative).
        first_visit: The customer's first visit before `end`, or None.
        last_visit: The customer's last visit before `end`, or None.

    Raises:
        ValidationError: a field is invalid (a negative count, a naive
            instant, a last visit at or after `end`, ...); all problems are
            listed.
    """

    customer_id: str
    start: datetime
    end: datetime
    visits: int = 0
    spend: Money = attrs.field(factory=Money.zero)
    first_visit: datetime | None = None
    last_visit: datetime | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "customer_id", self.customer_id, sensitive=False)
        check_instant_field(problems, self, "start")
        check_instant_field(problems, self, "end")
        check_count(problems, "visits", self.visits)
        spend: object = self.spend
        if not isinstance(spend, Money):
            problems.add("spend", "not_money", f"must be Money, not {type(spend).__name__}")
        elif spend.amount < 0:
            problems.add("spend", "negative_amount", "net spend is never negative")
        for field in ("first_visit", "last_visit"):
            if getattr(self, field) is not None:
                check_instant_field(problems, self, field)
        if not problems:
            # As instants: one zone's datetimes compare by wall time, fold ignored.
            start_us, end_us = to_epoch_us(self.start), to_epoch_us(self.end)
            if end_us < start_us:
                problems.add("end", "end_before_start", "must not be before start")
            if (self.first_visit is None) != (self.last_visit is None):
                problems.add("last_visit", "incomplete", "first and last visit go together")
            elif self.first_visit is not None and self.last_visit is not None:
                last_us = to_epoch_us(self.last_visit)
                if last_us < to_epoch_us(self.first_visit):
                    problems.add("last_visit", "before_first", "must not be before first_visit")
                if last_us >= end_us:
                    problems.add("last_visit", "after_end", "must be before end")
            if self.visits > 0 and (
                self.last_visit is None or to_epoch_us(self.last_visit) < start_us
            ):
                problems.add("visits", "no_last_visit", "visits in the window need a last visit")
        raise_collected(problems, NARROW_EXCEPT_INTERVAL)


def days_since_last_visit(summary: ActivitySummary, as_of: datetime) -> int | None:
    """Whole days from the last visit to `as_of` (floored), or None if never visited.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: `as_of` is before the last visit.
    """
    require_instance(summary, ActivitySummary, "summary")
    require_aware(as_of, "as_of")
    if summary.last_visit is None:
        return None
    elapsed = to_epoch_us(as_of) - to_epoch_us(summary.last_visit)
    if elapsed < 0:
        raise ValidationError(
            "is before the customer's last visit", field="as_of", rule="before_last_visit"
        )
    return elapsed // US_PER_DAY


def summarize_activity(
    records: Iterable[ConsumptionRecord],
    *,
    start: datetime,
    end: datetime,
    zone: tzinfo,
    customer_ids: Iterable[str] = (),
    currency: str = "CNY",
) -> dict[str, ActivitySummary]:
    """Summarise consumption records into one `ActivitySummary` per customer.

    Records at or after `end` are ignored (the summary is as of `end`).
    First and last visit look at every earlier record; visits and spend
    only at those in `[start, end)`. Each is the visit's `at` as its record
    wrote it; of two records at one instant, the lower id gives the first
    visit and the higher the last, whatever the order of `records`.

    Args:
        records: Consumption records of any customers, in any order, each once.
        start: The first instant of the window (aware).
        end: The first instant after the window (aware).
        zone: The club's zone: visits are local calendar days there.
        customer_ids: Customers to include even without any record (they get
            an empty summary).
        currency: The currency of spend.

    Returns:
        Summaries keyed by customer id, in id order.

    Raises:
        NaiveDatetimeError: `start` or `end` is naive.
        InvalidIntervalError: `end` is before `start`.
        InvalidMoneyError: a counted record is in another currency.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from clubrules import Money
        >>> from clubrules.customers import ConsumptionRecord
        >>> at = datetime(2026, 3, 1, 10, tzinfo=UTC)
        >>> records = [
        ...     ConsumptionRecord(id="t-1", customer_id="c-1", at=at, service="facial",
        ...                       amount=Money("300")),
        ...     ConsumptionRecord(id="t-2", customer_id="c-1", at=at, service="facial",
        ...                       amount=Money("100"), kind="refund"),
        ... ]
        >>> s = summarize_activity(records, start=datetime(2026, 1, 1, tzinfo=UTC),
        ...                        end=datetime(2026, 4, 1, tzinfo=UTC), zone=UTC)["c-1"]
        >>> s.visits, s.spend
        (1, Money(amount=Decimal('200'), currency='CNY'))
    """
    records = require_items(records, ConsumptionRecord, "records")
    require_zone(zone, "zone")
    customer_ids = require_names(customer_ids, "customer_ids")
    require_aware(start, "start")
    require_aware(end, "end")
    require_order(start, end, start_field="start", end_field="end", allow_empty=True)
    Money.zero(currency)
    lo, hi = to_epoch_us(start), to_epoch_us(end)
    # (instant, record id, as written): on one instant the lower id is the
    # first visit and the higher the last, so the zone each is shown in does
    # not depend on the order of the records.
    first: dict[str, tuple[int, str, datetime]] = {}
    last: dict[str, tuple[int, str, datetime]] = {}
    days: dict[str, set[date]] = {}
    net: dict[str, Decimal] = {}
    for record in records:
        at_us = to_epoch_us(record.at)
        if at_us >= hi:
            continue
        cid = record.customer_id
        in_window = at_us >= lo
        if record.kind is not ConsumptionKind.REDEMPTION and in_window:
            net[cid] = EXACT_DECIMALS.add(net.get(cid, _ZERO), signed_amount(record, currency))
        if record.kind is ConsumptionKind.REFUND:
            continue
        seen = (at_us, record.id, record.at)
        if cid not in first or seen[:2] < first[cid][:2]:
            first[cid] = seen
        if cid not in last or seen[:2] > last[cid][:2]:
            last[cid] = seen
        if in_window:
            days.setdefault(cid, set()).add(local_time(record.at, zone, "records").date())
    ids = sorted({*first, *net, *customer_ids})
    return {
        cid: ActivitySummary(
            customer_id=cid,
            start=start,
            end=end,
            visits=len(days.get(cid, ())),
            spend=Money(max(net.get(cid, _ZERO), _ZERO), currency),
            first_visit=first[cid][2] if cid in first else None,
            last_visit=last[cid][2] if cid in last else None,
        )
        for cid in ids
    }
