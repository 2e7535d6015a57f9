"""The async PostgreSQL database: pools, units of work, the caller's connection, retries.

Each test runs its own event loop (`asyncio.run`) on a fresh, migrated
database of the throwaway cluster. The adapters' full behaviour is checked
by the async contract suites; these tests check what the database itself
promises: transactions per task, savepoints inside a unit, the caller's
transaction left to the caller, typed errors, cancellation and lost
connections that leave nothing half-written.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from clubrules.customers import Customer
from clubrules.errors import (
    DuplicateError,
    NotFoundError,
    RetryableStorageError,
    StaleVersionError,
    StorageError,
    ValidationError,
)
from clubrules.privacy import AccessEvent, ConsentRecord, Purpose
from clubrules.storage import run_in_transaction_async
from clubrules.storage.postgres import (
    AsyncPostgresAccessLog,
    AsyncPostgresComplaintRepository,
    AsyncPostgresConsentStore,
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    AsyncPostgresDataKeyStore,
    PostgresCustomerRepository,
    PostgresDatabase,
)
from clubrules.storage.sql._migrations import available_migrations

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def url(postgres_cluster: PostgresCluster) -> str:
    """A fresh database for the module, migrated by the sync database (as at deploy time)."""
    database_url = postgres_cluster.create_database("async_db")
    with PostgresDatabase(database_url) as db:
        db.migrate()
    return database_url


@pytest.fixture
def run(url: str) -> Callable[[Callable[[AsyncPostgresDatabase], Awaitable[Any]]], Any]:
    """Run `body(database)` in a fresh event loop, on emptied tables, and close the database."""

    def runner(body: Callable[[AsyncPostgresDatabase], Awaitable[Any]]) -> Any:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "TRUNCATE clubrules.customers, clubrules.complaint_events,"
                " clubrules.complaint_cases, clubrules.data_keys, clubrules.consents,"
                " clubrules.access_events CASCADE"
            )

        async def main() -> Any:
            async with AsyncPostgresDatabase(url, pool_size=4) as db:
                return await body(db)

        return asyncio.run(main())

    return runner


def customer(customer_id: str, name: str = "Li Na") -> Customer:
    return Customer(id=customer_id, name=name, registered_at=AT)


def count(url: str, table: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(f"SELECT count(*) FROM clubrules.{table}").fetchone()  # noqa: S608
    assert row is not None
    return int(row[0])


def test_customers_round_trip_and_typed_errors(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresCustomerRepository(db)
        await repo.add(customer("c-1"))
        with pytest.raises(DuplicateError):
            await repo.add(customer("c-1"))
        assert (await repo.get("c-1")).name == "Li Na"
        await repo.update(customer("c-1", "Wang Fang"))
        assert [c.name for c in await repo.customers()] == ["Wang Fang"]
        with pytest.raises(NotFoundError):
            await repo.get("c-2")
        with pytest.raises(NotFoundError):
            await repo.update(customer("c-2"))
        # An id no stored value can hold is answered without a round trip.
        with pytest.raises(NotFoundError):
            await repo.get("bad\x00id")

    run(body)


def test_sync_and_async_adapters_see_each_others_rows(run: Any, url: str) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        await AsyncPostgresCustomerRepository(db).add(customer("c-async"))

    run(body)
    with PostgresDatabase(url) as sync:
        repo = PostgresCustomerRepository(sync)
        assert repo.get("c-async").id == "c-async"


def test_a_unit_of_work_commits_together_and_rolls_back_together(run: Any, url: str) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresCustomerRepository(db)
        async with db.unit_of_work() as conn:
            await repo.add(customer("c-1"))
            await repo.add(customer("c-2"))
            # Another task does not see the unit's rows before it commits.
            assert await asyncio.create_task(_exists(db, "c-1")) is False
            await conn.execute("SELECT 1")
        assert await _exists(db, "c-1")

        async def taken_in_a_unit() -> None:
            async with db.unit_of_work():
                await repo.add(customer("c-3"))
                await repo.add(customer("c-1"))  # taken: the unit rolls back whole

        with pytest.raises(DuplicateError):
            await taken_in_a_unit()
        assert not await _exists(db, "c-3")

    run(body)
    assert count(url, "customers") == 2


async def _exists(db: AsyncPostgresDatabase, customer_id: str) -> bool:
    try:
        await AsyncPostgresCustomerRepository(db).get(customer_id)
    except NotFoundError:
        return False
    return True


def test_a_failed_write_inside_a_unit_undoes_only_itself(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        complaints = AsyncPostgresComplaintRepository(db)
        customers = AsyncPostgresCustomerRepository(db)
        async with db.unit_of_work():
            await customers.add(customer("c-1"))
            with pytest.raises(StaleVersionError):
                await complaints.append("case-1", 3, [_registered("case-1")])
            await customers.add(customer("c-2"))
        assert [c.id for c in await customers.customers()] == ["c-1", "c-2"]

    run(body)


def _registered(case_id: str) -> Any:
    from clubrules.complaints import CaseKind, Registered, Severity  # noqa: PLC0415 - as needed

    return Registered(
        case_id=case_id,
        at=AT,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="13800138000",
        content="the facial started late",
        policy_id="standard",
        policy_version=1,
        severity=Severity.NORMAL,
    )


def test_racing_appends_at_one_version_one_wins(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> list[int | BaseException]:
        repo = AsyncPostgresComplaintRepository(db)
        results = await asyncio.gather(
            *(repo.append("case-1", 0, [_registered("case-1")]) for _ in range(8)),
            return_exceptions=True,
        )
        assert await repo.version("case-1") == 1
        assert len(await repo.events("case-1")) == 1
        assert await repo.case_ids() == ["case-1"]
        return results

    results = run(body)
    assert results.count(1) == 1
    assert all(isinstance(r, StaleVersionError) for r in results if r != 1)


def test_a_cancelled_task_writes_nothing_and_frees_its_connection(run: Any, url: str) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresCustomerRepository(db)
        await repo.add(customer("c-locked"))
        other = await psycopg.AsyncConnection.connect(url, autocommit=True)
        async with other, other.transaction():
            await other.execute(
                "SELECT 1 FROM clubrules.customers WHERE id = 'c-locked' FOR UPDATE"
            )

            async def blocked() -> None:
                async with db.unit_of_work():
                    await repo.add(customer("c-new"))
                    await repo.update(customer("c-locked", "Zhao Lei"))  # waits on the lock

            task = asyncio.create_task(blocked())
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        # The pool still serves, and nothing of the cancelled unit is stored.
        for _ in range(8):
            assert not await _exists(db, "c-new")
        assert (await repo.get("c-locked")).name == "Li Na"

    run(body)
    assert count(url, "customers") == 1


def test_a_terminated_backend_is_retryable_and_leaves_nothing(run: Any, url: str) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresCustomerRepository(db)

        async def killed_midway() -> None:
            async with db.unit_of_work() as conn:
                await repo.add(customer("c-1"))
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as killer:
                    await killer.execute(
                        "SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,)
                    )
                await repo.add(customer("c-2"))

        with pytest.raises(RetryableStorageError):
            await killed_midway()
        # The pool replaces the dead connection.
        await repo.add(customer("c-3"))
        assert [c.id for c in await repo.customers()] == ["c-3"]

    run(body)


def test_run_in_transaction_async_retries_transient_failures(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresCustomerRepository(db)
        calls: list[int] = []
        waits: list[float] = []

        async def work(conn: Any) -> str:
            calls.append(len(calls))
            await repo.add(customer(f"c-{len(calls)}"))
            if len(calls) < 3:
                raise RetryableStorageError("simulated serialization failure")
            return "done"

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        assert await run_in_transaction_async(db, work, sleep=sleep) == "done"
        assert len(calls) == 3
        assert len(waits) == 2
        # Only the attempt that committed left its row.
        assert [c.id for c in await repo.customers()] == ["c-3"]

        async def always(conn: Any) -> None:
            raise RetryableStorageError("still failing")

        with pytest.raises(RetryableStorageError):
            await run_in_transaction_async(db, always, attempts=2, sleep=sleep)
        with pytest.raises(ValidationError) as refused:
            await run_in_transaction_async(db, always, attempts=0)
        assert refused.value.field == "attempts"

    run(body)


def test_the_callers_connection_and_transaction_are_the_callers(run: Any, url: str) -> None:
    async def body(_db: AsyncPostgresDatabase) -> None:
        async with await psycopg.AsyncConnection.connect(url) as conn:  # not autocommit
            db = AsyncPostgresDatabase.from_connection(conn)
            repo = AsyncPostgresCustomerRepository(db)
            await repo.add(customer("c-1"))
            with pytest.raises(DuplicateError):
                await repo.add(customer("c-1"))
            await repo.add(customer("c-2"))  # the failed add undid only itself
            async with db.unit_of_work():  # a savepoint: commits nothing
                await repo.add(customer("c-3"))
            await conn.rollback()
            assert await repo.customers() == []
            await repo.add(customer("c-4"))
            await conn.commit()
            await db.close()
            assert not conn.closed
        with pytest.raises(ValidationError) as refused:
            AsyncPostgresDatabase.from_connection(object())  # type: ignore[arg-type]
        assert refused.value.field == "conn"

    run(body)
    assert count(url, "customers") == 1


def test_from_pool_uses_the_callers_pool_and_leaves_it_open(run: Any, url: str) -> None:
    async def body(_db: AsyncPostgresDatabase) -> None:
        async with AsyncConnectionPool(
            url, min_size=1, max_size=2, kwargs={"autocommit": True}, open=False
        ) as pool:
            db = AsyncPostgresDatabase.from_pool(pool)
            assert await db.schema_version() == len(available_migrations("postgres"))
            await AsyncPostgresCustomerRepository(db).add(customer("c-1"))
            await db.close()
            assert not pool.closed
            with pytest.raises(StorageError):
                await AsyncPostgresCustomerRepository(db).get("c-1")
        with pytest.raises(ValidationError):
            AsyncPostgresDatabase.from_pool(object())  # type: ignore[arg-type]

    run(body)


def test_privacy_stores(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        from clubrules.customers import Sealed  # noqa: PLC0415

        keys = AsyncPostgresDataKeyStore(db)
        await keys.add("c-1", Sealed(b"\x01wrapped"))
        with pytest.raises(DuplicateError):
            await keys.add("c-1", Sealed(b"\x01other"))
        assert not await keys.replace("c-1", Sealed(b"\x01nope"), Sealed(b"\x01new"))
        assert await keys.replace("c-1", Sealed(b"\x01wrapped"), Sealed(b"\x01new"))
        assert await keys.get("c-1") == Sealed(b"\x01new")
        assert await keys.customer_ids() == ["c-1"]
        assert await keys.delete("c-1")
        assert await keys.get("c-1") is None

        consents = AsyncPostgresConsentStore(db)
        record = ConsentRecord(
            id="k-1",
            customer_id="c-1",
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies"},
            given_at=AT,
            separate=True,
        )
        await consents.add(record)
        later = datetime(2026, 4, 1, tzinfo=UTC)
        first, second = await asyncio.gather(
            consents.withdraw("k-1", later),
            consents.withdraw("k-1", datetime(2026, 5, 1, tzinfo=UTC)),
        )
        assert {first.withdrawn_at, second.withdrawn_at} <= {
            later,
            datetime(2026, 5, 1, tzinfo=UTC),
        }
        stored = await consents.get("k-1")
        assert stored.withdrawn_at in {later, datetime(2026, 5, 1, tzinfo=UTC)}
        assert [r.id for r in await consents.for_customer("c-1")] == ["k-1"]

        log = AsyncPostgresAccessLog(db)
        event = AccessEvent(
            at=AT,
            actor="amy",
            role="therapist",
            purpose=Purpose.SERVICE_DELIVERY,
            customer_id="c-1",
            field="allergies",
            allowed=True,
            reason="allowed",
        )
        await log.append(event)
        assert await log.for_customer("c-1") == [event]
        assert await log.by_actor("amy", since=AT) == [event]
        assert await log.purge_before(later) == 1

    run(body)


def test_a_closed_database_refuses_and_repr_names_no_secret(url: str) -> None:
    async def body() -> None:
        db = await AsyncPostgresDatabase.open(
            url.replace("@", ":s3cret@", 1) if "@" in url else url
        )
        assert "s3cret" not in repr(db)
        assert repr(db) == "AsyncPostgresDatabase(pooled, open)"
        await db.close()
        assert repr(db) == "AsyncPostgresDatabase(pooled, closed)"
        with pytest.raises(StorageError):
            await AsyncPostgresCustomerRepository(db).get("c-1")

    with pytest.raises(ValidationError):
        AsyncPostgresDatabase(url, pool_size=0)
    asyncio.run(body())


def test_one_statement_calls_share_a_one_connection_pool_and_give_it_back(url: str) -> None:
    """Reads outside a unit borrow the pool's connection and return it, whatever happens:
    many at once queue for it, one that cannot get it in time is retryable, one cancelled
    while it waits or while its statement runs frees it, and a killed one is replaced."""

    async def main() -> None:
        async with AsyncPostgresDatabase(url, pool_size=1, timeout=0.5, pool_check=False) as db:
            repo = AsyncPostgresCustomerRepository(db)
            await repo.add(customer("c-1"))
            found = await asyncio.gather(*(repo.get("c-1") for _ in range(20)))
            assert {c.name for c in found} == {"Li Na"}
            # The only connection is held by a unit of work: a read waits, then gives up.
            async with db.unit_of_work():
                other = asyncio.create_task(repo.get("c-1"))
                with pytest.raises(RetryableStorageError):
                    await other
                waiting = asyncio.create_task(repo.get("c-1"))
                await asyncio.sleep(0.1)
                waiting.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await waiting
            # A read cancelled while its statement runs on the server.
            slow = asyncio.create_task(db._fetchall("SELECT pg_sleep(5)"))
            await asyncio.sleep(0.2)
            slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await slow
            assert (await repo.get("c-1")).name == "Li Na"
            # A read whose backend is killed is retryable; the pool replaces the connection.
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as killer:
                pid = (await db._fetchall("SELECT pg_backend_pid()"))[0][0]
                await killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
            with pytest.raises(RetryableStorageError):
                await repo.get("c-1")
            assert (await repo.get("c-1")).name == "Li Na"

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE clubrules.customers CASCADE")
    asyncio.run(main())
