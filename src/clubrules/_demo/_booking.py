"""Demo chapter: a booking, a clashing request refused with its reasons, and alternatives."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from clubrules.booking import (
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
)
from clubrules.calendar import BusinessCalendar
from clubrules.errors import SlotConflictError
from clubrules.storage.memory import InMemoryBookingRepository

if TYPE_CHECKING:
    from clubrules._demo import Story

__all__ = ["run"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _hm(value: datetime | None) -> str:
    return "?" if value is None else value.astimezone(SHANGHAI).strftime("%H:%M")


def run(story: Story) -> None:
    """Book a colour treatment, refuse a clashing request with every reason, offer alternatives."""
    story.chapter("Booking: check the request, and on a conflict offer other times")
    rules = BookingRules(
        resources=[
            Resource(id="li", skills={"colour", "facial"}),
            Resource(id="wang", skills={"facial"}),
            Resource(id="room-1", kind=ResourceKind.ROOM),
            Resource(id="room-2", kind=ResourceKind.ROOM),
        ],
        pools=[Pool(id="rooms", kind=ResourceKind.ROOM)],
        services=[
            Service(
                id="colour",
                segments=[
                    Segment(timedelta(minutes=30)),
                    Segment(timedelta(minutes=40), processing=True),
                    Segment(timedelta(minutes=20)),
                ],
                requirements=[
                    Requirement(role="stylist", resource="li"),
                    Requirement(role="room", pool="rooms"),
                ],
                buffer_after=timedelta(minutes=10),
            )
        ],
        calendar=BusinessCalendar("Asia/Shanghai", weekly=dict.fromkeys(range(7), "10:00-21:00")),
        policy=BookingPolicy(min_notice=timedelta(hours=2)),
    )
    repository = InMemoryBookingRepository()
    now = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)

    first = BookingRequest(service="colour", start=datetime(2026, 3, 2, 14, 0, tzinfo=SHANGHAI))
    result = rules.check(first, Schedule(repository.find()), now=now)
    booking = rules.book(
        result, booking_id="bk-1", now=now, confirmation_code=new_confirmation_code()
    )
    repository.add(booking, now=now)
    story.line(
        f"Booked a colour with Li at 14:00 in {result.resources['room']}; "
        f"confirmation code has {len(booking.confirmation_code or '')} characters "
        "(random, with a check character)."
    )
    reminder = reminder_time(booking, ReminderPolicy(zone=SHANGHAI, before=timedelta(hours=3)))
    story.line(f"Reminder 3 hours before, outside quiet hours: {_hm(reminder)}")

    clash = BookingRequest(
        service="colour",
        start=datetime(2026, 3, 2, 15, 0, tzinfo=SHANGHAI),
        resources={"room": "room-1"},
    )
    late = datetime(2026, 3, 2, 13, 30, tzinfo=SHANGHAI)
    refused = rules.check(clash, Schedule(repository.find()), now=late)
    story.line("Another colour with Li at 15:00 in room-1, asked at 13:30: refused, because")
    for reason in refused.reasons:
        window = f" ({_hm(reason.start)}-{_hm(reason.end)})" if reason.end else ""
        story.line(f"  - {reason.code.value}: {reason.message}{window}")
    slots = rules.alternatives(clash, Schedule(repository.find()), now=late, limit=3)
    story.line("Offered instead:")
    for slot in slots:
        kept = "same room" if slot.same_resources else f"in {slot.resources['room']}"
        story.line(f"  - {_hm(slot.start)}-{_hm(slot.end)} with Li, {kept}")

    twin = rules.book(result, booking_id="bk-2", now=now)
    try:
        repository.add(twin, now=now)
    except SlotConflictError as error:
        story.line(
            f"A second desk racing for the 14:00 slot is stopped by storage: "
            f"{len(error.conflicts)} clash(es), nothing double-booked."
        )
