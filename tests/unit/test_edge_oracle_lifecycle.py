"""Oracle hunt (booking lifecycle): a schedule of many bookings against a brute-force count.

A club books, holds, cancels, reschedules and retries bookings of services
with buffers, processing time, pools and places (a hall of 3, a room of 2),
at instants around a clock change given in every kind of tzinfo. After every
step the plain model, which keeps the live bookings and counts the places
taken minute by minute, must agree with:

- `Schedule.overlapping` / `is_free` and the capacity peak, for any window;
- `BookingRules.check` (which resource each role gets, in the documented
  order: the first member of the pool that fits, minute by minute) and
  `BookingRules.reschedule` (the booking itself set aside);
- the repository's idempotency keys: the same key and request twice returns
  the stored booking, another request under a key a live booking holds is
  refused with `DuplicateError`, and a cancelled or lapsed booking frees
  its key;
- no resource ever holds more than its capacity.

The lifecycle's own model is the stateful test in `booking/test_model.py`.
Found and fixed: a held or pending booking whose hold had lapsed could be
rescheduled (it blocked nothing, so storage saved its new time unchecked
while the desk was told it had moved); `BookingRules.reschedule` answered a
completed or cancelled booking's move into a taken slot with
`SlotConflictError` instead of `IllegalTransitionError`; and
`BookingRules.book` made bookings born completed, checked in or cancelled
(counted in the success rate without a visit), and refused `status="held"`
for want of an expiry it gives a `BookingStatus.HELD`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from clubrules._time import to_epoch_us
from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    BookingStatus,
    CheckResult,
    Pool,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    Segment,
    Service,
)
from clubrules.booking._capacity import peak
from clubrules.errors import (
    DuplicateError,
    IllegalTransitionError,
    SlotConflictError,
    ValidationError,
)
from clubrules.storage.memory import InMemoryBookingRepository

MIN = timedelta(minutes=1)
MIN_US = 60_000_000
STAFF, ROOM = ResourceKind.STAFF, ResourceKind.ROOM
RESOURCES = (
    Resource(id="li", kind=STAFF),
    Resource(id="wang", kind=STAFF),
    Resource(id="room-1", kind=ROOM),
    Resource(id="room-2", kind=ROOM, capacity=2),
    Resource(id="hall", kind=ROOM, capacity=3),
    Resource(id="laser", kind=ResourceKind.EQUIPMENT),
)
KINDS = {r.id: r for r in RESOURCES}
POOLS = (
    Pool(id="staff", members=("li", "wang")),
    Pool(id="rooms", members=("room-1", "room-2")),
    Pool(id="halls", members=("room-2", "hall")),
)
SERVICES = (
    Service(
        id="facial",
        segments=timedelta(minutes=60),
        requirements=[
            Requirement(role="beautician", pool="staff"),
            Requirement(role="room", pool="rooms"),
        ],
        buffer_before=timedelta(minutes=5),
        buffer_after=timedelta(minutes=10),
    ),
    Service(
        id="colour",
        segments=[
            Segment(timedelta(minutes=30)),
            Segment(timedelta(minutes=40), processing=True),
            Segment(timedelta(minutes=20)),
        ],
        requirements=[
            Requirement(role="stylist", pool="staff"),
            Requirement(role="room", pool="rooms"),
        ],
        buffer_after=timedelta(minutes=5),
    ),
    Service(
        id="class",
        segments=timedelta(minutes=45),
        requirements=[
            Requirement(role="hall", pool="halls", per_person=True),
            Requirement(role="teacher", pool="staff"),
        ],
        buffer_after=timedelta(minutes=5),
        max_headcount=3,
    ),
    Service(
        id="laser",
        segments=[Segment(timedelta(minutes=25)), Segment(timedelta(minutes=15), processing=True)],
        requirements=[
            Requirement(role="machine", resource="laser"),
            Requirement(role="tech", resource="li", during_processing=True),
            Requirement(role="room", pool="halls", per_person=True),
        ],
        buffer_before=timedelta(minutes=10),
        max_headcount=2,
    ),
)
CATALOG = {s.id: s for s in SERVICES}
POOL_OF = {p.id: p.members for p in POOLS}
POLICY = BookingPolicy(min_notice=timedelta(0), horizon=None, hold_for=timedelta(minutes=40))
RULES = BookingRules(resources=RESOURCES, pools=POOLS, services=SERVICES, policy=POLICY)

# Clock changes of 2026 (UTC): New York back, London back, Lord Howe back half
# an hour, Havana forward at local midnight.
CHANGES = (
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 15, tzinfo=UTC),
    datetime(2026, 3, 8, 5, tzinfo=UTC),
)
TZS: tuple[tzinfo, ...] = (
    UTC,
    timezone(timedelta(hours=5, minutes=45)),
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("America/Havana"),
    pendulum.timezone("Europe/London"),
)


def _pieces(service: Service, held: bool) -> list[tuple[int, int]]:
    """Minute offsets from the start that a resource is busy, written out from the docs."""
    minutes: list[int] = []
    before = service.buffer_before // MIN
    minutes.extend(range(-before, 0))
    at = 0
    for seg in service.segments:
        length = seg.duration // MIN
        if held or not seg.processing:
            minutes.extend(range(at, at + length))
        at += length
    minutes.extend(range(at, at + service.buffer_after // MIN))
    return [(m, m + 1) for m in minutes]


class Club:
    """The plain model: live bookings and the places each takes, minute by minute."""

    def __init__(self) -> None:
        self.bookings: dict[str, Booking] = {}

    def live(self, now_us: int) -> list[Booking]:
        out = []
        for b in self.bookings.values():
            if b.status.value in {"confirmed", "checked_in", "completed"}:
                out.append(b)
            elif b.status.value in {"held", "pending"}:
                assert b.expires_at is not None
                if to_epoch_us(b.expires_at) > now_us:
                    out.append(b)
        return out

    def load(
        self, resource: str, minute_us: int, now_us: int, exclude: frozenset[str] = frozenset()
    ) -> tuple[int, set[str]]:
        units, who = 0, set()
        for b in self.live(now_us):
            if b.id in exclude:
                continue
            for o in b.occupancy:
                if o.resource == resource and o.start_us <= minute_us < o.end_us:
                    units += o.units
                    who.add(b.id)
        return units, who

    def assign(
        self, service: Service, start_us: int, headcount: int, now_us: int, exclude: frozenset[str]
    ) -> list[tuple[str, str, int, list[tuple[int, int]]]] | None:
        """Each role's resource: the first member that fits, minute by minute (or None)."""
        taken: set[str] = set()
        out = []
        for req in service.requirements:
            members = (req.resource,) if req.resource is not None else POOL_OF[str(req.pool)]
            units = headcount if req.per_person else 1
            for rid in members:
                assert rid is not None
                res = KINDS[rid]
                held = req.during_processing
                if held is None:
                    held = res.kind is not STAFF
                pieces = _pieces(service, held)
                if rid in taken or units > res.capacity:
                    continue
                if all(
                    self.load(rid, start_us + lo * MIN_US, now_us, exclude)[0] + units
                    <= res.capacity
                    for lo, _ in pieces
                ):
                    taken.add(rid)
                    out.append((req.role, rid, units, pieces))
                    break
            else:
                return None
        return out


