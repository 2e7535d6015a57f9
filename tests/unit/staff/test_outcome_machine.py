"""The warning and dismissal-review rules over random sequences of assessments.

A state machine records periodic assessments, months on leave and ad hoc
assessments through `record_assessment` and an in-memory repository, and
checks every outcome against an obvious model: walk back through the
timeline to the previous assessment that counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from clubrules.staff import (
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Criterion,
    ManualScore,
    MissingCycle,
    Outcome,
    Rubric,
    SubItem,
    assess,
)
from clubrules.staff import record_assessment as record
from clubrules.storage.memory import InMemoryAssessmentRepository

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCORES = st.sampled_from([35, 59, 60, 72, 89, 90, 100])


def _rubric(policy: MissingCycle, ad_hoc_in_chain: bool) -> Rubric:
    return Rubric(
        id="machine",
        criteria=[
            Criterion(
                key="all",
                name="All",
                max_points=100,
                sub_items=[SubItem(key="overall", name="Overall", max_points=100)],
            )
        ],
        missing_cycle=policy,
        ad_hoc_in_chain=ad_hoc_in_chain,
        improvement_days=20,
    )


@attrs.frozen
class _Event:
    kind: str  # "periodic", "ad_hoc" or "leave"
    failed: bool = False
    sheet_id: str = ""


class _StaffMachine(RuleBasedStateMachine):
    rubric: Rubric

    def __init__(self) -> None:
        super().__init__()
        self.repository = InMemoryAssessmentRepository()
        self.repository.add_rubric(self.rubric)
        self.month = 0  # months since January 2026
        self.ad_hoc_today = 0
        self.timeline: list[_Event] = []
        self.outcomes: list[Outcome] = []

    # --- the model ------------------------------------------------------------

    def _expected_review(self, failed: bool, in_chain: bool) -> str | None:
        """The id of the earlier failing sheet a review must cite, by walking back."""
        if not (failed and in_chain):
            return None
        for event in reversed(self.timeline):
            if event.kind == "leave":
                if self.rubric.missing_cycle is MissingCycle.BREAKS_CHAIN:
                    return None
                continue
            if event.kind == "ad_hoc" and not self.rubric.ad_hoc_in_chain:
                continue
            return event.sheet_id if event.failed else None
        return None

    def _check(self, kind: AssessmentKind, points: int, period: AssessmentPeriod) -> None:
        sheet_id = f"a{len(self.outcomes)}"
        sheet = assess(
            self.rubric,
            AssessmentInputs(manual={"overall": ManualScore(points=Decimal(points), by="sup")}),
            sheet_id=sheet_id,
            staff_id="s-1",
            period=period,
            as_of=period.end + timedelta(hours=10),
            kind=kind,
        )
        failed = points < 60
        in_chain = kind is AssessmentKind.PERIODIC or self.rubric.ad_hoc_in_chain
        expected = self._expected_review(failed, in_chain)
        outcome = record(self.repository, sheet)
        self.outcomes.append(outcome)
        self.timeline.append(
            _Event("periodic" if kind is AssessmentKind.PERIODIC else "ad_hoc", failed, sheet_id)
        )
        assert (outcome.warning is not None) is failed
        assert (outcome.reward is not None) is (points >= 90)
        review = outcome.dismissal_review
        if expected is None:
            assert review is None
        else:
            assert review is not None
            assert review.earlier.id == expected
            assert review.later == sheet

    # --- rules ----------------------------------------------------------------

    @rule(points=SCORES)
    def periodic(self, points: int) -> None:
        year, month = 2026 + self.month // 12, self.month % 12 + 1
        self._check(AssessmentKind.PERIODIC, points, AssessmentPeriod.monthly(year, month))
        self.month += 1
        self.ad_hoc_today = 0

    @rule()
    def on_leave(self) -> None:
        self.timeline.append(_Event("leave"))
        self.month += 1
        self.ad_hoc_today = 0

    @precondition(lambda self: self.ad_hoc_today < 3)
    @rule(points=SCORES)
    def ad_hoc(self, points: int) -> None:
        year, month = 2026 + self.month // 12, self.month % 12 + 1
        start = datetime(year, month, 10 + 5 * self.ad_hoc_today, 9, tzinfo=SHANGHAI)
        period = AssessmentPeriod.ad_hoc(start, start + timedelta(hours=4), label="spot check")
        self.ad_hoc_today += 1
        self._check(AssessmentKind.AD_HOC, points, period)

    # --- invariants -----------------------------------------------------------

    @invariant()
    def every_failure_has_a_recorded_warning(self) -> None:
        stored = {w.sheet_id: w for w in self.repository.warnings("s-1")}
        failed = [s for s in self.repository.sheets("s-1") if s.failed]
        assert sorted(stored) == sorted(s.id for s in failed)
        for sheet in failed:
            warning = stored[sheet.id]
            assert warning.improve_by == sheet.assessed_at + timedelta(days=20)

    @invariant()
    def every_review_holds_its_evidence(self) -> None:
        for outcome in self.outcomes:
            review = outcome.dismissal_review
            if review is None:
                continue
            assert review.earlier.failed
            assert review.later.failed
            assert review.warning is not None
            assert review.warning.sheet_id == review.earlier.id
            assert review.earlier.period.end <= review.later.period.end


@pytest.mark.parametrize("policy", list(MissingCycle))
@pytest.mark.parametrize("ad_hoc_in_chain", [False, True])
def test_the_rules_agree_with_the_model(policy: MissingCycle, ad_hoc_in_chain: bool) -> None:
    class Machine(_StaffMachine):
        rubric = _rubric(policy, ad_hoc_in_chain)

    run_state_machine_as_test(
        Machine, settings=settings(max_examples=100, stateful_step_count=25, deadline=None)
    )
