"""Demo chapter: the salon's hours, the Spring Festival closure and a 调休 Sunday."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from clubrules.cli._demo._salon import MAKE_UP_DAY, SPRING_FESTIVAL, at, show, show_day
from clubrules.words import business_time

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]


def run(story: Story, salon: Salon) -> None:
    """Compute a reply deadline in business hours across the festival closure."""
    story.chapter("demo.chapter.calendar")
    first, last = min(SPRING_FESTIVAL), max(SPRING_FESTIVAL)
    story.say("demo.calendar.open")
    story.say(
        "demo.calendar.closed",
        first=show_day(first),
        last=show_day(last),
        make_up=show_day(MAKE_UP_DAY),
    )
    registered = at(2, 12, 20)
    due = salon.calendar.add_business_time(registered, timedelta(hours=24))
    story.say("demo.calendar.complaint", registered=show(registered))
    story.say("demo.calendar.within", hours=business_time(timedelta(hours=24)))
    story.say("demo.calendar.counts")
    story.say("demo.calendar.deadline", due=show(due), days=timedelta(days=(due - registered).days))
    between = salon.calendar.business_time_between(registered, due)
    story.say("demo.calendar.between", hours=business_time(between))
