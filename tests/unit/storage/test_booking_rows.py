"""Stored booking rows read back: a booking read again is the value decoded from its rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.booking import Booking, BookingStatus, Occupancy
from clubrules.storage.sql._booking import _decoded, _reads, group_bookings
from clubrules.storage.sql._codecs import encode_zone, in_zone
from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase
from clubrules.testing.strategies import booking_lists

if TYPE_CHECKING:
    import random

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 28, 9, 0, tzinfo=ZONE)


def _booking(booking_id: str, start: datetime, **changes: object) -> Booking:
    fields: dict[str, object] = {
        "id": booking_id,
        "service": "facial",
        "start": start,
        "end": start + timedelta(hours=1),
        "occupancy": (
            Occupancy.between("li", start, start + timedelta(hours=1), role="beautician"),
            Occupancy.between("room-1", start, start + timedelta(minutes=70), role="room"),
        ),
        "status": BookingStatus.HELD,
        "expires_at": NOW + timedelta(minutes=10),
        "customer_id": "c-1",
        "created_at": NOW,
    }
    fields.update(changes)
    return Booking(**fields)  # type: ignore[arg-type]


def test_a_booking_read_again_equals_a_fresh_decode_and_changes_with_its_rows() -> None:
    db = SQLiteDatabase(":memory:")
    db.migrate()
    repo = SQLiteBookingRepository(db)
    # Across the night the clocks change in Berlin, in the booking's own zone.
    first = _booking("b1", datetime(2026, 3, 29, 1, 30, tzinfo=ZONE))
    second = _booking("b2", datetime(2026, 3, 29, 10, 0, tzinfo=ZONE))
    repo.add(first, now=NOW)
    repo.add(second, now=NOW)
    start, end = NOW, NOW + timedelta(days=2)
    read = repo.find(start=start, end=end)
    _decoded.clear()
    fresh = repo.find(start=start, end=end)
    again = repo.find(start=start, end=end)
    assert read == fresh == again
    assert [(b.start.isoformat(), b.start.tzinfo) for b in again] == [
        (b.start.isoformat(), b.start.tzinfo) for b in (first, second)
    ]
    # A changed row is a different booking, not the value kept for the old one.
    confirmed = first.confirm(now=NOW)
    repo.save(confirmed, now=NOW)
    after = repo.find(start=start, end=end)
    assert [(b.id, b.status, b.version) for b in after] == [
        ("b1", BookingStatus.CONFIRMED, 2),
        ("b2", BookingStatus.HELD, 1),
    ]


def _row(k: int) -> tuple[object, ...]:
    """A one-row booking `b{k}` from UTC microsecond `k` to `k + 1`, with its busy time."""
    booking = (f"b{k}", "facial", k, None, k + 1, None, "confirmed", 1, None, None, None, 0)
    rest = (None, None, None, None, None, 1, 2)
    busy = ("li", k, k + 1, 1, 1, "beautician")
    return (*booking, *rest, *busy)


def test_rows_of_any_sequence_type_group_as_tuples() -> None:
    row = _row(1)
    assert group_bookings([list(row)]) == group_bookings([row])


def test_the_kept_bookings_stay_bounded_and_the_newest_are_kept() -> None:
    from clubrules.storage.sql import _booking  # noqa: PLC0415 - the bound under test

    _decoded.clear()
    many = [_row(k) for k in range(_booking._DECODED_KEPT + 100)]
    found = group_bookings(many)
    assert [b.id for b in found] == [f"b{k}" for k in range(len(many))]
    assert len(_decoded) == _booking._DECODED_KEPT
    # The newest rows are the ones kept: reading them again gives the same values.
    tail = many[-10:]
    assert all(group_bookings([r])[0] is _decoded[str(r[0])][1] for r in tail)


def _stored_rows(booking: Booking, *, first_only: bool) -> list[tuple[Any, ...]]:
    """The joined rows a reader gets for `booking`, as the adapters write it."""

    def at(value: datetime | None) -> tuple[int | None, str | None]:
        return (None, None) if value is None else (to_epoch_us(value), encode_zone(value))

    head = (
        booking.id,
        booking.service,
        *at(booking.start),
        *at(booking.end),
        booking.status.value,
        booking.headcount,
        booking.customer_id,
        *at(booking.expires_at),
        int(booking.late_cancel),
        booking.confirmation_code,
        booking.idempotency_key,
        booking.taken_by,
        *at(booking.created_at),
        booking.version,
        booking.blocking_until_us,
    )
    blank = (booking.id, *([None] * 18))
    return [
        (*(head if n == 0 or not first_only else blank), *busy)
        for n, busy in enumerate(
            (o.resource, o.start_us, o.end_us, o.units, o.capacity, o.role)
            for o in booking.occupancy
        )
    ]


def _decoded_slowly(rows: list[tuple[Any, ...]]) -> list[Booking]:
    """The oracle: each booking through its validating constructor, sorted by instant and id."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(row)

    def at(us: int | None, zone: str | None) -> datetime | None:
        return None if us is None else in_zone(from_epoch_us(us), zone)

    bookings = []
    for group in found.values():
        h = group[0]
        bookings.append(
            Booking(
                id=h[0],
                service=h[1],
                start=at(h[2], h[3]),  # type: ignore[arg-type]
                end=at(h[4], h[5]),  # type: ignore[arg-type]
                occupancy=tuple(Occupancy(*r[19:25]) for r in group),
                status=BookingStatus(h[6]),
                headcount=h[7],
                customer_id=h[8],
                expires_at=at(h[9], h[10]),
                late_cancel=bool(h[11]),
                confirmation_code=h[12],
                idempotency_key=h[13],
                taken_by=h[14],
                created_at=at(h[15], h[16]),
                version=h[17],
            )
        )
    return sorted(bookings, key=lambda b: (to_epoch_us(b.start), b.id))


