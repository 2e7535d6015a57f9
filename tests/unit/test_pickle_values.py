"""Every public value survives pickle and copy, and its pickle names only public modules.

Apps run the library in worker processes, caches and task queues, all of
which pickle. Every class exported by a public module is one of:

- a value, with a working sample (`tests/unit/hostile/_samples.py`, or
  `EXTRA` below): it equals its pickled (protocols 2 to the highest),
  `copy.copy` and `copy.deepcopy` selves, and its pickle names no private
  module;
- an enum: each member loads as itself;
- an error or warning (`ERRORS` below): it loads with the same type, message
  and attributes;
- a live object (`REFUSED` below, each with its reason): pickling or copying
  it raises a `TypeError` that names the class (a `LeakRefusedError`, also a
  `TypeError`, where it holds key material);
- not something a user makes an instance of (a port protocol, a contract
  test suite).

A newly exported class that is none of these fails `test_every_export_is_covered`.
"""

from __future__ import annotations

import copy
import enum
import inspect
import pickle
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from clubrules import errors
from clubrules.booking import BookingRules, Schedule
from clubrules.calendar import BusinessCalendar
from clubrules.clock import SystemClock
from clubrules.complaints import Case, apply, sla_status
from clubrules.errors import LeakRefusedError, StorageDiagnostics, Violation, ViolationCollector
from clubrules.privacy import (
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    BlindIndex,
    CustomerKeys,
    EnvKeyProvider,
    FieldCipher,
    FileKeyProvider,
    Keyring,
    PrivacyVault,
    Sensitive,
)
from clubrules.storage.migrations import Migration, MigrationResult
from clubrules.testing import LoopThread, ManualClock
from clubrules.testing.postgres import PostgresCluster, PostgresUnavailableError
from tests.unit.hostile import _samples as samples
from tests.unit.test_public_api import EXPORTED

if TYPE_CHECKING:
    from collections.abc import Callable

PROTOCOLS = range(2, pickle.HIGHEST_PROTOCOL + 1)
# A global in a pickle names its module: `clubrules.booking` is public,
# `clubrules.booking._schedule` is not. (A bare b"._" also turns up by chance
# in the ciphertext of a sealed value.)
PRIVATE_PATH = re.compile(rb"clubrules(?:\.\w+)*\._\w")


def _collector() -> ViolationCollector:
    collector = ViolationCollector()
    collector.add("start", "naive_datetime", "must be timezone-aware")
    collector.add("end", "end_before_start", "must be after start", items=("b-1",))
    return collector


# Values that the hostile-input samples do not build.
EXTRA: dict[type, Callable[[], Any]] = {
    Violation: lambda: Violation("phone", "invalid_phone", "is not a phone number", ("c-1",)),
    StorageDiagnostics: lambda: StorageDiagnostics(
        "23514", "CheckViolation", constraint="bookings_end_after_start", table="bookings"
    ),
    ViolationCollector: _collector,
    Migration: lambda: Migration(1, "initial", "sqlite", "CREATE TABLE t (id TEXT)"),
    MigrationResult: lambda: MigrationResult("sqlite", 0, 2, ("0001_initial", "0002_more")),
    PostgresCluster: lambda: PostgresCluster(
        Path("/tmp/pg"),  # noqa: S108 - a path in a value, never opened
        Path("/tmp/pg/socket"),  # noqa: S108
        5432,
        "postgres",
        Path("/usr/lib/postgresql/16/bin"),
    ),
}

