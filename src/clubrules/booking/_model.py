"""The booking model: resources, pools, services, occupancy, bookings and policies."""

from __future__ import annotations

import enum
import types
from collections.abc import Iterable  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import attrs

from clubrules._checks import (
    check_count,
    check_enum,
    check_flag,
    check_instant_field,
    check_int_range,
    check_items,
    check_names,
    check_storable,
    check_storable_text,
    frozenset_of_names,
    raise_collected,
    require_flag,
    require_instance,
    require_items,
    shown,
    tuple_of_names,
)
from clubrules._time import from_epoch_us, instants_compared, require_aware, to_epoch_us
from clubrules.errors import IllegalTransitionError, ViolationCollector

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ACTIVE_STATUSES",
    "Booking",
    "BookingPolicy",
    "BookingStatus",
    "Occupancy",
    "Pool",
    "Requirement",
    "Resource",
    "ResourceKind",
    "Segment",
    "Service",
]


_FAR = 1 << 62  # "never expires", as epoch microseconds


def _check_id(problems: ViolationCollector, field: str, value: object) -> None:
    if not check_storable(problems, field, value):
        return
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        problems.add(field, "invalid_id", "must be a non-blank string without surrounding spaces")


def _check_delta(problems: ViolationCollector, field: str, value: object) -> None:
    if not isinstance(value, timedelta):
        problems.add(field, "not_a_timedelta", f"must be a timedelta, not {type(value).__name__}")
    elif value < timedelta(0):
        problems.add(field, "negative", f"must not be negative, got {value}")
    elif value % timedelta(microseconds=1):
        problems.add(field, "sub_microsecond", "must be a whole number of microseconds")


# The instants a datetime can hold, as epoch microseconds: years 1-9999 in UTC.
FIRST_US = to_epoch_us(datetime.min.replace(tzinfo=UTC))
LAST_US = to_epoch_us(datetime.max.replace(tzinfo=UTC))


def _check_instant_us(problems: ViolationCollector, field: str, value: int) -> bool:
    """An instant in epoch microseconds that a datetime can hold (rule `out_of_range`)."""
    if FIRST_US <= value <= LAST_US:
        return True
    problems.add(
        field, "out_of_range", "is an instant outside years 1-9999, which no datetime can hold"
    )
    return False


def us(delta: timedelta) -> int:
    """A timedelta as whole microseconds."""
    return delta // timedelta(microseconds=1)


class ResourceKind(enum.Enum):
    """What a resource is: staff are released during processing segments; rooms are not."""

    STAFF = "staff"
    ROOM = "room"
    EQUIPMENT = "equipment"


@attrs.frozen(kw_only=True)
class Resource:
    """Something a booking occupies: a staff member, a room, a machine.

    Attributes:
        id: The integrator's identifier.
        kind: A [ResourceKind][clubrules.booking.ResourceKind].
        capacity: How many units it holds at once: 1 for a beautician, 4 for
            a room holding four people, 20 for a yoga studio.
        skills: Tags that pools select on, such as `{"facial", "massage"}`.
        name: A display name (defaults to the id).

    Raises:
        ValidationError: a blank id, a capacity below 1, a kind that is
            not a `ResourceKind`, or a name that is not a string.

    Examples:
        >>> Resource(id="room-1", kind=ResourceKind.ROOM, capacity=4).capacity
        4
    """

    id: str
    kind: ResourceKind = ResourceKind.STAFF
    capacity: int = 1
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset_of_names)
    name: str = ""

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_id(problems, "id", self.id)
        check_enum(problems, "kind", self.kind, ResourceKind)
        check_count(problems, "capacity", self.capacity, minimum=1, wording="integer")
        check_names(problems, "skills", self.skills)
        check_storable_text(problems, "name", self.name)
        raise_collected(problems)

    @property
    def label(self) -> str:
        """The display name, or the id when there is none."""
        return self.name or self.id


