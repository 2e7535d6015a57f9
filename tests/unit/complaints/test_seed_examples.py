"""The seed rules on the club's calendar: 24 hours to respond, 7 days to resolve.

The calendar closes for the 2026 Spring Festival week (16-22 Feb) and opens
on Saturday 14 Feb, an adjusted working day (调休).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from clubrules.complaints import (
    MANAGEMENT,
    SUPERVISOR,
    AlertLevel,
    Case,
    CaseKind,
    CustomerContacted,
    Escalation,
    PolicyBook,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetStatus,
    TargetStatusKind,
    TimeBasis,
    apply,
    check_alerts,
    default_book,
    register,
    sla_status,
)

from ._calendars import SHANGHAI, club_calendar

CAL = club_calendar()
FRIDAY_EVENING = datetime(2026, 2, 13, 20, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 2, day, hour, minute, tzinfo=SHANGHAI)


def _complaint(book: PolicyBook, when: datetime = FRIDAY_EVENING) -> Case:
    return register(
        book,
        case_id="k-1",
        at=when,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="138 0013 8000",
        content="the therapist was late",
        assignee="s-li",
    )


def _by_kind(case: Case, now: datetime) -> dict[TargetKind, TargetStatus]:
    return {s.kind: s for s in sla_status(case, now)}


def test_calendar_time_24_hours_and_7_days() -> None:
    case = _complaint(default_book(calendar=CAL))
    status = _by_kind(case, FRIDAY_EVENING)
    assert status[TargetKind.FIRST_RESPONSE].due_at == at(14, 20)
    assert status[TargetKind.RESOLUTION].due_at == at(20, 20)
    assert status[TargetKind.FIRST_RESPONSE].remaining == timedelta(hours=24)


def test_calendar_time_alerts_wait_for_the_club_to_open() -> None:
    case = _complaint(default_book(calendar=CAL))
    case = apply(case, CustomerContacted(at=at(14, 11), by="s-li", channel="wechat"))
    # 80% of 7 days is Thursday 19 Feb 10:24, in the closed festival week.
    assert check_alerts([case], at(19, 12)) == []
    assert check_alerts([case], at(21, 23)) == []
    # The resolution ran out on Friday 20 Feb 20:00, while closed: the breach and
    # the escalation are sent when the club opens on Monday 23 Feb.
    alerts = {(a.kind, a.level): a for a in check_alerts([case], at(23, 10))}
    breach = alerts[TargetKind.RESOLUTION, AlertLevel.BREACHED]
    assert breach.fire_at == at(23, 10)
    assert breach.due_at == at(20, 20)
    assert breach.notify == ("s-li",)
    escalation = alerts[TargetKind.RESOLUTION, AlertLevel.ESCALATION]
    assert escalation.notify == (SUPERVISOR, MANAGEMENT)
    assert escalation.fire_at == at(23, 10)


def _business_book() -> PolicyBook:
    return PolicyBook(
        [
            SlaPolicy(
                "business",
                1,
                CaseKind.COMPLAINT,
                [
                    SlaTarget(
                        TargetKind.FIRST_RESPONSE,
                        timedelta(hours=24),
                        TimeBasis.BUSINESS,
                        CAL,
                        escalation=Escalation(SUPERVISOR),
                    ),
                    # 7 days of 12 open hours, stated as open time, never converted.
                    SlaTarget(
                        TargetKind.RESOLUTION, timedelta(hours=7 * 12), TimeBasis.BUSINESS, CAL
                    ),
                ],
            )
        ]
    )


def test_business_time_skips_the_festival_and_counts_the_tiaoxiu_saturday() -> None:
    case = _complaint(_business_book())
    status = _by_kind(case, FRIDAY_EVENING)
    # Friday 20-22 (2 h), adjusted Saturday 10-22 (12 h), Sunday 10-18 (8 h),
    # closed 16-22 Feb, then 2 h on Monday 23 Feb.
    assert status[TargetKind.FIRST_RESPONSE].due_at == at(23, 12)
    # 84 open hours: 22 h by Sunday, then Mon 23 to Thu 26 (48 h), Fri 27 (12 h) = 82 h,
    # Sunday 1 Mar 10:00-12:00 makes 84 h.
    assert status[TargetKind.RESOLUTION].due_at == datetime(2026, 3, 1, 12, tzinfo=SHANGHAI)


def test_business_time_remaining_stands_still_while_closed() -> None:
    case = _complaint(_business_book())
    during = _by_kind(case, at(18, 3))[TargetKind.FIRST_RESPONSE]
    after = _by_kind(case, at(22, 23, 59))[TargetKind.FIRST_RESPONSE]
    assert during.remaining == after.remaining == timedelta(hours=2)
    assert during.status is TargetStatusKind.ACTIVE


def test_business_time_warning_fires_only_in_opening_hours() -> None:
    case = _complaint(_business_book())
    # 80% of 24 open hours is 19.2 h: Sunday 15 Feb 15:12.
    assert check_alerts([case], at(15, 15, 11)) == []
    [warning] = check_alerts([case], at(15, 15, 12))
    assert warning.level is AlertLevel.WARNING
    assert warning.fire_at == at(15, 15, 12)
    # Sunday after 18:00 and the whole festival: closed, nothing fires.
    assert check_alerts([case], at(15, 19)) == []
    assert check_alerts([case], at(20, 12)) == []
    # Met exactly at the due time: on time.
    met = apply(case, CustomerContacted(at=at(23, 12), by="s-li", channel="phone"))
    status = _by_kind(met, at(23, 12))[TargetKind.FIRST_RESPONSE]
    assert status.status is TargetStatusKind.ACHIEVED
    assert status.achieved_at == at(23, 12)
    # One minute later: breached, and the escalation goes to the supervisor.
    late = {(a.kind, a.level) for a in check_alerts([case], at(23, 12, 1))}
    assert (TargetKind.FIRST_RESPONSE, AlertLevel.BREACHED) in late
    assert (TargetKind.FIRST_RESPONSE, AlertLevel.ESCALATION) in late


def test_a_safety_incident_alerts_management_at_any_hour() -> None:
    book = default_book(calendar=CAL)
    night = at(17, 2)  # festival week, 02:00: the club is closed
    case = register(
        book,
        case_id="s-1",
        at=night,
        kind=CaseKind.SAFETY_INCIDENT,
        channel="on_site",
        customer_id="c-2",
        contact="room 3",
        content="slipped near the pool",
    )
    report = _by_kind(case, night)[TargetKind.MANAGEMENT_REPORT]
    assert report.due_at == at(17, 3)
    alerts = {(a.kind, a.level): a for a in check_alerts([case], at(17, 3, 1))}
    assert alerts[TargetKind.MANAGEMENT_REPORT, AlertLevel.ESCALATION].notify == (MANAGEMENT,)
    assert (TargetKind.FIRST_RESPONSE, AlertLevel.WARNING) not in alerts
