"""Private checks and lenient conversions shared by the value classes of several areas.

Not part of the public API: names here may change without notice. Each
`check_*` adds what is wrong to a `ViolationCollector`, so that a class can
report every problem at once; `raise_collected` then raises them together.
"""

from __future__ import annotations

import enum
import math
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import MAXYEAR, MINYEAR, date, datetime, tzinfo
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn, TypeVar, cast

import attrs

from clubrules._shown import SHOWN_MAX_CHARS, shown
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
    from collections.abc import Callable, Iterable, Sequence

    FieldCheck = Callable[[ViolationCollector, str, object], object]

__all__ = [
    "DECIMALS",
    "DEFAULT_TENANT",
    "EXACT_DECIMALS",
    "ID_MAX_CHARS",
    "INTERVAL_RULES",
    "INT_MAX",
    "INT_MIN",
    "MONEY_RULES",
    "NAIVE_RULES",
    "NARROW",
    "NARROW_EXCEPT_INTERVAL",
    "PHONE_RULES",
    "SHOWN_MAX_CHARS",
    "SIZE_MAX",
    "TEXT_MAX_CHARS",
    "chained",
    "check_choice",
    "check_count",
    "check_distinct",
    "check_flag",
    "check_instant_field",
    "check_int_range",
    "check_names",
    "check_number",
    "check_optional_text",
    "check_storable",
    "check_storable_text",
    "check_tags",
    "check_tenant",
    "check_text",
    "check_tuple_of",
    "frozenset_of_names",
    "is_finite",
    "not_a_key",
    "raise_clear_of",
    "raise_collected",
    "require_choice",
    "require_column",
    "require_date",
    "require_flag",
    "require_instance",
    "require_int",
    "require_items",
    "require_mapping",
    "require_names",
    "require_port",
    "require_real",
    "require_reals",
    "require_size",
    "require_str",
    "require_years",
    "require_zone",
    "revision",
    "shown",
    "storable",
    "texts_checked",
    "to_choice",
    "to_decimal_or_int",
    "to_frozenset",
    "to_tuple",
    "tuple_of_names",
    "unpack_items",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

ID_MAX_CHARS: Final = 200
"""The most characters of an identifier, name or label that a stored value holds.

Ids, customer ids, resources, idempotency keys, case ids, tags, names and
other short labels. PostgreSQL indexes these columns with B-trees, whose
entries must fit in about 2,700 bytes: two ids of 200 characters (at most
4 bytes each in UTF-8) and an instant fit in one entry.
"""

TEXT_MAX_CHARS: Final = 100_000
"""The most characters of free text (a service note, a care task's note) in a stored value.

No index holds free text, so the bound is only there to keep rows small;
every adapter stores text of this length alike.
"""

INT_MAX: Final = 2**63 - 1
"""The largest int that a stored value holds: the top of a BIGINT (and of an SQLite INTEGER)."""

INT_MIN: Final = -(2**63)
"""The smallest int that a stored value holds: the bottom of a BIGINT (and of an SQLite INTEGER)."""

DECIMALS: Final = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
"""The `decimal` module's default settings, for the library's own Decimal arithmetic.

Rates, percentages, means and drops are computed with this context's
methods (`DECIMALS.divide(...)`, or a `localcontext(DECIMALS)` block), never
with the thread's context: results do not depend on the thread's decimal
context, and the library never changes it. A result is the one Python's
defaults give (28 significant digits, rounded half to even).
"""

EXACT_DECIMALS: Final = Context(
    prec=40, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation]
)
"""The context of exact sums and differences of money amounts (and of Money's own arithmetic).

Two amounts below 10**18 with at most 10 places add up to at most 29
digits: 40 holds every sum of a realistic number of amounts exactly, so a
thread's lower precision (or narrower exponent range) never rounds a total
or raises `decimal.InvalidOperation`.
"""

# NUL cannot be stored by PostgreSQL (in text or jsonb); a surrogate code
# point (a lone surrogate, as left by a bad decode) has no UTF-8 form, so no
# SQL adapter can store it.
_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")

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


