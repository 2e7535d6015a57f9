"""Wall times at DST changes, which every adapter must store and give back as they were."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

import attrs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.testing.contracts._base import SUITE_SETTINGS

if TYPE_CHECKING:
    from clubrules.testing.contracts._asserts import Identified

__all__ = [
    "DST_SETTINGS",
    "FOLD_ZONE",
    "assert_added_once",
    "assert_half_open",
    "assert_kept",
    "assert_same_instant",
    "dst_property",
    "dst_wall_times",
    "fold_instants",
    "in_order",
]

_T = TypeVar("_T")
_Test = Callable[..., None]

FOLD_ZONE = ZoneInfo("America/New_York")
"""The zone of `fold_instants`: 01:00-02:00 is repeated on 1 November 2026."""
_FOLD_START_US = to_epoch_us(datetime(2026, 11, 1, 0, 30, tzinfo=FOLD_ZONE))
_MINUTE_US = 60_000_000

_CHANGES = (
    ("America/New_York", date(2026, 3, 8)),  # 02:00-03:00 skipped
    ("America/New_York", date(2026, 11, 1)),  # 01:00-02:00 repeated
    ("Europe/Berlin", date(2026, 3, 29)),  # 02:00-03:00 skipped
    ("Europe/Berlin", date(2026, 10, 25)),  # 02:00-03:00 repeated
    ("Australia/Lord_Howe", date(2026, 10, 4)),  # 02:00-02:30 skipped
    ("Australia/Lord_Howe", date(2026, 4, 5)),  # 01:30-02:00 repeated
)

DST_SETTINGS = settings(SUITE_SETTINGS, max_examples=30, deadline=None)
"""Settings of the contract properties on DST wall times."""


@st.composite
def dst_wall_times(draw: st.DrawFn) -> datetime:
    """Aware wall times within hours of a DST change, skipped and repeated ones included.

    The wall time may not exist (in the spring-forward gap), or may name
    either instant of the repeated hour (`fold` 0 or 1): a value must
    canonicalise it, and an adapter give the canonical value back equal.
    """
    name, day = draw(st.sampled_from(_CHANGES))
    return datetime(
        day.year,
        day.month,
        day.day,
        draw(st.integers(0, 4)),
        draw(st.sampled_from((0, 15, 30, 45, 59))),
        draw(st.sampled_from((0, 59))),
        draw(st.sampled_from((0, 1, 999_999))),
        tzinfo=ZoneInfo(name),
        fold=draw(st.integers(0, 1)),
    )


def fold_instants() -> st.SearchStrategy[datetime]:
    """Whole minutes from 00:30 EDT to 02:30 EST on 1 November 2026, shown in New York.

    Two thirds of them are in the repeated hour, as often with `fold=1` as
    with `fold=0`: two of them in one zone compare and subtract by wall
    time, fold ignored, so a later instant can look earlier.
    """
    return st.integers(0, 180).map(
        lambda minutes: from_epoch_us(_FOLD_START_US + minutes * _MINUTE_US, FOLD_ZONE)
    )


def assert_same_instant(stored: datetime, given: datetime) -> None:
    """`stored` is `given`: the same instant, offset and wall time."""
    assert to_epoch_us(stored) == to_epoch_us(given)
    assert stored.utcoffset() == given.utcoffset()
    assert stored.replace(tzinfo=None) == given.replace(tzinfo=None)


def assert_kept(stored: _T, sent: _T, *instants: str) -> None:
    """`stored` equals `sent`, and each of its `instants` (dotted attribute paths) is the same.

    The same instant, offset and wall time, as `assert_same_instant` checks.
    """
    assert stored == sent
    for path in instants:
        read = attrgetter(path)
        assert_same_instant(read(stored), read(sent))


def assert_added_once(add: Callable[[_T], bool], value: _T, **wall_times: datetime) -> None:
    """`add(value)` stores it; retrying, as it is or rebuilt from the drawn `wall_times`, does not.

    A drawn wall time may not be canonical (a skipped one is held as it
    exists), so the rebuilt value must still be found equal to the stored one.
    """
    assert add(value) is True
    assert add(value) is False
    # An attrs instance; the attrs plugin cannot tell through the type variable.
    assert add(attrs.evolve(value, **wall_times)) is False  # type: ignore[misc]


def assert_half_open(
    read: Callable[..., Sequence[Identified]],
    boundary: datetime,
    span: timedelta,
    ids: tuple[str, str, str],
) -> None:
    """`read(start=..., end=...)` windows are half-open, and their bounds compare as instants.

    Three values are stored, `ids` in order, the second's instant at
    `boundary`: `[boundary, boundary + span)` holds the second alone; the
    same instant in UTC as the start holds the second and third, as the end
    the first.
    """
    first, middle, last = ids
    assert [v.id for v in read(start=boundary, end=boundary + span)] == [middle]
    utc = boundary.astimezone(UTC)
    assert [v.id for v in read(start=utc)] == [middle, last]
    assert [v.id for v in read(end=utc)] == [first]


def in_order(
    one: datetime, other: datetime, *, distinct: bool = False
) -> tuple[datetime, datetime]:
    """`one` and `other`, the earlier instant first (wall times of one zone can mislead).

    With `distinct`, an example where both are the same instant is dropped
    (hypothesis `assume`): for a test that needs a non-empty span.
    """
    first, then = sorted((one, other), key=to_epoch_us)
    if distinct:
        assume(to_epoch_us(first) < to_epoch_us(then))
    return first, then


def dst_property(*names: str) -> Callable[[_Test], _Test]:
    """A contract property under `DST_SETTINGS`, each argument in `names` from `dst_wall_times`."""
    drawn = {name: dst_wall_times() for name in names}

    def decorate(test: _Test) -> _Test:
        return DST_SETTINGS(given(**drawn)(test))

    return decorate
