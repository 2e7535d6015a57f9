"""The async PostgreSQL adapters pass the async contract suites, in three ways.

Each suite runs three times. `pool`: the adapters on an
`AsyncPostgresDatabase` with its own pool. `caller`: every repository call
runs on an `AsyncConnection` of the application's own pool, through
`from_connection`, inside the test's transaction, which the test commits
(or rolls back when the call raises or is cancelled). `unit`: every call
runs inside `unit_of_work()` on the test's database. The pools and the
tests share one event loop per module (`postgres_loop`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from clubrules.storage.postgres import (
    AsyncPostgresAccessLog,
    AsyncPostgresBookingRepository,
    AsyncPostgresComplaintRepository,
    AsyncPostgresConsentStore,
    AsyncPostgresCustomerRepository,
    AsyncPostgresDataKeyStore,
)
from clubrules.testing.contracts import (
    AsyncAccessLogContract,
    AsyncBookingRepositoryContract,
    AsyncComplaintRepositoryContract,
    AsyncConsentStoreContract,
    AsyncCustomerRepositoryContract,
    AsyncDataKeyStoreContract,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.storage.postgres import AsyncPostgresDatabase, PostgresDatabase
    from clubrules.testing import LoopThread

    OnPostgres = Callable[[Callable[[AsyncPostgresDatabase], Any]], Any]

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_pool_size() -> int:
    """A connection for each of the suites' sixteen racing tasks."""
    return 16


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return (
        "customers",
        "booking_occupancy",
        "bookings",
        "booking_resources",
        "complaint_events",
        "complaint_cases",
        "data_keys",
        "consents",
        "access_events",
    )


@pytest.fixture(params=["pool", "caller", "unit"])
def on_postgres(
    request: pytest.FixtureRequest,
    async_per_call: Any,
    async_postgres: AsyncPostgresDatabase,
    empty_postgres: PostgresDatabase,
) -> OnPostgres:
    """Builds an adapter on the pool, or per call in the caller's transaction or a unit."""
    if request.param == "pool":
        return lambda build: build(async_postgres)
    session = request.getfixturevalue(f"postgres_async_{request.param}_session")
    return lambda build: async_per_call(build, session, build(async_postgres))


class _OnTheModuleLoop:
    """The suites run on the module's loop, where the pools live."""

    @pytest.fixture
    def loop_thread(self, postgres_loop: LoopThread) -> LoopThread:
        return postgres_loop


class TestCustomers(_OnTheModuleLoop, AsyncCustomerRepositoryContract):
    @pytest.fixture
    def async_repository(self, on_postgres: OnPostgres) -> Any:
        return on_postgres(AsyncPostgresCustomerRepository)


class TestBookings(_OnTheModuleLoop, AsyncBookingRepositoryContract):
    @pytest.fixture
    def async_repository(self, on_postgres: OnPostgres) -> Any:
        return on_postgres(AsyncPostgresBookingRepository)


class TestComplaints(_OnTheModuleLoop, AsyncComplaintRepositoryContract):
    @pytest.fixture
    def async_repository(self, on_postgres: OnPostgres) -> Any:
        return on_postgres(AsyncPostgresComplaintRepository)


class TestAccessLog(_OnTheModuleLoop, AsyncAccessLogContract):
    @pytest.fixture
    def async_repository(self, on_postgres: OnPostgres) -> Any:
        return on_postgres(AsyncPostgresAccessLog)


class TestConsentStore(_OnTheModuleLoop, AsyncConsentStoreContract):
    @pytest.fixture
    def async_repository(self, on_postgres: OnPostgres) -> Any:
        return on_postgres(AsyncPostgresConsentStore)


class TestDataKeyStore(_OnTheModuleLoop, AsyncDataKeyStoreContract):
    @pytest.fixture
    def async_repository(self, on_postgres: OnPostgres) -> Any:
        return on_postgres(AsyncPostgresDataKeyStore)
