"""Demo chapter: a month's score sheet, then a warning, then a dismissal review to decide."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from clubrules.staff import (
    BOOKING_SUCCESS_RATE,
    COMPLAINT_TIMELINESS_RATE,
    SATISFACTION_RATE,
    AssessmentInputs,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ScoreSheet,
    assess,
    record_assessment,
    seed_rubric,
)
from clubrules.storage.memory import InMemoryAssessmentRepository

if TYPE_CHECKING:
    from clubrules._demo import Story

__all__ = ["run"]

_MANUAL = (
    "responsibility",
    "teamwork",
    "service_knowledge",
    "answer_accuracy",
    "booking_handling",
    "complaint_handling",
)


def _month(
    month: int,
    manual: str,
    *,
    booked: tuple[int, int],
    on_time: tuple[int, int],
    satisfied: tuple[int, int],
    stars: tuple[int, ...],
) -> ScoreSheet:
    period = AssessmentPeriod.monthly(2026, month, "Asia/Shanghai")
    inputs = AssessmentInputs(
        manual={key: ManualScore(points=Decimal(manual), by="sup-zhao") for key in _MANUAL},
        kpis={
            # The booking chapter's success rate: completed / settled bookings she took.
            BOOKING_SUCCESS_RATE: Kpi(*booked),
            # The complaints chapter's timeliness: cases she closed within their SLA.
            COMPLAINT_TIMELINESS_RATE: Kpi(*on_time),
            # Return-visit surveys: satisfied answers / answers.
            SATISFACTION_RATE: Kpi(*satisfied),
        },
        evaluations=stars,
    )
    return assess(
        seed_rubric(),
        inputs,
        sheet_id=f"cs-07-2026-{month:02d}",
        staff_id="cs-07",
        period=period,
        as_of=period.end.replace(hour=10),
    )


def run(story: Story) -> None:
    """Score one staff member's month line by line, then two failed months in a row."""
    story.chapter("Staff: a score sheet out of 100, and what two failures bring")
    repository = InMemoryAssessmentRepository()
    repository.add_rubric(seed_rubric())
    story.line("The seed rubric: work attitude 30, business capability 40, work performance 30.")

    march = _month(3, "8", booked=(47, 50), on_time=(0, 0), satisfied=(18, 20), stars=(5, 4, 5))
    for text in march.explain().splitlines():
        story.line(text)
    outcome = record_assessment(repository, march)
    excellent = seed_rubric().bands["excellent"].lower
    reward = "a reward is recommended" if outcome.reward else f"excellent starts at {excellent}"
    story.line(f"March: {march.total} -> {march.band}; {reward}.")

    april = _month(4, "5", booked=(30, 45), on_time=(2, 4), satisfied=(9, 15), stars=(3, 2))
    outcome = record_assessment(repository, april)
    if outcome.warning is not None:
        deadline = outcome.warning.improve_by.date().isoformat()
        story.line(
            f"April: {april.total} -> {april.band}. Warning talk recorded; improve by {deadline}."
        )

    may = _month(5, "5", booked=(33, 48), on_time=(3, 5), satisfied=(10, 16), stars=(3,))
    outcome = record_assessment(repository, may)
    story.line(f"May: {may.total} -> {may.band}, the second failed cycle in a row.")
    review = outcome.dismissal_review
    if review is not None:
        story.line(review.summary())
        story.line("The library only flags the review, with both sheets and the warning;")
        story.line("the club's manager reads the evidence and decides.")
