"""Hypothesis strategies for the shared value types: aware instants and money."""

from __future__ import annotations

from collections.abc import Sequence  # noqa: TC003
from datetime import (
    UTC,
    datetime,
    tzinfo,
)
from decimal import Decimal

from hypothesis import strategies as st

from clubrules._checks import require_items, require_real, to_decimal_or_int
from clubrules._time import zone
from clubrules.money import Money

__all__ = ["SAMPLE_ZONES", "aware_datetimes", "money", "time_zones"]

SAMPLE_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "UTC",
)
"""Zones the strategies draw from: no DST, DST both ways, and a half-hour DST shift."""


def time_zones(names: Sequence[str] = SAMPLE_ZONES) -> st.SearchStrategy[tzinfo]:
    """IANA zones from `names` (by default a mix with and without DST).

    Raises:
        ValidationError: `names` is not a list of strings.
        UnknownTimeZoneError: a name is not a known IANA zone.
    """
    given = require_items(names, str, "names")
    return st.sampled_from([UTC if n == "UTC" else zone(n, "names") for n in given])


def aware_datetimes(
    *,
    min_value: datetime = datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value: datetime = datetime(2040, 12, 31),  # noqa: DTZ001 - as above
    zones: Sequence[str] = SAMPLE_ZONES,
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes in several zones, never in a DST gap.

    Args:
        min_value: The earliest local wall time (naive, as hypothesis wants).
        max_value: The latest local wall time (naive).
        zones: IANA zone names to draw from.

    Raises:
        ValidationError: `zones` is not a list of strings.
        UnknownTimeZoneError: a name is not a known IANA zone.
    """
    return st.datetimes(
        min_value=min_value,
        max_value=max_value,
        timezones=time_zones(zones),
        allow_imaginary=False,
    )


def money(
    *,
    currency: str = "CNY",
    min_amount: Decimal | int | str = 0,
    max_amount: Decimal | int | str = 100_000,
    places: int = 2,
) -> st.SearchStrategy[Money]:
    """[Money][clubrules.money.Money] in `currency`, with at most `places` decimal places.

    Raises:
        ValidationError: a bound is not an int, a finite Decimal or a
            numeric string.

    Examples:
        >>> from hypothesis import find
        >>> find(money(min_amount=5), lambda m: True)
        Money(amount=Decimal('5.00'), currency='CNY')
    """
    amounts = st.decimals(
        min_value=_bound(min_amount, "min_amount"),
        max_value=_bound(max_amount, "max_amount"),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )
    return amounts.map(lambda amount: Money(amount, currency))


def _bound(value: object, field: str) -> Decimal:
    """A bound of `money` as a Decimal: an int, a finite Decimal or a numeric string."""
    return Decimal(require_real(to_decimal_or_int(value), field))
