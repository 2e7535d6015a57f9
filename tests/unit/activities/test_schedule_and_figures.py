"""An activity's rooms and staff through the booking engine; and its figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clubrules import Money
from clubrules.activities import (
    Activity,
    ActivityKind,
    Audience,
    Candidate,
    Invitation,
    Roster,
    ScheduledActivity,
    activity_figures,
    schedule_activity,
)
from clubrules.booking import (
    BookingRules,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    Service,
)
from clubrules.calendar import BusinessCalendar
from clubrules.care import Question, Questionnaire, SurveyResponse
from clubrules.customers import ConsumptionRecord
from clubrules.errors import SlotConflictError, ValidationError
from clubrules.storage.memory import InMemoryBookingRepository

TZ = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(
    TZ,
    weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
    holidays={date(2026, 4, 5): "清明节"},
    on_missing_holiday_data="ignore",
)
NOW = datetime(2026, 4, 1, 9, tzinfo=TZ)
START = datetime(2026, 4, 11, 14, tzinfo=TZ)
RULES = BookingRules(
    resources=[
        Resource(id="hall", kind=ResourceKind.ROOM, capacity=12),
        Resource(id="st-wang"),
    ],
    services=[
        Service(
            id="tea-party",
            segments=timedelta(hours=2),
            requirements=[
                Requirement(role="room", resource="hall", per_person=True),
                Requirement(role="host", resource="st-wang"),
            ],
            buffer_before=timedelta(minutes=30),
            max_headcount=20,
        ),
    ],
    calendar=CAL,
)


def plan(
    activity_id: str, start: datetime, capacity: int = 8, schedule: Schedule | None = None
) -> ScheduledActivity:
    return schedule_activity(
        RULES,
        schedule if schedule is not None else Schedule(),
        activity_id=activity_id,
        name="春季会员茶话会",
        kind=ActivityKind.MEMBER,
        service="tea-party",
        start=start,
        capacity=capacity,
        now=NOW,
        audience=Audience(tiers={"gold"}),
    )


def test_an_activity_takes_its_time_and_resources_from_a_booking() -> None:
    planned = plan("tea", START)
    assert planned.activity.start == START
    assert planned.activity.end == START + timedelta(hours=2)
    assert planned.activity.booking_id == planned.booking.id == "activity-tea"
    assert planned.booking.headcount == 8
    assert set(planned.booking.resources) == {"hall", "st-wang"}


def test_an_activity_cannot_double_book_a_room_or_a_trainer() -> None:
    first = plan("tea", START)
    with pytest.raises(SlotConflictError) as caught:
        plan("trial", START + timedelta(hours=1), schedule=Schedule([first.booking]))
    assert {r.resource for r in caught.value.conflicts} >= {"st-wang"}  # type: ignore[attr-defined]
    # The store refuses it too, whatever the caller's schedule said.
    store = InMemoryBookingRepository()
    store.add(first.booking, now=NOW)
    late = plan("trial", START + timedelta(hours=1))
    with pytest.raises(SlotConflictError):
        store.add(late.booking, now=NOW)
    # The buffer before is the set-up: back to back with it is fine.
    after = plan(
        "trial-2", START + timedelta(hours=2, minutes=30), schedule=Schedule([first.booking])
    )
    assert after.booking.start == START + timedelta(hours=2, minutes=30)


def test_an_activity_keeps_to_the_club_calendar_and_its_rooms() -> None:
    sunday = datetime(2026, 4, 12, 14, tzinfo=TZ)
    with pytest.raises(ValidationError) as caught:
        plan("tea", sunday)
    assert "closed" in {v.rule for v in caught.value.violations}
    with pytest.raises(ValidationError) as too_many:
        plan("tea", START, capacity=13)  # the hall holds 12
    assert "above_capacity" in {v.rule for v in too_many.value.violations}


ACT = Activity(
    id="tea",
    name="tea",
    kind="member",
    start=START,
    end=START + timedelta(hours=2),
    capacity=2,
    audience=Audience(tiers={"gold"}),
)


def buy(cid: str, days: int, amount: str, kind: str = "purchase") -> ConsumptionRecord:
    return ConsumptionRecord(
        id=f"t-{cid}-{days}-{kind}",
        customer_id=cid,
        at=ACT.end + timedelta(days=days),
        service="facial",
        amount=Money(amount),
        kind=kind,
    )


def test_figures_count_the_roster_and_compare_spend_with_the_uninvited() -> None:
    roster = Roster(ACT)
    early = START - timedelta(days=3)
    for c in ["c-1", "c-2", "c-3", "c-9"]:
        roster = roster.apply(roster.sign_up(c, at=early))
    roster = roster.apply(roster.cancel("c-9", at=early))  # not seated: was waitlisted
    roster = roster.apply(roster.record_attendance("c-1", attended=True, at=START))
    roster = roster.apply(roster.record_attendance("c-2", attended=False, at=START))
    invitations = [
        Invitation(activity_id="tea", customer_id=c, at=early, channel="phone", consent_id=f"k-{c}")
        for c in ["c-1", "c-2"]
    ]
    candidates = [Candidate(customer_id=c, tier="gold") for c in ["c-1", "c-2", "c-3", "c-4"]] + [
        Candidate(customer_id="c-5", tier="silver")
    ]
    records = [
        buy("c-1", 5, "300"),
        buy("c-1", 60, "100"),
        buy("c-2", 10, "100"),
        buy("c-2", 11, "100", kind="refund"),
        buy("c-3", 20, "50"),
        buy("c-5", 1, "999"),  # not in the audience
        buy("c-1", -1, "500"),  # before the end: not counted
    ]
    q = Questionnaire("event", [Question("s", "service")], weights={"service": 1})
    responses = [
        SurveyResponse(
            id="r1",
            questionnaire_id="event",
            customer_id="c-1",
            at=ACT.end + timedelta(days=1),
            answers={"s": 5},
            nps=10,
        ),
        SurveyResponse(
            id="r2",
            questionnaire_id="event",
            customer_id="c-2",  # a no-show
            at=ACT.end + timedelta(days=1),
            answers={"s": 1},
        ),
    ]
    figures = activity_figures(
        ACT,
        invitations=invitations,
        sign_ups=roster.entries,
        candidates=candidates,
        records=records,
        as_of=ACT.end + timedelta(days=40),
        zone=TZ,
        questionnaire=q,
        responses=responses,
    )
    assert (figures.invited, figures.signed_up, figures.invited_signed_up) == (2, 2, 2)
    assert (figures.waitlisted, figures.cancelled) == (1, 1)
    assert (figures.attended, figures.no_shows, figures.attendance_rate) == (1, 1, Decimal("50.00"))
    assert figures.satisfaction is not None
    assert (figures.satisfaction.responses, figures.satisfaction.csat) == (1, Decimal("100.00"))
    d30, d90 = figures.spend
    assert (d30.days, d30.complete, d90.complete) == (30, True, False)
    # Invited: c-1 300, c-2 100 - 100 = 0; comparable (gold, not invited): c-3 50, c-4 0.
    assert (d30.invited, d30.invited_mean) == (2, Money("150.00"))
    assert (d30.comparison, d30.comparison_mean) == (2, Money("25.00"))
    assert d30.difference == Money("125.00")
    assert d90.invited_mean == Money("200.00")


@pytest.mark.parametrize(
    "questionnaire",
    [None, Questionnaire("event", [Question("s", "service")], weights={"service": 1})],
)
@pytest.mark.parametrize(
    ("days", "rule"), [(10**100, "out_of_range"), (0, "range"), ("14", "range")]
)
def test_survey_days_are_checked_with_or_without_a_questionnaire(
    questionnaire: Questionnaire | None, days: object, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        activity_figures(
            ACT,
            invitations=[],
            sign_ups=[],
            candidates=[],
            records=[],
            as_of=ACT.end,
            zone=TZ,
            questionnaire=questionnaire,
            survey_days=days,  # type: ignore[arg-type]
        )
    assert (caught.value.field, caught.value.rule) == ("survey_days", rule)
