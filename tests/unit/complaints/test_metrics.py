"""Complaint analysis: timeliness, response times and repeat complainants, against an oracle."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.complaints import (
    Case,
    CaseFacts,
    CaseKind,
    CaseState,
    CustomerContacted,
    Figures,
    Resolved,
    analyse,
    apply,
    case_facts,
    default_book,
    percentile,
    register,
)
from clubrules.errors import InvalidIntervalError
from clubrules.testing.strategies import complaint_facts

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _case(
    case_id: str,
    customer: str,
    at: datetime,
    *,
    respond_h: float,
    resolve_h: float | None,
    assignee: str = "s-1",
    channel: str = "phone",
) -> Case:
    case = register(
        default_book(),
        case_id=case_id,
        at=at,
        kind=CaseKind.COMPLAINT,
        channel=channel,
        customer_id=customer,
        contact="x",
        content="y",
        assignee=assignee,
    )
    case = apply(case, CustomerContacted(at=at + respond_h * HOUR, by=assignee, channel="phone"))
    if resolve_h is not None:
        case = apply(case, Resolved(at=at + resolve_h * HOUR, by=assignee, channel="phone"))
    return case


def test_timeliness_reports_open_breaches_apart() -> None:
    t = datetime(2026, 2, 2, 10, tzinfo=TZ)
    cases = [
        _case("k-1", "c-1", t, respond_h=2, resolve_h=30),  # all on time
        _case("k-2", "c-1", t, respond_h=30, resolve_h=None, assignee="s-2"),  # late response
        _case("k-3", "c-2", t, respond_h=1, resolve_h=24 * 8, channel="wechat"),  # late resolution
    ]
    as_of = t + timedelta(days=10)
    report = analyse([case_facts(c, as_of) for c in cases], start=START, end=END, zone=TZ)
    overall = report.overall
    assert overall.cases == 3
    # Met on time: k-1 response, resolution and the progress update ended by its
    # resolution; k-3 response. Late: k-2 response, k-3 resolution and the progress
    # update k-3 left unmet for 8 days.
    assert (overall.achieved, overall.breached) == (4, 3)
    assert overall.timeliness_rate == pytest.approx(4 / 7)
    # Still open and overdue: k-2's resolution and progress update, and k-1's
    # follow-up visit (due 3 days after its resolution).
    assert overall.open_breaches == 3
    assert report.by_staff["s-2"].open_breaches == 2
    assert report.by_staff["s-1"].open_breaches == 1
    assert report.by_channel["wechat"].cases == 1
    assert overall.first_response_median == 2 * HOUR
    assert report.repeat_complainants == (("c-1", 2),)
    assert set(report.by_month) == {"2026-02"}


def test_a_period_must_be_ordered_and_aware() -> None:
    with pytest.raises(InvalidIntervalError):
        analyse([], start=END, end=START)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=50), st.sampled_from([0.5, 0.9]))
def test_percentile_matches_the_inclusive_quantile(values: list[int], fraction: float) -> None:
    ordered = sorted(values)
    expected = (
        statistics.median(ordered)
        if fraction == 0.5
        else (
            statistics.quantiles(ordered, n=10, method="inclusive")[-1]
            if len(ordered) > 1
            else ordered[0]
        )
    )
    got = percentile(ordered, fraction)
    assert got == pytest.approx(expected)


def _oracle(facts: list[CaseFacts], select: object) -> Figures | None:
    """The figures of the facts whose group key equals `select`, computed plainly."""
    start_us, end_us = to_epoch_us(START), to_epoch_us(END)
    mine = [f for f in facts if f.assignee == select]
    registered = [f for f in mine if start_us <= f.registered_us < end_us]
    ended = [b for f in mine for (e, b) in f.outcomes if start_us <= e < end_us]
    if not registered and not ended:
        return None
    first = sorted(f.first_response_us for f in registered if f.first_response_us is not None)
    resolution = sorted(f.resolution_us for f in registered if f.resolution_us is not None)

    def q(values: list[int], fraction: float) -> timedelta | None:
        if not values:
            return None
        if fraction == 0.5:
            return timedelta(microseconds=round(statistics.median(values)))
        if len(values) == 1:
            return timedelta(microseconds=values[0])
        p90 = statistics.quantiles(values, n=10, method="inclusive")[-1]
        return timedelta(microseconds=round(p90))

    achieved = ended.count(False)
    breached = ended.count(True)
    return Figures(
        cases=len(registered),
        achieved=achieved,
        breached=breached,
        open_breaches=sum(f.open_breaches for f in registered),
        timeliness_rate=achieved / (achieved + breached) if ended else None,
        first_response_median=q(first, 0.5),
        first_response_p90=q(first, 0.9),
        resolution_median=q(resolution, 0.5),
        resolution_p90=q(resolution, 0.9),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(complaint_facts(start=START - timedelta(days=20), days=130), max_size=40))
def test_staff_figures_agree_with_a_plain_recount(facts: list[CaseFacts]) -> None:
    report = analyse(facts, start=START, end=END)
    for staff in ("s-1", "s-2", "(unassigned)"):
        expected = _oracle(facts, staff)
        got = report.by_staff.get(staff)
        if expected is None:
            assert got is None
            continue
        assert got is not None
        assert got.cases == expected.cases
        assert (got.achieved, got.breached) == (expected.achieved, expected.breached)
        assert got.open_breaches == expected.open_breaches
        for name in (
            "first_response_median",
            "first_response_p90",
            "resolution_median",
            "resolution_p90",
        ):
            a, b = getattr(got, name), getattr(expected, name)
            assert (a is None) == (b is None)
            if a is not None:
                assert abs(a - b) <= timedelta(microseconds=1)
    total = report.overall
    assert total.cases == sum(f.cases for f in report.by_month.values())
    assert total.achieved == sum(f.achieved for f in report.by_channel.values())
    assert total.breached == sum(f.breached for f in report.by_month.values())
    counts: dict[str, int] = {}
    start_us, end_us = to_epoch_us(START), to_epoch_us(END)
    for f in facts:
        if f.kind is CaseKind.COMPLAINT and start_us <= f.registered_us < end_us:
            counts[f.customer_id] = counts.get(f.customer_id, 0) + 1
    assert dict(report.repeat_complainants) == {c: n for c, n in counts.items() if n >= 2}


@pytest.mark.parametrize("spread", [10**3, 10**12])
def test_large_groups_agree_with_sorting(spread: int) -> None:
    rng = random.Random(spread)
    start_us = to_epoch_us(START)
    facts = [
        CaseFacts(
            f"k-{i}",
            f"c-{i % 50}",
            CaseKind.COMPLAINT,
            rng.choice(["phone", "wechat"]),
            "service",
            rng.choice(["s-1", "s-2"]),
            CaseState.CLOSED_SATISFIED,
            start_us + rng.randrange(80 * 24 * 3600 * 10**6),
            rng.randrange(spread) if rng.random() < 0.9 else None,
            5 * 10**11 + rng.randrange(spread),
            (),
            0,
        )
        for i in range(12_000)
    ]
    report = analyse(facts, start=START, end=END)
    for staff in ("s-1", "s-2"):
        mine = [f for f in facts if f.assignee == staff]
        first = sorted(f.first_response_us for f in mine if f.first_response_us is not None)
        resolution = sorted(f.resolution_us for f in mine if f.resolution_us is not None)
        figures = report.by_staff[staff]
        assert figures.first_response_median == timedelta(
            microseconds=round(percentile(first, 0.5) or 0)
        )
        assert figures.first_response_p90 == timedelta(
            microseconds=round(percentile(first, 0.9) or 0)
        )
        assert figures.resolution_p90 == timedelta(
            microseconds=round(percentile(resolution, 0.9) or 0)
        )
