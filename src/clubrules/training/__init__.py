"""Staff training: requirements as rules, sessions and attendance, compliance, and suggestions.

The seed rules: new staff get induction training (入職培訓) within a set
number of days; customer-service staff get periodic training (定期培訓) some
times a month; special training (專項培訓) follows the business's needs;
training is internal, external or online (001). Staff get safety training
every quarter, and service training driven by customer feedback, each with
a budget per quarter (002). Staff get regular privacy-awareness training (000).

- [TrainingRequirement][clubrules.training.TrainingRequirement]: which
  kinds of sessions count, how many, on which
  [Cadence][clubrules.training.Cadence], for which roles;
  [seed_requirements][clubrules.training.seed_requirements] builds the
  documents' rules from the numbers they leave blank.
- [TrainingSession][clubrules.training.TrainingSession],
  [Attendance][clubrules.training.Attendance] and
  [Completion][clubrules.training.Completion]: the training record.
- [compliance_report][clubrules.training.compliance_report]: who owes
  what in a period, who is overdue and by how much, on the club's business
  calendar; [StaffCompliance.kpi][clubrules.training.StaffCompliance.kpi]
  gives training completion as an assessment input.
- [suggest_training][clubrules.training.suggest_training]: topics and
  attendees suggested from complaint analysis and survey results, with the
  evidence.
- [spend_against_budget][clubrules.training.spend_against_budget]: session
  costs against each [QuarterBudget][clubrules.training.QuarterBudget].

The storage port is in `clubrules.training.ports`.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.training._budget import BudgetLine, QuarterBudget, spend_against_budget
from clubrules.training._compliance import (
    TRAINING_COMPLETION_RATE,
    ComplianceReport,
    Obligation,
    ObligationStatus,
    StaffCompliance,
    compliance_report,
)
from clubrules.training._records import (
    Attendance,
    AttendanceStatus,
    Completion,
    TrainingKind,
    TrainingMethod,
    TrainingSession,
)
from clubrules.training._requirements import (
    SERVICE_ROLES,
    Cadence,
    StaffMember,
    TrainingRequirement,
    seed_requirements,
)
from clubrules.training._suggestions import (
    Evidence,
    EvidenceSource,
    FeedbackRules,
    TrainingSuggestion,
    suggest_training,
)

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "Attendance",
    "AttendanceStatus",
    "BudgetLine",
    "Cadence",
    "Completion",
    "ComplianceReport",
    "Evidence",
    "EvidenceSource",
    "FeedbackRules",
    "Obligation",
    "ObligationStatus",
    "QuarterBudget",
    "SERVICE_ROLES",
    "StaffCompliance",
    "StaffMember",
    "TRAINING_COMPLETION_RATE",
    "TrainingKind",
    "TrainingMethod",
    "TrainingRequirement",
    "TrainingSession",
    "TrainingSuggestion",
    "compliance_report",
    "seed_requirements",
    "spend_against_budget",
    "suggest_training",
]

publish(__name__)
