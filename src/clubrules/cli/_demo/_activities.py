"""Demo chapter: the spring member event, from audience to figures, all through SQLite.

The audience comes from the tiers the stored consumption records give at the
1 April review; consent, bookings, care tasks, invitations, the roster, the
survey answers and April's purchases are stored, then read back for the story.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from clubrules.activities import (
    ActivityKind,
    Audience,
    activity_figures,
    audience_candidates,
    plan_invitations,
    schedule_activity,
)
from clubrules.booking import BookingRules, Requirement, Schedule, Service
from clubrules.care import Question, Questionnaire, SurveyResponse
from clubrules.cli._demo._booking import POLICY, rules_for
from clubrules.cli._demo._salon import SHANGHAI, at, hm, show, show_day
from clubrules.cli._demo._tiering import MONTH_END, PREVIOUS, PROGRAM
from clubrules.customers import ConsumptionRecord
from clubrules.errors import SlotConflictError
from clubrules.money import Money
from clubrules.privacy import ConsentRecord, Purpose
from clubrules.storage.sqlite import SQLiteClubActivityRepository, SQLiteSurveyResponseRepository
from clubrules.tiering import TierStatus
from clubrules.words import message

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]

EVENT = "spring-tea-2026"
PLANNED = at(4, 1, 9)
# Marketing consent (phone) given at registration; 孙悦 (c-012) declined it.
MARKETING = ("c-003", "c-005", "c-009", "c-002", "c-007")
TEA_PARTY = Service(
    id="member-tea-party",
    segments=timedelta(hours=2),
    requirements=[
        Requirement(role="room", resource="room-2"),
        Requirement(role="host", resource="st-wang"),
    ],
    buffer_before=timedelta(minutes=30),
    buffer_after=timedelta(minutes=30),
    max_headcount=8,
)
SURVEY = Questionnaire(
    "event-2026",
    [Question("event", "service"), Question("room", "environment")],
    weights={"service": 3, "environment": 1},
)


def _rules(salon: Salon) -> BookingRules:
    """The booking chapter's rooms, staff and services, and the member tea party."""
    base = rules_for(salon)
    return BookingRules(
        resources=base.resources.values(),
        pools=base.pools.values(),
        services=[*base.services.values(), TEA_PARTY],
        calendar=salon.calendar,
        policy=POLICY,
    )


def _tiers(salon: Salon) -> list[TierStatus]:
    """Each customer's tier after the 1 April review, from the stored records."""
    start, end = PROGRAM.window.window(MONTH_END, SHANGHAI)
    statuses = []
    for summary in salon.activity.summaries(start=start, end=end):
        status = TierStatus(
            customer_id=summary.customer_id,
            tier=PREVIOUS.get(summary.customer_id, "member"),
            since=at(1, 2, 10).replace(year=2025),
            last_review=MONTH_END.date().replace(month=1),
        )
        decision = PROGRAM.decide(status, PROGRAM.value_of(summary), as_of=MONTH_END)
        statuses.append(decision.status)
    return statuses


