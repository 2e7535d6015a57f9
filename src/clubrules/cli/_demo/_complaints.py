"""Demo chapter: a complaint paused, warned about, resolved, reopened and closed."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from clubrules.cli._demo._salon import DESK, at, show
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

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.cli._demo._salon import Salon, Story
    from clubrules.complaints import Case

__all__ = ["policy_book", "run"]

# The desk registers complaints and handles them; it resolves a substantiated
# one in person, with an apology.
_at_the_desk = partial(register, kind=CaseKind.COMPLAINT, assignee=DESK)
_made_good = partial(Resolved, by=DESK, channel="on_site", substantiated=True, apology=True)


def policy_book(salon: Salon) -> PolicyBook:
    """The salon's complaint policy: 24 business hours to respond, 7 opening days to resolve."""
    open_day = timedelta(hours=11)
    policy = SlaPolicy(
        "salon-complaints",
        1,
        CaseKind.COMPLAINT,
        [
            SlaTarget(
                TargetKind.FIRST_RESPONSE, timedelta(hours=24), TimeBasis.BUSINESS, salon.calendar
            ),
            SlaTarget(
                TargetKind.RESOLUTION,
                7 * open_day,
                TimeBasis.BUSINESS,
                salon.calendar,
                escalation=Escalation(SUPERVISOR),
            ),
            SlaTarget(TargetKind.FOLLOW_UP, timedelta(days=3), calendar=salon.calendar),
        ],
        reopen_window=timedelta(days=30),
    )
    return PolicyBook([policy], channels={"phone", "wechat", "on_site", "complaint_box"})


def _resolution(case: Case, now: datetime) -> str:
    for status in sla_status(case, now):
        if status.kind is TargetKind.RESOLUTION and status.cycle == case.cycle:
            hours = status.remaining / timedelta(hours=1)
            left = f"{hours:.1f} business hours left" if hours >= 0 else f"{-hours:.1f} overdue"
            return f"resolution {status.status.value}, due {show(status.due_at)}, {left}"
    return "no resolution target"


def _towels(story: Story, salon: Salon, book: PolicyBook) -> None:
    case = _at_the_desk(
        book,
        case_id="k-2026-0042",
        at=at(2, 12, 20),
        channel="wechat",
        customer_id="c-004",
        contact="wechat id (kept out of logs)",
        content="towels in the steam room were not changed",
        category="hygiene",
    )
    version = save_case(salon.complaints, case, expected_version=0)
    story.line(f"Registered by WeChat on {show(case.registered_at)}, assigned to {DESK}.")
    story.line(f"  {_resolution(case, case.registered_at)} (the festival is closed time)")

    case = apply(case, CustomerContacted(at=at(2, 13, 10, 30), by=DESK, channel="phone"))
    case = apply(case, AwaitingCustomer(at=at(2, 13, 11), by=DESK, channel="phone"))
    story.line(f"{DESK} called back the next morning and asked which day it happened: paused.")
    case = apply(case, CustomerReplied(at=at(2, 24, 15), channel="wechat"))
    status = {s.kind: s for s in sla_status(case, at(2, 24, 15))}
    story.line(
        "The customer answered after the festival; paused for "
        f"{status[TargetKind.RESOLUTION].paused_for}."
    )
    story.line(f"  {_resolution(case, at(2, 24, 15))}")
    version = save_case(salon.complaints, case, expected_version=version)

    for now in (at(2, 28, 22), at(3, 1, 20), at(3, 2, 10)):
        alerts = check_alerts([case], now)
        shown = ", ".join(
            f"{a.level.value} on {a.kind.value} (crossed {show(a.fire_at)}) "
            f"to {', '.join(a.notify)}"
            for a in alerts
        )
        closed = "" if salon.calendar.is_open(now) else " (closed: reminders wait)"
        story.line(f"Clock check {show(now)}{closed}: {shown or 'nothing due'}")

    remedy = "steam room towels now changed hourly"
    case = apply(case, _made_good(at=at(3, 2, 16), remedy=remedy, compensation=Money("98.00")))
    story.line("Substantiated: resolved with a remedy, 98.00 CNY compensation and an apology.")
    story.line(f"  {_resolution(case, at(3, 2, 16))}")
    case = apply(case, FollowedUp(at=at(3, 4, 11), by="st-zhao", channel="phone", satisfied=False))
    story.line(
        f"Follow-up call: not satisfied, within the reopen window, so the case is "
        f"{case.state.value} again."
    )
    story.line(f"  {_resolution(case, at(3, 4, 11))}")
    remedy = "a free steam session and a new towel rota on the door"
    case = apply(case, _made_good(at=at(3, 6, 15), remedy=remedy))
    case = apply(case, FollowedUp(at=at(3, 9, 11), by="st-zhao", channel="phone", satisfied=True))
    story.line(f"Resolved again on Fri 06 Mar; follow-up on Mon 09 Mar: {case.state.value}.")
    version = save_case(salon.complaints, case, expected_version=version)
    stored = load_case(salon.complaints, case.id, book)
    story.line(
        f"Stored in SQLite as {stored.version} events; replayed under {stored.policy.id} v1."
    )


def _waiting(story: Story, salon: Salon, book: PolicyBook) -> None:
    case = _at_the_desk(
        book,
        case_id="k-2026-0057",
        at=at(3, 10, 11),
        channel="phone",
        customer_id="c-008",
        contact="phone number (kept out of logs)",
        content="waited forty minutes past the booked time",
        category="waiting time",
    )
    case = apply(case, CustomerContacted(at=at(3, 11, 16), by=DESK, channel="phone"))
    case = apply(case, Resolved(at=at(3, 19, 15), by=DESK, channel="phone", substantiated=False))
    case = apply(case, FollowedUp(at=at(3, 20, 11), by="st-zhao", channel="phone", satisfied=True))
    save_case(salon.complaints, case, expected_version=0)
    story.line(f"A second case, {case.id} by phone: answered the next day, but resolved")
    story.line(f"  late: {_resolution(case, at(3, 20, 11))}.")


def run(story: Story, salon: Salon) -> None:
    """Walk two complaints through their SLA targets and store their event logs."""
    story.chapter("Complaints: 24 hours to respond, 7 days to resolve, on business hours")
    book = policy_book(salon)
    _towels(story, salon, book)
    _waiting(story, salon, book)
