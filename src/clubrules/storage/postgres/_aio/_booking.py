"""The async PostgreSQL adapter of the booking port: the sync adapter's writes, driven async.

The logic of a write (locks, checks, inserts, idempotency keys) lives once,
in `clubrules.storage.postgres._booking`, as generators that yield the
statements they need; `arun` here runs them on an `AsyncConnection`, as
`run` there runs them on a `Connection`. The retry policy (`next_step`) is
shared the same way, so the two adapters cannot drift apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from clubrules._time import require_aware, to_epoch_us
from clubrules.errors import NotFoundError
from clubrules.storage._fronts import find_bounds
from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._aio._adapter import AsyncPostgresAdapter
from clubrules.storage.postgres._aio._db import AsyncPostgresDatabase  # noqa: TC001 - get_type_hints
from clubrules.storage.postgres._booking import (
    RETRIED,
    Plan,
    Retries,
    add_booking,
    clashes_at,
    find_query,
    save_booking,
    statements,
)
from clubrules.storage.sql._booking import group_bookings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    import psycopg

    from clubrules.booking import Booking
    from clubrules.storage.postgres._booking import Op, Write

__all__ = ["AsyncPostgresBookingRepository", "arun"]

_T = TypeVar("_T")


async def arun(conn: psycopg.AsyncConnection[Any], op: Op[_T]) -> _T:
    """Run `op`'s statements on an async connection, one after another; its result.

    The async twin of `run`. While a statement waits on the server, the
    event loop runs other tasks; a task cancelled here leaves `op`
    suspended, and the transaction around the call rolls back.
    """
    execute = conn.execute
    try:
        statement, params, rows = next(op)
        while True:
            cursor = await execute(statement, params)
            statement, params, rows = op.send(await cursor.fetchall() if rows else [])
    except StopIteration as done:
        return cast("_T", done.value)


@keys_checked("BookingRepository")
class AsyncPostgresBookingRepository(AsyncPostgresAdapter):
    """Bookings in PostgreSQL, for an event loop; no double booking, enforced by the database.

    Implements [AsyncBookingRepository][clubrules.booking.ports.AsyncBookingRepository]
    with the guarantees of
    [PostgresBookingRepository][clubrules.storage.postgres.PostgresBookingRepository],
    on its tables, statements and constraints, across every sync and async
    writer that shares the database: the exclusion constraint on busy times
    of capacity 1, the resources' row locks taken in name order (under
    which the peak headcount above capacity 1 is checked), holds judged
    lapsed by each call's `now`, and idempotency keys whose retries queue on
    an advisory lock and get the stored booking back; all of them per tenant,
    for a repository built on `database.for_tenant(tenant)`. The two adapters run
    the same statements in the same order: the logic of a write is written
    once and driven by either.

    Every write is one transaction (a savepoint inside a unit of work or the
    caller's transaction): a booking on several resources is written whole
    or not at all, even when its task is cancelled or the connection dies
    midway. A deadlock or serialization failure is retried inside the call.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: AsyncPostgresDatabase) -> None:
        super().__init__(database)
        self._sql = statements(database._table_prefix)  # noqa: SLF001 - the database's schema

    async def _attempts(
        self, write: Callable[[bool], Awaitable[_T]], booking: Booking, now_us: int, plan: Plan
    ) -> _T:
        """Run `write(careful)` until it passes the constraint or fails for a real reason."""
        retries = Retries(booking, plan)
        while True:
            try:
                return await write(retries.careful)
            except RETRIED as error:
                if retries.failed(error):
                    async with self._db.connection() as conn:
                        found = await arun(conn, clashes_at(self._sql, booking, now_us))
                    retries.check(error, found)

    async def _written(self, booking: Booking, now: datetime, op: Write[_T]) -> _T:
        """`op` for `booking`, each attempt a transaction of its own, retried by `_attempts`."""
        now_us = to_epoch_us(require_aware(now, "now"))
        plan = Plan(booking, now_us)
        sql = self._sql

        async def write(careful: bool) -> _T:
            async with self._db.transaction() as conn:
                return await arun(conn, op(sql, booking, now_us, careful, plan))

        return await self._attempts(write, booking, now_us, plan)

    async def add(self, booking: Booking, *, now: datetime) -> Booking:
        """Store `booking` if its slot is free; the stored booking (the original on a retry)."""
        return await self._written(booking, now, add_booking)

    async def save(self, booking: Booking, *, now: datetime) -> None:
        """Replace the stored booking with its next version, re-checking the slot."""
        await self._written(booking, now, save_booking)

    async def get(self, booking_id: str) -> Booking:
        """The booking with this id; `NotFoundError` if there is none."""
        # One statement: one snapshot, one round trip.
        found = group_bookings(await self._db._fetchall(self._sql.get, (booking_id,)))  # noqa: SLF001
        if not found:
            raise NotFoundError("booking", booking_id)
        return found[0]

    async def find(
        self,
        *,
        resource: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Booking]:
        """Bookings occupying any resource (or `resource`) within `[start, end)`, by start, id."""
        statement, params = find_query(self._sql, resource, *find_bounds(start, end))
        return group_bookings(await self._db._fetchall(statement, params))  # noqa: SLF001