X = TypeVar("X", bound=BaseException)


LIVE_HANDLE = "it is a live store or database handle; share it, or open one in each process"
"""Why a store, a database or a repository refuses pickle and copy (`refuse_pickle`)."""


def refuse_pickle(value: object, why: str, error: type[TypeError] = TypeError) -> NoReturn:
    """Refuse to pickle or copy a live object (a store, a database, a keyring), saying why.

    The error is a `TypeError`, as pickle's own refusals (of a lock, a
    socket) are, so `multiprocessing` and task queues report it alike.
    """
    raise error(f"cannot pickle or copy {type(value).__name__}: {why}")


def chained(error: X, cause: BaseException) -> X:
    """`error` as `raise error from cause` leaves it, for raising outside the handler.

    A typed error raised inside an `except` block keeps the caught exception
    as its `__context__`, even with `from None`; an encoding or parsing error
    there may hold the very input (`UnicodeError.object`, `JSONDecodeError.doc`,
    a `ValueError` quoting it). So the error is built in the handler and
    raised after the `try` statement; this sets the cause a `from` would.
    """
    error.__cause__ = cause
    return error


def raise_clear_of(
    error: BaseException,
    hidden: type[BaseException] | tuple[type[BaseException], ...],
    *,
    cause: BaseException | None = None,
) -> NoReturn:
    """Raise `error` with no exception of the `hidden` classes as its context.

    Raised in an `except` block, or in a `with` statement's exit while the
    block's exception propagates (a context manager translating a driver's
    error), an error gets the exception being handled as its `__context__`,
    even with `from None`, and a traceback or `logger.exception` prints it;
    a database driver's error there may quote a row's values. So `error`
    is raised, its `__context__` replaced by the first exception down that
    chain that is not `hidden` (None, unless the caller was itself handling
    an exception of its own), and re-raised bare, which sets no context.
    `cause`, if given, is set as `raise error from cause` sets it.
    """
    error.__cause__ = cause
    error.__suppress_context__ = cause is not None
    try:
        raise error  # noqa: TRY301 - raised to be caught: the context is set by now
    except BaseException:
        context = error.__context__
        while isinstance(context, hidden):
            context = context.__context__
        error.__context__ = context
        raise


def raise_collected(
    problems: ViolationCollector, narrow: Mapping[str, type[ValidationError]] = NARROW
) -> None:
    """Raise every gathered problem at once, as the narrowest type in `narrow` that fits all."""
    if not problems:
        return
    kinds = {narrow.get(v.rule, ValidationError) for v in problems.violations}
    error_type = kinds.pop() if len(kinds) == 1 else ValidationError
    problems.raise_if_any(error_type)


def storable(value: str, limit: int = ID_MAX_CHARS) -> bool:
    """Whether every storage adapter can hold the string `value` (see `check_storable`)."""
    return (
        len(value) <= limit
        and _NUL not in value
        and (value.isascii() or _SURROGATE.search(value) is None)
    )


def check_storable(
    problems: ViolationCollector, field: str, value: object, *, limit: int = ID_MAX_CHARS
) -> bool:
    """A string that every storage adapter can hold; True if it is one (or is no string).

    Refuses NUL characters (rule `nul_character`), surrogate code points
    (`lone_surrogate`: text that is not valid Unicode) and more than `limit`
    characters (`too_long`). The message never holds the value. Anything
    that is not a string passes: the field's own check reports its type.
    """
    if not isinstance(value, str) or storable(value, limit):
        return True
    ok = True
    if _NUL in value:
        problems.add(field, "nul_character", "must not contain NUL characters (U+0000)")
        ok = False
    if _SURROGATE.search(value) is not None:
        problems.add(field, "lone_surrogate", "must be valid Unicode text, without lone surrogates")
        ok = False
    if len(value) > limit:
        problems.add(field, "too_long", f"must be at most {limit} characters, not {len(value)}")
        ok = False
    return ok