def _occupied(
    plan: list[tuple[str, str, int, list[tuple[int, int]]]], start_us: int
) -> set[tuple[str, int, int]]:
    """Every (resource, minute, units) the plan takes."""
    return {
        (rid, start_us + lo * MIN_US, units) for _, rid, units, pieces in plan for lo, _ in pieces
    }


def _minutes(booking: Booking) -> set[tuple[str, int, int]]:
    return {
        (o.resource, m, o.units)
        for o in booking.occupancy
        for m in range(o.start_us, o.end_us, MIN_US)
    }


class ScheduleMachine(RuleBasedStateMachine):
    """Book, cancel, reschedule and retry, checked after every step against `Club`."""

    @initialize(change=st.sampled_from(CHANGES))
    def open_the_club(self, change: datetime) -> None:
        self.base = change - timedelta(hours=3)
        self.now = self.base - timedelta(hours=1)
        self.club = Club()
        self.schedule = Schedule()
        self.repository = InMemoryBookingRepository()
        self.requests: list[tuple[str, BookingRequest, str]] = []  # (key, request, status)
        self.count = 0

    def _at(self, slot: int, zone: tzinfo) -> datetime:
        return (self.base + slot * 5 * MIN).astimezone(zone)

    @property
    def now_us(self) -> int:
        return to_epoch_us(self.now)

    def _write(self, booking: Booking) -> None:
        self.club.bookings[booking.id] = booking
        self.schedule.replace(booking)

    @rule(
        service=st.sampled_from(sorted(CATALOG)),
        slot=st.integers(0, 36),
        headcount=st.integers(1, 3),
        held=st.booleans(),
        zone=st.sampled_from(TZS),
        key=st.sampled_from([None, "k1", "k2", "k3"]),
    )
    def book(  # noqa: PLR0917 - one per drawn value
        self, service: str, slot: int, headcount: int, held: bool, zone: tzinfo, key: str | None
    ) -> None:
        svc = CATALOG[service]
        headcount = min(headcount, svc.max_headcount)
        start = self._at(slot, zone)
        request = BookingRequest(service=service, start=start, headcount=headcount, customer_id="c")
        now = self.now.astimezone(zone)
        result = RULES.check(request, self.schedule, now=now)
        start_us = to_epoch_us(start)
        if start_us < self.now_us:  # the notice is 0: the boundary itself is allowed
            assert "short_notice" in {r.code.value for r in result.reasons}
            with pytest.raises((SlotConflictError, ValidationError)):
                RULES.book(result, booking_id="never", now=now)
            return
        plan = self.club.assign(svc, start_us, headcount, self.now_us, frozenset())
        assert result.ok is (plan is not None)
        if plan is None:
            assert {r.code.value for r in result.reasons} <= {
                "conflict",
                "over_capacity",
                "no_free_member",
            }
            with pytest.raises(SlotConflictError):
                RULES.book(result, booking_id="never", now=now)
            expected = self._capacity_reasons(svc, start_us, headcount)
            got = {
                (r.resource, r.peak, to_epoch_us(r.start), to_epoch_us(r.end), r.bookings)
                for r in result.reasons
                if r.code.value == "over_capacity" and r.start is not None and r.end is not None
            }
            assert len(got) == sum(r.code.value == "over_capacity" for r in result.reasons)
            assert got == expected
            return
        assert list(result.assignment) == [(role, rid) for role, rid, _, _ in plan]
        self.count += 1
        status = BookingStatus.HELD if held else BookingStatus.CONFIRMED
        booking = RULES.book(
            result, booking_id=f"b{self.count}", now=now, status=status, idempotency_key=key
        )
        assert _minutes(booking) == _occupied(plan, start_us)
        self._add(booking, request, key)

    def _capacity_reasons(
        self, svc: Service, start_us: int, headcount: int
    ) -> set[tuple[str | None, int | None, int, int, tuple[str, ...]]]:
        """For a role no member can fill, per member with places and busy stretch: the peak.

        The peak with the request, the first stretch at it, and who is there then.
        """
        out: set[tuple[str | None, int | None, int, int, tuple[str, ...]]] = set()
        taken: set[str] = set()
        for req in svc.requirements:
            units = headcount if req.per_person else 1
            members = (req.resource,) if req.resource is not None else POOL_OF[str(req.pool)]
            found: set[tuple[str | None, int | None, int, int, tuple[str, ...]]] = set()
            for rid in members:
                assert rid is not None
                capacity = KINDS[rid].capacity
                held = req.during_processing
                if held is None:
                    held = KINDS[rid].kind is not STAFF
                if rid in taken or units > capacity:
                    continue
                minutes = [start_us + lo * MIN_US for lo, _ in _pieces(svc, held)]
                loads = {m: self.club.load(rid, m, self.now_us) for m in minutes}
                if all(loads[m][0] + units <= capacity for m in minutes):
                    taken.add(rid)
                    break
                if capacity == 1:
                    continue
                stretches: list[list[int]] = []
                for m in minutes:
                    if stretches and stretches[-1][-1] + MIN_US == m:
                        stretches[-1].append(m)
                    else:
                        stretches.append([m])
                for stretch in stretches:
                    top = max(loads[m][0] for m in stretch)
                    if top + units <= capacity:
                        continue
                    first = next(i for i, m in enumerate(stretch) if loads[m][0] == top)
                    last = first
                    while last + 1 < len(stretch) and loads[stretch[last + 1]][0] == top:
                        last += 1
                    who = set().union(*(loads[m][1] for m in stretch[first : last + 1]))
                    end = stretch[last] + MIN_US
                    found.add((rid, top + units, stretch[first], end, tuple(sorted(who))))
            else:
                out |= found
        return out

    def _holder(self, key: str) -> Booking | None:
        live = [b for b in self.club.live(self.now_us) if b.idempotency_key == key]
        return min(live, key=lambda b: (to_epoch_us(b.start), b.id), default=None)

    def _add(self, booking: Booking, request: BookingRequest, key: str | None) -> None:
        holder = None if key is None else self._holder(key)
        if holder is not None:
            if holder.same_request(booking):
                assert self.repository.add(booking, now=self.now) == holder
            else:
                with pytest.raises(DuplicateError):
                    self.repository.add(booking, now=self.now)
            return
        assert self.repository.add(booking, now=self.now) is booking
        self._write(booking)
        if key is not None:
            self.requests.append((key, request, booking.status.value))

    @rule(data=st.data(), zone=st.sampled_from(TZS))
    def retry(self, data: st.DataObject, zone: tzinfo) -> None:
        """A client sends an earlier request again under its key, its times in another zone."""
        if not self.requests:
            return
        key, request, status = data.draw(st.sampled_from(self.requests))
        again = BookingRequest(
            service=request.service,
            start=request.start.astimezone(zone),
            headcount=request.headcount,
            customer_id=request.customer_id,
        )
        now = self.now.astimezone(zone)
        result = RULES.check(again, self.schedule, now=now)
        if not result.ok:  # its own earlier booking may take the slot: nothing to retry
            return
        self.count += 1
        booking = RULES.book(
            result,
            booking_id=f"b{self.count}",
            now=now,
            status=BookingStatus(status),
            idempotency_key=key,
        )
        self._add(booking, again, key)

    @rule(data=st.data(), zone=st.sampled_from(TZS))
    def resend(self, data: st.DataObject, zone: tzinfo) -> None:
        """A client whose `add` timed out sends the same booking again, under a new id."""
        sent = sorted(b.id for b in self.club.bookings.values() if b.idempotency_key)
        if not sent:
            return
        first = self.club.bookings[data.draw(st.sampled_from(sent))]
        self.count += 1
        again = attrs.evolve(
            first,
            id=f"b{self.count}",
            start=first.start.astimezone(zone),
            end=first.end.astimezone(zone),
            version=1,
        )
        assert again.idempotency_key is not None
        holder = self._holder(again.idempotency_key)
        if holder is not None:
            if holder.same_request(again):
                assert self.repository.add(again, now=self.now.astimezone(zone)) == holder
            else:
                with pytest.raises(DuplicateError):
                    self.repository.add(again, now=self.now.astimezone(zone))
            return
        # The key is free again: a new booking, stored only where its places are free.
        fits = not again.blocks_at(self.now) or all(
            self.club.load(rid, minute, self.now_us)[0] + units <= KINDS[rid].capacity
            for rid, minute, units in _minutes(again)
        )
        if not fits:
            with pytest.raises(SlotConflictError):
                self.repository.add(again, now=self.now)
            return
        assert self.repository.add(again, now=self.now) is again
        self._write(again)

    def _pick(self, data: st.DataObject, moves: set[str]) -> Booking | None:
        ids = sorted(
            b.id
            for b in self.club.bookings.values()
            if b.status.value in moves and b.blocks_at(self.now)
        )
        return self.club.bookings[data.draw(st.sampled_from(ids))] if ids else None

    @rule(data=st.data(), zone=st.sampled_from(TZS))
    def cancel(self, data: st.DataObject, zone: tzinfo) -> None:
        booking = self._pick(data, {"held", "pending", "confirmed"})
        if booking is None:
            return
        cancelled = booking.cancel(now=self.now.astimezone(zone), policy=POLICY)
        self.repository.save(cancelled, now=self.now)
        self._write(cancelled)

    @rule(
        data=st.data(),
        slot=st.integers(0, 36),
        keep=st.booleans(),
        zone=st.sampled_from(TZS),
    )
    def reschedule(self, data: st.DataObject, slot: int, keep: bool, zone: tzinfo) -> None:
        if not self.club.bookings:
            return
        booking = self.club.bookings[data.draw(st.sampled_from(sorted(self.club.bookings)))]
        start = self._at(slot, zone)
        start_us = to_epoch_us(start)
        if booking.status.value not in {"held", "pending", "confirmed"} or not booking.blocks_at(
            self.now
        ):
            # Refused as a move, whether or not the new slot is free; nothing changes.
            with pytest.raises(IllegalTransitionError):
                RULES.reschedule(
                    booking,
                    start,
                    self.schedule,
                    now=self.now.astimezone(zone),
                    keep_resources=keep,
                )
            assert self.repository.get(booking.id) == booking
            return
        svc = CATALOG[booking.service]
        mine = frozenset({booking.id})
        if keep:
            pinned = {o.role: o.resource for o in booking.occupancy}
            plan = self._pinned(booking, svc, start_us, pinned)
        else:
            plan = self.club.assign(svc, start_us, booking.headcount, self.now_us, mine)
        now = self.now.astimezone(zone)
        if start_us < self.now_us:
            with pytest.raises((SlotConflictError, ValidationError)):
                RULES.reschedule(booking, start, self.schedule, now=now, keep_resources=keep)
            return
        if plan is None:
            with pytest.raises(SlotConflictError):
                RULES.reschedule(booking, start, self.schedule, now=now, keep_resources=keep)
            assert self.schedule.get(booking.id) == booking
            return
        moved = RULES.reschedule(booking, start, self.schedule, now=now, keep_resources=keep)
        assert moved.version == booking.version + 1
        assert moved.status is booking.status
        assert moved.idempotency_key == booking.idempotency_key
        assert _minutes(moved) == _occupied(plan, start_us)
        self.repository.save(moved, now=self.now)
        self._write(moved)

    def _pinned(
        self, booking: Booking, svc: Service, start_us: int, pinned: dict[str, str]
    ) -> list[tuple[str, str, int, list[tuple[int, int]]]] | None:
        """The booking's own resources at `start_us`, if each has room minute by minute."""
        plan = []
        for req in svc.requirements:
            rid = pinned[req.role]
            units = booking.headcount if req.per_person else 1
            held = req.during_processing
            if held is None:
                held = KINDS[rid].kind is not STAFF
            pieces = _pieces(svc, held)
            for lo, _ in pieces:
                minute = start_us + lo * MIN_US
                used, _who = self.club.load(rid, minute, self.now_us, frozenset({booking.id}))
                if used + units > KINDS[rid].capacity:
                    return None
            plan.append((req.role, rid, units, pieces))
        return plan

    @rule(minutes=st.sampled_from([1, 5, 15, 39, 40, 41, 90]))
    def wait(self, minutes: int) -> None:
        self.now += minutes * MIN

    @rule(
        resource=st.sampled_from([r.id for r in RESOURCES]),
        lo=st.integers(-30, 6 * 60 + 60),
        length=st.integers(1, 240),
        exclude=st.sets(st.integers(1, 12), max_size=2),
    )
    def look_up(self, resource: str, lo: int, length: int, exclude: set[int]) -> None:
        base = to_epoch_us(self.base)
        lo_us, hi_us = base + lo * MIN_US, base + (lo + length) * MIN_US
        skip = frozenset(f"b{n}" for n in exclude)
        found = self.schedule.overlapping(resource, lo_us, hi_us, self.now_us, skip)
        expected = {
            (o.start_us, o.end_us, o.units, b.id)
            for b in self.club.live(self.now_us)
            if b.id not in skip
            for o in b.occupancy
            if o.resource == resource and o.start_us < hi_us and o.end_us > lo_us
        }
        assert sorted(found) == sorted(expected)
        assert len(found) == len(expected)
        assert self.schedule.is_free(resource, lo_us, hi_us, self.now_us, skip) is (not expected)
        # The peak: the most places in use, the first stretch at it, who is there.
        loads = [
            self.club.load(resource, m, self.now_us, skip) for m in range(lo_us, hi_us, MIN_US)
        ]
        top = max(units for units, _ in loads)
        got = peak(found, lo_us, hi_us)
        if top == 0:
            assert got == (0, lo_us, hi_us, set())
            return
        first = next(i for i, (units, _) in enumerate(loads) if units == top)
        last = first
        while last + 1 < len(loads) and loads[last + 1][0] == top:
            last += 1
        present = set().union(*(who for _, who in loads[first : last + 1]))
        assert got == (top, lo_us + first * MIN_US, lo_us + (last + 1) * MIN_US, present)

    @invariant()
    def nothing_is_over_capacity(self) -> None:
        if not hasattr(self, "club"):
            return
        used: dict[tuple[str, int], int] = {}
        for b in self.club.live(self.now_us):
            for rid, minute, units in _minutes(b):
                used[rid, minute] = used.get((rid, minute), 0) + units
        for (rid, _), units in used.items():
            assert units <= KINDS[rid].capacity
        assert {b.id for b in self.schedule} == {
            b.id for b in self.club.bookings.values() if b.blocks_at(None)
        }
        for b in self.club.bookings.values():
            assert self.repository.get(b.id) == b