@attrs.frozen(kw_only=True)
class Pool:
    """A set of interchangeable resources: "any free room", "any beautician with skill X".

    Give either explicit `members` (tried in the given order), or a `kind`
    and `skills` that select members from the catalog (tried in id order).

    Attributes:
        id: The integrator's identifier; it shares a namespace with resource ids.
        members: Resource ids, in order of preference.
        kind: Select resources of this kind (when `members` is empty).
        skills: Select resources having all of these skills (when `members` is empty).

    Raises:
        ValidationError: a blank id, neither members nor a kind, or a kind
            that is not a `ResourceKind`.
    """

    id: str
    members: tuple[str, ...] = attrs.field(default=(), converter=tuple_of_names)
    kind: ResourceKind | None = None
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset_of_names)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_id(problems, "id", self.id)
        if not check_names(problems, "members", self.members) or not check_names(
            problems, "skills", self.skills
        ):
            raise_collected(problems)
        if self.kind is not None:
            check_enum(problems, "kind", self.kind, ResourceKind)
        if not self.members and self.kind is None:
            problems.add("members", "empty_pool", "give members, or a kind (and skills) to select")
        if len(set(self.members)) != len(self.members):
            problems.add("members", "duplicate_member", "lists a resource twice")
        raise_collected(problems)

    def select(self, resources: Iterable[Resource]) -> tuple[str, ...]:
        """The member ids, in order of preference, among `resources`."""
        resources = require_items(resources, Resource, "resources")
        if self.members:
            return self.members
        chosen = [
            r.id
            for r in resources
            if (self.kind is None or r.kind is self.kind) and self.skills <= r.skills
        ]
        return tuple(sorted(chosen))


@attrs.frozen(kw_only=True)
class Requirement:
    """One resource a service needs: a named role filled from a resource or a pool.

    Attributes:
        role: The role's name within the service, such as `"beautician"`.
        resource: A fixed resource id (give this or `pool`).
        pool: A pool id: any free member will do (give this or `resource`).
        per_person: If True, the booking takes one unit of capacity per
            person (a group class, a room holding 4); otherwise one unit.
        during_processing: Whether the resource stays busy during processing
            segments. None (the default) means: staff are released, rooms
            and equipment are kept.

    Raises:
        ValidationError: neither or both of `resource` and `pool`, or one
            that is not an id.
    """

    role: str
    resource: str | None = None
    pool: str | None = None
    per_person: bool = False
    during_processing: bool | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_id(problems, "role", self.role)
        check_flag(problems, "per_person", self.per_person)
        if self.during_processing is not None:
            check_flag(problems, "during_processing", self.during_processing)
        for field in ("resource", "pool"):
            if getattr(self, field) is not None:
                _check_id(problems, field, getattr(self, field))
        if (self.resource is None) == (self.pool is None):
            problems.add("resource", "resource_or_pool", "give exactly one of resource and pool")
        raise_collected(problems)

    @property
    def target(self) -> str:
        """The resource or pool id this role is filled from."""
        return self.resource if self.resource is not None else str(self.pool)


@attrs.frozen
class Segment:
    """A part of a service; in a processing segment the staff are free but the room is not.

    Attributes:
        duration: How long the segment lasts.
        processing: True while, say, a colour develops or a mask sets.
    """

    duration: timedelta
    processing: bool = False

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_delta(problems, "duration", self.duration)
        if not problems and self.duration <= timedelta(0):
            problems.add("duration", "empty", "must be longer than zero")
        check_flag(problems, "processing", self.processing)
        raise_collected(problems)


def _check_length(problems: ViolationCollector, service: Service) -> None:
    """The busy time of `service`, buffers included, fits between two datetimes.

    Longer, no start could be booked, and its `duration` could not be summed.
    """
    segments = sum(us(s.duration) for s in service.segments)
    before, after = us(service.buffer_before), us(service.buffer_after)
    if segments + before + after <= LAST_US - FIRST_US:
        return
    message = "lasts, buffers included, longer than any two datetimes are apart (9998 years)"
    if segments > LAST_US - FIRST_US:
        problems.add("segments", "too_long", message)
        return
    for field, length in (("buffer_before", before), ("buffer_after", after)):
        if length:
            problems.add(field, "too_long", message)


def _to_segments(value: object) -> tuple[Segment, ...]:
    if isinstance(value, timedelta):
        return (Segment(value),)
    if isinstance(value, Segment):
        return (value,)
    return require_items(value, Segment, "segments")


def _to_requirements(value: Iterable[Requirement]) -> tuple[Requirement, ...]:
    return require_items(value, Requirement, "requirements")


