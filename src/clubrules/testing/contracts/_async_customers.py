"""Contract suite for the async customer port: `AsyncCustomerRepository`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from clubrules.testing.contracts._async import (
    CANCEL_POINTS,
    TASKS,
    AsyncRepositoryContract,
    cancel_and_settle,
    cancel_at,
    check_at_cancel_points,
    check_lists,
    one_task_stores,
    settle_cancelled_add,
)
from clubrules.testing.contracts._customers import CustomerRepositoryContract, _customer
from clubrules.testing.contracts._race import task_race

if TYPE_CHECKING:
    from clubrules.customers.ports import AsyncCustomerRepository
    from clubrules.testing._loop import LoopThread

__all__ = ["AsyncCustomerRepositoryContract"]


class AsyncCustomerRepositoryContract(AsyncRepositoryContract, CustomerRepositoryContract):
    """Every `AsyncCustomerRepository` must pass these tests.

    The tests of `CustomerRepositoryContract`, run on `async_repository` as
    [AsyncRepositoryContract][clubrules.testing.contracts.AsyncRepositoryContract]
    says (`customers()` seen as an iterator), and tasks racing, and writes
    cancelled midway.
    """

    iterators: ClassVar[tuple[str, ...]] = ("customers",)

    def test_customers_is_a_list_by_id(
        self, loop_thread: LoopThread, async_repository: AsyncCustomerRepository
    ) -> None:
        check_lists(
            loop_thread,
            async_repository.customers,
            [
                lambda: async_repository.add(_customer("c-2")),
                lambda: async_repository.add(_customer("c-1")),
            ],
            [_customer("c-1"), _customer("c-2")],
        )

    def test_tasks_adding_one_id_exactly_one_wins(
        self, loop_thread: LoopThread, async_repository: AsyncCustomerRepository
    ) -> None:
        candidates = [_customer(occupation=f"job-{i}") for i in range(TASKS)]
        one_task_stores(
            loop_thread, candidates, async_repository.add, lambda: async_repository.get("c-001")
        )

    def test_tasks_adding_distinct_ids_all_land(
        self, loop_thread: LoopThread, async_repository: AsyncCustomerRepository
    ) -> None:
        async def check() -> None:
            results = await task_race(TASKS, lambda i: async_repository.add(_customer(f"c-{i}")))
            assert results == [None] * TASKS
            assert len(await async_repository.customers()) == TASKS

        loop_thread.run(check())

    def test_a_write_cancelled_midway_lands_whole_or_not_at_all(
        self, loop_thread: LoopThread, async_repository: AsyncCustomerRepository
    ) -> None:
        async def check(repository: AsyncCustomerRepository, point: int) -> None:
            customer = _customer(f"x-{point}")
            await cancel_at(point, lambda: repository.add(customer))
            await settle_cancelled_add(
                customer, lambda: repository.get(customer.id), lambda: repository.add(customer)
            )
            changed = _customer(customer.id, occupation="nurse", allergies=None)
            await cancel_and_settle(
                point,
                lambda: repository.update(changed),
                lambda: repository.get(customer.id),
                customer,
                changed,
                idempotent=True,
            )

        check_at_cancel_points(loop_thread, async_repository, check)
        assert [c.id for c in loop_thread.run(async_repository.customers())] == sorted(
            f"x-{point}" for point in CANCEL_POINTS
        )
