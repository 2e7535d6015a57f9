"""Outcomes: rewards, warnings with deadlines, and the consecutive-failure review rule."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import DuplicateError, NotFoundError, ValidationError
from clubrules.staff import (
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Criterion,
    ManualScore,
    MissingCycle,
    Outcome,
    Rubric,
    ScoreSheet,
    SubItem,
    WarningRecord,
    assess,
    decide_outcome,
    record_assessment,
)
from clubrules.storage.memory import InMemoryAssessmentRepository

SHANGHAI = ZoneInfo("Asia/Shanghai")


def one_item_rubric(**changes: object) -> Rubric:
    """A rubric whose total is the one manual score: outcome tests pick totals directly."""
    rubric = Rubric(
        id="simple",
        criteria=[
            Criterion(
                key="all",
                name="Everything",
                max_points=100,
                sub_items=[SubItem(key="overall", name="Overall", max_points=100)],
            )
        ],
    )
    return attrs.evolve(rubric, **changes)  # type: ignore[arg-type]


def sheet(
    month: int,
    points: int,
    *,
    rubric: Rubric | None = None,
    staff_id: str = "s-1",
    ad_hoc_day: int | None = None,
) -> ScoreSheet:
    rubric = rubric or one_item_rubric()
    year, month = 2026 + (month - 1) // 12, (month - 1) % 12 + 1
    if ad_hoc_day is None:
        period = AssessmentPeriod.monthly(year, month)
        kind, sheet_id = AssessmentKind.PERIODIC, f"{staff_id}-{year}-{month:02d}"
    else:
        start = datetime(year, month, ad_hoc_day, 9, tzinfo=SHANGHAI)
        period = AssessmentPeriod.ad_hoc(start, start + timedelta(hours=8), label="spot check")
        kind, sheet_id = AssessmentKind.AD_HOC, f"{staff_id}-{year}-{month:02d}-d{ad_hoc_day}"
    return assess(
        rubric,
        AssessmentInputs(manual={"overall": ManualScore(points=Decimal(points), by="sup-1")}),
        sheet_id=sheet_id,
        staff_id=staff_id,
        period=period,
        as_of=period.end + timedelta(days=1),
        kind=kind,
    )


def run(rubric: Rubric, sheets: list[ScoreSheet]) -> list[Outcome]:
    """Record `sheets` in order; return each one's outcome."""
    repository = InMemoryAssessmentRepository()
    repository.add_rubric(rubric)
    return [record_assessment(repository, s) for s in sheets]


def test_excellent_brings_a_reward_recommendation() -> None:
    outcome = decide_outcome(sheet(3, 92), one_item_rubric())
    assert outcome.reward is not None
    assert outcome.reward.band == "excellent"
    assert outcome.reward.total == 92
    assert outcome.warning is None
    assert outcome.dismissal_review is None


def test_fail_brings_a_warning_with_a_deadline() -> None:
    failing = sheet(3, 59)
    outcome = decide_outcome(failing, one_item_rubric(improvement_days=14))
    warning = outcome.warning
    assert warning is not None
    assert warning.sheet_id == failing.id
    assert warning.issued_at == failing.assessed_at
    assert warning.improve_by == failing.assessed_at + timedelta(days=14)
    assert warning.band == "fail"
    assert warning.total == 59
    assert outcome.reward is None
    assert outcome.dismissal_review is None  # a first failure never brings a review


def test_the_pass_line_is_half_open() -> None:
    assert decide_outcome(sheet(3, 60), one_item_rubric()).warning is None
    assert decide_outcome(sheet(3, 90), one_item_rubric()).reward is not None
    assert decide_outcome(sheet(3, 89), one_item_rubric()).reward is None


def test_two_consecutive_failed_cycles_flag_a_review_with_evidence() -> None:
    rubric = one_item_rubric()
    march, april = sheet(3, 50, rubric=rubric), sheet(4, 55, rubric=rubric)
    first, second = run(rubric, [march, april])
    review = second.dismissal_review
    assert review is not None
    assert (review.earlier, review.later) == (march, april)
    assert review.warning == first.warning
    assert review.missing_cycles == 0
    # April's sheet is assessed on 2 May, exactly 30 days after the warning: in time.
    assert review.deadline_passed is False
    assert "dismissal review due for s-1: 2026-03 50.00 and 2026-04 55.00 failed" in (
        review.summary()
    )
    # The second failure has its own warning too: a review is a flag, not a decision.
    assert second.warning is not None


