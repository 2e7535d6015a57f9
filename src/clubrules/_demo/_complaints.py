"""Demo chapter: a complaint paused, warned about, resolved, and reopened at follow-up."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from clubrules.calendar import BusinessCalendar
from clubrules.complaints import (
    SUPERVISOR,
    AwaitingCustomer,
    CaseKind,
    CustomerContacted,
    CustomerReplied,
    Escalation,
    FollowedUp,
    PolicyBook,
    Resolved,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TimeBasis,
    apply,
    check_alerts,
    register,
    sla_status,
)
from clubrules.complaints.ports import load_case, save_case
from clubrules.money import Money
from clubrules.storage.memory import InMemoryComplaintRepository

if TYPE_CHECKING:
    from clubrules._demo import Story
    from clubrules.complaints import Case

__all__ = ["run"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _show(when: datetime) -> str:
    return when.strftime("%a %d %b %H:%M")


def _resolution(case: Case, now: datetime) -> str:
    for status in sla_status(case, now):
        if status.kind is TargetKind.RESOLUTION and status.cycle == case.cycle:
            hours = status.remaining / timedelta(hours=1)
            return (
                f"resolution {status.status.value}, due {_show(status.due_at)}, "
                f"{hours:.1f} business hours left"
            )
    return "no resolution target"


def run(story: Story) -> None:
    """Walk a complaint through a pause, a warning, resolution and a reopening follow-up."""
    story.chapter("Complaints: 24 hours to respond, 7 days to resolve, on business hours")
    club = BusinessCalendar(
        "Asia/Shanghai",
        weekly=dict.fromkeys(range(7), "10:00-22:00"),
        holidays={date(2026, 2, 16) + timedelta(days=i): "春节" for i in range(7)},
        holiday_years=frozenset(),
    )
    policy = SlaPolicy(
        "complaints-business",
        1,
        CaseKind.COMPLAINT,
        [
            SlaTarget(TargetKind.FIRST_RESPONSE, timedelta(hours=24), TimeBasis.BUSINESS, club),
            SlaTarget(
                TargetKind.RESOLUTION,
                timedelta(hours=7 * 12),
                TimeBasis.BUSINESS,
                club,
                escalation=Escalation(SUPERVISOR),
            ),
            SlaTarget(TargetKind.FOLLOW_UP, timedelta(days=3), calendar=club),
        ],
        reopen_window=timedelta(days=30),
    )
    book = PolicyBook([policy], channels={"phone", "wechat", "on_site", "complaint_box"})
    repository = InMemoryComplaintRepository()

    case = register(
        book,
        case_id="k-2026-0042",
        at=_at(2, 12, 20),
        kind=CaseKind.COMPLAINT,
        channel="wechat",
        customer_id="c-001",
        contact="wechat id (kept out of logs)",
        content="towels in the steam room were not changed",
        category="hygiene",
        assignee="st-li",
    )
    save_case(repository, case, expected_version=0)
    story.line(f"Registered by WeChat on {_show(case.registered_at)} under {policy.id} v1.")
    story.line(f"  {_resolution(case, case.registered_at)} (the festival week is closed)")

    case = apply(case, CustomerContacted(at=_at(2, 13, 10, 30), by="st-li", channel="phone"))
    case = apply(case, AwaitingCustomer(at=_at(2, 13, 11), by="st-li", channel="phone"))
    story.line("Staff called back the next morning and asked which day it happened: paused.")
    case = apply(case, CustomerReplied(at=_at(2, 24, 15), channel="wechat"))
    status = {s.kind: s for s in sla_status(case, _at(2, 24, 15))}
    story.line(
        "The customer answered eleven days later; paused for "
        f"{status[TargetKind.RESOLUTION].paused_for}."
    )
    story.line(f"  {_resolution(case, _at(2, 24, 15))}")

    for now in (_at(3, 1, 19), _at(3, 1, 23), _at(3, 2, 10)):
        alerts = check_alerts([case], now)
        shown = ", ".join(
            f"{a.level.value} on {a.kind.value} (crossed {_show(a.fire_at)}) "
            f"to {', '.join(a.notify)}"
            for a in alerts
        )
        closed = "" if club.is_open(now) else " (closed: reminders wait)"
        story.line(f"Clock check {_show(now)}{closed}: {shown or 'nothing due'}")

    case = apply(
        case,
        Resolved(
            at=_at(3, 2, 16),
            by="st-li",
            channel="on_site",
            substantiated=True,
            remedy="steam room towels now changed hourly",
            compensation=Money("98.00"),
            apology=True,
        ),
    )
    story.line("Substantiated: resolved with a remedy, 98.00 CNY compensation and an apology.")
    story.line(f"  {_resolution(case, _at(3, 2, 16))}")

    case = apply(case, FollowedUp(at=_at(3, 4, 11), by="st-wang", channel="phone", satisfied=False))
    story.line(
        f"Follow-up call: not satisfied, within the reopen window, so the case is "
        f"{case.state.value} again (cycle {case.cycle})."
    )
    story.line(f"  {_resolution(case, _at(3, 4, 11))}")
    save_case(repository, case, expected_version=1)
    stored = load_case(repository, case.id, book)
    story.line(f"Stored as {stored.version} events; replayed under {stored.policy.id} v1.")
