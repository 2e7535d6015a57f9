"""Private checks shared by the tiering and care values."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clubrules.errors import ViolationCollector

__all__ = ["check_count", "check_name", "check_number", "to_decimal_or_int"]


def check_name(problems: ViolationCollector, field: str, value: object) -> None:
    """A non-blank, trimmed string."""
    if not isinstance(value, str):
        problems.add(field, "not_a_string", f"must be a string, not {type(value).__name__}")
    elif not value.strip():
        problems.add(field, "empty", "must not be blank")
    elif value != value.strip():
        problems.add(field, "whitespace", f"{value!r} has leading or trailing spaces")


def check_count(
    problems: ViolationCollector, field: str, value: object, *, minimum: int = 0
) -> None:
    """An `int` (not a bool) of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(field, "not_an_int", f"must be an int, not {type(value).__name__}")
    elif value < minimum:
        problems.add(field, "too_small", f"must be at least {minimum}, not {value}")


def check_number(
    problems: ViolationCollector, field: str, value: object, *, minimum: int | None = 0
) -> None:
    """An exact number (`int` or finite `Decimal`, never a float), at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        problems.add(
            field,
            "not_exact",
            f"must be an int or Decimal (never a float), not {type(value).__name__}",
        )
    elif isinstance(value, Decimal) and not value.is_finite():
        problems.add(field, "not_finite", "must be finite")
    elif minimum is not None and value < minimum:
        problems.add(field, "negative", f"must be at least {minimum}, not {value}")


def to_decimal_or_int(value: object) -> object:
    """Numeric strings become `Decimal`; everything else passes on for the checks."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value