def test_a_pass_between_two_failures_ends_the_chain() -> None:
    rubric = one_item_rubric()
    outcomes = run(rubric, [sheet(3, 50), sheet(4, 70), sheet(5, 50)])
    assert [o.dismissal_review for o in outcomes] == [None, None, None]


def test_three_failures_flag_a_review_at_the_second_and_third() -> None:
    rubric = one_item_rubric()
    outcomes = run(rubric, [sheet(3, 50), sheet(4, 50), sheet(5, 50)])
    reviews = [o.dismissal_review for o in outcomes]
    assert reviews[0] is None
    assert reviews[1] is not None
    assert reviews[2] is not None
    assert reviews[2].earlier.period.label == "2026-04"


@pytest.mark.parametrize("policy", list(MissingCycle))
def test_a_new_hire_first_cycle_never_completes_a_chain(policy: MissingCycle) -> None:
    # Hired in July: the months before are missing cycles with nothing before them.
    rubric = one_item_rubric(missing_cycle=policy)
    first, second = run(rubric, [sheet(7, 10, rubric=rubric), sheet(8, 10, rubric=rubric)])
    assert first.dismissal_review is None
    assert second.dismissal_review is not None


@pytest.mark.parametrize(
    ("policy", "review_due"),
    [(MissingCycle.SKIPPED, True), (MissingCycle.BREAKS_CHAIN, False)],
)
def test_a_missing_cycle_counts_as_the_rubric_says(policy: MissingCycle, review_due: bool) -> None:
    rubric = one_item_rubric(missing_cycle=policy)
    # March failed, April on leave (no assessment), May failed.
    march, may = sheet(3, 50, rubric=rubric), sheet(5, 50, rubric=rubric)
    _, outcome = run(rubric, [march, may])
    review = outcome.dismissal_review
    assert (review is not None) is review_due
    if review is not None:
        assert review.missing_cycles == 1
        assert review.earlier == march


def test_ad_hoc_assessments_stay_out_of_the_chain_by_default() -> None:
    rubric = one_item_rubric()
    # An ad hoc pass between two failed cycles does not end the chain ...
    outcomes = run(rubric, [sheet(3, 50), sheet(4, 80, ad_hoc_day=15), sheet(4, 50)])
    assert outcomes[1].in_chain is False
    assert outcomes[2].dismissal_review is not None
    # ... and an ad hoc failure after a failed cycle brings a warning, not a review.
    outcomes = run(rubric, [sheet(3, 50), sheet(4, 40, ad_hoc_day=15)])
    assert outcomes[1].warning is not None
    assert outcomes[1].dismissal_review is None


def test_ad_hoc_assessments_join_the_chain_when_the_rubric_says_so() -> None:
    rubric = one_item_rubric(ad_hoc_in_chain=True)
    outcomes = run(rubric, [sheet(3, 50), sheet(4, 80, ad_hoc_day=15), sheet(4, 50)])
    assert outcomes[2].dismissal_review is None
    outcomes = run(rubric, [sheet(3, 50), sheet(4, 40, ad_hoc_day=15)])
    review = outcomes[1].dismissal_review
    assert review is not None
    assert review.later.kind is AssessmentKind.AD_HOC


def test_a_missing_cycle_before_an_ad_hoc_failure_breaks_the_chain_if_the_rubric_says_so() -> None:
    rubric = one_item_rubric(ad_hoc_in_chain=True, missing_cycle=MissingCycle.BREAKS_CHAIN)
    # March failed; no periodic assessment for April; an ad hoc failure in May.
    outcomes = run(rubric, [sheet(3, 50), sheet(5, 40, ad_hoc_day=10)])
    assert outcomes[1].dismissal_review is None
    # Within the same month it is consecutive.
    outcomes = run(rubric, [sheet(3, 50), sheet(4, 40, ad_hoc_day=10)])
    assert outcomes[1].dismissal_review is not None