def run(story: Story, salon: Salon) -> None:
    """Plan the spring member event, invite, fill it, take attendance, read the figures."""
    story.chapter("demo.chapter.activities")
    events = SQLiteClubActivityRepository(salon.db)
    surveys = SQLiteSurveyResponseRepository(salon.db)
    rules = _rules(salon)
    window = (at(4, 11, 0), at(4, 12, 0))
    planned = schedule_activity(
        rules,
        Schedule(salon.bookings.find(start=window[0], end=window[1])),
        activity_id=EVENT,
        name="春季会员茶话会",
        kind=ActivityKind.MEMBER,
        service=TEA_PARTY.id,
        start=at(4, 11, 14),
        capacity=2,
        waitlist_limit=2,
        now=PLANNED,
        audience=Audience(tiers={"gold", "silver"}),
    )
    salon.bookings.add(planned.booking, now=PLANNED)
    events.add(planned.activity)
    tea = events.get(EVENT)
    story.say(
        "demo.activities.planned",
        name=tea.name,
        kind=message(f"activities.kind.{tea.kind_name}"),
        start=show(tea.start),
        end=hm(tea.end),
        capacity=tea.capacity,
        waitlist=tea.waitlist_limit,
        booking=tea.booking_id,
    )
    try:
        schedule_activity(
            rules,
            Schedule(salon.bookings.find(start=window[0], end=window[1])),
            activity_id="facial-trial",
            name="面部护理体验课",
            kind=ActivityKind.TRIAL,
            service=TEA_PARTY.id,
            start=at(4, 11, 15),
            capacity=4,
            now=PLANNED,
        )
    except SlotConflictError as refused:
        taken = sorted({str(getattr(r, "resource", "?")) for r in refused.conflicts})
        story.say("demo.activities.refused", taken=message("list.sep").join(taken))

    for cid in MARKETING:
        salon.consents.add(
            ConsentRecord(
                id=f"mkt-{cid}",
                customer_id=cid,
                purpose=Purpose.MARKETING,
                scope={"phone"},
                given_at=at(1, 10, 11),
                evidence="registration form",
            )
        )
    statuses = _tiers(salon)
    candidates = audience_candidates(statuses=statuses)
    audience = [c.customer_id for c in tea.audience.select(candidates)]
    story.say("demo.activities.audience", audience=message("list.sep").join(audience))
    consents = [r for cid in audience for r in salon.consents.for_customer(cid)]
    plan = plan_invitations(tea, candidates, consents, as_of=PLANNED, calendar=salon.calendar)
    for task, invitation in zip(plan.tasks, plan.invitations, strict=True):
        salon.care_tasks.add(task)
        events.invite(invitation)
    invited = events.invitations(EVENT)
    story.say(
        "demo.activities.invitations",
        due=show_day(plan.tasks[0].due),
        invited=message("list.sep").join(
            message("demo.activities.invited", customer=i.customer_id, consent=i.consent_id)
            for i in invited
        ),
    )
    for skipped in plan.skipped:
        story.say(
            "demo.activities.not_invited", customer=skipped.customer_id, reason=skipped.reason
        )

    for hours, cid in ((74, "c-009"), (78, "c-003"), (80, "c-005")):
        events.sign_up(EVENT, cid, at=PLANNED + timedelta(hours=hours))
    story.say("demo.activities.sign_ups", roster=_roster(events))
    for change in events.cancel(EVENT, "c-003", at=at(4, 9, 18)):
        story.say(
            "demo.activities.change",
            at=show(change.updated_at),
            customer=change.customer_id,
            status=message(f"activities.status.{change.status.value}"),
        )
    events.record_attendance(EVENT, "c-009", attended=True, at=tea.start)
    events.record_attendance(EVENT, "c-005", attended=True, at=tea.start + timedelta(minutes=10))
    story.say("demo.activities.door", roster=_roster(events))
    record = message("list.sep").join(
        f"{s.activity_id} {message(f'activities.status.{s.status.value}')}"
        for s in events.participation("c-003")
    )
    story.say("demo.activities.record", record=record)

    for n, (cid, event, room) in enumerate((("c-009", 5, 5), ("c-005", 4, 5)), start=1):
        surveys.add(
            SurveyResponse(
                id=f"event-r{n}",
                questionnaire_id=SURVEY.id,
                customer_id=cid,
                at=at(4, 12, 10),
                answers={"event": event, "room": room},
                nps=9,
            )
        )
    for record_id, cid, day, service, price in (
        ("t-0418-1", "c-009", 18, "colour", "680.00"),
        ("t-0420-1", "c-005", 20, "hydrating facial", "388.00"),
        ("t-0425-1", "c-012", 25, "haircut", "168.00"),
    ):
        salon.ledger.add(
            ConsumptionRecord(
                id=record_id,
                customer_id=cid,
                at=at(4, day, 15),
                service=service,
                amount=Money(price),
            )
        )
    as_of = at(5, 12, 9)
    figures = activity_figures(
        tea,
        invitations=invited,
        sign_ups=events.roster(EVENT),
        candidates=candidates,
        records=salon.ledger.records(start=tea.end, end=as_of),
        as_of=as_of,
        zone=SHANGHAI,
        questionnaire=SURVEY,
        responses=surveys.responses(questionnaire_id=SURVEY.id),
    )
    story.say(
        "demo.activities.figures",
        on=show_day(as_of.date()),
        invited=figures.invited,
        signed_up=figures.signed_up,
        attended=figures.attended,
        no_shows=figures.no_shows,
        rate=figures.attendance_rate,
    )
    if figures.satisfaction is not None:
        story.say(
            "demo.activities.satisfaction",
            responses=figures.satisfaction.responses,
            score=figures.satisfaction.score,
            csat=figures.satisfaction.csat,
        )
    for spend in figures.spend:
        so_far = "" if spend.complete else message("demo.activities.so_far")
        story.say(
            "demo.activities.spend",
            days=timedelta(days=spend.days),
            so_far=so_far,
            invited=spend.invited_mean,
            count=spend.comparison,
            other=spend.comparison_mean,
        )


def _roster(events: SQLiteClubActivityRepository) -> str:
    return message("list.sep").join(
        f"{s.customer_id} {message(f'activities.status.{s.status.value}')}"
        for s in events.roster(EVENT)
    )
