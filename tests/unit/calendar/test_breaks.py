"""Issue 16, items 6 and 7: observing the official break, and the hours of a 调休 day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]
import pytest

from clubrules.calendar import BusinessCalendar, holiday_calendar, holiday_data
from clubrules.errors import ValidationError

SH = ZoneInfo("Asia/Shanghai")
SPLIT = "10:00-14:00, 15:00-22:00"
SALON = {**dict.fromkeys(range(5), SPLIT), 5: "10:00-22:00"}
YEARS = range(2020, 2027)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[arg-type, misc]


def _days() -> list[date]:
    first, last = date(YEARS[0], 1, 1), date(YEARS[-1], 12, 31)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _official_breaks() -> set[date]:
    # chinese-calendar's days off, grouped in runs; a run is a break if it
    # holds a day that chinese-calendar names after a holiday.
    days = [date(YEARS[0] - 1, 12, 1) + timedelta(days=n) for n in range(31 + len(_days()))]
    breaks: set[date] = set()
    run: list[date] = []
    for day in [*days, None]:
        if day is not None and chinese_calendar.is_holiday(day):
            run.append(day)
            continue
        if any(chinese_calendar.get_holiday_detail(d)[1] is not None for d in run):
            breaks.update(run)
        run = []
    return breaks


def test_the_spring_festival_break_closes_its_saturday() -> None:
    statutory = holiday_calendar("Asia/Shanghai", SALON, country="CN", years=[2026])
    observed = holiday_calendar("Asia/Shanghai", SALON, country="CN", years=[2026], observe="break")
    saturday = sh(2026, 2, 21, 12)
    assert statutory.is_open(saturday)
    assert not observed.is_open(saturday)
    start = sh(2026, 2, 13, 17, 30)
    assert statutory.add_business_time(start, timedelta(hours=24)) == sh(2026, 2, 21, 18, 30)
    assert observed.add_business_time(start, timedelta(hours=24)) == sh(2026, 2, 24, 19, 30)
    assert "Chinese New Year" in holiday_data("CN", [2026]).breaks[date(2026, 2, 21)]


def test_breaks_agree_with_chinese_calendar_on_every_day_2020_2026() -> None:
    always = dict.fromkeys(range(7), "10:00-22:00")
    salon = holiday_calendar("Asia/Shanghai", always, country="CN", years=YEARS, observe="break")
    office_hours = dict.fromkeys(range(5), "09:00-18:00")
    offices = [
        holiday_calendar("Asia/Shanghai", office_hours, country="CN", years=YEARS, observe=kind)
        for kind in ("statutory", "break")
    ]
    official = _official_breaks()
    mismatches = []
    for day in _days():
        if salon.is_business_day(day) == (day in official):
            mismatches.append((day, "salon"))
        mismatches.extend(
            (day, "office")
            for office in offices
            if office.is_business_day(day) != chinese_calendar.is_workday(day)
        )
    assert mismatches == []
    # chinese-calendar names every day of a break, except the weekend that the
    # 2024 notice joins to the Dragon Boat Festival ("与周末连休").
    unnamed = {d for d in official if chinese_calendar.get_holiday_detail(d)[1] is None}
    assert unnamed == {date(2024, 6, 8), date(2024, 6, 9)}


def test_breaks_across_a_new_year() -> None:
    # 30 December 2023 to 1 January 2024 is one New Year's Day break.
    data = holiday_data("CN", [2023])
    assert {date(2023, 12, 30), date(2023, 12, 31)} <= set(data.breaks)
    assert all(day.year == 2023 for day in data.breaks)


def test_a_tiaoxiu_saturday_on_saturday_hours() -> None:
    # Saturday 14 February 2026 is worked before the Spring Festival break.
    default = holiday_calendar("Asia/Shanghai", SALON, country="CN", years=[2026])
    own = holiday_calendar(
        "Asia/Shanghai", SALON, country="CN", years=[2026], extra_day_hours="weekday"
    )
    named = holiday_calendar(
        "Asia/Shanghai",
        SALON,
        country="CN",
        years=[2026],
        extra_day_hours={date(2026, 2, 14): "sat"},
    )
    assert [str(r) for r in default.hours_on(date(2026, 2, 14))] == ["10:00-14:00", "15:00-22:00"]
    assert [str(r) for r in own.hours_on(date(2026, 2, 14))] == ["10:00-22:00"]
    assert named.hours_on(date(2026, 2, 14)) == own.hours_on(date(2026, 2, 14))
    # A worked Sunday: the salon's Sunday is closed, so it falls back to workday hours.
    assert own.hours_on(date(2026, 1, 4)) == default.hours_on(date(2026, 1, 4))
    start = sh(2026, 2, 13, 17, 30)
    assert own.add_business_time(start, timedelta(hours=24)) == sh(2026, 2, 21, 17, 30)


def test_bad_choices_name_their_field() -> None:
    with pytest.raises(ValidationError) as info:
        holiday_calendar("Asia/Shanghai", SALON, country="CN", years=[2026], observe="weekly")  # type: ignore[arg-type]
    assert info.value.violations[0].field == "observe"
    for bad in ("saturday", {date(2026, 2, 14): "someday"}, {"2026-02-14": "sat"}):
        with pytest.raises(ValidationError) as info:
            BusinessCalendar(
                "Asia/Shanghai",
                SALON,
                extra_working_days=[date(2026, 2, 14)],
                extra_day_hours=bad,  # type: ignore[arg-type]
            )
        assert info.value.violations[0].field == "extra_day_hours"
