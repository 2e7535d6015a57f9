"""Demo chapter: the month-end run: RFM segments and tier decisions from SQLite."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from clubrules.cli._customers import default_program
from clubrules.cli._demo._salon import SHANGHAI, at
from clubrules.tiering import SegmentScheme, TierChange, TierStatus, rfm_scores

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
    story.chapter("Tiering: the month-end run, RFM segments and tier decisions")
    for tier in PROGRAM.tiers:
        story.line(f"{tier.name:>7}: reached at {tier.qualify}, kept at review with {tier.keep_at}")
    start, end = PROGRAM.window.window(MONTH_END, SHANGHAI)
    summaries = sorted(salon.activity.summaries(start=start, end=end), key=lambda s: s.customer_id)
    story.line(
        f"{len(summaries)} customers summarised by one SQL aggregate over the last 365 days "
        "(refunds subtracted)."
    )
    scores = {
        s.customer_id: s for s in rfm_scores(summaries, as_of=MONTH_END, segments=SegmentScheme())
    }
    story.line("customer  visits   net spend  RFM  segment              tier")
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
            else f" <- {decision.previous} ({decision.reason.value})"
        )
        changes += decision.change is not TierChange.KEEP
        story.line(
            f"{summary.customer_id:<9} {summary.visits:>6} {summary.spend.amount:>11}  "
            f"{score.code}  {score.segment or '-':<20} {decision.tier}{moved}"
        )
    story.line(f"{changes} tier changes at the {date(2026, 4, 1)} review; upgrades also happen")
    story.line("at once between reviews, downgrades only at a review.")
