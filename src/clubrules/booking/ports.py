"""The storage ports of the booking area: `BookingRepository` and its async twin.

Implement one over your own storage and prove the implementation with
`clubrules.testing.contracts.BookingRepositoryContract` (or
`AsyncBookingRepositoryContract`). The in-memory adapter
`clubrules.storage.memory.InMemoryBookingRepository` is the reference.
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - resolved at runtime by get_type_hints
from typing import Protocol

from clubrules.booking._model import Booking  # noqa: TC001 - resolved at runtime by get_type_hints

__all__ = ["AsyncBookingRepository", "BookingRepository"]


class BookingRepository(Protocol):
    """Bookings, with a write that can never double-book.

    All four methods are required, and each is atomic on its own.

    **No double booking.** `add` and `save` check and write in one step: a
    booking that blocks its slot at `now` is written only if, on every
    resource it occupies, it overlaps no other blocking booking (capacity
    1), or keeps the units in use within the capacity it carries at every
    instant (capacity above 1). Intervals are half-open and include buffers.
    Many concurrent writers racing for one slot: exactly one wins, the
    others get `SlotConflictError`. Blocking means held or pending and not
    yet expired at `now`, or confirmed, checked in or completed. (In
    PostgreSQL: an exclusion constraint `EXCLUDE USING gist (resource WITH
    =, during WITH &&) WHERE (active)` for capacity 1, and a row lock on the
    resource for capacity above 1.)

    **Idempotency.** A booking carrying an `idempotency_key` that a stored,
    still-blocking booking already carries is a retry: `add` returns the
    stored booking and writes nothing if it asks for the same thing (same
    service, times, headcount and customer), and raises `DuplicateError`
    otherwise. A key is released when its booking is cancelled or expires.
    If several stored bookings with the key block at `now`, the first by
    start, then id, is the one that holds it.

    **Holds are judged at each call's `now`.** Whether a held or pending
    booking still blocks its slot and binds its key depends on the call's
    `now` alone, never on what earlier calls saw: a call whose `now` is
    earlier (a clock that stepped back, or an app server whose clock lags
    another's) finds a hold blocking that a later call found lapsed.

    **Versions.** `save` replaces a stored booking only with the next
    version (`stored.version + 1`), so two clerks cannot overwrite each
    other's changes.
    """

    def add(self, booking: Booking, *, now: datetime) -> Booking:
        """Store a new booking if its slot is still free; the stored booking.

        Returns:
            `booking`, or the booking stored earlier under the same
            idempotency key (a retry).

        Raises:
            SlotConflictError: the slot is taken; `conflicts` holds a
                `Conflict` (capacity 1) or an `OverCapacity` (above 1) per clash.
            DuplicateError: the id is taken, or the idempotency key is
                bound to a different request.
        """
        ...

    def get(self, booking_id: str) -> Booking:
        """The booking with this id.

        Raises:
            NotFoundError: no booking has this id.
        """
        ...

    def save(self, booking: Booking, *, now: datetime) -> None:
        """Replace the stored booking with its next version, re-checking its slot.

        Raises:
            NotFoundError: no booking has this id.
            StaleVersionError: `booking.version` is not the stored version plus one.
            SlotConflictError: the booking blocks at `now` and its slot is
                no longer free (a reschedule into a taken slot, say).
        """
        ...

    def find(
        self,
        *,
        resource: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Booking]:
        """Bookings of any status occupying any resource (or `resource`) within `[start, end)`.

        Occupancy includes buffers; `None` leaves a side open. Ordered by
        start, then id. Feed the result to a `Schedule` to check requests.

        Raises:
            NaiveDatetimeError: a naive bound.
        """
        ...


class AsyncBookingRepository(Protocol):
    """`BookingRepository` for an event loop: the same four methods, as coroutines.

    Every promise of `BookingRepository` holds unchanged (no double
    booking, idempotency keys, holds judged at each call's `now`,
    versions), among tasks of one loop as among processes. A call
    cancelled while it waits on the database writes nothing, or all it
    meant to write: never part of a booking.
    """

    async def add(self, booking: Booking, *, now: datetime) -> Booking:
        """As `BookingRepository.add`."""
        ...

    async def get(self, booking_id: str) -> Booking:
        """As `BookingRepository.get`."""
        ...

    async def save(self, booking: Booking, *, now: datetime) -> None:
        """As `BookingRepository.save`."""
        ...

    async def find(
        self,
        *,
        resource: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Booking]:
        """As `BookingRepository.find`."""
        ...