@attrs.frozen(kw_only=True)
class Service:
    """A bookable service item: its time, buffers, segments, resources and headcount.

    The customer's time is the sum of the segments. Buffers (set-up before,
    clean-up after) block every required resource but are not the
    customer's time. In a processing segment, staff are released (unless a
    requirement says otherwise) while rooms and equipment stay busy.

    Attributes:
        id: The integrator's identifier.
        segments: The parts of the service in order; a single `timedelta`
            is accepted for a service without processing time.
        requirements: The [Requirement][clubrules.booking.Requirement]s,
            all reserved together or none.
        buffer_before: Set-up time before the customer's time.
        buffer_after: Clean-up time after the customer's time.
        max_headcount: How many people one booking may bring.
        name: A display name (defaults to the id).

    Raises:
        ValidationError: negative buffers, no segments, no requirements,
            two requirements with one role, a headcount below 1, or a name
            that is not a string; segments
            and buffers longer together than any two datetimes are apart
            (rule `too_long`), which no start could be booked for.

    Examples:
        >>> from datetime import timedelta
        >>> facial = Service(
        ...     id="facial",
        ...     segments=timedelta(minutes=60),
        ...     requirements=[Requirement(role="beautician", pool="beauticians")],
        ...     buffer_after=timedelta(minutes=10),
        ... )
        >>> facial.duration
        datetime.timedelta(seconds=3600)
    """

    id: str
    segments: tuple[Segment, ...] = attrs.field(converter=_to_segments)
    requirements: tuple[Requirement, ...] = attrs.field(converter=_to_requirements)
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    max_headcount: int = 1
    name: str = ""

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_id(problems, "id", self.id)
        if not self.segments:
            problems.add("segments", "empty", "needs at least one segment")
        check_items(problems, "segments", self.segments, Segment, rule="not_a_segment")
        _check_delta(problems, "buffer_before", self.buffer_before)
        _check_delta(problems, "buffer_after", self.buffer_after)
        check_count(problems, "max_headcount", self.max_headcount, minimum=1, wording="integer")
        check_storable_text(problems, "name", self.name)
        if not problems:
            _check_length(problems, self)
        if not self.requirements:
            problems.add("requirements", "empty", "needs at least one resource")
        requirements: tuple[object, ...] = self.requirements
        roles = [r.role for r in requirements if isinstance(r, Requirement)]
        if len(roles) != len(requirements):
            problems.add("requirements", "not_a_requirement", "must hold Requirement values")
        elif len(set(roles)) != len(roles):
            problems.add("requirements", "duplicate_role", "names one role twice")
        raise_collected(problems)

    @property
    def duration(self) -> timedelta:
        """The customer's time: the sum of the segments, buffers excluded."""
        return sum((s.duration for s in self.segments), timedelta(0))

    def busy_offsets(self, *, held_during_processing: bool) -> tuple[tuple[int, int], ...]:
        """The µs offsets from the start that a resource is busy, buffers included, merged.

        Args:
            held_during_processing: Whether the resource stays busy in
                processing segments.

        Raises:
            ValidationError: `held_during_processing` is not True or False
                (rule `not_a_bool`).
        """
        require_flag(held_during_processing, "held_during_processing")
        pieces: list[tuple[int, int]] = []
        at = 0
        before = us(self.buffer_before)
        if before:
            pieces.append((-before, 0))
        for seg in self.segments:
            length = us(seg.duration)
            if held_during_processing or not seg.processing:
                pieces.append((at, at + length))
            at += length
        after = us(self.buffer_after)
        if after:
            pieces.append((at, at + after))
        merged: list[tuple[int, int]] = []
        for lo, hi in pieces:
            if merged and merged[-1][1] == lo:
                merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        return tuple(merged)


