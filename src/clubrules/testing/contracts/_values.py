"""Builders of the test values that several contract suites store."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.money import Money

__all__ = ["Ledger"]


@attrs.frozen
class Ledger:
    """Consumption records of facials, at times counted from `start`.

    Attributes:
        start: The instant a record's `minutes` and `hours` count from.
        amount: The amount a record has unless it is given one.
    """

    start: datetime
    amount: str

    def record(
        self,
        record_id: str = "t-1",
        customer_id: str = "c-1",
        *,
        minutes: float = 0,
        hours: float = 0,
        amount: str | None = None,
        kind: ConsumptionKind = ConsumptionKind.PURCHASE,
    ) -> ConsumptionRecord:
        """A record of `customer_id`, `hours` and `minutes` after `start`."""
        return ConsumptionRecord(
            id=record_id,
            customer_id=customer_id,
            at=self.start + timedelta(hours=hours, minutes=minutes),
            service="facial",
            amount=Money(self.amount if amount is None else amount),
            kind=kind,
        )
