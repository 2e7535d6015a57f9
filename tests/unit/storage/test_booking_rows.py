"""Stored booking rows read back: a booking read again is the value decoded from its rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from clubrules.booking import Booking, BookingStatus, Occupancy
from clubrules.storage.sql._booking import _decoded, group_bookings
from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase

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
    assert all(group_bookings([r])[0] is _decoded[(r,)] for r in tail)
