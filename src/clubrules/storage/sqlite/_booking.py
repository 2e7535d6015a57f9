"""SQLite adapter of the booking port: the slot check and the write in one `BEGIN IMMEDIATE`."""

from __future__ import annotations

import functools
import sqlite3
from typing import TYPE_CHECKING, Any, cast

from clubrules._checks import require_instance
from clubrules._time import require_aware, to_epoch_us
from clubrules.booking._capacity import clashes
from clubrules.errors import DuplicateError, NotFoundError, StaleVersionError
from clubrules.storage._fronts import BookingFinder
from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._booking import group_bookings, refused, slot_conflict
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sqlite._db import SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from clubrules.booking import Booking
    from clubrules.booking._capacity import Entry

__all__ = ["SQLiteBookingRepository"]

# How many tenants' statements stay rendered: a process serving more renders
# the others again when they come back, rather than growing without bound.
_TENANTS_KEPT = 1024

_LONGEST = "(SELECT longest_us FROM clubrules_booking_longest WHERE id = 1)"
"""No busy time is longer (migration 6): `start_us > a - longest` bounds an index range.

One row for the whole file, whatever the tenant (migration 10): it only
bounds how far back a search reads, so another tenant's longer busy time
widens the range searched, never what is found in it.
"""

_COLUMNS = (
    "id, service, start_us, start_tz, end_us, end_tz, status, headcount, customer_id,"
    " expires_at_us, expires_at_tz, late_cancel, confirmation_code, idempotency_key,"
    " taken_by, created_at_us, created_at_tz, version, blocking_until_us"
)
_TAKEN = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
_OCC_COLUMNS = (
    "booking_id, position, resource, start_us, end_us, units, capacity, role, blocking_until_us"
)


def _optional_us(value: datetime | None) -> int | None:
    return None if value is None else to_epoch_us(value)


def _optional_zone(value: datetime | None) -> str | None:
    return None if value is None else encode_zone(value)


def _row(booking: Booking) -> tuple[Any, ...]:
    return (
        booking.id,
        booking.service,
        to_epoch_us(booking.start),
        encode_zone(booking.start),
        to_epoch_us(booking.end),
        encode_zone(booking.end),
        booking.status.value,
        booking.headcount,
        booking.customer_id,
        _optional_us(booking.expires_at),
        _optional_zone(booking.expires_at),
        int(booking.late_cancel),
        booking.confirmation_code,
        booking.idempotency_key,
        booking.taken_by,
        _optional_us(booking.created_at),
        _optional_zone(booking.created_at),
        booking.version,
        booking.blocking_until_us,
    )


def _occupancy_rows(booking: Booking) -> list[tuple[Any, ...]]:
    return [
        (
            booking.id,
            n,
            o.resource,
            o.start_us,
            o.end_us,
            o.units,
            o.capacity,
            o.role,
            booking.blocking_until_us,
        )
        for n, o in enumerate(booking.occupancy)
    ]


# A booking's columns come once, on the row of its first busy time; its other
# rows carry NULLs there, which cost next to nothing to fetch.
_ON_FIRST_ROW = [f"CASE WHEN o.position = 0 THEN b.{c.strip()} END" for c in _COLUMNS.split(",")]


