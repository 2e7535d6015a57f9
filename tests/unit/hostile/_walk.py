"""The hostile-input walk: every public callable, one hostile argument at a time.

`targets()` lists what the walk calls: every class (its constructor and its
public methods) and every function named in the `__all__` of a public
package. `valid_call(target)` finds an otherwise valid call; `walk(target)`
substitutes each hostile value of `hostile_values()` for each parameter in
turn and returns every escape: an exception that is not a `ClubRulesError`,
or a call that runs longer than `LIMIT_SECONDS`. A coroutine method's
coroutine is run to its end (`asyncio.run`), so bad input to an async
method is held to the same promise.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import importlib
import inspect
import math
import signal
import typing
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from clubrules.errors import ClubRulesError

from . import _samples
from ._samples import BY_CALLABLE, BY_NAME, FACTORIES, MUTABLE

LIMIT_SECONDS = 3

# The packages the walk covers. Storage adapters other than the in-memory
# one, the migrations, the CLI and the contract suites are out of scope: they
# touch files, servers or processes.
MODULES = (
    "clubrules",
    "clubrules.activities",
    "clubrules.booking",
    "clubrules.calendar",
    "clubrules.care",
    "clubrules.clock",
    "clubrules.complaints",
    "clubrules.customers",
    "clubrules.money",
    "clubrules.privacy",
    "clubrules.staff",
    "clubrules.storage.memory",
    "clubrules.testing",
    "clubrules.testing.strategies",
    "clubrules.tiering",
    "clubrules.training",
)


class Hang(BaseException):
    """Raised by the alarm when one call runs too long (not an Exception: nothing swallows it)."""


@dataclass(frozen=True)
class Target:
    """One public callable: a function, a constructor, or a method of a sample instance."""

    name: str  # "clubrules.booking.Schedule.add"
    owner: type | None  # the class, for a constructor or a method
    attr: str | None  # the method's name; None for a constructor or a function
    function: Callable[..., Any] | None = None  # a module-level function

    def resolve(self) -> Callable[..., Any]:
        """The callable itself, bound to a fresh (or shared, immutable) sample if a method."""
        if self.function is not None:
            return self.function
        assert self.owner is not None
        if self.attr is None:
            return self.owner
        raw = inspect.getattr_static(self.owner, self.attr)
        if isinstance(raw, classmethod | staticmethod):
            return typing.cast("Callable[..., Any]", getattr(self.owner, self.attr))
        return typing.cast("Callable[..., Any]", getattr(receiver(self.owner), self.attr))

    def signature_of(self) -> inspect.Signature:
        if self.function is not None:
            return inspect.signature(self.function)
        assert self.owner is not None
        if self.attr is None:
            return inspect.signature(self.owner)
        raw = inspect.getattr_static(self.owner, self.attr)
        if isinstance(raw, classmethod | staticmethod):
            return inspect.signature(getattr(self.owner, self.attr))
        params = list(inspect.signature(raw).parameters.values())[1:]  # drop self
        return inspect.Signature(params)

    def hints(self) -> dict[str, Any]:
        if self.function is not None:
            return _hints(self.function)
        assert self.owner is not None
        if self.attr is None:
            return _hints(inspect.getattr_static(self.owner, "__init__"))
        raw = inspect.getattr_static(self.owner, self.attr)
        if isinstance(raw, classmethod | staticmethod):
            raw = raw.__func__
        return _hints(raw)


_RECEIVERS: dict[type, Any] = {}


def receiver(cls: type) -> Any:
    """The instance a method runs on: fresh for a mutable class, shared otherwise."""
    if cls in MUTABLE:
        return FACTORIES[cls]()
    if cls not in _RECEIVERS:
        _RECEIVERS[cls] = FACTORIES[cls]()
    return _RECEIVERS[cls]


def _hints(func: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except Exception:  # noqa: BLE001 - a name only imported for type checking: fall back to names
        return {}


def _is_protocol(cls: type) -> bool:
    return bool(getattr(cls, "_is_protocol", False))


def targets() -> list[Target]:
    """Every public callable the walk covers, once each, sorted by name."""
    found: dict[str, Target] = {}
    seen: set[int] = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for attr in module.__all__:
            value = getattr(module, attr)
            if id(value) in seen:
                continue
            seen.add(id(value))
            qual = f"{module_name}.{attr}"
            if inspect.isclass(value):
                if issubclass(value, enum.Enum | BaseException) or _is_protocol(value):
                    continue
                found[qual] = Target(qual, value, None)
                for name, raw in sorted(vars(value).items()):
                    if name.startswith("_") or isinstance(raw, property):
                        continue
                    if isinstance(raw, classmethod | staticmethod) or inspect.isfunction(raw):
                        found[f"{qual}.{name}"] = Target(f"{qual}.{name}", value, name)
            elif inspect.isfunction(value):
                found[qual] = Target(qual, None, None, value)
    return [found[name] for name in sorted(found)]


# --- valid arguments --------------------------------------------------------------


class NoSampleError(LookupError):
    """No valid argument is known for a parameter."""


def _from_hint(hint: Any) -> Any:
    """A valid value for a type hint, or raise NoSampleError."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, __import__("types").UnionType):
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _from_hint(arg)
            except NoSampleError:
                continue
        raise NoSampleError(hint)
    if origin is typing.Literal:
        return args[0]
    if origin in (list, Sequence, Iterable, Collection):
        return [_from_hint(args[0])] if args else []
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return (_from_hint(args[0]),)
        return tuple(_from_hint(a) for a in args)
    if origin in (frozenset, set):
        return frozenset({_from_hint(args[0])})
    if origin in (dict, Mapping):
        return {_from_hint(args[0]): _from_hint(args[1])}
    if isinstance(hint, type):
        if hint in FACTORIES:
            return FACTORIES[hint]()
        if issubclass(hint, enum.Enum):
            return next(iter(hint))
        primitive = _PRIMITIVES.get(hint)
        if primitive is not None:
            return primitive()
    raise NoSampleError(hint)


