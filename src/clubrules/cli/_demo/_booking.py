"""Demo chapter: a day of bookings, a refused request with alternatives, and March's rate."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    Pool,
    ReminderPolicy,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    Segment,
    Service,
    new_confirmation_code,
    reminder_time,
    success_rate,
)
from clubrules.cli._demo._salon import DESK, at, hm
from clubrules.errors import SlotConflictError
from clubrules.words import message

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["rules_for", "run"]

POLICY = BookingPolicy(min_notice=timedelta(hours=2))


def rules_for(salon: Salon) -> BookingRules:
    """The salon's staff, rooms and services, on its calendar."""
    return BookingRules(
        resources=[
            Resource(id="st-li", skills={"colour", "facial"}),
            Resource(id="st-wang", skills={"facial"}),
            Resource(id="room-1", kind=ResourceKind.ROOM),
            Resource(id="room-2", kind=ResourceKind.ROOM),
        ],
        pools=[
            Pool(id="rooms", kind=ResourceKind.ROOM),
            Pool(id="beauticians", members=("st-wang", "st-li")),
        ],
        services=[
            Service(
                id="colour",
                segments=[
                    Segment(timedelta(minutes=30)),
                    Segment(timedelta(minutes=40), processing=True),
                    Segment(timedelta(minutes=20)),
                ],
                requirements=[
                    Requirement(role="stylist", resource="st-li"),
                    Requirement(role="room", pool="rooms"),
                ],
                buffer_after=timedelta(minutes=10),
            ),
            Service(
                id="facial",
                segments=[Segment(timedelta(minutes=60))],
                requirements=[
                    Requirement(role="beautician", pool="beauticians"),
                    Requirement(role="room", pool="rooms"),
                ],
                buffer_after=timedelta(minutes=15),
            ),
        ],
        calendar=salon.calendar,
        policy=POLICY,
    )


def _book(
    salon: Salon, rules: BookingRules, request: BookingRequest, booking_id: str, now: datetime
) -> Booking:
    result = rules.check(request, Schedule(salon.bookings.find()), now=now)
    booking = rules.book(
        result,
        booking_id=booking_id,
        now=now,
        taken_by=DESK,
        confirmation_code=new_confirmation_code(),
    )
    return salon.bookings.add(booking, now=now)


def _serve(salon: Salon, booking: Booking) -> Booking:
    arrived = booking.check_in(now=booking.start)
    salon.bookings.save(arrived, now=booking.start)
    done = arrived.complete(now=booking.end)
    salon.bookings.save(done, now=booking.end)
    return done


def _the_day(story: Story, salon: Salon, rules: BookingRules) -> None:
    sunday = at(3, 1, 18)
    facial = _book(
        salon,
        rules,
        BookingRequest(service="facial", start=at(3, 2, 10, 30), customer_id="c-001"),
        "bk-0301-1",
        sunday,
    )
    story.say("demo.booking.facial", desk=DESK, staff=facial.occupancy[0].resource)
    now = at(3, 2, 9)
    colour = _book(
        salon,
        rules,
        BookingRequest(service="colour", start=at(3, 2, 14), customer_id="c-003"),
        "bk-0302-1",
        now,
    )
    rooms = sorted({o.resource for o in colour.occupancy if o.resource.startswith("room")})
    story.say("demo.booking.colour", room=rooms[0], length=len(colour.confirmation_code or ""))
    reminder = reminder_time(
        colour, ReminderPolicy(zone=salon.calendar.zone, before=timedelta(hours=3))
    )
    story.say("demo.booking.reminder", before=timedelta(hours=3), at=hm(reminder))

    clash = BookingRequest(
        service="colour", start=at(3, 2, 15), resources={"room": "room-1"}, customer_id="c-006"
    )
    late = at(3, 2, 13, 30)
    schedule = Schedule(salon.bookings.find(start=at(3, 2, 0), end=at(3, 3, 0)))
    refused = rules.check(clash, schedule, now=late)
    story.say("demo.booking.refused")
    for reason in refused.reasons:
        window = message("demo.booking.window", start=hm(reason.start), end=hm(reason.end))
        story.say(
            "demo.booking.reason",
            code=reason.code.value,
            text=reason.describe(),
            window=window if reason.end else "",
        )
    story.say("demo.booking.gap")
    story.say("demo.booking.offered")
    for slot in rules.alternatives(clash, schedule, now=late, limit=3):
        kept = (
            message("demo.booking.same_room")
            if slot.same_resources
            else message("demo.booking.in_room", room=slot.resources["room"])
        )
        story.say("demo.booking.slot", start=hm(slot.start), end=hm(slot.end), room=kept)

    result = rules.check(
        BookingRequest(service="colour", start=at(3, 2, 14), customer_id="c-010"),
        Schedule([]),
        now=now,
    )
    twin = rules.book(result, booking_id="bk-0302-2", now=now, taken_by="cs-02")
    try:
        salon.bookings.add(twin, now=now)
    except SlotConflictError as error:
        story.say("demo.booking.twin", clashes=len(error.conflicts))
    _serve(salon, facial)
    _serve(salon, colour)


def _the_month(story: Story, salon: Salon, rules: BookingRules) -> None:
    served = no_shows = late_cancels = timely_cancels = 0
    day, n = date(2026, 3, 3), 0
    while day < date(2026, 3, 31):
        start = at(3, day.day, 10 + n % 3 * 3)
        if not salon.calendar.is_open(start):
            day += timedelta(days=1)
            continue
        n += 1
        request = BookingRequest(service="facial", start=start, customer_id=f"c-{2 + n % 11:03d}")
        booking = _book(salon, rules, request, f"bk-03{day.day:02d}-{n}", start - timedelta(days=3))
        if n % 9 == 0:
            salon.bookings.save(
                booking.mark_no_show(now=start + timedelta(minutes=20), policy=POLICY), now=start
            )
            no_shows += 1
        elif n % 11 == 0:
            salon.bookings.save(
                booking.cancel(now=start - timedelta(hours=3), policy=POLICY), now=start
            )
            late_cancels += 1
        elif n % 7 == 0:
            salon.bookings.save(
                booking.cancel(now=start - timedelta(days=2), policy=POLICY), now=start
            )
            timely_cancels += 1
        else:
            _serve(salon, booking)
            served += 1
        day += timedelta(days=1)
    story.say(
        "demo.booking.month",
        booked=n,
        desk=DESK,
        served=served,
        no_shows=no_shows,
        late=late_cancels,
        timely=timely_cancels,
    )
    march = salon.bookings.find(start=at(3, 1, 0), end=at(4, 1, 0))
    rate = success_rate(
        march,
        start=at(3, 1, 0),
        end=at(4, 1, 0),
        taken_by=DESK,
        exclude_timely_cancellations=True,
    )
    shown = message("demo.booking.none_settled") if rate.rate is None else f"{rate.rate:.2%}"
    story.say(
        "demo.booking.rate",
        desk=DESK,
        completed=rate.completed,
        settled=rate.settled,
        rate=shown,
    )


def run(story: Story, salon: Salon) -> None:
    """Book, refuse a clash with every reason, offer alternatives, then rate the month."""
    story.chapter("demo.chapter.booking")
    rules = rules_for(salon)
    _the_day(story, salon, rules)
    _the_month(story, salon, rules)
