"""The async PostgreSQL database: psycopg's `AsyncConnectionPool`, units of work per task.

psycopg and psycopg_pool are imported only when a database is made, so that
`clubrules.storage.postgres` imports without the `postgres` extra.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Any, Self, TypeAlias

from clubrules.errors import StorageError
from clubrules.storage._fork import ForkSafe, set_aside
from clubrules.storage._handles import TenantHandles, other_tenant
from clubrules.storage.postgres._base import (
    PostgresBase,
    checked_pool_settings,
    require_driver,
)
from clubrules.storage.postgres._direct import Outcome, run_direct_async
from clubrules.storage.postgres._errors import (
    first_contact_settings,
    psycopg_module,
    raise_translated,
)
from clubrules.storage.postgres._migrate import DEFAULT_SCHEMA
from clubrules.storage.postgres._transactions import (
    OPEN_SAVEPOINT,
    RELEASE_SAVEPOINT,
    SET_TENANT,
    SWAP_TENANT,
    UNDO_SAVEPOINT,
    owns_block,
    restore_needed,
    unit_connection,
)
from clubrules.storage.sql._migrations import check_history

if TYPE_CHECKING:
    import contextvars
    from collections.abc import AsyncIterator, Callable, Sequence

    import psycopg
    from psycopg_pool import AsyncConnectionPool

__all__ = ["AsyncPostgresDatabase", "PsycopgAsyncConnection"]

if TYPE_CHECKING:
    PsycopgAsyncConnection: TypeAlias = psycopg.AsyncConnection[Any]
else:
    # psycopg is optional and imported late: at run time the alias is `object`,
    # so that `typing.get_type_hints` resolves annotations that name it.
    PsycopgAsyncConnection = object


async def _outcome(cursor: psycopg.AsyncCursor[Any], most: int) -> Outcome:
    """Up to `most` rows of an executed cursor (-1: all; none for a statement without rows)."""
    if cursor.description is None or most == 0:
        return [], cursor.rowcount
    if most == 1:
        row = await cursor.fetchone()
        return ([] if row is None else [row]), cursor.rowcount
    return await cursor.fetchall(), cursor.rowcount


@contextlib.asynccontextmanager
async def _atomic(conn: Any) -> AsyncIterator[None]:  # noqa: ANN401 - a psycopg connection
    """An atomic block on a connection the database does not own outright (see the sync one).

    In autocommit mode with no transaction open, a transaction of its own;
    else a savepoint in the open transaction, which commits nothing.
    """
    if owns_block(conn):
        async with conn.transaction():
            yield
        return
    await conn.execute(OPEN_SAVEPOINT)
    try:
        yield
    except BaseException:
        if not conn.broken:
            with contextlib.suppress(psycopg_module().Error):
                for undo in UNDO_SAVEPOINT:
                    await conn.execute(undo)
        raise
    await conn.execute(RELEASE_SAVEPOINT)


# Held while a database binds itself to the loop of its first call.
_BINDING = threading.Lock()


def _other_loop(bound: asyncio.AbstractEventLoop) -> str:
    """Why a database refuses a call from an event loop that is not its own."""
    state = "closed" if bound.is_closed() else "running" if bound.is_running() else "stopped"
    return (
        "this AsyncPostgresDatabase belongs to another event loop (the one its pool opened"
        f" or its first call ran in, now {state}); its connections and tasks cannot serve"
        " this loop: make one database per event loop (in tests, one per test loop), or"
        " run the call on the database's loop"
    )


@contextlib.asynccontextmanager
async def _callers_tenant(conn: psycopg.AsyncConnection[Any], tenant: str) -> AsyncIterator[None]:
    """The caller's open transaction runs as `tenant` for the block, then as before.

    The async twin of the sync database's `_callers_tenant`.
    """
    row = await (await conn.execute(SWAP_TENANT, (tenant,))).fetchone()
    prior = row[0] if row else None
    try:
        yield
    except BaseException:
        back = restore_needed(conn, prior, tenant)
        if back is not None and not conn.broken:
            with contextlib.suppress(psycopg_module().Error):  # the block's error comes first
                await conn.execute(SET_TENANT, (back,))
        raise
    back = restore_needed(conn, prior, tenant)
    if back is not None:
        await conn.execute(SET_TENANT, (back,))


class AsyncPostgresDatabase(PostgresBase, TenantHandles, ForkSafe):
    """A PostgreSQL database for the async adapters: psycopg 3's `AsyncConnectionPool`.

    The twin of [PostgresDatabase][clubrules.storage.postgres.PostgresDatabase]
    for an event loop (FastAPI, Starlette, Litestar, plain asyncio). Every
    `AsyncPostgres...` adapter takes one. Its statements never block the
    loop: while one task waits on the database, the loop runs others. The
    tables, constraints and guarantees are the sync adapters', so sync and
    async adapters on one database see and respect each other's rows.

    Make one per process and event loop, in your application's startup,
    and close it at shutdown. A database belongs to the loop its pool
    opened in (or its first call ran in): called from another loop (a
    second `asyncio.run`, a test's new loop, another thread's loop), it
    raises `StorageError` at once:

    ```text
    db = await AsyncPostgresDatabase.open("postgresql://clubrules@db.internal/club")
    ...
    await db.close()
    ```

    or `async with AsyncPostgresDatabase(url) as db: ...`, which opens and
    closes it. The pool keeps up to `pool_size` connections, each checked
    before use (`pool_check`), so it recovers by itself after a server
    restart. Migrations are not run from here: run
    `PostgresDatabase(url).migrate()` or `clubrules db migrate` at deploy
    time, before the app serves.

    A unit of work (`unit_of_work()`) belongs to the asyncio task that
    opened it: the adapters called from that task join it, other tasks get
    connections of their own. Run a unit's adapter calls one after another;
    a transaction is one sequence of statements, and tasks spawned inside
    the unit (`asyncio.gather`) must not share it.

    Fork-safe: in a process forked after the database was made, the
    parent's pool is set aside, never closed, and the child opens a new one
    in its own event loop at its first call. A `from_connection` or
    `from_pool` database cannot follow a fork: in the child it raises
    `StorageError` naming the fork.

    Driver errors arrive as clubrules errors, as for the sync database: a
    taken id is a `DuplicateError`; a serialization failure, deadlock, lost
    connection or a pool that stayed empty for `timeout` seconds a
    `RetryableStorageError`; a connection refused for its settings (a wrong
    password, an unknown role or database, `sslmode=bogus`) a
    `StorageConfigurationError`, raised when the pool opens, without
    waiting `timeout`, and logged once at ERROR. A task cancelled while it waits on the
    database rolls back what it had begun: a write lands whole or not at
    all.

    Args:
        url: A libpq connection URL or string.
        pool_size: The most pooled connections (1 to 10,000).
        pool_min_size: Connections the pool keeps open when idle (0 to
            `pool_size`).
        timeout: Seconds to wait for a pooled connection before giving up
            with `RetryableStorageError`.
        pool_check: Check each pooled connection before handing it out (one
            extra round trip).
        schema: The schema of the clubrules tables, as for `PostgresDatabase`.

    Raises:
        ValidationError: a size is not an int (rule `not_an_int`) or is out
            of range (`range`), the timeout is out of range, `pool_check`
            is not True or False (`not_a_bool`), `schema` is not a plain
            identifier, or `url` is not a str (rule `not_a_string`) or not
            a connection URL or string that libpq can parse, or holds a NUL
            or a lone surrogate (rule `conninfo`; the message never quotes
            the URL).
        StorageError: psycopg or psycopg_pool is not installed (the
            `postgres` extra).
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        pool_min_size: int = 1,
        timeout: float = 30.0,
        pool_check: bool = True,
        schema: str = DEFAULT_SCHEMA,
    ) -> None:
        settings = checked_pool_settings(
            url,
            pool_size=pool_size,
            pool_min_size=pool_min_size,
            timeout=timeout,
            pool_check=pool_check,
            least_pool=1,
        )
        self._setup(schema, timeout=settings.timeout, url=settings.url)
        try:
            from psycopg_pool import AsyncConnectionPool  # noqa: PLC0415 - optional dependency
        except ImportError as error:  # pragma: no cover - the test environment has the extra
            raise StorageError(
                "the async PostgreSQL adapters need psycopg_pool: pip install 'clubrules[postgres]'"
            ) from error
        make = settings.factory(
            AsyncConnectionPool,
            AsyncConnectionPool.check_connection,
            name="clubrules-async",
            configure=self._owned.remember_async,
            open=False,
        )
        # How the database makes its own pool again in a forked child (None: it made none).
        self._make_pool: Callable[[], AsyncConnectionPool[Any]] | None = make
        self._pool: AsyncConnectionPool[Any] | None = make()
        self._owns_pool = True
        self._opened: bool = False

    def _setup(self, schema: str, *, timeout: float, url: str = "") -> None:
        """The state every way of making a database shares (checked schema, no pool yet)."""
        self._start(schema, timeout=timeout, url=url)
        self._pool = None
        self._make_pool = None
        self._opened = True
        self._caller: psycopg.AsyncConnection[Any] | None = None
        # The event loop the database belongs to: the one its pool opened in,
        # or its first call ran in (None: neither yet).
        self._loop: asyncio.AbstractEventLoop | None = None
        # The open unit of work's connection, the task it belongs to, and its tenant.
        self._unit: contextvars.ContextVar[
            tuple[psycopg.AsyncConnection[Any], asyncio.Task[Any] | None, str] | None
        ] = unit_connection()

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        pool_size: int = 10,
        pool_min_size: int = 1,
        timeout: float = 30.0,
        pool_check: bool = True,
        schema: str = DEFAULT_SCHEMA,
    ) -> AsyncPostgresDatabase:
        """Make a database (arguments as for the constructor) and open its pool.

        Raises:
            ValidationError: an argument is out of range.
            RetryableStorageError: the pool could not open its first
                connections within `timeout` seconds.
            StorageConfigurationError: the connection was refused for its
                settings (a wrong password, an unknown role or database,
                refused `options`, an invalid libpq setting): no retry helps.
        """
        database = cls(
            url,
            pool_size=pool_size,
            pool_min_size=pool_min_size,
            timeout=timeout,
            pool_check=pool_check,
            schema=schema,
        )
        await database._open()
        return database

    @classmethod
    def from_pool(
        cls, pool: AsyncConnectionPool[Any], *, schema: str = DEFAULT_SCHEMA
    ) -> AsyncPostgresDatabase:
        """Use a `psycopg_pool.AsyncConnectionPool` that you configured, open and close.

        Its connections must be in autocommit mode (`kwargs={"autocommit": True}`);
        the adapters open their own transactions where they need them.

        Raises:
            ValidationError: `pool` is not an `AsyncConnectionPool`, or
                `schema` is not a plain identifier.
        """
        from psycopg_pool import AsyncConnectionPool  # noqa: PLC0415 - optional dependency

        require_driver(pool, AsyncConnectionPool, "pool", "not_a_pool")
        database = cls.__new__(cls)
        database._setup(schema, timeout=float(pool.timeout))  # noqa: SLF001 - a fresh instance
        database._pool = pool  # noqa: SLF001
        return database

    @classmethod
    def from_connection(
        cls, conn: psycopg.AsyncConnection[Any], *, schema: str = DEFAULT_SCHEMA
    ) -> AsyncPostgresDatabase:
        """Run the async adapters on a `psycopg.AsyncConnection` that your application owns.

        As `PostgresDatabase.from_connection`: the adapters use `conn` for every
        statement, inside whatever transaction is open on it, and never commit,
        roll back or close it; a write of several statements runs in a
        savepoint. On a connection in autocommit mode with no transaction open,
        each adapter call is a transaction of its own. Each call sets
        `clubrules.tenant` back to what your transaction held once it is
        done. Use it from one task at a time. Closing the returned database
        leaves `conn` open.

        Raises:
            ValidationError: `conn` is not a `psycopg.AsyncConnection`, or
                `schema` is not a plain identifier.
            StorageError: psycopg is not installed (the `postgres` extra).
        """
        require_driver(conn, psycopg_module().AsyncConnection, "conn", "not_a_connection")
        database = cls.__new__(cls)
        database._setup(schema, timeout=0.0)  # noqa: SLF001 - a fresh instance
        database._caller = conn  # noqa: SLF001
        return database

    async def _open(self) -> None:
        """Open the pool this database made, once (waiting for its first connections)."""
        self._check_loop()
        if self._opened:
            return
        pool = self._pool
        assert pool is not None  # noqa: S101 - a database that made its pool has one
        try:
            await self._first_contact()
            await pool.open(wait=True, timeout=self._timeout)
        except psycopg_module().Error as error:
            raise_translated(error)
        self._opened = True

    async def _first_contact(self) -> None:
        """Before the pool opens: one connection made directly, and closed.

        Opening the pool waits `timeout` seconds for its first connections,
        which it retries in the background: for nothing when they are
        refused for their settings. Made directly, the first connection
        says at once: a refusal for the settings raises (the pool stays
        unopened, and the next call tries again); a transient failure
        leaves the wait to the pool, as before.

        Raises:
            StorageConfigurationError: the connection was refused for its
                settings (logged once, at ERROR).
        """
        psycopg = psycopg_module()
        try:
            conn = await psycopg.AsyncConnection.connect(
                self._url, **first_contact_settings(self._url, self._timeout)
            )
        except psycopg.OperationalError as error:
            self._refusals.check(error)
            return
        await conn.close()
        self._refusals.connected()

    def _joined(self) -> psycopg.AsyncConnection[Any] | None:
        """The connection calls join: the caller's, or this task's open unit of work's.

        Raises:
            StorageError: the unit was opened through a handle of another tenant.
        """
        if self._caller is not None:
            return self._caller
        unit = self._unit.get()
        # A task spawned inside a unit inherits the context variable, not the unit.
        if unit is not None and unit[1] is asyncio.current_task():
            if unit[2] != self._tenant:
                raise other_tenant(unit[2], self._tenant)
            return unit[0]
        return None

    def _check_open(self) -> None:
        """Refuse a call on a closed database, or from another event loop than its own.

        Raises:
            StorageError: the database is closed, or belongs to another event loop.
        """
        if self._closed:
            raise StorageError(self._closed_why)
        self._check_loop()

    def _check_loop(self) -> None:
        """Bind the database to the running loop at its first call; refuse any other loop after.

        A pool's connections, locks and maintenance tasks belong to the loop
        it opened in: from another loop (a second `asyncio.run`, a test's
        new loop, another thread's loop) its calls would wait out `timeout`
        for connections that its stopped tasks never make, then ask for a
        retry that cannot help; from another thread they would race on its
        state. Refused at once instead, typed.

        Raises:
            StorageError: the running loop is not the database's.
        """
        running = asyncio.get_running_loop()
        bound = self._loop
        if bound is None:
            with _BINDING:  # two threads' first calls at once: one loop wins, the other is refused
                if self._loop is None:
                    self._loop = running
                bound = self._loop
        if bound is not running:
            raise StorageError(_other_loop(bound))

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """Borrow an async connection whose statements run as this handle's tenant.

        As `PostgresDatabase.connection`: outside a unit of work the block is
        a transaction of its own in which `clubrules.tenant` is set to the
        handle's tenant (`SET LOCAL`); inside a unit of work (of this task)
        it joins the unit's transaction; on a `from_connection` database it
        uses the caller's connection. psycopg errors become clubrules errors.

        Raises:
            RetryableStorageError: As `PostgresDatabase.connection`.
            StorageConfigurationError: As `PostgresDatabase.connection`.
            StorageError: the database is closed, belongs to another event
                loop, or a unit of work of another tenant is open in this task.
        """
        self._check_open()
        joined = self._joined()
        tenant = self._tenant
        if joined is not None and joined is not self._caller:
            yield joined
            return
        async with self._autocommit() as conn:
            try:
                if owns_block(conn):
                    async with conn.transaction():
                        await conn.execute(SET_TENANT, (tenant,))
                        yield conn
                    return
                async with _callers_tenant(conn, tenant):
                    yield conn
            except self._driver_error as error:
                raise_translated(error)

    @contextlib.asynccontextmanager
    async def _autocommit(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """An async connection in autocommit mode bound to no tenant (or the caller's)."""
        self._check_open()
        try:
            if self._caller is not None:
                yield self._caller
                return
            if not self._opened:
                await self._open()
            pool = self._pool
            assert pool is not None  # noqa: S101 - not the caller's: a pooled database
            async with pool.connection(timeout=self._timeout) as conn:
                yield conn
        except self._driver_error as error:
            self._pool_failed(error)
            raise_translated(error)

    async def _execute(self, query: str, params: Sequence[object], most: int) -> Outcome:
        """One statement run as this handle's tenant: up to `most` rows (-1: all), its row count.

        In a unit of work the unit's transaction carries the tenant; on a
        pooled connection the setting and the statement go in one write
        (`run_direct_async`), or through a psycopg pipeline where that path
        does not apply or the server refused the round (for the driver's
        exception; the refused round left nothing).
        """
        self._check_open()
        joined = self._joined()
        if joined is not None and joined is not self._caller:
            try:
                return await _outcome(await joined.execute(query, params), most)
            except self._driver_error as error:
                raise_translated(error)
        pool = self._pool
        if self._caller is None and self._opened and pool is not None:
            return await self._execute_pooled(pool, query, params, most)
        async with self._autocommit() as conn:
            try:
                # A pooled connection: this task holds it alone, the one write can go.
                return await self._on(conn, query, params, most, direct=conn is not self._caller)
            except self._driver_error as error:
                raise_translated(error)

    async def _execute_pooled(
        self, pool: AsyncConnectionPool[Any], query: str, params: Sequence[object], most: int
    ) -> Outcome:
        """`_execute` on a connection of the open pool, outside a unit of work.

        Borrowed with `getconn` and given back with `putconn` rather than
        through `pool.connection()`, whose connection block (a commit of an
        autocommit connection, under its lock) and second context manager
        cost about a tenth of a short read; `putconn` checks the connection's
        state and drops a broken one all the same.
        """
        try:
            conn = await pool.getconn(timeout=self._timeout)
        except self._driver_error as error:
            self._pool_failed(error)
            raise_translated(error)
        try:
            return await self._on(conn, query, params, most, direct=True)
        except self._driver_error as error:
            raise_translated(error)
        finally:
            await pool.putconn(conn)

    async def _on(
        self,
        conn: psycopg.AsyncConnection[Any],
        query: str,
        params: Sequence[object],
        most: int,
        *,
        direct: bool,
    ) -> Outcome:
        """One statement on `conn` with the tenant set: as one write if `direct` allows it."""
        tenant = self._tenant
        if direct:
            outcome = await run_direct_async(conn, tenant, query, params, most=most)
            if outcome is not None:
                return outcome
        if conn is not self._caller:
            async with conn.pipeline():
                await conn.execute(SET_TENANT, (tenant,))
                cursor = await conn.execute(query, params)
            return await _outcome(cursor, most)
        # The caller's connection: the setting its transaction held is set back after.
        async with conn.pipeline():
            swap = await conn.execute(SWAP_TENANT, (tenant,))
            cursor = await conn.execute(query, params)
        outcome = await _outcome(cursor, most)
        row = await swap.fetchone()
        back = restore_needed(conn, row[0] if row else None, tenant)
        if back is not None:
            await conn.execute(SET_TENANT, (back,))
        return outcome

    async def _fetchall(self, query: str, params: Sequence[object] = ()) -> list[Any]:
        """One statement and all its rows: the adapters' reads."""
        return (await self._execute(query, params, -1))[0]

    async def _fetchone(self, query: str, params: Sequence[object]) -> Any:  # noqa: ANN401 - a row
        """One statement and its first row (None if none): the adapters' reads."""
        rows = (await self._execute(query, params, 1))[0]
        return rows[0] if rows else None

    async def _write(self, query: str, params: Sequence[object]) -> int:
        """One statement that returns no rows, on its own; the rows it changed."""
        return (await self._execute(query, params, 0))[1]

    def transaction(self) -> contextlib.AbstractAsyncContextManager[psycopg.AsyncConnection[Any]]:
        """A connection inside a transaction: the adapters' own atomic blocks (`unit_of_work`)."""
        return self.unit_of_work()

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """One transaction that every async adapter on this database joins, in this task.

        As `PostgresDatabase.unit_of_work`: the adapters called from the task
        that opened the block use its connection, and their writes commit
        together when the block ends, or roll back together if it raises (or the
        task is cancelled). Write your own rows through the connection the block
        gives you. A unit opened inside another, or on a `from_connection`
        database, is a savepoint and commits nothing.

        Raises:
            RetryableStorageError: As `PostgresDatabase.unit_of_work`.
            StorageConfigurationError: As `PostgresDatabase.unit_of_work`.
            CommitOutcomeUnknownError: As `PostgresDatabase.unit_of_work`.
            StorageError: a statement failed inside the block and the
                transaction was aborted, so nothing was stored; or the
                database is closed or belongs to another event loop.
        """
        self._check_open()
        joined = self._joined()
        if joined is not None:
            # On the caller's open transaction, a savepoint whose end sets the
            # caller's tenant setting back; else a transaction of its own.
            keep = joined is self._caller and not owns_block(joined)
            try:
                async with _atomic(joined):
                    if keep:
                        async with _callers_tenant(joined, self._tenant):
                            yield joined
                    else:
                        if joined is self._caller:
                            await joined.execute(SET_TENANT, (self._tenant,))
                        yield joined
            except self._driver_error as error:
                raise_translated(error)
            return
        async with self._autocommit() as conn:
            unit = (conn, asyncio.current_task(), self._tenant)
            with self._own_unit(conn, (self._unit, unit)) as end:
                async with conn.transaction():
                    await conn.execute(SET_TENANT, (self._tenant,))
                    with end.block():
                        yield conn

    def _owns_transaction(self) -> bool:
        """Whether `unit_of_work()` would begin and commit a transaction of its own."""
        if self._caller is not None:
            return owns_block(self._caller)
        return self._joined() is None

    def _after_fork(self, parent: int) -> None:
        """In a forked child: set the parent's pool or connection aside, unclosed.

        Runs in the child's only thread, before any other of its code (see
        `clubrules.storage._fork`). The database's own pool is made again,
        unopened: it opens on the first call, in the child's event loop. The
        caller's pool or connection cannot be, so the database refuses
        every call instead. The sockets of the connections its own pool
        opened are cut off first (`cut_off`): when this process ends,
        freeing them sends nothing to the parent's sessions.
        """
        if self._owns_pool:
            self._owned.cut_off_all()
        set_aside(self._pool)
        set_aside(self._caller)
        self._unit = unit_connection()
        self._loop = None  # the child's calls run in its own event loop
        if self._closed:
            return
        if self._caller is not None:
            what = "the caller's psycopg connection"
        elif self._make_pool is None:
            what = "the caller's psycopg_pool pool, whose tasks stayed in the parent"
        else:
            self._pool = self._make_pool()
            self._opened = False
            return
        self._refuse_after_fork(what, parent)

    async def schema_version(self) -> int:
        """The schema version of the clubrules tables in this database's schema (0 if none).

        The recorded history is checked against the shipped migrations, as
        the sync database checks it.

        Raises:
            MigrationError: the database is newer than this clubrules, or
                its history does not match the shipped migrations.
            StorageError: the database is closed or belongs to another event loop.
        """
        prefix = self._prefix
        found = await self._fetchone("SELECT to_regclass(%s)", (f"{prefix}schema_version",))
        rows: list[Any] = []
        if found is not None and found[0] is not None:
            rows = await self._fetchall(
                f"SELECT version, name, checksum FROM {prefix}schema_version"  # noqa: S608
                " ORDER BY version"
            )
        return check_history("postgres", rows)

    async def close(self) -> None:
        """Close the pool if this database made it; a closed database refuses every call.

        A `from_pool` or `from_connection` database leaves the pool or
        connection open. Calls in flight end with `StorageError` (the
        database is closed) at their next statement or wait for a
        connection; a unit of work they had begun rolls back. Awaited in
        another event loop than the database's, the pool is closed in its
        own loop if that loop still runs (in another thread); if it has
        stopped, its connections are closed at once.
        """
        self._closed = True
        self._caller = None
        pool = self._pool
        if pool is None or not self._owns_pool or not self._opened:
            return
        bound = self._loop
        if bound is None or bound is asyncio.get_running_loop():
            await pool.close()
            return
        if bound.is_running():  # another thread's loop: the pool's tasks run there
            closing = asyncio.run_coroutine_threadsafe(pool.close(), bound)
            with contextlib.suppress(TimeoutError):  # that loop stopped before it closed the pool
                await asyncio.wait_for(asyncio.wrap_future(closing), self._timeout)
                return
        # Its loop stopped: nothing of the pool runs any more, but its sockets are open.
        self._owned.finish_all()

    async def __aenter__(self) -> Self:
        await self._open()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        mode = "the caller's connection" if self._pool is None else "pooled"
        return self._described("AsyncPostgresDatabase", mode)
