"""PostgreSQL adapter of the booking port: no double booking, enforced by the database.

Resources of capacity 1 are guarded by the exclusion constraint
`booking_occupancy_no_overlap` (migration 0003, keyed by tenant since
0010): whatever the app server, two active busy times of one tenant's
resource cannot overlap. Resources of capacity above 1 are guarded by a row
lock on the tenant's row in `clubrules.booking_resources`, under which the
writer checks the peak headcount.

The statements below name the tables in the default schema (`clubrules.`);
each database's schema is put in their place once, by `Statements`. They
name the tenant as the transaction's setting (`current_setting(...)`, set by
the database in every transaction), so one text serves every tenant.

The logic of a write is written once, for this adapter and its async twin
(`_aio._booking.AsyncPostgresBookingRepository`), as psycopg shares code
between its sync and async halves: each piece of a write (`_lock`,
`clashes_at`, `_write_occupancy`, `_holder`, `add_booking`, `save_booking`)
is a generator that yields the statements it needs as `Query` tuples, is
sent back their rows, and returns its result. `run` drives one on a
`Connection`, `arun` on an `AsyncConnection`; the retry policy
(`next_step`, kept by `Retries`) is plain code that both retry loops call.
A generator step costs a fraction of a microsecond, a round trip tens of them.
"""

from __future__ import annotations

import enum
import functools
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from clubrules._checks import require_instance
from clubrules._time import from_epoch_us, require_aware, to_epoch_us
from clubrules.booking._capacity import clashes
from clubrules.errors import (
    DuplicateError,
    NotFoundError,
    RetryableStorageError,
    SlotConflictError,
    StaleVersionError,
)
from clubrules.storage._fronts import BookingFinder
from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._booking import group_bookings, slot_conflict
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._dialect import POSTGRES, with_schema
from clubrules.storage.sql._unit import cause_label, logger

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping, Sequence
    from datetime import datetime

    import psycopg

    from clubrules.booking import Booking, Conflict, OverCapacity
    from clubrules.booking._capacity import Entry

__all__ = [
    "NO_ROWS",
    "RETRIED",
    "ROWS",
    "Next",
    "Plan",
    "PostgresBookingRepository",
    "Retries",
    "Statements",
    "add_booking",
    "clashes_at",
    "find_query",
    "next_step",
    "run",
    "save_booking",
    "statements",
]

