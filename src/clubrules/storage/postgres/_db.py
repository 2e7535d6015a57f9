"""The PostgreSQL database behind the PostgreSQL adapters: connections, pooling, typed errors.

psycopg is imported only when a database is opened, so that `clubrules`
imports without the `postgres` extra.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, TypeAlias

from clubrules.errors import StorageError
from clubrules.storage._fork import (
    cut_off,
    set_aside,
)
from clubrules.storage.postgres._base import (
    PostgresBase,
    checked_pool_settings,
    require_driver,
)
from clubrules.storage.postgres._direct import Outcome, run_direct
from clubrules.storage.postgres._errors import (
    first_contact_settings,
    psycopg_module,
    raise_for,
    raise_translated,
    translated,
)
from clubrules.storage.postgres._migrate import (
    DEFAULT_SCHEMA,
    migrate_postgres_connection,
    postgres_schema_version,
    schema_prefix,
)
from clubrules.storage.postgres._transactions import (
    OPEN_SAVEPOINT,
    RELEASE_SAVEPOINT,
    SET_TENANT,
    SWAP_TENANT,
    UNDO_SAVEPOINT,
    owns_block,
    restore_needed,
    unit_connection,
    unit_tenant,
)
from clubrules.storage.sql._database import SQLDatabase
from clubrules.storage.sql._migrations import MigrationResult  # noqa: TC001 - get_type_hints

if TYPE_CHECKING:
    import contextvars
    from collections.abc import Callable, Iterator, Sequence

    import psycopg
    from psycopg_pool import ConnectionPool


__all__ = ["PostgresDatabase", "PsycopgConnection"]

if TYPE_CHECKING:
    PsycopgConnection: TypeAlias = psycopg.Connection[Any]
else:
    # psycopg is optional and imported late: at run time the alias is `object`,
    # so that `typing.get_type_hints` resolves annotations that name it.
    PsycopgConnection = object


@contextlib.contextmanager
def _atomic(conn: Any) -> Iterator[None]:  # noqa: ANN401 - a psycopg connection
    """An atomic block on a connection that the database does not own outright.

    In autocommit mode with no transaction open, a transaction of its own;
    else a savepoint in the open transaction (psycopg begins one first on a
    connection that is not in autocommit mode), which commits nothing.
    """
    if owns_block(conn):
        with conn.transaction():
            yield
        return
    conn.execute(OPEN_SAVEPOINT)
    try:
        yield
    except BaseException:
        if not conn.broken:
            with contextlib.suppress(psycopg_module().Error):
                for undo in UNDO_SAVEPOINT:
                    conn.execute(undo)
        raise
    conn.execute(RELEASE_SAVEPOINT)


def _as_tenant(
    conn: psycopg.Connection[Any], tenant: str, query: str, params: Sequence[object]
) -> psycopg.Cursor[Any]:
    """One statement run as `tenant`, in one round trip.

    In pipeline mode the setting and the statement reach the server before
    one Sync, so they run in one transaction (the implicit one of an
    autocommit connection, or the caller's open one), and `SET LOCAL`
    reaches the statement without a BEGIN and COMMIT of its own.
    """
    with conn.pipeline():
        conn.execute(SET_TENANT, (tenant,))
        return conn.execute(query, params)


@contextlib.contextmanager
def _callers_tenant(conn: psycopg.Connection[Any], tenant: str) -> Iterator[None]:
    """The caller's open transaction runs as `tenant` for the block, then as before.

    The setting the caller's transaction held (its own tenant, or none) is
    set back when the block ends, unless the transaction ended or was
    aborted (see `restore_needed`): the caller's next statements never run
    as the library's tenant.
    """
    row = conn.execute(SWAP_TENANT, (tenant,)).fetchone()
    prior = row[0] if row else None
    try:
        yield
    except BaseException:
        back = restore_needed(conn, prior, tenant)
        if back is not None and not conn.broken:
            with contextlib.suppress(psycopg_module().Error):  # the block's error comes first
                conn.execute(SET_TENANT, (back,))
        raise
    back = restore_needed(conn, prior, tenant)
    if back is not None:
        conn.execute(SET_TENANT, (back,))


def _outcome(cursor: psycopg.Cursor[Any], most: int) -> Outcome:
    """Up to `most` rows of an executed cursor (-1: all; none for a statement without rows)."""
    if cursor.description is None or most == 0:
        return [], cursor.rowcount
    if most == 1:
        row = cursor.fetchone()
        return ([] if row is None else [row]), cursor.rowcount
    return cursor.fetchall(), cursor.rowcount


def _on_callers(
    conn: psycopg.Connection[Any], tenant: str, query: str, params: Sequence[object], most: int
) -> Outcome:
    """One statement as `tenant` on the caller's connection, in one round trip.

    As `_as_tenant`, with the setting the caller's transaction held set back
    afterwards (a second round trip, only when it held another tenant or
    none and the transaction stays open: see `restore_needed`).
    """
    with conn.pipeline():
        swap = conn.execute(SWAP_TENANT, (tenant,))
        cursor = conn.execute(query, params)
    outcome = _outcome(cursor, most)
    row = swap.fetchone()
    back = restore_needed(conn, row[0] if row else None, tenant)
    if back is not None:
        conn.execute(SET_TENANT, (back,))
    return outcome


def _lone(
    conn: psycopg.Connection[Any], tenant: str, query: str, params: Sequence[object], most: int
) -> Outcome:
    """One statement as `tenant` on a connection that no one else holds, in one round trip.

    The direct path (`_direct.run`) where it applies, a psycopg pipeline
    otherwise, or again through psycopg after the server refused it (for the
    driver's exception and its diagnostics; the refused try left nothing).
    """
    outcome = run_direct(conn, tenant, query, params, most=most)
    if outcome is None:
        outcome = _outcome(_as_tenant(conn, tenant, query, params), most)
    return outcome


class _PoolAfterFork:
    """The pool of a database in a forked child: made and opened at its first use.

    Made in the child, so that its worker threads exist; first used, so that
    a child that never touches the database (or a `subprocess` fork) opens
    no connection.
    """

    __slots__ = ("_lock", "_make", "_pool")

    def __init__(self, make: Callable[[], ConnectionPool[Any]]) -> None:
        self._make = make
        self._pool: ConnectionPool[Any] | None = None
        self._lock = threading.Lock()

    def _made(self) -> ConnectionPool[Any]:
        with self._lock:
            if self._pool is None:
                self._pool = self._make()
            return self._pool

    def connection(self, timeout: float) -> contextlib.AbstractContextManager[Any]:
        """A connection of the child's pool (as `ConnectionPool.connection`)."""
        return self._made().connection(timeout=timeout)

    def close(self) -> None:
        """Close the child's pool, if it was made."""
        with self._lock:
            pool = self._pool
        if pool is not None:
            pool.close()


class PostgresDatabase(PostgresBase, SQLDatabase[PsycopgConnection]):
    """A PostgreSQL database used by the PostgreSQL adapters: psycopg 3, optional pooling.

    Every adapter in `clubrules.storage.postgres` takes one of these. With
    the default `pool_size=0` the database keeps one connection, shared by
    threads one call at a time and reopened after it breaks: right for a
    script or a single worker. With `pool_size=N` it opens a
    `psycopg_pool.ConnectionPool` of up to N connections, each checked
    before use, so the pool recovers by itself after a server restart. An
    integrator's own pool can be used through
    [from_pool][clubrules.storage.postgres.PostgresDatabase.from_pool].

    Fork-safe: in a process forked after the database was made (a
    pre-forking server's worker), the parent's connection or pool is set
    aside, never closed (that would end the parent's session), and the
    child opens its own connection or pool at its first call. A
    `from_connection` or `from_pool` database cannot follow a fork: in the
    child it raises `StorageError` naming the fork. Fork outside the
    database's `with` blocks.

    Tables live in the schema `schema` (`clubrules` unless told otherwise),
    which keeps them apart from an application's own tables in `public`;
    every statement names that schema, so none depends on the connection's
    `search_path`. Two databases on different schemas of one PostgreSQL
    database hold independent data. Create the schema and its tables with
    [migrate][clubrules.storage.postgres.PostgresDatabase.migrate]. Driver
    errors arrive as clubrules errors: a taken id is a `DuplicateError`, a
    serialization failure, deadlock or lost connection a
    `RetryableStorageError`, a connection refused for its settings (a wrong
    password, an unknown role or database, `sslmode=bogus`) a
    `StorageConfigurationError`, raised at the first call and logged once
    at ERROR; with a pool, without waiting its `timeout` (see the storage
    reference: which connection failures retry).

    Args:
        url: A libpq connection URL or string, such as
            `postgresql://clubrules@db.internal/club`. A password belongs in
            `~/.pgpass` or `PGPASSWORD` rather than in the URL.
        pool_size: 0 for one shared connection, else the most pooled
            connections (at most 10,000).
        pool_min_size: Connections the pool keeps open when idle (0 to
            `pool_size`; ignored without a pool).
        timeout: Seconds to wait for a pooled connection before giving up
            with `RetryableStorageError`.
        pool_check: Check each pooled connection before handing it out (one
            extra round trip), so that connections broken by a server
            restart are replaced unseen. When False, a broken connection
            surfaces once as `RetryableStorageError` and is then replaced.
        schema: The schema of the clubrules tables: a lower-case SQL
            identifier (letters, digits and underscores).

    Raises:
        ValidationError: a size is not an int (rule `not_an_int`) or is out
            of range (`range`), the timeout is out of range, `pool_check`
            is not True or False (`not_a_bool`), or `schema` is not a plain
            identifier (rule `identifier`) or one PostgreSQL reserves
            (`reserved`), or `url` is not a str (rule `not_a_string`) or
            not a connection URL or string that libpq can parse, or holds
            a NUL or a lone surrogate (rule `conninfo`; the message never
            quotes the URL).
        StorageError: psycopg is not installed (the `postgres` extra).
    """

    _migrate_connection = staticmethod(migrate_postgres_connection)
    _schema_version_of = staticmethod(postgres_schema_version)

    def _setup(
        self,
        schema: str,
        *,
        timeout: float,
        url: str,
        pool: ConnectionPool[Any] | None,
        caller: psycopg.Connection[Any] | None,
    ) -> None:
        """The state every way of making a database starts from (its own pool made after)."""
        self._start(schema, timeout=timeout, url=url)
        # Reentrant: a nested call from the same thread shares the one connection.
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[Any] | None = None
        self._pool: ConnectionPool[Any] | _PoolAfterFork | None = pool
        # How the database makes its own pool again in a forked child (None: it made none).
        self._make_pool: Callable[[], ConnectionPool[Any]] | None = None
        self._caller: psycopg.Connection[Any] | None = caller
        # The connection of the unit of work open in this thread or task, if any.
        self._unit: contextvars.ContextVar[psycopg.Connection[Any] | None] = unit_connection()
        self._unit_tenant = unit_tenant()

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 0,
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
            least_pool=0,
        )
        self._setup(schema, timeout=settings.timeout, url=settings.url, pool=None, caller=None)
        # Whether a connection was ever opened (else a pooled call first makes contact itself).
        self._reached = False
        if pool_size:
            from psycopg_pool import ConnectionPool  # noqa: PLC0415 - optional dependency

            self._make_pool = settings.factory(
                ConnectionPool,
                ConnectionPool.check_connection,
                name="clubrules",
                configure=self._configured,
                open=True,
            )
            self._pool = self._make_pool()
            self._owns_pool = True

    @classmethod
    def from_pool(
        cls, pool: ConnectionPool[Any], *, schema: str = DEFAULT_SCHEMA
    ) -> PostgresDatabase:
        """Use an open `psycopg_pool.ConnectionPool` that you configured and will close.

        Its connections must be in autocommit mode (`kwargs={"autocommit": True}`);
        the adapters open their own transactions where they need them.
        `schema` is as for the constructor.

        Raises:
            ValidationError: `pool` is not a `psycopg_pool.ConnectionPool`, or
                `schema` is not a plain identifier.
        """
        from psycopg_pool import ConnectionPool  # noqa: PLC0415 - optional dependency

        require_driver(pool, ConnectionPool, "pool", "not_a_pool")
        return cls._lending(schema, timeout=float(pool.timeout), pool=pool, caller=None)

    @classmethod
    def from_connection(
        cls, conn: psycopg.Connection[Any], *, schema: str = DEFAULT_SCHEMA
    ) -> PostgresDatabase:
        """Run the adapters on a `psycopg.Connection` that your application owns.

        The adapters built on the returned database use `conn` for every
        statement, inside whatever transaction is open on it: they never
        commit, roll back or close it. A write that needs several
        statements runs in a savepoint, so a failure undoes that write
        alone. On a connection not in autocommit mode, psycopg begins a
        transaction at the first statement, which you commit or roll back;
        on one in autocommit mode with no transaction open (no
        `conn.transaction()` block), each adapter call is a transaction of
        its own.

        Any isolation level works, READ COMMITTED (the default) included:
        the exclusion constraint and the row locks on resources keep double
        bookings out, and the complaint streams and key swaps are guarded
        by unique keys and compare-and-swap statements. Under REPEATABLE
        READ or SERIALIZABLE, expect `RetryableStorageError` (serialization
        failures) when writers race; retry the whole transaction. A
        statement that fails aborts a PostgreSQL transaction: after a
        clubrules storage error other than the refusals raised by the
        library's own checks, roll back.

        Each call runs as the handle's tenant (`clubrules.tenant`, set in
        your transaction) and, once it returns or raises, sets that setting
        back to what your transaction held: your own SQL on the clubrules
        tables goes on running as the club you set, or as none.

        Use the connection from one thread at a time. Closing the returned
        database leaves `conn` open. The adapters name the tables of
        `schema` (as for the constructor) in every statement, whatever
        `search_path` your connection has.

        Raises:
            ValidationError: `conn` is not a `psycopg.Connection`, or
                `schema` is not a plain identifier.
            StorageError: psycopg is not installed (the `postgres` extra).
        """
        schema_prefix(schema)  # the schema is checked before the connection
        require_driver(conn, psycopg_module().Connection, "conn", "not_a_connection")
        return cls._lending(schema, timeout=0.0, pool=None, caller=conn)

    @classmethod
    def _lending(
        cls,
        schema: str,
        *,
        timeout: float,
        pool: ConnectionPool[Any] | None,
        caller: psycopg.Connection[Any] | None,
    ) -> PostgresDatabase:
        """A database on connections it does not own: the caller's pool or connection."""
        database = cls.__new__(cls)
        database._setup(schema, timeout=timeout, url="", pool=pool, caller=caller)  # noqa: SLF001 - a fresh instance
        database._reached = True  # noqa: SLF001 - the caller's connections: no first contact
        return database

    def migrate(self, *, to: int | None = None) -> MigrationResult:
        """Create or bring up to date the clubrules tables in this database's schema.

        See `clubrules.storage.migrations.migrate`; the schema is created
        if missing.
        """
        with self._autocommit() as conn:
            return migrate_postgres_connection(conn, to=to, schema=self._schema)

    def schema_version(self) -> int:
        """The schema version of the clubrules tables in this database's schema (0 if none)."""
        with self._autocommit() as conn:
            return postgres_schema_version(conn, schema=self._schema)

    @property
    def pooled(self) -> bool:
        """Whether connections come from a pool."""
        return self._pool is not None

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """Borrow a connection whose statements run as this handle's tenant.

        Outside a unit of work the block is a transaction of its own,
        committed when the block ends (rolled back if it raises), in which
        `clubrules.tenant` is set to the handle's tenant (`SET LOCAL`): the
        tables' row-level security then shows and accepts that tenant's rows
        only. Inside a unit of work the block joins the unit's transaction;
        on a `from_connection` database it uses the caller's connection
        (and, if no transaction is open there, a transaction of its own).
        psycopg errors become clubrules errors.

        Raises:
            RetryableStorageError: no connection could be had (server down,
                pool exhausted for `timeout`), or it broke during the block.
            StorageConfigurationError: the connection was refused for its
                settings (a wrong password, an unknown role or database,
                refused `options`, an invalid libpq setting): no retry helps.
            StorageError: the database is closed, or a unit of work of
                another tenant is open in this thread or task.
        """
        if self._closed:
            raise StorageError(self._closed_why)
        joined = self._joined()
        with translated():
            if joined is not None:
                if joined is self._caller:
                    if owns_block(joined):
                        with joined.transaction():
                            joined.execute(SET_TENANT, (self._tenant,))
                            yield joined
                        return
                    with _callers_tenant(joined, self._tenant):
                        yield joined
                    return
                yield joined
                return
            with self._autocommit() as conn, conn.transaction():
                conn.execute(SET_TENANT, (self._tenant,))
                yield conn

    @contextlib.contextmanager
    def _autocommit(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection in autocommit mode, bound to no tenant: for migrations and DDL."""
        if self._closed:
            raise StorageError(self._closed_why)
        with translated():
            if self._caller is not None:
                yield self._caller
                return
            if self._pool is not None:
                with self._pooled() as conn:
                    yield conn
                return
            with self._lock:
                yield self._the_connection()

    @contextlib.contextmanager
    def _pooled(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection from the pool; exhaustion is logged (psycopg errors pass untranslated)."""
        pool = self._pool
        assert pool is not None  # noqa: S101 - only called on a pooled database
        if not self._reached:
            self._first_contact()
        with contextlib.ExitStack() as stack:
            try:
                conn = stack.enter_context(pool.connection(timeout=self._timeout))
            except psycopg_module().OperationalError as error:
                self._pool_failed(error)
                raise
            yield conn

    def _the_connection(self) -> psycopg.Connection[Any]:
        """The one connection of an unpooled database, reopened if it broke (under `_lock`).

        Raises:
            StorageConfigurationError: the connection was refused for its
                settings (logged once, at ERROR).
        """
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                conn.close()
            psycopg = psycopg_module()
            try:
                conn = self._conn = psycopg.connect(self._url, autocommit=True)
            except psycopg.OperationalError as error:
                self._refusals.check(error)
                raise
            self._refusals.connected()
        return conn

    def _configured(self, conn: psycopg.Connection[Any]) -> None:
        """The own pool's `configure` callback: a connection was opened."""
        self._owned.remember(conn)
        self._reached = True
        self._refusals.connected()

    def _first_contact(self) -> None:
        """Before the own pool's first connection: open one directly, and close it.

        A pool retries a refused connection in the background, and its
        caller waits the whole `timeout` for nothing when the refusal is
        for the connection's settings. Made directly, the first connection
        says at once: a refusal for the settings raises (and the next call
        tries again), a transient failure leaves the wait to the pool, as
        before; after a success the pool is trusted from then on.

        Raises:
            StorageConfigurationError: the connection was refused for its
                settings (logged once, at ERROR).
        """
        psycopg = psycopg_module()
        with self._lock:
            if self._reached:
                return
            self._reached = True
            try:
                conn = psycopg.connect(
                    self._url, **first_contact_settings(self._url, self._timeout)
                )
            except psycopg.OperationalError as error:
                refusal = self._refusals.refused(error)
                if refusal is None:
                    return
                self._reached = False
                raise_for(refusal, error)
            conn.close()
            self._refusals.connected()

    def _execute(self, query: str, params: Sequence[object], most: int) -> Outcome:
        """One statement run as this handle's tenant: up to `most` rows (-1: all), its row count.

        `connection()` without its two generator-based context managers, for
        the adapters' one-statement calls: psycopg errors are translated the
        same way. In a unit of work the unit's transaction already carries the
        tenant; elsewhere the setting goes with the statement, in one round
        trip (`_lone`).
        """
        if self._closed:
            raise StorageError(self._closed_why)
        tenant = self._tenant
        try:
            joined = self._joined()
            if joined is not None and joined is not self._caller:
                return _outcome(joined.execute(query, params), most)
            if joined is not None:
                return _on_callers(joined, tenant, query, params, most)
            if self._pool is not None:
                if not self._reached:
                    self._first_contact()
                with self._pool.connection(timeout=self._timeout) as conn:
                    return _lone(conn, tenant, query, params, most)
            with self._lock:
                return _lone(self._the_connection(), tenant, query, params, most)
        except self._driver_error as error:
            self._pool_failed(error)
            raise_translated(error)

    def _read(self, query: str, params: Sequence[object], *, one: bool) -> Any:  # noqa: ANN401
        """One statement and its rows (the first row or None if `one`, else all of them)."""
        rows = self._execute(query, params, 1 if one else -1)[0]
        if one:
            return rows[0] if rows else None
        return rows

    def _write(self, query: str, params: Sequence[object]) -> None:
        """One statement that returns no rows, for the access log's appends."""
        self._execute(query, params, 0)

    def _changed(self, query: str, params: Sequence[object]) -> int:
        """One write statement, in one round trip: how many rows it changed."""
        return self._execute(query, params, 0)[1]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """Borrow a connection inside a transaction: committed on success, else rolled back.

        The adapters' own atomic blocks. Inside a unit of work, or on the
        caller's connection, the block joins the open transaction as a
        savepoint instead, and commits nothing.

        Raises:
            CommitOutcomeUnknownError: the connection failed during COMMIT.
        """
        with self.unit_of_work() as conn:
            yield conn

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction that every adapter built on this database joins.

        While the block runs, the adapters on this database, called from
        the same thread (or asyncio task), use the unit's connection: their
        writes commit together when the block ends, or roll back together
        if it raises, whatever it raises (a `SlotConflictError` reaches you
        unchanged, with its conflicts). Write your own rows through the
        connection the block gives you. A unit opened inside another, or on
        a `from_connection` database, is a savepoint in the open
        transaction and commits nothing. psycopg errors raised in the block
        arrive as clubrules errors, which do not chain the driver's error
        (its message can quote the row): `diagnostics` keeps its SQLSTATE
        and schema names.

        The transaction runs at the server's default isolation level (READ
        COMMITTED unless configured otherwise); the exclusion constraint
        and row locks keep double bookings out at any level.

        Raises:
            RetryableStorageError: a deadlock, serialization failure or lock
                timeout (everything was rolled back), or no connection.
            StorageConfigurationError: the connection was refused for its
                settings.
            CommitOutcomeUnknownError: the connection failed during COMMIT.
            StorageError: a statement failed inside the block and the
                transaction was aborted, so nothing was stored.
        """
        if self._closed:
            raise StorageError(self._closed_why)
        joined = self._joined()
        if joined is not None:
            # On the caller's open transaction, a savepoint whose end sets the
            # caller's tenant setting back; else a transaction of its own.
            keep = joined is self._caller and not owns_block(joined)
            with translated(), _atomic(joined):
                if keep:
                    with _callers_tenant(joined, self._tenant):
                        yield joined
                    return
                if joined is self._caller:
                    joined.execute(SET_TENANT, (self._tenant,))
                yield joined
            return
        with (
            self._autocommit() as conn,
            self._own_unit(conn, (self._unit, conn), (self._unit_tenant, self._tenant)) as end,
            conn.transaction(),
        ):
            conn.execute(SET_TENANT, (self._tenant,))
            with end.block():
                yield conn

    def _after_fork(self, parent: int) -> None:
        """In a forked child: set the parent's connection or pool aside, unclosed.

        Runs in the child's only thread, before any other of its code (see
        `clubrules.storage._fork`). Closing would send a Terminate message
        on the socket the parent still uses, and end its session. The
        database's own connection is reopened, and its own pool made again,
        at the next use; the caller's connection or pool cannot be, so the
        database refuses every call instead. The sockets of the connections
        the database opened itself are cut off first (`cut_off`): when this
        process ends, freeing them sends nothing to the parent's sessions.
        """
        cut_off(self._conn)
        if self._owns_pool:
            self._owned.cut_off_all()
        set_aside(self._conn)
        set_aside(self._pool)
        set_aside(self._caller)
        self._conn = None
        self._lock = threading.RLock()
        self._unit = unit_connection()
        self._unit_tenant = unit_tenant()
        if self._closed:
            return
        if self._caller is not None:
            what = "the caller's psycopg connection"
        elif self._pool is not None and not self._owns_pool:
            what = "the caller's psycopg_pool pool, whose threads stayed in the parent"
        else:
            if self._make_pool is not None:
                self._pool = _PoolAfterFork(self._make_pool)
            return
        self._refuse_after_fork(what, parent)

    def _owns_transaction(self) -> bool:
        """Whether `unit_of_work()` would begin and commit a transaction of its own."""
        if self._caller is not None:
            return owns_block(self._caller)
        return self._unit.get() is None

    def close(self) -> None:
        """Close the connection, or the pool if this database opened it.

        A `from_connection` database leaves the caller's connection open.
        """
        self._closed = True
        self._caller = None
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        if self._pool is not None and self._owns_pool:
            self._pool.close()

    def __repr__(self) -> str:
        mode = "pooled" if self._pool is not None else "single connection"
        if not self._url and self._pool is None:  # from_connection
            mode = "the caller's connection"
        return self._described("PostgresDatabase", mode)
