"""The databases the contract tests of the SQLite and PostgreSQL adapters run on."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pytest

from clubrules.storage.postgres import AsyncPostgresDatabase, PostgresDatabase
from clubrules.storage.sqlite import SQLiteDatabase
from clubrules.testing import LoopThread

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator
    from contextlib import AbstractAsyncContextManager, AbstractContextManager
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

_D = TypeVar("_D")


class PerCall(Generic[_D]):
    """A repository whose every method call runs in a transaction of its own, as an app's would.

    `session()` opens the transaction and gives the database to build the
    repository on (a `from_connection` database on the caller's connection,
    or a database inside a unit of work); it commits when the call returns
    and rolls back when it raises. Attributes that are not methods come from
    `probe`, a repository of the same class.
    """

    def __init__(
        self,
        build: Callable[[_D], object],
        session: Callable[[], AbstractContextManager[_D]],
        probe: object,
    ) -> None:
        self._build = build
        self._session = session
        self._probe = probe

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._probe, name)
        if not callable(attribute):
            return attribute

        def call(*args: object, **kwargs: object) -> object:
            with self._session() as database:
                return getattr(self._build(database), name)(*args, **kwargs)

        return call


@pytest.fixture
def sqlite_caller_session(
    sqlite_database: SQLiteDatabase,
) -> Callable[[], AbstractContextManager[SQLiteDatabase]]:
    """Sessions on fresh `sqlite3` connections the test owns (implicit transactions), committed."""

    @contextlib.contextmanager
    def session() -> Iterator[SQLiteDatabase]:
        conn = sqlite3.connect(sqlite_database.path, timeout=60, check_same_thread=False)
        try:
            try:
                yield SQLiteDatabase.from_connection(conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()

    return session


@pytest.fixture
def sqlite_unit_session(
    sqlite_database: SQLiteDatabase,
) -> Callable[[], AbstractContextManager[SQLiteDatabase]]:
    """Sessions that are units of work on the test's SQLite database."""

    @contextlib.contextmanager
    def session() -> Iterator[SQLiteDatabase]:
        with sqlite_database.unit_of_work():
            yield sqlite_database

    return session


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    """A migrated SQLite database in a file of its own."""
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


@pytest.fixture(scope="module")
def postgres_pool_size() -> int:
    """How many connections `postgres_database` pools, so that races reach the server together.

    A module whose races use more threads than the default eight asks for more.
    """
    return 8


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    """The `clubrules` tables that `empty_postgres` empties: each module names its own."""
    return ()


@pytest.fixture(scope="class")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The URL of a fresh PostgreSQL database for each test class."""
    return postgres_cluster.create_database("contract")


@pytest.fixture(scope="class")
def postgres_database(postgres_url: str, postgres_pool_size: int) -> Iterator[PostgresDatabase]:
    """The class's fresh PostgreSQL database, migrated."""
    with PostgresDatabase(postgres_url, pool_size=postgres_pool_size) as db:
        db.migrate()
        yield db


@pytest.fixture
def empty_postgres(
    postgres_database: PostgresDatabase, postgres_tables: tuple[str, ...]
) -> PostgresDatabase:
    """The class's PostgreSQL database, with the module's `postgres_tables` emptied for the test."""
    if postgres_tables:
        with postgres_database.connection() as conn:
            schema = postgres_database.schema
            conn.execute(f"TRUNCATE {', '.join(f'{schema}.{t}' for t in postgres_tables)}")
    return postgres_database


@pytest.fixture(scope="class")
def postgres_caller_pool(postgres_url: str, postgres_pool_size: int) -> Iterator[Any]:
    """The application's own pool: connections not in autocommit mode, as most apps use them."""
    from psycopg_pool import ConnectionPool  # noqa: PLC0415 - the optional pool

    with ConnectionPool(
        postgres_url, min_size=1, max_size=postgres_pool_size, kwargs={"autocommit": False}
    ) as pool:
        yield pool


