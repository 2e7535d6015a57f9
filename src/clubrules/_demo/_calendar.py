"""Demo chapter: a complaint's 24-business-hour deadline across the National Day holiday."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from clubrules.calendar import BusinessCalendar

if TYPE_CHECKING:
    from clubrules._demo import Story

__all__ = ["run"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(story: Story) -> None:
    """Compute a reply deadline in business hours across a holiday and a worked Saturday."""
    story.chapter("Calendar: a deadline in business hours, across a holiday")
    salon = BusinessCalendar(
        "Asia/Shanghai",
        weekly=dict.fromkeys(range(5), "10:00-14:00, 15:00-22:00"),
        holidays=dict.fromkeys((date(2026, 10, d) for d in range(1, 8)), "National Day"),
        extra_working_days=[date(2026, 10, 10)],
    )
    registered = datetime(2026, 9, 30, 20, tzinfo=SHANGHAI)
    due = salon.add_business_time(registered, timedelta(hours=24))
    story.line("Open Mon-Fri 10:00-14:00 and 15:00-22:00.")
    story.line("Closed 1-7 October for National Day; Saturday 10 October is worked (调休).")
    story.line(f"A complaint registered {registered:%a %d %b %H:%M} must be answered")
    story.line("within 24 business hours.")
    story.line(f"Deadline: {due:%a %d %b %H:%M} ({(due - registered).days} calendar days later).")
    story.line(
        "Open time between them: "
        f"{salon.business_time_between(registered, due) / timedelta(hours=1):.0f} hours."
    )
