"""The booking codecs that the SQLite and PostgreSQL adapters share.

The error that refuses a booking, its clashes reported by the booking area's
`clashes` as the in-memory adapter reports them; and the joined booking rows
of either database grouped back into bookings.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from clubrules._time import EPOCH, ONE_US
from clubrules.booking import Booking, BookingStatus, Occupancy
from clubrules.booking._capacity import clashes
from clubrules.errors import SlotConflictError
from clubrules.storage.sql._codecs import decode_at

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from clubrules.booking import Conflict, OverCapacity
    from clubrules.booking._capacity import Entry

__all__ = ["group_bookings", "refused", "slot_conflict"]

_START_ID = itemgetter(0, 1)


def slot_conflict(booking: Booking, found: list[Conflict | OverCapacity]) -> SlotConflictError:
    """The error that refuses `booking`, carrying every clash found."""
    return SlotConflictError(
        f"booking {booking.id!r} clashes with {len(found)} stored booking(s)", conflicts=found
    )


def refused(booking: Booking, in_the_way: list[list[Entry]]) -> SlotConflictError:
    """The error that refuses `booking`, its clashes built only if they are read.

    Most writers that lose a race never read them, and under one interpreter
    lock their cost slows every thread. A `Conflict` per busy time in the way
    on a resource of capacity 1, so the count is known now; a resource above
    capacity 1 may or may not be too full, so that case is built at once.
    """
    occupancy = booking.occupancy
    if any(in_the_way[n] and occ.capacity > 1 for n, occ in enumerate(occupancy)):
        return slot_conflict(booking, clashes(booking, in_the_way.__getitem__))
    return SlotConflictError._found_later(  # noqa: SLF001 - the storage entry of the error
        f"booking {booking.id!r} clashes with {sum(map(len, in_the_way))} stored booking(s)",
        lambda: clashes(booking, in_the_way.__getitem__),
    )


_STATUS = {s.value: s for s in BookingStatus}

# Bookings decoded from their exact rows, for the most recently decoded ones. A
# booking's rows decode to equal immutable values whoever reads them, so rows
# read again (the day's bookings, read on every request of a busy day) reuse
# the value. Kept by booking id with the rows they came from, and used only
# if the rows read are equal to those (the same id in another tenant or
# database, or a later version, decodes afresh); dropped oldest first. Keyed
# by the id, whose hash the string keeps, rather than by the rows, whose
# tuples would be hashed again on every look-up.
_DECODED_KEPT = 4096
_decoded: OrderedDict[str, tuple[tuple[tuple[Any, ...], ...], Booking]] = OrderedDict()
_decoded_lock = threading.Lock()
# The last few whole reads (a list of rows, as the PostgreSQL adapters get them)
# and the bookings grouped from them, newest first. A busy day is read again
# and again unchanged: a read equal to a kept one is answered with its
# bookings, with one comparison of the rows instead of grouping them again.
# Equal rows group into equal bookings, whatever database or tenant they
# came from. Small reads only, so that few rows are kept alive.
_READS_KEPT = 8
_READ_MOST_ROWS = 512
_reads: list[tuple[list[Any], list[Booking]]] = []


def group_bookings(rows: Iterable[Sequence[Any]]) -> list[Booking]:
    """Joined rows, one per busy time, grouped back into bookings by start then id.

    Shared with PostgreSQL. Each row holds the 19 booking columns of
    `_COLUMNS` (instants as UTC microseconds followed by their zone), then
    the busy time's resource, start_us, end_us, units, capacity and role;
    only a booking's first row need carry its booking columns (the others
    may hold anything there, NULLs in practice). A booking's rows are
    consecutive, in position order, and the bookings may come in any order.
    The rows are ones clubrules wrote, validated on the way in and kept so
    by the schema's checks, so they are read back without running the
    validators again. A booking whose rows were decoded lately, unchanged,
    is the value decoded then; otherwise an instant met twice in one read
    (the day's slot times) is decoded once. A list of rows equal to one of
    the last few read gets the bookings grouped from that one.
    """
    if type(rows) is not list or not 0 < len(rows) <= _READ_MOST_ROWS:
        return _grouped(rows)
    with _decoded_lock:
        recent = _reads[:]
    for kept_rows, kept in recent:
        if kept_rows == rows:
            return kept[:]  # a list of its own: the caller may change it
    found = _grouped(rows)
    with _decoded_lock:
        _reads.insert(0, (rows[:], found[:]))
        del _reads[_READS_KEPT:]
    return found


def _grouped(rows: Iterable[Sequence[Any]]) -> list[Booking]:
    """`group_bookings` without the kept reads."""
    groups: list[tuple[tuple[Any, ...], ...]] = []
    add = groups.append
    booking_id: object = None
    group: list[tuple[Any, ...]] = []
    for r in rows:
        row = r if type(r) is tuple else tuple(r)
        if row[0] != booking_id or not group:
            if group:
                add(tuple(group))
            booking_id, group = row[0], [row]
        else:
            group.append(row)
    if group:
        add(tuple(group))
    with _decoded_lock:
        kept = _decoded.get
        known = [kept(g[0][0]) for g in groups]
    bookings: list[tuple[int, str, Booking]] = []
    new: list[tuple[str, tuple[tuple[tuple[Any, ...], ...], Booking]]] = []
    decode: Callable[[tuple[tuple[Any, ...], ...]], Booking] | None = None
    for g, entry in zip(groups, known, strict=True):
        head = g[0]
        if entry is not None and entry[0] == g:
            bookings.append((head[2], head[0], entry[1]))
            continue
        if decode is None:
            decode = _decoder()
        booking = decode(g)
        bookings.append((head[2], head[0], booking))
        new.append((head[0], (g, booking)))
    if new:
        with _decoded_lock:
            _decoded.update(new)
            for _ in range(len(_decoded) - _DECODED_KEPT):
                _decoded.popitem(last=False)  # the oldest first
    # By start (UTC microseconds), then id.
    bookings.sort(key=_START_ID)
    return [b for _start, _id, b in bookings]


def _decoder() -> Callable[[tuple[tuple[Any, ...], ...]], Booking]:
    """A decoder of one booking's rows (in position order) for one read.

    An instant met twice in the read (the day's slot times, shared by many
    resources) is decoded once.
    """
    occupancy_of = Occupancy._from_row  # noqa: SLF001 - the booking package's storage entry
    booking_of = Booking._from_row  # noqa: SLF001
    status_of = _STATUS.__getitem__
    seen: dict[int | tuple[int, str], datetime] = {}
    known = seen.get

    def at(us: int, zone: str | None) -> datetime:
        key = us if zone is None else (us, zone)
        value = known(key)
        if value is None:
            value = seen[key] = decode_at(us, zone)
        return value

    def decode(rows: tuple[tuple[Any, ...], ...]) -> Booking:
        row = rows[0]
        # A UTC instant (the common case) looked up by its integer, with no call nor tuple.
        start = (row[3] is None and known(row[2])) or at(row[2], row[3])
        end = (row[5] is None and known(row[4])) or at(row[4], row[5])
        created = row[15]
        if created is not None:  # one a booking: made at once, not looked up
            created = EPOCH + ONE_US * created if row[16] is None else at(created, row[16])
        expires = row[9]
        if expires is not None:
            expires = at(expires, row[10])
        if len(rows) == 2:  # the common case, written out: no comprehension to set up
            r = rows[1]
            occupancy: tuple[Occupancy, ...] = (
                occupancy_of(row[19], row[20], row[21], row[22], row[23], row[24]),
                occupancy_of(r[19], r[20], r[21], r[22], r[23], r[24]),
            )
        else:
            occupancy = tuple(
                [occupancy_of(r[19], r[20], r[21], r[22], r[23], r[24]) for r in rows]
            )
        return booking_of(
            row[0],
            row[1],
            start,
            end,
            occupancy,
            status_of(row[6]),
            row[7],
            row[8],
            expires,
            bool(row[11]),
            row[12],
            row[13],
            row[14],
            created,
            row[17],
            row[18],
        )

    return decode