def check_storable_text(
    problems: ViolationCollector,
    field: str,
    value: object,
    *,
    limit: int = ID_MAX_CHARS,
    optional: bool = False,
) -> bool:
    """A string (None too, if `optional`) that every storage adapter can hold; True if it is.

    Anything else is refused with rule `not_a_string`: an adapter would store
    it as something else (an int as text), or refuse it with its own error
    (a NOT NULL column, a list it cannot bind). Blank text passes. The
    string is then checked as by `check_storable`.
    """
    if value is None and optional:
        return True
    if not isinstance(value, str):
        problems.add(field, "not_a_string", f"must be a string, not {type(value).__name__}")
        return False
    return check_storable(problems, field, value, limit=limit)


def check_text(
    problems: ViolationCollector,
    field: str,
    value: object,
    *,
    sensitive: bool = False,
    limit: int = ID_MAX_CHARS,
) -> None:
    """A required, non-blank, trimmed, storable string; a sensitive value is never echoed.

    At most `limit` characters, by default `ID_MAX_CHARS` (see `check_storable`).
    """
    if not isinstance(value, str):
        problems.add(field, "not_a_string", f"must be a string, not {type(value).__name__}")
    elif not value.strip():
        problems.add(field, "empty", "must not be blank")
    elif not check_storable(problems, field, value, limit=limit):
        return
    elif not sensitive and value != value.strip():
        problems.add(field, "whitespace", f"{shown(value)} has leading or trailing spaces")


def check_optional_text(problems: ViolationCollector, field: str, value: object) -> None:
    """None, or a non-blank string (never echoed)."""
    if value is not None:
        check_text(problems, field, value, sensitive=True)


def texts_checked(
    owner: object, *fields: str, check: FieldCheck = check_text
) -> ViolationCollector:
    """A new collector holding what `check` finds wrong with each of `owner`'s `fields`.

    The fields are checked in the order given, each with its own name, by
    `check_text` unless `check` names another check of the same signature
    (such as `check_storable`). The caller adds its other checks to the
    collector and raises it as usual.
    """
    problems = ViolationCollector()
    for field in fields:
        check(problems, field, getattr(owner, field))
    return problems


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


def check_distinct(
    problems: ViolationCollector, field: str, values: Sequence[object], rule: str, message: str
) -> None:
    """No two of `values` are equal (they are hashable), or `rule` is reported at `field`."""
    if len(set(values)) != len(values):
        problems.add(field, rule, message)


def check_items(
    problems: ViolationCollector, field: str, values: tuple[object, ...], kind: type, *, rule: str
) -> None:
    """Each of `values` is a `kind` ("must be a Segment"), or `rule` is reported at `field[i]`."""
    name = kind.__name__
    message = f"must be {'an' if name[0] in 'AEIOU' else 'a'} {name}"
    for i, value in enumerate(values):
        if not isinstance(value, kind):
            problems.add(f"{field}[{i}]", rule, message)


def check_flag(problems: ViolationCollector, field: str, value: object) -> None:
    """`value` is True or False (rule `not_a_bool`).

    Strict: 0, 1 and text are refused, so a value typed into the wrong field
    fails where it is made, not in an adapter's encoder (or is stored as text).
    """
    if not isinstance(value, bool):
        problems.add(field, "not_a_bool", "must be True or False")


def require_flag(value: object, field: str) -> bool:
    """`value` itself if it is True or False; else a ValidationError (rule `not_a_bool`).

    For a yes/no argument of a function, and for a value class without a
    `ViolationCollector` of its own: "no" is truthy, so an unchecked flag
    would silently mean yes.
    """
    if not isinstance(value, bool):
        raise ValidationError("must be True or False", field=field, rule="not_a_bool")
    return value