_T_ = POSTGRES.tenant
"""The tenant of every statement: the transaction's setting, one text for every tenant.

Every statement below keeps to it (`tenant = ...` on each table it reads,
the tenant column in each insert), so a superuser or owner connection, to
which row-level security does not apply, reads and writes one tenant too.
"""
_COLUMNS = (
    "id, service, start_at, start_tz, end_at, end_tz, status, headcount, customer_id,"
    " expires_at, expires_at_tz, late_cancel, confirmation_code, idempotency_key,"
    " taken_by, created_at, created_at_tz, version, blocking_until_us"
)
_INSERT_BOOKING = (
    f"INSERT INTO clubrules.bookings (tenant, {_COLUMNS}) VALUES ({_T_},"  # noqa: S608 - constant
    " %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_UPDATE_BOOKING = (
    "UPDATE clubrules.bookings SET service = %s, start_at = %s, start_tz = %s,"  # noqa: S608
    " end_at = %s, end_tz = %s, status = %s, headcount = %s, customer_id = %s,"
    " expires_at = %s, expires_at_tz = %s, late_cancel = %s, confirmation_code = %s,"
    " idempotency_key = %s, taken_by = %s, created_at = %s, created_at_tz = %s,"
    f" version = %s, blocking_until_us = %s WHERE tenant = {_T_} AND id = %s"
)
_OCC_INTO = (
    "INSERT INTO clubrules.booking_occupancy (tenant, booking_id, position, resource, during,"
    " units, capacity, role, blocking_until_us, active)"
)
_INSERT_OCCUPANCY = (
    f"{_OCC_INTO} VALUES ({_T_}, %s, %s, %s, tstzrange(%s, %s, '[)'), %s, %s, %s, %s, %s)"
)
# What is in the way of one busy time at `now` (blocking rows, and active
# rows of holds lapsed since), as a CTE of the statements below.
_CLASH = (
    "clash AS (SELECT lower(during) AS s, upper(during) AS e, units, booking_id,"  # noqa: S608
    " blocking_until_us > %(now)s AS blocks FROM clubrules.booking_occupancy"
    f" WHERE tenant = {_T_} AND resource = %(resource)s"
    " AND during && tstzrange(%(start)s, %(end)s, '[)')"
    " AND booking_id <> %(id)s AND (blocking_until_us > %(now)s OR active))"
)
_OCC_VALUES = (
    " %(position)s, %(resource)s, tstzrange(%(start)s, %(end)s, '[)'),"
    " %(units)s, %(capacity)s, %(role)s, %(until)s, %(active)s"
)
# The plain path's one statement per busy time: what is in the way at `now`,
# and the insert when nothing is. A row switched off when its hold lapsed at
# a later `now` blocks again at an earlier one, which the exclusion
# constraint alone (on active rows) would miss. The clashes come back in the
# same round trip.
_CHECK_AND_INSERT_OCCUPANCY = (
    f"WITH {_CLASH}, ins AS ({_OCC_INTO} SELECT {_T_}, %(id)s,{_OCC_VALUES}"  # noqa: S608
    " WHERE NOT EXISTS (SELECT 1 FROM clash))"
    " SELECT s, e, units, booking_id, blocks FROM clash"
)
# An add's first statement on the plain path: the booking's row (a taken id
# fails the statement: DuplicateError, before any slot is judged), then its
# first busy time checked and inserted as above. One round trip under the
# resources' lock instead of two.
_ADD_AND_CHECK = (
    f"WITH booking AS (INSERT INTO clubrules.bookings (tenant, {_COLUMNS})"  # noqa: S608
    f" VALUES ({_T_}, "
    + ", ".join(f"%(b{i})s" for i in range(len(_COLUMNS.split(","))))
    + f") RETURNING id), {_CLASH},"  # noqa: S608 - constants
    f" ins AS ({_OCC_INTO} SELECT {_T_}, booking.id,{_OCC_VALUES}"
    " FROM booking WHERE NOT EXISTS (SELECT 1 FROM clash))"
    " SELECT s, e, units, booking_id, blocks FROM clash"
)
# The advisory-lock class of idempotency keys ("cb"), so that retries queue;
# the lock is the tenant's and the key's ("/" occurs in no tenant id).
_KEY_LOCK_CLASS = 0x6362
_KEY_LOCK = f"SELECT pg_advisory_xact_lock(%s, hashtext({_T_} || '/' || %s))"
# A writer refused by the constraint checks again; a ceaseless stream of
# winners coming and going is refused after this many rounds.
_ATTEMPTS = 8
_T = TypeVar("_T")
_RETRY_STATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected

# What a piece of a write yields for each statement it needs: `(sql, params,
# rows)`. Its driver runs the statement and sends back the rows fetched if
# `rows` (ROWS), else an empty list (NO_ROWS: an insert, or a lock whose rows
# are not needed). A plain tuple: a class instance costs six times as much
# to make, and a write makes several.
ROWS = True
NO_ROWS = False
if TYPE_CHECKING:
    Query: TypeAlias = tuple[str, Sequence[object] | Mapping[str, object], bool]
    """One statement of a write: its SQL, its parameters, whether its rows are wanted."""
    Op: TypeAlias = Generator[Query, list[Any], _T]
    """A sans-IO piece of a write: yields `Query`s, is sent their rows, returns `_T`."""
    Write: TypeAlias = Callable[["Statements", "Booking", int, bool, "Plan"], Op[_T]]
    """A whole write (`add_booking`, `save_booking`): its `Op`, given the write's state."""


