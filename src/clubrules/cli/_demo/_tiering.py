"""Demo chapter: the month-end run: RFM segments and tier decisions from SQLite."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from clubrules.cli._customers import default_program
from clubrules.cli._demo._salon import SHANGHAI, at, show_day
from clubrules.tiering import SegmentScheme, TierChange, TierStatus, rfm_scores
from clubrules.words import catalogue, message

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["MONTH_END", "run"]

# The run happens on the morning of 1 April, before opening: March is complete.
MONTH_END = at(4, 1, 8)
# The same program `clubrules customers tier` decides on.
PROGRAM = default_program(SHANGHAI)
# Last quarter's tiers, as the salon's system holds them.
PREVIOUS = {"c-006": "silver", "c-009": "silver"}


def run(story: Story, salon: Salon) -> None:
    """Segment every customer by RFM and decide tiers at the 1 April review."""
    story.chapter("demo.chapter.tiering")
    for tier in PROGRAM.tiers:
        story.say("demo.tiering.tier", name=tier.name, qualify=tier.qualify, keep=tier.keep_at)
    start, end = PROGRAM.window.window(MONTH_END, SHANGHAI)
    summaries = sorted(salon.activity.summaries(start=start, end=end), key=lambda s: s.customer_id)
    story.say("demo.tiering.summaries", count=len(summaries), window=timedelta(days=365))
    scores = {
        s.customer_id: s for s in rfm_scores(summaries, as_of=MONTH_END, segments=SegmentScheme())
    }
    story.say("demo.tiering.header")
    changes = 0
    for summary in summaries:
        score = scores[summary.customer_id]
        status = TierStatus(
            customer_id=summary.customer_id,
            tier=PREVIOUS.get(summary.customer_id, "member"),
            since=at(1, 2, 10).replace(year=2025),
            last_review=date(2026, 1, 1),
        )
        decision = PROGRAM.decide(status, PROGRAM.value_of(summary), as_of=MONTH_END)
        moved = (
            ""
            if decision.change is TierChange.KEEP
            else message(
                "demo.tiering.moved",
                previous=decision.previous,
                reason=message(f"tiering.reason.{decision.reason.value}"),
            )
        )
        changes += decision.change is not TierChange.KEEP
        story.line(
            f"{summary.customer_id:<9} {summary.visits:>6} {summary.spend.amount:>11}  "
            f"{score.code}  {_segment(score.segment):<20} {decision.tier}{moved}"
        )
    story.say("demo.tiering.changes", changes=changes, review=show_day(date(2026, 4, 1)))
    story.say("demo.tiering.between")


def _segment(name: str | None) -> str:
    """A segment's name in the locale in force (a custom name as it is)."""
    if name is None:
        return "-"
    key = f"tiering.segment.{name}"
    return message(key) if key in catalogue() else name