def check_int_range(problems: ViolationCollector, field: str, value: object) -> bool:
    """An int that every storage column can hold; True if it is one (or is no int).

    Refuses an int above `INT_MAX` (rule `too_large`) or below `INT_MIN`
    (`too_small`): no storage column holds it. The message names the bound,
    never the value. Anything that is not an int (or is a bool) passes: the
    field's own check reports its type.
    """
    if isinstance(value, bool) or not isinstance(value, int) or INT_MIN <= value <= INT_MAX:
        return True
    if value > INT_MAX:
        problems.add(field, "too_large", f"must be at most {INT_MAX} (2**63 - 1)")
    else:
        problems.add(field, "too_small", f"must be at least {INT_MIN} (-2**63)")
    return False


def check_count(
    problems: ViolationCollector,
    field: str,
    value: object,
    *,
    minimum: int = 0,
    wording: Literal["int", "integer"] = "int",
    bounded: bool = True,
) -> None:
    """An `int` (not a bool) of at least `minimum`; `wording="integer"` is the booking wording.

    At most `INT_MAX` too (rule `too_large`, see `check_int_range`): no
    storage column holds a larger count. `bounded=False` lifts that bound for
    an argument that is never stored and whose meaning has no top (a lead
    time longer than any calendar).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        rule = "not_an_int" if wording == "int" else "not_an_integer"
        problems.add(field, rule, f"must be an {wording}, not {type(value).__name__}")
    elif bounded and value > INT_MAX:
        check_int_range(problems, field, value)
    elif value < minimum:
        got = "not" if wording == "int" else "got"
        problems.add(field, "too_small", f"must be at least {minimum}, {got} {shown(value)}")


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
        problems.add(field, "negative", f"must be at least {minimum}, not {shown(value)}")


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
        problems.add(field, "unknown_choice", f"{shown(value)} is not one of {allowed}")


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

    Anything else, an iterable holding an unhashable item (`[["vip"]]`)
    included, is passed on unchanged for `check_tags` to report.
    """
    if isinstance(value, frozenset):
        return value
    if isinstance(value, str | bytes) or not _is_iterable(value):
        return cast("frozenset[str]", value)
    try:
        return frozenset(cast("Iterable[str]", value))
    except TypeError:  # an unhashable item: "not a set of strings", from the checks
        return cast("frozenset[str]", value)


def _is_iterable(value: object) -> bool:
    try:
        iter(value)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def check_tags(problems: ViolationCollector, field: str, value: object) -> None:
    """A frozenset of non-blank, storable strings without surrounding spaces (`check_storable`)."""
    if not isinstance(value, frozenset):
        problems.add(field, "not_a_set", "must be a set of strings (not a single string)")
        return
    storable = [t for t in value if check_storable(problems, field, t)]
    bad = sorted(
        shown(t) for t in storable if not isinstance(t, str) or not t.strip() or t != t.strip()
    )
    for text in bad:
        problems.add(field, "bad_tag", f"{text} is not a tag (a non-blank, trimmed string)")


def to_tuple(value: object) -> tuple[object, ...]:
    """A list or tuple as a tuple; anything else passes on unchanged for the checks to report."""
    if isinstance(value, list | tuple):
        return tuple(value)
    return cast("tuple[object, ...]", value)


def frozenset_of_names(value: Iterable[str]) -> frozenset[str]:
    """One string as a one-element set, any other iterable of strings as a frozenset.

    Anything else (not iterable, bytes, or holding unhashable items) is
    passed on unchanged for `check_names` to report.
    """
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(cast("object", value), bytes) or not _is_iterable(value):
        return cast("frozenset[str]", value)
    try:
        return frozenset(value)
    except TypeError:  # an unhashable item
        return cast("frozenset[str]", value)


def tuple_of_names(value: Iterable[str]) -> tuple[str, ...]:
    """One string as a one-element tuple, any other iterable of strings as a tuple.

    Anything else (not iterable, or bytes) is passed on unchanged for
    `check_names` to report.
    """
    if isinstance(value, str):
        return (value,)
    if isinstance(cast("object", value), bytes) or not _is_iterable(value):
        return cast("tuple[str, ...]", value)
    return tuple(value)