@attrs.frozen
class Occupancy:
    """One resource made busy by a booking over `[start_us, end_us)`, in epoch microseconds.

    Buffers are included. The capacity of the resource is carried along, so
    that storage can enforce it atomically without a catalog.

    Attributes:
        resource: The resource id.
        start_us: Start, microseconds since the Unix epoch (UTC).
        end_us: End (exclusive), microseconds since the Unix epoch.
        units: How many units of capacity it takes (the headcount, or 1).
        capacity: The resource's capacity when the booking was made.
        role: The service role this resource fills, such as `"room"`.

    Raises:
        InvalidIntervalError: the end is not after the start.
        ValidationError: units below 1 or above the capacity; a start or
            end outside years 1-9999, which no datetime can show (rule
            `out_of_range`, naming `start_us` or `end_us`).
    """

    resource: str
    start_us: int
    end_us: int
    units: int = 1
    capacity: int = 1
    role: str = ""

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_id(problems, "resource", self.resource)
        check_storable_text(problems, "role", self.role)
        if type(self.start_us) is not int or type(self.end_us) is not int:
            for name in ("start_us", "end_us"):
                value = getattr(self, name)
                if isinstance(value, bool) or not isinstance(value, int):
                    problems.add(name, "not_an_integer", "must be epoch microseconds (an int)")
        else:
            ends = ("start_us", "end_us")
            stored = [
                check_int_range(problems, n, getattr(self, n))
                and _check_instant_us(problems, n, getattr(self, n))
                for n in ends
            ]
            if all(stored) and self.end_us <= self.start_us:
                rule = "end_before_start" if self.end_us < self.start_us else "empty_interval"
                problems.add("end", rule, "must be after the start")
        check_count(problems, "capacity", self.capacity, minimum=1, wording="integer")
        check_count(problems, "units", self.units, minimum=1, wording="integer")
        if not problems and self.units > self.capacity:
            problems.add(
                "units",
                "over_capacity",
                f"{shown(self.units)} exceeds the capacity {shown(self.capacity)}",
            )
        raise_collected(problems)

    @classmethod
    def _from_row(  # noqa: PLR0917 - one per field, positional as a stored row is
        cls, resource: str, start_us: int, end_us: int, units: int, capacity: int, role: str
    ) -> Occupancy:
        """An occupancy read back from a row that clubrules wrote: no validation (private).

        For the storage adapters only, as `Booking._from_row`.
        """
        self = _new(cls)
        # Each slot's own setter (`_slot_setters`), called directly.
        _set_occ_resource(self, resource)
        _set_occ_start_us(self, start_us)
        _set_occ_end_us(self, end_us)
        _set_occ_units(self, units)
        _set_occ_capacity(self, capacity)
        _set_occ_role(self, role)
        return self

    @classmethod
    def between(
        cls,
        resource: str,
        start: datetime,
        end: datetime,
        *,
        units: int = 1,
        capacity: int = 1,
        role: str = "",
    ) -> Occupancy:
        """An occupancy from two aware datetimes.

        Raises:
            NaiveDatetimeError: a naive datetime.
            InvalidIntervalError: `end` is not after `start`.
        """
        require_aware(start, "start")
        require_aware(end, "end")
        return cls(resource, to_epoch_us(start), to_epoch_us(end), units, capacity, role)

    @property
    def start(self) -> datetime:
        """The start, as an aware datetime in UTC."""
        return from_epoch_us(self.start_us)

    @property
    def end(self) -> datetime:
        """The end (exclusive), as an aware datetime in UTC."""
        return from_epoch_us(self.end_us)


class BookingStatus(enum.Enum):
    """Where a booking is in its lifecycle.

    Moves (methods of [Booking][clubrules.booking.Booking]):

    - held: `submit` (to pending), `confirm`, `expire`, `cancel`, `reschedule`
      (submit, confirm and reschedule only before `expires_at`);
    - pending: `confirm`, `expire`, `cancel`, `reschedule` (confirm and
      reschedule only before `expires_at`);
    - confirmed: `check_in`, `cancel` (late past the cutoff), `mark_no_show`,
      `reschedule`;
    - checked in: `complete`;
    - completed, cancelled, no-show and expired are final.

    Held and pending bookings block their slot until `expires_at`;
    confirmed, checked-in and completed ones always block.
    """

    HELD = "held"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    EXPIRED = "expired"


ACTIVE_STATUSES = frozenset(
    {
        BookingStatus.HELD,
        BookingStatus.PENDING,
        BookingStatus.CONFIRMED,
        BookingStatus.CHECKED_IN,
        BookingStatus.COMPLETED,
    }
)
"""Statuses that block their slot (held and pending only until they expire)."""

_EXPIRING = frozenset({BookingStatus.HELD, BookingStatus.PENDING})


def _check_not_lapsed(problems: ViolationCollector, booking: Booking) -> None:
    """A held or pending booking expires after it was made (rule `already_lapsed`).

    One that expires at or before its `created_at` would be born lapsed: it
    blocks nothing, and every move but `expire` and `cancel` refuses it.
    Both instants are checked aware datetimes.
    """
    status = booking.status
    if (status is BookingStatus.HELD or status is BookingStatus.PENDING) and to_epoch_us(
        cast("datetime", booking.expires_at)
    ) <= to_epoch_us(cast("datetime", booking.created_at)):
        problems.add(
            "expires_at",
            "already_lapsed",
            "must be after created_at (the booking's `now` when it is made): a held or "
            "pending booking expiring by then has already lapsed and blocks nothing",
        )


