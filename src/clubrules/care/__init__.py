"""Care: churn early warning, greetings, return visits and satisfaction surveys.

- [scan_churn][clubrules.care.scan_churn] compares a recent window with a
  baseline and warns, per [ChurnRule][clubrules.care.ChurnRule], when
  activity drops by more than 30% (by default), with a severity, a
  suggested [CareAction][clubrules.care.CareAction] and a cooldown;
  [scan_single_visits][clubrules.care.scan_single_visits] handles customers
  who came once.
- [plan_care][clubrules.care.plan_care] lists the
  [CareTask][clubrules.care.CareTask]s due over a horizon: birthday and
  holiday greetings, return visits after a service, quarterly surveys; on
  business days, deduplicated, and [assign_tasks][clubrules.care.assign_tasks]
  gives them to staff.
- [aggregate_surveys][clubrules.care.aggregate_surveys]: CSAT, weighted
  dimension scores and NPS per quarter, staff member and dimension.

The storage ports are in `clubrules.care.ports`.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.care._churn import (
    CareAction,
    ChurnRule,
    ChurnWarning,
    Severity,
    SingleVisitRule,
    scan_churn,
    scan_churn_columns,
    scan_single_visits,
)
from clubrules.care._plan import (
    DEFAULT_FESTIVALS,
    BusinessDays,
    CareKind,
    CareTask,
    LeapDayPolicy,
    ReturnVisitRule,
    ServiceEvent,
    SurveySchedule,
    assign_tasks,
    follow_up_tasks,
    greeting_holidays,
    plan_care,
)
from clubrules.care._surveys import (
    GROUPINGS,
    Question,
    Questionnaire,
    SurveyResponse,
    SurveyStats,
    aggregate_surveys,
)

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "BusinessDays",
    "CareAction",
    "CareKind",
    "CareTask",
    "ChurnRule",
    "ChurnWarning",
    "DEFAULT_FESTIVALS",
    "GROUPINGS",
    "LeapDayPolicy",
    "Question",
    "Questionnaire",
    "ReturnVisitRule",
    "ServiceEvent",
    "Severity",
    "SingleVisitRule",
    "SurveyResponse",
    "SurveySchedule",
    "SurveyStats",
    "aggregate_surveys",
    "assign_tasks",
    "follow_up_tasks",
    "greeting_holidays",
    "plan_care",
    "scan_churn",
    "scan_churn_columns",
    "scan_single_visits",
]

publish(__name__)
