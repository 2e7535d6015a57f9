"""Team reports: distributions and bands per period, trends, and the criteria that cost points."""

from __future__ import annotations

import statistics
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from clubrules.staff import (
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ScoreSheet,
    assess,
    seed_rubric,
    team_report,
)

MANUAL = (
    "responsibility",
    "teamwork",
    "service_knowledge",
    "answer_accuracy",
    "booking_handling",
    "complaint_handling",
)


def seed_sheet(
    staff: str, month: int, manual: int, booked: int, *, ad_hoc: bool = False
) -> ScoreSheet:
    period = AssessmentPeriod.monthly(2026, month)
    kind = AssessmentKind.PERIODIC
    if ad_hoc:
        period = AssessmentPeriod.ad_hoc(
            period.start + timedelta(days=3), period.start + timedelta(days=4), label="spot"
        )
        kind = AssessmentKind.AD_HOC
    return assess(
        seed_rubric(),
        AssessmentInputs(
            manual={k: ManualScore(points=Decimal(manual), by="sup") for k in MANUAL},
            kpis={
                "satisfaction_rate": Kpi(9, 10),
                "booking_success_rate": Kpi(booked, 100),
                "complaint_timeliness_rate": Kpi.no_events(),
            },
            evaluations=(5, 5),
        ),
        sheet_id=f"{staff}-{month}{'-adhoc' if ad_hoc else ''}",
        staff_id=staff,
        period=period,
        as_of=period.end,
        kind=kind,
    )


def test_a_team_report_over_two_months() -> None:
    sheets = [
        seed_sheet("amy", 3, 9, 95),
        seed_sheet("bo", 3, 5, 70),
        seed_sheet("cy", 3, 7, 80),
        seed_sheet("amy", 4, 8, 90),
        seed_sheet("bo", 4, 6, 75),
        seed_sheet("bo", 4, 1, 0, ad_hoc=True),  # ad hoc sheets are left out by default
    ]
    report = team_report(sheets)
    march, april = report.periods
    assert (march.label, march.count, april.label, april.count) == ("2026-03", 3, "2026-04", 2)
    totals = sorted(s.total for s in sheets[:3])
    assert (march.lowest, march.median, march.highest) == tuple(totals)
    assert march.mean == (sum(totals, Decimal(0)) / 3).quantize(Decimal("0.01"))
    assert dict(march.bands) == {"excellent": 1, "good": 0, "pass": 1, "fail": 1}
    assert [name for name, _ in march.bands] == ["excellent", "good", "pass", "fail"]
    amy, bo = report.trends[0], report.trends[1]
    assert amy.staff_id == "amy"
    assert [label for label, _ in amy.totals] == ["2026-03", "2026-04"]
    assert amy.change == sheets[3].total - sheets[0].total
    assert report.trends[2].change is None  # cy has one period
    assert bo.change is not None
    assert bo.change > 0
    # Capability (40 manual points) costs the most; the booking KPI tops the items.
    assert report.criteria[0].criterion == "capability"
    assert report.criteria[0].item is None
    worst = report.items[0]
    assert (worst.criterion, worst.item) == ("performance", "booking_success")
    assert worst.sheets == 5
    # No complaints in the period scores full marks (the seed's rule): nothing lost.
    timeliness = [d for d in report.items if d.item == "complaint_timeliness"]
    assert timeliness[0].mean_lost == 0
    all_kinds = team_report(sheets, kind=None)
    assert sum(p.count for p in all_kinds.periods) == 6


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 100)), min_size=1, max_size=9))
def test_period_statistics_agree_with_the_statistics_module(inputs: list[tuple[int, int]]) -> None:
    sheets = [seed_sheet(f"s{i}", 3, m, b) for i, (m, b) in enumerate(inputs)]
    [summary] = team_report(sheets).periods
    totals = [Fraction(s.total) for s in sheets]

    def half_up(value: Fraction) -> Decimal:
        return Decimal((value * 100 + Fraction(1, 2)).__floor__()) / 100

    assert summary.mean == half_up(statistics.mean(totals))
    assert summary.median == half_up(statistics.median(totals))
    assert summary.count == len(sheets) == sum(count for _, count in summary.bands)


def test_an_empty_report() -> None:
    report = team_report([])
    assert (report.periods, report.trends, report.criteria, report.items) == ((), (), (), ())
