"""The seed club's calendar for the complaints tests, with a Spring Festival closure."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from clubrules.calendar import BusinessCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026 Spring Festival (17 Feb): the club closes 16-22 Feb; Saturday 14 Feb is
# an adjusted working day (调休) with weekday hours.
SPRING_FESTIVAL = {date(2026, 2, 16) + timedelta(days=i): "春节" for i in range(7)}
TIAOXIU_SATURDAY = date(2026, 2, 14)
WEEKLY = {
    "mon": "10:00-22:00",
    "tue": "10:00-22:00",
    "wed": "10:00-22:00",
    "thu": "10:00-22:00",
    "fri": "10:00-22:00",
    "sun": "10:00-18:00",
}


def club_calendar() -> BusinessCalendar:
    """10:00-22:00 on weekdays, 10:00-18:00 on Sunday, closed on Saturday.

    The 2026 Spring Festival week (16-22 Feb) is closed, and Saturday 14 Feb
    2026 is an adjusted working day.
    """
    return BusinessCalendar(
        "Asia/Shanghai",
        weekly=WEEKLY,
        holidays=SPRING_FESTIVAL,
        extra_working_days={TIAOXIU_SATURDAY},
        holiday_years=frozenset(),
    )
