"""Staff assessment: rubrics, KPI-driven scores, bands, and the warning and dismissal-review rules.

The seed rules: customer-service staff are assessed every month out of 100
(work attitude 30, business capability 40, work performance 30), ad hoc
assessments also happen, and customer evaluations count. An excellent score
is rewarded; a failing one brings a warning talk and a deadline to improve;
two consecutive failures lead to a dismissal review, which a person decides.

- [Rubric][clubrules.staff.Rubric]: versioned, weights summing to exactly
  100 in Decimal; [seed_rubric][clubrules.staff.seed_rubric] is the seed's
  30 / 40 / 30, fully reconfigurable.
- Scoring methods: [ManualScoring][clubrules.staff.ManualScoring],
  [KpiScoring][clubrules.staff.KpiScoring] through a
  [LinearScale][clubrules.staff.LinearScale] or
  [SteppedScale][clubrules.staff.SteppedScale], and
  [EvaluationScoring][clubrules.staff.EvaluationScoring]; each rate states
  its [NoEventsRule][clubrules.staff.NoEventsRule].
- [assess][clubrules.staff.assess] turns
  [AssessmentInputs][clubrules.staff.AssessmentInputs] into an explainable
  [ScoreSheet][clubrules.staff.ScoreSheet].
- [BandScheme][clubrules.staff.BandScheme]: half-open bands, each with its
  [BandOutcome][clubrules.staff.BandOutcome].
- [decide_outcome][clubrules.staff.decide_outcome] and
  [record_assessment][clubrules.staff.record_assessment]: rewards,
  warnings with deadlines, and [DismissalReview][clubrules.staff.DismissalReview]
  flags with their evidence.
- [team_report][clubrules.staff.team_report]: distributions, trends and the
  criteria that pull scores down.

The storage port is in `clubrules.staff.ports`.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.staff._bands import DEFAULT_BANDS, Band, BandOutcome, BandScheme
from clubrules.staff._inputs import (
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Kpi,
    ManualScore,
)
from clubrules.staff._outcomes import (
    DismissalReview,
    Outcome,
    RewardRecommendation,
    decide_outcome,
    record_assessment,
)
from clubrules.staff._reports import CriterionDrag, PeriodSummary, TeamReport, Trend, team_report
from clubrules.staff._rubric import (
    BOOKING_SUCCESS_RATE,
    COMPLAINT_TIMELINESS_RATE,
    SATISFACTION_RATE,
    Criterion,
    EvaluationScoring,
    KpiScoring,
    LinearScale,
    ManualScoring,
    MissingCycle,
    NoEventsRule,
    Rubric,
    Step,
    SteppedScale,
    SubItem,
    seed_rubric,
)
from clubrules.staff._scoring import CriterionScore, ScoreLine, ScoreSheet, assess
from clubrules.staff._warnings import WarningRecord

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "AssessmentInputs",
    "AssessmentKind",
    "AssessmentPeriod",
    "BOOKING_SUCCESS_RATE",
    "Band",
    "BandOutcome",
    "BandScheme",
    "COMPLAINT_TIMELINESS_RATE",
    "Criterion",
    "CriterionDrag",
    "CriterionScore",
    "DEFAULT_BANDS",
    "DismissalReview",
    "EvaluationScoring",
    "Kpi",
    "KpiScoring",
    "LinearScale",
    "ManualScore",
    "ManualScoring",
    "MissingCycle",
    "NoEventsRule",
    "Outcome",
    "PeriodSummary",
    "RewardRecommendation",
    "Rubric",
    "SATISFACTION_RATE",
    "ScoreLine",
    "ScoreSheet",
    "Step",
    "SteppedScale",
    "SubItem",
    "TeamReport",
    "Trend",
    "WarningRecord",
    "assess",
    "decide_outcome",
    "record_assessment",
    "seed_rubric",
    "team_report",
]

publish(__name__)
