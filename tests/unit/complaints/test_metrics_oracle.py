"""`analyse` against a slow, obvious recount of every figure of every group."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from unittest import mock
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.complaints import (
    SEED_CHANNELS,
    CaseFacts,
    CaseKind,
    CaseState,
    ComplaintAnalysis,
    Figures,
    _metrics,
    analyse,
    percentile,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
ZONES: list[tzinfo] = [UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")]


def _duration(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(microseconds=round(value))


def _plain(
    facts: list[CaseFacts], start: datetime, end: datetime, zone: tzinfo, threshold: int
) -> ComplaintAnalysis:
    """Every figure recounted group by group, with each instant's month read off the calendar."""
    start_us, end_us = to_epoch_us(start), to_epoch_us(end)

    def inside(us: int) -> bool:
        return start_us <= us < end_us

    def month(us: int) -> str:
        local = from_epoch_us(us, zone)
        return f"{local.year:04d}-{local.month:02d}"

    registered = [f for f in facts if inside(f.registered_us)]
    ended = [(f, e, b) for f in facts for e, b in f.outcomes if inside(e)]

    def figures(cases: list[CaseFacts], outcomes: list[bool]) -> Figures:
        first = sorted(f.first_response_us for f in cases if f.first_response_us is not None)
        resolution = sorted(f.resolution_us for f in cases if f.resolution_us is not None)
        achieved, breached = outcomes.count(False), outcomes.count(True)
        return Figures(
            cases=len(cases),
            achieved=achieved,
            breached=breached,
            open_breaches=sum(f.open_breaches for f in cases),
            timeliness_rate=achieved / (achieved + breached) if outcomes else None,
            first_response_median=_duration(percentile(first, 0.5)),
            first_response_p90=_duration(percentile(first, 0.9)),
            resolution_median=_duration(percentile(resolution, 0.5)),
            resolution_p90=_duration(percentile(resolution, 0.9)),
        )

    def by(group_of_case: str, by_end: bool = False) -> dict[str, Figures]:
        def key(f: CaseFacts, at: int) -> str:
            return month(at) if by_end else str(getattr(f, group_of_case))

        labels = {key(f, f.registered_us) for f in registered} | {key(f, e) for f, e, _ in ended}
        return {
            label: figures(
                [f for f in registered if key(f, f.registered_us) == label],
                [b for f, e, b in ended if key(f, e) == label],
            )
            for label in sorted(labels)
        }

    complaints = Counter(f.customer_id for f in registered if f.kind is CaseKind.COMPLAINT)
    return ComplaintAnalysis(
        start=start,
        end=end,
        overall=figures(registered, [b for _, _, b in ended]),
        by_staff=by("assignee"),
        by_channel=by("channel"),
        by_category=by("category"),
        by_month=by("month", by_end=True),
        repeat_complainants=tuple(
            sorted(
                ((c, n) for c, n in complaints.items() if n >= threshold),
                key=lambda item: (-item[1], item[0]),
            )
        ),
    )


def _assert_agrees(facts: list[CaseFacts], end: datetime, zone: tzinfo, threshold: int) -> None:
    got = analyse(facts, start=START, end=end, zone=zone, repeat_threshold=threshold)
    expected = _plain(facts, START, end, zone, threshold)
    assert got == expected
    for groups in (got.by_staff, got.by_channel, got.by_category, got.by_month):
        assert list(groups) == sorted(groups)


_TIMES = (
    st.none()
    | st.integers(0, 200 * HOUR_US)
    | st.integers(0, 5)
    | st.integers(2**53 - 3, 2**53 + 3)  # past the integers that floats hold exactly
)


