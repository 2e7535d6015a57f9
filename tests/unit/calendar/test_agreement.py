"""The calendar agrees with the businesstimedelta package where both model the same calendar.

businesstimedelta cannot model extra working days (调休) or per-date hours,
so the shared calendar is a salon open 10:00-14:00 and 15:00-22:00 every day
in Shanghai, closed on the Chinese public holidays of 2025 and 2026.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import businesstimedelta
import holidays
import pytest
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.calendar import BusinessCalendar

SH = ZoneInfo("Asia/Shanghai")
CN_HOLIDAYS = sorted(holidays.country_holidays("CN", years=[2025, 2026]))

CALENDAR = BusinessCalendar(
    "Asia/Shanghai",
    weekly=dict.fromkeys(range(7), "10:00-14:00, 15:00-22:00"),
    holidays=CN_HOLIDAYS,
    holiday_years=[2025, 2026],
)
_TZ = pytz.timezone("Asia/Shanghai")
RULE = businesstimedelta.Rules(
    [
        businesstimedelta.WorkDayRule(
            start_time=time(10), end_time=time(22), working_days=list(range(7)), tz=_TZ
        ),
        businesstimedelta.LunchTimeRule(
            start_time=time(14), end_time=time(15), working_days=list(range(7)), tz=_TZ
        ),
        # businesstimedelta fails when it finds no holiday within five years
        # ahead, so it gets one far-off extra date that no test reaches.
        businesstimedelta.HolidayRule([*CN_HOLIDAYS, date(2030, 1, 1)], tz=_TZ),
    ]
)

starts = st.datetimes(
    min_value=datetime(2025, 1, 2),  # noqa: DTZ001 - hypothesis draws naive, zone added below
    max_value=datetime(2026, 11, 30),  # noqa: DTZ001
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=SH))


@settings(max_examples=150)
@given(starts, st.integers(1, 24 * 60 * 6))
def test_deadlines_agree(start: datetime, minutes: int) -> None:
    ours = CALENDAR.add_business_time(start, timedelta(minutes=minutes))
    theirs = start + businesstimedelta.BusinessTimeDelta(RULE, seconds=minutes * 60)
    assert ours == theirs


@settings(max_examples=100)
@given(starts, st.integers(0, 60 * 24 * 20))
def test_elapsed_business_time_agrees(start: datetime, minutes: int) -> None:
    end = start + timedelta(minutes=minutes)
    ours = CALENDAR.business_time_between(start, end)
    assert ours == RULE.difference(start, end).timedelta


@pytest.mark.parametrize("day", [date(2025, 10, 1), date(2026, 2, 17)])
def test_holiday_examples_agree(day: date) -> None:
    start = datetime.combine(day - timedelta(days=1), time(20), tzinfo=SH)
    ours = CALENDAR.add_business_time(start, timedelta(hours=24))
    theirs = start + businesstimedelta.BusinessTimeDelta(RULE, hours=24)
    assert ours == theirs
    assert ours.date() > day
