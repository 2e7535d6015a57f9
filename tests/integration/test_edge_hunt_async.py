"""The async PostgreSQL database embedded in an application's event loop: edge cases.

What an asyncio application meets: a database opened in one event loop and
used from another (a second `asyncio.run`, a test's new loop, another
thread's loop), `close()` while calls are in flight, a task cancelled at
any await point of a call, and many tasks of several tenants on one
database at once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.customers import Customer
from clubrules.errors import RetryableStorageError, StorageError
from clubrules.privacy import (
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    ConsentRecord,
    Keyring,
    Purpose,
    RolePolicy,
)
from clubrules.storage import run_in_transaction_async
from clubrules.storage.postgres import (
    AsyncPostgresAccessLog,
    AsyncPostgresBookingRepository,
    AsyncPostgresComplaintRepository,
    AsyncPostgresConsentStore,
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    AsyncPostgresDataKeyStore,
    PostgresDatabase,
)
from clubrules.testing import LoopThread, ManualClock
from clubrules.testing.contracts import _booking as booking_contract

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)
_TABLES = (
    "customers, complaint_events, complaint_cases, data_keys, consents, access_events,"
    " bookings, booking_occupancy, booking_resources"
)
_OTHER_LOOP = "belongs to another event loop"


@pytest.fixture(scope="module")
def url(postgres_cluster: PostgresCluster) -> str:
    """A fresh database for the module, migrated by the sync database (as at deploy time)."""
    database_url = postgres_cluster.create_database("async_edge")
    with PostgresDatabase(database_url) as db:
        db.migrate()
    return database_url


@pytest.fixture(autouse=True)
def _empty(url: str) -> None:
    truncate(url)


def truncate(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(f'clubrules.{t.strip()}' for t in _TABLES.split(','))}")


def customer(customer_id: str, name: str = "Li Na") -> Customer:
    return Customer(id=customer_id, name=name, registered_at=AT)


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query).fetchall()


def sessions(url: str, states: str = "") -> list[tuple[Any, ...]]:
    """The other sessions on the database (in `states`, if given), once the server has seen
    every closed one go: a closed connection's backend can linger a moment."""
    where = f" AND state IN ({states})" if states else ""
    query = (
        "SELECT state, query FROM pg_stat_activity WHERE datname = current_database()"  # noqa: S608
        f" AND pid <> pg_backend_pid() AND backend_type = 'client backend'{where}"
    )
    found = rows(url, query)
    for _ in range(100):
        if not found:
            break
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_sleep(0.05)")
        found = rows(url, query)
    return found


# The calls a database serves, each on its own entry point.
ENTRIES: dict[str, Callable[[AsyncPostgresDatabase], Coroutine[Any, Any, Any]]] = {}


def entry(
    body: Callable[[AsyncPostgresDatabase], Coroutine[Any, Any, Any]],
) -> Callable[[AsyncPostgresDatabase], Coroutine[Any, Any, Any]]:
    ENTRIES[body.__name__] = body
    return body


@entry
async def one_statement_read(db: AsyncPostgresDatabase) -> Any:
    return await AsyncPostgresCustomerRepository(db).customers()


@entry
async def one_statement_write(db: AsyncPostgresDatabase) -> Any:
    await AsyncPostgresCustomerRepository(db.for_tenant("t1")).add(customer("w"))


@entry
async def unit_of_work(db: AsyncPostgresDatabase) -> Any:
    async with db.unit_of_work() as conn:
        await conn.execute("SELECT 1")


@entry
async def connection(db: AsyncPostgresDatabase) -> Any:
    async with db.connection() as conn:
        await conn.execute("SELECT 1")


