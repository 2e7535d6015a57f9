from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.booking import Booking, BookingStatus, Occupancy, find_conflicts
from clubrules.errors import NaiveDatetimeError
from clubrules.testing.strategies._booking import DST_DAYS, booking_lists

from . import _oracle

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
MIN = timedelta(minutes=1)


def _booking(
    bid: str,
    start: int,
    end: int,
    *,
    resource: str = "r",
    units: int = 1,
    capacity: int = 1,
    status: BookingStatus = BookingStatus.CONFIRMED,
    before: int = 0,
    after: int = 0,
) -> Booking:
    s, e = T0 + start * MIN, T0 + end * MIN
    return Booking(
        id=bid,
        service="svc",
        start=s,
        end=e,
        occupancy=[
            Occupancy.between(
                resource, s - before * MIN, e + after * MIN, units=units, capacity=capacity
            )
        ],
        status=status,
        expires_at=T0 + 30 * MIN if status is BookingStatus.HELD else None,
    )


def test_back_to_back_bookings_do_not_conflict() -> None:
    assert not find_conflicts([_booking("a", 0, 60), _booking("b", 60, 120)])


def test_an_overlap_is_reported_with_its_window() -> None:
    report = find_conflicts([_booking("a", 0, 60), _booking("b", 45, 120)])
    [conflict] = report.pairs
    assert (conflict.resource, conflict.first, conflict.second) == ("r", "a", "b")
    assert (conflict.start, conflict.end) == (T0 + 45 * MIN, T0 + 60 * MIN)


def test_buffers_stack_and_make_back_to_back_times_clash() -> None:
    # a's clean-up (10 min) and b's set-up (5 min) both block the room.
    a = _booking("a", 0, 60, after=10)
    b = _booking("b", 70, 120, before=5)
    [conflict] = find_conflicts([a, b]).pairs
    assert (conflict.start, conflict.end) == (T0 + 65 * MIN, T0 + 70 * MIN)
    assert not find_conflicts([a, _booking("b", 75, 120, before=5)])


def test_cancelled_and_expired_holds_do_not_conflict() -> None:
    a = _booking("a", 0, 60)
    cancelled = _booking("c", 0, 60, status=BookingStatus.CANCELLED)
    held = _booking("h", 0, 60, status=BookingStatus.HELD)  # expires at T0 + 30 min
    assert len(find_conflicts([a, cancelled, held]).pairs) == 1
    assert not find_conflicts([a, cancelled, held], as_of=T0 + 30 * MIN)
    assert len(find_conflicts([a, held], as_of=T0 + 29 * MIN).pairs) == 1


def test_three_overlapping_bookings_give_three_pairs() -> None:
    report = find_conflicts([_booking("a", 0, 60), _booking("b", 10, 50), _booking("c", 20, 30)])
    assert {(c.first, c.second) for c in report.pairs} == {("a", "b"), ("a", "c"), ("b", "c")}


def test_capacity_windows_report_the_peak() -> None:
    room = [
        _booking(f"p{i}", start, end, capacity=4, units=units)
        for i, (start, end, units) in enumerate([(0, 60, 2), (15, 45, 2), (30, 90, 1), (40, 50, 1)])
    ]
    report = find_conflicts(room)
    assert not report.pairs
    [window] = report.over_capacity
    assert (window.start, window.end) == (T0 + 30 * MIN, T0 + 45 * MIN)
    assert window.peak == 6
    assert window.peak_at == T0 + 40 * MIN
    assert window.bookings == ("p0", "p1", "p2", "p3")


def test_capacity_is_checked_on_people_present_not_rows() -> None:
    # Five rows overlap the hour, but never more than two people at once.
    rows = [_booking(f"s{i}", 12 * i, 12 * i + 20, capacity=2) for i in range(5)]
    assert not find_conflicts(rows)


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        find_conflicts([], as_of=datetime(2026, 3, 2))  # noqa: DTZ001


def _normalise(report_pairs: tuple[object, ...]) -> set[tuple[object, ...]]:
    return {
        (c.resource, frozenset({c.first, c.second}), _oracle.us(c.start), _oracle.us(c.end))  # type: ignore[attr-defined]
        for c in report_pairs
    }


@given(
    bookings=booking_lists(days=DST_DAYS, max_size=40),
    as_of=st.none() | st.sampled_from([d + timedelta(hours=h) for d in DST_DAYS for h in (2, 9)]),
)
def test_pairs_agree_with_the_pairwise_oracle(
    bookings: list[Booking], as_of: datetime | None
) -> None:
    report = find_conflicts(bookings, as_of=as_of)
    assert _normalise(report.pairs) == _oracle.pairs(bookings, as_of)
    assert len(report.pairs) == len(_oracle.pairs(bookings, as_of))


@given(bookings=booking_lists(capacities={"r1": 3, "r2": 2}, days=DST_DAYS[:3], max_size=30))
def test_capacity_windows_agree_with_the_elementary_oracle(bookings: list[Booking]) -> None:
    report = find_conflicts(bookings)
    got = {
        (w.resource, _oracle.us(w.start), _oracle.us(w.end), w.peak, frozenset(w.bookings))
        for w in report.over_capacity
    }
    assert got == _oracle.over_capacity(bookings)
    assert _normalise(report.pairs) == _oracle.pairs(bookings)


@settings(max_examples=300)
@given(
    bookings=booking_lists(
        resources=("r1",),
        statuses=(BookingStatus.CONFIRMED,),
        max_size=25,
    )
)
def test_dense_single_resource_pairs_agree_with_the_oracle(bookings: list[Booking]) -> None:
    report = find_conflicts(bookings)
    assert _normalise(report.pairs) == _oracle.pairs(bookings)
    assert len(report.pairs) == len(_oracle.pairs(bookings))