def _to_status(value: object) -> BookingStatus:
    if isinstance(value, str):
        try:
            return BookingStatus(value)
        except ValueError:
            return value  # type: ignore[return-value]
    return value  # type: ignore[return-value]


def _to_occupancy(value: Iterable[Occupancy]) -> tuple[Occupancy, ...]:
    return require_items(value, Occupancy, "occupancy")


@attrs.frozen(kw_only=True)
class BookingPolicy:
    """The club's booking policies.

    Attributes:
        min_notice: The earliest a booking may start is `now + min_notice`
            (exactly at the boundary is allowed).
        horizon: The latest a booking may start is `now + horizon`; None
            for no limit.
        hold_for: How long a temporary hold blocks its slot (longer than zero).
        late_cancel_cutoff: A cancellation less than this before the start
            is late (the booking is flagged `late_cancel`).
        no_show_after: A confirmed booking may be marked a no-show once its
            start is this far in the past.

    Raises:
        ValidationError: a negative or non-timedelta value; a `hold_for` of
            zero (rule `empty`), whose holds would lapse as they are made.
    """

    min_notice: timedelta = timedelta(0)
    horizon: timedelta | None = timedelta(days=90)
    hold_for: timedelta = timedelta(minutes=10)
    late_cancel_cutoff: timedelta = timedelta(hours=24)
    no_show_after: timedelta = timedelta(minutes=15)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_delta(problems, "min_notice", self.min_notice)
        if self.horizon is not None:
            _check_delta(problems, "horizon", self.horizon)
        _check_delta(problems, "hold_for", self.hold_for)
        if self.hold_for == timedelta(0):
            problems.add(
                "hold_for", "empty", "must be longer than zero (a hold for no time lapses)"
            )
        _check_delta(problems, "late_cancel_cutoff", self.late_cancel_cutoff)
        _check_delta(problems, "no_show_after", self.no_show_after)
        raise_collected(problems)


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class Booking:
    """A booking: the customer's time, what it occupies, and where it is in its lifecycle.

    Make one from a passing check with
    [BookingRules.book][clubrules.booking.BookingRules.book]; move it through
    its lifecycle with the methods below, each of which returns a new
    booking with `version` raised by one.

    Attributes:
        id: The integrator's identifier.
        service: The service id.
        start: The start of the customer's time (aware).
        end: The end of the customer's time (aware, exclusive).
        occupancy: The resources made busy, buffers included.
        status: A [BookingStatus][clubrules.booking.BookingStatus].
        headcount: How many people.
        customer_id: Who booked, if known.
        expires_at: When a held (or pending) booking stops blocking its slot.
        late_cancel: Set when a cancellation came after the late-cancel cutoff.
        confirmation_code: The code given to the customer.
        idempotency_key: The client's key; a retried request with it returns
            this booking instead of making a second one.
        taken_by: The staff member who took the booking (for the success rate).
        created_at: When the booking was made.
        version: Raised by one on every change; storage checks it.

    Raises:
        ValidationError: bad fields, all reported together; a held booking
            without `expires_at`; a held or pending booking whose
            `expires_at` is at or before its `created_at` (rule
            `already_lapsed`: it would be born lapsed, blocking nothing);
            naive datetimes (`NaiveDatetimeError`).
    """

    id: str
    service: str
    start: datetime
    end: datetime
    occupancy: tuple[Occupancy, ...] = attrs.field(converter=_to_occupancy)
    status: BookingStatus = attrs.field(default=BookingStatus.CONFIRMED, converter=_to_status)
    headcount: int = 1
    customer_id: str | None = None
    expires_at: datetime | None = None
    late_cancel: bool = False
    confirmation_code: str | None = None
    idempotency_key: str | None = None
    taken_by: str | None = None
    created_at: datetime | None = None
    version: int = 1
    _expires_us: int = attrs.field(init=False, repr=False, eq=False)
    # None until first scanned when read from storage: most bookings read are never scanned.
    _rows: tuple[tuple[str, int, tuple[int, int, int, str, float]], ...] | None = attrs.field(
        init=False, default=None, repr=False, eq=False
    )

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_id(problems, "id", self.id)
        _check_id(problems, "service", self.service)
        # Held canonical: a wall time skipped by DST as it exists, so that the
        # booking equals itself read back from any adapter.
        ok = check_instant_field(problems, self, "start")
        ok = check_instant_field(problems, self, "end") and ok
        # Compared as instants: datetimes sharing a tzinfo compare by wall time.
        if ok and to_epoch_us(self.end) <= to_epoch_us(self.start):
            rule = (
                "end_before_start"
                if to_epoch_us(self.end) < to_epoch_us(self.start)
                else "empty_interval"
            )
            problems.add("end", rule, "must be after start")
        check_enum(problems, "status", self.status, BookingStatus)
        check_count(problems, "headcount", self.headcount, minimum=1, wording="integer")
        check_flag(problems, "late_cancel", self.late_cancel)
        check_count(problems, "version", self.version, minimum=1, wording="integer")
        for field in ("customer_id", "confirmation_code", "idempotency_key", "taken_by"):
            check_storable_text(problems, field, getattr(self, field), optional=True)
        if not self.occupancy:
            problems.add("occupancy", "empty", "must occupy at least one resource")
        check_items(problems, "occupancy", self.occupancy, Occupancy, rule="not_an_occupancy")
        expires = self.expires_at is not None and check_instant_field(problems, self, "expires_at")
        if self.expires_at is None and self.status is BookingStatus.HELD:
            problems.add("expires_at", "required", "a held booking needs an expiry")
        if (
            self.created_at is not None
            and check_instant_field(problems, self, "created_at")
            and expires
        ):
            _check_not_lapsed(problems, self)
        raise_collected(problems)
        self._derive()

    def _derive(self) -> None:
        """Fill in the derived fields, once the booking is validated."""
        expires = _FAR
        if self.status in _EXPIRING and self.expires_at is not None:
            expires = to_epoch_us(self.expires_at)
        elif self.status not in ACTIVE_STATUSES:
            expires = -_FAR
        object.__setattr__(self, "_expires_us", expires)
        self._scan_rows()

    def _scan_rows(self) -> tuple[tuple[str, int, tuple[int, int, int, str, float]], ...]:
        """The rows `find_conflicts` scans, made once (bookings that never block have none).

        One `(resource, capacity, (start_us, end_us, units, id, start_us as float))`
        per occupancy; the float is an exact sort key (below 2**53) that sorts
        faster than a large int.
        """
        rows = self._rows
        if rows is None:
            rows = ()
            if self._expires_us > -_FAR:
                key = self.id
                rows = tuple(
                    (o.resource, o.capacity, (o.start_us, o.end_us, o.units, key, o.start_us * 1.0))
                    for o in self.occupancy
                )
            object.__setattr__(self, "_rows", rows)
        return rows

    @classmethod
    def _from_row(  # noqa: PLR0917 - one per column, positional as a stored row is
        cls,
        id: str,  # noqa: A002 - the field's name
        service: str,
        start: datetime,
        end: datetime,
        occupancy: tuple[Occupancy, ...],
        status: BookingStatus,
        headcount: int,
        customer_id: str | None,
        expires_at: datetime | None,
        late_cancel: bool,
        confirmation_code: str | None,
        idempotency_key: str | None,
        taken_by: str | None,
        created_at: datetime | None,
        version: int,
        blocking_until_us: int,
    ) -> Booking:
        """A booking read back from a row that clubrules wrote: no validation (private).

        For the storage adapters only. The row was validated as a `Booking`
        on its way in, and the schema's checks keep it so; re-running the
        validators on every read would cost more than the read itself.
        `blocking_until_us` is the stored `Booking.blocking_until_us`.
        Anything an integrator passes in goes through the constructor.
        """
        self = _new(cls)
        # Each slot's own setter, as `Occupancy._from_row`.
        _set_id(self, id)
        _set_service(self, service)
        _set_start(self, start)
        _set_end(self, end)
        _set_occupancy(self, occupancy)
        _set_status(self, status)
        _set_headcount(self, headcount)
        _set_customer_id(self, customer_id)
        _set_expires_at(self, expires_at)
        _set_late_cancel(self, late_cancel)
        _set_confirmation_code(self, confirmation_code)
        _set_idempotency_key(self, idempotency_key)
        _set_taken_by(self, taken_by)
        _set_created_at(self, created_at)
        _set_version(self, version)
        _set_expires_us(self, blocking_until_us)
        _set_rows(self, None)
        return self

    @property
    def resources(self) -> tuple[str, ...]:
        """The ids of the resources this booking occupies, in order."""
        return tuple(dict.fromkeys(o.resource for o in self.occupancy))

    def blocks_at(self, now: datetime | None = None) -> bool:
        """Whether the booking blocks its slot at `now` (expired holds do not).

        With `now` None, every active status blocks, expiry ignored.
        """
        if now is None:
            return self.status in ACTIVE_STATUSES
        return self._expires_us > to_epoch_us(require_aware(now, "now"))

    @property
    def blocking_until_us(self) -> int:
        """Epoch µs until which the booking blocks: far future, its expiry, or far past."""
        return self._expires_us

    def same_request(self, other: Booking) -> bool:
        """Whether `other` asks for the same thing (service, times, people, customer)."""
        require_instance(other, Booking, "other")
        return (
            self.service == other.service
            and to_epoch_us(self.start) == to_epoch_us(other.start)
            and to_epoch_us(self.end) == to_epoch_us(other.end)
            and self.headcount == other.headcount
            and self.customer_id == other.customer_id
        )

    # --- lifecycle ---------------------------------------------------------

    def _move(self, action: str, now: datetime, to: BookingStatus, **changes: object) -> Booking:
        require_aware(now, "now")
        allowed = _ALLOWED[self.status]
        if action not in allowed:
            raise IllegalTransitionError(self.status.value, action, allowed)
        return attrs.evolve(self, status=to, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def _refuse(self, action: str, reason: str) -> IllegalTransitionError:
        return IllegalTransitionError(
            self.status.value, action, _ALLOWED[self.status], reason=reason
        )

    def _check_not_expired(self, action: str, now: datetime) -> None:
        if (
            self.status in _EXPIRING
            and self.expires_at is not None
            and to_epoch_us(now) >= to_epoch_us(self.expires_at)
        ):
            raise self._refuse(action, "the hold has expired; check the slot and hold it again")

    def submit(self, *, now: datetime) -> Booking:
        """A held booking becomes pending (awaiting the club's or a payment's confirmation).

        The expiry is kept: a pending booking blocks its slot until it expires.

        Raises:
            IllegalTransitionError: not held, or the hold has expired.
        """
        self._check_not_expired("submit", require_aware(now, "now"))
        return self._move("submit", now, BookingStatus.PENDING)

    def confirm(self, *, now: datetime, confirmation_code: str | None = None) -> Booking:
        """A held or pending booking becomes confirmed; its expiry is cleared.

        Storage re-checks the slot when the confirmed booking is written.

        Args:
            now: When the booking is confirmed (aware).
            confirmation_code: The code to give the customer now that the
                booking is confirmed (see `new_confirmation_code`); None
                keeps the booking's code, if it was given one when held.

        Raises:
            IllegalTransitionError: not held or pending, or expired.
            ValidationError: `confirmation_code` is not storable text.
        """
        self._check_not_expired("confirm", require_aware(now, "now"))
        if confirmation_code is None:
            return self._move("confirm", now, BookingStatus.CONFIRMED, expires_at=None)
        return self._move(
            "confirm",
            now,
            BookingStatus.CONFIRMED,
            expires_at=None,
            confirmation_code=confirmation_code,
        )

    def expire(self, *, now: datetime) -> Booking:
        """A held or pending booking whose expiry has passed becomes expired.

        Raises:
            IllegalTransitionError: not held or pending, or not yet expired.
        """
        require_aware(now, "now")
        if self.status in _EXPIRING and (
            self.expires_at is None or to_epoch_us(now) < to_epoch_us(self.expires_at)
        ):
            raise self._refuse("expire", "the expiry has not passed")
        return self._move("expire", now, BookingStatus.EXPIRED)

    def check_in(self, *, now: datetime) -> Booking:
        """The customer has arrived.

        Raises:
            IllegalTransitionError: not confirmed.
        """
        return self._move("check_in", now, BookingStatus.CHECKED_IN)

    def complete(self, *, now: datetime) -> Booking:
        """The service was given.

        Raises:
            IllegalTransitionError: not checked in.
        """
        return self._move("complete", now, BookingStatus.COMPLETED)

    def cancel(self, *, now: datetime, policy: BookingPolicy) -> Booking:
        """Cancel; flagged `late_cancel` if `now` is past `start - policy.late_cancel_cutoff`.

        Holds and pending bookings are never late. The idempotency key is
        released: storage forgets it for cancelled bookings.

        Raises:
            IllegalTransitionError: already checked in, finished or cancelled.
        """
        require_aware(now, "now")
        require_instance(policy, BookingPolicy, "policy")
        late = self.status is BookingStatus.CONFIRMED and to_epoch_us(now) > to_epoch_us(
            self.start
        ) - us(policy.late_cancel_cutoff)
        return self._move("cancel", now, BookingStatus.CANCELLED, late_cancel=late)

    def mark_no_show(self, *, now: datetime, policy: BookingPolicy) -> Booking:
        """The customer did not come: allowed once `now >= start + policy.no_show_after`.

        Raises:
            IllegalTransitionError: not confirmed, or too early to tell.
        """
        require_aware(now, "now")
        require_instance(policy, BookingPolicy, "policy")
        if self.status is BookingStatus.CONFIRMED and to_epoch_us(now) < to_epoch_us(
            self.start
        ) + us(policy.no_show_after):
            raise self._refuse("mark_no_show", "the grace period after the start has not passed")
        return self._move("mark_no_show", now, BookingStatus.NO_SHOW)

    def reschedule(
        self, start: datetime, end: datetime, occupancy: Iterable[Occupancy], *, now: datetime
    ) -> Booking:
        """The same booking at new times; storage re-checks the new slot when it is written.

        Prefer [BookingRules.reschedule][clubrules.booking.BookingRules.reschedule],
        which checks the new time first and fills in the occupancy. A held or
        pending booking moves only before it expires, as it is confirmed: a
        lapsed hold blocks nothing, so storage would not check its new slot.

        Raises:
            IllegalTransitionError: not held, pending or confirmed, or the
                hold has expired.
        """
        self._check_movable(now)
        return self._move(
            "reschedule", now, self.status, start=start, end=end, occupancy=_to_occupancy(occupancy)
        )

    def _check_movable(self, now: datetime) -> None:
        """Raise `IllegalTransitionError` unless the booking may be rescheduled at `now`."""
        require_aware(now, "now")
        if "reschedule" not in _ALLOWED[self.status]:
            raise IllegalTransitionError(self.status.value, "reschedule", _ALLOWED[self.status])
        self._check_not_expired("reschedule", now)

    @property
    def allowed_actions(self) -> tuple[str, ...]:
        """The lifecycle moves allowed from the current status, sorted."""
        return tuple(sorted(_ALLOWED[self.status]))


def _slot_setters(cls: type, names: str) -> list[Callable[[Any, Any], None]]:
    """The `__set__` of each of `cls`'s slots `names`, for the storage readers' `_from_row`.

    Called directly, a slot's setter skips the attribute lookup by name that
    `object.__setattr__` makes: a third cheaper a field on a read's hot path.
    """
    found = [cls.__dict__[name] for name in names.split()]
    if not all(isinstance(slot, types.MemberDescriptorType) for slot in found):
        msg = f"{cls.__name__} is not slotted"
        raise TypeError(msg)
    return [slot.__set__ for slot in found]


(
    _set_occ_resource,
    _set_occ_start_us,
    _set_occ_end_us,
    _set_occ_units,
    _set_occ_capacity,
    _set_occ_role,
) = _slot_setters(Occupancy, "resource start_us end_us units capacity role")
(
    _set_id,
    _set_service,
    _set_start,
    _set_end,
    _set_occupancy,
    _set_status,
    _set_headcount,
    _set_customer_id,
    _set_expires_at,
    _set_late_cancel,
    _set_confirmation_code,
    _set_idempotency_key,
    _set_taken_by,
    _set_created_at,
    _set_version,
    _set_expires_us,
    _set_rows,
) = _slot_setters(
    Booking,
    "id service start end occupancy status headcount customer_id expires_at late_cancel"
    " confirmation_code idempotency_key taken_by created_at version _expires_us _rows",
)
_new = object.__new__


_ALLOWED: dict[BookingStatus, frozenset[str]] = {
    BookingStatus.HELD: frozenset({"submit", "confirm", "expire", "cancel", "reschedule"}),
    BookingStatus.PENDING: frozenset({"confirm", "expire", "cancel", "reschedule"}),
    BookingStatus.CONFIRMED: frozenset({"check_in", "cancel", "mark_no_show", "reschedule"}),
    BookingStatus.CHECKED_IN: frozenset({"complete"}),
    BookingStatus.COMPLETED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.NO_SHOW: frozenset(),
    BookingStatus.EXPIRED: frozenset(),
}