@entry
async def schema_version(db: AsyncPostgresDatabase) -> Any:
    return await db.schema_version()


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_a_database_used_from_another_loop_refuses_at_once_and_still_closes(
    url: str, name: str
) -> None:
    """Opened in one `asyncio.run`, called in the next: typed, at once, no retry asked."""
    call = ENTRIES[name]
    db = asyncio.run(AsyncPostgresDatabase.open(url, pool_size=2, timeout=30))

    async def elsewhere() -> None:
        for handle in (db, db.for_tenant("t1")):
            with pytest.raises(StorageError, match=_OTHER_LOOP) as raised:
                await call(handle)
            assert not isinstance(raised.value, RetryableStorageError)
        await db.close()  # its loop is closed: its connections are closed here
        with pytest.raises(StorageError, match="closed"):
            await call(db)

    asyncio.run(elsewhere())
    assert sessions(url) == []
    assert rows(url, "SELECT id FROM clubrules.customers") == []


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_a_database_made_outside_a_loop_belongs_to_its_first_calls_loop(
    url: str, name: str
) -> None:
    call = ENTRIES[name]
    db = AsyncPostgresDatabase(url, pool_size=2)
    asyncio.run(call(db))

    async def elsewhere() -> None:
        with pytest.raises(StorageError, match=_OTHER_LOOP):
            await call(db)
        await db.close()

    asyncio.run(elsewhere())
    assert sessions(url) == []


def test_a_from_pool_database_belongs_to_its_first_calls_loop(url: str) -> None:
    async def first() -> tuple[Any, AsyncPostgresDatabase]:
        from psycopg_pool import AsyncConnectionPool  # noqa: PLC0415 - as the caller would

        pool = AsyncConnectionPool(url, kwargs={"autocommit": True}, min_size=1, open=False)
        await pool.open()
        db = AsyncPostgresDatabase.from_pool(pool)
        assert await AsyncPostgresCustomerRepository(db).customers() == []
        return pool, db

    loop = asyncio.new_event_loop()
    try:
        pool, db = loop.run_until_complete(first())

        async def elsewhere() -> None:
            with pytest.raises(StorageError, match=_OTHER_LOOP):
                await AsyncPostgresCustomerRepository(db).customers()

        asyncio.run(elsewhere())
        loop.run_until_complete(pool.close())
    finally:
        loop.close()


def test_a_database_on_a_loop_thread_refuses_other_loops_and_closes_from_them(url: str) -> None:
    with LoopThread() as loop_thread:
        db = loop_thread.run(AsyncPostgresDatabase.open(url, pool_size=3, timeout=30))
        repo = AsyncPostgresCustomerRepository(db)
        loop_thread.run(repo.add(customer("c-1")))

        async def from_main_thread() -> None:
            for call in (repo.customers(), repo.add(customer("c-2"))):
                with pytest.raises(StorageError, match=_OTHER_LOOP):
                    await call
            # Its loop still runs (in the thread): the pool closes there.
            await db.close()

        asyncio.run(from_main_thread())
        with pytest.raises(StorageError, match="closed"):
            loop_thread.run(repo.customers())
    assert sessions(url) == []
    assert rows(url, "SELECT id FROM clubrules.customers") == [("c-1",)]


def test_close_with_calls_in_flight_refuses_them_and_stores_no_part(url: str) -> None:
    """Every call in flight ends as a closed database's call: no retry asked, no half unit."""

    async def main() -> list[BaseException | None]:
        db = await AsyncPostgresDatabase.open(url, pool_size=2, pool_min_size=1, timeout=30)
        repo = AsyncPostgresCustomerRepository(db)
        started = asyncio.Event()

        async def unit(i: int) -> None:
            async with db.unit_of_work() as conn:
                await repo.add(customer(f"u{i}"))
                started.set()
                await conn.execute("SELECT pg_sleep(0.2)")
                await repo.add(customer(f"v{i}"))

        async def read() -> None:
            await started.wait()
            await repo.customers()

        tasks = [asyncio.create_task(unit(i)) for i in range(4)]
        tasks += [asyncio.create_task(read()) for _ in range(4)]
        await started.wait()
        await db.close()
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(main())
    for outcome in outcomes:
        assert isinstance(outcome, StorageError), outcome
        assert not isinstance(outcome, RetryableStorageError), outcome
        assert "closed" in str(outcome)
    assert rows(url, "SELECT id FROM clubrules.customers") == []
    assert sessions(url) == []


# Cancellation at every await point: each operation, with what it stores when it completes.


async def _unit_of_two(db: AsyncPostgresDatabase) -> None:
    tenant = db.for_tenant("t1")
    repo = AsyncPostgresCustomerRepository(tenant)
    async with tenant.unit_of_work():
        await repo.add(customer("a"))
        async with tenant.unit_of_work():  # a savepoint
            await repo.add(customer("b"))


