"""Churn scans check their windows as instants: summaries hold their bounds canonical."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from clubrules import Money
from clubrules.care import ChurnRule, ChurnWarning, scan_churn
from clubrules.customers import ConsumptionRecord
from clubrules.testing.contracts._instants import fold_instants
from clubrules.tiering import summarize_activity

NY = ZoneInfo("America/New_York")


def _scan(as_of: datetime, rule: ChurnRule) -> list[ChurnWarning]:
    b_start, r_start, end = rule.windows(as_of)
    records = [
        ConsumptionRecord(
            id=f"t-{n}",
            customer_id="c",
            at=b_start + timedelta(days=n),
            service="s",
            amount=Money("10"),
        )
        for n in range(0, rule.baseline_days, 10)
    ]
    baseline = summarize_activity(records, start=b_start, end=r_start, zone=NY)
    recent = summarize_activity(records, start=r_start, end=end, zone=NY, customer_ids=["c"])
    return list(scan_churn(rule, baseline=baseline, recent=recent, as_of=as_of))


def test_a_recent_window_starting_in_a_skipped_wall_time_matches_its_summaries() -> None:
    # 30 days before 7 April 02:30 is 8 March 02:30, which New York skips.
    as_of = datetime(2026, 4, 7, 2, 30, tzinfo=NY)
    (warning,) = _scan(as_of, ChurnRule(recent_days=30, baseline_days=90))
    assert warning.customer_id == "c"


@given(as_of=fold_instants(), recent_days=st.integers(1, 60))
def test_windows_ending_in_the_repeated_hour_match_their_summaries(
    as_of: datetime, recent_days: int
) -> None:
    (warning,) = _scan(as_of, ChurnRule(recent_days=recent_days, baseline_days=90))
    assert warning.customer_id == "c"
