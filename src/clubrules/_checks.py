"""Private checks and lenient conversions shared by the value classes of several areas.

Not part of the public API: names here may change without notice. Each
`check_*` adds what is wrong to a `ViolationCollector`, so that a class can
report every problem at once; `raise_collected` then raises them together.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import attrs

from clubrules._time import canonical_instant
from clubrules.errors import (
    InvalidIntervalError,
    InvalidMoneyError,
    InvalidPhoneNumberError,
    NaiveDatetimeError,
    ValidationError,
    ViolationCollector,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "INTERVAL_RULES",
    "MONEY_RULES",
    "NAIVE_RULES",
    "NARROW",
    "NARROW_EXCEPT_INTERVAL",
    "PHONE_RULES",
    "check_choice",
    "check_count",
    "check_instant_field",
    "check_number",
    "check_optional_text",
    "check_tags",
    "check_text",
    "check_tuple_of",
    "frozenset_of_names",
    "raise_collected",
    "revision",
    "to_choice",
    "to_decimal_or_int",
    "to_frozenset",
    "to_tuple",
    "tuple_of_names",
]

E = TypeVar("E", bound=enum.Enum)

NAIVE_RULES: Mapping[str, type[ValidationError]] = dict.fromkeys(
    ("naive_datetime", "not_a_datetime"), NaiveDatetimeError
)
"""Rules whose violations, alone, raise `NaiveDatetimeError`."""

INTERVAL_RULES: Mapping[str, type[ValidationError]] = dict.fromkeys(
    ("end_before_start", "empty_interval"), InvalidIntervalError
)
"""Rules whose violations, alone, raise `InvalidIntervalError`."""

PHONE_RULES: Mapping[str, type[ValidationError]] = dict.fromkeys(
    ("invalid_phone_number", "not_parsed"), InvalidPhoneNumberError
)
"""Rules whose violations, alone, raise `InvalidPhoneNumberError`."""

MONEY_RULES: Mapping[str, type[ValidationError]] = dict.fromkeys(
    ("negative_amount", "not_exact", "not_money"), InvalidMoneyError
)
"""Rules whose violations, alone, raise `InvalidMoneyError`."""

NARROW: Mapping[str, type[ValidationError]] = {
    **NAIVE_RULES,
    **INTERVAL_RULES,
    **PHONE_RULES,
    **MONEY_RULES,
}
"""Every rule with a narrower error type than `ValidationError`."""

NARROW_EXCEPT_INTERVAL: Mapping[str, type[ValidationError]] = {
    **NAIVE_RULES,
    **PHONE_RULES,
    **MONEY_RULES,
}
"""`NARROW` for values whose own `end_before_start` has always been a plain `ValidationError`."""


def raise_collected(
    problems: ViolationCollector, narrow: Mapping[str, type[ValidationError]] = NARROW
) -> None:
    """Raise every gathered problem at once, as the narrowest type in `narrow` that fits all."""
    if not problems:
        return
    kinds = {narrow.get(v.rule, ValidationError) for v in problems.violations}
    error_type = kinds.pop() if len(kinds) == 1 else ValidationError
    problems.raise_if_any(error_type)


def check_text(
    problems: ViolationCollector, field: str, value: object, *, sensitive: bool = False
) -> None:
    """A required, non-blank, trimmed string; a sensitive value is never echoed."""
    if not isinstance(value, str):
        problems.add(field, "not_a_string", f"must be a string, not {type(value).__name__}")
    elif not value.strip():
        problems.add(field, "empty", "must not be blank")
    elif not sensitive and value != value.strip():
        problems.add(field, "whitespace", f"{value!r} has leading or trailing spaces")


def check_optional_text(problems: ViolationCollector, field: str, value: object) -> None:
    """None, or a non-blank string (never echoed)."""
    if value is not None:
        check_text(problems, field, value, sensitive=True)


def check_instant_field(problems: ViolationCollector, owner: object, field: str) -> bool:
    """`owner.field` is a timezone-aware datetime; True if it is one.

    The field is then replaced by its canonical form (see
    `clubrules._time.canonical_instant`), even on a frozen attrs class,
    so that a wall time skipped by a DST change compares equal to the same
    instant read back from any storage adapter.
    """
    try:
        canonical = canonical_instant(getattr(owner, field), field)
    except ValidationError as error:
        problems.absorb(error)
        return False
    object.__setattr__(owner, field, canonical)
    return True


def check_tuple_of(problems: ViolationCollector, field: str, value: object, kind: type) -> bool:
    """A tuple of `kind` values (rule `not_<field>`); True if it is one."""
    if isinstance(value, tuple) and all(isinstance(v, kind) for v in value):
        return True
    problems.add(field, f"not_{field}", f"must be a list of {kind.__name__} values")
    return False


def check_items(
    problems: ViolationCollector, field: str, values: tuple[object, ...], kind: type, *, rule: str
) -> None:
    """Each of `values` is a `kind` ("must be a Segment"), or `rule` is reported at `field[i]`."""
    name = kind.__name__
    message = f"must be {'an' if name[0] in 'AEIOU' else 'a'} {name}"
    for i, value in enumerate(values):
        if not isinstance(value, kind):
            problems.add(f"{field}[{i}]", rule, message)


def check_count(
    problems: ViolationCollector,
    field: str,
    value: object,
    *,
    minimum: int = 0,
    wording: Literal["int", "integer"] = "int",
) -> None:
    """An `int` (not a bool) of at least `minimum`; `wording="integer"` is the booking wording."""
    if isinstance(value, bool) or not isinstance(value, int):
        rule = "not_an_int" if wording == "int" else "not_an_integer"
        problems.add(field, rule, f"must be an {wording}, not {type(value).__name__}")
    elif value < minimum:
        got = "not" if wording == "int" else "got"
        problems.add(field, "too_small", f"must be at least {minimum}, {got} {value}")


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


def check_choice(problems: ViolationCollector, field: str, value: object, kind: type[E]) -> None:
    """A member of the enum `kind` (its converter already turned known values into members)."""
    if not isinstance(value, kind):
        allowed = ", ".join(m.name for m in kind)
        shown = repr(value) if isinstance(value, str | int) else type(value).__name__
        problems.add(field, "unknown_choice", f"{shown} is not one of {allowed}")


def check_enum(problems: ViolationCollector, field: str, value: object, kind: type) -> None:
    """A member of the enum `kind` (rule `unknown_choice`, "must be a <kind>"); no converter ran."""
    if not isinstance(value, kind):
        problems.add(field, "unknown_choice", f"must be a {kind.__name__}")


def to_choice(kind: type[E], value: object) -> E:
    """Leniently convert to a member of `kind` (a member, its name or its value), else pass on.

    Anything else is passed on unchanged (despite the annotation) for
    `check_choice` to report along with the other problems.
    """
    if isinstance(value, kind):
        return value
    for member in kind:
        if value in (member.value, member.name):
            return member
    return cast("E", value)


def to_frozenset(value: object) -> frozenset[str]:
    """Leniently convert an iterable of strings (not a bare string) to a frozenset, else pass on.

    Anything else is passed on unchanged for `check_tags` to report.
    """
    if isinstance(value, frozenset):
        return value
    if isinstance(value, str | bytes) or not _is_iterable(value):
        return cast("frozenset[str]", value)
    return frozenset(cast("Iterable[str]", value))


def _is_iterable(value: object) -> bool:
    try:
        iter(value)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def check_tags(problems: ViolationCollector, field: str, value: object) -> None:
    """A frozenset of non-blank strings without surrounding spaces."""
    if not isinstance(value, frozenset):
        problems.add(field, "not_a_set", "must be a set of strings (not a single string)")
        return
    bad = sorted(
        repr(t) for t in value if not isinstance(t, str) or not t.strip() or t != t.strip()
    )
    for shown in bad:
        problems.add(field, "bad_tag", f"{shown} is not a tag (a non-blank, trimmed string)")


def to_tuple(value: object) -> tuple[object, ...]:
    """A list or tuple as a tuple; anything else passes on unchanged for the checks to report."""
    if isinstance(value, list | tuple):
        return tuple(value)
    return cast("tuple[object, ...]", value)


def frozenset_of_names(value: Iterable[str]) -> frozenset[str]:
    """One string as a one-element set, any other iterable of strings as a frozenset."""
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def tuple_of_names(value: Iterable[str]) -> tuple[str, ...]:
    """One string as a one-element tuple, any other iterable of strings as a tuple."""
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def revision(
    value: attrs.AttrsInstance,
    version: int,
    changes: Mapping[str, Any],
    error: type[ValidationError] = ValidationError,
) -> dict[str, Any]:
    """`changes` for the next version of the attrs value `value` (now at `version`).

    The version is `version + 1` unless `changes` names one, which must be
    above `version`; every change must name a field. Raises `error` with
    rules `unknown_field` and `version_not_after`.
    """
    problems = ViolationCollector()
    fields = {f.name for f in attrs.fields(type(value)) if f.init}
    for name in sorted(set(changes) - fields):
        problems.add(name, "unknown_field", f"is not a field of {type(value).__name__}")
    new = changes.get("version", version + 1)
    if isinstance(new, int) and not isinstance(new, bool) and new <= version:
        problems.add("version", "version_not_after", f"must be above the current {version}")
    problems.raise_if_any(error)
    return {**changes, "version": new}