async def _one_statement(db: AsyncPostgresDatabase) -> None:
    await AsyncPostgresCustomerRepository(db.for_tenant("t1")).add(customer("a"))


async def _retried(db: AsyncPostgresDatabase) -> None:
    tenant = db.for_tenant("t1")
    repo = AsyncPostgresCustomerRepository(tenant)

    async def work(_conn: object) -> None:
        await repo.add(customer("a"))
        await repo.add(customer("b"))

    await run_in_transaction_async(tenant, work)


async def _connection_block(db: AsyncPostgresDatabase) -> None:
    async with db.for_tenant("t1").connection() as conn:
        for customer_id in ("a", "b"):
            await conn.execute(
                "INSERT INTO clubrules.customers (id, name, registered_at, gender)"
                " VALUES (%s, 'x', now(), 'undisclosed')",
                (customer_id,),
            )


async def _booking_on_two_rooms(db: AsyncPostgresDatabase) -> None:
    both = booking_contract._booking("both", 0, 60, resource="room-a", also="room-b")
    await AsyncPostgresBookingRepository(db.for_tenant("t1")).add(both, now=booking_contract.NOW)


async def _complaint_with_customer(db: AsyncPostgresDatabase) -> None:
    from clubrules.complaints import CaseKind, Registered, Severity  # noqa: PLC0415

    tenant = db.for_tenant("t1")
    registered = Registered(
        case_id="case-1",
        at=AT,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="a",
        contact="13800138000",
        content="the facial started late",
        policy_id="standard",
        policy_version=1,
        severity=Severity.NORMAL,
    )
    async with tenant.unit_of_work():
        await AsyncPostgresCustomerRepository(tenant).add(customer("a"))
        await AsyncPostgresComplaintRepository(tenant).append("case-1", 0, [registered])


async def _vault_seal_and_open(db: AsyncPostgresDatabase) -> None:
    """Three calls, each atomic on its own: a consent, a data key, an allowed read's event."""
    tenant = db.for_tenant("t1")
    consents = AsyncPostgresConsentStore(tenant)
    vault = AsyncPrivacyVault(
        keys=AsyncCustomerKeys(_KEK, AsyncPostgresDataKeyStore(tenant), tenant="t1"),
        policy=RolePolicy.salon_default(),
        consents=consents,
        log=AsyncPostgresAccessLog(tenant),
        clock=ManualClock(AT),
    )
    await consents.add(
        ConsentRecord(
            id="k-a",
            customer_id="a",
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies"},
            given_at=AT - timedelta(days=1),
            separate=True,
        )
    )
    sealed = await vault.seal("a", "allergies", ["x"])
    opened = await vault.open(
        sealed,
        customer_id="a",
        field="allergies",
        actor="st-7",
        role="beautician",
        purpose=Purpose.SERVICE_DELIVERY,
    )
    assert opened.reveal() == ["x"]


_KEK = Keyring.generate()
_STATE = (
    "SELECT 'customer', tenant || ':' || id FROM clubrules.customers"
    " UNION ALL SELECT 'booking', tenant || ':' || id FROM clubrules.bookings"
    " UNION ALL SELECT 'occupancy', tenant || ':' || resource FROM clubrules.booking_occupancy"
    " UNION ALL SELECT 'case', tenant || ':' || id FROM clubrules.complaint_cases"
    " UNION ALL SELECT 'event', tenant || ':' || case_id FROM clubrules.complaint_events"
    " UNION ALL SELECT 'consent', tenant || ':' || id FROM clubrules.consents"
    " UNION ALL SELECT 'key', tenant || ':' || customer_id FROM clubrules.data_keys"
    " UNION ALL SELECT 'access', tenant || ':' || reason FROM clubrules.access_events"
    " ORDER BY 1, 2"
)
_TWO = [("customer", "t1:a"), ("customer", "t1:b")]
# Each operation and the states it may leave: nothing, or whole steps (each atomic) in order.
OPERATIONS: dict[
    str, tuple[Callable[[AsyncPostgresDatabase], Coroutine[Any, Any, None]], list[Any]]
] = {
    "unit_of_two": (_unit_of_two, [[], _TWO]),
    "one_statement": (_one_statement, [[], [("customer", "t1:a")]]),
    "run_in_transaction_async": (_retried, [[], _TWO]),
    "connection_block": (_connection_block, [[], _TWO]),
    "booking_on_two_rooms": (
        _booking_on_two_rooms,
        [[], [("booking", "t1:both"), ("occupancy", "t1:room-a"), ("occupancy", "t1:room-b")]],
    ),
    "complaint_with_customer": (
        _complaint_with_customer,
        [[], [("case", "t1:case-1"), ("customer", "t1:a"), ("event", "t1:case-1")]],
    ),
    "vault_seal_and_open": (
        _vault_seal_and_open,
        [
            [],
            [("consent", "t1:k-a")],
            [("consent", "t1:k-a"), ("key", "t1:a")],
            [("access", "t1:allowed"), ("consent", "t1:k-a"), ("key", "t1:a")],
        ],
    ),
}


