"""Holidays and adjusted working days from the `holidays` package (the `holidays` extra)."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Mapping  # noqa: TC003
from datetime import date, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo  # noqa: TC003

import attrs

from clubrules._checks import require_str, require_years, shown
from clubrules.calendar._calendar import BusinessCalendar, ExtraDayHours, OnMissingHolidayData
from clubrules.calendar._hours import HoursSpec  # noqa: TC001
from clubrules.errors import ValidationError

__all__ = ["HolidayData", "HolidayObservance", "holiday_calendar", "holiday_data"]

HolidayObservance = Literal["statutory", "break"]
"""Which days off a holiday calendar closes on.

`"statutory"`: the days the `holidays` package lists (statutory holidays and
the weekdays off that an adjustment moves). `"break"`: the whole announced
break, such as China's Spring Festival week: every run of consecutive
non-working days that holds a listed holiday, its weekend days included.
"""

_ONE_DAY = timedelta(days=1)


@attrs.frozen
class HolidayData:
    """Public holidays and adjusted working days of one country for some years.

    Attributes:
        holidays: Closed dates with their names, including the days off that
            an adjustment moves (China's "day off (substituted from ...)").
        extra_working_days: Weekend dates made working days (China's 调休).
        years: The years the data covers.
        breaks: Every day of every holiday break, named after the holiday it
            holds: the runs of consecutive non-working days (weekends that
            are not worked, and listed holidays) around each listed holiday.
            China's Spring Festival break of 15-23 February 2026 includes
            Saturday 21 and Sunday 22, which `holidays` does not list.
            A break that crosses a new year is found from the years on
            both sides, so each year's data is the same whichever other
            years are asked with it.
    """

    holidays: Mapping[date, str]
    extra_working_days: frozenset[date]
    years: frozenset[int]
    breaks: Mapping[date, str] = attrs.field(factory=dict)


def holiday_data(
    country: str,
    years: Iterable[int],
    *,
    subdiv: str | None = None,
    language: str | None = None,
) -> HolidayData:
    """Read the holidays and adjusted working days of `country` from the `holidays` package.

    China's official calendar moves working days onto weekends around long
    holidays (调休); those dates come back in `extra_working_days`, for any
    country whose `holidays` class lists them.

    Args:
        country: An ISO 3166-1 alpha-2 code such as `"CN"` or `"DE"`.
        years: The years to read.
        subdiv: A subdivision code, for countries whose holidays differ by region.
        language: The language of holiday names, if the package has it.

    Raises:
        ImportError: the `holidays` package is missing; install `clubrules[holidays]`.
        ValidationError: unknown country or subdivision, or no years, or
            `years` is not a list of whole years 1-9999.
    """
    require_str(country, "country")
    if subdiv is not None:
        require_str(subdiv, "subdiv")
    if language is not None:
        require_str(language, "language")
    try:
        import holidays as holidays_package  # noqa: PLC0415 - optional dependency
    except ImportError as error:
        msg = "holiday data needs the 'holidays' package: pip install 'clubrules[holidays]'"
        raise ImportError(msg) from error
    wanted = require_years(years, "years")
    if not wanted:
        raise ValidationError("must name at least one year", field="years", rule="empty")
    year_set = frozenset(wanted)
    try:
        table = holidays_package.country_holidays(
            country, subdiv=subdiv, years=wanted, language=language
        )
    except NotImplementedError:  # raised below, outside the handler: its text quotes the input
        table = None
    if table is None:
        raise ValidationError(
            f"the holidays package has no data for country {shown(country)}"
            + (f" subdivision {shown(subdiv)}" if subdiv else ""),
            field="country",
            rule="unknown_country",
        )
    # The years beside each asked one too, for breaks that cross a new year: beside
    # every one, so that the data of 2026 is the same asked alone or with 2024.
    around = sorted({y + step for y in wanted for step in (-1, 1)} - year_set)
    wide = holidays_package.country_holidays(
        country, subdiv=subdiv, years=around, language=language
    )
    listed = {day: str(name) for day, name in (*table.items(), *wide.items())}
    workdays = frozenset(getattr(table, "weekend_workdays", ()) or ()) | frozenset(
        getattr(wide, "weekend_workdays", ()) or ()
    )
    weekend = frozenset(getattr(table, "weekend", None) or (5, 6))
    breaks = _breaks(listed, workdays, weekend)
    return HolidayData(
        holidays={day: name for day, name in sorted(listed.items()) if day.year in year_set},
        extra_working_days=frozenset(day for day in workdays if day.year in year_set),
        years=year_set,
        breaks={day: name for day, name in sorted(breaks.items()) if day.year in year_set},
    )


def _breaks(
    listed: Mapping[date, str], workdays: frozenset[date], weekend: frozenset[int]
) -> dict[date, str]:
    # The run of consecutive non-working days around each listed holiday.
    def off(day: date) -> bool:
        return day in listed or (day.weekday() in weekend and day not in workdays)

    breaks: dict[date, str] = {}
    for holiday, name in sorted(listed.items()):
        if holiday in breaks:
            continue
        first = holiday
        while off(first - _ONE_DAY):
            first -= _ONE_DAY
        last = holiday
        while off(last + _ONE_DAY):
            last += _ONE_DAY
        day = first
        while day <= last:
            breaks.setdefault(day, listed.get(day, name))
            day += _ONE_DAY
    return breaks


def holiday_calendar(
    zone: str | ZoneInfo,
    weekly: Mapping[int, HoursSpec] | Mapping[str, HoursSpec],
    *,
    country: str,
    years: Iterable[int],
    subdiv: str | None = None,
    overrides: Mapping[date, HoursSpec] | None = None,
    workday_hours: HoursSpec = None,
    on_missing_holiday_data: OnMissingHolidayData = "raise",
    observe: HolidayObservance = "statutory",
    extra_day_hours: ExtraDayHours = "workday",
) -> BusinessCalendar:
    """A [BusinessCalendar][clubrules.calendar.BusinessCalendar] with a country's holidays.

    The calendar knows it has holiday data for exactly `years`, and handles
    questions about other years as `on_missing_holiday_data` says.

    `observe` chooses the days off: `"statutory"` (the default) closes on the
    listed holidays only; `"break"` on the whole announced break, so a salon
    open on Saturdays is closed on Saturday 21 February 2026, inside the
    Spring Festival break. `extra_day_hours` chooses the hours of the weekend
    days worked in exchange (调休): `"workday"` (the default) the most common
    Monday-Friday hours (or `workday_hours`), `"weekday"` those of the day's
    own weekday, or a mapping from date to the weekday it stands in for.

    ```python
    from datetime import date
    from clubrules.calendar import holiday_calendar

    salon = holiday_calendar(
        "Asia/Shanghai",
        weekly={day: "10:00-22:00" for day in range(5)},
        country="CN",
        years=[2026],
    )
    assert not salon.is_business_day(date(2026, 10, 1))  # National Day
    assert salon.is_business_day(date(2026, 10, 10))  # a Saturday made a working day
    ```

    Raises:
        ImportError: the `holidays` package is missing; install `clubrules[holidays]`.
        ValidationError: unknown country, or bad calendar arguments.
    """
    require_str(country, "country")
    if subdiv is not None:
        require_str(subdiv, "subdiv")
    if observe not in get_args(HolidayObservance):
        raise ValidationError(
            f"must be 'statutory' or 'break', got {shown(observe)}",
            field="observe",
            rule="unknown_choice",
        )
    data = holiday_data(country, years, subdiv=subdiv)
    return BusinessCalendar(
        zone,
        weekly,
        holidays=data.breaks if observe == "break" else data.holidays,
        extra_working_days=data.extra_working_days,
        overrides=overrides,
        workday_hours=workday_hours,
        holiday_years=data.years,
        on_missing_holiday_data=on_missing_holiday_data,
        extra_day_hours=extra_day_hours,
    )
