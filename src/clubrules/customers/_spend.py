"""Net spend: purchases minus refunds, floored at zero per customer; redemptions excluded."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable  # noqa: TC003
from datetime import datetime  # noqa: TC003
from decimal import Decimal

from clubrules._time import require_window, to_epoch_us
from clubrules.customers._model import ConsumptionKind, ConsumptionRecord
from clubrules.errors import InvalidMoneyError
from clubrules.money import Money

__all__ = ["spend_by_customer", "total_spend"]
from clubrules._checks import EXACT_DECIMALS, require_items

_ZERO = Decimal(0)


def signed_amount(record: ConsumptionRecord, currency: str) -> Decimal:
    """A purchase's or refund's amount, negative for a refund.

    Raises:
        InvalidMoneyError: the record is in another currency than `currency`;
            the message names the record id.
    """
    if record.amount.currency != currency:
        raise InvalidMoneyError(
            f"record {record.id!r} is in {record.amount.currency}, not {currency}",
            field="currency",
            rule="currency_mismatch",
            items=[record.id],
        )
    amount = record.amount.amount
    return amount if record.kind is ConsumptionKind.PURCHASE else amount.copy_negate()


def spend_by_customer(
    records: Iterable[ConsumptionRecord],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    currency: str = "CNY",
) -> dict[str, Money]:
    """Each customer's net spend over the records dated in `[start, end)`.

    Sums are exact: results do not depend on the thread's decimal context.

    Net spend is the customer's purchases minus their refunds, floored at
    zero. Redemptions are left out: the money was counted when the package
    or voucher was bought. A refund counts when it is paid back (its own
    `at`), so a purchase in one period refunded in the next lowers the next
    period's spend; the floor keeps such a period from going negative.

    Args:
        records: Consumption records, of any customers, in any order. Each
            record should appear once (a repository returns each id once).
        start: The first instant counted (aware), or None for no lower bound.
        end: The first instant not counted (aware), or None for no upper bound.
        currency: The ISO 4217 currency of the result.

    Returns:
        Net spend by customer id, for every customer with at least one
        purchase or refund in the window (possibly zero).

    Raises:
        NaiveDatetimeError: `start` or `end` is naive.
        InvalidIntervalError: `end` is before `start`.
        InvalidMoneyError: a counted record is in another currency; the
            message names the record id.
    """
    records = require_items(records, ConsumptionRecord, "records")
    lo, hi = require_window(start, end)
    Money.zero(currency)  # validates the currency code
    net: dict[str, Decimal] = {}
    for record in records:
        if record.kind is ConsumptionKind.REDEMPTION:
            continue
        if lo is not None or hi is not None:
            # As instants: one zone's datetimes compare by wall time, fold ignored.
            at_us = to_epoch_us(record.at)
            if (lo is not None and at_us < lo) or (hi is not None and at_us >= hi):
                continue
        net[record.customer_id] = EXACT_DECIMALS.add(
            net.get(record.customer_id, _ZERO), signed_amount(record, currency)
        )
    return {cid: Money(max(amount, _ZERO), currency) for cid, amount in net.items()}


def total_spend(
    records: Iterable[ConsumptionRecord],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    currency: str = "CNY",
) -> Money:
    """The net spend of the records dated in `[start, end)`, summed over customers.

    This is the sum of [spend_by_customer][clubrules.customers.spend_by_customer]:
    purchases minus refunds, floored at zero for each customer, with
    redemptions left out. One customer's refunds never lower another's spend.

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
        ...     ConsumptionRecord(id="t-3", customer_id="c-1", at=at, service="massage",
        ...                       amount=Money("200"), kind="redemption"),
        ... ]
        >>> total_spend(records)
        Money(amount=Decimal('200'), currency='CNY')

    Raises:
        NaiveDatetimeError: `start` or `end` is naive.
        InvalidIntervalError: `end` is before `start`.
        InvalidMoneyError: a counted record is in another currency.
    """
    records = require_items(records, ConsumptionRecord, "records")
    by_customer = spend_by_customer(records, start=start, end=end, currency=currency)
    return Money.total(by_customer.values(), currency)
