"""The PostgreSQL database behind the PostgreSQL adapters: connections, pooling, typed errors.

psycopg is imported only when a database is opened, so that `clubrules`
imports without the `postgres` extra.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, TypeAlias

from clubrules.errors import (
    StorageError,
    ValidationError,
)
from clubrules.storage.postgres._errors import psycopg_module, translate, translated
from clubrules.storage.postgres._migrate import migrate_postgres_connection, postgres_schema_version
from clubrules.storage.sql._database import SQLDatabase

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import psycopg
    from psycopg_pool import ConnectionPool


__all__ = ["PostgresDatabase", "PsycopgConnection"]

if TYPE_CHECKING:
    PsycopgConnection: TypeAlias = psycopg.Connection[Any]
else:
    # psycopg is optional and imported late: at run time the alias is `object`,
    # so that `typing.get_type_hints` resolves annotations that name it.
    PsycopgConnection = object


class PostgresDatabase(SQLDatabase[PsycopgConnection]):
    """A PostgreSQL database used by the PostgreSQL adapters: psycopg 3, optional pooling.

    Every adapter in `clubrules.storage.postgres` takes one of these. With
    the default `pool_size=0` the database keeps one connection, shared by
    threads one call at a time and reopened after it breaks: right for a
    script or a single worker. With `pool_size=N` it opens a
    `psycopg_pool.ConnectionPool` of up to N connections, each checked
    before use, so the pool recovers by itself after a server restart. An
    integrator's own pool can be used through
    [from_pool][clubrules.storage.postgres.PostgresDatabase.from_pool].

    Tables live in the schema `clubrules`; create it with
    [migrate][clubrules.storage.postgres.PostgresDatabase.migrate]. Driver
    errors arrive as clubrules errors: a taken id is a `DuplicateError`, a
    serialization failure, deadlock or lost connection a
    `RetryableStorageError`.

    Args:
        url: A libpq connection URL or string, such as
            `postgresql://clubrules@db.internal/club`. A password belongs in
            `~/.pgpass` or `PGPASSWORD` rather than in the URL.
        pool_size: 0 for one shared connection, else the most pooled
            connections.
        pool_min_size: Connections the pool keeps open when idle (at most
            `pool_size`).
        timeout: Seconds to wait for a pooled connection before giving up
            with `RetryableStorageError`.
        pool_check: Check each pooled connection before handing it out (one
            extra round trip), so that connections broken by a server
            restart are replaced unseen. When False, a broken connection
            surfaces once as `RetryableStorageError` and is then replaced.

    Raises:
        ValidationError: a size or the timeout is out of range.
        StorageError: psycopg is not installed (the `postgres` extra).
    """

    _migrate_connection = staticmethod(migrate_postgres_connection)
    _schema_version_of = staticmethod(postgres_schema_version)

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 0,
        pool_min_size: int = 1,
        timeout: float = 30.0,
        pool_check: bool = True,
    ) -> None:
        size: object = pool_size
        if isinstance(size, bool) or not (isinstance(size, int) and size >= 0):
            raise ValidationError("must be 0 or more", field="pool_size", rule="range")
        if not timeout > 0:
            raise ValidationError("must be more than 0 seconds", field="timeout", rule="range")
        self._driver_error: type[Exception] = psycopg_module().Error
        self._url = url
        self._timeout = float(timeout)
        # Reentrant: a nested call from the same thread shares the one connection.
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[Any] | None = None
        self._pool: ConnectionPool[Any] | None = None
        self._owns_pool = False
        self._closed = False
        if pool_size:
            from psycopg_pool import ConnectionPool  # noqa: PLC0415 - optional dependency

            self._pool = ConnectionPool(
                url,
                min_size=max(0, min(pool_min_size, pool_size)),
                max_size=pool_size,
                kwargs={"autocommit": True},
                timeout=self._timeout,
                check=ConnectionPool.check_connection if pool_check else None,
                name="clubrules",
                open=True,
            )
            self._owns_pool = True

    @classmethod
    def from_pool(cls, pool: ConnectionPool[Any]) -> PostgresDatabase:
        """Use an open `psycopg_pool.ConnectionPool` that you configured and will close.

        Its connections must be in autocommit mode (`kwargs={"autocommit": True}`);
        the adapters open their own transactions where they need them.
        """
        database = cls.__new__(cls)
        database._driver_error = psycopg_module().Error  # noqa: SLF001 - filling in a fresh instance
        database._url = ""  # noqa: SLF001
        database._timeout = float(pool.timeout)  # noqa: SLF001
        database._lock = threading.RLock()  # noqa: SLF001
        database._conn = None  # noqa: SLF001
        database._pool = pool  # noqa: SLF001
        database._owns_pool = False  # noqa: SLF001
        database._closed = False  # noqa: SLF001
        return database

    @property
    def pooled(self) -> bool:
        """Whether connections come from a pool."""
        return self._pool is not None

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """Borrow a connection in autocommit mode; psycopg errors become clubrules errors.

        Raises:
            RetryableStorageError: no connection could be had (server down,
                pool exhausted for `timeout`), or it broke during the block.
            StorageError: the database is closed.
        """
        if self._closed:
            raise StorageError("the PostgreSQL database is closed")
        with translated():
            if self._pool is not None:
                with self._pool.connection(timeout=self._timeout) as conn:
                    yield conn
                return
            with self._lock:
                yield self._the_connection()

    def _the_connection(self) -> psycopg.Connection[Any]:
        """The one connection of an unpooled database, reopened if it broke (under `_lock`)."""
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                conn.close()
            conn = self._conn = psycopg_module().connect(self._url, autocommit=True)
        return conn

    def _read(self, query: str, params: Sequence[object], *, one: bool) -> Any:  # noqa: ANN401
        """One statement and its rows (`fetchone()` if `one`, else `fetchall()`).

        `connection()` without its two generator-based context managers, for
        the adapters' reads: psycopg errors are translated the same way.
        """
        if self._closed:
            raise StorageError("the PostgreSQL database is closed")
        try:
            if self._pool is not None:
                with self._pool.connection(timeout=self._timeout) as conn:
                    cursor = conn.execute(query, params)
                    return cursor.fetchone() if one else cursor.fetchall()
            with self._lock:
                cursor = self._the_connection().execute(query, params)
                return cursor.fetchone() if one else cursor.fetchall()
        except self._driver_error as error:
            raise translate(error, migration=False) from error

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """Borrow a connection inside a transaction: committed on success, else rolled back."""
        with self.connection() as conn, conn.transaction():
            yield conn

    def close(self) -> None:
        """Close the connection, or the pool if this database opened it."""
        self._closed = True
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        if self._pool is not None and self._owns_pool:
            self._pool.close()

    def __repr__(self) -> str:
        mode = "pooled" if self._pool is not None else "single connection"
        state = "closed" if self._closed else "open"
        return f"PostgresDatabase({mode}, {state})"
