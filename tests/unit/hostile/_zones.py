"""Zone invariance for the walk: the same instants, written in other zones, give the same answer.

Python compares and subtracts two aware datetimes that share a tzinfo by
their wall fields, `fold` ignored; a rule that does so answers differently
for one instant written in New York and in UTC, or for the two instants of a
repeated hour. `remap` rewrites every aware datetime inside an argument (a
list, a dict, an attrs value, a `Schedule`, a `ManualClock`) and `normalise`
turns a result into plain data whose datetimes are epoch microseconds, so
two runs can be compared.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import itertools
import re
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.booking import BookingRules, Schedule
from clubrules.calendar import BusinessCalendar
from clubrules.errors import ClubRulesError, ValidationError
from clubrules.staff import AssessmentPeriod
from clubrules.testing import ManualClock

from . import _samples
from ._walk import Call, Target, guarded, receiver

Remap = Callable[[datetime], datetime]
Swap = Callable[[Any], Any]

ZONES: dict[str, tzinfo] = {
    "UTC": UTC,
    "America/New_York": ZoneInfo("America/New_York"),
    "Europe/London": ZoneInfo("Europe/London"),
    "Australia/Lord_Howe": ZoneInfo("Australia/Lord_Howe"),
    "America/Santiago": ZoneInfo("America/Santiago"),
    "Asia/Shanghai": ZoneInfo("Asia/Shanghai"),
    "+23:59": timezone(timedelta(hours=23, minutes=59)),
    "-23:59": timezone(-timedelta(hours=23, minutes=59)),
}


def _wall(zone: str, *fields: int, fold: int = 0) -> int:
    year, month, day, hour, minute = (*fields, 0, 0)[:5]
    return to_epoch_us(datetime(year, month, day, hour, minute, tzinfo=ZONES[zone], fold=fold))


def _last_us_before(zone: str, *fields: int) -> int:
    """The last microsecond before the change whose first wall time (after it) is `fields`."""
    return _wall(zone, *fields) - 1


# (label, instant in epoch us, the zone whose edge it is): DST edges of 2026.
EDGES: tuple[tuple[str, int, str], ...] = (
    ("NY repeated 01:30 fold=0", _wall("America/New_York", 2026, 11, 1, 1, 30), "America/New_York"),
    (
        "NY repeated 01:30 fold=1",
        _wall("America/New_York", 2026, 11, 1, 1, 30, fold=1),
        "America/New_York",
    ),
    (
        "NY last us before spring",
        _last_us_before("America/New_York", 2026, 3, 8, 3),
        "America/New_York",
    ),
    (
        "London repeated 01:30 fold=1",
        _wall("Europe/London", 2026, 10, 25, 1, 30, fold=1),
        "Europe/London",
    ),
    (
        "London last us before spring",
        _last_us_before("Europe/London", 2026, 3, 29, 2),
        "Europe/London",
    ),
    (
        "Lord Howe repeated 01:45 fold=0",
        _wall("Australia/Lord_Howe", 2026, 4, 5, 1, 45),
        "Australia/Lord_Howe",
    ),
    (
        "Lord Howe repeated 01:45 fold=1",
        _wall("Australia/Lord_Howe", 2026, 4, 5, 1, 45, fold=1),
        "Australia/Lord_Howe",
    ),
    (
        "Santiago repeated 23:30 fold=1",
        _wall("America/Santiago", 2026, 4, 4, 23, 30, fold=1),
        "America/Santiago",
    ),
    (
        "Santiago last us before spring",
        _last_us_before("America/Santiago", 2026, 9, 6, 1),
        "America/Santiago",
    ),
)


def rewrite(delta_us: int, tz: tzinfo | None) -> Remap:
    """The instant `delta_us` later, written in `tz` (None: in the zone it was written in)."""
    return lambda value: from_epoch_us(to_epoch_us(value) + delta_us, tz or value.tzinfo or UTC)


def squeeze(anchor_us: int, to_us: int, factor: int, tz: tzinfo) -> Remap:
    """Each instant moved so that `anchor_us` lands on `to_us`, `factor` times closer to it.

    The order of the instants is kept while they close in: thirty days
    apart become thirty minutes apart with `factor` 1440, so that two of them
    fall on either side of a DST change, both in its repeated hour.
    """
    return lambda value: from_epoch_us(to_us + (to_epoch_us(value) - anchor_us) // factor, tz)


def spring_gaps(name: str, year: int = 2026) -> tuple[tuple[int, int], ...]:
    """The changes of zone `name` in `year` that skip wall times: (instant, gap), in us."""
    tz = ZONES[name]
    found = []
    for change in transitions(name, year, year):
        before = from_epoch_us(change - 1, tz).utcoffset()
        after = from_epoch_us(change, tz).utcoffset()
        assert before is not None
        assert after is not None
        if after > before:
            found.append((change, (after - before) // timedelta(microseconds=1)))
    return tuple(found)


def as_skipped(inner: Remap, tz: tzinfo, gap_us: int) -> Remap:
    """`inner`, then each instant that has one written as a wall time the clocks skip in `tz`.

    An instant less than `gap_us` after a change that skips that much is
    also named by the skipped wall time that much earlier (fold 0, read at
    the offset before the change); one less than `gap_us` before it, by the
    skipped wall time that much later (fold 1, read at the offset after).
    Python builds such values without complaint, and `astimezone` to their
    own tzinfo hands them back unchanged: 02:30 on New York's spring night.
    """
    gap = timedelta(microseconds=gap_us)

    def f(value: datetime) -> datetime:
        moved = inner(value)
        us = to_epoch_us(moved)
        local = from_epoch_us(us, tz).replace(tzinfo=None)
        for wall, fold in ((local - gap, 0), (local + gap, 1)):
            spelled = wall.replace(tzinfo=tz, fold=fold)
            if to_epoch_us(spelled) == us:
                return spelled
        return moved

    return f


# --- rewriting the datetimes inside a value ------------------------------------------


def _aware(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def remap(value: Any, f: Remap, swap: Swap | None = None) -> Any:
    """`value` with every aware datetime inside it replaced by `f(it)`; itself if it holds none.

    Reaches into lists, tuples, sets, dicts, attrs values (rebuilt through
    `attrs.evolve`, so their validators run again), a `Schedule` and a
    `ManualClock`. Other objects are left as they are, unless `swap` gives
    another object for them (it is asked first, of every value reached).
    """
    if swap is not None:
        swapped = swap(value)
        if swapped is not value:
            return swapped
    if isinstance(value, datetime):
        return f(value) if _aware(value) else value
    if isinstance(value, str | bytes | int | float | Decimal | date | time | timedelta | enum.Enum):
        return value
    if isinstance(value, list):
        items = [remap(v, f, swap) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if type(value) is tuple:
        items = [remap(v, f, swap) for v in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return tuple(items) if changed else value
    if isinstance(value, set | frozenset):
        items = [remap(v, f, swap) for v in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return type(value)(items) if changed else value
    if isinstance(value, dict):
        pairs = [(remap(k, f, swap), remap(v, f, swap)) for k, v in value.items()]
        changed = any(
            a[0] is not k or a[1] is not v for a, (k, v) in zip(pairs, value.items(), strict=True)
        )
        return dict(pairs) if changed else value
    if isinstance(value, Schedule):
        bookings = list(value._bookings.values())  # a test rebuilds it
        rebuilt = remap(bookings, f, swap)
        return Schedule(rebuilt) if rebuilt is not bookings else value
    if isinstance(value, ManualClock):
        return ManualClock(f(value.now()))
    if attrs.has(type(value)):
        changes: dict[str, Any] = {}
        for fld in attrs.fields(type(value)):
            if not fld.init:
                continue
            old = getattr(value, fld.name)
            new = remap(old, f, swap)
            if new is not old:
                changes[fld.alias or fld.name] = new
        return attrs.evolve(value, **changes) if changes else value
    return value


def holds_instant(value: Any) -> bool:
    """Whether `value` holds an aware datetime that `remap` reaches."""
    return remap(value, lambda d: d.replace()) is not value


def instants(value: Any) -> list[int]:
    """Every aware datetime `remap` reaches in `value`, as epoch microseconds, in order."""
    found: list[int] = []

    def note(d: datetime) -> datetime:
        found.append(to_epoch_us(d))
        return d

    remap(value, note)
    return found


# --- normalising a result ------------------------------------------------------------

_MAX_ITEMS = 500
# An ISO 8601 instant with its offset, as `isoformat()` writes one into a text.
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[+-]\d{2}:\d{2}|Z)")


def _iso_instant(match: re.Match[str]) -> str:
    return f"<instant {to_epoch_us(datetime.fromisoformat(match.group()))}>"


def error_key(error: BaseException) -> tuple[Any, ...]:
    """The type, and each (field, rule) of a library error; the type alone for another."""
    if isinstance(error, ValidationError):
        return (type(error).__name__, tuple((v.field, v.rule) for v in error.violations))
    if isinstance(error, ClubRulesError):
        return (type(error).__name__, getattr(error, "field", None), getattr(error, "rule", None))
    return ("escaped", type(error).__name__)


def normalise(value: Any, depth: int = 0) -> Any:
    """`value` as plain hashable data: datetimes as epoch microseconds, zones dropped."""
    if depth > 12:
        return "..."
    if isinstance(value, datetime):
        return ("instant", to_epoch_us(value)) if _aware(value) else ("naive", value)
    if isinstance(value, tzinfo):
        return ("zone",)  # a value that displays a zone: its instants are compared instead
    if isinstance(value, str):
        return _ISO.sub(_iso_instant, value)
    if value is None or isinstance(
        value, str | bytes | int | float | Decimal | date | time | timedelta | enum.Enum
    ):
        return value
    if isinstance(value, BaseException):
        return ("error", error_key(value))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(normalise(v, depth + 1) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(normalise(v, depth + 1) for v in value))
    if isinstance(value, dict):
        return (
            "dict",
            tuple((normalise(k, depth + 1), normalise(v, depth + 1)) for k, v in value.items()),
        )
    if inspect.isgenerator(value) or isinstance(value, Iterator):
        return ("iter", tuple(normalise(v, depth + 1) for v in itertools.islice(value, _MAX_ITEMS)))
    if attrs.has(type(value)):
        return (
            type(value).__name__,
            tuple(
                (f.name, normalise(getattr(value, f.name), depth + 1))
                for f in attrs.fields(type(value))
            ),
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple(
                (f.name, normalise(getattr(value, f.name), depth + 1))
                for f in dataclasses.fields(value)
            ),
        )
    return ("object", type(value).__name__)


# --- running a call with its instants rewritten ---------------------------------------


def _is_instance_method(target: Target) -> bool:
    if target.attr is None or target.owner is None:
        return False
    raw = inspect.getattr_static(target.owner, target.attr)
    return not isinstance(raw, classmethod | staticmethod)


def call_holds_instant(call: Call) -> bool:
    """Whether the call's arguments, or the value its method runs on, hold an aware datetime."""
    if any(holds_instant(v) for v in call.values.values()):
        return True
    if _is_instance_method(call.target):
        assert call.target.owner is not None
        return holds_instant(receiver(call.target.owner))
    return False