@st.composite
def _facts(draw: st.DrawFn, span_us: int, staff: list[str]) -> CaseFacts:
    registered = to_epoch_us(START) + draw(st.integers(-40 * DAY_US, span_us + 40 * DAY_US))
    outcomes = draw(
        st.lists(
            st.tuples(
                st.integers(-DAY_US, 60 * DAY_US).map(lambda d: registered + d), st.booleans()
            ),
            max_size=4,
        )
    )
    return CaseFacts(
        case_id="k",
        customer_id=f"c-{draw(st.integers(0, 5))}",
        kind=draw(st.sampled_from(CaseKind)),
        channel=draw(st.sampled_from(SEED_CHANNELS)),
        category=draw(st.sampled_from(["hygiene", "service", "price"])),
        assignee=draw(st.sampled_from(staff)),
        state=CaseState.CLOSED_SATISFIED,
        registered_us=registered,
        first_response_us=draw(_TIMES),
        resolution_us=draw(_TIMES),
        outcomes=tuple(outcomes),
        open_breaches=draw(st.integers(0, 2)),
    )


@st.composite
def _periods(draw: st.DrawFn) -> tuple[datetime, tzinfo, list[CaseFacts]]:
    # A day, a quarter, or 25 years (more than 256 months: no packed codes).
    span = timedelta(days=draw(st.sampled_from([1, 90, 25 * 366])))
    staff = draw(st.sampled_from([["s-1", "s-2", "(unassigned)"], [f"s-{i}" for i in range(80)]]))
    span_us = span // timedelta(microseconds=1)
    facts = draw(st.lists(_facts(span_us, staff), max_size=60))
    return START + span, draw(st.sampled_from(ZONES)), facts


@settings(max_examples=150, deadline=None)
@given(_periods(), st.integers(1, 3), st.sampled_from([4096, 1, 2, 7]))
def test_every_figure_agrees_with_a_plain_recount(
    period: tuple[datetime, tzinfo, list[CaseFacts]], threshold: int, block: int
) -> None:
    end, zone, facts = period
    # Small blocks make the walk over each group's positions cross block edges.
    with mock.patch.object(_metrics, "_BLOCK", block):
        _assert_agrees(facts, end, zone, threshold)


def _many(n: int, staff: int, seed: int) -> list[CaseFacts]:
    rng = random.Random(seed)
    start_us = to_epoch_us(START)
    return [
        CaseFacts(
            f"k-{i}",
            f"c-{rng.randrange(n // 2)}",
            CaseKind.COMPLAINT,
            rng.choice(SEED_CHANNELS),
            rng.choice(["hygiene", "service"]),
            f"s-{rng.randrange(staff)}",
            CaseState.CLOSED_SATISFIED,
            start_us + rng.randrange(100 * DAY_US),
            rng.randrange(48 * HOUR_US) if rng.random() < 0.9 else None,
            rng.randrange(10 * DAY_US),
            ((start_us + rng.randrange(120 * DAY_US), rng.random() < 0.3),),
            rng.randrange(2),
        )
        for i in range(n)
    ]


def test_more_than_64_staff_agree() -> None:
    # Every case registered in the period, some without a first response.
    _assert_agrees(_many(3000, 100, seed=1), START + timedelta(days=101), UTC, 2)


def test_more_than_256_staff_agree() -> None:
    _assert_agrees(_many(3000, 400, seed=2), START + timedelta(days=90), UTC, 2)


def test_large_groups_cross_many_blocks() -> None:
    facts = _many(20_000, 3, seed=3)
    with mock.patch.object(_metrics, "_BLOCK", 64):
        _assert_agrees(facts, START + timedelta(days=90), ZoneInfo("Asia/Shanghai"), 3)


def test_a_generator_of_facts_is_read_once() -> None:
    facts = _many(200, 5, seed=4)
    end = START + timedelta(days=90)
    assert analyse(iter(facts), start=START, end=end) == analyse(facts, start=START, end=end)


def test_no_facts_give_empty_figures() -> None:
    report = analyse([], start=START, end=START + timedelta(days=1))
    assert report.overall == Figures(0, 0, 0, 0, None, None, None, None, None)
    assert report.by_month == {}
    assert report.repeat_complainants == ()
