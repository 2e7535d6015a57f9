"""Complaints: cases, SLA policies and targets, the lifecycle state machine, and analysis.

- Case kinds ([CaseKind][clubrules.complaints.CaseKind]): complaint, safety
  incident, promised reply. Channels are an open set of slugs with the seed
  channels built in ([SEED_CHANNELS][clubrules.complaints.SEED_CHANNELS]);
  a [PolicyBook][clubrules.complaints.PolicyBook] may restrict them.
- [SlaPolicy][clubrules.complaints.SlaPolicy]: a versioned value naming its
  [SlaTarget][clubrules.complaints.SlaTarget]s (first response, progress
  update, resolution, follow-up, management report), each on calendar or
  business time, with a warning threshold and an
  [Escalation][clubrules.complaints.Escalation].
- [Case][clubrules.complaints.Case]: the fold of an append-only event log
  under the policy version recorded at registration; an explicit state
  machine ([TRANSITIONS][clubrules.complaints.TRANSITIONS]) with guards.
  [register][clubrules.complaints.register] and
  [apply][clubrules.complaints.apply] return new cases.
- [sla_status][clubrules.complaints.sla_status] and
  [check_alerts][clubrules.complaints.check_alerts]: every target's status,
  due time and remaining business time at `now`, and the warnings, breaches
  and escalations due, in opening hours.
- [analyse][clubrules.complaints.analyse]: timeliness rate, response-time
  medians and 90th percentiles, per staff member, channel, category and
  month, and repeat complainants.

The storage port is in `clubrules.complaints.ports`. The exact SLA semantics
are in the explanation page "SLA semantics".
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.complaints._case import (
    TRANSITIONS,
    Case,
    allowed_actions,
    apply,
    register,
    replay,
)
from clubrules.complaints._events import (
    Assigned,
    AwaitingCustomer,
    CaseEvent,
    ClosedUnresolved,
    CustomerContacted,
    CustomerReplied,
    FollowedUp,
    FollowUpScheduled,
    InvestigationStarted,
    Merged,
    ProposalDeclined,
    Registered,
    Reopened,
    ReportedToManagement,
    ResolutionProposed,
    Resolved,
    Withdrawn,
)
from clubrules.complaints._metrics import (
    CaseFacts,
    ComplaintAnalysis,
    Figures,
    analyse,
    case_facts,
    percentile,
)
from clubrules.complaints._model import (
    MANAGEMENT,
    SEED_CHANNELS,
    SUPERVISOR,
    CaseKind,
    CaseState,
    Severity,
    TargetKind,
    TargetStatusKind,
    TimeBasis,
    check_channel,
)
from clubrules.complaints._policy import (
    DEFAULT_REOPEN_WINDOW,
    Escalation,
    PolicyBook,
    SlaPolicy,
    SlaTarget,
    default_book,
    default_policy,
)
from clubrules.complaints._sla import Alert, AlertLevel, TargetStatus, check_alerts, sla_status

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "Alert",
    "AlertLevel",
    "Assigned",
    "AwaitingCustomer",
    "Case",
    "CaseEvent",
    "CaseFacts",
    "CaseKind",
    "CaseState",
    "ClosedUnresolved",
    "ComplaintAnalysis",
    "CustomerContacted",
    "CustomerReplied",
    "DEFAULT_REOPEN_WINDOW",
    "Escalation",
    "Figures",
    "FollowUpScheduled",
    "FollowedUp",
    "InvestigationStarted",
    "MANAGEMENT",
    "Merged",
    "PolicyBook",
    "ProposalDeclined",
    "Registered",
    "Reopened",
    "ReportedToManagement",
    "ResolutionProposed",
    "Resolved",
    "SEED_CHANNELS",
    "SUPERVISOR",
    "Severity",
    "SlaPolicy",
    "SlaTarget",
    "TRANSITIONS",
    "TargetKind",
    "TargetStatus",
    "TargetStatusKind",
    "TimeBasis",
    "Withdrawn",
    "allowed_actions",
    "analyse",
    "apply",
    "case_facts",
    "check_alerts",
    "check_channel",
    "default_book",
    "default_policy",
    "percentile",
    "register",
    "replay",
    "sla_status",
]

publish(__name__)