@pytest.mark.parametrize(
    ("policy", "review_due"),
    [(MissingCycle.SKIPPED, True), (MissingCycle.BREAKS_CHAIN, False)],
)
def test_a_cycle_missed_after_an_ad_hoc_failure_counts_as_the_rubric_says(
    policy: MissingCycle, review_due: bool
) -> None:
    rubric = one_item_rubric(ad_hoc_in_chain=True, missing_cycle=policy)
    # An ad hoc failure in March, no periodic assessment for March, April failed.
    outcomes = run(rubric, [sheet(3, 40, ad_hoc_day=10), sheet(4, 50)])
    review = outcomes[1].dismissal_review
    assert (review is not None) is review_due
    if review is not None:
        assert review.missing_cycles == 1


def test_other_staff_and_later_sheets_do_not_count() -> None:
    rubric = one_item_rubric()
    history = [sheet(3, 50, staff_id="s-2"), sheet(5, 50)]
    outcome = decide_outcome(sheet(4, 50), rubric, history=history)
    assert outcome.dismissal_review is None


def test_a_review_without_a_recorded_warning_says_so() -> None:
    rubric = one_item_rubric()
    outcome = decide_outcome(sheet(4, 50), rubric, history=[sheet(3, 50)], warnings=[])
    review = outcome.dismissal_review
    assert review is not None
    assert review.warning is None
    assert review.deadline_passed is None
    assert "no warning on record" in review.summary()


def test_the_rubric_must_be_the_one_the_sheet_names() -> None:
    with pytest.raises(ValidationError) as caught:
        decide_outcome(sheet(3, 50), one_item_rubric(version=2))
    assert caught.value.rule == "rubric_mismatch"


def test_recording_needs_the_rubric_and_refuses_a_second_sheet_for_a_cycle() -> None:
    repository = InMemoryAssessmentRepository()
    with pytest.raises(NotFoundError):
        record_assessment(repository, sheet(3, 50))
    repository.add_rubric(one_item_rubric())
    record_assessment(repository, sheet(3, 50))
    assert [w.sheet_id for w in repository.warnings("s-1")] == ["s-1-2026-03"]
    redo = attrs.evolve(sheet(3, 70), id="s-1-2026-03-redo")
    with pytest.raises(DuplicateError):
        record_assessment(repository, redo)
    # Recording the same sheet again is safe and gives the same outcome.
    again = record_assessment(repository, sheet(3, 50))
    assert again.warning is not None
    assert len(repository.warnings()) == 1


def test_a_warning_deadline_must_follow_its_issue() -> None:
    at = datetime(2026, 4, 2, tzinfo=SHANGHAI)
    with pytest.raises(ValidationError) as caught:
        WarningRecord(
            id="w",
            staff_id="s",
            sheet_id="a",
            issued_at=at,
            improve_by=at,
            total=Decimal(50),
            band="fail",
        )
    assert caught.value.rule == "deadline_not_after_issue"


@given(
    st.lists(st.sampled_from([40, 59, 60, 75, 95]), min_size=2, max_size=8),
    st.sampled_from(MissingCycle),
)
def test_two_failures_separated_by_a_pass_never_trigger_a_review(
    scores: list[int], policy: MissingCycle
) -> None:
    rubric = one_item_rubric(missing_cycle=policy)
    sheets = [sheet(i + 1, points, rubric=rubric) for i, points in enumerate(scores)]
    outcomes = run(rubric, sheets)
    for i, outcome in enumerate(outcomes):
        review = outcome.dismissal_review
        # A review is due exactly when this cycle and the one before both failed.
        expected = i > 0 and scores[i] < 60 and scores[i - 1] < 60
        assert (review is not None) is expected


