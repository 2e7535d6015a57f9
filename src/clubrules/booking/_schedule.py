"""The busy times of every resource, indexed by start for checks in microseconds."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Iterator
from operator import sub

from clubrules._checks import not_a_key, require_instance, require_items
from clubrules.booking._model import _FAR, Booking
from clubrules.errors import ValidationError, ViolationCollector

__all__ = ["Schedule"]


def _skipped(exclude: str | Collection[str] | None) -> Collection[str]:
    """The ids to leave out, as a collection (a lone id is not a collection of letters)."""
    if exclude is None:
        return ()
    if isinstance(exclude, str):
        return (exclude,)
    return exclude


def _require_lookup(start_us: object, end_us: object, now_us: object, exclude: object) -> None:
    """Raise for arguments of a lookup that are not epoch microseconds or booking ids.

    Called when an instant is not a plain int, or when a lookup failed with
    a `TypeError`, so that the hot path checks no more than three types.

    Raises:
        ValidationError: an instant that is not an int (rule `not_an_integer`), or
            an `exclude` that is neither None, an id nor a collection of ids
            (rule `not_ids`), naming the argument.
    """
    problems = ViolationCollector()
    for field, value in (("start_us", start_us), ("end_us", end_us), ("now_us", now_us)):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(
                field,
                "not_an_integer",
                f"must be epoch microseconds (an int), not {type(value).__name__}",
            )
    if not (
        exclude is None
        or isinstance(exclude, str)
        or (isinstance(exclude, Collection) and all(isinstance(x, str) for x in exclude))
    ):
        problems.add("exclude", "not_ids", "must be a booking id or a collection of booking ids")
    problems.raise_if_any()


def _duplicate(booking_id: str) -> ValidationError:
    return ValidationError(
        f"booking {booking_id!r} is already in the schedule",
        field="id",
        rule="duplicate_id",
        items=(booking_id,),
    )


class _Lane:
    """One resource's busy times, sorted by start, in parallel lists."""

    __slots__ = ("ends", "expires", "ids", "maxlen", "starts", "units")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.units: list[int] = []
        self.expires: list[int] = []
        self.ids: list[str] = []
        self.maxlen = 0

    def insert(self, start: int, end: int, units: int, expires: int, booking_id: str) -> None:
        i = bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.units.insert(i, units)
        self.expires.insert(i, expires)
        self.ids.insert(i, booking_id)
        self.maxlen = max(self.maxlen, end - start)

    def remove(self, start: int, booking_id: str) -> None:
        i = bisect_left(self.starts, start)
        while self.ids[i] != booking_id:
            i += 1
        for column in (self.starts, self.ends, self.units, self.expires, self.ids):
            del column[i]


def _blocking(
    lane: _Lane,
    start_us: int,
    end_us: int,
    now_us: int,
    exclude: str | Collection[str] | None,
) -> Iterator[int]:
    """Indexes in `lane` of the entries overlapping `[start_us, end_us)`, blocking at `now_us`.

    Entries whose id is `exclude` are left out; latest start first.
    """
    starts, ends, expires, ids = lane.starts, lane.ends, lane.expires, lane.ids
    skip = _skipped(exclude)
    j = bisect_left(starts, end_us) - 1
    # Only an entry starting after start_us - maxlen can reach start_us.
    floor = start_us - lane.maxlen
    while j >= 0 and starts[j] > floor:
        if ends[j] > start_us and expires[j] > now_us and ids[j] not in skip:
            yield j
        j -= 1


