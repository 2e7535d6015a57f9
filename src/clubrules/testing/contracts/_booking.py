"""Contract suite for the booking port: `BookingRepository`."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingStatus,
    Conflict,
    Occupancy,
    OverCapacity,
    find_conflicts,
)
from clubrules.errors import (
    DuplicateError,
    NaiveDatetimeError,
    NotFoundError,
    SlotConflictError,
    StaleVersionError,
)
from clubrules.testing.contracts._base import (
    RepositoryContract,
    RepositoryMachine,
    by_instant,
    run_machine,
)
from clubrules.testing.contracts._instants import assert_same_instant, dst_property
from clubrules.testing.contracts._race import one_wins, race
from clubrules.testing.contracts._values import SHANGHAI

if TYPE_CHECKING:
    from clubrules.booking.ports import BookingRepository

__all__ = ["BookingRepositoryContract"]

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
MIN = timedelta(minutes=1)
POLICY = BookingPolicy()
_THREADS = 16


def _booking(
    booking_id: str,
    start: int,
    end: int,
    *,
    resource: str = "room-1",
    units: int = 1,
    capacity: int = 1,
    status: BookingStatus = BookingStatus.CONFIRMED,
    key: str | None = None,
    customer: str | None = "c-1",
    expires: int | None = None,
    after: int = 0,
    also: str | None = None,
) -> Booking:
    """A booking from minute `start` to `end` after T0, with an optional clean-up buffer."""
    s, e = T0 + start * MIN, T0 + end * MIN
    occupancy = [Occupancy.between(resource, s, e + after * MIN, units=units, capacity=capacity)]
    if also is not None:
        occupancy.append(Occupancy.between(also, s, e))
    if expires is None and status in {BookingStatus.HELD, BookingStatus.PENDING}:
        expires = start - 60
    return Booking(
        id=booking_id,
        service="facial",
        start=s,
        end=e,
        occupancy=occupancy,
        status=status,
        headcount=units,
        customer_id=customer,
        idempotency_key=key,
        expires_at=None if expires is None else T0 + expires * MIN,
        confirmation_code="7K3MQ9TZ",
        taken_by="desk-1",
        created_at=T0 - 4 * timedelta(hours=1),  # before every hold's expiry
    )


NOW = T0 - timedelta(hours=3)


def _assert_same_booking(stored: Booking, given: Booking) -> None:
    """Field by field; instants the same instant, offset and wall time.

    Not `==` on the whole booking: Python finds two datetimes of different
    tzinfo objects unequal when one is in a repeated hour (PEP 495), even
    for the same instant, offset and wall time; an adapter may give the
    offset back as a fixed `timezone`.
    """
    for field in attrs.fields(Booking):
        if not field.eq:
            continue
        value, expected = getattr(stored, field.name), getattr(given, field.name)
        if isinstance(expected, datetime):
            assert_same_instant(value, expected)
        else:
            assert value == expected, field.name


class BookingRepositoryContract(RepositoryContract):
    """Every `BookingRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty booking repository.
    """

    def test_a_booking_comes_back_equal(self, repository: BookingRepository) -> None:
        booking = _booking("b1", 0, 60, after=10, also="li", key="k-1")
        booking = attrs.evolve(booking, start=booking.start.astimezone(SHANGHAI))
        assert repository.add(booking, now=NOW) == booking
        stored = repository.get("b1")
        for field in attrs.fields(Booking):
            if field.eq:
                assert getattr(stored, field.name) == getattr(booking, field.name), field.name
        assert stored.start.utcoffset() is not None

    def test_get_of_a_missing_id_raises_not_found(self, repository: BookingRepository) -> None:
        with pytest.raises(NotFoundError) as caught:
            repository.get("nobody")
        assert caught.value.key == "nobody"

    def test_a_taken_id_is_a_duplicate(self, repository: BookingRepository) -> None:
        repository.add(_booking("b1", 0, 60), now=NOW)
        with pytest.raises(DuplicateError):
            repository.add(_booking("b1", 120, 180), now=NOW)

    def test_back_to_back_bookings_both_land(self, repository: BookingRepository) -> None:
        repository.add(_booking("b1", 0, 60), now=NOW)
        repository.add(_booking("b2", 60, 120), now=NOW)
        assert [b.id for b in repository.find(resource="room-1")] == ["b1", "b2"]

    def test_an_overlap_is_refused_with_the_conflict(self, repository: BookingRepository) -> None:
        repository.add(_booking("b1", 0, 60, after=10), now=NOW)
        with pytest.raises(SlotConflictError) as caught:
            repository.add(_booking("b2", 65, 120), now=NOW)  # inside b1's clean-up
        [conflict] = caught.value.conflicts
        assert isinstance(conflict, Conflict)
        assert (conflict.resource, conflict.first, conflict.second) == ("room-1", "b1", "b2")
        assert (conflict.start, conflict.end) == (T0 + 65 * MIN, T0 + 70 * MIN)
        with pytest.raises(NotFoundError):
            repository.get("b2")

    def test_all_or_nothing_across_resources(self, repository: BookingRepository) -> None:
        repository.add(_booking("b1", 0, 60, resource="li"), now=NOW)
        with pytest.raises(SlotConflictError):
            repository.add(_booking("b2", 30, 90, resource="room-2", also="li"), now=NOW)
        assert repository.find(resource="room-2") == []

    def test_cancelled_and_expired_bookings_free_the_slot(
        self, repository: BookingRepository
    ) -> None:
        first = repository.add(_booking("b1", 0, 60), now=NOW)
        repository.save(first.cancel(now=NOW, policy=POLICY), now=NOW)
        repository.add(_booking("b2", 0, 60, status=BookingStatus.HELD, expires=-100), now=NOW)
        with pytest.raises(SlotConflictError):
            repository.add(_booking("b3", 0, 60), now=T0 - 101 * MIN)
        repository.add(_booking("b3", 0, 60), now=T0 - 100 * MIN)
        assert repository.get("b3").status is BookingStatus.CONFIRMED

    def test_capacity_is_enforced_on_the_peak(self, repository: BookingRepository) -> None:
        for i, (start, end, units) in enumerate([(0, 60, 2), (30, 90, 1), (60, 120, 2)]):
            repository.add(
                _booking(f"y{i}", start, end, resource="studio", units=units, capacity=4), now=NOW
            )
        # 45-75: y0 (2) and y1 (1) until 60, y1 and y2 (2) after: a peak of 3 + 2.
        with pytest.raises(SlotConflictError) as caught:
            repository.add(_booking("y9", 45, 75, resource="studio", units=2, capacity=4), now=NOW)
        [window] = caught.value.conflicts
        assert isinstance(window, OverCapacity)
        assert (window.peak, window.capacity) == (5, 4)
        repository.add(_booking("y8", 90, 120, resource="studio", units=2, capacity=4), now=NOW)

    def test_a_retry_with_the_same_key_returns_the_first_booking(
        self, repository: BookingRepository
    ) -> None:
        first = repository.add(_booking("b1", 0, 60, key="req-42"), now=NOW)
        again = repository.add(_booking("b1-retry", 0, 60, key="req-42"), now=NOW)
        assert again == first
        with pytest.raises(NotFoundError):
            repository.get("b1-retry")
        with pytest.raises(DuplicateError):
            repository.add(_booking("b2", 120, 180, key="req-42"), now=NOW)

    def test_cancel_releases_the_idempotency_key(self, repository: BookingRepository) -> None:
        first = repository.add(_booking("b1", 0, 60, key="req-42"), now=NOW)
        repository.save(first.cancel(now=NOW, policy=POLICY), now=NOW)
        second = repository.add(_booking("b2", 0, 60, key="req-42"), now=NOW)
        assert second.id == "b2"

    def test_a_holds_lapse_is_judged_by_each_calls_now(self, repository: BookingRepository) -> None:
        # Whether a hold still blocks its slot and binds its key depends on the
        # call's `now` alone, never on the calls before it: a clock that steps
        # back, or an app server whose clock lags another's, sees what any call
        # at its `now` would see.
        held = _booking("h1", 0, 60, status=BookingStatus.HELD, expires=-100, key="req-7")
        hold = repository.add(held, now=NOW)
        later = T0 - 90 * MIN  # the hold lapsed at minute -100
        # Later, the lapsed hold frees its slot and its key.
        repository.add(_booking("b1", 0, 30), now=later)
        repository.add(_booking("b2", 120, 180, key="req-7", customer="c-2"), now=later)
        # Back at an earlier `now`, the hold blocks again: its slot...
        with pytest.raises(SlotConflictError) as caught:
            repository.add(_booking("b3", 30, 60), now=NOW)
        [conflict] = caught.value.conflicts
        assert isinstance(conflict, Conflict)
        assert (conflict.first, conflict.second) == ("h1", "b3")
        # ...and its key: a retry of its request gets the hold back (of the
        # bookings blocking with the key, the first by start then id holds it).
        retry = _booking("h1-retry", 0, 60, status=BookingStatus.HELD, expires=-100, key="req-7")
        assert repository.add(retry, now=NOW) == hold
        # At the later `now`, the key is b2's again.
        with pytest.raises(DuplicateError):
            repository.add(retry, now=later)
        assert [b.id for b in repository.find(resource="room-1")] == ["b1", "h1", "b2"]
        assert repository.get("h1") == hold

    def test_save_needs_the_next_version(self, repository: BookingRepository) -> None:
        booking = repository.add(_booking("b1", 0, 60), now=NOW)
        checked_in = booking.check_in(now=T0)
        repository.save(checked_in, now=T0)
        with pytest.raises(StaleVersionError) as caught:
            repository.save(booking.cancel(now=T0, policy=POLICY), now=T0)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert repository.get("b1").status is BookingStatus.CHECKED_IN
        with pytest.raises(NotFoundError):
            repository.save(_booking("ghost", 0, 10, resource="x").check_in(now=T0), now=T0)

    def test_a_reschedule_into_a_taken_slot_is_refused(self, repository: BookingRepository) -> None:
        repository.add(_booking("b1", 0, 60), now=NOW)
        b2 = repository.add(_booking("b2", 120, 180), now=NOW)
        moved = b2.reschedule(
            T0 + 30 * MIN,
            T0 + 90 * MIN,
            [Occupancy.between("room-1", T0 + 30 * MIN, T0 + 90 * MIN)],
            now=NOW,
        )
        with pytest.raises(SlotConflictError):
            repository.save(moved, now=NOW)
        assert repository.get("b2") == b2
        onto_itself = b2.reschedule(
            T0 + 150 * MIN,
            T0 + 200 * MIN,
            [Occupancy.between("room-1", T0 + 150 * MIN, T0 + 200 * MIN)],
            now=NOW,
        )
        repository.save(onto_itself, now=NOW)

    def test_find_filters_by_resource_and_window(self, repository: BookingRepository) -> None:
        repository.add(_booking("b1", 0, 60, after=15), now=NOW)
        repository.add(_booking("b2", 90, 120, resource="li"), now=NOW)
        repository.add(_booking("b3", 200, 260), now=NOW)
        assert [b.id for b in repository.find(start=T0 + 70 * MIN, end=T0 + 200 * MIN)] == [
            "b1",
            "b2",
        ]
        assert [b.id for b in repository.find(resource="room-1")] == ["b1", "b3"]
        with pytest.raises(NaiveDatetimeError):
            repository.find(start=datetime(2026, 3, 2))  # noqa: DTZ001

    def test_find_compares_instants_in_the_repeated_hour(
        self, repository: BookingRepository
    ) -> None:
        """Window bounds in one zone are instants: 01:45 (first pass) is before 01:15 (second)."""
        new_york = ZoneInfo("America/New_York")
        repeated = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first pass
        booking = attrs.evolve(
            _booking("b1", 0, 30),
            start=repeated,
            end=repeated + 30 * MIN,
            occupancy=[Occupancy.between("room-1", repeated, repeated + 30 * MIN)],
            created_at=repeated - timedelta(days=1),
        )
        repository.add(booking, now=repeated - timedelta(days=1))
        first_pass = datetime(2026, 11, 1, 1, 45, tzinfo=new_york)  # 05:45 UTC
        second_pass = datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=new_york)  # 06:15 UTC
        assert [b.id for b in repository.find(start=first_pass, end=second_pass)] == ["b1"]
        assert repository.find(start=second_pass, end=first_pass) == []

    @dst_property("at")
    def test_dst_wall_times_round_trip_and_retry(
        self, repository: BookingRepository, at: datetime
    ) -> None:
        """A booking at a skipped or repeated wall time comes back equal; a retry is idempotent."""
        tag = uuid.uuid4().hex[:12]  # one repository serves every example
        start_us = to_epoch_us(at)
        end = from_epoch_us(start_us + 30 * 60_000_000, at.tzinfo or UTC)
        booking = Booking(
            id=f"dst-{tag}",
            service="facial",
            start=at,
            end=end,
            occupancy=[Occupancy.between(f"room-{tag}", at, end)],
            status=BookingStatus.CONFIRMED,
            idempotency_key=f"key-{tag}",
            created_at=at,
        )
        now = from_epoch_us(start_us - 86_400_000_000, at.tzinfo or UTC)
        _assert_same_booking(repository.add(booking, now=now), booking)
        _assert_same_booking(repository.get(booking.id), booking)
        # The same key again: the first booking, not a second one.
        _assert_same_booking(repository.add(booking, now=now), booking)
        assert [b.id for b in repository.find(resource=f"room-{tag}")] == [booking.id]

    def test_a_long_booking_is_found_and_blocks_far_from_its_start(
        self, repository: BookingRepository
    ) -> None:
        # A room let for three days, among short bookings before and after it:
        # a search for a window on the third day must still meet it.
        day = 24 * 60
        repository.add(_booking("short-before", -2 * day, -2 * day + 60), now=NOW)
        repository.add(_booking("long", 0, 3 * day), now=NOW)
        repository.add(_booking("short-after", 3 * day, 3 * day + 60), now=NOW)
        late = T0 + (2 * day + 600) * MIN
        assert [b.id for b in repository.find(start=late, end=late + 60 * MIN)] == ["long"]
        assert [
            b.id for b in repository.find(resource="room-1", start=late, end=late + 60 * MIN)
        ] == ["long"]
        with pytest.raises(SlotConflictError) as refused:
            repository.add(_booking("late", 2 * day + 600, 2 * day + 660), now=NOW)
        [conflict] = refused.value.conflicts
        assert isinstance(conflict, Conflict)
        assert (conflict.first, conflict.second) == ("long", "late")
        assert (conflict.start, conflict.end) == (late, late + 60 * MIN)

    def test_racing_conflicting_adds_exactly_one_wins(self, repository: BookingRepository) -> None:
        candidates = [_booking(f"r{i}", i, 60 + i) for i in range(_THREADS)]
        winner = one_wins(
            candidates,
            lambda b: repository.add(b, now=NOW),
            won=lambda r: isinstance(r, Booking),
            lost=SlotConflictError,
        )
        assert [b.id for b in repository.find(resource="room-1")] == [winner.id]

    def test_racing_multi_resource_adds_never_double_book(
        self, repository: BookingRepository
    ) -> None:
        # Each writer wants two of three resources at overlapping times: all or nothing.
        pairs = [("li", "room-1"), ("li", "room-2"), ("wang", "room-1"), ("wang", "room-2")]
        candidates = [
            _booking(
                f"m{i}",
                10 * (i % 3),
                45 + 10 * (i % 3),
                resource=pairs[i % 4][1],
                also=pairs[i % 4][0],
            )
            for i in range(_THREADS)
        ]
        results = race(_THREADS, lambda i: repository.add(candidates[i], now=NOW))
        assert all(isinstance(r, Booking | SlotConflictError) for r in results), results
        stored = repository.find()
        assert len(stored) == sum(isinstance(r, Booking) for r in results) >= 2
        assert not find_conflicts(stored, as_of=NOW)

    def test_racing_adds_never_exceed_capacity(self, repository: BookingRepository) -> None:
        candidates = [
            _booking(f"y{i}", 0, 60, resource="studio", capacity=3) for i in range(_THREADS)
        ]
        results = race(_THREADS, lambda i: repository.add(candidates[i], now=NOW))
        assert sum(isinstance(r, Booking) for r in results) == 3, results
        assert len(repository.find(resource="studio")) == 3

    def test_racing_retries_create_one_booking(self, repository: BookingRepository) -> None:
        candidates = [_booking(f"k{i}", 0, 60, key="req-1") for i in range(_THREADS)]
        results = race(_THREADS, lambda i: repository.add(candidates[i], now=NOW))
        assert all(isinstance(r, Booking) for r in results), results
        assert len({r.id for r in results if isinstance(r, Booking)}) == 1

    def test_random_operations_agree_with_a_model(self, repository: BookingRepository) -> None:
        run_machine(lambda: _BookingMachine(repository), max_examples=30, steps=20)


class _BookingMachine(RepositoryMachine["BookingRepository"]):
    """Random adds, cancels and moves on two resources, checked against a list.

    One repository serves every run, so each run books its own resources.
    """

    def __init__(self, repository: BookingRepository) -> None:
        super().__init__(repository)
        self.model: dict[str, Booking] = {}
        self.count = 0

    def _res(self, n: int) -> str:
        return f"{self.prefix}r{n}"

    def _clashes(self, booking: Booking) -> bool:
        if not booking.blocks_at(NOW):
            return False  # a lapsed hold blocks nothing, so nothing is checked
        for other in self.model.values():
            if other.id == booking.id or not other.blocks_at(NOW):
                continue
            for a in other.occupancy:
                for b in booking.occupancy:
                    if a.resource == b.resource and a.start_us < b.end_us and b.start_us < a.end_us:
                        return True
        return False

    @rule(
        res=st.integers(0, 1),
        start=st.integers(0, 20),
        length=st.integers(1, 6),
        key=st.none() | st.integers(0, 2),
        hold=st.sampled_from([None, -200, -100]),
    )
    def add(self, res: int, start: int, length: int, key: int | None, hold: int | None) -> None:
        # A hold expiring at minute -200 has lapsed at NOW (-180); one at -100 still blocks.
        self.count += 1
        booking = _booking(
            f"{self.prefix}b{self.count}",
            start * 10,
            (start + length) * 10,
            resource=self._res(res),
            key=None if key is None else f"{self.prefix}k{key}",
            status=BookingStatus.CONFIRMED if hold is None else BookingStatus.HELD,
            expires=hold,
        )
        holder = next(
            (
                b
                for b in self.model.values()
                if key is not None
                and b.idempotency_key == booking.idempotency_key
                and b.blocks_at(NOW)
            ),
            None,
        )
        if holder is not None:
            if holder.same_request(booking):
                assert self.repository.add(booking, now=NOW) == holder
            else:
                with pytest.raises(DuplicateError):
                    self.repository.add(booking, now=NOW)
        elif self._clashes(booking):
            with pytest.raises(SlotConflictError):
                self.repository.add(booking, now=NOW)
        else:
            assert self.repository.add(booking, now=NOW) == booking
            self.model[booking.id] = booking

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        live = sorted(b.id for b in self.model.values() if b.blocks_at(NOW))
        if not live:
            return
        booking = self.model[data.draw(st.sampled_from(live))]
        cancelled = booking.cancel(now=NOW, policy=POLICY)
        self.repository.save(cancelled, now=NOW)
        self.model[booking.id] = cancelled

    @rule(data=st.data(), start=st.integers(0, 20))
    def move(self, data: st.DataObject, start: int) -> None:
        live = sorted(b.id for b in self.model.values() if b.blocks_at(NOW))
        if not live:
            return
        booking = self.model[data.draw(st.sampled_from(live))]
        length = booking.end - booking.start
        new_start = T0 + start * 10 * MIN
        occ = [Occupancy.between(booking.occupancy[0].resource, new_start, new_start + length)]
        moved = booking.reschedule(new_start, new_start + length, occ, now=NOW)
        if self._clashes(moved):
            with pytest.raises(SlotConflictError):
                self.repository.save(moved, now=NOW)
        else:
            self.repository.save(moved, now=NOW)
            self.model[booking.id] = moved

    @invariant()
    def stored_bookings_agree(self) -> None:
        for n in (0, 1):
            got = self.repository.find(resource=self._res(n))
            on_it = (b for b in self.model.values() if b.occupancy[0].resource == self._res(n))
            assert got == by_instant(on_it, "start")

    @invariant()
    def nothing_is_double_booked(self) -> None:
        for n in (0, 1):
            live = [b for b in self.repository.find(resource=self._res(n)) if b.blocks_at(NOW)]
            spans = sorted((b.occupancy[0].start_us, b.occupancy[0].end_us) for b in live)
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
