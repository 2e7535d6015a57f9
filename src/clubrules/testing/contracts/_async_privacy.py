"""Contract suites for the async privacy ports: access log, consent store, data-key store."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
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
from clubrules.testing.contracts._privacy import (
    T0,
    AccessLogContract,
    ConsentStoreContract,
    DataKeyStoreContract,
    _consent,
    _event,
    _wrapped,
)
from clubrules.testing.contracts._race import task_race

if TYPE_CHECKING:
    from clubrules.privacy.ports import AsyncAccessLog, AsyncConsentStore, AsyncDataKeyStore
    from clubrules.testing._loop import LoopThread

__all__ = ["AsyncAccessLogContract", "AsyncConsentStoreContract", "AsyncDataKeyStoreContract"]


class AsyncAccessLogContract(AsyncRepositoryContract, AccessLogContract):
    """Every `AsyncAccessLog` must pass these tests.

    The tests of `AccessLogContract`, run on `async_repository` as
    [AsyncRepositoryContract][clubrules.testing.contracts.AsyncRepositoryContract]
    says, and tasks racing, and appends and purges cancelled midway.
    """

    def test_tasks_appending_together_all_land(
        self, loop_thread: LoopThread, async_repository: AsyncAccessLog
    ) -> None:
        events = [_event(i, actor=f"st-{i}") for i in range(TASKS)]

        async def check() -> None:
            results = await task_race(TASKS, lambda i: async_repository.append(events[i]))
            assert results == [None] * TASKS
            stored = await async_repository.for_customer("c-1")
            assert sorted(stored, key=lambda e: e.actor) == sorted(events, key=lambda e: e.actor)

        loop_thread.run(check())

    def test_a_write_cancelled_midway_lands_whole_or_not_at_all(
        self, loop_thread: LoopThread, async_repository: AsyncAccessLog
    ) -> None:
        async def check(log: AsyncAccessLog, point: int) -> None:
            customer_id = f"x-{point}"
            event = _event(point, customer_id=customer_id)
            await cancel_and_settle(
                point, lambda: log.append(event), lambda: log.for_customer(customer_id), [], [event]
            )

        check_at_cancel_points(loop_thread, async_repository, check)
        log = async_repository

        async def left() -> int:
            return len(await log.by_actor("st-7"))

        cutoff = T0 + timedelta(minutes=len(CANCEL_POINTS) // 2)
        purge = cancel_and_settle(
            3,
            lambda: log.purge_before(cutoff),
            left,
            len(CANCEL_POINTS),
            len(CANCEL_POINTS) // 2,
            idempotent=True,
        )
        loop_thread.run(purge)


class AsyncConsentStoreContract(AsyncRepositoryContract, ConsentStoreContract):
    """Every `AsyncConsentStore` must pass these tests.

    The tests of `ConsentStoreContract`, run on `async_repository` as
    [AsyncRepositoryContract][clubrules.testing.contracts.AsyncRepositoryContract]
    says, and tasks racing, and writes cancelled midway.
    """

    def test_tasks_adding_one_id_exactly_one_wins(
        self, loop_thread: LoopThread, async_repository: AsyncConsentStore
    ) -> None:
        candidates = [_consent(customer_id=f"c-{i}") for i in range(TASKS)]
        one_task_stores(
            loop_thread, candidates, async_repository.add, lambda: async_repository.get("k-1")
        )

    def test_tasks_withdrawing_together_keep_one_time(
        self, loop_thread: LoopThread, async_repository: AsyncConsentStore
    ) -> None:
        async def check() -> None:
            await async_repository.add(_consent())
            results = await task_race(
                TASKS,
                lambda i: async_repository.withdraw("k-1", T0 + timedelta(days=1, minutes=i)),
            )
            times = {getattr(r, "withdrawn_at", r) for r in results}
            assert len(times) == 1, results
            assert (await async_repository.get("k-1")).withdrawn_at in times

        loop_thread.run(check())

    def test_a_write_cancelled_midway_lands_whole_or_not_at_all(
        self, loop_thread: LoopThread, async_repository: AsyncConsentStore
    ) -> None:
        async def check(store: AsyncConsentStore, point: int) -> None:
            record = _consent(f"x-{point}", f"c-{point}")
            await cancel_at(point, lambda: store.add(record))
            await settle_cancelled_add(
                record,
                lambda: store.get(record.id),
                lambda: store.add(record),
                absent=lambda: store.for_customer(record.customer_id),
            )
            at = T0 + timedelta(days=1)
            await cancel_and_settle(
                point,
                lambda: store.withdraw(record.id, at),
                lambda: store.get(record.id),
                record,
                record.withdraw(at),
                idempotent=True,
            )
            assert await store.for_customer(record.customer_id) == [record.withdraw(at)]

        check_at_cancel_points(loop_thread, async_repository, check)


class AsyncDataKeyStoreContract(AsyncRepositoryContract, DataKeyStoreContract):
    """Every `AsyncDataKeyStore` must pass these tests.

    The tests of `DataKeyStoreContract`, run on `async_repository` as
    [AsyncRepositoryContract][clubrules.testing.contracts.AsyncRepositoryContract]
    says (`customer_ids()` seen as an iterator), and tasks racing, and
    writes cancelled midway.
    """

    iterators: ClassVar[tuple[str, ...]] = ("customer_ids",)

    def test_customer_ids_is_a_list(
        self, loop_thread: LoopThread, async_repository: AsyncDataKeyStore
    ) -> None:
        check_lists(
            loop_thread,
            async_repository.customer_ids,
            [lambda: async_repository.add("c-1", _wrapped(1))],
            ["c-1"],
        )

    def test_tasks_adding_one_customers_key_exactly_one_wins(
        self, loop_thread: LoopThread, async_repository: AsyncDataKeyStore
    ) -> None:
        keys = [_wrapped(i) for i in range(TASKS)]
        one_task_stores(
            loop_thread,
            keys,
            lambda k: async_repository.add("c-1", k),
            lambda: async_repository.get("c-1"),
        )

    def test_tasks_replacing_one_key_exactly_one_swaps(
        self, loop_thread: LoopThread, async_repository: AsyncDataKeyStore
    ) -> None:
        old = _wrapped(255)
        keys = [_wrapped(i) for i in range(TASKS)]

        async def check() -> None:
            await async_repository.add("c-1", old)
            results = await task_race(
                TASKS, lambda i: async_repository.replace("c-1", old, keys[i])
            )
            assert sorted(results, key=repr) == [False] * (TASKS - 1) + [True], results
            assert await async_repository.get("c-1") == keys[results.index(True)]

        loop_thread.run(check())

    def test_a_write_cancelled_midway_lands_whole_or_not_at_all(
        self, loop_thread: LoopThread, async_repository: AsyncDataKeyStore
    ) -> None:
        async def check(store: AsyncDataKeyStore, point: int) -> None:
            customer_id, key, new = f"x-{point}", _wrapped(point), _wrapped(point + 100)
            stored = partial(store.get, customer_id)
            await cancel_and_settle(point, partial(store.add, customer_id, key), stored, None, key)
            replace = partial(store.replace, customer_id, key, new)
            await cancel_and_settle(point, replace, stored, key, new, idempotent=True)
            delete = partial(store.delete, customer_id)
            await cancel_and_settle(point, delete, stored, new, None, idempotent=True)
            await store.add(customer_id, key)  # the store still takes writes

        check_at_cancel_points(loop_thread, async_repository, check)
        assert sorted(loop_thread.run(async_repository.customer_ids())) == sorted(
            f"x-{point}" for point in CANCEL_POINTS
        )