def check_names(problems: ViolationCollector, field: str, value: object) -> bool:
    """A tuple or frozenset of storable strings (rule `not_names`); True if it is one.

    The companion of `frozenset_of_names` and `tuple_of_names`, which pass
    on what they cannot convert. The message never holds an item.
    """
    if not isinstance(value, tuple | frozenset) or not all(isinstance(v, str) for v in value):
        problems.add(field, "not_names", "must be a list of strings")
        return False
    results = [check_storable(problems, field, v) for v in value]  # every item reports
    return all(results)


# --- checks that raise at once, for a function's entry ------------------------------
#
# A public function checks its arguments before it works on them, so that a
# wrong value is refused with a ValidationError naming the parameter, never
# with a TypeError, AttributeError, KeyError or decimal.InvalidOperation from
# deep inside.


def _article(name: str) -> str:
    return f"{'an' if name[0] in 'AEIOU' else 'a'} {name}"


def require_choice(kind: type[E], value: object, field: str) -> E:
    """`value` as a member of the enum `kind` (a member, its value or its name).

    Raises:
        ValidationError: anything else (rule `unknown_choice`).
    """
    member = to_choice(kind, value)
    if isinstance(member, kind):
        return member
    problems = ViolationCollector()
    check_choice(problems, field, value, kind)
    problems.raise_if_any()
    raise AssertionError  # pragma: no cover - raise_if_any raised


def require_instance(value: object, kind: type[T], field: str) -> T:
    """`value` itself if it is a `kind` (rule `wrong_type`, "must be a Booking" otherwise)."""
    if not isinstance(value, kind):
        raise ValidationError(
            f"must be {_article(kind.__name__)}, not {type(value).__name__}",
            field=field,
            rule="wrong_type",
        )
    return value


def require_items(values: object, kind: type[T], field: str) -> tuple[T, ...]:
    """An iterable (not a string) of `kind` values, as a tuple; else a ValidationError.

    The rule is `not_a_list` for a value that is not iterable (or is a
    string), and `wrong_type` at `field[i]` for each item that is not a `kind`.
    """
    if isinstance(values, str | bytes) or not _is_iterable(values):
        raise ValidationError(
            f"must be a list of {kind.__name__} values, not {type(values).__name__}",
            field=field,
            rule="not_a_list",
        )
    items = tuple(cast("Iterable[object]", values))
    if all(map(kind.__instancecheck__, items)):  # one pass at C speed
        return cast("tuple[T, ...]", items)
    problems = ViolationCollector()
    check_items(problems, field, items, kind, rule="wrong_type")
    problems.raise_if_any()
    return cast("tuple[T, ...]", items)


def require_port(value: T, kind: str, methods: tuple[str, ...], field: str) -> T:
    """`value` itself if it has each of `methods` (a port, a Protocol), else a ValidationError.

    Protocols are not checked with `isinstance`; this looks for the methods
    the callee uses (rule `wrong_type`, "must be a <kind>").
    """
    if not all(hasattr(value, m) for m in methods):
        raise ValidationError(
            f"must be {_article(kind)}, not {type(value).__name__}", field=field, rule="wrong_type"
        )
    return value


def unpack_items(values: object, kind: type[T], field: str) -> tuple[T, ...]:
    """For a converter: `kind` values, or tuples of `kind`'s arguments, as a tuple of `kind`.

    Anything else raises a ValidationError naming `field` (rules
    `not_a_list` and `wrong_type`, as `require_items`); a tuple of too few
    or too many arguments for `kind` names `field[i]` (rule `wrong_arity`)
    rather than leaving a bare `TypeError` to the constructor.
    """
    items = require_items(values, object, field)
    out = []
    for i, item in enumerate(items):
        if isinstance(item, kind):
            out.append(item)
        elif isinstance(item, tuple | list):
            fields = [f for f in attrs.fields(kind) if f.init]  # type: ignore[arg-type]  # an attrs class
            needed = sum(1 for f in fields if f.default is attrs.NOTHING)
            if not needed <= len(item) <= len(fields):
                raise ValidationError(
                    f"has {len(item)} values; {kind.__name__} takes {needed} to {len(fields)}",
                    field=f"{field}[{i}]",
                    rule="wrong_arity",
                )
            out.append(kind(*item))
        else:
            require_instance(item, kind, f"{field}[{i}]")
    return tuple(out)


