"""The library on the application's PostgreSQL connection leaves its tenant setting as it was.

On the application role, the application's own SQL on the clubrules tables
sets `clubrules.tenant` in its transaction (`set_config(..., true)`, as the
multi-club how-to says), and a new row's tenant defaults to that setting.
A call through `PostgresDatabase.from_connection` (or the async twin) used
to set the setting to its handle's tenant and leave it there until the
application's transaction ended: the application's next statements then
read another club's rows and wrote new rows into that club. Each call, each
unit of work and each `connection()` block on the caller's connection now
sets the setting back to what the application's transaction held (or to
none), whatever the call did: read, wrote, failed with a refusal the
application caught, or ran inside a savepoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.booking import Booking, Occupancy
from clubrules.customers import Customer
from clubrules.errors import DuplicateError, NotFoundError, SlotConflictError
from clubrules.storage.postgres import (
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    PostgresBookingRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
TENANTS = ["default", "lotus", "orchid"]
SETTING = "SELECT nullif(current_setting('clubrules.tenant', true), '')"
APP_INSERT = (
    "INSERT INTO clubrules.customers (id, name, registered_at, gender)"
    " VALUES (%s, 'app', %s, 'female')"
)


@pytest.fixture(scope="module")
def url(postgres_cluster: PostgresCluster) -> str:
    made = postgres_cluster.create_database("edge_hunt_txn")
    with PostgresDatabase(made) as db:
        db.migrate()
        for tenant in TENANTS:
            handle = db.for_tenant(tenant)
            PostgresCustomerRepository(handle).add(Customer(id="c-0", name="x", registered_at=NOW))
            PostgresBookingRepository(handle).add(_booking("b-0"), now=NOW)
    return made


def _booking(booking_id: str, minutes: int = 0) -> Booking:
    start = T0 + timedelta(minutes=minutes)
    end = start + timedelta(minutes=50)
    return Booking(
        id=booking_id,
        service="facial",
        start=start,
        end=end,
        occupancy=[Occupancy.between("room-1", start, end)],
        customer_id="c-0",
    )


# Each free slot an operation books: an hour apart, never twice.
_FREE_SLOTS = itertools.count(1)


def _free_slot() -> int:
    return 60 * next(_FREE_SLOTS)


def _new_id() -> str:
    return f"n-{uuid.uuid4().hex[:12]}"


OPERATIONS = [
    "read",
    "missing",
    "write",
    "booking",
    "duplicate",
    "conflict",
    "unit",
    "failed_unit",
    "nested_units",
    "connection",
]


def _operations(db: PostgresDatabase) -> dict[str, Callable[[], object]]:
    """Every kind of call an application makes on a handle, by name."""
    customers = PostgresCustomerRepository(db)
    bookings = PostgresBookingRepository(db)

    def missing() -> None:
        with contextlib.suppress(NotFoundError):
            customers.get("nobody")

    def duplicate() -> None:
        with contextlib.suppress(DuplicateError):
            customers.add(Customer(id="c-0", name="again", registered_at=NOW))

    def conflict() -> None:
        with contextlib.suppress(SlotConflictError):
            bookings.add(_booking(_new_id()), now=NOW)

    def unit() -> None:
        with db.unit_of_work():
            customers.customers()
            customers.add(Customer(id=_new_id(), name="u", registered_at=NOW))

    def failed_unit() -> None:
        with contextlib.suppress(LookupError), db.unit_of_work():
            customers.add(Customer(id=_new_id(), name="u", registered_at=NOW))
            raise LookupError

    def nested_units() -> None:
        with db.unit_of_work(), db.unit_of_work():
            bookings.add(_booking(_new_id(), _free_slot()), now=NOW)

    def block() -> None:
        with db.connection() as conn:
            conn.execute("SELECT 1")

    return {
        "read": customers.customers,
        "missing": missing,
        "write": lambda: customers.add(Customer(id=_new_id(), name="w", registered_at=NOW)),
        "booking": lambda: bookings.add(_booking(_new_id(), _free_slot()), now=NOW),
        "duplicate": duplicate,
        "conflict": conflict,
        "unit": unit,
        "failed_unit": failed_unit,
        "nested_units": nested_units,
        "connection": block,
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    own=st.sampled_from([None, *TENANTS]),
    steps=st.lists(st.tuples(st.sampled_from(TENANTS), st.sampled_from(OPERATIONS)), max_size=6),
)
def test_the_apps_tenant_setting_outlives_every_call(
    url: str, own: str | None, steps: list[tuple[str, str]]
) -> None:
    with psycopg.connect(url) as app:  # not in autocommit mode: the app's transaction
        if own is not None:
            app.execute("SELECT set_config('clubrules.tenant', %s, true)", (own,))
        shop = PostgresDatabase.from_connection(app)
        for tenant, name in steps:
            _operations(shop.for_tenant(tenant))[name]()
            assert app.execute(SETTING).fetchone() == (own,), (tenant, name)
            assert app.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        if own is not None:
            # The app's own row lands in the app's own club, not the last call's.
            app.execute(APP_INSERT, ("app-row", NOW))
            row = app.execute(
                "SELECT tenant FROM clubrules.customers WHERE id = 'app-row'"
            ).fetchone()
            assert row == (own,)
        app.rollback()


def test_an_autocommit_connection_keeps_no_setting_and_its_transaction_its_own(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as app:
        customers = PostgresCustomerRepository(PostgresDatabase.from_connection(app))
        customers.customers()
        assert app.execute(SETTING).fetchone() == (None,)
        with app.transaction():
            app.execute("SELECT set_config('clubrules.tenant', 'lotus', true)")
            customers.add(Customer(id=_new_id(), name="a", registered_at=NOW))
            assert app.execute(SETTING).fetchone() == ("lotus",)
        assert app.execute(SETTING).fetchone() == (None,)


def _async_run(url: str, own: str | None, name: str, tenant: str) -> Any:
    async def main() -> Any:
        async with await psycopg.AsyncConnection.connect(url) as app:
            if own is not None:
                await app.execute("SELECT set_config('clubrules.tenant', %s, true)", (own,))
            db = AsyncPostgresDatabase.from_connection(app).for_tenant(tenant)
            customers = AsyncPostgresCustomerRepository(db)
            if name == "read":
                await customers.customers()
            elif name == "write":
                await customers.add(Customer(id=_new_id(), name="w", registered_at=NOW))
            elif name == "duplicate":
                with contextlib.suppress(DuplicateError):
                    await customers.add(Customer(id="c-0", name="x", registered_at=NOW))
            elif name == "unit":
                async with db.unit_of_work():
                    await customers.add(Customer(id=_new_id(), name="u", registered_at=NOW))
            elif name == "failed_unit":
                with contextlib.suppress(LookupError):
                    async with db.unit_of_work():
                        await customers.customers()
                        raise LookupError
            else:
                async with db.connection() as conn:
                    await conn.execute("SELECT 1")
            row = await (await app.execute(SETTING)).fetchone()
            status = app.info.transaction_status
            await app.rollback()
            return row, status

    return asyncio.run(main())


@pytest.mark.parametrize("own", [None, "lotus"])
@pytest.mark.parametrize("tenant", ["default", "orchid"])
@pytest.mark.parametrize(
    "name", ["read", "write", "duplicate", "unit", "failed_unit", "connection"]
)
def test_the_async_twin_sets_the_apps_tenant_back(
    url: str, own: str | None, tenant: str, name: str
) -> None:
    row, status = _async_run(url, own, name, tenant)
    assert row == (own,)
    assert status == psycopg.pq.TransactionStatus.INTRANS
