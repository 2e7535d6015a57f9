"""Demo chapter: a complaint paused, warned about, resolved, reopened and closed."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from clubrules.cli._demo._salon import DESK, at, show, show_day
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
from clubrules.words import message

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
            return status.describe()
    return message("demo.complaints.no_resolution")


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
    story.say("demo.complaints.registered", at=show(case.registered_at), desk=DESK)
    story.say("demo.complaints.festival", status=_resolution(case, case.registered_at))

    case = apply(case, CustomerContacted(at=at(2, 13, 10, 30), by=DESK, channel="phone"))
    case = apply(case, AwaitingCustomer(at=at(2, 13, 11), by=DESK, channel="phone"))
    story.say("demo.complaints.paused", desk=DESK)
    case = apply(case, CustomerReplied(at=at(2, 24, 15), channel="wechat"))
    status = {s.kind: s for s in sla_status(case, at(2, 24, 15))}
    story.say("demo.complaints.answered", paused=status[TargetKind.RESOLUTION].paused_for)
    story.say("demo.complaints.status", status=_resolution(case, at(2, 24, 15)))
    version = save_case(salon.complaints, case, expected_version=version)

    for now in (at(2, 28, 22), at(3, 1, 20), at(3, 2, 10)):
        alerts = check_alerts([case], now)
        shown = message("list.sep").join(a.describe() for a in alerts)
        closed = "" if salon.calendar.is_open(now) else message("demo.complaints.closed")
        story.say(
            "demo.complaints.clock",
            at=show(now),
            closed=closed,
            alerts=shown or message("demo.complaints.nothing_due"),
        )

    remedy = "steam room towels now changed hourly"
    case = apply(case, _made_good(at=at(3, 2, 16), remedy=remedy, compensation=Money("98.00")))
    story.say("demo.complaints.substantiated", compensation=Money("98.00"))
    story.say("demo.complaints.status", status=_resolution(case, at(3, 2, 16)))
    case = apply(case, FollowedUp(at=at(3, 4, 11), by="st-zhao", channel="phone", satisfied=False))
    story.say("demo.complaints.reopened", state=message(f"complaints.state.{case.state.value}"))
    story.say("demo.complaints.status", status=_resolution(case, at(3, 4, 11)))
    remedy = "a free steam session and a new towel rota on the door"
    case = apply(case, _made_good(at=at(3, 6, 15), remedy=remedy))
    case = apply(case, FollowedUp(at=at(3, 9, 11), by="st-zhao", channel="phone", satisfied=True))
    story.say(
        "demo.complaints.closed_case",
        resolved=show_day(date(2026, 3, 6)),
        followed=show_day(date(2026, 3, 9)),
        state=message(f"complaints.state.{case.state.value}"),
    )
    version = save_case(salon.complaints, case, expected_version=version)
    stored = load_case(salon.complaints, case.id, book)
    story.say("demo.complaints.stored", events=stored.version, policy=stored.policy.id)


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
    story.say("demo.complaints.second", case=case.id)
    story.say("demo.complaints.late", status=_resolution(case, at(3, 20, 11)))


def run(story: Story, salon: Salon) -> None:
    """Walk two complaints through their SLA targets and store their event logs."""
    story.chapter("demo.chapter.complaints")
    book = policy_book(salon)
    _towels(story, salon, book)
    _waiting(story, salon, book)
