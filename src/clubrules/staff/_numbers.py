"""Private helpers for points: exact Decimal checks, half-up rounding, apportionment.

Points live on a grid of 0.01. Every division is done exactly, with an
integer quotient and remainder, so a score never depends on how many digits
a Decimal context keeps: every operation names its context (`_EXACT`), so
a result never depends on the thread's decimal context either.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import TYPE_CHECKING

from clubrules._checks import shown

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from clubrules.errors import ViolationCollector

QUANTUM = Decimal("0.01")
"""The grid of points: every score, maximum and threshold is a multiple of 0.01."""

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# Wide enough that products of realistic counts (up to 10**20 events) stay exact.
_EXACT = decimal.Context(
    prec=80,
    rounding=decimal.ROUND_HALF_EVEN,  # exact results; and x - x is 0, never -0
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation],
)


_MAX_DIGITS = 20


def to_decimal(value: object) -> object:
    """Leniently convert an int or numeric string to a Decimal; pass anything else on.

    Floats and bools are passed on unchanged, for `check_decimal` to refuse.
    """
    if isinstance(value, Decimal | bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except decimal.InvalidOperation:
            return value
    return value


def check_decimal(
    problems: ViolationCollector,
    field: str,
    value: object,
    *,
    low: Decimal | None = None,
    high: Decimal | None = None,
    grid: Decimal | None = QUANTUM,
    low_rule: str = "negative",
    high_rule: str = "above_maximum",
    positive: bool = False,
) -> bool:
    """Check that `value` is a finite Decimal within `[low, high]` on `grid`; True if it is."""
    if not isinstance(value, Decimal):
        kind = type(value).__name__
        problems.add(
            field,
            "not_exact",
            f"must be a Decimal, an int or a numeric string, not {kind}"
            + (" (floats are inexact)" if isinstance(value, float) else ""),
        )
        return False
    if not value.is_finite():
        problems.add(field, "not_finite", "must be a finite number")
        return False
    if value.adjusted() >= _MAX_DIGITS:
        # Larger values leave Decimal's default precision in the arithmetic below.
        problems.add(field, "too_large", f"must be below 10**{_MAX_DIGITS}")
        return False
    ok = True
    if positive and value <= 0:
        problems.add(field, "not_positive", f"{shown(value)} must be greater than 0")
        ok = False
    if low is not None and value < low:
        problems.add(field, low_rule, f"{shown(value)} is below the minimum {low}")
        ok = False
    if high is not None and value > high:
        problems.add(field, high_rule, f"{shown(value)} is above the maximum {high}")
        ok = False
    if grid is not None and _EXACT.remainder(value, grid) != 0:
        problems.add(field, "too_precise", f"{value} is not a multiple of {grid}")
        ok = False
    return ok


def exact_mul(left: Decimal, right: Decimal | int) -> Decimal:
    """`left * right` without rounding (for any realistic operands)."""
    return _EXACT.multiply(left, right)


def exact_sum(values: Iterable[Decimal | int]) -> Decimal:
    """The sum of `values`, without rounding (for any realistic operands)."""
    total = ZERO
    for value in values:
        total = _EXACT.add(total, value)
    return total


def exact_sub(left: Decimal | int, right: Decimal | int) -> Decimal:
    """`left - right` without rounding (for any realistic operands)."""
    return _EXACT.subtract(left, right)


def on_grid(value: Decimal) -> Decimal:
    """`value` (on the 0.01 grid already) written with exactly two places."""
    return _EXACT.quantize(value, QUANTUM)


def round_ratio(numerator: Decimal, denominator: Decimal, times: Decimal | None = None) -> Decimal:
    """`numerator / denominator` (times `times`, if given) rounded half up to 0.01, exactly.

    Both must be non-negative and `denominator` positive. The quotient is
    taken as an integer number of hundredths with its remainder, so the
    rounding is exact whatever the size of the operands.
    """
    if times is not None:
        numerator = _EXACT.multiply(numerator, times)
    scaled = _EXACT.multiply(numerator, HUNDRED)
    hundredths, remainder = _EXACT.divmod(scaled, denominator)
    if _EXACT.multiply(remainder, 2) >= denominator:
        hundredths = _EXACT.add(hundredths, 1)
    return _EXACT.scaleb(hundredths, -2)


def apportion(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Share `total` (on the 0.01 grid) in proportion to positive `weights`.

    Uses the largest-remainder method on hundredths: each share is rounded
    down, and the hundredths left over go to the largest remainders (ties to
    the earlier weight), so the shares sum to `total` exactly and each is on
    the grid.
    """
    cents = int(_EXACT.scaleb(total, 2))
    units = [int(_EXACT.scaleb(w, 2)) for w in weights]
    whole = sum(units)
    shares: list[int] = []
    remainders: list[tuple[int, int]] = []
    for index, unit in enumerate(units):
        share, rest = divmod(cents * unit, whole)
        shares.append(share)
        remainders.append((-rest, index))
    for _, index in sorted(remainders)[: cents - sum(shares)]:
        shares[index] += 1
    return [_EXACT.scaleb(Decimal(share), -2) for share in shares]
