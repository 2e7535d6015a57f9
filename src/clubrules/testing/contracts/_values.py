"""The test values that several contract suites store, and fresh numbers for their ids."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.money import Money

__all__ = ["SHANGHAI", "Ledger", "next_serial"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""The club's zone in the suites' sample values (UTC+8, no DST)."""

# Distinct ids and prefixes across hypothesis examples and state machine runs,
# which all share the one repository their test got.
_serial = itertools.count()


def next_serial() -> int:
    """A number no earlier call returned: for ids that must not clash in a shared repository."""
    return next(_serial)


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
