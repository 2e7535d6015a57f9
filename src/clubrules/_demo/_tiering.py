"""Demo chapter: a member's spend crosses a threshold and is upgraded at once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.money import Money
from clubrules.storage.memory import InMemoryActivityRepository
from clubrules.tiering import (
    QualificationWindow,
    ReviewSchedule,
    Tier,
    TierMetric,
    TierProgram,
    TierStatus,
)

if TYPE_CHECKING:
    from clubrules._demo import Story

__all__ = ["run"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(story: Story) -> None:
    """Tier a member by trailing spend: upgrade now, and what keeps the tier at review."""
    story.chapter("Tiering: upgrade at once, downgrade only at a review")
    program = TierProgram(
        tiers=[
            Tier("member", 0),
            Tier("silver", 3000, 2400),
            Tier("gold", 10000, 8000),
        ],
        metric=TierMetric.SPEND,
        window=QualificationWindow(trailing_days=365),
        reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=3),
        zone=SHANGHAI,
    )
    for tier in program.tiers:
        story.line(f"{tier.name:>7}: reached at {tier.qualify}, kept at review with {tier.keep_at}")
    activity = InMemoryActivityRepository(zone=SHANGHAI)
    start = datetime(2026, 3, 2, 18, tzinfo=SHANGHAI)
    for week in range(6):
        activity.add(
            ConsumptionRecord(
                id=f"t-{week}",
                customer_id="m-042",
                at=start + timedelta(weeks=week),
                service="personal training x4",
                amount=Money("600.00"),
            )
        )
    activity.add(
        ConsumptionRecord(
            id="t-r",
            customer_id="m-042",
            at=start + timedelta(weeks=5, days=1),
            service="personal training x4",
            amount=Money("600.00"),
            kind=ConsumptionKind.REFUND,
        )
    )
    as_of = datetime(2026, 4, 20, 9, tzinfo=SHANGHAI)
    window_start, window_end = program.window.window(as_of, SHANGHAI)
    summary = activity.summary("m-042", start=window_start, end=window_end)
    story.line(
        f"Member m-042: {summary.visits} visits, net spend {summary.spend} over the last year "
        "(the refund is subtracted)"
    )
    status = TierStatus(
        customer_id="m-042",
        tier="member",
        since=datetime(2025, 11, 1, tzinfo=SHANGHAI),
        last_review=date(2026, 4, 1),
    )
    decision = program.decide(status, program.value_of(summary), as_of=as_of)
    story.line(f"Decision: {decision.previous} -> {decision.tier} ({decision.reason.value})")
    story.line(f"Why: {decision.message}")
    story.line(
        f"To keep {decision.tier} at the {decision.next_review} review: "
        f"{decision.to_keep} more; to reach {decision.next_tier}: {decision.to_reach_next} more"
    )
    dip = program.decide(decision.status, 2000, as_of=as_of + timedelta(days=30))
    story.line(
        f"A month later spend dips to 2000: still {dip.tier} ({dip.reason.value}), "
        "no flapping between reviews"
    )
