"""Money: an exact `Decimal` amount with an ISO 4217 currency.

Floats are refused: `0.1 + 0.2` is not `0.3`, and a spend band or a
compensation must not depend on rounding noise.

An amount has at most 18 digits before the decimal point and at most 10
after it, so that every storage adapter holds it digit for digit (and
28 significant digits, `decimal`'s default precision, hold any amount).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Self

import attrs

from clubrules._checks import EXACT_DECIMALS, shown
from clubrules.errors import InvalidMoneyError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Money"]

_CURRENCY = re.compile(r"[A-Z]{3}")

_MAX_INTEGER_DIGITS = 18
"""The most digits an amount has before its decimal point: it is below 10**18."""
_MAX_PLACES = 10
"""The most digits an amount has after its decimal point."""
_LIMIT = Decimal(10**_MAX_INTEGER_DIGITS)
_ONE = Decimal(1)
_EXACT = EXACT_DECIMALS
"""The context of Money's own arithmetic, whatever the caller's `decimal` context says."""


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
            parsed: Decimal | None = Decimal(value)
        except InvalidOperation:  # raised below, outside the handler
            parsed = None
        if parsed is None:
            raise InvalidMoneyError(
                f"{shown(value)} is not a number", field="amount", rule="not_a_number"
            )
        amount = parsed
    else:
        raise InvalidMoneyError(
            f"must be a Decimal, int or numeric string, not {type(value).__name__}",
            field="amount",
            rule="not_exact",
        )
    if not amount.is_finite():
        raise InvalidMoneyError("must be finite", field="amount", rule="not_finite")
    exponent = amount.as_tuple().exponent
    if amount.copy_abs() >= _LIMIT:
        raise InvalidMoneyError(
            f"must be below 10**{_MAX_INTEGER_DIGITS} in size", field="amount", rule="out_of_range"
        )
    if isinstance(exponent, int) and exponent < -_MAX_PLACES:
        raise InvalidMoneyError(
            f"must have at most {_MAX_PLACES} decimal places", field="amount", rule="too_precise"
        )
    if isinstance(exponent, int) and exponent > 0:
        # Plain notation (1E+2 is held as 100), as a database's numeric gives it back.
        amount = amount.quantize(_ONE, context=_EXACT)
    if amount.is_zero() and amount.is_signed():
        amount = amount.copy_negate()  # -0 is 0, as a database gives it back
    return amount


def _check_currency(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise InvalidMoneyError(
            f"{shown(value)} is not a three-letter ISO 4217 code", field="currency", rule="currency"
        )


@attrs.frozen(order=False)
class Money:
    """An exact amount of one currency.

    Attributes:
        amount: A `Decimal`, an `int` or a numeric string; never a float.
        currency: An ISO 4217 code such as `"CNY"`; defaults to `"CNY"`.

    An amount has at most 18 digits before the decimal point (it is below
    10**18 in size) and at most 10 after it: every storage adapter holds such
    an amount digit for digit. An amount in exponent notation is held in
    plain notation (`Money("1E+2").amount == Decimal("100")`), and `-0` as `0`.

    Money adds, subtracts and compares with Money of its own currency only,
    exactly whatever the thread's `decimal` context says (a lower precision
    never rounds a sum). Add up a list with [total][clubrules.money.Money.total]
    (`sum()` starts from the int 0, which is refused).

    Raises:
        InvalidMoneyError: the amount is a float, not a number or not finite,
            outside that range (rule `out_of_range`) or finer than 10 places
            (rule `too_precise`), or the currency is not a three-letter
            upper-case code. Arithmetic and comparisons raise it for an
            operand that is not Money (rule `not_money`, field `other`), one
            in another currency (rule `currency_mismatch`), or a result
            outside the range.

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
        """Add up `values`, which must all be in `currency`.

        Raises:
            InvalidMoneyError: a value that is not a `Money` (rule
                `not_money`), or one in another currency.
        """
        result = Money.zero(currency)
        given: object = values
        if isinstance(given, str | bytes) or not hasattr(given, "__iter__"):
            raise InvalidMoneyError(
                f"must be a list of Money values, not {type(values).__name__}",
                field="values",
                rule="not_money",
            )
        for value in values:
            if not isinstance(value, Money):
                raise InvalidMoneyError(
                    f"must be Money, not {type(value).__name__}", field="values", rule="not_money"
                )
            result = result + value
        return result

    def _same(self, other: object) -> Money:
        """`other`, once it is known to be Money of this currency.

        Raises:
            InvalidMoneyError: `other` is not a `Money` (rule `not_money`),
                or is in another currency (rule `currency_mismatch`).
        """
        if not isinstance(other, Money):
            raise InvalidMoneyError(
                f"must be Money to combine or compare with Money, not {type(other).__name__}",
                field="other",
                rule="not_money",
            )
        if other.currency != self.currency:
            raise InvalidMoneyError(
                f"cannot combine {self.currency} with {other.currency}",
                field="currency",
                rule="currency_mismatch",
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(_EXACT.add(self.amount, self._same(other).amount), self.currency)

    def __radd__(self, other: object) -> Money:
        # `0 + money` (as `sum()` starts): refused with the typed error; `Money.total` adds up.
        return self._same(other) + self

    def __sub__(self, other: Money) -> Money:
        return Money(_EXACT.subtract(self.amount, self._same(other).amount), self.currency)

    def __rsub__(self, other: object) -> Money:
        return self._same(other) - self

    def __neg__(self) -> Money:
        return Money(self.amount.copy_negate(), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