def _row(booking: Booking) -> tuple[Any, ...]:
    return (
        booking.id,
        booking.service,
        booking.start,
        encode_zone(booking.start),
        booking.end,
        encode_zone(booking.end),
        booking.status.value,
        booking.headcount,
        booking.customer_id,
        booking.expires_at,
        None if booking.expires_at is None else encode_zone(booking.expires_at),
        booking.late_cancel,
        booking.confirmation_code,
        booking.idempotency_key,
        booking.taken_by,
        booking.created_at,
        None if booking.created_at is None else encode_zone(booking.created_at),
        booking.version,
        booking.blocking_until_us,
    )


def _occupancy_rows(booking: Booking, now_us: int) -> list[tuple[Any, ...]]:
    """The occupancy rows, in resource then start order, so that racing writers queue alike."""
    active = booking.blocking_until_us > now_us
    rows = [
        (
            booking.id,
            n,
            o.resource,
            from_epoch_us(o.start_us),
            from_epoch_us(o.end_us),
            o.units,
            o.capacity,
            o.role,
            booking.blocking_until_us,
            active,
        )
        for n, o in enumerate(booking.occupancy)
    ]
    rows.sort(key=lambda r: (r[2], r[3], r[1]))
    return rows


def _us(column: str) -> str:
    """A timestamptz column as exact UTC epoch microseconds, as the SQLite schema keeps them."""
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


# The SQLite reader's columns, instants as epoch microseconds: one row decoder for both.
# A booking's columns come once, on the row of its first busy time (NULLs on
# its other rows), as the SQLite reader has them: half the values to send and load.
_READ = (
    "SELECT b.id, "  # noqa: S608 - constants
    + ", ".join(
        f"CASE WHEN o.position = 0 THEN {_us(f'b.{c}') if c.endswith('_at') else f'b.{c}'} END"
        for c in (c.strip() for c in _COLUMNS.split(",")[1:])
    )
    + ", o.resource, "
    + _us("lower(o.during)")
    + ", "
    + _us("upper(o.during)")
    + ", o.units, o.capacity, o.role"
    " FROM clubrules.bookings AS b JOIN clubrules.booking_occupancy AS o"
    f" ON o.tenant = b.tenant AND o.booking_id = b.id WHERE b.tenant = {_T_}"
)


# A resource's row (and lock) is the tenant's: two tenants' "room-1" never queue on each other.
_LOCK_ONE = (
    "SELECT resource FROM clubrules.booking_resources"  # noqa: S608 - constant
    f" WHERE tenant = {_T_} AND resource = %s FOR UPDATE"
)
_LOCK_MANY = (
    "SELECT resource FROM clubrules.booking_resources"  # noqa: S608 - constant
    f" WHERE tenant = {_T_} AND resource = ANY(%s) ORDER BY resource FOR UPDATE"
)
_ADD_RESOURCES = (
    f"INSERT INTO clubrules.booking_resources (tenant, resource) SELECT {_T_}, r"  # noqa: S608
    " FROM unnest(%s::text[]) AS r ORDER BY r ON CONFLICT (tenant, resource) DO NOTHING"
)
_OVERLAPPING = (
    "SELECT lower(during), upper(during), units, booking_id, blocking_until_us > %s"  # noqa: S608
    f" FROM clubrules.booking_occupancy WHERE tenant = {_T_} AND resource = %s"
    " AND during && tstzrange(%s, %s, '[)') AND booking_id <> %s"
    " AND (blocking_until_us > %s OR active)"
)
_SWITCH_OFF = (
    "UPDATE clubrules.booking_occupancy SET active = false"  # noqa: S608 - constant
    f" WHERE tenant = {_T_} AND resource = %s AND during && tstzrange(%s, %s, '[)') AND active"
    " AND blocking_until_us <= %s"
)
_VERSION = f"SELECT version FROM clubrules.bookings WHERE tenant = {_T_} AND id = %s FOR UPDATE"  # noqa: S608
_DELETE_OCCUPANCY = (
    f"DELETE FROM clubrules.booking_occupancy WHERE tenant = {_T_} AND booking_id = %s"  # noqa: S608
)
# Reads come by start then id, a booking's busy times together and in order.
_ORDER = " ORDER BY b.start_at, b.id, o.position"
# The ids in an array, found once: the bookings are then looked up by their key.
# (As `IN (SELECT ...)`, the planner hashes every booking of the tenant, read
# in a sequential scan, to join a day's few hundred: twice the time of the read.)
_IN_OCCUPANCY = (
    " AND b.id = ANY(ARRAY(SELECT o.booking_id FROM clubrules.booking_occupancy AS o"  # noqa: S608
    f" WHERE o.tenant = {_T_}"
)


