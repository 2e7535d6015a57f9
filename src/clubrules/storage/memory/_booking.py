"""In-memory adapter of the booking port: an atomic check-and-write behind one lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules._checks import require_str
from clubrules._time import require_aware, to_epoch_us
from clubrules.booking import Booking, Schedule
from clubrules.booking._capacity import clashes
from clubrules.errors import DuplicateError, NotFoundError, SlotConflictError, StaleVersionError
from clubrules.storage._fronts import BookingFinder
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._store import Table, TenantSiblings

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.booking import Conflict, OverCapacity
    from clubrules.booking._capacity import Entry

__all__ = ["InMemoryBookingRepository"]


@keys_checked("BookingRepository")
class InMemoryBookingRepository(BookingFinder, TenantSiblings):
    """Bookings in a dict, indexed by a `Schedule`; check and write under one lock.

    It gives the guarantees of `BookingRepository`: no double booking under
    concurrent writers, idempotency keys, and versioned saves. Whether a hold
    still blocks, and so still binds its idempotency key, is judged by each
    call's `now` alone, as the SQL adapters judge it: a call never changes
    what a later call with an earlier `now` finds.
    """

    def __init__(self) -> None:
        self._table: Table[str, Booking] = Table("booking")
        self._bookings = self._table.rows
        self._index = Schedule()
        # The stored bookings carrying each key that may block: which of them
        # holds the key is decided at each call's `now`.
        self._keys: dict[str, set[str]] = {}
        self._lock = self._table.lock

    def _holder(self, key: str, now_us: int) -> Booking | None:
        """The booking holding `key` at `now`: the first blocking one, by start then id."""
        holders = [
            b
            for b in (self._bookings[i] for i in self._keys.get(key, ()))
            if b.blocking_until_us > now_us
        ]
        return min(holders, key=lambda b: (to_epoch_us(b.start), b.id), default=None)

    def _index_key(self, booking: Booking) -> None:
        # A cancelled, expired or no-show booking never blocks, so never holds its key.
        if booking.idempotency_key is not None and booking.blocks_at():
            self._keys.setdefault(booking.idempotency_key, set()).add(booking.id)

    def _unindex_key(self, booking: Booking) -> None:
        key = booking.idempotency_key
        if key is not None and key in self._keys:
            self._keys[key].discard(booking.id)
            if not self._keys[key]:
                del self._keys[key]

    def _clashes(self, booking: Booking, now_us: int) -> list[Conflict | OverCapacity]:
        occupancy = booking.occupancy

        def overlapping(n: int) -> list[Entry]:
            occ = occupancy[n]
            return self._index.overlapping(
                occ.resource, occ.start_us, occ.end_us, now_us, booking.id
            )

        return clashes(booking, overlapping)

    def _check_slot(self, booking: Booking, now_us: int) -> None:
        if booking.blocking_until_us <= now_us:
            return
        found = self._clashes(booking, now_us)
        if found:
            raise SlotConflictError(
                f"booking {booking.id!r} clashes with {len(found)} stored booking(s)",
                conflicts=found,
            )

    def add(self, booking: Booking, *, now: datetime) -> Booking:
        """Store `booking` if its slot is free; the stored booking (the original on a retry)."""
        now_us = to_epoch_us(require_aware(now, "now"))
        with self._lock:
            key = booking.idempotency_key
            stored = None if key is None else self._holder(key, now_us)
            if stored is not None:
                if stored.same_request(booking):
                    return stored
                raise DuplicateError(
                    f"idempotency key is bound to booking {stored.id!r}, a different request"
                )
            if booking.id in self._bookings:
                raise DuplicateError(f"booking {booking.id!r} already exists")
            self._check_slot(booking, now_us)
            self._bookings[booking.id] = booking
            self._index.add(booking)
            self._index_key(booking)
            return booking

    def get(self, booking_id: str) -> Booking:
        """The booking with this id; `NotFoundError` if there is none."""
        require_str(booking_id, "booking_id")
        return self._table.get(booking_id)

    def save(self, booking: Booking, *, now: datetime) -> None:
        """Replace the stored booking with its next version, re-checking the slot."""
        now_us = to_epoch_us(require_aware(now, "now"))
        with self._lock:
            stored = self._bookings.get(booking.id)
            if stored is None:
                raise NotFoundError("booking", booking.id)
            if booking.version != stored.version + 1:
                raise StaleVersionError(booking.id, booking.version - 1, stored.version)
            self._check_slot(booking, now_us)
            self._bookings[booking.id] = booking
            self._index.replace(booking)
            self._unindex_key(stored)
            self._index_key(booking)

    def _find(self, resource: str | None, lo: int | None, hi: int | None) -> list[Booking]:
        """`find`: a scan of the stored bookings' busy times."""
        with self._lock:
            chosen = [
                b
                for b in self._bookings.values()
                if any(
                    (resource is None or o.resource == resource)
                    and (hi is None or o.start_us < hi)
                    and (lo is None or o.end_us > lo)
                    for o in b.occupancy
                )
            ]
        chosen.sort(key=lambda b: (to_epoch_us(b.start), b.id))
        return chosen

    def __len__(self) -> int:
        return len(self._bookings)

    def __repr__(self) -> str:
        return f"InMemoryBookingRepository({len(self._bookings)} bookings)"