def call_instants(call: Call) -> list[int]:
    """Every instant in the call, in its arguments first, then in its receiver."""
    found = [us for v in call.values.values() for us in instants(v)]
    if _is_instance_method(call.target):
        assert call.target.owner is not None
        found += instants(receiver(call.target.owner))
    return found


def outcome(
    call: Call,
    f: Remap | None = None,
    *,
    keep: Remap | None = None,
    kept: frozenset[str] = frozenset(),
    swap: Swap | None = None,
) -> Any:
    """The normalised result of `call`, its instants rewritten by `f`, or its error's key.

    The arguments named in `kept` are rewritten by `keep` instead (an
    argument whose zone means something: shifted, but left in its zone).
    `swap` replaces other values on the way (the club's zone and calendar).
    """
    box: list[Any] = []

    def run() -> None:
        if f is None:
            box.append(normalise(call.run()))
            return
        values = {
            k: remap(v, keep if k in kept and keep is not None else f, swap)
            for k, v in call.values.items()
        }
        rewritten = Call(call.target, call.params, values)
        if _is_instance_method(call.target):
            assert call.target.owner is not None
            assert call.target.attr is not None
            obj = remap(receiver(call.target.owner), f, swap)
            method = typing.cast("Callable[..., Any]", getattr(obj, call.target.attr))
            box.append(normalise(_run_on(rewritten, method)))
        else:
            box.append(normalise(rewritten.run()))

    raised = guarded(run)
    if raised is not None:
        return ("raised", error_key(raised))
    return box[0]