class Statements:
    """The adapter's statements with the tables in one schema: made once per schema."""

    __slots__ = (
        "add_and_check",
        "add_resources",
        "check_and_insert_occupancy",
        "delete_occupancy",
        "get",
        "holder",
        "in_occupancy",
        "insert_booking",
        "insert_occupancy",
        "lock_many",
        "lock_one",
        "overlapping",
        "read",
        "read_all",
        "switch_off",
        "update_booking",
        "version",
    )

    def __init__(self, prefix: str) -> None:
        def q(sql: str) -> str:
            return with_schema(sql, prefix)

        self.insert_booking = q(_INSERT_BOOKING)
        self.update_booking = q(_UPDATE_BOOKING)
        self.insert_occupancy = q(_INSERT_OCCUPANCY)
        self.check_and_insert_occupancy = q(_CHECK_AND_INSERT_OCCUPANCY)
        self.add_and_check = q(_ADD_AND_CHECK)
        self.read = q(_READ)
        self.lock_one = q(_LOCK_ONE)
        self.lock_many = q(_LOCK_MANY)
        self.add_resources = q(_ADD_RESOURCES)
        self.overlapping = q(_OVERLAPPING)
        self.switch_off = q(_SWITCH_OFF)
        self.version = q(_VERSION)
        self.delete_occupancy = q(_DELETE_OCCUPANCY)
        self.in_occupancy = q(_IN_OCCUPANCY)
        self.get = f"{self.read} AND b.id = %s{_ORDER}"
        self.holder = f"{self.read} AND b.idempotency_key = %s AND b.blocking_until_us > %s{_ORDER}"
        self.read_all = f"{self.read}{_ORDER}"


@functools.cache
def statements(prefix: str) -> Statements:
    """The statements of the schema with this table prefix (made once per schema)."""
    return Statements(prefix)


def run(conn: psycopg.Connection[Any], op: Op[_T]) -> _T:
    """Run `op`'s statements on a sync connection, one after another; its result.

    The sync driver of the sans-IO writes below; the async adapter has the
    same loop on an `AsyncConnection`. An error raised by a statement leaves
    `op` suspended, and reaches the caller as it would from inline code.
    """
    execute = conn.execute
    try:
        statement, params, rows = next(op)
        while True:
            cursor = execute(statement, params)
            statement, params, rows = op.send(cursor.fetchall() if rows else [])
    except StopIteration as done:
        return cast("_T", done.value)


class Plan:
    """A write's statement parameters, built before it takes any lock.

    Python work done while the resources' rows are locked makes every
    racing writer wait longer, so it is all done up front.
    """

    __slots__ = ("booking_row", "careful", "checked", "first_with_booking", "resources", "rows")

    def __init__(self, booking: Booking, now_us: int) -> None:
        self.booking_row = _row(booking)
        self.rows = _occupancy_rows(booking, now_us)
        self.resources = sorted(set(booking.resources))
        # Capacity above 1 takes the careful path at once.
        self.careful = any(o.capacity > 1 for o in booking.occupancy)
        # The plain path's parameters, for a booking that blocks at `now`.
        self.checked: list[dict[str, Any]] = []
        self.first_with_booking: dict[str, Any] = {}
        if booking.blocking_until_us > now_us:
            keys = ("id", "position", "resource", "start", "end", "units", "capacity", "role")
            self.checked = [
                {
                    **dict(zip(keys, row[:8], strict=True)),
                    "until": row[8],
                    "active": row[9],
                    "now": now_us,
                }
                for row in self.rows
            ]
            self.first_with_booking = {
                **self.checked[0],
                **{f"b{i}": value for i, value in enumerate(self.booking_row)},
            }


