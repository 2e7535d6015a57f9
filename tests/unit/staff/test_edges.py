"""Staff rules at their edges: a missing line, a deadline met exactly, a scaled neutral item,
and a revision that names its version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from clubrules.errors import InvalidRubricError, NotFoundError
from clubrules.staff import (
    AssessmentInputs,
    AssessmentPeriod,
    Criterion,
    Kpi,
    ManualScore,
    NoEventsRule,
    Rubric,
    SubItem,
    assess,
    decide_outcome,
    seed_rubric,
)

MANUAL = (
    "responsibility",
    "teamwork",
    "service_knowledge",
    "answer_accuracy",
    "booking_handling",
    "complaint_handling",
)


def seed_sheet(**kpis: Kpi):  # type: ignore[no-untyped-def]
    period = AssessmentPeriod.monthly(2026, 3)
    inputs = AssessmentInputs(
        manual={key: ManualScore(points=Decimal(8), by="sup-1") for key in MANUAL},
        kpis={
            "satisfaction_rate": Kpi(40, 45),
            "booking_success_rate": Kpi(47, 50),
            "complaint_timeliness_rate": Kpi(9, 10),
            **kpis,
        },
        evaluations=(5, 4, 5),
    )
    return assess(
        seed_rubric(),
        inputs,
        sheet_id="a-1",
        staff_id="s-1",
        period=period,
        as_of=datetime(2026, 4, 2, 10, tzinfo=UTC),
    )


@pytest.mark.parametrize("item", ["", "nope", "Satisfaction"])
def test_a_missing_line_is_a_typed_not_found_error(item: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        seed_sheet().line(item)
    assert caught.value.kind == "score line"
    assert caught.value.key == item
    assert isinstance(caught.value, LookupError)


def test_a_neutral_item_keeps_its_share_when_the_criterion_grows() -> None:
    sheet = seed_sheet(satisfaction_rate=Kpi.no_events(), booking_success_rate=Kpi.no_events())
    line = sheet.line("satisfaction")
    assert line.no_events is NoEventsRule.NEUTRAL
    # Neutral is 6 of 10, that is 60%: of the 15 points it now carries, 9.00.
    assert (line.points, line.effective_max) == (Decimal("9.00"), Decimal("15.00"))
    assert "neutral 6 of 10" in line.source


def _one_item(improvement_days: int) -> Rubric:
    overall = SubItem(key="overall", name="Overall", max_points=Decimal(100))
    return Rubric(
        id="one",
        improvement_days=improvement_days,
        criteria=[Criterion(key="all", name="All", max_points=Decimal(100), sub_items=[overall])],
    )


def _failing(rubric: Rubric, month: int, assessed: datetime | None = None):  # type: ignore[no-untyped-def]
    period = AssessmentPeriod.monthly(2026, month)
    return assess(
        rubric,
        AssessmentInputs(manual={"overall": ManualScore(points=Decimal(40), by="sup")}),
        sheet_id=f"m-{month}",
        staff_id="s-1",
        period=period,
        as_of=assessed or period.end + timedelta(days=1),
    )


@pytest.mark.parametrize(("late", "passed"), [(-1, False), (0, False), (1, True)])
def test_a_second_sheet_assessed_exactly_at_the_deadline_is_in_time(
    late: int, passed: bool
) -> None:
    rubric = _one_item(30)
    march = _failing(rubric, 3)
    warning = decide_outcome(march, rubric).warning
    assert warning is not None
    april = _failing(rubric, 4, warning.improve_by + timedelta(microseconds=late))
    review = decide_outcome(april, rubric, history=[march], warnings=[warning]).dismissal_review
    assert review is not None
    assert review.deadline_passed is passed


def test_a_rubric_revision_may_name_its_version() -> None:
    assert seed_rubric().revise().version == 2
    assert seed_rubric().revise(version=2).version == 2
    assert seed_rubric().revise(version=5, improvement_days=14).improvement_days == 14
    with pytest.raises(InvalidRubricError) as caught:
        seed_rubric(version=3).revise(version=3)
    assert caught.value.rule == "version_not_after"
    with pytest.raises(InvalidRubricError) as caught:
        seed_rubric().revise(weights=1)
    assert caught.value.rule == "unknown_field"
