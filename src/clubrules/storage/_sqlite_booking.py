"""SQLite adapter of the booking port: the slot check and the write in one `BEGIN IMMEDIATE`.

Also the conflict report shared with the PostgreSQL adapter: given the
blocking busy times that overlap each occupancy of a booking, the same
`Conflict` and `OverCapacity` values as the in-memory adapter gives.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from clubrules._time import from_epoch_us, require_aware, to_epoch_us
from clubrules.booking import Booking, BookingStatus, Conflict, Occupancy, OverCapacity
from clubrules.booking._check import _peak
from clubrules.errors import DuplicateError, NotFoundError, SlotConflictError, StaleVersionError
from clubrules.storage._sqlite_db import decode_at, encode_zone

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from clubrules.storage._sqlite_db import SQLiteDatabase

__all__ = ["SQLiteBookingRepository", "clashes", "slot_conflict"]

Entry = tuple[int, int, int, str]
"""A blocking busy time: `(start_us, end_us, units, booking_id)`."""


def clashes(
    booking: Booking, overlapping: Callable[[Occupancy], Sequence[Entry]]
) -> list[Conflict | OverCapacity]:
    """What keeps `booking` out of its slot, as the in-memory adapter reports it.

    Args:
        booking: The booking to write.
        overlapping: For an occupancy of `booking`, the busy times of other
            bookings that block at the write's `now` and overlap it on its
            resource, in any order.

    Returns:
        A `Conflict` per overlapping booking on an occupancy of capacity 1,
        by start then id; an `OverCapacity` per occupancy of capacity above
        1 whose peak headcount would exceed the capacity. Empty when the
        slot is free.
    """
    out: list[Conflict | OverCapacity] = []
    for occ in booking.occupancy:
        s, e = occ.start_us, occ.end_us
        entries = sorted(overlapping(occ), key=lambda x: (x[0], x[3]))
        if not entries:
            continue
        if occ.capacity == 1:
            out.extend(
                Conflict(
                    occ.resource,
                    bid,
                    booking.id,
                    from_epoch_us(max(bs, s)),
                    from_epoch_us(min(be, e)),
                )
                for bs, be, _u, bid in entries
            )
            continue
        if sum(x[2] for x in entries) + occ.units <= occ.capacity:
            continue
        peak, at, until, present = _peak(entries, s, e)
        if peak + occ.units > occ.capacity:
            out.append(
                OverCapacity(
                    occ.resource,
                    from_epoch_us(at),
                    from_epoch_us(until),
                    peak + occ.units,
                    from_epoch_us(at),
                    occ.capacity,
                    tuple(sorted({*present, booking.id})),
                )
            )
    return out


def slot_conflict(booking: Booking, found: list[Conflict | OverCapacity]) -> SlotConflictError:
    """The error that refuses `booking`, carrying every clash found."""
    return SlotConflictError(
        f"booking {booking.id!r} clashes with {len(found)} stored booking(s)", conflicts=found
    )


# --- SQLite ------------------------------------------------------------------------------

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


def _booking(row: Sequence[Any], occupancy: list[Occupancy]) -> Booking:
    return Booking(
        id=row[0],
        service=row[1],
        start=decode_at(row[2], row[3]),
        end=decode_at(row[4], row[5]),
        occupancy=occupancy,
        status=BookingStatus(row[6]),
        headcount=row[7],
        customer_id=row[8],
        expires_at=None if row[9] is None else decode_at(row[9], row[10]),
        late_cancel=bool(row[11]),
        confirmation_code=row[12],
        idempotency_key=row[13],
        taken_by=row[14],
        created_at=None if row[15] is None else decode_at(row[15], row[16]),
        version=row[17],
    )


def _read(conn: sqlite3.Connection, where: str, params: Sequence[object]) -> list[Booking]:
    """The bookings selected by `where` (on table `b`), with their occupancy, by start then id."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM bookings AS b{where} ORDER BY start_us, id",  # noqa: S608
        params,
    ).fetchall()
    if not rows:
        return []
    occupancy: dict[str, list[Occupancy]] = {}
    marks = ", ".join("?" * len(rows))
    for r in conn.execute(
        f"SELECT {_OCC_COLUMNS} FROM booking_occupancy"  # noqa: S608 - constants and marks
        f" WHERE booking_id IN ({marks}) ORDER BY booking_id, position",
        [row[0] for row in rows],
    ):
        occupancy.setdefault(r[0], []).append(Occupancy(r[2], r[3], r[4], r[5], r[6], r[7]))
    return [_booking(row, occupancy.get(row[0], [])) for row in rows]


class _Clash(Exception):  # noqa: N818 - a signal inside the adapter, never raised out of it
    """Busy times in the way, carried out of the transaction to be reported."""

    def __init__(self, entries: dict[Occupancy, list[Entry]]) -> None:
        super().__init__()
        self.entries = entries


