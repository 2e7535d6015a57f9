"""Every kind of aware datetime keeps its instant and its wall time through the SQL zone codec.

The SQL adapters store an instant as UTC microseconds and, beside it, the
zone it was given in. Zones come from many libraries: the standard
library's `ZoneInfo` and `timezone`, pendulum (a core dependency of
clubrules: its named zones subclass `ZoneInfo`, its fixed offsets do not),
pytz, pydantic's parsed offsets (what FastAPI hands an app), dateutil. For
each, a stored value must come back at the same instant and with the same
UTC offset (so the same wall time), as the in-memory adapter gives it back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pendulum
import pytest
import pytz
from hypothesis import given
from hypothesis import strategies as st
from pendulum.tz import fixed_timezone
from pydantic import TypeAdapter

from clubrules._time import to_epoch_us
from clubrules.storage.sql._codecs import decode_at, encode_zone

NAMES = ("Asia/Shanghai", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC")
_PYDANTIC = TypeAdapter(datetime)


def _dateutil_zones() -> list[tzinfo]:
    try:
        from dateutil import tz  # noqa: PLC0415 - optional here
    except ImportError:  # pragma: no cover - pandas (the bench group) brings it
        return []
    return [z for z in (tz.gettz(name) for name in NAMES) if z is not None] + [
        tz.tzoffset("X", 19_800)
    ]


def _zones() -> list[tzinfo]:
    return [
        *(ZoneInfo(name) for name in NAMES),
        *(pendulum.timezone(name) for name in NAMES),
        fixed_timezone(8 * 3600),
        fixed_timezone(-(9 * 3600 + 30 * 60)),
        UTC,
        timezone(timedelta(hours=5, minutes=45)),
        timezone(timedelta(hours=-3, seconds=-17)),
        timezone(timedelta(minutes=-25, seconds=-21, microseconds=-500_000)),
        pytz.FixedOffset(330),
        *_dateutil_zones(),
    ]


def _pytz_value(instant: datetime, name: str) -> datetime:
    return instant.astimezone(pytz.timezone(name))


instants = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 - hypothesis' bounds are naive
    max_value=datetime(2200, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def _assert_same(stored: datetime, back: datetime) -> None:
    # Instants, then wall time: an ambiguous wall time compares unequal across zones.
    assert to_epoch_us(back) == to_epoch_us(stored)
    assert back.utcoffset() == stored.utcoffset()
    assert back.replace(tzinfo=None) == stored.replace(tzinfo=None)


@given(instant=instants, zone=st.sampled_from(_zones()))
def test_any_zone_keeps_instant_and_wall_time(instant: datetime, zone: tzinfo) -> None:
    value = instant.astimezone(zone)
    _assert_same(value, decode_at(to_epoch_us(value), encode_zone(value)))


@given(instant=instants, name=st.sampled_from(NAMES))
def test_pytz_zones_keep_their_name(instant: datetime, name: str) -> None:
    value = _pytz_value(instant, name)
    zone = encode_zone(value)
    if 1970 <= instant.year < 2037:  # pytz rounds old local mean times, stops at 2037: offsets kept
        assert zone == name
    _assert_same(value, decode_at(to_epoch_us(value), zone))


@pytest.mark.parametrize(
    "text",
    ["2026-03-02T10:00:00+08:00", "2026-10-25T02:30:00+01:00", "1999-12-31T23:59:59.5-03:30"],
)
def test_pydantic_parsed_offsets_come_back(text: str) -> None:
    value = _PYDANTIC.validate_python(text)
    _assert_same(value, decode_at(to_epoch_us(value), encode_zone(value)))


def test_utc_is_stored_as_no_zone() -> None:
    assert encode_zone(datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert encode_zone(pendulum.datetime(2026, 1, 1, tz="UTC")) == "UTC"
