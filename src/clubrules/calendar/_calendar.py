"""`BusinessCalendar`: opening hours in a zone, and business-time arithmetic over them."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, Union, get_args
from zoneinfo import ZoneInfo

import attrs

from clubrules._checks import require_int, shown
from clubrules._logs import warn_caller
from clubrules._time import (
    EPOCH,
    ONE_US,
    from_epoch_us,
    require_aware,
    require_order,
    to_epoch_us,
    zone,
)
from clubrules.calendar._hours import (
    WEEKDAY_NAMES,
    TimeRange,
    check_date_key,
    parse_hours,
    parse_weekday,
    spill_overlap,
)
from clubrules.calendar._timeline import (
    MAX_YEAR,
    MIN_YEAR,
    SEARCH_YEARS,
    SPAN_YEARS,
    Snapshot,
    Timeline,
    wall_to_us,
)
from clubrules.errors import (
    InvalidHoursError,
    InvalidIntervalError,
    MissingHolidayDataError,
    MissingHolidayDataWarning,
    NoBusinessTimeError,
    ValidationError,
    ViolationCollector,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.calendar._hours import HoursSpec

__all__ = ["BusinessCalendar", "ExtraDayHours", "Interval", "OnMissingHolidayData"]

OnMissingHolidayData = Literal["raise", "warn", "ignore"]
"""What a calendar does when asked about a year it has no holiday data for."""

ExtraDayHours: TypeAlias = Union[Literal["workday", "weekday"], Mapping[date, Union[int, str]]]  # noqa: UP007
"""Whose hours an extra working day (调休) given as a plain date opens on.

