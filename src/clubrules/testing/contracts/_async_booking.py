"""Contract suite for the async booking port: `AsyncBookingRepository`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules.booking import Booking, Occupancy, find_conflicts
from clubrules.errors import SlotConflictError, StaleVersionError
from clubrules.testing.contracts._async import (
    TASKS,
    AsyncRepositoryContract,
    cancel_at,
    check_at_cancel_points,
)
from clubrules.testing.contracts._booking import (
    MIN,
    NOW,
    POLICY,
    T0,
    BookingRepositoryContract,
    _booking,
)
from clubrules.testing.contracts._race import one_task_wins, task_race

if TYPE_CHECKING:
    from clubrules.booking.ports import AsyncBookingRepository
    from clubrules.testing._loop import LoopThread

__all__ = ["AsyncBookingRepositoryContract"]


class AsyncBookingRepositoryContract(AsyncRepositoryContract, BookingRepositoryContract):
    """Every `AsyncBookingRepository` must pass these tests.

    The tests of `BookingRepositoryContract`, run on `async_repository` as
    [AsyncRepositoryContract][clubrules.testing.contracts.AsyncRepositoryContract]
    says, and tasks racing for one slot, one key and one version, and
    writes cancelled midway.
    """

    def test_tasks_racing_for_one_slot_exactly_one_wins(
        self, loop_thread: LoopThread, async_repository: AsyncBookingRepository
    ) -> None:
        candidates = [_booking(f"r{i}", i, 60 + i, also="li") for i in range(TASKS)]

        async def check() -> None:
            winner = await one_task_wins(
                candidates,
                lambda b: async_repository.add(b, now=NOW),
                won=lambda r: isinstance(r, Booking),
                lost=SlotConflictError,
            )
            assert await async_repository.find(resource="room-1") == [winner]
            assert await async_repository.find(resource="li") == [winner]

        loop_thread.run(check())

    def test_tasks_racing_never_exceed_capacity(
        self, loop_thread: LoopThread, async_repository: AsyncBookingRepository
    ) -> None:
        candidates = [_booking(f"y{i}", 0, 60, resource="studio", capacity=3) for i in range(TASKS)]

        async def check() -> None:
            results = await task_race(TASKS, lambda i: async_repository.add(candidates[i], now=NOW))
            assert all(isinstance(r, Booking | SlotConflictError) for r in results), results
            assert sum(isinstance(r, Booking) for r in results) == 3, results
            stored = await async_repository.find(resource="studio")
            assert len(stored) == 3
            assert not find_conflicts(stored, as_of=NOW)

        loop_thread.run(check())

    def test_tasks_retrying_with_one_key_create_one_booking(
        self, loop_thread: LoopThread, async_repository: AsyncBookingRepository
    ) -> None:
        candidates = [_booking(f"k{i}", 0, 60, key="req-1") for i in range(TASKS)]

        async def check() -> None:
            results = await task_race(TASKS, lambda i: async_repository.add(candidates[i], now=NOW))
            assert all(isinstance(r, Booking) for r in results), results
            ids = {r.id for r in results if isinstance(r, Booking)}
            assert len(ids) == 1
            assert [b.id for b in await async_repository.find()] == list(ids)

        loop_thread.run(check())

    def test_tasks_saving_one_version_exactly_one_wins(
        self, loop_thread: LoopThread, async_repository: AsyncBookingRepository
    ) -> None:
        async def check() -> None:
            booking = await async_repository.add(_booking("b1", 0, 60), now=NOW)
            changes = [
                booking.check_in(now=T0) if i % 2 else booking.cancel(now=NOW, policy=POLICY)
                for i in range(TASKS)
            ]
            winner = await one_task_wins(
                changes, lambda b: async_repository.save(b, now=NOW), lost=StaleVersionError
            )
            assert await async_repository.get("b1") == winner

        loop_thread.run(check())

    def test_a_write_cancelled_midway_lands_whole_or_not_at_all(
        self, loop_thread: LoopThread, async_repository: AsyncBookingRepository
    ) -> None:
        async def check(repository: AsyncBookingRepository, point: int) -> None:
            async def on_both(room: str, li: str, **window: object) -> list[list[Booking]]:
                return [await repository.find(resource=r, **window) for r in (room, li)]  # type: ignore[arg-type]

            room, li = f"room-x{point}", f"li-x{point}"
            booking = _booking(f"x-{point}", 0, 60, resource=room, also=li, key=f"req-{point}")
            await cancel_at(point, lambda: repository.add(booking, now=NOW))
            assert await on_both(room, li) in ([[], []], [[booking], [booking]])
            # A retry with the key stores it, or gets the stored one back.
            assert await repository.add(booking, now=NOW) == booking
            late = T0 + 120 * MIN
            moved = booking.reschedule(
                late,
                late + 60 * MIN,
                [
                    Occupancy.between(room, late, late + 60 * MIN),
                    Occupancy.between(li, late, late + 60 * MIN),
                ],
                now=NOW,
            )
            await cancel_at(point, lambda: repository.save(moved, now=NOW))
            stored = await repository.get(booking.id)
            assert stored in (booking, moved)
            assert await on_both(room, li, start=late) == (
                [[moved], [moved]] if stored == moved else [[], []]
            )
            assert await on_both(room, li, end=late) == (
                [[], []] if stored == moved else [[booking], [booking]]
            )
            if stored == booking:
                await repository.save(moved, now=NOW)
            # The slot the booking left is free again.
            await repository.add(_booking(f"y-{point}", 0, 60, resource=room, also=li), now=NOW)

        check_at_cancel_points(loop_thread, async_repository, check)