_LIVE_STORE = "a live store or a database handle, with its connections and locks"
_KEYS = "holds key material; its pickle would put keys where the app stores pickles"
# Live objects: pickling or copying them raises a TypeError that says why.
REFUSED: dict[type, str] = {
    Sensitive: "its point is to keep the plaintext out of logs and pickles",
    Keyring: f"{_KEYS}, and each key's use count must not fork between processes",
    FieldCipher: f"holds a Keyring ({_KEYS})",
    CustomerKeys: f"holds a Keyring ({_KEYS}) and a live key store",
    AsyncCustomerKeys: f"holds a Keyring ({_KEYS}) and a live key store",
    PrivacyVault: "holds customer keys, an access log and a consent store",
    AsyncPrivacyVault: "holds customer keys, an access log and a consent store",
    LoopThread: "a running thread with its event loop",
    ManualClock: "a test's shared clock: a copy would not follow the test's moves",
}
REFUSED_MODULES = {
    "clubrules.storage.memory": _LIVE_STORE,
    "clubrules.storage.sqlite": _LIVE_STORE,
    "clubrules.storage.postgres": _LIVE_STORE,
}
# Classes without `__eq__` (identity): what a user reads off them must match.
NO_EQ: dict[type, Callable[[Any], object]] = {
    SystemClock: type,
    BookingRules: lambda rules: (
        repr(rules),
        rules.resources,
        rules.pools,
        rules.services,
        rules.shifts,
        rules.calendar,
        rules.policy,
    ),
    Schedule: lambda schedule: (repr(schedule), list(schedule)),
    BlindIndex: lambda index: (repr(index), index.of("13800138000")),
    EnvKeyProvider: lambda provider: (repr(provider), provider.load_keys()),
    FileKeyProvider: lambda provider: (repr(provider), provider.load_keys()),
}


def _kind(cls: type) -> str:
    if getattr(cls, "_is_protocol", False) or cls.__module__ == "clubrules.testing.contracts":
        return "not an instance"
    if issubclass(cls, enum.Enum):
        return "enum"
    if issubclass(cls, BaseException):
        return "error"
    if cls in REFUSED or cls.__module__ in REFUSED_MODULES:
        return "refused"
    return "value"


CLASSES: list[type] = list(
    dict.fromkeys(value for _name, _attr, value in EXPORTED if inspect.isclass(value))
)
VALUES = [cls for cls in CLASSES if _kind(cls) == "value"]
ENUMS = [cls for cls in CLASSES if _kind(cls) == "enum"]
REFUSED_CLASSES = [cls for cls in CLASSES if _kind(cls) == "refused"]


def _sample(cls: type) -> Any:
    return (EXTRA.get(cls) or samples.FACTORIES[cls])()


def _same(loaded: Any, value: Any) -> None:
    assert type(loaded) is type(value)
    seen = NO_EQ.get(type(value))
    if seen is not None:
        assert seen(loaded) == seen(value)
    elif isinstance(value, ViolationCollector):
        assert loaded.violations == value.violations
    else:
        assert loaded == value


def test_every_export_is_covered() -> None:
    uncovered = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in VALUES
        if cls not in EXTRA and cls not in samples.FACTORIES
    ]
    assert not uncovered, f"no sample and not in REFUSED: {uncovered}"
    no_sample = [cls.__qualname__ for cls in CLASSES if _kind(cls) == "error" and cls not in ERRORS]
    assert not no_sample, f"errors without a sample in ERRORS: {no_sample}"


