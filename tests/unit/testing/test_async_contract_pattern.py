"""The async contract suites catch broken async repositories, not just bless good ones."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from clubrules.errors import DuplicateError, NotFoundError, StaleVersionError
from clubrules.storage.memory import InMemoryComplaintRepository, InMemoryCustomerRepository
from clubrules.testing import LoopThread
from clubrules.testing.contracts import (
    AsyncComplaintRepositoryContract,
    AsyncCustomerRepositoryContract,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from clubrules.complaints import CaseEvent
    from clubrules.customers import Customer, PhoneNumber


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    with LoopThread() as running:
        yield running


class RacyAsyncCustomers:
    """Checks, awaits, then writes: tasks adding one id all 'succeed'."""

    def __init__(self) -> None:
        self._data: dict[str, Customer] = {}

    async def add(self, customer: Customer) -> None:
        if customer.id in self._data:
            raise DuplicateError("taken")
        await asyncio.sleep(0.02)  # other tasks run between the check and the write
        self._data[customer.id] = customer

    async def get(self, customer_id: str) -> Customer:
        if customer_id not in self._data:
            raise NotFoundError("customer", customer_id)
        return self._data[customer_id]

    async def update(self, customer: Customer) -> None:
        await self.get(customer.id)
        self._data[customer.id] = customer

    async def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        return sorted((c for c in self._data.values() if c.phone == phone), key=lambda c: c.id)

    async def customers(self) -> Any:
        return iter(sorted(self._data.values(), key=lambda c: c.id))


class HalfWritingComplaints:
    """Appends events one at a time, awaiting between them: a cancel leaves a part."""

    def __init__(self) -> None:
        self._memory = InMemoryComplaintRepository()

    async def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        version = self._memory.version(case_id)
        if version != expected_version:
            raise StaleVersionError(case_id, expected_version, version)
        for event in events:
            version = self._memory.append(case_id, version, [event])
            await asyncio.sleep(0)
        return version

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._memory, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        return call


def test_the_async_suite_catches_a_racy_add_between_tasks(loop: LoopThread) -> None:
    suite = AsyncCustomerRepositoryContract()
    with pytest.raises(AssertionError):
        suite.test_tasks_adding_one_id_exactly_one_wins(loop, RacyAsyncCustomers())


def test_the_async_suite_catches_an_iterator_where_the_port_promises_a_list(
    loop: LoopThread,
) -> None:
    suite = AsyncCustomerRepositoryContract()
    with pytest.raises(AssertionError):
        suite.test_customers_is_a_list_by_id(loop, RacyAsyncCustomers())


def test_the_async_suite_catches_a_cancelled_append_that_left_a_part(loop: LoopThread) -> None:
    suite = AsyncComplaintRepositoryContract()
    with pytest.raises(AssertionError):
        suite.test_an_append_cancelled_midway_lands_whole_or_not_at_all(
            loop,
            HalfWritingComplaints(),
        )


def test_the_sync_tests_run_through_the_loop(loop: LoopThread) -> None:
    # The twin's `repository` is the async one seen through the loop, so a
    # sync test drives the async repository: here, its thread race.
    suite = AsyncCustomerRepositoryContract()
    racy = suite.blocking(loop, RacyAsyncCustomers())
    with pytest.raises(AssertionError):
        suite.test_concurrent_adds_of_one_id_exactly_one_wins(racy)
    sound = suite.blocking(loop, _AsyncOf(InMemoryCustomerRepository()))
    suite.test_concurrent_adds_of_one_id_exactly_one_wins(sound)
    assert not isinstance(sound.customers(), list)  # seen as the sync port: an iterator


class _AsyncOf:
    def __init__(self, sync: object) -> None:
        self._sync = sync

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._sync, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            return list(result) if name == "customers" else result

        return call
