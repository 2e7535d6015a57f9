"""Contract suite for the async complaints port: `AsyncComplaintRepository`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules.complaints import apply
from clubrules.complaints.ports import load_case_async, save_case_async
from clubrules.errors import StaleVersionError
from clubrules.testing.contracts._async import (
    TASKS,
    AsyncRepositoryContract,
    cancel_and_settle,
    cancel_at,
    check_at_cancel_points,
)
from clubrules.testing.contracts._complaints import (
    BOOK,
    ComplaintRepositoryContract,
    _contact,
    _new_case,
)
from clubrules.testing.contracts._race import one_task_wins

if TYPE_CHECKING:
    from clubrules.complaints.ports import AsyncComplaintRepository
    from clubrules.testing._loop import LoopThread

__all__ = ["AsyncComplaintRepositoryContract"]


class AsyncComplaintRepositoryContract(AsyncRepositoryContract, ComplaintRepositoryContract):
    """Every `AsyncComplaintRepository` must pass these tests.

    The tests of `ComplaintRepositoryContract`, run on `async_repository` as
    [AsyncRepositoryContract][clubrules.testing.contracts.AsyncRepositoryContract]
    says, and `save_case_async` with `load_case_async`, tasks racing, and
    appends cancelled midway.
    """

    def test_a_case_saved_and_loaded_async_comes_back_equal(
        self, loop_thread: LoopThread, async_repository: AsyncComplaintRepository
    ) -> None:
        case = apply(apply(_new_case(), _contact(10)), _contact(20, by="s-2"))

        async def check() -> None:
            assert await save_case_async(async_repository, case, expected_version=0) == 3
            assert await load_case_async(async_repository, "k-1", BOOK) == case
            assert await async_repository.case_ids() == ["k-1"]

        loop_thread.run(check())

    def test_tasks_appending_at_one_version_exactly_one_wins(
        self, loop_thread: LoopThread, async_repository: AsyncComplaintRepository
    ) -> None:
        contacts = [_contact(i + 1) for i in range(TASKS)]

        async def check() -> None:
            await async_repository.append("k-1", 0, _new_case().events)
            winner = await one_task_wins(
                contacts,
                lambda e: async_repository.append("k-1", 1, [e]),
                won=lambda r: r == 2,
                lost=StaleVersionError,
            )
            assert await async_repository.version("k-1") == 2
            assert (await async_repository.events("k-1"))[1] == winner

        loop_thread.run(check())

    def test_tasks_registering_one_id_exactly_one_wins(
        self, loop_thread: LoopThread, async_repository: AsyncComplaintRepository
    ) -> None:
        cases = [_new_case("k-9", minutes=i) for i in range(TASKS)]

        async def check() -> None:
            winner = await one_task_wins(
                cases,
                lambda c: async_repository.append("k-9", 0, c.events),
                won=lambda r: r == 1,
                lost=StaleVersionError,
            )
            assert await async_repository.events("k-9") == list(winner.events)

        loop_thread.run(check())

    def test_an_append_cancelled_midway_lands_whole_or_not_at_all(
        self, loop_thread: LoopThread, async_repository: AsyncComplaintRepository
    ) -> None:
        async def check(repository: AsyncComplaintRepository, point: int) -> None:
            case_id = f"x-{point}"
            case = apply(apply(_new_case(case_id), _contact(10)), _contact(20))
            await cancel_at(point, lambda: repository.append(case_id, 0, case.events))
            version = await repository.version(case_id)
            assert version in (0, 3)
            if version == 0:
                assert case_id not in await repository.case_ids()
                assert await repository.append(case_id, 0, case.events) == 3
            assert await repository.events(case_id) == list(case.events)
            more = [_contact(30), _contact(40, by="s-2")]
            await cancel_and_settle(
                point,
                lambda: repository.append(case_id, 3, more),
                lambda: repository.events(case_id),
                list(case.events),
                [*case.events, *more],
            )
            assert await repository.version(case_id) == 5

        check_at_cancel_points(loop_thread, async_repository, check)
