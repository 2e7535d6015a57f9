"""Demo chapter: the desk clerk's March score sheet, and two failed months in a row.

The March KPIs come from the bookings and complaints the earlier chapters stored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from clubrules.booking import success_rate
from clubrules.cli._demo._complaints import policy_book
from clubrules.cli._demo._salon import DESK, SHANGHAI, at
from clubrules.cli._demo._tiering import MONTH_END
from clubrules.complaints import analyse, case_facts
from clubrules.complaints.ports import load_case
from clubrules.staff import (
    BOOKING_SUCCESS_RATE,
    COMPLAINT_TIMELINESS_RATE,
    SATISFACTION_RATE,
    AssessmentInputs,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ManualScoring,
    ScoreSheet,
    assess,
    record_assessment,
    seed_rubric,
)
from clubrules.words import current_locale, message

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]


def _sheet(
    month: int,
    manual: str,
    kpis: dict[str, Kpi],
    stars: tuple[int, ...],
) -> ScoreSheet:
    period = AssessmentPeriod.monthly(2026, month, "Asia/Shanghai")
    rubric = seed_rubric(locale=current_locale())
    # The supervisor gives the same points to every item the rubric scores by hand.
    by_hand = [item.key for _, item in rubric.all_items() if isinstance(item.method, ManualScoring)]
    inputs = AssessmentInputs(
        manual={key: ManualScore(points=Decimal(manual), by="sup-zhao") for key in by_hand},
        kpis=kpis,
        evaluations=stars,
    )
    return assess(
        rubric,
        inputs,
        sheet_id=f"{DESK}-2026-{month:02d}",
        staff_id=DESK,
        period=period,
        as_of=period.end.replace(hour=10),
    )


def _march_kpis(story: Story, salon: Salon) -> dict[str, Kpi]:
    start, end = at(3, 1, 0), at(4, 1, 0)
    rate = success_rate(
        salon.bookings.find(start=start, end=end),
        start=start,
        end=end,
        taken_by=DESK,
        exclude_timely_cancellations=True,
    )
    book = policy_book(salon)
    cases = [load_case(salon.complaints, case_id, book) for case_id in salon.complaints.case_ids()]
    analysis = analyse(
        [case_facts(case, MONTH_END) for case in cases], start=start, end=end, zone=SHANGHAI
    )
    mine = analysis.by_staff[DESK]
    story.say("demo.staff.bookings", completed=rate.completed, settled=rate.settled)
    story.say(
        "demo.staff.targets", cases=len(cases), achieved=mine.achieved, breached=mine.breached
    )
    return {
        BOOKING_SUCCESS_RATE: Kpi(rate.completed, rate.settled),
        COMPLAINT_TIMELINESS_RATE: Kpi(mine.achieved, mine.achieved + mine.breached),
        # Return-visit survey answers: satisfied / all (kept by the care team).
        SATISFACTION_RATE: Kpi(18, 20),
    }


def run(story: Story, salon: Salon) -> None:
    """Score the desk clerk's March line by line, then two failed months in a row."""
    story.chapter("demo.chapter.staff")
    salon.assessments.add_rubric(seed_rubric(locale=current_locale()))
    story.say("demo.staff.rubric")
    march = _sheet(3, "8", _march_kpis(story, salon), stars=(5, 4, 5))
    for text in march.explain().splitlines():
        story.line(text)
    outcome = record_assessment(salon.assessments, march)
    excellent = seed_rubric().bands["excellent"].lower
    reward = (
        message("demo.staff.reward")
        if outcome.reward
        else message("demo.staff.excellent", excellent=excellent)
    )
    story.say("demo.staff.march", total=march.total, band=march.band, reward=reward)

    story.say("demo.staff.suppose")
    april = _sheet(
        4,
        "5",
        {
            BOOKING_SUCCESS_RATE: Kpi(30, 45),
            COMPLAINT_TIMELINESS_RATE: Kpi(2, 4),
            SATISFACTION_RATE: Kpi(9, 15),
        },
        stars=(3, 2),
    )
    outcome = record_assessment(salon.assessments, april)
    if outcome.warning is not None:
        deadline = outcome.warning.improve_by.date().isoformat()
        story.say("demo.staff.april", total=april.total, band=april.band, deadline=deadline)
    may = _sheet(
        5,
        "5",
        {
            BOOKING_SUCCESS_RATE: Kpi(33, 48),
            COMPLAINT_TIMELINESS_RATE: Kpi(3, 5),
            SATISFACTION_RATE: Kpi(10, 16),
        },
        stars=(3,),
    )
    outcome = record_assessment(salon.assessments, may)
    story.say("demo.staff.may", total=may.total, band=may.band)
    review = outcome.dismissal_review
    if review is not None:
        story.line(review.summary())
        story.say("demo.staff.flags")
        story.say("demo.staff.decides")
