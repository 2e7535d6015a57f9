"""Databases across a fork: the child opens its own connections, the parent's stay whole.

A pre-forking server builds the database in the parent, uses it, then forks
workers. Each test here does that with real processes (`os.fork` and the
`fork` start method of `multiprocessing`): the child reads and writes
through the library and exits; the parent then reads and writes on its own
connections (for PostgreSQL: the same server session, same backend pid) and
sees the child's writes. A database on the caller's connection or pool is
refused in the child, with a `StorageError` naming the fork.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import signal
import sqlite3
import traceback
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.customers import Customer
from clubrules.errors import NotFoundError, StorageError
from clubrules.storage.postgres import (
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    PostgresCustomerRepository,
    PostgresDatabase,
)
from clubrules.storage.sqlite import SQLiteCustomerRepository, SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
_names = itertools.count()


def _customer(customer_id: str) -> Customer:
    return Customer(id=customer_id, name="Li", registered_at=T0)


def _in_forked_child(work: Callable[[], None]) -> None:
    """Run `work` in a child made by `os.fork`; fail here with its traceback if it failed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's side, reported through the pipe
        os.close(read)
        signal.alarm(60)  # a child stuck on an inherited lock dies, and the test fails
        code = 0
        try:
            work()
        except BaseException:  # noqa: BLE001 - everything goes back to the parent
            os.write(write, traceback.format_exc().encode())
            code = 1
        finally:
            os.close(write)
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, report


def _in_multiprocessing_child(work: Callable[[], None]) -> None:
    """Run `work` in a `multiprocessing` process of the `fork` start method."""
    process = multiprocessing.get_context("fork").Process(target=work)
    process.start()
    process.join(60)
    assert process.exitcode == 0


FORKS = [
    pytest.param(_in_forked_child, id="os.fork"),
    pytest.param(_in_multiprocessing_child, id="multiprocessing"),
]


# SQLite -----------------------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


@pytest.mark.parametrize("fork", FORKS)
def test_a_sqlite_child_reads_and_writes_on_connections_of_its_own(
    sqlite_file: SQLiteDatabase, fork: Callable[[Callable[[], None]], None]
) -> None:
    customers = SQLiteCustomerRepository(sqlite_file)
    customers.add(_customer("c-parent"))
    with sqlite_file.connection() as conn:
        parents = conn

    def child() -> None:
        with sqlite_file.connection() as conn:
            assert conn is not parents
        assert customers.get("c-parent").id == "c-parent"
        customers.add(_customer("c-child"))
        with sqlite_file.unit_of_work():
            customers.add(_customer("c-child-unit"))

    fork(child)
    with sqlite_file.connection() as conn:
        assert conn is parents  # the parent's pool is untouched
    customers.add(_customer("c-parent-after"))
    assert sorted(c.id for c in customers.customers()) == [
        "c-child",
        "c-child-unit",
        "c-parent",
        "c-parent-after",
    ]


