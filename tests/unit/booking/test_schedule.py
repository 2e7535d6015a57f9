from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import Booking, BookingPolicy, BookingStatus, Occupancy, Schedule
from clubrules.testing.strategies import DST_DAYS, booking_lists

DAY = DST_DAYS[0]
FIVE = 300_000_000


def _brute(
    bookings: list[Booking], resource: str, lo: int, hi: int, now_us: int
) -> set[tuple[int, int, int, str]]:
    found = set()
    for b in bookings:
        if b.blocking_until_us <= now_us:
            continue
        for o in b.occupancy:
            if o.resource == resource and o.start_us < hi and o.end_us > lo:
                found.add((o.start_us, o.end_us, o.units, b.id))
    return found


@settings(max_examples=150)
@given(
    bookings=booking_lists(max_size=40),
    removed=st.sets(st.integers(0, 39), max_size=10),
    queries=st.lists(
        st.tuples(
            st.sampled_from(["r1", "r2", "r3", "r9"]), st.integers(-20, 300), st.integers(1, 40)
        ),
        min_size=1,
        max_size=8,
    ),
    now_step=st.integers(-24, 300),
)
def test_lookups_agree_with_a_scan_after_adds_and_removals(
    bookings: list[Booking],
    removed: set[int],
    queries: list[tuple[str, int, int]],
    now_step: int,
) -> None:
    half = len(bookings) // 2
    schedule = Schedule(bookings[:half])
    for b in bookings[half:]:
        schedule.add(b)
    kept = []
    for i, b in enumerate(bookings):
        if i in removed:
            schedule.discard(b.id)
        else:
            kept.append(b)
    now_us = to_epoch_us(DAY) + now_step * FIVE
    for resource, start, length in queries:
        lo = to_epoch_us(DAY) + start * FIVE
        hi = lo + length * FIVE
        got = set(schedule.overlapping(resource, lo, hi, now_us))
        assert got == _brute(kept, resource, lo, hi, now_us)
        assert schedule.is_free(resource, lo, hi, now_us) == (not got)
    assert len(schedule) == sum(b.blocks_at(None) for b in kept)


def test_inactive_bookings_are_not_indexed_and_ids_are_unique() -> None:
    start = DAY + timedelta(hours=10)
    booking = Booking(
        id="b1",
        service="svc",
        start=start,
        end=start + timedelta(hours=1),
        occupancy=[Occupancy.between("r1", start, start + timedelta(hours=1))],
    )
    schedule = Schedule([booking])
    with pytest.raises(ValueError, match="already"):
        schedule.add(booking)
    schedule.replace(booking.cancel(now=start, policy=BookingPolicy()))
    assert "b1" not in schedule
    assert schedule.get("b1") is None
    assert len(schedule) == 0
    assert BookingStatus.CANCELLED not in {b.status for b in schedule}