class _Lapsed(Exception):  # noqa: N818 - a signal inside the adapter, never raised out of it
    """Only rows of holds lapsed at `now` were in the way: take the careful path."""


def _refused_by_constraint(error: SlotConflictError) -> bool:
    """Whether the error is the exclusion constraint's (no clashes known yet)."""
    return not error.conflicts and _state(error) == "23P01"


def _transient(error: RetryableStorageError) -> bool:
    return _state(error) in _RETRY_STATES


def _state(error: SlotConflictError | RetryableStorageError) -> str | None:
    """The SQLSTATE of the psycopg error behind a translated error (not chained: `diagnostics`)."""
    return None if error.diagnostics is None else error.diagnostics.code


# --- the pieces of a write, sans-IO ------------------------------------------------------
#
# Each piece is a generator that yields the `Query`s it needs, is sent back
# their rows, and returns its result: the logic is written once, and `run`
# (here) or `arun` (the async adapter) drives it on a connection. A step of
# a generator costs well under a microsecond; a round trip, tens.


def _lock(sql: Statements, plan: Plan) -> Op[None]:
    """Lock the rows of the booking's resources (`SELECT ... FOR UPDATE`), in order.

    Racing writers of a resource queue here, in resource order, so that
    they never deadlock inside the exclusion constraint, and so that the
    peak headcount of a resource above capacity 1 is checked by one
    writer at a time. A resource seen for the first time gets its row.
    """
    resources = plan.resources
    one = len(resources) == 1
    lock = sql.lock_one if one else sql.lock_many
    param = resources[0] if one else resources
    if len((yield (lock, (param,), ROWS))) < len(resources):
        yield (sql.add_resources, (resources,), NO_ROWS)
        yield (lock, (param,), NO_ROWS)


def clashes_at(sql: Statements, booking: Booking, now_us: int) -> Op[list[Conflict | OverCapacity]]:
    """The clashes at `now`; holds found lapsed on the way are switched off.

    One statement per busy time, in the booking's order (`clashes` asks for
    every position in turn), each followed by the switch-off when it found a
    lapsed hold in the way.
    """
    found: list[list[Entry]] = []
    for occ in booking.occupancy:
        span = (occ.resource, from_epoch_us(occ.start_us), from_epoch_us(occ.end_us))
        rows = yield (sql.overlapping, (now_us, *span, booking.id, now_us), ROWS)
        if not all(r[4] for r in rows):
            yield (sql.switch_off, (*span, now_us), NO_ROWS)
        found.append([(to_epoch_us(s), to_epoch_us(e), u, bid) for s, e, u, bid, b in rows if b])
    return clashes(booking, found.__getitem__)


def _check(sql: Statements, booking: Booking, now_us: int) -> Op[None]:
    """The careful path (under the lock): check the slot as the in-memory adapter does."""
    if booking.blocking_until_us <= now_us:
        return
    found = yield from clashes_at(sql, booking, now_us)
    if found:
        raise slot_conflict(booking, found)


