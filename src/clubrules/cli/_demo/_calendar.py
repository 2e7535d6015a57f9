"""Demo chapter: the salon's hours, the Spring Festival closure and a 调休 Sunday."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from clubrules.cli._demo._salon import MAKE_UP_DAY, SPRING_FESTIVAL, at, show

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]


def run(story: Story, salon: Salon) -> None:
    """Compute a reply deadline in business hours across the festival closure."""
    story.chapter("Calendar: a deadline in business hours, across the Spring Festival")
    first, last = min(SPRING_FESTIVAL), max(SPRING_FESTIVAL)
    story.line("Open Monday to Saturday, 10:00-21:00.")
    story.line(
        f"Closed {first:%d %b} to {last:%d %b} for the Spring Festival; "
        f"Sunday {MAKE_UP_DAY:%d %b} is worked to make up for it (调休)."
    )
    registered = at(2, 12, 20)
    due = salon.calendar.add_business_time(registered, timedelta(hours=24))
    story.line(f"A complaint that comes in on {show(registered)} must be answered")
    story.line("within 24 business hours (the club documents say 24 hours; the salon")
    story.line("counts them while it is open).")
    story.line(f"Deadline: {show(due)}, {(due - registered).days} calendar days later.")
    hours = salon.calendar.business_time_between(registered, due) / timedelta(hours=1)
    story.line(f"Open time between them: {hours:.0f} hours.")