@pytest.fixture
def postgres_caller_session(
    empty_postgres: PostgresDatabase, postgres_caller_pool: Any
) -> Callable[[], AbstractContextManager[PostgresDatabase]]:
    """Sessions on connections of the app's pool, committed by the app (migrated, emptied)."""

    @contextlib.contextmanager
    def session() -> Iterator[PostgresDatabase]:
        with postgres_caller_pool.connection() as conn:
            try:
                yield PostgresDatabase.from_connection(conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    return session


@pytest.fixture
def postgres_unit_session(
    empty_postgres: PostgresDatabase,
) -> Callable[[], AbstractContextManager[PostgresDatabase]]:
    """Sessions that are units of work on the class's PostgreSQL database."""

    @contextlib.contextmanager
    def session() -> Iterator[PostgresDatabase]:
        with empty_postgres.unit_of_work():
            yield empty_postgres

    return session


@pytest.fixture(scope="session")
def per_call() -> type[PerCall[Any]]:
    """The `PerCall` class, for the contract modules that wrap repositories in transactions."""
    return PerCall


class AsyncPerCall(Generic[_D]):
    """`PerCall` for an async repository: each coroutine method runs in a transaction of its own.

    `session()` is an async context manager that opens the transaction and
    gives the async database to build the repository on; it commits when
    the call returns and rolls back when it raises or is cancelled.
    """

    def __init__(
        self,
        build: Callable[[_D], object],
        session: Callable[[], AbstractAsyncContextManager[_D]],
        probe: object,
    ) -> None:
        self._build = build
        self._session = session
        self._probe = probe

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._probe, name)
        if not callable(attribute):
            return attribute

        async def call(*args: object, **kwargs: object) -> object:
            async with self._session() as database:
                return await getattr(self._build(database), name)(*args, **kwargs)

        return call


@pytest.fixture(scope="module")
def postgres_loop() -> Iterator[LoopThread]:
    """The event loop of a module's async PostgreSQL tests, shared by its pools and tests."""
    with LoopThread(name="postgres-contract-loop") as loop:
        yield loop


@pytest.fixture(scope="class")
def async_postgres(
    postgres_database: PostgresDatabase,
    postgres_url: str,
    postgres_pool_size: int,
    postgres_loop: LoopThread,
) -> Iterator[AsyncPostgresDatabase]:
    """An async database on the class's migrated database, its pool on `postgres_loop`."""
    database = postgres_loop.run(
        AsyncPostgresDatabase.open(postgres_url, pool_size=postgres_pool_size)
    )
    yield database
    postgres_loop.run(database.close())


@pytest.fixture(scope="class")
def postgres_async_caller_pool(
    postgres_url: str, postgres_pool_size: int, postgres_loop: LoopThread
) -> Iterator[Any]:
    """The async application's own pool, on `postgres_loop`: connections not in autocommit mode."""
    from psycopg_pool import AsyncConnectionPool  # noqa: PLC0415 - the optional pool

    async def open_pool() -> AsyncConnectionPool[Any]:
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            postgres_url,
            min_size=1,
            max_size=postgres_pool_size,
            kwargs={"autocommit": False},
            open=False,
        )
        await pool.open(wait=True)
        return pool

    pool = postgres_loop.run(open_pool())
    yield pool
    postgres_loop.run(pool.close())


@pytest.fixture
def postgres_async_caller_session(
    empty_postgres: PostgresDatabase, postgres_async_caller_pool: Any
) -> Callable[[], AbstractAsyncContextManager[AsyncPostgresDatabase]]:
    """Async sessions on connections of the app's pool, committed by the app (migrated, emptied)."""

    @contextlib.asynccontextmanager
    async def session() -> AsyncIterator[AsyncPostgresDatabase]:
        async with postgres_async_caller_pool.connection() as conn:
            try:
                yield AsyncPostgresDatabase.from_connection(conn)
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()

    return session


@pytest.fixture
def postgres_async_unit_session(
    empty_postgres: PostgresDatabase, async_postgres: AsyncPostgresDatabase
) -> Callable[[], AbstractAsyncContextManager[AsyncPostgresDatabase]]:
    """Async sessions that are units of work on the class's PostgreSQL database."""

    @contextlib.asynccontextmanager
    async def session() -> AsyncIterator[AsyncPostgresDatabase]:
        async with async_postgres.unit_of_work():
            yield async_postgres

    return session


@pytest.fixture(scope="session")
def async_per_call() -> type[AsyncPerCall[Any]]:
    """The `AsyncPerCall` class, for the contract modules that wrap async repositories."""
    return AsyncPerCall