def _write_occupancy(
    sql: Statements,
    booking: Booking,
    now_us: int,
    careful: bool,
    plan: Plan,
    *,
    add: bool = False,
) -> Op[None]:
    """Check the slot and write the occupancy rows (under the resources' lock).

    Plain (capacity 1 only): one statement per busy time looks for what
    is in the way and inserts the row when nothing is, so that a refused
    writer learns the clashes in the round trip that refused it; the
    exclusion constraint still judges every insert. With `add`, the
    first of those statements also inserts the booking's row. Careful:
    the full check first (capacity, lapsed holds switched off), then the
    rows.

    Raises:
        SlotConflictError: the slot is taken at `now`.
        DuplicateError: `add`, and the booking's id is taken.
        _Lapsed: only rows of holds lapsed at `now` are in the way.
    """
    if careful or not plan.checked:
        if add:  # a taken id: DuplicateError
            yield (sql.insert_booking, plan.booking_row, NO_ROWS)
        if careful:
            yield from _check(sql, booking, now_us)
        for row in plan.rows:
            yield (sql.insert_occupancy, row, NO_ROWS)
        return
    found: list[list[Entry]] = [[] for _ in booking.occupancy]
    lapsed = False
    for n, checked in enumerate(plan.checked):
        if add and n == 0:
            in_the_way = yield (sql.add_and_check, plan.first_with_booking, ROWS)
        else:
            in_the_way = yield (sql.check_and_insert_occupancy, checked, ROWS)
        found[plan.rows[n][1]] = [
            (to_epoch_us(s), to_epoch_us(e), u, bid) for s, e, u, bid, b in in_the_way if b
        ]
        lapsed = lapsed or any(not r[4] for r in in_the_way)
    if any(found):
        raise slot_conflict(booking, clashes(booking, found.__getitem__))
    if lapsed:
        raise _Lapsed


def _holder(sql: Statements, booking: Booking, now_us: int) -> Op[Booking | None]:
    """The booking already holding the key (a retry), after queueing on the key's lock."""
    key = booking.idempotency_key
    if key is None:
        return None
    yield (_KEY_LOCK, (_KEY_LOCK_CLASS, key), NO_ROWS)
    holders = group_bookings((yield (sql.holder, (key, now_us), ROWS)))
    if not holders:
        return None
    stored = holders[0]
    if stored.same_request(booking):
        return stored
    raise DuplicateError(f"idempotency key is bound to booking {stored.id!r}, a different request")


def add_booking(
    sql: Statements, booking: Booking, now_us: int, careful: bool, plan: Plan
) -> Op[Booking]:
    """An add's statements, inside its transaction: the stored booking (the original on a retry)."""
    if booking.idempotency_key is not None:
        stored = yield from _holder(sql, booking, now_us)
        if stored is not None:
            return stored
    yield from _lock(sql, plan)
    yield from _write_occupancy(sql, booking, now_us, careful, plan, add=True)
    return booking


def save_booking(
    sql: Statements, booking: Booking, now_us: int, careful: bool, plan: Plan
) -> Op[None]:
    """A save's statements, inside its transaction: the version checked, the rows replaced."""
    yield from _lock(sql, plan)
    found = yield (sql.version, (booking.id,), ROWS)
    if not found:
        raise NotFoundError("booking", booking.id)
    stored_version = found[0][0]
    if booking.version != stored_version + 1:
        raise StaleVersionError(booking.id, booking.version - 1, stored_version)
    yield (sql.delete_occupancy, (booking.id,), NO_ROWS)
    yield (sql.update_booking, (*plan.booking_row[1:], booking.id), NO_ROWS)
    yield from _write_occupancy(sql, booking, now_us, careful, plan)


# --- the retry policy, shared by the sync and async loops --------------------------------


class Next(enum.Enum):
    """What a write does after an attempt failed (`next_step`)."""

    GIVE_UP = "give up"
    """Raise the failure: a real refusal, or the last attempt."""
    AGAIN = "again"
    """A deadlock or serialization failure: the same attempt again."""
    CAREFULLY = "carefully"
    """Only lapsed holds were in the way: again, on the careful path."""
    RECHECK = "recheck"
    """The constraint refused it: read the clashes (`clashes_at`); raise them, if any,
    else again on the careful path."""


