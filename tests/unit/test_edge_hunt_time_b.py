"""Edge hunt (time, part B): assessment periods rebuilt from stored bounds, churn inputs.

- A monthly or quarterly period rebuilt from its bounds as an ORM or an ISO
  string returns them (UTC, or a fixed offset) is still the cycle once it is
  given its `time_zone`; before, `assess` refused it as "not a cycle".
- `last_warned` that is no mapping of ids to datetimes is refused with a
  typed error by every churn scan, instead of leaking an AttributeError.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.care import (
    ChurnRule,
    SingleVisitRule,
    scan_churn,
    scan_churn_columns,
    scan_single_visits,
)
from clubrules.errors import UnknownTimeZoneError, ValidationError
from clubrules.staff import (
    AssessmentInputs,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ManualScoring,
    assess,
    seed_rubric,
)
from clubrules.tiering import ActivitySummary
from tests._zones import EDGE_ZONE_NAMES

ZONES = EDGE_ZONE_NAMES
MANUAL = tuple(
    item.key
    for criterion in seed_rubric().criteria
    for item in criterion.sub_items
    if isinstance(item.method, ManualScoring)
)


def _inputs() -> AssessmentInputs:
    return AssessmentInputs(
        manual={key: ManualScore(points=Decimal(8), by="sup-1") for key in MANUAL},
        kpis={
            "satisfaction_rate": Kpi(40, 45),
            "booking_success_rate": Kpi(47, 50),
            "complaint_timeliness_rate": Kpi(9, 10),
        },
        evaluations=(5, 4, 5),
    )


def _is_local_first(value: datetime, tz: ZoneInfo) -> bool:
    """Slow oracle: `value` is the first instant of a local month in `tz`."""
    local = value.astimezone(tz)
    before = (value.astimezone(UTC) - timedelta(microseconds=1)).astimezone(tz)
    return local.day == 1 and before.month != local.month


def _rebuilt(period: AssessmentPeriod, how: str, time_zone: str | None) -> AssessmentPeriod:
    if how == "utc":
        start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    else:  # an ISO string read back: a fixed offset
        start = datetime.fromisoformat(period.start.isoformat())
        end = datetime.fromisoformat(period.end.isoformat())
    return AssessmentPeriod(
        start=start,
        end=end,
        label=period.label,
        cycle=period.cycle,
        cycle_months=period.cycle_months,
        time_zone=time_zone,
    )


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.integers(1971, 2037),
    st.sampled_from((1, 3, 12)),
    st.integers(0, 11),
    st.sampled_from(("utc", "iso")),
)
def test_a_cycle_rebuilt_from_stored_bounds_with_its_zone_is_the_cycle(
    name: str, year: int, months: int, index: int, how: str
) -> None:
    month = (index // months) * months + 1
    period = AssessmentPeriod.monthly(year, month, name, months=months)
    assert period.time_zone == name
    tz = ZoneInfo(name)
    assert _is_local_first(period.start, tz)
    assert _is_local_first(period.end, tz)
    again = _rebuilt(period, how, name)
    assert again == period
    assert again.start.tzinfo == tz
    assert again.end.tzinfo == tz
    assert again.is_whole_cycle
    # Moved by an hour, it is no cycle in any zone.
    shifted = AssessmentPeriod(
        start=again.start + timedelta(hours=1),
        end=again.end,
        label=period.label,
        cycle=period.cycle,
        cycle_months=months,
        time_zone=name,
    )
    assert not shifted.is_whole_cycle


@pytest.mark.parametrize("name", ["Europe/London", "America/Santiago", "Asia/Shanghai"])
def test_assess_scores_a_month_rebuilt_from_utc_bounds(name: str) -> None:
    # December to January: the cycle is numbered across the year end.
    december = AssessmentPeriod.monthly(2025, 12, name)
    january = AssessmentPeriod.monthly(2026, 1, name)
    assert december.cycle is not None
    assert january.cycle == december.cycle + 1
    as_of = datetime(2026, 2, 2, 10, tzinfo=UTC)
    for period in (december, january):
        stored = _rebuilt(period, "utc", name)
        sheet = assess(
            seed_rubric(), _inputs(), sheet_id="s", staff_id="a", period=stored, as_of=as_of
        )
        original = assess(
            seed_rubric(), _inputs(), sheet_id="s", staff_id="a", period=period, as_of=as_of
        )
        assert sheet == original
    # Without its zone the UTC bounds are no local midnights: refused, as documented.
    if name != "Europe/London":  # London's winter midnight is a UTC midnight
        bare = _rebuilt(december, "utc", None)
        assert bare.time_zone is None
        with pytest.raises(ValidationError) as caught:
            assess(seed_rubric(), _inputs(), sheet_id="s", staff_id="a", period=bare, as_of=as_of)
        assert caught.value.rule == "not_a_cycle"


def test_a_period_without_a_zone_keeps_its_bounds_and_names_their_zone() -> None:
    at = datetime(2026, 3, 10, tzinfo=ZoneInfo("Europe/London"))
    period = AssessmentPeriod(start=at, end=at + timedelta(days=2), label="spot")
    assert period.time_zone == "Europe/London"
    fixed = AssessmentPeriod(start=at.astimezone(UTC), end=at + timedelta(days=2), label="spot")
    assert fixed.time_zone is None
    assert fixed.start.tzinfo is UTC
    spot = AssessmentPeriod.ad_hoc(
        at.astimezone(UTC), at + timedelta(days=2), label="spot", time_zone="Asia/Shanghai"
    )
    assert spot.time_zone == "Asia/Shanghai"
    assert spot.start == at
    assert spot.start.tzinfo == ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("bad", [3, "", "Nowhere/City", b"UTC"])
def test_an_unknown_time_zone_is_refused(bad: object) -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(UnknownTimeZoneError) as caught:
        AssessmentPeriod(start=at, end=at + timedelta(days=1), label="p", time_zone=bad)  # type: ignore[arg-type]
    assert caught.value.field == "time_zone"


@pytest.mark.parametrize(
    ("start", "end", "name", "field"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 2, tzinfo=UTC), "America/New_York", "start"),
        (
            datetime(9999, 12, 30, tzinfo=UTC),
            datetime(9999, 12, 31, 23, tzinfo=UTC),
            "Asia/Tokyo",
            "end",
        ),
    ],
)
def test_bounds_whose_wall_time_leaves_the_calendar_are_refused(
    start: datetime, end: datetime, name: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        AssessmentPeriod(start=start, end=end, label="p", time_zone=name)
    assert (caught.value.field, caught.value.rule) == (field, "out_of_range")


# --- churn: last_warned ------------------------------------------------------------------

AS_OF = datetime(2026, 1, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
BAD_LAST_WARNED = [[("a", AS_OF)], [1], "a", 3, {"a": "2026-01-01"}, {"a": None}, {1: AS_OF}]


def _firing_baseline(rule: ChurnRule) -> dict[str, ActivitySummary]:
    b_start, r_start, _ = rule.windows(AS_OF)
    summary = ActivitySummary(
        customer_id="a",
        start=b_start,
        end=r_start,
        visits=10,
        first_visit=b_start - timedelta(days=1),
        last_visit=r_start - timedelta(days=1),
    )
    return {"a": summary}


@pytest.mark.parametrize("bad", BAD_LAST_WARNED)
def test_churn_scans_refuse_a_last_warned_that_is_no_mapping_of_datetimes(bad: object) -> None:
    rule = ChurnRule()
    baseline = _firing_baseline(rule)
    with pytest.raises(ValidationError) as caught:
        scan_churn(rule, baseline=baseline, recent={}, as_of=AS_OF, last_warned=bad)  # type: ignore[arg-type]
    assert caught.value.field == "last_warned"
    with pytest.raises(ValidationError) as caught:
        scan_churn_columns(
            rule,
            as_of=AS_OF,
            customer_ids=["a"],
            first_visit_us=[0],
            baseline_visits=[10],
            recent_visits=[0],
            last_warned=bad,  # type: ignore[arg-type]
        )
    assert caught.value.field == "last_warned"
    once = ActivitySummary(
        customer_id="a",
        start=AS_OF - timedelta(days=365),
        end=AS_OF,
        visits=1,
        first_visit=AS_OF - timedelta(days=20),
        last_visit=AS_OF - timedelta(days=20),
    )
    with pytest.raises(ValidationError) as caught:
        scan_single_visits(
            SingleVisitRule(),
            [once],
            as_of=AS_OF,
            zone=ZoneInfo("Asia/Shanghai"),
            last_warned=bad,  # type: ignore[arg-type]
        )
    assert caught.value.field == "last_warned"


def test_churn_scans_still_take_a_mapping_of_last_warnings() -> None:
    rule = ChurnRule()
    baseline = _firing_baseline(rule)
    assert [w.customer_id for w in scan_churn(rule, baseline=baseline, recent={}, as_of=AS_OF)] == [
        "a"
    ]
    recent_warning = {"a": AS_OF - timedelta(days=1)}
    got = scan_churn(rule, baseline=baseline, recent={}, as_of=AS_OF, last_warned=recent_warning)
    assert got == []
