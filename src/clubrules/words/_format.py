"""Durations, business time, dates and times, worded for a person in English or Chinese."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, timedelta, tzinfo
from functools import cache

from pendulum.locales.locale import Locale

from clubrules._checks import require_flag, require_instance, require_zone
from clubrules._time import canonical_instant, local_time, require_aware, to_epoch_us
from clubrules.errors import ValidationError
from clubrules.words._locale import resolve

_UNITS = ("day", "hour", "minute", "second")
_SEP = {"en": " ", "zh": ""}
_ONE_SECOND = timedelta(seconds=1)


@cache
def _locale(name: str) -> Locale:
    return Locale.load(name)


def _unit(loc: str, unit: str, count: int | str) -> str:
    """`count` `unit`s in pendulum's words: "1 hour", "2 hours", "2小时"."""
    lang = _locale(loc)
    form = lang.plural(count) if isinstance(count, int) else "other"
    pattern = lang.get(f"translations.units.{unit}.{form}") or lang.get(
        f"translations.units.{unit}.other"
    )
    return str(pattern).format(count)


def _require_timedelta(value: object, field: str) -> timedelta:
    return require_instance(value, timedelta, field)


def duration(value: timedelta, *, locale: str | None = None) -> str:
    """A wall-clock duration in words: "2 hours", "30 days", "1 hour 30 minutes"; "2小时".

    Whole days stay days (a policy's 30 days reads "30 days", not weeks);
    parts that are zero are left out, and microseconds are dropped (a
    duration shorter than a second reads "0 seconds"). A negative duration
    reads as its size; use [overdue][clubrules.words.overdue] or
    [time_left][clubrules.words.time_left] to say which way it points.

        >>> from datetime import timedelta
        >>> duration(timedelta(days=11, hours=4))
        '11 days 4 hours'
        >>> duration(timedelta(minutes=90), locale="zh")
        '1小时30分钟'

    Raises:
        ValidationError: `value` is not a timedelta (rule `wrong_type`) or
            the locale is unknown (rule `unknown_locale`).
    """
    loc = resolve(locale)
    # Whole seconds counted exactly: `total_seconds()` is a float, which rounds
    # 0.999999 s up to the next second once the duration passes about 280 years.
    seconds = abs(_require_timedelta(value, "value")) // _ONE_SECOND
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        _unit(loc, unit, count)
        for unit, count in zip(_UNITS, (days, hours, minutes, secs), strict=True)
        if count
    ]
    return _SEP[loc].join(parts) if parts else _unit(loc, "second", 0)


_US_PER_HOUR = 3_600_000_000