def require_names(values: object, field: str) -> frozenset[str]:
    """An iterable (not a single string) of strings, as a frozenset; else a ValidationError."""
    if isinstance(values, frozenset) and all(map(str.__instancecheck__, values)):
        return cast("frozenset[str]", values)
    return frozenset(require_items(values, str, field))


def require_zone(value: object, field: str) -> tzinfo:
    """`value` itself if it is a `tzinfo` (rule `wrong_type`, "must be a tzinfo" otherwise)."""
    if not isinstance(value, tzinfo):
        raise ValidationError(
            f"must be a tzinfo, not {type(value).__name__}", field=field, rule="wrong_type"
        )
    return value


DEFAULT_TENANT: Final = "default"
"""The tenant of a handle given none: a single club's data."""

_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}")


def check_tenant(value: object) -> str:
    """`value` if it is a tenant id, else `ValidationError` (field `tenant`, rule `tenant_id`).

    A tenant id is 1 to 63 characters: ASCII letters, digits, `_`, `.`, `:`
    and `-`, starting with a letter or digit (a slug or a UUID passes).
    The one check of every layer: the privacy area and the storage adapters.
    """
    if isinstance(value, str) and _TENANT.fullmatch(value):
        # The checked characters as a plain str: `str(value)` would call a
        # subclass's `__str__`, whose answer no one checked.
        return str.__str__(value)
    if not isinstance(value, str):
        raise ValidationError(
            f"must be a str, not {type(value).__name__}", field="tenant", rule="tenant_id"
        )
    raise ValidationError(
        "must be 1 to 63 ASCII letters, digits, '_', '.', ':' or '-', starting with a letter"
        " or digit",
        field="tenant",
        rule="tenant_id",
    )


@contextmanager
def answering_for(field: str, what: str) -> Iterator[None]:
    """Re-raise a lower layer's `ValidationError` as the caller's: naming `field`, rule kept.

    A calendar asked beyond its years names its own argument (`start_us`,
    `at`); the caller's error names the argument the user gave instead, and
    reads "{what} ({the lower layer's message})".
    """
    try:
        yield
    except ValidationError as error:
        first = error.violations[0]
        raise ValidationError(f"{what} ({first.message})", field=field, rule=first.rule) from None


def require_str(value: object, field: str) -> str:
    """`value` itself if it is a string (rule `not_a_string` otherwise); never echoes it."""
    if not isinstance(value, str):
        raise ValidationError(
            f"must be a string, not {type(value).__name__}", field=field, rule="not_a_string"
        )
    return value


def require_path(value: object, field: str) -> str:
    """A file path the operating system can be asked to open, as text (`os.fsdecode`).

    A `str`, `bytes` or `os.PathLike`, with no NUL character and, as text,
    no code point that the file system encoding cannot write (a lone
    surrogate other than those `os.fsdecode` makes of undecodable bytes).
    Refused with a ValidationError naming `field`: rule `wrong_type` for
    another type, `not_a_path` for the rest; never echoes the path.
    """
    if not isinstance(value, str | bytes | os.PathLike):
        raise ValidationError(
            f"must be a path, not {type(value).__name__}", field=field, rule="wrong_type"
        )
    path = os.fspath(value)
    raw: bytes | None = path if isinstance(path, bytes) else None
    if isinstance(path, str):
        try:
            raw = os.fsencode(path)
        except UnicodeEncodeError:  # its text quotes the path: raised below
            raw = None
    if raw is None:
        raise ValidationError(
            "holds a character the file system cannot name (a lone surrogate)",
            field=field,
            rule="not_a_path",
        )
    if b"\x00" in raw:
        raise ValidationError("holds a NUL character", field=field, rule="not_a_path")
    return os.fsdecode(raw)