TestSchedule = ScheduleMachine.TestCase
TestSchedule.settings = settings(max_examples=120, stateful_step_count=40, deadline=None)


NOW = datetime(2026, 10, 31, 22, tzinfo=UTC)


def _result(start: datetime, schedule: Schedule | None = None) -> CheckResult:
    request = BookingRequest(service="facial", start=start)
    return RULES.check(request, schedule or Schedule(), now=NOW)


@pytest.mark.parametrize(
    ("status", "made"),
    [
        (BookingStatus.HELD, BookingStatus.HELD),
        ("held", BookingStatus.HELD),
        ("pending", BookingStatus.PENDING),
        (BookingStatus.CONFIRMED, BookingStatus.CONFIRMED),
    ],
)
def test_book_makes_a_booking_where_its_lifecycle_begins(
    status: object, made: BookingStatus
) -> None:
    booking = RULES.book(_result(NOW + 2 * MIN * 60), booking_id="b", now=NOW, status=status)  # type: ignore[arg-type]
    assert booking.status is made
    if made is BookingStatus.HELD:  # the policy's hold, whether the status came as a value
        assert booking.expires_at == NOW + POLICY.hold_for


@pytest.mark.parametrize(
    "status",
    [
        BookingStatus.COMPLETED,
        BookingStatus.CHECKED_IN,
        BookingStatus.CANCELLED,
        "no_show",
        "x",
        [],
        None,
    ],
)
def test_book_refuses_a_status_only_a_move_reaches(status: object) -> None:
    with pytest.raises(ValidationError) as caught:
        RULES.book(_result(NOW + 2 * MIN * 60), booking_id="b", now=NOW, status=status)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("status", "not_a_first_status")


