"""Hypothesis strategies for the tiering values: activity summaries and tier programs."""

# No `from __future__ import annotations` here: `st.composite` builds each
# strategy's signature in hypothesis's own module, where a name in a string
# annotation would not resolve, so the annotations are evaluated at once.

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from clubrules._time import US_PER_SECOND, from_epoch_us, to_epoch_us
from clubrules.money import Money
from clubrules.tiering import (
    ActivitySummary,
    QualificationWindow,
    ReviewSchedule,
    Tier,
    TierMetric,
    TierProgram,
)

__all__ = ["activity_summaries", "tier_programs"]

_AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@st.composite
def _summary(
    draw: st.DrawFn, customer_ids: st.SearchStrategy[str], start: datetime, end: datetime
) -> ActivitySummary:
    cid = draw(customer_ids)
    visits = draw(st.integers(0, 60))
    spend = draw(st.integers(0, 5_000_000)) if visits else draw(st.sampled_from([0, 0, 100]))
    if visits == 0 and not draw(st.booleans()):
        return ActivitySummary(customer_id=cid, start=start, end=end, spend=Money(spend))
    # Instants, never wall times: one zone's datetimes subtract by wall time.
    end_us = to_epoch_us(end)
    span = (end_us - to_epoch_us(start)) // US_PER_SECOND
    # The last visit is in the window when there are visits, else any time before it.
    back = draw(st.integers(1, span if visits else 10 * span))
    last_us = end_us - back * US_PER_SECOND
    first_us = last_us - draw(st.integers(0, 10 * span)) * US_PER_SECOND
    last = from_epoch_us(last_us, end.tzinfo or UTC)
    first = from_epoch_us(first_us, end.tzinfo or UTC)
    return ActivitySummary(
        customer_id=cid,
        start=start,
        end=end,
        visits=visits,
        spend=Money(Decimal(spend) / 100),
        first_visit=first,
        last_visit=last,
    )


def activity_summaries(
    *,
    customer_ids: st.SearchStrategy[str] | None = None,
    start: datetime = _AS_OF - timedelta(days=365),
    end: datetime = _AS_OF,
) -> st.SearchStrategy[ActivitySummary]:
    """Valid [ActivitySummary][clubrules.tiering.ActivitySummary] values over `[start, end)`.

    Spend has two decimal places; customers with visits have a last visit
    inside the window, some without visits have an older one.
    """
    ids = (
        customer_ids if customer_ids is not None else st.from_regex(r"c-[0-9]{1,6}", fullmatch=True)
    )
    return _summary(ids, start, end)


@st.composite
def _program(draw: st.DrawFn, metric: TierMetric, max_tiers: int) -> TierProgram:
    count = draw(st.integers(1, max_tiers))
    steps = draw(st.lists(st.integers(1, 1000), min_size=count - 1, max_size=count - 1))
    tiers: list[Tier] = [Tier("t0", 0)]
    qualify = 0
    previous_retain = 0
    for i, step in enumerate(steps, start=1):
        qualify += step
        retain = draw(st.integers(previous_retain, qualify))
        previous_retain = retain
        tiers.append(Tier(f"t{i}", qualify, retain))
    return TierProgram(
        tiers=tiers,
        metric=metric,
        window=QualificationWindow(trailing_days=365),
        reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=draw(st.sampled_from([1, 3]))),
        zone=UTC,
        one_step_down=draw(st.booleans()),
    )


def tier_programs(
    *, metric: TierMetric = TierMetric.VISITS, max_tiers: int = 5
) -> st.SearchStrategy[TierProgram]:
    """Valid [TierProgram][clubrules.tiering.TierProgram]s with tiers `t0`, `t1`, ...

    Thresholds are ints; each retain is at most its qualify and at least the
    retain below it. Reviews are monthly or quarterly from 1 January 2026 in
    UTC; the one-step-down cap is on or off.
    """
    return _program(metric, max_tiers)
