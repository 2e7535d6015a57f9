"""The English messages, by key; fields are `str.format` names, as in the Chinese table."""

from clubrules.words._en_demo import MESSAGES as _DEMO

MESSAGES: dict[str, str] = {
    **_DEMO,
    # booking: why a request is refused
    "booking.short_notice": "starts sooner than the minimum notice ({notice}) allows",
    "booking.too_far_ahead": "starts beyond the booking horizon ({horizon})",
    "booking.closed": "the club is closed for part of the customer's time",
    "booking.off_shift": "{resource} is off shift for part of the time",
    "booking.conflict": "{resource} is busy with booking {booking}",
    "booking.over_capacity": ("{resource} would hold {peak} at its peak (capacity {capacity})"),
    "booking.no_free_member": "no resource is left to fill {role!r}",
    # complaints: SLA status and alerts
    # complaints: case states
    "complaints.state.registered": "registered",
    "complaints.state.acknowledged": "acknowledged",
    "complaints.state.investigating": "investigating",
    "complaints.state.awaiting_customer": "awaiting the customer",
    "complaints.state.resolution_proposed": "resolution proposed",
    "complaints.state.resolved": "resolved",
    "complaints.state.follow_up_pending": "follow-up pending",
    "complaints.state.closed_satisfied": "closed, customer satisfied",
    "complaints.state.closed_unresolved": "closed, unresolved",
    "complaints.state.withdrawn": "withdrawn",
    "complaints.state.merged": "merged",
    "sla.kind.first_response": "first response",
    "sla.kind.progress_update": "progress update",
    "sla.kind.resolution": "resolution",
    "sla.kind.follow_up": "follow-up",
    "sla.status.active": "active",
    "sla.status.paused": "paused",
    "sla.status.achieved": "achieved",
    "sla.status.breached": "breached",
    "sla.status.cancelled": "cancelled",
    "sla.status_line": "{kind} {status}, due {due}, {left}",
    "sla.alert.warning": "warning on {kind} (crossed {fired}), due {due}, to {notify}",
    "sla.alert.breached": "{kind} breached (since {fired}), due {due}, to {notify}",
    "sla.alert.escalation": "{kind} escalated (at {fired}), due {due}, to {notify}",
    "list.sep": ", ",
    # care: churn warnings and tasks
    "churn.activity_drop": "visits per day down {visits}{spend} against the {days}-day baseline",
    "churn.spend_drop": ", spend per day down {spend}",
    "churn.single_visit": "one visit {days} ago and no return",
    "care.birthday": "birthday greeting",
    "care.return_visit": "return visit {after} after {service}",
    "care.holiday": "{name} greeting",
    "care.churn_note": "{action} ({severity}): {text}",
    "care.survey": "satisfaction survey",
    "care.severity.low": "low",
    "care.severity.medium": "medium",
    "care.severity.high": "high",
    "care.action.call": "call",
    "care.action.trial_class": "trial class",
    "care.action.offer": "offer",
    # staff: score sheets, warnings, dismissal reviews
    "staff.kind.periodic": "periodic",
    "staff.kind.ad_hoc": "ad hoc",
    "staff.sheet.title": (
        "Score sheet {id}: {staff}, {period} ({kind}), rubric {rubric} v{version}"
    ),
    "staff.sheet.criterion": "  {name}: {points} / {max}{weight}",
    "staff.sheet.weight": " (weight {weight})",
    "staff.sheet.line": "    {name}: {points} / {max}  <- {source}",
    "staff.sheet.total": "  Total: {total} / 100 -> {band}",
    "staff.no_events.full": "no events in the period: full marks",
    "staff.no_events.neutral": "no events in the period: neutral {neutral} of {max}",
    "staff.no_events.excluded": (
        "no events in the period: excluded, its points shared by the other items"
    ),
    "staff.manual": "manual, by {by}{note}",
    "staff.kpi_none": "KPI {kpi} 0/0, {text}",
    "staff.kpi": "KPI {kpi} {numerator}/{denominator} = {rate}, {scale}",
    "staff.evaluations_none": "{count} customer evaluation(s), {text}",
    "staff.evaluations": "{count} customer evaluation(s), mean {mean} on {low}-{high}",
    "staff.linear": "linear from {floor} (0) to {target} (full)",
    "staff.stepped": "stepped ({steps})",
    "staff.warning": "warning {id} (improve by {by})",
    "staff.no_warning": "no warning on record",
    "staff.dismissal_review": (
        "dismissal review due for {staff}: {earlier} {earlier_total} and "
        "{later} {later_total} failed; {warning}"
    ),
    # privacy: the PIPL Art. 57 leak notice
    "privacy.notice.title": "Notice of a personal information leak",
    "privacy.notice.detected": "Detected",
    "privacy.notice.data_types": "Information affected",
    "privacy.notice.cause": "Cause",
    "privacy.notice.possible_harm": "Possible harm",
    "privacy.notice.remedies": "Remedies we have taken",
    "privacy.notice.individual_steps": "Steps you can take",
    "privacy.notice.contact": "Contact",
    "privacy.notice.affected": "People affected",
    "privacy.notice.colon": ": ",
    "privacy.notice.sep": ", ",
}
