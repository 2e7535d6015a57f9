# ruff: noqa: A005 - the suite is named after the area it times, as `python -m benchmarks calendar` expects
"""Calendar suite: SLA-style deadlines on a Shanghai salon calendar.

The calendar is open 10:00-14:00 and 15:00-22:00 every day and closed on the
Chinese public holidays of 2025 and 2026; clubrules also knows the weekend
days worked in exchange (调休), which the anchor cannot model. Each case
computes deadlines from the same random minute-aligned starts.

Anchor: the `businesstimedelta` package on the same weekly hours and
holidays. It takes about a millisecond per deadline, so it is timed on a
sample of the starts and its time scaled to the full count (the note says
how many it ran).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import businesstimedelta
import holidays
import pytz

from benchmarks._harness import Row, best_of
from clubrules.calendar import BusinessCalendar, holiday_data

SUITE = "calendar"
SH = ZoneInfo("Asia/Shanghai")
DAY_HOURS = 11  # 10:00-14:00 and 15:00-22:00


def _starts(n: int) -> list[datetime]:
    rng = random.Random(20261123)
    first = datetime(2025, 1, 2, tzinfo=SH)
    span = int((datetime(2026, 11, 30, tzinfo=SH) - first).total_seconds() // 60)
    return [first + timedelta(minutes=rng.randrange(span)) for _ in range(n)]


def _calendars() -> tuple[BusinessCalendar, businesstimedelta.Rules]:
    data = holiday_data("CN", [2025, 2026])
    ours = BusinessCalendar(
        "Asia/Shanghai",
        weekly=dict.fromkeys(range(7), "10:00-14:00, 15:00-22:00"),
        holidays=data.holidays,
        extra_working_days=data.extra_working_days,
        holiday_years=data.years,
    )
    tz = pytz.timezone("Asia/Shanghai")
    days = list(range(7))
    # businesstimedelta fails when it finds no holiday within five years ahead,
    # so its list gets one far-off extra date that no deadline reaches.
    closed = [*sorted(holidays.country_holidays("CN", years=[2025, 2026])), date(2030, 1, 1)]
    theirs = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(time(10), time(22), days, tz=tz),
            businesstimedelta.LunchTimeRule(time(14), time(15), days, tz=tz),
            businesstimedelta.HolidayRule(closed, tz=tz),
        ]
    )
    return ours, theirs


def run(quick: bool) -> list[Row]:
    """Time 24-business-hour and 7-business-day deadlines against businesstimedelta."""
    n = 10_000 if quick else 100_000
    sample = 300 if quick else 2_000
    starts = _starts(n)
    ours, theirs = _calendars()
    ours.add_business_days(starts[0], 1)  # load the years once, outside the timing
    day = timedelta(hours=24)
    hours_24 = businesstimedelta.BusinessTimeDelta(theirs, hours=24)
    days_7 = businesstimedelta.BusinessTimeDelta(theirs, hours=7 * DAY_HOURS)
    add_time = ours.add_business_time
    add_days = ours.add_business_days
    business_us = ours.business_us
    instant_at = ours.instant_at_business_us
    starts_us = [int(s.timestamp()) * 1_000_000 for s in starts]
    day_us = 24 * 3_600_000_000

    def run_hours() -> None:
        for start in starts:
            add_time(start, day)

    def run_days() -> None:
        for start in starts:
            add_days(start, 7)

    def run_integer() -> None:
        for start in starts_us:
            instant_at(business_us(start) + day_us)

    def anchor(delta: businesstimedelta.BusinessTimeDelta) -> float:
        some = starts[:sample]

        def go() -> None:
            for start in some:
                start + delta

        return best_of(go, repeat=1) * n / sample

    t_hours = best_of(run_hours)
    t_days = best_of(run_days)
    t_int = best_of(run_integer)
    a_hours = anchor(hours_24)
    a_days = anchor(days_7)

    def note(t: float) -> str:
        return f"{n / t:,.0f}/s; anchor ran {sample:,} starts"

    return [
        Row(SUITE, "24 business hours", n, t_hours, "businesstimedelta", a_hours, note(t_hours)),
        Row(
            SUITE,
            "7 business days",
            n,
            t_days,
            "businesstimedelta (77 h)",
            a_days,
            note(t_days),
        ),
        Row(
            SUITE,
            "24 business hours, integer path",
            n,
            t_int,
            "businesstimedelta",
            a_hours,
            note(t_int),
        ),
    ]