async def _cancelled_after(task: asyncio.Task[None], turns: int) -> str:
    """Let the loop turn `turns` times, cancel `task`, and say how it ended."""
    for _ in range(turns):
        if task.done():
            break
        await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return "cancelled"
    return "done"


@pytest.mark.parametrize("pool_size", [1])
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_call_cancelled_at_any_await_leaves_a_whole_state_and_a_sound_pool(
    url: str, name: str, pool_size: int
) -> None:
    """Cancelled after 0, 1, 2... turns of the loop, until it completes first.

    Each time: `CancelledError` reaches the caller (or the call had
    completed), what is stored is nothing or whole steps, no session is
    left inside a transaction or a statement, the tenant's rows stay the
    tenant's, and the pool serves the next call.
    """
    operation, allowed = OPERATIONS[name]

    async def main() -> dict[str, int]:
        seen: dict[str, int] = {}
        async with AsyncPostgresDatabase(url, pool_size=pool_size, timeout=30) as db:
            completed = 0
            turns = 0
            while completed < 3:  # a few turns past the first completion
                truncate(url)
                outcome = await _cancelled_after(asyncio.create_task(operation(db)), turns)
                completed += outcome == "done"
                seen[outcome] = seen.get(outcome, 0) + 1
                state = [tuple(r) for r in rows(url, _STATE)]
                assert [list(r) for r in state] in [[list(r) for r in a] for a in allowed], (
                    turns,
                    outcome,
                    state,
                )
                if outcome == "done":
                    assert [list(r) for r in state] == [list(r) for r in allowed[-1]]
                busy = sessions(
                    url, "'active', 'idle in transaction', 'idle in transaction (aborted)'"
                )
                assert busy == [], (turns, busy)
                assert await AsyncPostgresCustomerRepository(db).customers() == []
                turns += 1
        return seen

    seen = asyncio.run(main())
    assert seen.get("cancelled", 0) > 0


def test_many_tasks_of_several_tenants_on_one_database_never_see_each_other(url: str) -> None:
    """`asyncio.gather` of units on three tenants' handles; tasks spawned inside the units.

    A task spawned inside a unit inherits its context, not its transaction
    or tenant: it reads through its own handle, on a connection of its own,
    what is committed.
    """
    tenants = ("default", "t1", "t2")

    async def main() -> None:
        async with AsyncPostgresDatabase(url, pool_size=40, timeout=30) as db:

            async def unit(tenant: str, i: int) -> None:
                handle = db.for_tenant(tenant)
                repo = AsyncPostgresCustomerRepository(handle)
                async with handle.unit_of_work():
                    await repo.add(customer(f"c{i}", tenant))
                    await asyncio.sleep(0)
                    mine = await repo.customers()
                    spawned = await asyncio.gather(
                        *(
                            AsyncPostgresCustomerRepository(db.for_tenant(t)).customers()
                            for t in tenants
                        )
                    )
                assert {c.name for c in mine} == {tenant}
                assert f"c{i}" in {c.id for c in mine}
                for t, found in zip(tenants, spawned, strict=True):
                    assert {c.name for c in found} <= {t}
                    if t == tenant:  # the parent's row is not committed yet: not seen
                        assert f"c{i}" not in {c.id for c in found}

            await asyncio.gather(*(unit(t, i) for i in range(8) for t in tenants))
            for t in tenants:
                found = await AsyncPostgresCustomerRepository(db.for_tenant(t)).customers()
                assert sorted(c.id for c in found) == sorted(f"c{i}" for i in range(8))
                assert {c.name for c in found} == {t}

    asyncio.run(main())