def test_a_sqlite_child_forked_while_a_thread_held_the_pool_lock_is_not_stuck(
    sqlite_file: SQLiteDatabase,
) -> None:
    customers = SQLiteCustomerRepository(sqlite_file)
    with sqlite_file._lock:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's side, reported by its exit code
            signal.alarm(60)  # stuck on the inherited lock: killed, and the test fails
            try:
                customers.add(_customer("c-child"))
            finally:
                os._exit(0 if customers.get("c-child").id == "c-child" else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert customers.get("c-child").id == "c-child"


def test_the_caller_s_sqlite_connection_is_refused_in_a_child(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "app.db", isolation_level=None)
    db = SQLiteDatabase.from_connection(conn)
    db.migrate()
    customers = SQLiteCustomerRepository(db)
    customers.add(_customer("c-1"))

    def child() -> None:
        with pytest.raises(StorageError, match=r"caller's sqlite3 connection.*fork") as caught:
            customers.get("c-1")
        assert str(os.getppid()) in str(caught.value)
        with pytest.raises(StorageError, match="fork"):
            customers.add(_customer("c-2"))

    _in_forked_child(child)
    assert customers.get("c-1").id == "c-1"  # the parent's database still works
    conn.close()


def test_an_in_memory_sqlite_database_is_refused_in_a_child() -> None:
    with SQLiteDatabase(":memory:") as db:
        db.migrate()

        def child() -> None:
            with pytest.raises(StorageError, match=r"in-memory SQLite database.*fork"):
                db.schema_version()

        _in_forked_child(child)
        assert db.schema_version() >= 1


@pytest.mark.parametrize("fork", FORKS)
def test_a_child_forked_inside_a_sqlite_unit_of_work_does_not_join_the_parent_s_unit(
    sqlite_file: SQLiteDatabase, fork: Callable[[Callable[[], None]], None]
) -> None:
    customers = SQLiteCustomerRepository(sqlite_file)

    def child() -> None:
        # Its own connection: the parent's uncommitted row is not there to see.
        with pytest.raises(NotFoundError):
            customers.get("c-parent")

    with sqlite_file.unit_of_work():
        customers.add(_customer("c-parent"))
        fork(child)
    # The parent's unit committed whole after the child came and went.
    assert customers.get("c-parent").id == "c-parent"


# PostgreSQL -------------------------------------------------------------


def _backend_pid(db: PostgresDatabase) -> int:
    with db.connection() as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A migrated database of its own for the test."""
    name = f"fork_{os.getpid()}_{next(_names)}"
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = postgres_cluster.url_for(name)
    with PostgresDatabase(url) as db:
        db.migrate()
    return url


@pytest.mark.parametrize("pool_size", [0, 1], ids=["unpooled", "pooled"])
@pytest.mark.parametrize("fork", FORKS)
def test_a_postgres_child_has_a_session_of_its_own_and_the_parent_keeps_its_own(
    postgres_url: str, pool_size: int, fork: Callable[[Callable[[], None]], None]
) -> None:
    with PostgresDatabase(postgres_url, pool_size=pool_size) as db:
        customers = PostgresCustomerRepository(db)
        customers.add(_customer("c-parent"))
        parents = _backend_pid(db)

        def child() -> None:
            assert _backend_pid(db) != parents
            assert customers.get("c-parent").id == "c-parent"
            customers.add(_customer("c-child"))
            with db.unit_of_work():
                customers.add(_customer("c-child-unit"))

        fork(child)
        assert _backend_pid(db) == parents  # the same session: nothing closed it
        customers.add(_customer("c-parent-after"))
        assert sorted(c.id for c in customers.customers()) == [
            "c-child",
            "c-child-unit",
            "c-parent",
            "c-parent-after",
        ]


def test_the_caller_s_postgres_connection_is_refused_in_a_child(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        db = PostgresDatabase.from_connection(conn)
        customers = PostgresCustomerRepository(db)
        customers.add(_customer("c-1"))
        parents = conn.info.backend_pid

        def child() -> None:
            with pytest.raises(StorageError, match=r"caller's psycopg connection.*fork"):
                customers.get("c-1")
            with pytest.raises(StorageError, match="fork"), db.unit_of_work():
                pass

        _in_forked_child(child)
        assert customers.get("c-1").id == "c-1"
        assert conn.info.backend_pid == parents


def test_the_caller_s_psycopg_pool_is_refused_in_a_child(postgres_url: str) -> None:
    from psycopg_pool import ConnectionPool  # noqa: PLC0415 - the postgres extra

    with ConnectionPool(postgres_url, min_size=1, max_size=1, kwargs={"autocommit": True}) as pool:
        customers = PostgresCustomerRepository(PostgresDatabase.from_pool(pool))
        customers.add(_customer("c-1"))

        def child() -> None:
            with pytest.raises(StorageError, match=r"caller's psycopg_pool pool.*fork"):
                customers.get("c-1")

        _in_forked_child(child)
        assert customers.get("c-1").id == "c-1"


def test_an_async_postgres_child_opens_a_pool_of_its_own_in_its_own_loop(
    postgres_url: str,
) -> None:
    async def opened() -> tuple[AsyncPostgresDatabase, int]:
        db = await AsyncPostgresDatabase.open(postgres_url, pool_size=1)
        await AsyncPostgresCustomerRepository(db).add(_customer("c-parent"))
        async with db.connection() as conn:
            row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
        assert row is not None
        return db, int(row[0])

    loop = asyncio.new_event_loop()
    try:
        db, parents = loop.run_until_complete(opened())
        customers = AsyncPostgresCustomerRepository(db)

        async def in_child() -> None:
            async with db.connection() as conn:
                row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
            assert row is not None
            assert row[0] != parents
            assert (await customers.get("c-parent")).id == "c-parent"
            await customers.add(_customer("c-child"))
            await db.close()

        def child() -> None:
            asyncio.run(in_child())  # a fresh event loop, as a worker makes

        _in_forked_child(child)

        async def after() -> list[str]:
            async with db.connection() as conn:
                row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
            assert row is not None
            assert row[0] == parents
            await customers.add(_customer("c-parent-after"))
            return sorted(c.id for c in await customers.customers())

        assert loop.run_until_complete(after()) == ["c-child", "c-parent", "c-parent-after"]
        loop.run_until_complete(db.close())
    finally:
        loop.close()


def test_the_caller_s_async_connection_is_refused_in_a_child(postgres_url: str) -> None:
    async def opened() -> Any:
        return await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)

    loop = asyncio.new_event_loop()
    try:
        conn = loop.run_until_complete(opened())
        customers = AsyncPostgresCustomerRepository(AsyncPostgresDatabase.from_connection(conn))

        async def in_child() -> None:
            with pytest.raises(StorageError, match=r"caller's psycopg connection.*fork"):
                await customers.get("c-1")

        _in_forked_child(lambda: asyncio.run(in_child()))
        loop.run_until_complete(customers.add(_customer("c-1")))
        assert loop.run_until_complete(customers.get("c-1")).id == "c-1"
        loop.run_until_complete(conn.close())
    finally:
        loop.close()


class _Undo(Exception):  # noqa: N818 - not an error: the parent's way out of its unit
    """The parent leaves its unit of work with this, to roll it back."""


def _exit_reporting(write: int, error: BaseException | None) -> None:  # pragma: no cover
    """The child's end: how its block ended, through the pipe; then out, skipping pytest's own."""
    report = "no error" if error is None else f"{type(error).__name__}: {error}"
    try:
        os.write(write, report.encode())
    finally:
        os._exit(0)


@pytest.mark.parametrize("pool_size", [0, 1], ids=["unpooled", "pooled"])
def test_a_child_forked_inside_a_postgres_unit_of_work_leaves_the_parent_s_transaction_alone(
    postgres_url: str, pool_size: int
) -> None:
    # The child's copy of the block runs to its end; its COMMIT must not reach
    # the parent's session (it would commit what the parent then rolls back).
    with PostgresDatabase(postgres_url, pool_size=pool_size) as db:
        customers = PostgresCustomerRepository(db)
        parents = _backend_pid(db)
        read, write = os.pipe()
        pid = -1
        try:
            with db.unit_of_work():
                customers.add(_customer("c-undone"))
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child's side
                    signal.alarm(60)
                else:
                    os.waitpid(pid, 0)
                    raise _Undo  # noqa: TRY301 - the parent leaves its unit this way
        except _Undo:
            pass
        except BaseException as error:
            if pid == 0:  # pragma: no cover - the child's block ended with this error
                _exit_reporting(write, error)
            raise
        if pid == 0:  # pragma: no cover - the child's block ended without one
            _exit_reporting(write, None)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            report = pipe.read().decode()
        assert report.startswith("StorageError: this process forked from its parent inside a")
        assert "PostgreSQL" in report
        with pytest.raises(NotFoundError):  # rolled back, as the parent asked
            customers.get("c-undone")
        assert _backend_pid(db) == parents
        customers.add(_customer("c-after"))
        assert [c.id for c in customers.customers()] == ["c-after"]
