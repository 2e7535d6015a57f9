"""The value codecs that the SQLite and PostgreSQL adapters share.

Instants are stored as UTC microseconds beside the zone they were given in,
sets of strings as sorted JSON arrays, dates as ISO text; the readers turn
them back into the same values that went in.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clubrules._time import EPOCH, ONE_US, from_epoch_us, to_epoch_us
from clubrules.customers import PhoneNumber

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "decode_at",
    "decode_date",
    "decode_phone",
    "decode_set",
    "encode_date",
    "encode_instant",
    "encode_set",
    "encode_timestamptz",
    "encode_zone",
    "in_zone",
]


def encode_instant(value: datetime) -> int:
    """An aware datetime as UTC microseconds since the Unix epoch."""
    return to_epoch_us(value)


def encode_timestamptz(value: datetime) -> datetime:
    """An aware datetime as a plain `datetime` that a driver adapts exactly.

    psycopg adapts a datetime by subtracting an epoch from it; a subclass
    such as pendulum's `DateTime` overrides subtraction and, far from the
    year 2000, returns a span that has lost its microseconds. Such a value
    goes as the same instant, a plain datetime in UTC.
    """
    if type(value) is datetime:
        return value
    return from_epoch_us(to_epoch_us(value))


@functools.lru_cache(maxsize=65536)
def _phone(e164: str) -> PhoneNumber:
    return PhoneNumber(e164)


def decode_phone(e164: str | None) -> PhoneNumber | None:
    """A stored E.164 string as a `PhoneNumber`, validated once per distinct number.

    Parsing a number costs about 20 us; a `PhoneNumber` is immutable, so the
    values are cached and shared.
    """
    return None if e164 is None else _phone(e164)


def _offset_text(offset: timedelta) -> str:
    """`+08:00`; seconds and microseconds only when the offset has them (`-00:25:21.5`)."""
    sign = "-" if offset < timedelta(0) else "+"
    size = abs(offset)
    seconds, micros = size.days * 86_400 + size.seconds, size.microseconds
    text = f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
    if micros:
        return f"{text}:{seconds % 60:02d}.{micros:06d}"
    return text if seconds % 60 == 0 else f"{text}:{seconds % 60:02d}"


def _iana_name(tz: tzinfo, value: datetime) -> str | None:
    """The IANA name a foreign zone carries (pytz's `zone`, a `key`), if it agrees at `value`."""
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if not isinstance(name, str) or not name or name.startswith(("+", "-")):
        return None
    # `_zone` answers UTC for a name this machine does not know: the offsets then differ.
    return name if value.astimezone(_zone(name)).utcoffset() == value.utcoffset() else None


def encode_zone(value: datetime) -> str | None:
    """The zone an aware datetime was given in: an IANA name, a fixed offset, or None for UTC.

    Stored next to the UTC instant, so that a value comes back in its zone:
    an ambiguous wall time (the repeated hour of a DST change) then still
    compares equal to what was stored, which it would not as a UTC datetime.

    Every kind of zone keeps its wall time: a `ZoneInfo` (pendulum's
    zones included) by its name, a `datetime.timezone` by its offset, a
    zone from another library by the IANA name it carries (pytz) or else
    by its offset at this instant (pendulum's fixed offsets, pydantic's
    parsed offsets, dateutil's zones).
    """
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo) and tz.key:
        return tz.key
    if tz is UTC or tz is None:
        return None
    if isinstance(tz, timezone):
        return _offset_text(tz.utcoffset(None))
    name = _iana_name(tz, value)
    if name is not None:
        return name
    offset = value.utcoffset()
    return None if offset is None else _offset_text(offset)


def _parse_zone(text: str) -> tzinfo:
    if text[:1] in {"+", "-"}:
        hours, minutes, *rest = text[1:].split(":")
        seconds, _, micros = (rest[0] if rest else "0").partition(".")
        offset = timedelta(
            hours=int(hours),
            minutes=int(minutes),
            seconds=int(seconds),
            microseconds=int(micros or 0),
        )
        return timezone(-offset if text[0] == "-" else offset)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone this machine's tz database lacks: the instant is still exact, in UTC.
        return UTC


# Stored zone text -> tzinfo. A club stores a handful of zones, so a plain dict
# (one lookup, cheaper than an lru_cache call) holds them; it stops growing at
# `_ZONES_MAX` distinct texts, past which a zone is parsed on each read.
_ZONES: dict[str, tzinfo] = {}
_ZONES_MAX = 1024


def _zone(text: str) -> tzinfo:
    zone = _ZONES.get(text)
    if zone is None:
        zone = _parse_zone(text)
        if len(_ZONES) < _ZONES_MAX:
            _ZONES[text] = zone
    return zone


# For readers that look a zone up in `ZONES` themselves, calling `zone_of` on a miss.
ZONES = _ZONES
zone_of = _zone

# Stored zone text -> (the Unix epoch as a datetime in that zone, the zone's `fromutc`).
# `fromutc(epoch + delta)` is what `(EPOCH + delta).astimezone(zone)` computes (astimezone
# ends in that very call), without its UTC offset lookup, subtraction and `replace`: half
# the cost of an instant read in its zone. Bounded as `_ZONES`.
_ZONE_EPOCHS: dict[str, tuple[datetime, Callable[[datetime], datetime]]] = {}


def _zone_epoch(text: str) -> tuple[datetime, Callable[[datetime], datetime]]:
    found = _ZONE_EPOCHS.get(text)
    if found is None:
        zone = _zone(text)
        found = (EPOCH.replace(tzinfo=zone), zone.fromutc)
        if len(_ZONE_EPOCHS) < _ZONES_MAX:
            _ZONE_EPOCHS[text] = found
    return found


# For readers that decode instants in their zones themselves (`fromutc(epoch + ONE_US * us)`).
ZONE_EPOCHS = _ZONE_EPOCHS
zone_epoch_of = _zone_epoch


def in_zone(value: datetime, zone: str | None) -> datetime:
    """An aware datetime shown in the stored zone (UTC when None)."""
    return value.astimezone(UTC if zone is None else _zone(zone))


def decode_at(us: int, zone: str | None) -> datetime:
    """Stored UTC microseconds and zone as an aware datetime in that zone."""
    instant = EPOCH + ONE_US * us  # already in UTC; as `from_epoch_us`, without its call
    return instant if zone is None else instant.astimezone(_zone(zone))


def encode_set(values: Iterable[str]) -> str:
    """A set of strings as a sorted JSON array."""
    return json.dumps(sorted(values), ensure_ascii=False)


@functools.lru_cache(maxsize=1024)
def decode_set(text: str) -> frozenset[str]:
    """A stored JSON array as a frozenset (immutable, so equal texts share one)."""
    return frozenset(json.loads(text))


def encode_date(value: date | None) -> str | None:
    """A date as ISO text."""
    return None if value is None else value.isoformat()


def decode_date(text: str | None) -> date | None:
    """Stored ISO text as a date."""
    return None if text is None else date.fromisoformat(text)
