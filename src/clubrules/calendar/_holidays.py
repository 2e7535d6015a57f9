"""Holidays and adjusted working days from the `holidays` package (the `holidays` extra)."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Mapping  # noqa: TC003
from datetime import date  # noqa: TC003
from zoneinfo import ZoneInfo  # noqa: TC003

import attrs

from clubrules.calendar._calendar import BusinessCalendar, OnMissingHolidayData
from clubrules.calendar._hours import HoursSpec  # noqa: TC001
from clubrules.errors import ValidationError

__all__ = ["HolidayData", "holiday_calendar", "holiday_data"]


@attrs.frozen
class HolidayData:
    """Public holidays and adjusted working days of one country for some years.

    Attributes:
        holidays: Closed dates with their names, including the days off that
            an adjustment moves (China's "day off (substituted from ...)").
        extra_working_days: Weekend dates made working days (China's 调休).
        years: The years the data covers.
    """

    holidays: Mapping[date, str]
    extra_working_days: frozenset[date]
    years: frozenset[int]


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
        ValidationError: unknown country or subdivision, or no years.
    """
    try:
        import holidays as holidays_package  # noqa: PLC0415 - optional dependency
    except ImportError as error:
        msg = "holiday data needs the 'holidays' package: pip install 'clubrules[holidays]'"
        raise ImportError(msg) from error
    wanted = sorted(set(years))
    if not wanted:
        raise ValidationError("must name at least one year", field="years", rule="empty")
    try:
        table = holidays_package.country_holidays(
            country, subdiv=subdiv, years=wanted, language=language
        )
    except NotImplementedError:
        raise ValidationError(
            f"the holidays package has no data for country {country!r}"
            + (f" subdivision {subdiv!r}" if subdiv else ""),
            field="country",
            rule="unknown_country",
        ) from None
    year_set = frozenset(wanted)
    workdays = getattr(table, "weekend_workdays", ()) or ()
    return HolidayData(
        holidays={day: str(name) for day, name in sorted(table.items()) if day.year in year_set},
        extra_working_days=frozenset(day for day in workdays if day.year in year_set),
        years=year_set,
    )


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
) -> BusinessCalendar:
    """A [BusinessCalendar][clubrules.calendar.BusinessCalendar] with a country's holidays.

    The calendar knows it has holiday data for exactly `years`, and handles
    questions about other years as `on_missing_holiday_data` says.

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
    data = holiday_data(country, years, subdiv=subdiv)
    return BusinessCalendar(
        zone,
        weekly,
        holidays=data.holidays,
        extra_working_days=data.extra_working_days,
        overrides=overrides,
        workday_hours=workday_hours,
        holiday_years=data.years,
        on_missing_holiday_data=on_missing_holiday_data,
    )