class _Statements:
    """The adapter's statements for one tenant, whose id they hold as a literal.

    Every statement on `clubrules_bookings` and `clubrules_booking_occupancy`
    keeps to the tenant's rows (`tenant = '...'`, and the tenant column in
    every insert); made once per tenant (`_statements`).
    """

    __slots__ = (
        "delete_occupancy",
        "get",
        "holder",
        "in_occupancy",
        "in_the_way",
        "insert_booking",
        "insert_occupancy",
        "read",
        "read_all",
        "update_booking",
        "version",
    )

    def __init__(self, tenant: str) -> None:
        t = tenant  # an SQL literal of a checked tenant id
        # Another booking's busy times that overlap one of ours and block at
        # `now`; is our id taken.
        self.in_the_way = (
            "SELECT start_us, end_us, units, booking_id,"  # noqa: S608 - constants
            f" (SELECT 1 FROM clubrules_bookings WHERE tenant = {t} AND id = ?1)"
            f" FROM clubrules_booking_occupancy WHERE tenant = {t}"
            " AND resource = ?2 AND start_us < ?3 AND end_us > ?4"
            f" AND start_us > ?4 - {_LONGEST} AND blocking_until_us > ?5 AND booking_id <> ?1"
        )
        self.insert_booking = (
            f"INSERT INTO clubrules_bookings (tenant, {_COLUMNS}) VALUES ({t}, "  # noqa: S608
            + ", ".join("?" * len(_COLUMNS.split(",")))
            + ")"
        )
        self.insert_occupancy = (
            f"INSERT INTO clubrules_booking_occupancy (tenant, {_OCC_COLUMNS})"  # noqa: S608
            f" VALUES ({t}, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        self.version = f"SELECT version FROM clubrules_bookings WHERE tenant = {t} AND id = ?"  # noqa: S608
        self.delete_occupancy = (
            f"DELETE FROM clubrules_booking_occupancy WHERE tenant = {t} AND booking_id = ?"  # noqa: S608
        )
        self.update_booking = (
            "UPDATE clubrules_bookings SET service = ?, start_us = ?, start_tz = ?,"  # noqa: S608
            " end_us = ?, end_tz = ?, status = ?, headcount = ?, customer_id = ?,"
            " expires_at_us = ?, expires_at_tz = ?, late_cancel = ?, confirmation_code = ?,"
            " idempotency_key = ?, taken_by = ?, created_at_us = ?, created_at_tz = ?,"
            f" version = ?, blocking_until_us = ? WHERE tenant = {t} AND id = ?"
        )
        # The join keeps to one tenant on both sides, through the primary
        # keys (tenant, id) and (tenant, booking_id, position). CROSS JOIN
        # keeps bookings the outer loop: met in id order, their joined rows
        # need no sort (sorting the bookings by start afterwards costs far
        # less), and a tenant equality on both sides does not tempt the
        # planner to start from the occupancy instead.
        self.read = (
            "SELECT b.id, "  # noqa: S608 - constants
            + ", ".join(_ON_FIRST_ROW[1:])
            + ", o.resource, o.start_us, o.end_us, o.units, o.capacity, o.role"
            " FROM clubrules_bookings AS b CROSS JOIN clubrules_booking_occupancy AS o"
            f" ON o.tenant = {t} AND o.booking_id = b.id WHERE b.tenant = {t}"
        )
        order = " ORDER BY b.id, o.position"
        self.get = f"{self.read} AND b.id = ?{order}"
        # IN: the key's index finds the holder (the id order alone scans the tenant).
        self.holder = (
            f"{self.read} AND b.id IN (SELECT k.id FROM clubrules_bookings AS k"  # noqa: S608
            f" WHERE k.tenant = {t} AND k.idempotency_key = ? AND k.blocking_until_us > ?){order}"
        )
        self.read_all = f"{self.read}{order}"
        # IN rather than a correlated EXISTS: SQLite then searches the
        # occupancy indexes instead of scanning every booking.
        self.in_occupancy = (
            f"{self.read} AND b.id IN (SELECT o.booking_id FROM clubrules_booking_occupancy AS o"  # noqa: S608
            f" WHERE o.tenant = {t} AND {{}}){order}"
        )


@functools.lru_cache(maxsize=_TENANTS_KEPT)
def _statements(tenant: str) -> _Statements:
    """The statements of `tenant` (an SQL literal), kept for the most recently used tenants."""
    return _Statements(tenant)


def _read(conn: sqlite3.Connection, statement: str, params: Sequence[object]) -> list[Booking]:
    """The bookings `statement` selects, with their occupancy, by start then id.

    One statement, so one snapshot and no transaction: a row per busy time,
    grouped back into bookings.
    """
    return group_bookings(conn.execute(statement, params))


@keys_checked("BookingRepository")
class SQLiteBookingRepository(BookingFinder):
    """Bookings in SQLite; the slot check and the write share one `BEGIN IMMEDIATE`.

    Implements [BookingRepository][clubrules.booking.ports.BookingRepository]
    with the in-memory adapter's guarantees. A booking is a row plus one row
    per occupancy (busy time, buffers included, in UTC microseconds). `add`
    and `save` take SQLite's write lock before they decide that a slot is
    free, so two writers, threads or processes, never both find it free:
    the loser sees the winner's rows and gets `SlotConflictError` with the
    clashes filled in. (`add` without an idempotency key first looks
    without the lock, so a slot already taken is refused without queueing
    for it.) A write that cannot get the lock within the database's timeout
    raises `RetryableStorageError` and writes nothing.

    A repository built on `database.for_tenant(tenant)` reads and writes that
    tenant's bookings only: ids, slots and idempotency keys of other tenants
    are never in its way (its statements name the tenant). The write lock is
    the file's, shared by every tenant.

    Args:
        database: The migrated database to use.

    Examples:
        >>> from clubrules.storage.sqlite import SQLiteDatabase
        >>> with SQLiteDatabase(":memory:") as db:
        ...     _ = db.migrate()
        ...     len(SQLiteBookingRepository(db).find())
        0
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        require_instance(database, SQLiteDatabase, "database")
        self._db = database
        self._sql = _statements(SQLITE.for_tenant(database.tenant).tenant)

    def _check_slot(
        self, conn: sqlite3.Connection, booking: Booking, now_us: int, *, new: bool = False
    ) -> list[list[Entry]] | None:
        """Check the slot at `now` (inside the write lock).

        Args:
            conn: The connection, inside `BEGIN IMMEDIATE`.
            booking: The booking to write.
            now_us: The call's `now`, in epoch microseconds.
            new: The booking is being added: a taken id is then reported
                before a taken slot, as in memory. Each clash query also says
                whether the id is taken, so a refused writer needs no other
                statement.

        Returns:
            None if the slot is free; else, per occupancy of `booking`, the
            busy times in the way (some on a resource of capacity 1), for
            the caller to report once the lock is released (returned, not
            raised, so that a refused writer leaves its transaction the
            cheap way).

        Raises:
            DuplicateError: `new`, something is in the way, and the id is taken.
            SlotConflictError: a resource above capacity 1 would be too full.
        """
        if booking.blocking_until_us <= now_us:
            return None
        found: list[list[Entry]] = []
        taken = clash = single = False
        in_the_way = self._sql.in_the_way
        for occ in booking.occupancy:
            rows = conn.execute(
                in_the_way,
                (booking.id, occ.resource, occ.end_us, occ.start_us, now_us),
            ).fetchall()
            if rows:
                clash = True
                taken = taken or rows[0][4] is not None
                single = single or occ.capacity == 1
                found.append([r[:4] for r in rows])
            else:
                found.append([])
        if not clash:
            return None
        if new and taken:
            raise DuplicateError(f"booking {booking.id!r} already exists")
        if single:
            return found
        clashing = clashes(booking, found.__getitem__)
        if clashing:
            raise slot_conflict(booking, clashing)
        return None

    def _insert_occupancy(self, conn: sqlite3.Connection, booking: Booking) -> None:
        conn.executemany(self._sql.insert_occupancy, _occupancy_rows(booking))

    def add(self, booking: Booking, *, now: datetime) -> Booking:
        """Store `booking` if its slot is free; the stored booking (the original on a retry)."""
        now_us = to_epoch_us(require_aware(now, "now"))
        in_the_way = None
        if booking.idempotency_key is None:
            # A first look without the write lock. A slot it finds taken was
            # taken by committed rows at that moment, so refusing is what the
            # locked check would have said then, and a writer that loses a
            # race never queues for the lock. (Bookings are never deleted, so
            # an id seen taken stays taken.) A slot that looks free is checked
            # again under the lock. A retry with a key goes straight to the
            # lock: its stored booking may be what is in the way.
            with self._db.connection() as conn:
                in_the_way = self._check_slot(conn, booking, now_us, new=True)
        if in_the_way is None:
            with self._db.transaction() as conn:
                stored, in_the_way = self._add_locked(conn, booking, now_us)
            if stored is not None:
                return stored
        # Nothing was written; the clashes are built once the connection is given back.
        # No stored booking came back, so something is in the way.
        raise refused(booking, cast("list[list[Entry]]", in_the_way))

    def _add_locked(
        self, conn: sqlite3.Connection, booking: Booking, now_us: int
    ) -> tuple[Booking, None] | tuple[None, list[list[Entry]]]:
        """`add` inside `BEGIN IMMEDIATE`: the stored booking, or what is in the way."""
        key = booking.idempotency_key
        if key is not None:
            holders = _read(conn, self._sql.holder, (key, now_us))
            if holders:
                stored = holders[0]
                if stored.same_request(booking):
                    return stored, None
                raise DuplicateError(
                    f"idempotency key is bound to booking {stored.id!r}, a different request"
                )
        in_the_way = self._check_slot(conn, booking, now_us, new=True)
        if in_the_way is not None:
            return None, in_the_way
        try:
            conn.execute(self._sql.insert_booking, _row(booking))
        except sqlite3.IntegrityError as error:
            if getattr(error, "sqlite_errorcode", 0) not in _TAKEN:
                raise
            raise DuplicateError(f"booking {booking.id!r} already exists") from None
        self._insert_occupancy(conn, booking)
        return booking, None

    def get(self, booking_id: str) -> Booking:
        """The booking with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:  # one statement: one snapshot
            found = _read(conn, self._sql.get, (booking_id,))
        if not found:
            raise NotFoundError("booking", booking_id)
        return found[0]

    def save(self, booking: Booking, *, now: datetime) -> None:
        """Replace the stored booking with its next version, re-checking the slot."""
        now_us = to_epoch_us(require_aware(now, "now"))
        sql = self._sql
        with self._db.transaction() as conn:
            row = conn.execute(sql.version, (booking.id,)).fetchone()
            if row is None:
                raise NotFoundError("booking", booking.id)
            if booking.version != row[0] + 1:
                raise StaleVersionError(booking.id, booking.version - 1, row[0])
            in_the_way = self._check_slot(conn, booking, now_us)
            if in_the_way is None:
                conn.execute(sql.delete_occupancy, (booking.id,))
                values = _row(booking)
                conn.execute(sql.update_booking, (*values[1:], booking.id))
                self._insert_occupancy(conn, booking)
                return
        # Nothing was written; the clashes are built once the lock is released.
        raise refused(booking, in_the_way)

    def _find(self, resource: str | None, lo_us: int | None, hi_us: int | None) -> list[Booking]:
        """`find`: one statement over the busy times, its index range bounded from below."""
        clauses: list[str] = []
        params: list[object] = []
        if resource is not None:
            clauses.append("o.resource = ?")
            params.append(resource)
        if hi_us is not None:
            clauses.append("o.start_us < ?")
            params.append(hi_us)
        if lo_us is not None:
            clauses.append(f"o.end_us > ? AND o.start_us > ? - {_LONGEST}")
            params += (lo_us, lo_us)
        sql = self._sql
        statement = sql.in_occupancy.format(" AND ".join(clauses)) if clauses else sql.read_all
        with self._db.connection() as conn:  # one statement: one snapshot
            return _read(conn, statement, params)

    def __repr__(self) -> str:
        return f"SQLiteBookingRepository({self._db!r})"