`"workday"` (the default): `workday_hours`, by default the most common hours
of Monday to Friday. `"weekday"`: the hours of the date's own weekday, so a
salon's 调休 Saturday keeps its Saturday hours. A mapping from date to weekday
(`0`-`6` or `"mon"`-`"sun"`): the hours of the weekday that the official
notice says the date stands in for. A weekday that is closed, or a date the
mapping leaves out, falls back to `workday_hours`.
"""

_HOURS_RULES: Final = frozenset({"invalid_hours", "overlapping_hours"})


def _aware(field: str) -> Callable[[object, attrs.Attribute[datetime], datetime], None]:
    def check(_instance: object, _attribute: attrs.Attribute[datetime], value: datetime) -> None:
        require_aware(value, field)

    return check


@attrs.frozen
class Interval:
    """A half-open span of time `[start, end)` between two aware instants.

    ```python
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    from clubrules.calendar import Interval

    tz = ZoneInfo("Asia/Shanghai")
    morning = Interval(datetime(2026, 3, 2, 10, tzinfo=tz), datetime(2026, 3, 2, 14, tzinfo=tz))
    assert morning.duration == timedelta(hours=4)
    assert morning.contains(datetime(2026, 3, 2, 10, tzinfo=tz))
    assert not morning.contains(datetime(2026, 3, 2, 14, tzinfo=tz))  # the end is excluded
    ```

    Everything compares and subtracts instants, never wall times: across an
    autumn clock change `02:30+02:00` to `02:10+01:00` is 40 minutes long,
    and two intervals are equal when their instants are.

    Attributes:
        start: The first instant in the interval.
        end: The first instant after it; `end >= start` as instants.

    Raises:
        NaiveDatetimeError: `start` or `end` is naive.
        InvalidIntervalError: `end` is before `start`.
    """

    start: datetime = attrs.field(validator=_aware("start"), eq=to_epoch_us)
    end: datetime = attrs.field(validator=_aware("end"), eq=to_epoch_us)

    def __attrs_post_init__(self) -> None:
        require_order(self.start, self.end, start_field="start", end_field="end", allow_empty=True)

    @property
    def duration(self) -> timedelta:
        """The length of the interval, as elapsed time (an autumn night's repeated hour counts)."""
        return ONE_US * (to_epoch_us(self.end) - to_epoch_us(self.start))

    def contains(self, at: datetime) -> bool:
        """Whether the aware instant `at` lies in `[start, end)`, compared as instants."""
        at_us = to_epoch_us(require_aware(at, "at"))
        return to_epoch_us(self.start) <= at_us < to_epoch_us(self.end)

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share any instant (touching ends do not overlap)."""
        if not isinstance(other, Interval):
            raise ValidationError(
                f"must be an Interval, got {type(other).__name__}",
                field="other",
                rule="not_an_interval",
            )
        return to_epoch_us(self.start) < to_epoch_us(other.end) and to_epoch_us(
            other.start
        ) < to_epoch_us(self.end)


def _zone_of(value: object) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if isinstance(value, tzinfo):
        raise ValidationError(
            "must be an IANA zone name or a zoneinfo.ZoneInfo, not a fixed offset",
            field="zone",
            rule="unknown_time_zone",
        )
    return zone(value)


def _check_delta(value: object, field: str) -> int:
    if not isinstance(value, timedelta):
        raise ValidationError(
            f"must be a datetime.timedelta, got {type(value).__name__}",
            field=field,
            rule="not_a_timedelta",
        )
    return value // ONE_US


def _check_int(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(
            f"must be an int, got {type(value).__name__}", field=field, rule="not_an_int"
        )
    return value


# Instants in local years MIN_YEAR-MAX_YEAR in every zone (no offset reaches a day);
# those nearer the ends are checked in the calendar's zone.
_MIN_US: Final = to_epoch_us(datetime(MIN_YEAR, 1, 3, tzinfo=UTC))
_MAX_US: Final = to_epoch_us(datetime(MAX_YEAR, 12, 30, tzinfo=UTC))
_SPAN_DAYS: Final = 365 * SPAN_YEARS
_SPAN_US: Final = _SPAN_DAYS * 86_400 * 1_000_000


def _within(value: int, limit: int, field: str, limit_text: str) -> int:
    """`value`, if its size is at most `limit` (described as `limit_text`)."""
    if abs(value) > limit:
        raise _beyond_horizon(field, f"must be at most {limit_text}")
    return value


def _beyond_horizon(field: str, why: str) -> ValidationError:
    return ValidationError(
        f"{why}: beyond the calendar's horizon (local years {MIN_YEAR}-{MAX_YEAR}, "
        f"spans of at most {SPAN_YEARS} years)",
        field=field,
        rule="beyond_horizon",
    )


def _in_horizon(us: int, tz: ZoneInfo) -> bool:
    """Whether the instant `us` falls in local years 2-9997 in `tz`."""
    if _MIN_US <= us <= _MAX_US:  # in those years in every zone
        return True
    try:
        year = (EPOCH + ONE_US * us).astimezone(tz).year
    except OverflowError:  # before year 1 or after 9999 in UTC or in the zone
        return False
    return MIN_YEAR <= year <= MAX_YEAR


def _check_us(value: object, field: str, tz: ZoneInfo) -> int:
    us = _check_int(value, field)
    if not _in_horizon(us, tz):
        raise _beyond_horizon(field, "is outside the years a calendar answers about")
    return us


def _instant(value: object, field: str, tz: ZoneInfo) -> int:
    us = to_epoch_us(require_aware(value, field))
    if not _in_horizon(us, tz):
        raise _beyond_horizon(field, "is outside the years a calendar answers about")
    return us


def _reaches(base_us: int, delta: int, *, last: bool, later: bool) -> Callable[[Snapshot], bool]:
    def holds(s: Snapshot) -> bool:
        if not s.cum1:
            return False
        reading = s.business_us(base_us) + delta
        if later:
            return reading < s.cum1[-1] if last else reading <= s.cum1[-1]
        return s.cum0[0] <= reading if last else s.cum0[0] < reading

    return holds


def _answers_at(us: int) -> Callable[[Snapshot], bool]:
    return lambda s: us < s.hi_safe


def _starts_after(us: int) -> Callable[[Snapshot], bool]:
    return lambda s: bool(s.starts) and s.starts[-1] > us


def _starts_before_year(year: int) -> Callable[[Snapshot], bool]:
    return lambda s: s.year_lo < year


def _more_days_than(n: int) -> Callable[[Snapshot], bool]:
    return lambda s: len(s.day_first) > n


class BusinessCalendar:
    """When a club is open, and arithmetic in open time.

    A calendar has an IANA zone, weekly opening hours (several ranges a day,
    and ranges that run past midnight), holidays, extra working days (China's
    调休: a weekend day made a working day) and date-specific overrides. For
    any date, the first of these that names the date decides its hours:

    1. an override;
    2. an extra working day;
    3. a holiday (closed all day);
    4. the weekly hours of its weekday.

    Intervals are half-open. Local wall times that do not exist (the
    spring-forward gap) mean the instant the gap ends; ambiguous ones (the
    fall-back repeat) mean their first occurrence.

    Every query works on a precomputed per-year table of open intervals in
    integer microseconds with running totals, so its cost does not grow with
    the span it covers: "7 business days" costs the same as "1 business hour".
    Tables are built only for the years a question needs.

    The work of every call is bounded by a horizon: instants in local years
    2-9997; spans (between two instants, or a step of business time or
    business days) of at most 100 years; searches that give up after 10
    years without an opening, or without a closing on a calendar open 24/7,
    with [NoBusinessTimeError][clubrules.errors.NoBusinessTimeError].
    Arguments beyond it are refused up front with a
    [ValidationError][clubrules.errors.ValidationError] (rule
    `beyond_horizon`) that names the field.

    ```python
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo
    from clubrules.calendar import BusinessCalendar

    salon = BusinessCalendar(
        "Asia/Shanghai",
        weekly={day: "10:00-14:00, 15:00-22:00" for day in range(7)},
        holidays={date(2026, 10, 1): "National Day"},
    )
    tz = ZoneInfo("Asia/Shanghai")
    # A complaint at 18:00 the evening before the holiday: 24 business hours later.
    due = salon.add_business_time(datetime(2026, 9, 30, 18, tzinfo=tz), timedelta(hours=24))
    assert due == datetime(2026, 10, 3, 20, tzinfo=tz)
    ```

    Args:
        zone: An IANA zone name such as `"Asia/Shanghai"`, or a `ZoneInfo`.
        weekly: Opening hours by weekday: keys `0`-`6` (Monday is `0`) or
            `"mon"`-`"sun"`; values like `"10:00-14:00, 15:00-22:00"`, a
            [TimeRange][clubrules.calendar.TimeRange], or a sequence of them.
            `"18:00-02:00"` runs past midnight. A missing weekday is closed;
            a weekday named twice (`"mon"` and `0`) is refused.
        holidays: Dates closed all day: a mapping from date to name, or an
            iterable of dates.
        extra_working_days: Dates open although their weekday or a holiday
            says closed: a mapping from date to hours, or an iterable of
            dates, which then open on the hours `extra_day_hours` chooses.
        overrides: Hours for particular dates (`""` or `None` closes the
            date); they win over everything else.
        workday_hours: The hours of an extra working day given without its
            own; by default the most common hours of Monday to Friday.
        holiday_years: The years for which `holidays` and
            `extra_working_days` are complete. By default, the years they
            mention. An empty set turns the check off.
        on_missing_holiday_data: What a query about any other year does:
            `"raise"` [MissingHolidayDataError][clubrules.errors.MissingHolidayDataError],
            `"warn"` [MissingHolidayDataWarning][clubrules.errors.MissingHolidayDataWarning]
            once per year and go on, or `"ignore"`.
        extra_day_hours: The hours of extra working days given as plain
            dates: `"workday"` (the default) opens them on `workday_hours`;
            `"weekday"` on the hours of their own weekday (a 调休 Saturday on
            Saturday hours); a mapping from date to weekday on the hours of
            the weekday each date stands in for. A closed weekday falls back
            to `workday_hours`.

    Raises:
        UnknownTimeZoneError: `zone` is not an IANA zone.
        InvalidHoursError: hours that cannot be read, or that overlap, including
            an overnight range that runs into the next day's first range.
        ValidationError: other bad arguments, such as a weekday named twice
            in `weekly` (rule `duplicate_weekday`); every problem is
            reported at once.
    """

    __slots__ = (
        "_clock",
        "_extra",
        "_holiday_years",
        "_holidays",
        "_on_missing",
        "_overrides",
        "_timeline",
        "_tz",
        "_warned",
        "_weekly",
    )

    def __init__(
        self,
        zone: str | ZoneInfo,
        weekly: Mapping[int, HoursSpec] | Mapping[str, HoursSpec],
        *,
        holidays: Mapping[date, str] | Iterable[date] = (),
        extra_working_days: Mapping[date, HoursSpec] | Iterable[date] = (),
        overrides: Mapping[date, HoursSpec] | None = None,
        workday_hours: HoursSpec = None,
        holiday_years: Iterable[int] | None = None,
        on_missing_holiday_data: OnMissingHolidayData = "raise",
        extra_day_hours: ExtraDayHours = "workday",
    ) -> None:
        self._tz = _zone_of(zone)
        problems = ViolationCollector()
        self._weekly = self._parse_weekly(weekly, problems)
        self._holidays = self._parse_holidays(holidays, problems)
        stands_for = self._parse_stands_for(extra_day_hours, problems)
        self._extra = self._parse_extra(extra_working_days, workday_hours, stands_for, problems)
        self._overrides: dict[date, tuple[TimeRange, ...]] = {}
        given: object = overrides
        if given is not None:
            if not isinstance(given, Mapping):
                problems.add("overrides", "not_a_mapping", "must map dates to hours")
            else:
                for key, spec in given.items():
                    day = check_date_key(key, field="overrides", problems=problems)
                    if day is not None:
                        self._overrides[day] = parse_hours(
                            spec, field=f"overrides[{day.isoformat()}]", problems=problems
                        )
        if on_missing_holiday_data not in get_args(OnMissingHolidayData):
            problems.add(
                "on_missing_holiday_data",
                "unknown_choice",
                f"must be one of 'raise', 'warn', 'ignore', got {shown(on_missing_holiday_data)}",
            )
        if holiday_years is None:
            self._holiday_years = frozenset(d.year for d in (*self._holidays, *self._extra))
        else:
            given_years: object = holiday_years
            years: list[object] = []
            if isinstance(given_years, Iterable):
                years = list(given_years)
            else:
                problems.add("holiday_years", "not_a_list", "must be a list of years")
            bad = [y for y in years if not isinstance(y, int) or isinstance(y, bool)]
            if bad:
                problems.add("holiday_years", "not_an_int", "must be whole years like 2026")
            self._holiday_years = frozenset(y for y in years if isinstance(y, int) and y not in bad)
        if problems:
            rules = {v.rule for v in problems.violations}
            problems.raise_if_any(InvalidHoursError if rules <= _HOURS_RULES else ValidationError)
        self._on_missing: OnMissingHolidayData = on_missing_holiday_data
        self._check_dated_spills()
        self._start()

    def _start(self) -> None:
        """Empty tables and warnings, as a new calendar (or a pickled one loaded) has."""
        self._warned: set[int] = set()
        self._timeline = Timeline(
            self._tz, self._hours_checked, self._hours_if_known, self._max_spill_seconds()
        )
        # The snapshot the integer clock last used, and its reading at the clock's zero.
        self._clock: tuple[Snapshot | None, int] = (None, 0)

    # -- pickle and copy ----------------------------------------------------

    # What a calendar is given, in order: its pickle, and what equality compares.
    _GIVEN = (
        "_tz",
        "_weekly",
        "_holidays",
        "_extra",
        "_overrides",
        "_holiday_years",
        "_on_missing",
    )

    def __getstate__(self) -> tuple[Any, ...]:
        """The hours and dates the calendar was given; its tables are rebuilt when needed.

        So a calendar pickles (for a worker process or a cache) and copies
        without its lock or the tables built so far.
        """
        return tuple(getattr(self, name) for name in self._GIVEN)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        """Restore what `__getstate__` gave, with empty tables."""
        for name, value in zip(self._GIVEN, state, strict=True):
            setattr(self, name, value)
        self._start()

    def __eq__(self, other: object) -> bool:
        """Calendars are equal when they were given the same zone, hours and dates.

        So a calendar equals its pickled or copied self, and values that hold
        a calendar (an SLA target, a case) equal theirs.
        """
        if other is self:
            return True
        if type(other) is not BusinessCalendar:
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash((self._tz, self._weekly))

    # -- construction -------------------------------------------------------

    @staticmethod
    def _parse_weekly(
        weekly: object, problems: ViolationCollector
    ) -> tuple[tuple[TimeRange, ...], ...]:
        days: list[tuple[TimeRange, ...]] = [() for _ in range(7)]
        if not isinstance(weekly, Mapping):
            problems.add("weekly", "not_a_mapping", "must map weekdays to opening hours")
            return tuple(days)
        named: set[int] = set()
        for key, spec in weekly.items():
            weekday = parse_weekday(key, problems=problems)
            if weekday in named:
                # `"mon"` and `0` (or `"Mon"`): which hours win would follow the mapping's order.
                problems.add(
                    "weekly",
                    "duplicate_weekday",
                    f"names {WEEKDAY_NAMES[weekday]} twice",
                    items=(WEEKDAY_NAMES[weekday],),
                )
            elif weekday is not None:
                named.add(weekday)
                days[weekday] = parse_hours(
                    spec, field=f"weekly[{WEEKDAY_NAMES[weekday]}]", problems=problems
                )
        for weekday in range(7):
            after = (weekday + 1) % 7
            if spill_overlap(days[weekday], days[after]):
                problems.add(
                    f"weekly[{WEEKDAY_NAMES[weekday]}]",
                    "overlapping_hours",
                    f"{days[weekday][-1]} runs past midnight into "
                    f"{WEEKDAY_NAMES[after]} {days[after][0]}",
                    items=(str(days[weekday][-1]), str(days[after][0])),
                )
        return tuple(days)

    @staticmethod
    def _parse_holidays(holidays: object, problems: ViolationCollector) -> dict[date, str]:
        parsed: dict[date, str] = {}
        if isinstance(holidays, Mapping):
            for key, name in holidays.items():
                day = check_date_key(key, field="holidays", problems=problems)
                if day is not None:
                    parsed[day] = str(name) if name else "holiday"
        elif isinstance(holidays, Iterable) and not isinstance(holidays, str | bytes):
            for key in holidays:
                day = check_date_key(key, field="holidays", problems=problems)
                if day is not None:
                    parsed[day] = "holiday"
        else:
            problems.add("holidays", "not_dates", "must be dates, or a mapping from date to name")
        return parsed

    @staticmethod
    def _parse_stands_for(
        choice: object, problems: ViolationCollector
    ) -> Literal["workday", "weekday"] | dict[date, int]:
        if choice == "weekday":
            return "weekday"
        if choice == "workday":
            return "workday"
        if not isinstance(choice, Mapping):
            problems.add(
                "extra_day_hours",
                "unknown_choice",
                "must be 'workday', 'weekday', or a mapping from date to the weekday "
                f"whose hours apply, got {shown(choice)}",
            )
            return "workday"
        days: dict[date, int] = {}
        for key, weekday in choice.items():
            day = check_date_key(key, field="extra_day_hours", problems=problems)
            number = parse_weekday(weekday, problems=problems, field="extra_day_hours")
            if day is not None and number is not None:
                days[day] = number
        return days

    def _parse_extra(
        self,
        extra: object,
        workday_hours: HoursSpec,
        stands_for: Literal["workday", "weekday"] | dict[date, int],
        problems: ViolationCollector,
    ) -> dict[date, tuple[TimeRange, ...]]:
        parsed: dict[date, tuple[TimeRange, ...]] = {}
        default: tuple[TimeRange, ...] | None = None
        if workday_hours is not None:
            default = parse_hours(workday_hours, field="workday_hours", problems=problems)
        else:
            common = Counter(h for h in self._weekly[:5] if h).most_common(1)
            default = common[0][0] if common else None
        if isinstance(extra, Mapping):
            for key, spec in extra.items():
                day = check_date_key(key, field="extra_working_days", problems=problems)
                if day is not None:
                    parsed[day] = parse_hours(
                        spec, field=f"extra_working_days[{day.isoformat()}]", problems=problems
                    )
        elif isinstance(extra, Iterable) and not isinstance(extra, str | bytes):
            for key in extra:
                day = check_date_key(key, field="extra_working_days", problems=problems)
                if day is None:
                    continue
                weekday = (
                    day.weekday()
                    if stands_for == "weekday"
                    else stands_for.get(day)
                    if isinstance(stands_for, dict)
                    else None
                )
                if weekday is not None and self._weekly[weekday]:
                    parsed[day] = self._weekly[weekday]
                    continue
                if not default:
                    problems.add(
                        "workday_hours",
                        "missing_hours",
                        "extra working days given as plain dates need workday_hours, "
                        "since Monday to Friday are all closed",
                    )
                    break
                parsed[day] = default
        else:
            problems.add(
                "extra_working_days", "not_dates", "must be dates, or a mapping from date to hours"
            )
        return parsed

    def _check_dated_spills(self) -> None:
        problems = ViolationCollector()
        for day in sorted({*self._overrides, *self._extra, *self._holidays}):
            for first in (day - timedelta(days=1), day):
                second = first + timedelta(days=1)
                if spill_overlap(self._raw_hours(first), self._raw_hours(second)):
                    problems.add(
                        f"hours[{first.isoformat()}]",
                        "overlapping_hours",
                        f"the hours of {first.isoformat()} run past midnight into "
                        f"those of {second.isoformat()}",
                    )
        problems.raise_if_any(InvalidHoursError)

    # -- hours of a date ----------------------------------------------------

    def _raw_hours(self, day: date) -> tuple[TimeRange, ...]:
        hours = self._overrides.get(day)
        if hours is not None:
            return hours
        hours = self._extra.get(day)
        if hours is not None:
            return hours
        if day in self._holidays:
            return ()
        return self._weekly[day.weekday()]

    def _check_year(self, year: int) -> None:
        if not self._holiday_years or year in self._holiday_years:
            return
        if self._on_missing == "raise":
            raise MissingHolidayDataError(year, self._holiday_years)
        if self._on_missing == "warn" and year not in self._warned:
            self._warned.add(year)
            span = f"{min(self._holiday_years)}-{max(self._holiday_years)}"
            warn_caller(
                f"no holiday data for {year} (the calendar has {span}); "
                "treating it as a year without holidays",
                MissingHolidayDataWarning,
            )

    def _hours_if_known(self, day: date) -> tuple[TimeRange, ...] | None:
        # The hours of `day` if a question may use them without a holiday-data complaint.
        known = not self._holiday_years or day.year in self._holiday_years
        if not known and self._on_missing != "ignore":
            return None
        return self._raw_hours(day)

    def _max_spill_seconds(self) -> float:
        # The most that any day's hours run past its midnight.
        sets = (*self._weekly, *self._overrides.values(), *self._extra.values())
        return max((r.end_seconds - 86_400 for hours in sets for r in hours), default=0.0)

    def _hours_checked(self, day: date) -> tuple[TimeRange, ...]:
        self._check_year(day.year)
        return self._raw_hours(day)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's IANA zone; every datetime it returns is in this zone."""
        return self._tz

    @property
    def holidays(self) -> Mapping[date, str]:
        """The holidays, by date, with their names (a read-only copy)."""
        return dict(sorted(self._holidays.items()))

    @property
    def extra_working_days(self) -> Mapping[date, tuple[TimeRange, ...]]:
        """The extra working days, by date, with their hours (a read-only copy)."""
        return dict(sorted(self._extra.items()))

    @property
    def holiday_years(self) -> frozenset[int]:
        """The years for which the calendar has complete holiday data."""
        return self._holiday_years

    def hours_on(self, day: date) -> tuple[TimeRange, ...]:
        """The local opening hours of `day`, after overrides, extra working days and holidays.

        Raises:
            MissingHolidayDataError: the calendar lacks holiday data for the year
                and is configured to raise.
        """
        given: object = day
        if not isinstance(given, date) or isinstance(given, datetime):
            raise ValidationError(
                f"must be a datetime.date, got {type(day).__name__}", field="day", rule="not_a_date"
            )
        self._check_year(day.year)
        return self._raw_hours(day)

    def is_business_day(self, day: date) -> bool:
        """Whether `day` has any open time.

        A date whose only hours fall in a spring-forward gap (02:00-03:00 on
        the night the clocks skip that hour) has none, so it is not a
        business day, as `add_business_days` agrees.
        """
        hours = self.hours_on(day)
        if not hours or not MIN_YEAR <= day.year <= MAX_YEAR:  # no instants to check there
            return bool(hours)
        return bool(self._timeline.day_intervals(day, hours))

    # -- integer core ---------------------------------------------------------

    def _snap(self, at_us: int) -> Snapshot:
        snap = self._timeline.snapshot
        if snap is not None and snap.lo_safe <= at_us < snap.hi_safe:
            return snap
        return self._timeline.cover(at_us, at_us)

    def _limits(self, at_us: int, years: int = SPAN_YEARS) -> tuple[int, int]:
        year = self._timeline.year_of(at_us)
        return year - years, year + years

    def _origin(self, hint_us: int | None, *, fix: bool = True) -> int:
        """The business clock's zero; unless fixed yet, the one `hint_us` would fix.

        With `fix=False` the zero is only proposed: the caller fixes it once
        the first reading has succeeded, so that a refused first reading (a
        year without holiday data) leaves the calendar as it was.
        """
        origin = self._timeline.origin_us
        if origin is None:
            if hint_us is None:
                hint_us = to_epoch_us(datetime.now(UTC))
            year = self._timeline.year_of(hint_us)
            # The business clock reads 0 at the first instant of the first year asked about.
            start = wall_to_us(datetime(year, 1, 1), self._tz)  # noqa: DTZ001 - a wall time
            origin = self._timeline.set_origin(start) if fix else start
        return origin

    def business_us(self, at_us: int) -> int:
        """The business clock at an instant given in epoch microseconds.

        The business clock counts open microseconds: it stands still while the
        club is closed. Its zero is arbitrary but fixed for the calendar (the
        first instant of the first year it is read in), so the difference of
        two readings is the open time between them.

        Raises:
            ValidationError: `at_us` is outside the calendar's horizon: local
                years 2-9997, and within 100 years of the clock's zero.
        """
        snap, zero = self._clock
        if (  # the hot path
            snap is not None
            and snap is self._timeline.snapshot
            and type(at_us) is int
            and snap.lo_safe <= at_us < snap.hi_safe
        ):
            # `snap.business_us(at_us) - zero` written out: a complaint fold reads once an event.
            starts = snap.starts
            i = bisect_right(starts, at_us) - 1
            if i < 0:
                return -zero
            end = snap.ends[i]  # a comparison, not `min`: cheaper than a call
            return snap.cum0[i] + (end if end < at_us else at_us) - starts[i] - zero  # noqa: FURB136
        _check_us(at_us, "at_us", self._tz)
        origin = self._origin(at_us, fix=False)
        snap = self._timeline.snapshot
        if snap is None or not (
            snap.lo_safe <= at_us < snap.hi_safe and snap.lo_safe <= origin < snap.hi_safe
        ):
            self._check_span(origin, at_us, "at_us")
            snap = self._timeline.cover(min(origin, at_us), max(origin, at_us))
        if self._timeline.origin_us is None:
            origin = self._timeline.set_origin(origin)
            if not snap.lo_safe <= origin < snap.hi_safe:  # another thread fixed another zero
                snap = self._timeline.cover(min(origin, at_us), max(origin, at_us))
        zero = snap.business_us(origin)
        self._clock = (snap, zero)
        return snap.business_us(at_us) - zero

    def _business_table(self) -> tuple[int, int, list[int], list[int], list[int], int] | None:
        """The last reading's snapshot as `(lo_safe, hi_safe, starts, ends, cum0, zero)`.

        For `complaints.Clock`, which reads `business_us` about once an event
        of a replay: a snapshot never changes and answers exactly inside its
        safe range, and the zero is fixed once read, so a reader may keep the
        table and read instants inside that range from it, as `business_us`
        would. None before the first reading.
        """
        snap, zero = self._clock
        if snap is None:
            return None
        return (snap.lo_safe, snap.hi_safe, snap.starts, snap.ends, snap.cum0, zero)

    def instant_at_business_us(self, reading: int) -> int:
        """The first instant (epoch microseconds) at which the business clock shows `reading`.

        A reading reached exactly at a closing is answered with the closing
        instant, not the next opening. On a calendar whose clock has not been
        read yet, the zero is fixed at the start of the current year.

        Raises:
            ValidationError: `reading` is not an int, or is more than 100
                years of microseconds.
            NoBusinessTimeError: the reading falls outside the calendar's horizon.
        """
        snap, zero = self._clock
        if snap is not None and snap is self._timeline.snapshot and type(reading) is int:
            wanted = reading + zero
            cum1 = snap.cum1
            if cum1 and snap.cum0[0] < wanted <= cum1[-1]:
                i = bisect_left(cum1, wanted)
                return snap.starts[i] + wanted - snap.cum0[i]
        reading = _check_int(reading, "reading")
        if abs(reading) > _SPAN_US:
            raise _beyond_horizon("reading", f"at most {SPAN_YEARS} years of microseconds")
        return self._locate(self._origin(None), reading, last=False)

    def _locate(self, base_us: int, delta: int, *, last: bool) -> int:
        # The first (or, with `last`, the last) instant at which the business
        # clock shows `delta` more than at `base_us`.
        snap = self._snap(base_us)
        while True:
            reading = snap.business_us(base_us) + delta
            cum0, cum1 = snap.cum0, snap.cum1
            if cum1:
                if last and cum0[0] <= reading < cum1[-1]:
                    i = bisect_right(cum0, reading) - 1
                    return snap.starts[i] + reading - cum0[i]
                if not last and cum0[0] < reading <= cum1[-1]:
                    i = bisect_left(cum1, reading)
                    return snap.starts[i] + reading - cum0[i]
                later = reading >= cum1[-1] if last else reading > cum1[-1]
            else:
                later = delta > 0
            back, forward = self._limits(base_us)
            if later:
                snap = self._timeline.extend_forward(
                    snap, _reaches(base_us, delta, last=last, later=True), forward
                )
            else:
                snap = self._timeline.extend_backward(
                    snap, _reaches(base_us, delta, last=last, later=False), back
                )

    def _next_opening_us(self, at_us: int) -> int:
        snap = self._snap(at_us)
        i = bisect_right(snap.starts, at_us) - 1
        if i >= 0 and at_us < snap.ends[i]:
            return at_us
        if i + 1 >= len(snap.starts):
            snap = self._timeline.extend_forward(snap, _starts_after(at_us), self._limits(at_us)[1])
            i = bisect_right(snap.starts, at_us) - 1
        return snap.starts[i + 1]

    def _next_closing_us(self, at_us: int) -> int:
        opening = self._next_opening_us(at_us)
        snap = self._snap(opening)
        limit = self._limits(opening, SEARCH_YEARS)[1]
        i = bisect_right(snap.starts, opening) - 1
        end = snap.ends[i]
        while True:  # ranges that touch (a day's 24:00 and the next day's 00:00) are one opening
            if i + 1 >= len(snap.starts):
                if end < snap.hi_safe:  # nothing later in the loaded years can start at `end`
                    return end
                if self._timeline.year_of(end) >= limit:
                    msg = (
                        f"the calendar stays open for the {SEARCH_YEARS} years after "
                        f"{self._out(opening).isoformat()}; no closing within its horizon"
                    )
                    raise NoBusinessTimeError(msg)
                # Whether a range starts at `end` is known once `end`'s year is loaded.
                snap = self._timeline.extend_forward(snap, _answers_at(end), limit)
                if i + 1 >= len(snap.starts):
                    return end
            if snap.starts[i + 1] != end:
                return end
            i += 1
            end = snap.ends[i]

    def open_intervals_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The open intervals within `[start_us, end_us)`, clipped, as epoch-microsecond pairs.

        Ranges that touch (one day's `24:00` and the next day's `00:00`) come
        back as one interval.

        Raises:
            ValidationError: the span is outside the calendar's horizon (local
                years 2-9997, at most 100 years long).
        """
        require_int(start_us, "start_us")
        require_int(end_us, "end_us")
        if end_us <= start_us:
            return []
        _check_us(start_us, "start_us", self._tz)
        _check_us(end_us, "end_us", self._tz)
        self._check_span(start_us, end_us, "end_us")
        snap = self._timeline.cover(start_us, end_us - 1)
        starts, ends = snap.starts, snap.ends
        out: list[tuple[int, int]] = []
        i = bisect_right(ends, start_us)
        while i < len(starts) and starts[i] < end_us:
            lo = max(starts[i], start_us)
            hi = min(ends[i], end_us)
            if out and out[-1][1] == lo:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
            i += 1
        return out

    def _add_us(self, at_us: int, delta_us: int) -> int:
        if delta_us == 0:
            return self._next_opening_us(at_us)
        return self._locate(at_us, delta_us, last=delta_us < 0)

    def _day_position(self, snap: Snapshot, at_us: int) -> tuple[int, int]:
        # (business-day index, business offset into that day) of an instant.
        i = bisect_right(snap.starts, at_us) - 1
        if i < 0:
            return 0, 0
        k = snap.day_of[i]
        if at_us >= snap.ends[i] and snap.day_last[k] == i:
            return k + 1, 0  # closed after the day's last range: the next day's opening
        return k, snap.business_us(at_us) - snap.day_cum0[k]

    def _add_days_us(self, at_us: int, days: int) -> int:
        if days == 0:
            return self._next_opening_us(at_us)
        snap = self._snap(at_us)
        while True:
            k, offset = self._day_position(snap, at_us)
            target = k + days
            if target < 0:
                snap = self._timeline.extend_backward(
                    snap, _starts_before_year(snap.year_lo), self._limits(at_us)[0]
                )
                continue
            if target >= len(snap.day_first):
                snap = self._timeline.extend_forward(
                    snap, _more_days_than(len(snap.day_first)), self._limits(at_us)[1]
                )
                continue
            break
        first = snap.day_first[target]
        if offset <= 0:
            return snap.starts[first]
        reading = snap.day_cum0[target] + min(offset, snap.day_len[target])
        j = bisect_left(snap.cum1, reading, first, snap.day_last[target] + 1)
        return snap.starts[j] + reading - snap.cum0[j]

    def _check_span(self, lo_us: int, hi_us: int, field: str) -> None:
        year_lo, year_hi = self._timeline.year_of(lo_us), self._timeline.year_of(hi_us)
        if abs(year_hi - year_lo) > SPAN_YEARS:
            raise _beyond_horizon(field, f"spans more than {SPAN_YEARS} years")

    # -- public datetime API ------------------------------------------------

    def _out(self, us: int) -> datetime:
        return from_epoch_us(us, self._tz)

    def is_open(self, at: datetime) -> bool:
        """Whether the club is open at the aware instant `at`.

        Raises:
            NaiveDatetimeError: `at` is naive.
            ValidationError: `at` is outside local years 2-9997.
        """
        at_us = _instant(at, "at", self._tz)
        snap = self._snap(at_us)
        i = bisect_right(snap.starts, at_us) - 1
        return i >= 0 and at_us < snap.ends[i]

    def open_intervals(self, start: datetime, end: datetime) -> list[Interval]:
        """The open intervals between two instants, clipped to `[start, end)`.

        Raises:
            NaiveDatetimeError: `start` or `end` is naive.
            InvalidIntervalError: `end` is before `start`.
            ValidationError: the span is outside the calendar's horizon (local
                years 2-9997, at most 100 years long).
        """
        start_us, end_us = self._span(start, end)
        return [
            Interval(self._out(lo), self._out(hi))
            for lo, hi in self.open_intervals_us(start_us, end_us)
        ]

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself if the club is open then, else the next instant it opens.

        Raises:
            NaiveDatetimeError: `at` is naive.
            NoBusinessTimeError: no opening hours within the search horizon
                (10 years without any, or 100 years from `at`).
        """
        return self._out(self._next_opening_us(_instant(at, "at", self._tz)))

    def next_closing(self, at: datetime) -> datetime:
        """The end of the opening that contains `at`, or of the next one if closed.

        Raises:
            NaiveDatetimeError: `at` is naive.
            NoBusinessTimeError: no opening hours within the search horizon, or
                no closing within 10 years (a calendar open 24/7).
        """
        return self._out(self._next_closing_us(_instant(at, "at", self._tz)))

    def add_business_time(self, at: datetime, delta: timedelta) -> datetime:
        """The instant at which `delta` of open time has passed since `at`.

        Closed time does not count: a deadline that would fall in a closed
        period moves on by the closed time, so "24 business hours" from an
        evening before a holiday lands after the holiday. A deadline reached
        exactly at a closing is that closing instant. A zero `delta` gives
        the next opening; a negative one counts back in open time.

        Raises:
            NaiveDatetimeError: `at` is naive.
            ValidationError: `delta` is not a timedelta, or is longer than 100 years.
            NoBusinessTimeError: no opening hours within the search horizon
                (the answer must lie within 100 years of `at`).
        """
        at_us = _instant(at, "at", self._tz)
        delta_us = _within(_check_delta(delta, "delta"), _SPAN_US, "delta", f"{SPAN_YEARS} years")
        return self._out(self._add_us(at_us, delta_us))

    def add_business_days(self, at: datetime, days: int) -> datetime:
        """The same point of the business day, `days` business days later (or earlier).

        A business day is a date with open time. The point of the day is
        the open time already passed that day, so 15:00 on a 10:00-22:00 day
        plus one business day is 15:00 on the next business day. If the
        target day is shorter, the result is its closing. An instant after the
        day's last closing counts as the next business day's opening.

        Zero days means no business day is added: `at` itself if the club is
        open then, else the next opening (as `add_business_time(at,
        timedelta(0))`), so 13:00 in a 12:00-14:00 lunch break gives 14:00 and
        19:00 after an 18:00 closing gives the next day's opening.

        Raises:
            NaiveDatetimeError: `at` is naive.
            ValidationError: `days` is not an int, or is more than 36,500 (100 years).
            NoBusinessTimeError: no opening hours within the search horizon
                (the answer must lie within 100 years of `at`).
        """
        at_us = _instant(at, "at", self._tz)
        days = _within(
            _check_int(days, "days"), _SPAN_DAYS, "days", f"{_SPAN_DAYS} ({SPAN_YEARS} years)"
        )
        return self._out(self._add_days_us(at_us, days))

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The open time in `[start, end)`; negative if `end` is before `start`.

        Raises:
            NaiveDatetimeError: `start` or `end` is naive.
            ValidationError: the span is outside the calendar's horizon (local
                years 2-9997, at most 100 years long).
        """
        start_us = _instant(start, "start", self._tz)
        end_us = _instant(end, "end", self._tz)
        lo, hi = min(start_us, end_us), max(start_us, end_us)
        self._check_span(lo, hi, "end")
        # The clock at `hi` counts only intervals that start before it.
        snap = self._timeline.cover(lo, max(lo, hi - 1))
        return ONE_US * (snap.business_us(end_us) - snap.business_us(start_us))

    @property
    def built_years(self) -> frozenset[int]:
        """The local years whose tables of open intervals have been built so far.

        Tables are built only for the years that questions need, so a question
        about a far-off year never makes the ones in between cost anything.
        """
        return self._timeline.built_years

    def _span(self, start: datetime, end: datetime) -> tuple[int, int]:
        start_us = _instant(start, "start", self._tz)
        end_us = _instant(end, "end", self._tz)
        if end_us < start_us:
            # Compared as instants: wall times sharing a zone compare by their
            # fields, which is wrong across a fall-back hour.
            raise InvalidIntervalError(
                f"must not be before start ({start.isoformat()} -> {end.isoformat()})",
                field="end",
            )
        return start_us, end_us

    def __repr__(self) -> str:
        open_days = ",".join(WEEKDAY_NAMES[d] for d in range(7) if self._weekly[d])
        return (
            f"BusinessCalendar({self._tz.key!r}, open {open_days or 'never'}, "
            f"{len(self._holidays)} holidays, {len(self._extra)} extra working days, "
            f"{len(self._overrides)} overrides)"
        )
