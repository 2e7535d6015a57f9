"""Money: an exact `Decimal` amount with an ISO 4217 currency.

Floats are refused: `0.1 + 0.2` is not `0.3`, and a spend band or a
compensation must not depend on rounding noise.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Self

import attrs

from clubrules.errors import InvalidMoneyError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Money"]

_CURRENCY = re.compile(r"[A-Z]{3}")


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, (bool, float)):
        raise InvalidMoneyError(
            f"must be a Decimal, int or numeric string, not {type(value).__name__}",
            field="amount",
            rule="not_exact",
        )
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise InvalidMoneyError(
                f"{value!r} is not a number", field="amount", rule="not_a_number"
            ) from None
    else:
        raise InvalidMoneyError(
            f"must be a Decimal, int or numeric string, not {type(value).__name__}",
            field="amount",
            rule="not_exact",
        )
    if not amount.is_finite():
        raise InvalidMoneyError("must be finite", field="amount", rule="not_finite")
    return amount


def _check_currency(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise InvalidMoneyError(
            f"{value!r} is not a three-letter ISO 4217 code", field="currency", rule="currency"
        )


@attrs.frozen(order=False)
class Money:
    """An exact amount of one currency.

    Attributes:
        amount: A `Decimal`, an `int` or a numeric string; never a float.
        currency: An ISO 4217 code such as `"CNY"`; defaults to `"CNY"`.

    Raises:
        InvalidMoneyError: the amount is a float, not a number or not finite,
            or the currency is not a three-letter upper-case code.

    Example::

        >>> Money("199.00") + Money(1)
        Money(amount=Decimal('200.00'), currency='CNY')
    """

    amount: Decimal = attrs.field(converter=_to_decimal)
    currency: str = attrs.field(default="CNY", validator=_check_currency)

    @classmethod
    def zero(cls, currency: str = "CNY") -> Self:
        """Return zero in `currency`."""
        return cls(Decimal(0), currency)

    @classmethod
    def total(cls, values: Iterable[Money], currency: str = "CNY") -> Money:
        """Add up `values`, which must all be in `currency`."""
        result = Money.zero(currency)
        for value in values:
            result = result + value
        return result

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidMoneyError(
                f"cannot combine {self.currency} with {other.currency}",
                field="currency",
                rule="currency_mismatch",
            )

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