def require_int(value: object, field: str, *, minimum: int | None = None) -> int:
    """An `int` (not a bool), at least `minimum` if given; else a ValidationError.

    With `minimum`, also at most `INT_MAX` (see `check_count`). Without it
    any int passes: a lookup argument beyond every column (a version, a
    stream position) is clamped or not found by its caller.
    """
    problems = ViolationCollector()
    if minimum is None:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(field, "not_an_int", f"must be an int, not {type(value).__name__}")
    else:
        check_count(problems, field, value, minimum=minimum)
    problems.raise_if_any()
    return cast("int", value)


def require_real(value: object, field: str, *, floats: bool = False) -> int | Decimal | float:
    """An `int` or finite `Decimal` (and, with `floats`, a finite float); else a ValidationError.

    NaN and the infinities cannot be compared with the usual operators
    (a Decimal NaN raises `InvalidOperation`), so they are refused here.
    """
    kinds: tuple[type, ...] = (int, Decimal, float) if floats else (int, Decimal)
    if isinstance(value, bool) or not isinstance(value, kinds):
        wanted = "an int, Decimal or float" if floats else "an int or Decimal"
        raise ValidationError(
            f"must be {wanted}, not {type(value).__name__}", field=field, rule="not_a_number"
        )
    number = cast("int | Decimal | float", value)
    if not is_finite(number):  # Decimal's own test: math.isfinite raises on a signalling NaN
        raise ValidationError("must be finite", field=field, rule="not_finite")
    return number


def is_finite(value: float | Decimal) -> bool:
    """Whether a number (bools and ints included) is finite, without making a float of an int.

    `math.isfinite` converts its argument to a float, which raises
    `OverflowError` for an int past about 10**308; every int is finite.
    """
    if isinstance(value, int):
        return True
    if isinstance(value, Decimal):
        return value.is_finite()
    return math.isfinite(value)


SECONDS_MAX = 365 * 86_400
"""The longest timeout a database accepts, in seconds (a year): longer ones overflow the clocks."""


def require_seconds(value: object, field: str, *, positive: bool = False) -> float:
    """A timeout in seconds as a float: an int, Decimal or float, finite, 0 or more.

    With `positive`, 0 is refused too. More than `SECONDS_MAX` is refused
    (rule `range`): the clocks that would wait that long overflow.

    Raises:
        ValidationError: not a number (rule `not_a_number`), not finite
            (`not_finite`), or out of range (`range`), naming `field`.
    """
    # Compared before the float is taken: an int past 10**308 (or a Decimal
    # 1E+999999) is finite, but has no finite float.
    seconds = require_real(value, field, floats=True)
    if positive and not seconds > 0:
        raise ValidationError("must be more than 0 seconds", field=field, rule="range")
    if not seconds >= 0:
        raise ValidationError("must be 0 or more seconds", field=field, rule="range")
    if not seconds <= SECONDS_MAX:
        raise ValidationError(f"must be at most {SECONDS_MAX} seconds", field=field, rule="range")
    return float(seconds)


SIZE_MAX: Final = 10_000
"""The largest size a database takes for its pool (`pool_size`, `max_connections`).

A server holds a few hundred connections at most; a larger number is a
mistake that would surface only once the pool grows, so it is refused at once.
"""


