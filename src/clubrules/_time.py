"""Private helpers for instants: awareness checks and integer conversions.

Hot loops work on integers (microseconds or seconds since the Unix epoch),
never on pendulum objects: creating a pendulum DateTime costs about 10 us.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clubrules._shown import shown
from clubrules.errors import (
    InvalidIntervalError,
    NaiveDatetimeError,
    UnknownTimeZoneError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    import attrs

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
_EDGE_YEARS = frozenset({1, 9999})


def _require_in_range(value: datetime, field: str) -> None:
    """Raise unless the UTC of `value` falls within years 1-9999.

    Only a wall time in year 1 or 9999 can have its UTC outside; others
    cost one set lookup.
    """
    if value.year not in _EDGE_YEARS:
        return
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            "is an instant whose UTC falls outside years 1-9999, which no "
            "datetime can hold in every zone",
            field=field,
            rule="out_of_range",
        ) from None


def require_aware(value: object, field: str) -> datetime:
    """Return `value` if it is a timezone-aware datetime, else raise.

    Raises:
        NaiveDatetimeError: `value` is a datetime without a usable offset,
            or not a datetime at all (a `date`, say; rule `not_a_datetime`).
        ValidationError: the UTC of `value` falls outside years 1-9999
            (rule `out_of_range`), as `datetime(9999, 12, 31, 21,
            tzinfo=timezone(timedelta(hours=-5)))` does; its tzinfo gives an
            offset that `datetime` refuses, not a timedelta or a day or more
            (rule `bad_offset`).
    """
    if not isinstance(value, datetime):
        raise NaiveDatetimeError(
            f"expected a timezone-aware datetime, got {type(value).__name__}",
            field=field,
            rule="not_a_datetime",
        )
    try:
        offset = value.utcoffset()
    except (TypeError, ValueError):  # datetime's own refusal of what the tzinfo returned
        raise ValidationError(
            "has a tzinfo whose utcoffset() is not a timedelta of less than a day",
            field=field,
            rule="bad_offset",
        ) from None
    if offset is None:
        raise NaiveDatetimeError(
            "is a naive datetime; pass a timezone-aware datetime "
            "(for example datetime(..., tzinfo=ZoneInfo('Asia/Shanghai')))",
            field=field,
        )
    _require_in_range(value, field)
    return value


def instant_key(value: object) -> object:
    """What a value compares and hashes an instant field by: the instant, written in UTC.

    Python compares two datetimes of one zone by their wall fields and
    ignores `fold`, so 01:30 before and after an autumn clock change would
    be equal, an hour apart, and a time of the repeated hour is never equal
    to the same instant written in another zone. Two UTC datetimes compare
    and hash by their instant, and `astimezone(UTC)` is the cheapest exact
    way there. None (an optional field) and anything not an aware datetime
    is its own key.
    """
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):  # an instant past the years a datetime holds
            return value
    return value


_INSTANT_TYPES: Final = frozenset({"datetime", "datetime | None", datetime})


def instants_compared(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """An attrs `field_transformer`: each field typed `datetime` compares by `instant_key`.

    `@attrs.frozen(field_transformer=instants_compared)` declares once, on
    the class, that its values are equal when their instants are, whatever
    zone writes them; its fields stay plain annotations. Fields left out of
    equality (`eq=False`) stay out.
    """
    del cls  # the transformer's signature; only the fields matter
    return [
        f.evolve(eq_key=instant_key) if f.eq and f.type in _INSTANT_TYPES else f for f in fields
    ]


def canonical_instant(value: object, field: str) -> datetime:
    """`value` as a plain aware datetime whose wall time really exists in its zone.

    A wall time in a spring-forward gap (02:30 on a night the clocks jump
    from 02:00 to 03:00), which `given + timedelta(days=365)` can produce,
    becomes the same instant written as it exists (03:30). Python compares
    datetimes that share a tzinfo by their wall fields, so without this a
    value would not equal itself read back from a database.

    A wall time of the repeated hour gets the `fold` of the instant it
    names, and a subclass (pendulum's `DateTime`) becomes a plain datetime.

    Raises:
        NaiveDatetimeError: `value` is naive or not a datetime.
        ValidationError: its UTC, or its wall time once written as it
            exists, falls outside years 1-9999 (rule `out_of_range`).
    """
    aware = require_aware(value, field)
    try:
        return from_epoch_us(to_epoch_us(aware), aware.tzinfo or UTC)
    except ValidationError:
        raise ValidationError(
            "is an instant whose wall time falls outside years 1-9999",
            field=field,
            rule="out_of_range",
        ) from None


def require_order(
    start: datetime, end: datetime, *, start_field: str, end_field: str, allow_empty: bool = False
) -> None:
    """Raise unless `start < end` (or `start <= end` with `allow_empty`), as instants.

    Compared as epoch microseconds: two datetimes of one zone would compare
    by wall time, fold ignored, and misorder the repeated hour of a DST change.
    """
    gap = to_epoch_us(end) - to_epoch_us(start)
    if gap < 0 or (gap == 0 and not allow_empty):
        rule = "end_before_start" if gap < 0 else "empty_interval"
        raise InvalidIntervalError(
            f"must be after {start_field} ({start.isoformat()} -> {end.isoformat()})",
            field=end_field,
            rule=rule,
        )


def require_window(
    start: datetime | None, end: datetime | None, *, names: tuple[str, str] = ("start", "end")
) -> tuple[int | None, int | None]:
    """Check the optional bounds of `[start, end)`; return them as epoch microseconds.

    Args:
        start: The first instant in the window, or None for no bound.
        end: The first instant after it, or None for no bound.
        names: The fields that errors name, for callers whose bounds are
            called otherwise (`since`, `until`).

    Raises:
        NaiveDatetimeError: `start` or `end` is naive.
        InvalidIntervalError: `end` is before `start`.
    """
    if start is not None:
        require_aware(start, names[0])
    if end is not None:
        require_aware(end, names[1])
    if start is not None and end is not None:
        require_order(start, end, start_field=names[0], end_field=names[1], allow_empty=True)
    return (
        None if start is None else to_epoch_us(start),
        None if end is None else to_epoch_us(end),
    )


def to_epoch_us(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime, exactly.

    Subclasses such as pendulum's `DateTime` override subtraction to return
    their own types; the base-class operator gives a plain `timedelta`.

    Raises:
        NaiveDatetimeError: `value` is naive, or not a datetime.
        ValidationError: its tzinfo gives an offset that `datetime` refuses
            (rule `bad_offset`).
    """
    try:
        return datetime.__sub__(value, EPOCH) // ONE_US
    except (TypeError, ValueError):  # naive, no datetime, or an offset datetime refuses
        require_aware(value, "value")
        raise  # pragma: no cover - require_aware raised


def from_epoch_us(us: int, tz: tzinfo = UTC) -> datetime:
    """The aware datetime `us` microseconds after the Unix epoch, shown in `tz`.

    Raises:
        ValidationError: `us` is not an int (rule `not_an_int`), or names an
            instant that no datetime can hold, in UTC or in `tz` (rule
            `out_of_range`); `tz` is not a tzinfo (rule `not_a_time_zone`).
    """
    try:
        instant = EPOCH + ONE_US * us  # exact, and cheaper than building a timedelta
        return instant if tz is UTC else instant.astimezone(tz)
    except (OverflowError, TypeError, ValueError):
        raise _bad_epoch(us, tz) from None


def _bad_epoch(us: object, tz: object) -> ValidationError:
    if isinstance(us, bool) or not isinstance(us, int):
        return ValidationError(
            f"must be an int, not {type(us).__name__}", field="us", rule="not_an_int"
        )
    if not isinstance(tz, tzinfo):
        return ValidationError(
            f"must be a tzinfo, not {type(tz).__name__}", field="tz", rule="not_a_time_zone"
        )
    return ValidationError(
        "is an instant outside years 1-9999, which no datetime can hold",
        field="us",
        rule="out_of_range",
    )


def worked_out_of_range(field: str) -> ValidationError:
    """The error of a date worked out from `field` that leaves years 1-9999."""
    return ValidationError(
        "is too close to year 1 or 9999 for the dates worked out from it",
        field=field,
        rule="out_of_range",
    )


def shift_days(value: datetime, days: int, field: str) -> datetime:
    """The instant `days` days of 24 hours after `value` (before, if negative), in its zone.

    Worked on the instant, not the wall time: `value - timedelta(days=30)`
    keeps the wall clock reading, so across a DST change the same instant
    given in New York and in UTC would start windows an hour apart. The
    result is shown in the zone of `value`, as a wall time that exists.

    Raises:
        ValidationError: the result falls outside years 1-9999, in UTC or
            in the zone of `value` (rule `out_of_range`), naming `field`.
    """
    try:
        return from_epoch_us(to_epoch_us(value) + days * US_PER_DAY, value.tzinfo or UTC)
    except ValidationError:
        raise worked_out_of_range(field) from None


def local_time(value: datetime, tz: tzinfo, field: str) -> datetime:
    """`value` as the wall time it shows in `tz`, for its local date, month or year.

    An instant in the first or last hours of years 1-9999 is valid, but its
    wall time in a zone east or west of UTC may fall in year 0 or 10000,
    which `astimezone` cannot build (it raises a bare `OverflowError`).

    `astimezone` to a value's own tzinfo returns it unchanged, even a wall
    time that the clocks skip, whose instant shows another wall time and
    maybe another date (Pacific/Apia's skipped 30 December 2011 12:00 is the
    instant of 31 December 12:00 there); such a value goes through UTC.

    Raises:
        ValidationError: the wall time of `value` in `tz` falls outside
            years 1-9999 (rule `out_of_range`), naming `field`.
    """
    try:
        if value.tzinfo is tz:
            value = value.astimezone(UTC)
        return value.astimezone(tz)
    except OverflowError:
        raise ValidationError(
            "is an instant whose local date falls outside years 1-9999",
            field=field,
            rule="out_of_range",
        ) from None


def local_month_start(year: int, month: int, tz: tzinfo, field: str) -> datetime:
    """The first instant of local month `month` of `year` in `tz` (midnight on the 1st).

    The month is counted on: `month` 13 is January of `year + 1`, so that a
    caller can ask for the end of December. Midnight skipped by a DST change
    (America/Santiago, America/Havana) is written as the wall time that
    exists, the same instant.

    Raises:
        ValidationError: that midnight, or its UTC, falls outside years
            1-9999 (rule `out_of_range`), naming `field`.
    """
    extra, month0 = divmod(month - 1, 12)
    try:
        midnight = datetime(year + extra, month0 + 1, 1, tzinfo=tz)
        return from_epoch_us(to_epoch_us(midnight), tz)
    except (ValueError, OverflowError):  # ValidationError is a ValueError
        raise ValidationError(
            "reaches a month outside years 1-9999", field=field, rule="out_of_range"
        ) from None


@contextmanager
def instant_range(field: str) -> Iterator[None]:
    """Turn an `OverflowError` from date arithmetic on `field` into a ValidationError.

    An instant near year 1 or 9999 is valid, but a window or a horizon
    measured from it may leave the years a datetime can hold; the rule is
    then `out_of_range`, as for `require_aware`.
    """
    try:
        yield
    except OverflowError:
        raise worked_out_of_range(field) from None


def zone(name: object, field: str = "zone") -> ZoneInfo:
    """Return the IANA zone called `name`.

    Raises:
        UnknownTimeZoneError: `name` is not a known IANA zone.
    """
    if not isinstance(name, str) or not name:
        raise UnknownTimeZoneError("must be a non-empty IANA zone name", field=field)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # raised below, outside the handler
        pass
    raise UnknownTimeZoneError(f"{shown(name)} is not a known IANA time zone", field=field)