class SQLiteBookingRepository:
    """Bookings in SQLite; the slot check and the write share one `BEGIN IMMEDIATE`.

    Implements [BookingRepository][clubrules.booking.ports.BookingRepository]
    with the in-memory adapter's guarantees. A booking is a row plus one row
    per occupancy (busy time, buffers included, in UTC microseconds). `add`
    and `save` take SQLite's write lock before they look at the slot, so two
    writers, threads or processes, never both find it free: the loser sees
    the winner's rows and gets `SlotConflictError` with the clashes filled
    in. A write that cannot get the lock within the database's timeout
    raises `RetryableStorageError` and writes nothing.

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
        self._db = database

    @staticmethod
    def _check_slot(conn: sqlite3.Connection, booking: Booking, now_us: int) -> None:
        """Check the slot at `now` (inside the write lock).

        Raises:
            _Clash: a busy time is in the way on a resource of capacity 1;
                the caller reports it once the lock is released.
            SlotConflictError: a resource above capacity 1 would be too full.
        """
        if booking.blocking_until_us <= now_us:
            return
        entries = {
            occ: conn.execute(
                "SELECT start_us, end_us, units, booking_id FROM booking_occupancy"
                " WHERE resource = ? AND start_us < ? AND end_us > ?"
                " AND blocking_until_us > ? AND booking_id <> ?",
                (occ.resource, occ.end_us, occ.start_us, now_us, booking.id),
            ).fetchall()
            for occ in booking.occupancy
        }
        if any(found and occ.capacity == 1 for occ, found in entries.items()):
            raise _Clash(entries)
        if any(entries.values()):
            clashing = clashes(booking, entries.__getitem__)
            if clashing:
                raise slot_conflict(booking, clashing)

    @staticmethod
    def _insert_occupancy(conn: sqlite3.Connection, booking: Booking) -> None:
        for row in _occupancy_rows(booking):
            conn.execute(
                f"INSERT INTO booking_occupancy ({_OCC_COLUMNS})"  # noqa: S608 - constant
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def add(self, booking: Booking, *, now: datetime) -> Booking:
        """Store `booking` if its slot is free; the stored booking (the original on a retry)."""
        now_us = to_epoch_us(require_aware(now, "now"))
        try:
            return self._add(booking, now_us)
        except _Clash as clash:
            raise slot_conflict(booking, clashes(booking, clash.entries.__getitem__)) from None

    def _add(self, booking: Booking, now_us: int) -> Booking:
        with self._db.transaction() as conn:
            key = booking.idempotency_key
            if key is not None:
                holders = _read(
                    conn,
                    " WHERE idempotency_key = ? AND blocking_until_us > ?",
                    (key, now_us),
                )
                if holders:
                    stored = holders[0]
                    if stored.same_request(booking):
                        return stored
                    raise DuplicateError(
                        f"idempotency key is bound to booking {stored.id!r}, a different request"
                    )
            try:
                self._check_slot(conn, booking, now_us)
            except (_Clash, SlotConflictError):
                # A taken id is reported before a taken slot, as in memory.
                if conn.execute("SELECT 1 FROM bookings WHERE id = ?", (booking.id,)).fetchone():
                    raise DuplicateError(f"booking {booking.id!r} already exists") from None
                raise
            try:
                conn.execute(
                    f"INSERT INTO bookings ({_COLUMNS})"  # noqa: S608 - constant
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    _row(booking),
                )
            except sqlite3.IntegrityError as error:
                if getattr(error, "sqlite_errorcode", 0) not in _TAKEN:
                    raise
                raise DuplicateError(f"booking {booking.id!r} already exists") from None
            self._insert_occupancy(conn, booking)
        return booking

    def get(self, booking_id: str) -> Booking:
        """The booking with this id; `NotFoundError` if there is none."""
        with self._db.transaction(immediate=False) as conn:  # one snapshot
            found = _read(conn, " WHERE id = ?", (booking_id,))
        if not found:
            raise NotFoundError("booking", booking_id)
        return found[0]

    def save(self, booking: Booking, *, now: datetime) -> None:
        """Replace the stored booking with its next version, re-checking the slot."""
        now_us = to_epoch_us(require_aware(now, "now"))
        try:
            self._save(booking, now_us)
        except _Clash as clash:
            raise slot_conflict(booking, clashes(booking, clash.entries.__getitem__)) from None

    def _save(self, booking: Booking, now_us: int) -> None:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT version FROM bookings WHERE id = ?", (booking.id,)
            ).fetchone()
            if row is None:
                raise NotFoundError("booking", booking.id)
            if booking.version != row[0] + 1:
                raise StaleVersionError(booking.id, booking.version - 1, row[0])
            self._check_slot(conn, booking, now_us)
            conn.execute("DELETE FROM booking_occupancy WHERE booking_id = ?", (booking.id,))
            values = _row(booking)
            conn.execute(
                "UPDATE bookings SET service = ?, start_us = ?, start_tz = ?, end_us = ?,"
                " end_tz = ?, status = ?, headcount = ?, customer_id = ?, expires_at_us = ?,"
                " expires_at_tz = ?, late_cancel = ?, confirmation_code = ?,"
                " idempotency_key = ?, taken_by = ?, created_at_us = ?, created_at_tz = ?,"
                " version = ?, blocking_until_us = ? WHERE id = ?",
                (*values[1:], booking.id),
            )
            self._insert_occupancy(conn, booking)

    def find(
        self,
        *,
        resource: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Booking]:
        """Bookings occupying any resource (or `resource`) within `[start, end)`, by start, id."""
        clauses: list[str] = []
        params: list[object] = []
        if resource is not None:
            clauses.append("o.resource = ?")
            params.append(resource)
        if end is not None:
            clauses.append("o.start_us < ?")
            params.append(to_epoch_us(require_aware(end, "end")))
        if start is not None:
            clauses.append("o.end_us > ?")
            params.append(to_epoch_us(require_aware(start, "start")))
        where = ""
        if clauses:
            where = (
                " WHERE EXISTS (SELECT 1 FROM booking_occupancy AS o"  # noqa: S608 - constants
                f" WHERE o.booking_id = b.id AND {' AND '.join(clauses)})"
            )
        with self._db.transaction(immediate=False) as conn:
            return _read(conn, where, params)

    def __repr__(self) -> str:
        return f"SQLiteBookingRepository({self._db!r})"