def cycle_sheet(
    rubric: Rubric, first_month: int, *, ad_hoc_day: int | None = None, sheet_id: str = ""
) -> ScoreSheet:
    """A failing sheet of `rubric`'s cycle starting at `first_month` (months from January 2026).

    Ad hoc, it covers eight hours of day `ad_hoc_day` of the cycle's first month.
    """
    year, month = 2026 + first_month // 12, first_month % 12 + 1
    if ad_hoc_day is None:
        period = AssessmentPeriod.monthly(year, month, months=rubric.cycle_months)
        kind = AssessmentKind.PERIODIC
    else:
        start = datetime(year, month, ad_hoc_day, 9, tzinfo=SHANGHAI)
        period = AssessmentPeriod.ad_hoc(
            start, start + timedelta(hours=8), label="spot", cycle_months=rubric.cycle_months
        )
        kind = AssessmentKind.AD_HOC
    return assess(
        rubric,
        AssessmentInputs(manual={"overall": ManualScore(points=Decimal(40), by="sup-1")}),
        sheet_id=sheet_id or f"s-1-{first_month}-{ad_hoc_day}-{rubric.version}",
        staff_id="s-1",
        period=period,
        as_of=period.end + timedelta(days=1),
        kind=kind,
    )


@pytest.mark.parametrize(
    ("quarter", "missing"),
    [(0, 0), (1, 1), (2, 2), (3, 3)],
)
def test_missing_cycles_across_a_rubric_revised_from_monthly_to_quarterly(
    quarter: int, missing: int
) -> None:
    monthly = one_item_rubric(missing_cycle=MissingCycle.SKIPPED)
    quarterly = one_item_rubric(
        version=2, cycle_months=3, missing_cycle=MissingCycle.SKIPPED, ad_hoc_in_chain=True
    )
    # A failed March (the first quarter's last month), then a failed quarter.
    march = cycle_sheet(monthly, 2)
    later = cycle_sheet(quarterly, 3 * quarter + 3)
    review = decide_outcome(later, quarterly, history=[march]).dismissal_review
    assert review is not None
    assert review.missing_cycles == missing
    # A failed January then a failed second quarter: February and March went
    # unassessed, one quarterly cycle (the first, partly), and the chain breaks there.
    january = cycle_sheet(monthly, 0)
    second = cycle_sheet(quarterly, 3)
    review = decide_outcome(second, quarterly, history=[january]).dismissal_review
    assert review is not None
    assert review.missing_cycles == 1
    breaks = attrs.evolve(quarterly, missing_cycle=MissingCycle.BREAKS_CHAIN)
    assert decide_outcome(second, breaks, history=[january]).dismissal_review is None


CYCLE_LENGTHS = st.sampled_from([1, 2, 3, 4, 6, 12])


@given(
    earlier_months=CYCLE_LENGTHS,
    later_months=CYCLE_LENGTHS,
    earlier_cycle=st.integers(0, 8),
    later_cycle=st.integers(0, 30),
    earlier_day=st.none() | st.integers(1, 28),
    later_day=st.none() | st.integers(1, 28),
)
def test_missing_cycles_are_the_later_cycles_touching_the_unassessed_months(
    *,
    earlier_months: int,
    later_months: int,
    earlier_cycle: int,
    later_cycle: int,
    earlier_day: int | None,
    later_day: int | None,
) -> None:
    """Whatever the two cycle lengths, the gap is the months no sheet accounts for."""
    earlier_rubric = one_item_rubric(cycle_months=earlier_months, ad_hoc_in_chain=True)
    rubric = one_item_rubric(
        version=2,
        cycle_months=later_months,
        ad_hoc_in_chain=True,
        missing_cycle=MissingCycle.SKIPPED,
    )
    earlier_first = earlier_cycle * earlier_months
    later_first = later_cycle * later_months
    earlier = cycle_sheet(earlier_rubric, earlier_first, ad_hoc_day=earlier_day, sheet_id="a")
    later = cycle_sheet(rubric, later_first, ad_hoc_day=later_day, sheet_id="b")
    review = decide_outcome(later, rubric, history=[earlier]).dismissal_review
    if earlier.period.end >= later.period.end:
        assert review is None or review.later == later
        return
    assert review is not None
    # The months no sheet accounts for: after the earlier sheet's cycle (a
    # periodic sheet is its cycle; an ad hoc one leaves its cycle open) and
    # before the later sheet's cycle.
    accounted = earlier_first + (earlier_months if earlier_day is None else 0)
    gap = set(range(accounted, later_first))
    touched = {month // later_months for month in gap}
    assert review.missing_cycles == len(touched)
    breaks = attrs.evolve(rubric, missing_cycle=MissingCycle.BREAKS_CHAIN)
    assert (decide_outcome(later, breaks, history=[earlier]).dismissal_review is None) is bool(gap)