@pytest.mark.parametrize("cls", VALUES, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_a_value_survives_pickle_and_copy(cls: type) -> None:
    value = _sample(cls)
    for protocol in PROTOCOLS:
        data = pickle.dumps(value, protocol)
        assert not PRIVATE_PATH.search(data), PRIVATE_PATH.findall(data)
        _same(pickle.loads(data), value)  # noqa: S301 - our own bytes
    _same(copy.copy(value), value)
    _same(copy.deepcopy(value), value)


@pytest.mark.parametrize("cls", ENUMS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_an_enum_member_loads_as_itself(cls: type[enum.Enum]) -> None:
    for member in cls:
        for protocol in PROTOCOLS:
            data = pickle.dumps(member, protocol)
            assert not PRIVATE_PATH.search(data)
            assert pickle.loads(data) is member  # noqa: S301 - our own bytes
        assert copy.copy(member) is member
        assert copy.deepcopy(member) is member


@pytest.mark.parametrize(
    "cls", REFUSED_CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}"
)
def test_a_live_object_refuses_pickle_saying_why(cls: type[Any]) -> None:
    # A blank instance: the refusal comes before any state is read, so the
    # PostgreSQL adapters are checked without a server.
    blank = object.__new__(cls)
    found = samples.FACTORIES.get(cls)
    for value in (blank, found() if found else blank):
        for protocol in PROTOCOLS:
            with pytest.raises(TypeError, match=cls.__name__) as caught:
                pickle.dumps(value, protocol)
            assert "_thread.lock" not in str(caught.value)
        if cls is Sensitive:
            continue  # immutable and opaque: a copy is the value itself
        for copier in (copy.copy, copy.deepcopy):
            with pytest.raises(TypeError, match="cannot pickle or copy"):
                copier(value)


@pytest.mark.parametrize(
    "cls", [FieldCipher, Keyring, CustomerKeys, AsyncCustomerKeys, PrivacyVault, Sensitive]
)
def test_what_holds_key_material_refuses_as_a_leak(cls: type) -> None:
    with pytest.raises(LeakRefusedError):
        pickle.dumps(samples.FACTORIES[cls]())


def test_a_sqlite_database_and_its_repositories_refuse_with_the_class_name() -> None:
    from clubrules.storage.sqlite import (  # noqa: PLC0415
        SQLiteBookingRepository,
        SQLiteCustomerRepository,
        SQLiteDatabase,
    )

    database = SQLiteDatabase(":memory:")
    try:
        for value in (
            database,
            SQLiteBookingRepository(database),
            SQLiteCustomerRepository(database),
        ):
            with pytest.raises(TypeError, match=f"cannot pickle or copy {type(value).__name__}"):
                pickle.dumps(value)
    finally:
        database.close()


# --- values with more to check than equality ------------------------------------


def test_a_loaded_case_moves_on_like_the_original() -> None:
    case = samples.case()
    loaded = pickle.loads(pickle.dumps(case))  # noqa: S301 - our own bytes
    assert (loaded.state, loaded.version) == (case.state, case.version)
    assert sla_status(loaded, samples.LATER) == sla_status(case, samples.LATER)
    event = samples.BY_NAME["event"]()
    assert apply(loaded, event) == apply(case, event)
    assert hash(loaded) == hash(case)
    assert isinstance(loaded, Case)


def test_a_loaded_calendar_answers_like_the_original() -> None:
    calendar = samples.calendar()
    at = datetime(2026, 4, 30, 20, tzinfo=samples.SHANGHAI)
    expected = calendar.add_business_time(at, timedelta(hours=5))
    for loaded in (
        pickle.loads(pickle.dumps(calendar)),  # noqa: S301 - our own bytes
        copy.deepcopy(calendar),
    ):
        assert loaded == calendar
        assert hash(loaded) == hash(calendar)
        assert loaded.add_business_time(at, timedelta(hours=5)) == expected
    other = BusinessCalendar("Asia/Shanghai", dict.fromkeys(range(7), "09:00-21:00"))
    assert other != calendar


def test_loaded_booking_rules_and_schedule_check_like_the_originals() -> None:
    rules, schedule = samples.booking_rules(), samples.schedule()
    loaded_rules = pickle.loads(pickle.dumps(rules))  # noqa: S301 - our own bytes
    loaded_schedule = pickle.loads(pickle.dumps(schedule))  # noqa: S301 - our own bytes
    assert list(loaded_schedule) == list(schedule)
    request = samples.request()
    assert loaded_rules.check(request, loaded_schedule, now=samples.NOW) == rules.check(
        request, schedule, now=samples.NOW
    )


# --- errors -----------------------------------------------------------------------


_E = TypeVar("_E", errors.StorageError, errors.ConflictError)


def _with_diagnostics(error: _E) -> _E:
    error.diagnostics = EXTRA[StorageDiagnostics]()
    return error


E = errors
# One typical instance of every error and warning (keyword-only parameters
# included: they are what breaks an exception's default pickling).
ERRORS: dict[type, Callable[[], BaseException]] = {
    E.AccessDeniedError: lambda: E.AccessDeniedError("u-1", "beautician", "marketing", "no grant"),
    E.ActivityFullError: lambda: _with_diagnostics(E.ActivityFullError("act-1", 8, 2)),
    E.CalendarError: lambda: E.CalendarError("no hours"),
    E.ClubRulesError: lambda: E.ClubRulesError("something failed"),
    E.ClubRulesWarning: lambda: E.ClubRulesWarning("take care"),
    E.CommitOutcomeUnknownError: lambda: _with_diagnostics(
        E.CommitOutcomeUnknownError("the commit may not have landed")
    ),
    E.ConflictError: lambda: E.ConflictError("clashes", conflicts=["bk-1", "bk-2"]),
    E.ConsentRequiredError: lambda: E.ConsentRequiredError(
        "u-1", "marketing", "marketing", "no consent"
    ),
    E.DecryptionError: E.DecryptionError,
    E.DuplicateError: lambda: E.DuplicateError("id 'c-1' is taken", conflicts=["c-1"]),
    E.ErasureNotFinalError: lambda: E.ErasureNotFinalError("c-1", "a reader held the log"),
    E.IllegalTransitionError: lambda: E.IllegalTransitionError(
        "resolved", "withdraw", ["follow_up"], reason="too late"
    ),
    E.InputError: lambda: E.InputError("not a number", line=3, column="capacity", word="key"),
    E.InvalidHoursError: lambda: E.InvalidHoursError(
        "overlaps", field="weekly[mon]", rule="overlapping_hours", items=("09:00-12:00",)
    ),
    E.InvalidIntervalError: lambda: E.InvalidIntervalError("before start", field="end"),
    E.InvalidMoneyError: lambda: E.InvalidMoneyError("not a number", field="amount"),
    E.InvalidPhoneNumberError: lambda: E.InvalidPhoneNumberError("too short", field="phone"),
    E.InvalidRubricError: lambda: E.InvalidRubricError("weights exceed 100", field="criteria"),
    E.KeyUsageWarning: lambda: E.KeyUsageWarning("key 2 is near its limit"),
    E.KeyringError: lambda: E.KeyringError("no primary key"),
    E.LeakRefusedError: lambda: E.LeakRefusedError("a Sensitive value cannot be pickled"),
    E.MigrationError: lambda: E.MigrationError("schema is newer than this library"),
    E.MissingHolidayDataError: lambda: E.MissingHolidayDataError(2027, [2025, 2026]),
    E.MissingHolidayDataWarning: lambda: E.MissingHolidayDataWarning("no data for 2027"),
    E.NaiveDatetimeError: lambda: E.NaiveDatetimeError("must be aware", field="start"),
    E.NoBusinessTimeError: lambda: E.NoBusinessTimeError("never open"),
    E.NotFoundError: lambda: E.NotFoundError("booking", "bk-9"),
    E.PeriodNotEndedError: lambda: E.PeriodNotEndedError("not ended", field="period"),
    E.PrivacyError: lambda: E.PrivacyError("refused"),
    E.RetryableStorageError: lambda: _with_diagnostics(E.RetryableStorageError("locked")),
    E.StorageConfigurationError: lambda: _with_diagnostics(
        E.StorageConfigurationError("the role does not exist", reason="unknown_role")
    ),
    E.SlotConflictError: lambda: E.SlotConflictError("clashes", conflicts=["bk-1"]),
    E.StaleVersionError: lambda: _with_diagnostics(E.StaleVersionError("k-1", 3, 4)),
    E.StorageError: lambda: _with_diagnostics(E.StorageError("refused")),
    E.UnknownTimeZoneError: lambda: E.UnknownTimeZoneError("unknown zone", field="zone"),
    E.ValidationError: lambda: E.ValidationError(violations=_collector().violations),
    PostgresUnavailableError: lambda: PostgresUnavailableError("no initdb on PATH"),
}
# What a user reads off an error, beyond its message.
_READ = (
    "violations",
    "conflicts",
    "diagnostics",
    "state",
    "action",
    "allowed",
    "reason",
    "line",
    "column",
    "word",
    "message",
    "year",
    "known_years",
    "kind",
    "key",
    "stream",
    "expected",
    "actual",
    "activity_id",
    "capacity",
    "waitlist_limit",
    "actor",
    "role",
    "purpose",
    "customer_id",
)


def _read(error: BaseException) -> dict[str, object]:
    return {name: getattr(error, name) for name in _READ if hasattr(error, name)}


@pytest.mark.parametrize("cls", list(ERRORS), ids=lambda cls: cls.__qualname__)
def test_an_error_survives_pickle_and_copy(cls: type[BaseException]) -> None:
    error = ERRORS[cls]()
    assert type(error) is cls
    for protocol in PROTOCOLS:
        data = pickle.dumps(error, protocol)
        assert not PRIVATE_PATH.search(data), PRIVATE_PATH.findall(data)
        loaded = pickle.loads(data)  # noqa: S301 - our own bytes
        for other in (loaded, copy.copy(error), copy.deepcopy(error)):
            assert type(other) is cls
            assert str(other) == str(error)
            assert other.args == error.args
            assert _read(other) == _read(error)