def test_a_booking_that_cannot_move_is_refused_as_such_even_where_the_slot_is_taken() -> None:
    start = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York"))
    schedule = Schedule()
    for n in (1, 2):  # both beauticians and both rooms
        schedule.add(RULES.book(_result(start, schedule), booking_id=f"taken-{n}", now=NOW))
    assert not _result(start, schedule).ok
    hold = RULES.book(
        _result(start + 3 * MIN * 60), booking_id="hold", now=NOW, status=BookingStatus.HELD
    )
    lapsed = NOW + POLICY.hold_for
    for to in (start, start + 4 * MIN * 60):  # a taken slot, a free one
        with pytest.raises(IllegalTransitionError, match="expired"):
            RULES.reschedule(hold, to, schedule, now=lapsed)
    with pytest.raises(IllegalTransitionError, match="expired"):
        hold.reschedule(hold.start, hold.end, hold.occupancy, now=lapsed)
    one_before = lapsed - timedelta(microseconds=1)
    assert RULES.reschedule(hold, start + 4 * MIN * 60, schedule, now=one_before).version == 2
    done = RULES.book(_result(start + 6 * MIN * 60), booking_id="done", now=NOW)
    done = done.check_in(now=NOW).complete(now=NOW)
    with pytest.raises(IllegalTransitionError):  # the slot is taken, but the booking is done
        RULES.reschedule(done, start, schedule, now=NOW)