def next_step(error: Exception, attempt: int, booking_id: str) -> Next:
    """What to do after attempt number `attempt` (from 1) of a write failed with `error`.

    The retry policy of both adapters' loops: it touches no connection (it
    logs a retry at debug level, nothing more). A booking only on
    resources of capacity 1 is first written on the plain path: racing
    writers queue on the resources' row locks, and each busy time is checked
    and inserted in one statement, which returns the clashes of a refused
    writer in the same round trip. The exclusion constraint still judges
    every insert; when it refuses (a writer that skipped the row locks), the
    clashing bookings are read right after and raised in a
    `SlotConflictError`. When only holds lapsed at `now` were in the way,
    they were switched off and the careful path writes the booking: that
    happens at most once per write (the careful path never signals it), so
    it spends no attempt. Deadlocks and serialization failures are retried,
    and the constraint's refusals checked again, until `_ATTEMPTS` attempts
    have failed.
    """
    if isinstance(error, _Lapsed):
        return Next.CAREFULLY
    if attempt >= _ATTEMPTS:
        return Next.GIVE_UP
    if isinstance(error, SlotConflictError):
        return Next.RECHECK if _refused_by_constraint(error) else Next.GIVE_UP
    if isinstance(error, RetryableStorageError) and _transient(error):
        logger.debug(
            "booking %r: write attempt %d failed (%s); retrying",
            booking_id,
            attempt,
            cause_label(error),
        )
        return Next.AGAIN
    return Next.GIVE_UP


RETRIED = (_Lapsed, SlotConflictError, RetryableStorageError)
"""The failures `next_step` judges; any other ends the write at once."""


class Retries:
    """The attempts of one write, as both adapters' loops run them (`next_step` decides).

    A loop calls its write with `careful`, and on a `RETRIED` failure asks
    `failed` what comes next; when that says to read the clashes again, it
    reads them (`clashes_at`) and hands them to `check`. Only the calls on a
    connection, sync or awaited, are the loop's own.
    """

    __slots__ = ("_attempt", "_booking", "careful")

    def __init__(self, booking: Booking, plan: Plan) -> None:
        self._booking = booking
        self._attempt = 0
        self.careful = plan.careful
        """Whether the next attempt takes the careful path."""

    def failed(self, error: Exception) -> bool:
        """After a failed attempt: whether to read the clashes before the next one.

        Raises:
            Exception: `error` itself, when the write gives up.
        """
        self._attempt += 1
        step = next_step(error, self._attempt, self._booking.id)
        if step is Next.GIVE_UP:
            raise error
        self.careful = self.careful or step is not Next.AGAIN
        return step is Next.RECHECK

    def check(self, error: Exception, found: list[Conflict | OverCapacity]) -> None:
        """After `failed` asked for it: the clashes read again, raised if any (else try again).

        Raises:
            SlotConflictError: a clash is in the way, `error` its cause.
        """
        if found:
            raise slot_conflict(self._booking, found) from error


# --- reads -------------------------------------------------------------------------------


def find_query(
    sql: Statements,
    resource: str | None,
    lo_us: int | None,
    hi_us: int | None,
) -> tuple[str, list[object]]:
    """`find`'s one statement and its parameters, from its bounds as checked by `find_bounds`."""
    lo = None if lo_us is None else from_epoch_us(lo_us)
    hi = None if hi_us is None else from_epoch_us(hi_us)
    clauses: list[str] = []
    params: list[object] = []
    if resource is not None:
        clauses.append("o.resource = %s")
        params.append(resource)
    # Instants, not wall times: in one zone, datetimes compare by wall time.
    if lo_us is not None and hi_us is not None and lo_us < hi_us:
        clauses.append("o.during && tstzrange(%s, %s, '[)')")
        params += [lo, hi]
    else:
        if hi is not None:
            clauses.append("lower(o.during) < %s")
            params.append(hi)
        if lo is not None:
            clauses.append("upper(o.during) > %s")
            params.append(lo)
    if not clauses:
        return sql.read_all, params
    return f"{sql.read}{sql.in_occupancy} AND {' AND '.join(clauses)})){_ORDER}", params


