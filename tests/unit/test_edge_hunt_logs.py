"""The library's warnings point at the application's line, whichever public call raised them.

A warning raised deep in the library carried a fixed `stacklevel`, right for
one call path only: `FieldCipher.seal` of a text and `seal_many` blamed the
line that called the application's function, and every calendar question
but two blamed a line of `clubrules/calendar/_timeline.py`. Then a filter on
the application's module misses the warning, and the "default" action shows
it once per line of the library rather than once per place in the app.
Every path is checked here: the warning names this file, at the line of
the call.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.calendar import BusinessCalendar
from clubrules.errors import KeyUsageWarning, MissingHolidayDataWarning
from clubrules.privacy import (
    CustomerKeys,
    FieldCipher,
    Keyring,
    PrivacyVault,
    RolePolicy,
)
from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryConsentStore,
    InMemoryDataKeyStore,
)
from clubrules.testing import ManualClock

if TYPE_CHECKING:
    from collections.abc import Callable

ZONES = ["Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
PLACE = {"record_type": "customer", "field": "phone"}


def _calendar(zone: str) -> BusinessCalendar:
    return BusinessCalendar(
        zone,
        dict.fromkeys(range(5), "09:00-18:00"),
        holidays={date(2026, 1, 1): "New Year"},
        holiday_years=[2026],
        on_missing_holiday_data="warn",
    )


def _at(zone: str, day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))


# Each public question, asked about a day of a year the calendar has no data for.
QUESTIONS: dict[str, Callable[[BusinessCalendar, str, date], object]] = {
    "hours_on": lambda c, _z, d: c.hours_on(d),
    "is_business_day": lambda c, _z, d: c.is_business_day(d),
    "is_open": lambda c, z, d: c.is_open(_at(z, d, 10)),
    "next_opening": lambda c, z, d: c.next_opening(_at(z, d, 20)),
    "next_closing": lambda c, z, d: c.next_closing(_at(z, d, 10)),
    "add_business_time": lambda c, z, d: c.add_business_time(_at(z, d, 10), timedelta(hours=3)),
    "add_business_days": lambda c, z, d: c.add_business_days(_at(z, d, 10), 2),
    "open_intervals": lambda c, z, d: c.open_intervals(_at(z, d, 0), _at(z, d, 23)),
    "business_time_between": lambda c, z, d: c.business_time_between(
        _at(z, d, 0), _at(z, d + timedelta(days=2), 0)
    ),
}


def _caught(call: Callable[[], object]) -> list[warnings.WarningMessage]:
    """The warnings `call()` raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def _line(function: Callable[..., object]) -> tuple[str, int]:
    """Where a function of this file (the caller of the public method) starts."""
    return __file__, function.__code__.co_firstlineno


def _where(caught: list[warnings.WarningMessage], category: type[Warning]) -> set[tuple[str, int]]:
    return {(w.filename, w.lineno) for w in caught if issubclass(w.category, category)}


@settings(max_examples=60, deadline=None)
@given(
    question=st.sampled_from(sorted(QUESTIONS)),
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2027, 1, 1), max_value=date(2030, 12, 28)),
)
def test_a_missing_year_warning_names_the_callers_line(question: str, zone: str, day: date) -> None:
    calendar = _calendar(zone)
    caught = _caught(lambda: QUESTIONS[question](calendar, zone, day))
    # The question's lambda calls the public method: this file, that line.
    assert _where(caught, MissingHolidayDataWarning) == {_line(QUESTIONS[question])}, question


def test_a_missing_year_warns_once_per_calendar_and_year() -> None:
    calendar = _calendar("Asia/Shanghai")
    day = date(2027, 3, 1)
    caught = _caught(lambda: [calendar.hours_on(day), calendar.is_business_day(day)])
    assert len(_where(caught, MissingHolidayDataWarning)) == 1


# Each way a key's use is counted: a text (the fast path), bytes, a batch, a rewrap.
SEALS: dict[str, Callable[[FieldCipher], object]] = {
    "seal text": lambda c: c.seal("+8613800138000", record_id="c-1", **PLACE),
    "seal bytes": lambda c: c.seal(b"\x00\x01", record_id="c-1", **PLACE),
    "seal dict": lambda c: c.seal({"a": 1}, record_id="c-1", **PLACE),
    "seal_many": lambda c: c.seal_many(["a", "b"], record_ids=["c-1", "c-2"], **PLACE),
    "seal_many bytes": lambda c: c.seal_many([b"a"], record_ids=["c-1"], **PLACE),
}


@pytest.mark.parametrize("how", sorted(SEALS))
def test_a_key_usage_warning_names_the_callers_line(how: str) -> None:
    cipher = FieldCipher(Keyring.generate(warn_at=1, limit=1_000))
    caught = _caught(lambda: SEALS[how](cipher))
    assert _where(caught, KeyUsageWarning) == {_line(SEALS[how])}, how


def test_a_usage_warning_from_deep_inside_the_vault_names_the_callers_line() -> None:
    # The KEK wraps each new data key: its warning comes through the vault,
    # the customer keys and the cipher, and still names the application's line.
    kek = Keyring.generate(warn_at=1, limit=1_000)
    vault = PrivacyVault(
        keys=CustomerKeys(kek, InMemoryDataKeyStore()),
        policy=RolePolicy.salon_default(),
        consents=InMemoryConsentStore(),
        log=InMemoryAccessLog(),
        clock=ManualClock(datetime(2026, 3, 2, tzinfo=UTC)),
    )

    def seal() -> object:
        return vault.seal("c-1", "phone", "+8613800138000")

    assert _where(_caught(seal), KeyUsageWarning) == {(__file__, _line(seal)[1] + 1)}


def test_a_warning_filtered_by_the_apps_module_is_caught() -> None:
    # What the wrong line broke: `filterwarnings("error", module=...)` for the app's module.
    cipher = FieldCipher(Keyring.generate(warn_at=1, limit=1_000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", category=KeyUsageWarning, module=__name__)
        with pytest.raises(KeyUsageWarning):
            cipher.seal("x", record_id="c-1", **PLACE)


def test_the_warning_helper_points_past_every_frame_of_the_package() -> None:
    from clubrules._logs import warn_caller  # noqa: PLC0415 - the helper under test

    def app_code() -> None:
        warn_caller("from the app's own code", UserWarning)

    # Called from a function outside the package: that function's line is named.
    caught = _caught(app_code)
    assert {(w.filename, w.lineno) for w in caught} == {(__file__, _line(app_code)[1] + 1)}