def _same(read: list[Booking], expected: list[Booking]) -> None:
    """Equal values, in the same order, with the same zones and the same blocking."""
    assert read == expected
    for got, want in zip(read, expected, strict=True):
        for name in ("start", "end", "expires_at", "created_at"):
            a, b = getattr(got, name), getattr(want, name)
            assert (a is None) == (b is None)
            if a is not None:
                assert (a.isoformat(), a.tzinfo) == (b.isoformat(), b.tzinfo)
        assert got.blocking_until_us == want.blocking_until_us
        assert got._scan_rows() == want._scan_rows()


@given(booking_lists(), st.booleans(), st.randoms(use_true_random=False), st.booleans())
def test_grouped_rows_equal_the_bookings_built_by_their_constructor(
    found: list[Booking], first_only: bool, shuffle: random.Random, cold: bool
) -> None:
    blocks = [_stored_rows(b, first_only=first_only) for b in found]
    shuffle.shuffle(blocks)  # the bookings in any order, each one's rows together
    rows = [row for block in blocks for row in block]
    if cold:
        _decoded.clear()
        _reads.clear()
    expected = _decoded_slowly(rows)
    _same(group_bookings(rows), expected)
    _same(group_bookings(rows), expected)  # read again: the kept values


@given(booking_lists(), st.booleans())
def test_a_kept_booking_is_used_only_for_its_exact_rows(
    found: list[Booking], first_only: bool
) -> None:
    """A booking id kept from one read, met with other rows (another tenant's booking,
    a later version), decodes afresh; the kept value comes back once its own rows do."""
    for base in found[:3]:
        other = attrs.evolve(base, service=f"{base.service}-x", version=base.version + 1)
        first = _stored_rows(base, first_only=first_only)
        second = _stored_rows(other, first_only=first_only)
        assert group_bookings(first) == [base]
        assert group_bookings(second) == [other]
        assert group_bookings(first) == [base]


@given(
    st.lists(booking_lists(), min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.booleans()), max_size=12),
    st.booleans(),
)
def test_reads_repeated_changed_and_mutated_equal_a_fresh_decode(
    days: list[list[Booking]], reads: list[tuple[int, int, bool]], first_only: bool
) -> None:
    """Reads of a few days, again and again, some with one booking changed: each equals
    the oracle's decode of its rows, whatever was read before and whatever the callers
    did to the lists they passed in or got back."""
    _reads.clear()
    for day_index, change, mutate in reads:
        day = list(days[day_index % len(days)])
        if day and change:  # a later version of one booking: other rows, another value
            n = change % len(day)
            day[n] = attrs.evolve(day[n], taken_by=f"desk-{change}", version=day[n].version + 1)
        rows = [row for b in day for row in _stored_rows(b, first_only=first_only)]
        expected = _decoded_slowly(rows)
        got = group_bookings(rows)
        _same(got, expected)
        if mutate:  # the caller's lists are its own: the next read is not changed by them
            got.clear()
            rows.clear()


def test_a_read_equal_to_a_kept_one_gets_its_bookings_in_a_list_of_its_own() -> None:
    _reads.clear()
    rows = [_row(1), _row(2)]
    first = group_bookings(rows)
    again = group_bookings(list(rows))
    assert again == first
    assert all(a is b for a, b in zip(again, first, strict=True))  # the kept values
    assert again is not first
    first.append(first[0])
    assert len(group_bookings(list(rows))) == 2