_PRIMITIVES: dict[type, Callable[[], Any]] = {
    str: lambda: "x",
    int: lambda: 1,
    bool: lambda: False,
    float: lambda: 0.5,
    Decimal: lambda: Decimal(1),
    bytes: lambda: b"x",
    datetime: lambda: _samples.NOW,
    date: lambda: _samples.TODAY,
    timedelta: lambda: timedelta(hours=1),
    time: lambda: time(10),
    tzinfo: lambda: _samples.SHANGHAI,
}


def _is_library_hint(hint: Any) -> bool:
    if isinstance(hint, type):
        return hint in FACTORIES
    return any(_is_library_hint(a) for a in typing.get_args(hint))


_UNSET = object()


def _attrs_defaults(target: Target) -> dict[str, Any]:
    """For an attrs constructor, the sample's own field values, by init name."""
    cls = target.owner
    if target.attr is not None or cls is None or not attrs.has(cls) or cls not in FACTORIES:
        return {}
    sample = receiver(cls)
    return {f.alias: getattr(sample, f.name) for f in attrs.fields(cls) if f.init and f.alias}


@dataclass
class Call:
    """A valid call: its arguments by parameter, and which must be passed how."""

    target: Target
    params: list[inspect.Parameter]
    values: dict[str, Any] = field(default_factory=dict)  # the parameters passed

    def run(self, override: tuple[str, Any] | None = None) -> Any:
        func = self.target.resolve()
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for p in self.params:
            if override is not None and override[0] == p.name:
                value = override[1]
            elif p.name in self.values:
                value = self.values[p.name]
            else:
                continue
            if (
                p.kind is inspect.Parameter.VAR_POSITIONAL
                or p.kind is inspect.Parameter.POSITIONAL_ONLY
            ):
                args.append(value)
            else:
                kwargs[p.name] = value
        result = func(*args, **kwargs)
        if inspect.iscoroutine(result):
            return asyncio.run(result)
        return result


