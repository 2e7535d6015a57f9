"""The async contract suites pass on the in-memory adapters seen through a test-only async shim.

The shim (`AsyncOf`) turns each method of a sync in-memory repository into a
coroutine that yields to the loop before it calls through, so the suites
run on the async ports without a database.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryBookingRepository,
    InMemoryComplaintRepository,
    InMemoryConsentStore,
    InMemoryCustomerRepository,
    InMemoryDataKeyStore,
)
from clubrules.testing import LoopThread
from clubrules.testing.contracts import (
    AsyncAccessLogContract,
    AsyncBookingRepositoryContract,
    AsyncComplaintRepositoryContract,
    AsyncConsentStoreContract,
    AsyncCustomerRepositoryContract,
    AsyncDataKeyStoreContract,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class AsyncOf:
    """A sync repository as its async port: each method a coroutine; `lists` give lists."""

    def __init__(self, sync: object, *, lists: tuple[str, ...] = ()) -> None:
        self._sync = sync
        self._lists = lists

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._sync, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0)
            result = method(*args, **kwargs)
            return list(result) if name in self._lists else result

        return call


class TestAsyncMemoryBookings(AsyncBookingRepositoryContract):
    @pytest.fixture
    def async_repository(self, loop_thread: LoopThread) -> Any:
        return AsyncOf(InMemoryBookingRepository())


class TestAsyncMemoryCustomers(AsyncCustomerRepositoryContract):
    @pytest.fixture
    def async_repository(self, loop_thread: LoopThread) -> Any:
        return AsyncOf(InMemoryCustomerRepository(), lists=("customers",))


class TestAsyncMemoryComplaints(AsyncComplaintRepositoryContract):
    @pytest.fixture
    def async_repository(self, loop_thread: LoopThread) -> Any:
        return AsyncOf(InMemoryComplaintRepository())


class TestAsyncMemoryAccessLog(AsyncAccessLogContract):
    @pytest.fixture
    def async_repository(self, loop_thread: LoopThread) -> Any:
        return AsyncOf(InMemoryAccessLog())


class TestAsyncMemoryConsentStore(AsyncConsentStoreContract):
    @pytest.fixture
    def async_repository(self, loop_thread: LoopThread) -> Any:
        return AsyncOf(InMemoryConsentStore())


class TestAsyncMemoryDataKeyStore(AsyncDataKeyStoreContract):
    @pytest.fixture
    def async_repository(self, loop_thread: LoopThread) -> Any:
        return AsyncOf(InMemoryDataKeyStore(), lists=("customer_ids",))


class TestAsyncMemoryCustomersOnAClassLoop(AsyncCustomerRepositoryContract):
    """`loop_thread` overridden with a wider scope: one loop serves the whole class."""

    loops: ClassVar[set[int]] = set()

    @pytest.fixture(scope="class")
    @classmethod
    def loop_thread(cls) -> Iterator[LoopThread]:
        with LoopThread() as loop:
            yield loop

    @pytest.fixture
    def async_repository(self, loop_thread: LoopThread) -> Any:
        self.loops.add(id(loop_thread))

        async def make() -> AsyncOf:
            return AsyncOf(InMemoryCustomerRepository(), lists=("customers",))

        return loop_thread.run(make())

    def test_every_test_of_the_class_runs_on_one_loop(
        self, loop_thread: LoopThread, async_repository: Any
    ) -> None:
        assert self.loops == {id(loop_thread)}