@keys_checked("BookingRepository")
class PostgresBookingRepository(BookingFinder):
    """Bookings in PostgreSQL; no double booking, enforced by the database itself.

    Implements [BookingRepository][clubrules.booking.ports.BookingRepository]
    with the in-memory adapter's guarantees, across every app server that
    shares the database:

    - Resources of capacity 1: each busy time (buffers included) is a
      `tstzrange` row, and the exclusion constraint `EXCLUDE USING gist
      (tenant WITH =, resource WITH =, during WITH &&) WHERE (active AND
      capacity = 1)` refuses a second active row overlapping it, whoever writes it. Each
      busy time is checked and inserted in one statement that returns what
      is in the way, so a refused writer gets `SlotConflictError` with the
      same `Conflict` values as the in-memory adapter without another round
      trip. Rows of holds that have lapsed at `now` are switched off when
      found in the way, and the write goes through; a write whose `now` is
      earlier (a clock that went back) still finds them, since a hold's
      lapse is judged by each call's `now`.
    - Resources of capacity above 1: the writer locks the resource's row in
      `clubrules.booking_resources` (`SELECT ... FOR UPDATE`), then checks
      the peak headcount, so that two writers cannot both take the last
      place; an over-capacity write gets `OverCapacity` values.
    - Every writer takes those row locks for all the resources it books,
      in name order, so that writers racing for one slot queue instead of
      deadlocking inside the exclusion check (which PostgreSQL resolves
      only after `deadlock_timeout`).
    - Idempotency keys: retries of one key queue on an advisory lock, then
      find the stored booking.
    - Tenants: a repository built on `database.for_tenant(tenant)` reads
      and writes that tenant's bookings only. Every statement keeps to the
      tenant, and the constraint, the resources' rows and the keys' locks
      are per tenant, so two clubs book their own "room-1" at the same hour
      without waiting on each other.

    Every write is one transaction: a booking on several resources is
    written whole or not at all, even when the connection dies midway. A
    deadlock or serialization failure is retried inside the call.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        require_instance(database, PostgresDatabase, "database")
        self._db = database
        self._sql = statements(database._table_prefix)  # noqa: SLF001 - the database's schema

    def _attempts(
        self, write: Callable[[bool], _T], booking: Booking, now_us: int, plan: Plan
    ) -> _T:
        """Run `write(careful)` until it passes the constraint or fails for a real reason."""
        retries = Retries(booking, plan)
        while True:
            try:
                return write(retries.careful)
            except RETRIED as error:
                if retries.failed(error):
                    with self._db.connection() as conn:
                        found = run(conn, clashes_at(self._sql, booking, now_us))
                    retries.check(error, found)

    def _written(self, booking: Booking, now: datetime, op: Write[_T]) -> _T:
        """`op` for `booking`, each attempt a transaction of its own, retried by `_attempts`."""
        now_us = to_epoch_us(require_aware(now, "now"))
        plan = Plan(booking, now_us)
        sql = self._sql

        def write(careful: bool) -> _T:
            with self._db.transaction() as conn:
                return run(conn, op(sql, booking, now_us, careful, plan))

        return self._attempts(write, booking, now_us, plan)

    def add(self, booking: Booking, *, now: datetime) -> Booking:
        """Store `booking` if its slot is free; the stored booking (the original on a retry)."""
        return self._written(booking, now, add_booking)

    def save(self, booking: Booking, *, now: datetime) -> None:
        """Replace the stored booking with its next version, re-checking the slot."""
        self._written(booking, now, save_booking)

    def get(self, booking_id: str) -> Booking:
        """The booking with this id; `NotFoundError` if there is none."""
        # One statement: one snapshot, one round trip (the tenant set in the same pipeline).
        found = group_bookings(self._db._fetchall(self._sql.get, (booking_id,)))  # noqa: SLF001
        if not found:
            raise NotFoundError("booking", booking_id)
        return found[0]

    def _find(self, resource: str | None, lo_us: int | None, hi_us: int | None) -> list[Booking]:
        """`find`: one statement over the busy times' ranges."""
        statement, params = find_query(self._sql, resource, lo_us, hi_us)
        # One statement: one snapshot, one round trip (the tenant set in the
        # same pipeline; `connection()` would be a transaction of four).
        return group_bookings(self._db._fetchall(statement, params))  # noqa: SLF001

    def __repr__(self) -> str:
        return f"PostgresBookingRepository({self._db!r})"