def valid_call(target: Target) -> Call:
    """The target's parameters with a valid value for each required one.

    Raises:
        NoSampleError: no valid value is known for a required parameter.
    """
    sig = target.signature_of()
    hints = target.hints()
    own = BY_CALLABLE.get(target.name, {})
    from_sample = _attrs_defaults(target)
    call = Call(target, [])
    for p in sig.parameters.values():
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        call.params.append(p)
        required = p.default is inspect.Parameter.empty and p.kind is not (
            inspect.Parameter.VAR_POSITIONAL
        )
        if p.name in own:
            call.values[p.name] = own[p.name]()
        elif p.name in from_sample:
            if required or from_sample[p.name] is not p.default:
                call.values[p.name] = from_sample[p.name]
        elif not required:
            continue
        elif p.name in hints and _is_library_hint(hints[p.name]):
            call.values[p.name] = _from_hint(hints[p.name])
        elif p.name in BY_NAME:
            call.values[p.name] = BY_NAME[p.name]()
        elif p.name in hints:
            call.values[p.name] = _from_hint(hints[p.name])
        else:
            raise NoSampleError(f"{target.name}({p.name})")
    return call


# --- hostile values ---------------------------------------------------------------


class _OffsetOfDays(tzinfo):
    """A tzinfo whose offset is 30 hours: `datetime` refuses to use it."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=30)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "+30"


class _OffsetOfText(tzinfo):
    """A tzinfo whose offset is not a timedelta."""

    def utcoffset(self, dt: datetime | None) -> Any:
        return "+08:00"

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "+08:00"


FAR_EAST = timezone(timedelta(hours=23, minutes=59))
FAR_WEST = timezone(-timedelta(hours=23, minutes=59))
NEW_YORK = ZoneInfo("America/New_York")
MEGABYTE = "x" * 1_000_000


def hostile_values() -> list[tuple[str, Any]]:
    """The hostile values every parameter gets, by label."""
    return [
        ("None", None),
        ("object()", object()),
        ("bytes", b"\x00\xff"),
        ("''", ""),
        ("'  '", "   "),
        ("'x'", "x"),
        ("surrogate", "a\ud800b"),
        ("NUL", "a\x00b"),
        ("1MB text", MEGABYTE),
        ("0", 0),
        ("-1", -1),
        ("2**63", 2**63),
        ("-2**63", -(2**63)),
        ("10**100", 10**100),
        ("10**400", 10**400),
        ("-10**400", -(10**400)),
        ("True", True),
        ("-0.0", -0.0),
        ("1e308", 1e308),
        ("5e-324", 5e-324),
        ("1.5", 1.5),
        ("nan", math.nan),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("Decimal NaN", Decimal("NaN")),
        ("Decimal sNaN", Decimal("sNaN")),
        ("Decimal Infinity", Decimal("Infinity")),
        ("Decimal -Infinity", Decimal("-Infinity")),
        ("Decimal 1E+999999", Decimal("1E+999999")),
        ("Decimal 1E-999999", Decimal("1E-999999")),
        ("Decimal -1", Decimal(-1)),
        ("[]", []),
        ("()", ()),
        ("{}", {}),
        ("[None]", [None]),
        ("['x']", ["x"]),
        ("{None: None}", {None: None}),
        ("naive datetime", datetime(2026, 3, 2, 10)),  # noqa: DTZ001 - the point
        ("year 1 at +23:59", datetime(1, 1, 1, tzinfo=FAR_EAST)),
        ("year 9999 at -23:59", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=FAR_WEST)),
        ("datetime.min UTC", datetime.min.replace(tzinfo=UTC)),
        ("datetime.max UTC", datetime.max.replace(tzinfo=UTC)),
        ("fold=1 wall time", datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)),
        ("skipped wall time", datetime(2026, 3, 8, 2, 30, tzinfo=NEW_YORK)),
        ("aware datetime", _samples.NOW),
        ("date", _samples.TODAY),
        ("date.min", date.min),
        ("date.max", date.max),
        ("timedelta -1 day", timedelta(days=-1)),
        ("timedelta 0", timedelta(0)),
        ("timedelta.max", timedelta.max),
        ("timedelta.min", timedelta.min),
        ("time", time(10)),
    ]


_ELEMENT_HOSTILES: tuple[tuple[str, Any], ...] = (
    ("None", None),
    ("object()", object()),
    ("'x'", "x"),
    ("surrogate", "a\ud800b"),
    ("-1", -1),
    ("2**63", 2**63),
    ("nan", math.nan),
    ("Decimal NaN", Decimal("NaN")),
    ("naive datetime", datetime(2026, 3, 2, 10)),  # noqa: DTZ001 - the point
    ("date", _samples.TODAY),
)


def derived_values(valid: Any) -> list[tuple[str, Any]]:
    """Hostile values shaped like `valid`: its swapped date kind, bad elements of its container."""
    out: list[tuple[str, Any]] = []
    if isinstance(valid, datetime):
        out.append(("its date", valid.date()))
        out.append(("it, naive", valid.replace(tzinfo=None)))
        # A tzinfo of the caller's own that `datetime` refuses to use (hashing
        # such a value raises too, so it is tried only where a datetime belongs).
        out.append(("it, at an offset of 30 hours", valid.replace(tzinfo=_OffsetOfDays())))
        out.append(("it, at an offset given as text", valid.replace(tzinfo=_OffsetOfText())))
    elif isinstance(valid, date):
        out.append(
            ("it as a datetime", datetime.combine(valid, time(10), tzinfo=_samples.SHANGHAI))
        )
    elif isinstance(valid, list | tuple | frozenset | set) and valid:
        items = list(valid)
        for label, bad in _ELEMENT_HOSTILES:
            shaped: Any = [*items, bad]
            if isinstance(valid, tuple):
                shaped = tuple(shaped)
            out.append((f"its items + {label}", shaped))
    elif isinstance(valid, dict) and valid:
        key, value = next(iter(valid.items()))
        for label, bad in _ELEMENT_HOSTILES:
            out.append((f"its value -> {label}", {**valid, key: bad}))
        out.append(("its key -> None", {None: value}))
        out.append(("its key -> object()", {object(): value}))
    return out


# --- the walk ----------------------------------------------------------------------


@dataclass(frozen=True)
class Escape:
    """A hostile call that let a plain Python exception out, or ran too long."""

    target: str
    param: str
    value: str
    error: str  # the exception's type name, or "hang"

    def key(self) -> tuple[str, str, str]:
        return (self.target, self.param, self.error)

    def __str__(self) -> str:
        return f"{self.target}({self.param}={self.value}) -> {self.error}"


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def guarded(run: Callable[[], Any]) -> BaseException | None:
    """Run `run` under the alarm with warnings silenced; return what it raised, if anything."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_SECONDS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run()
    except (Exception, Hang) as error:  # noqa: BLE001 - sorting them is the point
        return error
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return None


def classify(error: BaseException | None) -> str | None:
    """None for a clean outcome (a result or a ClubRulesError); else the escape's name."""
    if error is None or isinstance(error, ClubRulesError):
        return None
    if isinstance(error, Hang):
        return "hang"
    return type(error).__name__


def walk(call: Call) -> list[Escape]:
    """Every escape from substituting each hostile value for each parameter of `call`."""
    escapes: list[Escape] = []
    for p in call.params:
        shaped = derived_values(call.values[p.name]) if p.name in call.values else []
        for label, value in [*hostile_values(), *shaped]:
            name = classify(guarded(functools.partial(call.run, (p.name, value))))
            if name is not None:
                escapes.append(Escape(call.target.name, p.name, label, name))
    return escapes
