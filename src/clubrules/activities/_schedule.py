"""An activity's time, rooms and staff, reserved through the booking engine."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterator, Mapping  # noqa: TC003
from contextlib import contextmanager
from datetime import datetime  # noqa: TC003

import attrs

from clubrules._checks import require_instance
from clubrules.activities._model import Activity, ActivityKind, Audience
from clubrules.booking import Booking, BookingRequest, BookingRules, BookingStatus, Schedule
from clubrules.errors import ValidationError

__all__ = ["ScheduledActivity", "schedule_activity"]


@attrs.frozen
class ScheduledActivity:
    """An activity and the booking that holds its rooms and staff.

    Attributes:
        activity: The activity, its time taken from the booking.
        booking: The booking to store with a `BookingRepository`, which
            refuses it atomically if another writer took a room or a
            staff member meanwhile.
    """

    activity: Activity
    booking: Booking


def schedule_activity(
    rules: BookingRules,
    schedule: Schedule,
    *,
    activity_id: str,
    name: str,
    kind: ActivityKind | str,
    service: str,
    start: datetime,
    capacity: int,
    now: datetime,
    audience: Audience | None = None,
    resources: Mapping[str, str] | None = None,
    waitlist_limit: int | None = None,
    booking_id: str | None = None,
) -> ScheduledActivity:
    """Reserve an activity's rooms and staff, on the club calendar, like a booking.

    The activity is booked as one booking of `service` (a `Service` of
    `rules` that names its length, buffers and the rooms and staff it
    needs) for `capacity` people, so that the booking engine's checks all
    apply: no double-booked room or trainer, the club's opening hours on its
    `BusinessCalendar`, staff shifts, notice and horizon. A per-person
    requirement (a studio holding 20) takes one place per seat, so an
    activity cannot seat more than its room holds.

    Store the booking first (`BookingRepository.add`, atomic), then the
    activity; if the booking is refused, nothing was reserved.

    Args:
        rules: The club's booking rules, with the activity's service.
        schedule: The existing bookings around the activity's time.
        activity_id: The activity's id.
        name: Its name.
        kind: Its kind.
        service: The booking service that describes it.
        start: When it starts (aware).
        capacity: How many customers it seats: the booking's headcount.
        now: The current instant (for notice and horizon).
        audience: Who it is for; everyone by default.
        resources: Chosen resources by role (`{"trainer": "st-wang"}`).
        waitlist_limit: The waitlist's size once full (None: no limit; 0: none).
        booking_id: The booking's id; `"activity-<activity_id>"` by default.

    Returns:
        The activity and its confirmed booking.

    Raises:
        SlotConflictError: a room or staff member is taken (`conflicts`
            holds the reasons).
        ValidationError: the time fails for other reasons (closed, off
            shift, short notice), an unknown service, or more people than
            the service or its rooms take (field `capacity`); a bad
            `activity_id` or `booking_id`. Each violation names the
            argument given.
    """
    require_instance(rules, BookingRules, "rules")
    # The booking engine names its own fields (a request's headcount, a
    # booking's id): errors are told in this function's arguments.
    with _as_arguments(headcount="capacity"):
        request = BookingRequest(
            service=service, start=start, headcount=capacity, resources=resources or {}
        )
        result = rules.check(request, schedule, now=now)
    with _as_arguments(id="activity_id" if booking_id is None else "booking_id"):
        booking = rules.book(
            result,
            booking_id=booking_id or f"activity-{activity_id}",
            now=now,
            status=BookingStatus.CONFIRMED,
        )
    with _as_arguments(id="activity_id"):
        activity = Activity(
            id=activity_id,
            name=name,
            kind=kind,
            start=booking.start,
            end=booking.end,
            capacity=capacity,
            audience=audience if audience is not None else Audience(),
            waitlist_limit=waitlist_limit,
            booking_id=booking.id,
        )
    return ScheduledActivity(activity, booking)


@contextmanager
def _as_arguments(**names: str) -> Iterator[None]:
    """Re-raise a `ValidationError` whose violations name `names`' keys under their values."""
    try:
        yield
    except ValidationError as error:
        if not any(v.field in names for v in error.violations):
            raise
        raise ValidationError(
            violations=[
                attrs.evolve(v, field=names.get(v.field, v.field)) for v in error.violations
            ]
        ) from None