def _hours_text(value: timedelta) -> str:
    """The size of `value` in hours, to two decimals (half to even), trailing zeros dropped.

    Worked out in integer microseconds: a float would turn an exact tie such
    as 10.5 minutes (0.175 hours) into 0.17499... and round it down.
    """
    hundredths, rest = divmod(abs(value) // timedelta(microseconds=1) * 100, _US_PER_HOUR)
    if 2 * rest > _US_PER_HOUR or (2 * rest == _US_PER_HOUR and hundredths % 2):
        hundredths += 1  # half to even
    whole, cents = divmod(hundredths, 100)
    return f"{whole}.{cents:02d}".rstrip("0").rstrip(".")


def business_time(value: timedelta, *, locale: str | None = None) -> str:
    """Time counted in business hours: "24 business hours", "1 business hour"; "24个营业小时".

    Pendulum words wall-clock time only, so this is written here: the hours
    are shown as a number, rounded half to even to two decimals (worked out
    exactly, so 10.5 minutes reads "0.18"), trailing zeros dropped, since a
    business day is not 24 hours. A negative duration reads as its size.

        >>> from datetime import timedelta
        >>> business_time(timedelta(hours=24))
        '24 business hours'
        >>> business_time(timedelta(hours=19, minutes=30), locale="zh")
        '19.5个营业小时'

    Raises:
        ValidationError: `value` is not a timedelta (rule `wrong_type`) or
            the locale is unknown (rule `unknown_locale`).
    """
    loc = resolve(locale)
    text = _hours_text(_require_timedelta(value, "value"))
    if loc == "zh":
        return f"{text}个营业小时"
    return f"{text} business hour" + ("" if text == "1" else "s")


def _amount(value: timedelta, business: bool, loc: str) -> str:
    require_flag(business, "business")
    return business_time(value, locale=loc) if business else duration(value, locale=loc)


def overdue(value: timedelta, *, business: bool = False, locale: str | None = None) -> str:
    """How far past due: "1 hour overdue", "超时1小时" (`business` counts business hours).

        >>> from datetime import timedelta
        >>> overdue(timedelta(hours=1))
        '1 hour overdue'
        >>> overdue(timedelta(hours=15), business=True, locale="zh")
        '超时15个营业小时'

    Raises:
        ValidationError: `value` is not a timedelta (rule `wrong_type`),
            `business` is not True or False (`not_a_bool`), or the locale is
            unknown (`unknown_locale`).
    """
    loc = resolve(locale)
    amount = _amount(value, business, loc)
    return f"超时{amount}" if loc == "zh" else f"{amount} overdue"


def time_left(remaining: timedelta, *, business: bool = False, locale: str | None = None) -> str:
    """Time left before a due time, or how far past it when `remaining` is negative.

    Reads a `TargetStatus.remaining` as a person would say it: "24 business
    hours left", "1 hour overdue"; "剩余24个营业小时", "超时1小时".

        >>> from datetime import timedelta
        >>> time_left(timedelta(hours=24), business=True)
        '24 business hours left'
        >>> time_left(timedelta(hours=-1))
        '1 hour overdue'

    Raises:
        ValidationError: `remaining` is not a timedelta (rule `wrong_type`),
            `business` is not True or False (`not_a_bool`), or the locale is
            unknown (`unknown_locale`).
    """
    loc = resolve(locale)
    if _require_timedelta(remaining, "remaining") < timedelta(0):
        return overdue(-remaining, business=business, locale=loc)
    amount = _amount(remaining, business, loc)
    return f"剩余{amount}" if loc == "zh" else f"{amount} left"


def _in_zone(value: datetime, zone: tzinfo | None, field: str = "value") -> datetime:
    # The wall time of the instant, as it exists: a wall time skipped by a
    # spring-forward change (02:30 on a night that jumps from 02:00 to 03:00)
    # names the instant 03:30, and reads so, as that instant given in UTC does.
    # (`astimezone` to a datetime's own zone would return it unchanged.)
    at = canonical_instant(value, field)
    return at if zone is None else local_time(at, require_zone(zone, "zone"), field)


def _day_text(d: date, loc: str, year: bool) -> str:
    require_flag(year, "year")
    lang = _locale(loc)
    weekday = lang.get("translations.days.abbreviated")[d.weekday()]
    if loc == "zh":
        return f"{f'{d.year}年' if year else ''}{d.month}月{d.day}日（{weekday}）"
    month = lang.get("translations.months.abbreviated")[d.month]
    return f"{weekday} {d.day} {month}" + (f" {d.year}" if year else "")


def day(value: date, *, year: bool = False, locale: str | None = None) -> str:
    """A day with its weekday: "Tue 24 Feb"; "2月24日（周二）".

    Give a `date`, or a datetime already in the club's zone (use
    [when][clubrules.words.when] to convert an instant). An aware wall time
    that the clocks skip names the day of its instant, as `when` reads it
    (Pacific/Apia's skipped 30 December 2011 12:00 is Sat 31 Dec). With
    `year`: "Fri 1 Jan 2027"; "2027年1月1日（周五）".

    Raises:
        ValidationError: `value` is not a date (rule `wrong_type`), `year`
            is not True or False (`not_a_bool`), or the locale is unknown
            (`unknown_locale`).
    """
    loc = resolve(locale)
    d = require_instance(value, date, "value")
    if isinstance(d, datetime):
        if d.utcoffset() is not None:
            # A wall date whose UTC falls outside years 1-9999 is still shown as given.
            with suppress(ValidationError):
                d = canonical_instant(d, "value")
        d = d.date()
    return _day_text(d, loc, year)


def when(
    value: datetime, zone: tzinfo | None = None, *, year: bool = False, locale: str | None = None
) -> str:
    """An instant as a club reads it in `zone`: "Tue 24 Feb 19:30"; "2月24日（周二）19:30".

    `zone` is the club's `tzinfo`; without it the instant is shown in its own
    offset. With `year` the year is shown too ("Fri 1 Jan 2027 00:00"). A
    wall time that the clocks skip (02:30 on a night that jumps from 02:00
    to 03:00) names the instant 03:30, and reads "03:30", as that instant
    given in UTC does.

        >>> from datetime import UTC, datetime
        >>> from zoneinfo import ZoneInfo
        >>> at = datetime(2026, 2, 24, 11, 30, tzinfo=UTC)
        >>> when(at, ZoneInfo("Asia/Shanghai"))
        'Tue 24 Feb 19:30'
        >>> when(at, ZoneInfo("Asia/Shanghai"), locale="zh")
        '2月24日（周二）19:30'

    Raises:
        NaiveDatetimeError: `value` has no time zone.
        ValidationError: `zone` is not a tzinfo (rule `wrong_type`), `year`
            is not True or False (`not_a_bool`), or the locale is unknown
            (`unknown_locale`).
    """
    loc = resolve(locale)
    at = _in_zone(value, zone)
    sep = "" if loc == "zh" else " "
    return f"{_day_text(at.date(), loc, year)}{sep}{at:%H:%M}"


def clock_time(value: datetime, zone: tzinfo | None = None) -> str:
    """The time of day of an instant in `zone`, as "19:30" (the same in both languages).

    Raises:
        NaiveDatetimeError: `value` has no time zone.
        ValidationError: `zone` is not a tzinfo (rule `wrong_type`).
    """
    return f"{_in_zone(value, zone):%H:%M}"


def time_range(start: datetime, end: datetime, zone: tzinfo | None = None) -> str:
    """A window's times of day in `zone`, as "15:10-15:30".

    Raises:
        NaiveDatetimeError: `start` or `end` has no time zone.
        ValidationError: `zone` is not a tzinfo (rule `wrong_type`), or
            `end` is before `start` (rule `out_of_order`).
    """
    # As instants: two wall times of one zone compare by wall fields, fold ignored.
    if to_epoch_us(require_aware(end, "end")) < to_epoch_us(require_aware(start, "start")):
        raise ValidationError("is before start", field="end", rule="out_of_order")
    return f"{_in_zone(start, zone, 'start'):%H:%M}-{_in_zone(end, zone, 'end'):%H:%M}"
