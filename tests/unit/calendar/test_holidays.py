"""Holiday data from the `holidays` package, with China's adjusted working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clubrules.calendar import holiday_calendar, holiday_data
from clubrules.errors import MissingHolidayDataError, ValidationError

SH = ZoneInfo("Asia/Shanghai")
WEEKDAYS = dict.fromkeys(range(5), "09:00-18:00")


def test_china_2026_holidays_and_adjusted_working_days() -> None:
    data = holiday_data("CN", [2026])
    assert data.years == frozenset({2026})
    assert "National Day" in data.holidays[date(2026, 10, 1)]
    # The Saturdays and Sundays worked to make the long holidays (调休).
    assert {date(2026, 2, 14), date(2026, 9, 20), date(2026, 10, 10)} <= data.extra_working_days
    assert all(day.year == 2026 for day in data.extra_working_days)
    assert all(day.weekday() >= 5 for day in data.extra_working_days)


def test_a_calendar_from_holiday_data() -> None:
    office = holiday_calendar("Asia/Shanghai", WEEKDAYS, country="CN", years=[2025, 2026])
    assert not office.is_business_day(date(2026, 10, 1))  # National Day
    assert office.is_business_day(date(2026, 10, 10))  # Saturday, worked
    assert office.holiday_years == frozenset({2025, 2026})
    # Wednesday 30 September 2026, 17:00, plus 2 business hours: 1 to 7
    # October are off (the weekend included), so the second hour is on the 8th.
    start = datetime(2026, 9, 30, 17, tzinfo=SH)
    assert office.add_business_time(start, timedelta(hours=2)) == datetime(
        2026, 10, 8, 10, tzinfo=SH
    )
    # Saturday 10 October is worked: one business day after Friday the 9th at 12:00.
    friday = datetime(2026, 10, 9, 12, tzinfo=SH)
    assert office.add_business_days(friday, 1) == datetime(2026, 10, 10, 12, tzinfo=SH)
    with pytest.raises(MissingHolidayDataError):
        office.is_open(datetime(2027, 6, 1, 12, tzinfo=SH))


def test_other_countries_and_regions() -> None:
    data = holiday_data("DE", [2026], subdiv="BY")
    assert date(2026, 1, 6) in data.holidays  # Epiphany, in Bavaria
    assert data.extra_working_days == frozenset()


def test_bad_requests_get_typed_errors() -> None:
    with pytest.raises(ValidationError) as info:
        holiday_data("XX", [2026])
    assert info.value.violations[0].field == "country"
    with pytest.raises(ValidationError):
        holiday_data("CN", [])