def _run_on(call: Call, method: Callable[..., Any]) -> Any:
    """`call.run()` with `method` in place of the target's own bound method."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in call.params:
        if p.name not in call.values:
            continue
        value = call.values[p.name]
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY):
            args.append(value)
        else:
            kwargs[p.name] = value
    result = method(*args, **kwargs)
    if inspect.iscoroutine(result):
        import asyncio  # noqa: PLC0415 - only coroutine methods need it

        return asyncio.run(result)
    return result


# --- DST changes -----------------------------------------------------------------------

_MINUTE_US = 60_000_000
DST_ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago")


def transitions(name: str, first_year: int = 2026, last_year: int = 2027) -> tuple[int, ...]:
    """The instants (epoch us) at which zone `name` changes its offset, in those years."""
    tz = ZONES[name]
    start = to_epoch_us(datetime(first_year, 1, 1, tzinfo=UTC))
    end = to_epoch_us(datetime(last_year + 1, 1, 1, tzinfo=UTC))
    step = 30 * _MINUTE_US

    def offset(us: int) -> timedelta | None:
        return from_epoch_us(us, tz).utcoffset()

    found: list[int] = []
    for us in range(start + step, end, step):
        if offset(us) != offset(us - step):
            at = us
            while offset(at - _MINUTE_US) == offset(us):
                at -= _MINUTE_US
            found.append(at)
    return tuple(found)


# --- the sample club, moved to another zone -----------------------------------------


@functools.cache
def _calendar_in(name: str) -> BusinessCalendar:
    """The samples' business calendar (open 09:00-21:00 daily, Labour Day off), in zone `name`.

    Its holidays are known for 2020-2030, so that instants of 2027 are open to it.
    """
    return BusinessCalendar(
        name,
        dict.fromkeys(range(7), "09:00-21:00"),
        holidays={date(2026, 5, 1): "Labour Day", date(2027, 5, 1): "Labour Day"},
        holiday_years=range(2020, 2031),
    )


@functools.cache
def _rules_in(name: str) -> BookingRules:
    """The samples' booking rules, over the calendar of `_calendar_in(name)`."""
    rules = _samples.booking_rules()
    return BookingRules(
        resources=list(rules.resources.values()),
        pools=list(rules.pools.values()),
        services=list(rules.services.values()),
        calendar=_calendar_in(name),
        policy=rules.policy,
    )


def club_in(name: str) -> Swap:
    """A swap that moves the samples' club from Asia/Shanghai to zone `name`.

    Its zone (as a tzinfo or a name), its business calendar, its booking
    rules and its assessment period are replaced wherever a value holds them; its instants
    are left to the remap.
    """
    tz = ZONES[name]

    def swap(value: Any) -> Any:
        if value is _samples.SHANGHAI:
            return tz
        if isinstance(value, str) and value == "Asia/Shanghai":
            return name
        if value is _samples.calendar():
            return _calendar_in(name)
        if value is _samples.booking_rules():
            return _rules_in(name)
        if value is _samples.period():
            return AssessmentPeriod.monthly(2026, 2, name)
        return value

    return swap
