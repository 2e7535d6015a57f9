"""Private helpers shared by the customer values: gathering and raising violations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar, cast

from clubrules._time import require_aware
from clubrules.errors import (
    InvalidMoneyError,
    InvalidPhoneNumberError,
    NaiveDatetimeError,
    ValidationError,
    ViolationCollector,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

E = TypeVar("E", bound=enum.Enum)

# A violation of one of these rules alone raises the matching, narrower error.
_NARROW: dict[str, type[ValidationError]] = {
    "naive_datetime": NaiveDatetimeError,
    "not_a_datetime": NaiveDatetimeError,
    "invalid_phone_number": InvalidPhoneNumberError,
    "not_parsed": InvalidPhoneNumberError,
    "negative_amount": InvalidMoneyError,
    "not_exact": InvalidMoneyError,
    "not_money": InvalidMoneyError,
}


def raise_collected(problems: ViolationCollector) -> None:
    """Raise every gathered problem at once, as the narrowest error type that fits all."""
    if not problems:
        return
    kinds = {_NARROW.get(v.rule, ValidationError) for v in problems.violations}
    error_type = kinds.pop() if len(kinds) == 1 else ValidationError
    problems.raise_if_any(error_type)


def check_text(problems: ViolationCollector, field: str, value: object, *, sensitive: bool) -> None:
    """A required, non-blank string; a sensitive value is never echoed."""
    if not isinstance(value, str):
        problems.add(field, "not_a_string", f"must be a string, not {type(value).__name__}")
    elif not value.strip():
        problems.add(field, "empty", "must not be blank")
    elif not sensitive and value != value.strip():
        problems.add(field, "whitespace", f"{value!r} has leading or trailing spaces")


def check_optional_text(problems: ViolationCollector, field: str, value: object) -> None:
    """None, or a non-blank string."""
    if value is not None:
        check_text(problems, field, value, sensitive=True)


def check_instant(problems: ViolationCollector, field: str, value: object) -> None:
    """A timezone-aware datetime."""
    try:
        require_aware(value, field)
    except ValidationError as error:
        problems.absorb(error)


def check_choice(problems: ViolationCollector, field: str, value: object, kind: type[E]) -> None:
    """A member of the enum `kind` (its converter already turned known values into members)."""
    if not isinstance(value, kind):
        allowed = ", ".join(m.name for m in kind)
        shown = repr(value) if isinstance(value, str | int) else type(value).__name__
        problems.add(field, "unknown_choice", f"{shown} is not one of {allowed}")


def to_choice(kind: type[E], value: object) -> E:
    """Leniently convert to a member of `kind`: a member, its name or its value.

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
    """Leniently convert an iterable of strings (not a bare string) to a frozenset.

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


def is_datetime(value: object) -> bool:
    """Whether `value` is a datetime (so that `.tzinfo` can be read)."""
    return isinstance(value, datetime)