def require_size(value: object, field: str, *, minimum: int, maximum: int = SIZE_MAX) -> int:
    """A size or count from `minimum` to `maximum` (by default `SIZE_MAX`); else a ValidationError.

    Raises:
        ValidationError: not an int, or a bool (rule `not_an_int`); outside
            `minimum`-`maximum` (rule `range`, as for a timeout), naming `field`
            and the bounds, never the value.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"must be an int, not {type(value).__name__}", field=field, rule="not_an_int"
        )
    if not minimum <= value <= maximum:
        raise ValidationError(
            f"must be an int from {minimum} to {maximum}", field=field, rule="range"
        )
    return value


def require_reals(values: Sequence[object], field: str) -> None:
    """Every item of `values` is an int or a finite Decimal (see `require_real`).

    One pass over the items' types at C speed when they are all ints; a
    ValidationError names the first bad item (`field[i]`).
    """
    if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
        raise ValidationError(
            f"must be a list of numbers, not {type(values).__name__}",
            field=field,
            rule="not_a_list",
        )
    kinds = set(map(type, cast("Iterable[object]", values)))
    if kinds <= {int}:
        return
    if kinds <= {int, Decimal} and all(
        v.is_finite() for v in cast("Iterable[Decimal]", values) if type(v) is Decimal
    ):
        return
    for i, value in enumerate(cast("Iterable[object]", values)):
        require_real(value, f"{field}[{i}]")


def require_mapping(
    value: object, field: str, *, keys: type | None = None, values: type | None = None
) -> Mapping[Any, Any]:
    """`value` itself if it is a mapping, with `keys` keys and `values` values if given.

    Rules: `not_a_mapping`, and `wrong_type` for a key or value of another
    type. The type checks run at C speed; no key or value is echoed.
    """
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"must be a mapping, not {type(value).__name__}", field=field, rule="not_a_mapping"
        )
    if keys is not None and not all(map(keys.__instancecheck__, value)):
        raise ValidationError(f"must have {keys.__name__} keys", field=field, rule="wrong_type")
    if values is not None and not all(map(values.__instancecheck__, value.values())):
        raise ValidationError(
            f"must map to {values.__name__} values", field=field, rule="wrong_type"
        )
    return value


def require_column(
    values: object, field: str, kind: type, *, optional: bool = False
) -> Sequence[Any]:
    """`values` itself if it is a sequence (a list, say) whose entries are all exactly `kind`.

    With `optional`, entries may also be None. Exact types, so a bool is no
    int. Rules: `not_a_list` (a string, a mapping or no sequence), and
    `wrong_type` at `field[i]` for the first entry of another type. One pass
    over the entries' types at C speed, for the fast paths fed by columns.
    """
    if (
        isinstance(values, str | bytes | Mapping)
        or not hasattr(values, "__len__")
        or not hasattr(values, "__getitem__")
    ):
        raise ValidationError(
            f"must be a list of {kind.__name__} values, not {type(values).__name__}",
            field=field,
            rule="not_a_list",
        )
    column = cast("Sequence[object]", values)
    allowed = {kind, type(None)} if optional else {kind}
    if set(map(type, column)) <= allowed:
        return column
    i = next(i for i, v in enumerate(column) if type(v) not in allowed)
    raise ValidationError(
        f"must be {_article(kind.__name__)}{' or None' if optional else ''}",
        field=f"{field}[{i}]",
        rule="wrong_type",
    )


def require_years(values: object, field: str) -> list[int]:
    """An iterable (not a string) of whole years 1-9999, as a sorted list without repeats.

    Rules: `not_a_list` for a value that is not iterable, `not_an_int` at
    `field[i]` for an item that is not an int (a bool is not a year), and
    `out_of_range` for a year no `date` holds.
    """
    years = require_items(values, object, field)
    kinds = set(map(type, years))
    if not kinds <= {int}:
        for i, year in enumerate(years):
            require_int(year, f"{field}[{i}]")
    wanted = sorted(set(cast("tuple[int, ...]", years)))
    if wanted and (wanted[0] < MINYEAR or wanted[-1] > MAXYEAR):
        raise ValidationError("must be years 1-9999", field=field, rule="out_of_range")
    return wanted


def not_a_key(value: object, field: str) -> ValidationError:
    """The error for a value that cannot be an id: for a lookup that found it unhashable.

    A lookup by id wraps its dictionary access in `try`/`except TypeError`
    and raises this (rule `not_a_string`), so the happy path pays nothing.
    """
    return ValidationError(
        f"must be a string, not {type(value).__name__}", field=field, rule="not_a_string"
    )


def require_date(value: object, field: str) -> date:
    """A calendar `date`, not a datetime (which mixes in a time of day); else ValidationError."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(
            f"must be a date, not {type(value).__name__}", field=field, rule="not_a_date"
        )
    return value


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
