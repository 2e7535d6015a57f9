"""The alternatives search by stretches gives what checking every grid start in turn gives.

The oracle is the search that runs a full check on each candidate start,
nearest first (`BookingRules._alternatives_by_start`). Random catalogues
(buffers, processing segments, pools, capacity above 1 with headcounts,
staff shifts, opening hours with breaks or round the clock), random
diaries (overlaps, holds that lapse, cancellations), requests on ordinary
and daylight-saving days, chosen resources, excluded bookings, and every
bound of the search (limit, window, step, notice, horizon).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    BookingStatus,
    Occupancy,
    Pool,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    Segment,
    Service,
    Slot,
)
from clubrules.booking._check import _excluded
from clubrules.booking._model import us
from clubrules.calendar import BusinessCalendar

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York")
# Ordinary days, and the days clocks change in Berlin and New York (2026).
DAYS = ((2026, 3, 4), (2026, 3, 8), (2026, 3, 29), (2026, 10, 25), (2026, 11, 1))
HOURS = ("10:00-22:00", "09:00-12:00, 13:00-21:00", "00:00-24:00", "01:30-03:30, 08:00-20:00")
MINUTES = st.integers(0, 120).map(lambda m: timedelta(minutes=m))


@st.composite
def _rules(draw: st.DrawFn, zone: str) -> BookingRules:
    shifts = {
        rid: BusinessCalendar(zone, weekly=dict.fromkeys(EVERY_DAY, draw(st.sampled_from(HOURS))))
        for rid in ("li", "wang", "zhao")
        if draw(st.booleans())
    }
    segments = draw(
        st.lists(
            st.builds(
                Segment,
                st.integers(5, 90).map(lambda m: timedelta(minutes=m)),
                processing=st.booleans(),
            ),
            min_size=1,
            max_size=3,
        )
    )
    staff_pool = draw(st.sampled_from(["facialists", "everyone"]))
    services = [
        Service(
            id="treat",
            segments=segments,
            requirements=[
                Requirement(
                    role="beautician",
                    pool=staff_pool,
                    during_processing=draw(st.sampled_from([None, True, False])),
                ),
                Requirement(role="room", pool="rooms"),
            ],
            buffer_before=draw(st.sampled_from([timedelta(0), timedelta(minutes=5)])),
            buffer_after=draw(st.sampled_from([timedelta(0), timedelta(minutes=10)])),
        ),
        Service(
            id="class",
            segments=timedelta(minutes=draw(st.sampled_from([45, 60]))),
            requirements=[
                Requirement(role="studio", resource="studio", per_person=True),
                Requirement(role="teacher", pool="everyone"),
            ],
            max_headcount=3,
        ),
    ]
    calendar = (
        BusinessCalendar(zone, weekly=dict.fromkeys(EVERY_DAY, draw(st.sampled_from(HOURS))))
        if draw(st.booleans())
        else None
    )
    return BookingRules(
        resources=[
            Resource(id="li", skills={"facial"}),
            Resource(id="wang", skills={"facial"}),
            Resource(id="zhao", skills={"yoga"}),
            Resource(id="room-1", kind=ResourceKind.ROOM),
            Resource(id="room-2", kind=ResourceKind.ROOM),
            Resource(id="studio", kind=ResourceKind.ROOM, capacity=3),
        ],
        pools=[
            Pool(id="facialists", kind=ResourceKind.STAFF, skills={"facial"}),
            Pool(id="everyone", members=("zhao", "li", "wang")),
            Pool(id="rooms", members=("room-1", "room-2")),
        ],
        services=services,
        calendar=calendar,
        shifts=shifts,
        policy=BookingPolicy(
            min_notice=draw(st.sampled_from([timedelta(0), timedelta(hours=2)])),
            horizon=draw(st.sampled_from([None, timedelta(days=2), timedelta(days=30)])),
        ),
    )


_ROLES = {"li": "beautician", "wang": "beautician", "zhao": "teacher"}
_ROOMS = {"room-1": "room", "room-2": "room", "studio": "studio"}


@st.composite
def _diary(draw: st.DrawFn, day: datetime, now: datetime) -> Schedule:
    """Bookings placed by hand: overlaps, lapsed and live holds, cancellations."""
    bookings = []
    for i in range(draw(st.integers(0, 14))):
        # Instants, not wall times: a day on which clocks change has 23 or 25 hours.
        start_us = to_epoch_us(day) + us(timedelta(minutes=5 * draw(st.integers(-60, 400))))
        end_us = start_us + us(timedelta(minutes=5 * draw(st.integers(1, 30))))
        zone = day.tzinfo or UTC
        start, end = from_epoch_us(start_us, zone), from_epoch_us(end_us, zone)
        resources = draw(
            st.lists(
                st.sampled_from(sorted({**_ROLES, **_ROOMS})), min_size=1, max_size=3, unique=True
            )
        )
        occupancy = []
        for rid in resources:
            capacity = 3 if rid == "studio" else 1
            units = draw(st.integers(1, capacity))
            lo = start_us - us(timedelta(minutes=5 * draw(st.integers(0, 2))))
            occupancy.append(Occupancy(rid, lo, end_us, units, capacity, {**_ROLES, **_ROOMS}[rid]))
        status = draw(
            st.sampled_from([BookingStatus.CONFIRMED, BookingStatus.HELD, BookingStatus.CANCELLED])
        )
        expires = (
            now + timedelta(minutes=draw(st.integers(-30, 30)))
            if status is BookingStatus.HELD
            else None
        )
        bookings.append(
            Booking(
                id=f"b{i}",
                service="treat",
                start=start,
                end=end,
                occupancy=occupancy,
                status=status,
                expires_at=expires,
            )
        )
    return Schedule(bookings)


def _by_start(
    rules: BookingRules,
    request: BookingRequest,
    schedule: Schedule,
    *,
    now: datetime,
    limit: int,
    window: timedelta,
    step: timedelta,
    exclude: tuple[str, ...],
) -> list[Slot]:
    """The oracle: a full check of each grid start, nearest first."""
    return rules._alternatives_by_start(
        rules._validate(request),
        request,
        schedule,
        now_us=to_epoch_us(now),
        limit=limit,
        reach=window // step,
        step_us=us(step),
        exclude=_excluded(exclude),
    )


def _shown(slots: list[Slot]) -> list[tuple[Any, ...]]:
    """What a caller sees of each slot, offsets and zones included."""
    return [
        (s.start.isoformat(), s.end.isoformat(), s.assignment, s.same_resources, s.offset)
        for s in slots
    ]


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Any, ...]:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    rules = draw(_rules(zone_name))
    day = datetime(*draw(st.sampled_from(DAYS)), tzinfo=zone)
    now = day - timedelta(hours=draw(st.sampled_from([-14, -3, 0, 20, 40])))
    schedule = draw(_diary(day, now))
    service = draw(st.sampled_from(["treat", "class"]))
    pins: dict[str, str] = {}
    if draw(st.booleans()):
        if service == "treat":
            pins["room"] = draw(st.sampled_from(["room-1", "room-2"]))
        if draw(st.booleans()):
            role = "beautician" if service == "treat" else "teacher"
            pins[role] = draw(
                st.sampled_from(["li", "wang"] if service == "treat" else ["zhao", "li"])
            )
    start = day + timedelta(minutes=5 * draw(st.integers(0, 287)))
    request = BookingRequest(
        service=service,
        start=start,
        headcount=draw(st.integers(1, 3)) if service == "class" else 1,
        resources=pins,
    )
    limit = draw(st.integers(1, 5))
    step = timedelta(minutes=draw(st.sampled_from([1, 5, 10, 15, 25, 60])))
    window = draw(
        st.sampled_from([timedelta(0), timedelta(hours=3), timedelta(days=1), timedelta(days=3)])
    )
    if window // step > 20_000:
        window = step * 20_000
    exclude = tuple(draw(st.lists(st.sampled_from([f"b{i}" for i in range(14)]), max_size=3)))
    return rules, request, schedule, now, limit, window, step, exclude


@settings(max_examples=250, deadline=None)
@given(case=_cases())
def test_the_search_by_stretches_gives_what_checking_each_start_gives(
    case: tuple[Any, ...],
) -> None:
    rules, request, schedule, now, limit, window, step, exclude = case
    expected = _by_start(
        rules, request, schedule, now=now, limit=limit, window=window, step=step, exclude=exclude
    )
    # The fast search answers for every case here (all inside the calendars' range).
    with mock.patch.object(
        BookingRules, "_alternatives_by_start", side_effect=AssertionError("fell back")
    ):
        found = rules.alternatives(
            request, schedule, now=now, limit=limit, window=window, step=step, exclude=exclude
        )
    assert _shown(found) == _shown(expected)


def test_a_calendar_out_of_range_falls_back_to_checking_each_start() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    calendar = BusinessCalendar(zone, weekly=dict.fromkeys(EVERY_DAY, "10:00-22:00"))
    rules = BookingRules(
        resources=[Resource(id="room", kind=ResourceKind.ROOM)],
        services=[
            Service(
                id="s",
                segments=timedelta(minutes=60),
                requirements=[Requirement(role="room", resource="room")],
            )
        ],
        calendar=calendar,
    )
    # The calendar answers until the end of local 9997: a window reaching past it cannot
    # be read ahead.
    start = datetime(9997, 12, 28, 12, 0, tzinfo=zone)
    now = start - timedelta(days=1)
    request = BookingRequest(service="s", start=start)
    slots = rules.alternatives(request, Schedule(), now=now, limit=2, window=timedelta(days=5))
    assert [s.offset for s in slots] == [timedelta(minutes=-15), timedelta(minutes=15)]
    # The search by stretches gave up on it (the calendar refused the whole window).
    assert (
        rules._refused_starts(
            rules._validate(request),
            0,
            to_epoch_us(start),
            to_epoch_us(start) + us(timedelta(days=5)),
        )
        is None
    )