class Schedule:
    """An index of the bookings that block their slots, per resource, for fast checks.

    Build one from the bookings in a window (from a repository, say), then
    check requests against it with
    [BookingRules.check][clubrules.booking.BookingRules.check]. Only
    bookings whose status blocks are indexed; a hold's expiry is judged at
    each check's `now`. A lookup costs O(log n) plus the entries that can
    overlap: it bisects the starts and walks back no further than the
    longest busy time on that resource.

    A schedule is a plain in-memory index, not thread-safe and not storage:
    the atomic, concurrent-safe write is the job of a
    [BookingRepository][clubrules.booking.ports.BookingRepository].

    Raises:
        ValidationError: two bookings with one id (rule `duplicate_id`).

    Examples:
        >>> schedule = Schedule()
        >>> len(schedule)
        0
    """

    def __init__(self, bookings: Iterable[Booking] = ()) -> None:
        bookings = require_items(bookings, Booking, "bookings")
        self._lanes: dict[str, _Lane] = {}
        self._bookings: dict[str, Booking] = {}
        indexed = self._bookings
        rows: dict[str, list[tuple[int, int, int, int, str]]] = {}
        lane_of = rows.get
        for booking in bookings:
            booking_id = booking.id
            if booking_id in indexed:
                raise _duplicate(booking_id)
            expires = booking._expires_us  # noqa: SLF001 - the package's own index
            if expires <= -_FAR:  # its status never blocks
                continue
            indexed[booking_id] = booking
            for occ in booking.occupancy:
                row = (occ.start_us, occ.end_us, occ.units, expires, booking_id)
                lane_rows = lane_of(occ.resource)
                if lane_rows is None:
                    rows[occ.resource] = [row]
                else:
                    lane_rows.append(row)
        for resource, lane_rows in rows.items():
            lane_rows.sort()
            lane = self._lanes[resource] = _Lane()
            starts, ends, units, expiries, ids = zip(*lane_rows, strict=True)
            lane.starts = list(starts)
            lane.ends = list(ends)
            lane.units = list(units)
            lane.expires = list(expiries)
            lane.ids = list(ids)
            lane.maxlen = max(map(sub, ends, starts))

    def _keep(self, booking: Booking) -> bool:
        require_instance(booking, Booking, "booking")
        if booking.id in self._bookings:
            raise _duplicate(booking.id)
        return booking._expires_us > -_FAR  # noqa: SLF001 - the package's own index

    def add(self, booking: Booking) -> None:
        """Index a booking (ignored if its status does not block).

        Raises:
            ValidationError: a booking with this id is already indexed (rule
                `duplicate_id`, field `id`). Like every `ValidationError`, it
                is also a `ValueError` (see the error tree in `clubrules.errors`).
        """
        if not self._keep(booking):
            return
        self._bookings[booking.id] = booking
        expires = booking._expires_us  # noqa: SLF001 - the package's own index
        for occ in booking.occupancy:
            lane = self._lanes.get(occ.resource)
            if lane is None:
                lane = self._lanes[occ.resource] = _Lane()
            lane.insert(occ.start_us, occ.end_us, occ.units, expires, booking.id)

    def discard(self, booking_id: str) -> Booking | None:
        """Remove a booking from the index; the removed booking, or None if absent."""
        try:
            booking = self._bookings.pop(booking_id, None)
        except TypeError:
            raise not_a_key(booking_id, "booking_id") from None
        if booking is not None:
            for occ in booking.occupancy:
                self._lanes[occ.resource].remove(occ.start_us, booking_id)
        return booking

    def replace(self, booking: Booking) -> None:
        """Index `booking` in place of the indexed booking with its id, if any."""
        require_instance(booking, Booking, "booking")
        self.discard(booking.id)
        self.add(booking)

    def get(self, booking_id: str) -> Booking | None:
        """The indexed booking with this id, or None."""
        try:
            return self._bookings.get(booking_id)
        except TypeError:
            raise not_a_key(booking_id, "booking_id") from None

    def __contains__(self, booking_id: object) -> bool:
        return booking_id in self._bookings

    def __len__(self) -> int:
        return len(self._bookings)

    def __iter__(self) -> Iterator[Booking]:
        return iter(list(self._bookings.values()))

    def __repr__(self) -> str:
        return f"Schedule({len(self._bookings)} bookings on {len(self._lanes)} resources)"

    def __reduce__(self) -> tuple[type[Schedule], tuple[tuple[Booking, ...]]]:
        """Pickle and copy as the bookings it holds; the index is rebuilt when loaded."""
        return (Schedule, (tuple(self._bookings.values()),))

    def overlapping(
        self,
        resource: str,
        start_us: int,
        end_us: int,
        now_us: int,
        exclude: str | Collection[str] | None = None,
    ) -> list[tuple[int, int, int, str]]:
        """The busy times on `resource` that overlap `[start_us, end_us)` and block at `now_us`.

        Bookings whose id is `exclude` (an id, or a collection of ids) are left out.

        Returns:
            `(start_us, end_us, units, booking_id)` tuples, latest start first.

        Raises:
            ValidationError: an instant that is not an int (rule
                `not_an_integer`), or an `exclude` that is not ids (rule
                `not_ids`), naming the argument.
        """
        try:
            lane = self._lanes.get(resource)
        except TypeError:
            raise not_a_key(resource, "resource") from None
        if not (type(start_us) is int and type(end_us) is int and type(now_us) is int):
            _require_lookup(start_us, end_us, now_us, exclude)  # an int subclass passes
        if lane is None:
            return []
        try:
            return [
                (lane.starts[j], lane.ends[j], lane.units[j], lane.ids[j])
                for j in _blocking(lane, start_us, end_us, now_us, exclude)
            ]
        except TypeError:
            _require_lookup(start_us, end_us, now_us, exclude)
            raise  # pragma: no cover - one of the arguments was refused above

    def is_free(
        self,
        resource: str,
        start_us: int,
        end_us: int,
        now_us: int,
        exclude: str | Collection[str] | None = None,
    ) -> bool:
        """Whether nothing blocking at `now_us` overlaps `[start_us, end_us)` on `resource`.

        Bookings whose id is `exclude` (an id, or a collection of ids) are left out.

        Raises:
            ValidationError: as [overlapping][clubrules.booking.Schedule.overlapping].
        """
        try:
            lane = self._lanes.get(resource)
        except TypeError:
            raise not_a_key(resource, "resource") from None
        if not (type(start_us) is int and type(end_us) is int and type(now_us) is int):
            _require_lookup(start_us, end_us, now_us, exclude)  # an int subclass passes
        if lane is None:
            return True
        try:
            return next(_blocking(lane, start_us, end_us, now_us, exclude), None) is None
        except TypeError:
            _require_lookup(start_us, end_us, now_us, exclude)
            raise  # pragma: no cover - one of the arguments was refused above
