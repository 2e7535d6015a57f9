"""The SQLite database behind the SQLite adapters: connections, transactions, typed errors."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any, NoReturn

from clubrules.errors import (
    DuplicateError,
    MigrationError,
    RetryableStorageError,
    StorageError,
    ValidationError,
)
from clubrules.storage.sql._database import SQLDatabase
from clubrules.storage.sqlite._migrate import migrate_sqlite_connection, sqlite_schema_version

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from contextlib import AbstractContextManager
    from types import TracebackType


__all__ = ["SQLiteDatabase", "raise_translated"]

_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_UNIQUE_EXTENDED = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
_MEMORY = ":memory:"


class _Lent:
    """`SQLiteDatabase.connection()`: a pooled connection for the length of a `with` block.

    A class rather than a generator-based context manager: every adapter
    call goes through it, and this is about a microsecond cheaper.
    """

    __slots__ = ("_conn", "_db")

    def __init__(self, db: SQLiteDatabase) -> None:
        self._db = db
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        self._conn = self._db._borrow()  # noqa: SLF001 - the pool's own helper
        return self._conn

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _trace: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._db._give_back(conn)  # noqa: SLF001 - the pool's own helper
        if isinstance(error, sqlite3.Error):
            raise_translated(error)


def raise_translated(error: sqlite3.Error) -> NoReturn:
    """Raise the clubrules error that stands for a `sqlite3` error.

    Messages name the SQLite error code, never a value from the row.
    """
    code = getattr(error, "sqlite_errorcode", 0)
    name = getattr(error, "sqlite_errorname", type(error).__name__)
    if code & 0xFF in _BUSY:
        raise RetryableStorageError(
            f"the SQLite database is locked by another connection or process ({name}); "
            "nothing was written, retry"
        ) from error
    if code in _UNIQUE_EXTENDED:
        raise DuplicateError(f"an identifier is already stored ({name})") from error
    if "no such table" in str(error):
        raise MigrationError(
            "the SQLite database has no clubrules schema yet: run "
            "SQLiteDatabase.migrate() or `clubrules db migrate --url sqlite:///...`"
        ) from error
    # SQLite's own message names tables, columns and rules, never a bound value.
    raise StorageError(f"SQLite failed ({name}): {error}") from error


class SQLiteDatabase(SQLDatabase[sqlite3.Connection]):
    """A SQLite database file used by the SQLite adapters: WAL, pooled connections, typed errors.

    Every adapter in `clubrules.storage.sqlite` takes one of these. Each
    connection runs in WAL mode (readers never block the writer), with
    `secure_delete` on (deleted rows, such as a destroyed data key, are
    overwritten) and `synchronous=FULL` (a committed write survives a power
    cut). Connections are pooled, so threads can share one `SQLiteDatabase`;
    another process may open the same file. A write that cannot take the
    lock within `timeout` raises `RetryableStorageError`.

    `":memory:"` gives a private in-memory database with a single
    connection, for tests. Create the schema with
    [migrate][clubrules.storage.sqlite.SQLiteDatabase.migrate] before use,
    and [close][clubrules.storage.sqlite.SQLiteDatabase.close] the database
    when done (or use it as a context manager).

    Args:
        path: The database file (created if missing), or `":memory:"`.
        timeout: Seconds to wait for a lock held by another connection
            before giving up with `RetryableStorageError`.
        max_connections: The most connections open at once (1 for memory).

    Raises:
        ValidationError: `timeout` or `max_connections` is out of range.

    Examples:
        >>> with SQLiteDatabase(":memory:") as db:
        ...     db.migrate().version >= 1
        True
    """

    _migrate_connection = staticmethod(migrate_sqlite_connection)
    _schema_version_of = staticmethod(sqlite_schema_version)

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 5.0,
        max_connections: int = 8,
    ) -> None:
        if not timeout >= 0:
            raise ValidationError("must be 0 or more seconds", field="timeout", rule="range")
        size: object = max_connections
        if isinstance(size, bool) or not (isinstance(size, int) and size >= 1):
            raise ValidationError("must be at least 1", field="max_connections", rule="range")
        self._path = os.fspath(path)
        self._memory = self._path == _MEMORY
        self._timeout = float(timeout)
        self._max = 1 if self._memory else max_connections
        # `_lock` guards the pool's whole state: the idle connections, how many
        # are open (lent or idle), the closed flag, and how many borrowers are
        # asleep on `_freed` waiting for a give-back.
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._idle: list[sqlite3.Connection] = []
        self._opened = 0
        self._waiting = 0
        self._closed = False

    @property
    def path(self) -> str:
        """The database file, or `":memory:"`."""
        return self._path

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._use_wal(conn)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        """Switch `conn` to WAL, waiting up to `timeout` while another opener holds the file.

        SQLite may refuse the switch at once (SQLITE_BUSY) without its busy
        handler when several connections open a new file together.
        """
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as error:
                busy = getattr(error, "sqlite_errorcode", 0) & 0xFF in _BUSY
                if not busy or time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)
            else:
                return

    def connection(self) -> AbstractContextManager[sqlite3.Connection]:
        """Borrow a connection in autocommit mode, for one statement or a read.

        `sqlite3` errors raised inside the block become clubrules errors
        (`RetryableStorageError` for a lock, `DuplicateError` for a taken
        key, `MigrationError` for a missing schema, else `StorageError`).

        Raises:
            RetryableStorageError: every connection stayed busy for `timeout`.
            StorageError: the database is closed.
        """
        return _Lent(self)

    def _borrow(self) -> sqlite3.Connection:
        """An idle connection, a new one if the pool may grow, else wait for a give-back."""
        with self._lock:
            deadline: float | None = None
            while True:
                if self._closed:
                    raise StorageError("the SQLite database is closed")
                if self._idle:
                    return self._idle.pop()
                if self._opened < self._max:
                    self._opened += 1
                    break
                if deadline is None:
                    deadline = time.monotonic() + max(self._timeout, 0.05)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RetryableStorageError(
                        f"all {self._max} SQLite connections stayed busy; retry"
                    )
                self._waiting += 1
                try:
                    self._freed.wait(left)
                finally:
                    self._waiting -= 1
        try:
            return self._open()
        except BaseException as error:
            with self._lock:
                self._opened -= 1
                if self._waiting:
                    self._freed.notify()
            if isinstance(error, sqlite3.Error):
                raise_translated(error)
            raise

    def _give_back(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:  # an interrupted block: never hand out an open transaction
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                if self._waiting:
                    self._freed.notify()
                return
            self._opened -= 1
        conn.close()  # the pool was closed while `conn` was lent

    def _read(self, query: str, params: Sequence[object], *, one: bool) -> Any:  # noqa: ANN401
        """`connection()`, one statement and its rows, in one frame: the adapters' reads."""
        conn = self._borrow()
        try:
            cursor = conn.execute(query, params)
            return cursor.fetchone() if one else cursor.fetchall()
        except sqlite3.Error as error:
            raise_translated(error)
        finally:
            self._give_back(conn)

    @contextlib.contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """Borrow a connection inside a transaction: committed on success, else rolled back.

        Args:
            immediate: Take the write lock at the start (`BEGIN IMMEDIATE`),
                so that a check and the write that depends on it are atomic.
                False starts a deferred, read-only snapshot.
        """
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close every idle connection; connections in use close when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._opened -= len(idle)
            self._freed.notify_all()
        for conn in idle:
            conn.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"SQLiteDatabase({self._path!r}, {state})"
