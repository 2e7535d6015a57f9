"""Windows counted back from `as_of` are instants: one instant, one window, in any zone.

`as_of - timedelta(days=n)` keeps the wall clock reading of `as_of`'s own
zone, so across a DST change the same instant given in New York and in UTC
started windows an hour apart (and a scan refused summaries built from the
other form as a `window_mismatch`). The oracle: a window of `n` days starts
exactly `n * 24` hours of epoch time before `as_of`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from clubrules import Money
from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.activities import Activity, activity_figures
from clubrules.care import ChurnRule, scan_churn
from clubrules.customers import ConsumptionRecord
from clubrules.tiering import QualificationWindow, summarize_activity
from tests._zones import EDGE_ZONES

US_PER_DAY = 86_400_000_000
NY = ZoneInfo("America/New_York")
ZONES = tuple(z for z in EDGE_ZONES if z.key != "UTC")
# 2025-2027: every zone above changes its clocks (Shanghai excepted) in these years.
_LOW_US = to_epoch_us(datetime(2025, 1, 1, tzinfo=UTC))
_HIGH_US = to_epoch_us(datetime(2027, 12, 31, tzinfo=UTC))


@st.composite
def instant_in_two_zones(draw: st.DrawFn) -> tuple[datetime, datetime]:
    """One instant, in minutes, shown in two of the zones (often just after a change)."""
    us = draw(st.integers(_LOW_US // 60_000_000, _HIGH_US // 60_000_000)) * 60_000_000
    return from_epoch_us(us, draw(st.sampled_from(ZONES))), from_epoch_us(
        us, draw(st.sampled_from((UTC, *ZONES)))
    )


def test_churn_windows_after_the_autumn_change_start_whole_days_before_as_of() -> None:
    as_of = datetime(2026, 11, 10, 12, tzinfo=NY)  # EST; 30 days before is EDT
    baseline, recent, end = ChurnRule(recent_days=30, baseline_days=90).windows(as_of)
    assert to_epoch_us(as_of) - to_epoch_us(recent) == 30 * US_PER_DAY
    assert to_epoch_us(recent) - to_epoch_us(baseline) == 90 * US_PER_DAY
    assert end == as_of
    assert ChurnRule().windows(as_of.astimezone(UTC))[1] == recent


@given(pair=instant_in_two_zones(), recent=st.integers(1, 60), extra=st.integers(0, 300))
def test_churn_windows_are_whole_days_of_the_instant_in_any_zone(
    pair: tuple[datetime, datetime], recent: int, extra: int
) -> None:
    one, other = pair
    rule = ChurnRule(recent_days=recent, baseline_days=recent + extra)
    first, second = rule.windows(one), rule.windows(other)
    assert [to_epoch_us(x) for x in first] == [to_epoch_us(x) for x in second]
    b_start, r_start, end = first
    assert to_epoch_us(end) - to_epoch_us(r_start) == recent * US_PER_DAY
    assert to_epoch_us(r_start) - to_epoch_us(b_start) == (recent + extra) * US_PER_DAY


@given(pair=instant_in_two_zones(), days=st.integers(1, 400))
def test_a_trailing_qualification_window_is_whole_days_of_the_instant(
    pair: tuple[datetime, datetime], days: int
) -> None:
    one, other = pair
    window = QualificationWindow(trailing_days=days)
    start, end = window.window(one, NY)
    assert to_epoch_us(end) - to_epoch_us(start) == days * US_PER_DAY
    assert to_epoch_us(window.window(other, NY)[0]) == to_epoch_us(start)


def test_a_scan_at_as_of_in_utc_accepts_summaries_of_the_same_instant_in_new_york() -> None:
    rule = ChurnRule(recent_days=30, baseline_days=90)
    local = datetime(2026, 11, 10, 12, tzinfo=NY)
    b_start, r_start, end = rule.windows(local)
    records = [
        ConsumptionRecord(
            id=f"t-{n}",
            customer_id="c",
            at=b_start + timedelta(days=n),
            service="s",
            amount=Money("10"),
        )
        for n in range(0, 90, 10)
    ]
    baseline = summarize_activity(records, start=b_start, end=r_start, zone=NY)
    recent = summarize_activity(records, start=r_start, end=end, zone=NY, customer_ids=["c"])
    # Before, the UTC form of as_of gave windows an hour apart: window_mismatch.
    (warning,) = scan_churn(rule, baseline=baseline, recent=recent, as_of=local.astimezone(UTC))
    assert warning.customer_id == "c"


def _activity(start: datetime) -> Activity:
    return Activity(
        id="a-1",
        name="Open day",
        kind="member",
        start=start,
        # Two hours of elapsed time, whatever zone `start` is written in (a wall
        # time two hours on would be one or three across a clock change).
        end=from_epoch_us(to_epoch_us(start) + 2 * 3_600_000_000, start.tzinfo or UTC),
        capacity=10,
    )


def _complete(start: datetime, days: int, as_of_us: int) -> bool:
    figures = activity_figures(
        _activity(start),
        invitations=(),
        sign_ups=(),
        candidates=(),
        records=(),
        as_of=from_epoch_us(as_of_us, UTC),
        zone=NY,
        windows=(days,),
    )
    (spend,) = figures.spend
    return spend.complete


@given(pair=instant_in_two_zones(), days=st.integers(1, 120))
def test_an_activity_spend_window_ends_whole_days_of_the_instant_after_it(
    pair: tuple[datetime, datetime], days: int
) -> None:
    one, other = pair
    closes_us = to_epoch_us(_activity(one).end) + days * US_PER_DAY
    for start in (one, other):
        assert _complete(start, days, closes_us)
        assert not _complete(start, days, closes_us - 1)
