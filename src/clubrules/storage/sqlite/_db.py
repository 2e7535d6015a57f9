"""The SQLite database behind the SQLite adapters: connections, transactions, typed errors."""

from __future__ import annotations

import contextlib
import contextvars
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any, NoReturn

from clubrules._checks import (
    raise_clear_of,
    require_flag,
    require_path,
    require_seconds,
    require_size,
)
from clubrules.errors import (
    CommitOutcomeUnknownError,
    ConflictError,
    DuplicateError,
    ErasureNotFinalError,
    MigrationError,
    RetryableStorageError,
    StorageDiagnostics,
    StorageError,
    ValidationError,
)
from clubrules.storage._fork import forked_in_block, set_aside
from clubrules.storage._tenant import DEFAULT_TENANT
from clubrules.storage.sql._database import SQLDatabase
from clubrules.storage.sql._dialect import SQLITE_PREFIX
from clubrules.storage.sql._unit import SAVEPOINT, logger
from clubrules.storage.sqlite._migrate import migrate_sqlite_connection, sqlite_schema_version

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Sequence
    from contextlib import AbstractContextManager
    from types import TracebackType


__all__ = ["SQLiteDatabase", "raise_translated"]

_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_UNIQUE_EXTENDED = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
_MEMORY = ":memory:"
_CALLERS = "<the caller's connection>"
# `sqlite3.LEGACY_TRANSACTION_CONTROL` (Python 3.12+): `autocommit` left to `isolation_level`.
_LEGACY = getattr(sqlite3, "LEGACY_TRANSACTION_CONTROL", -1)
_FORKED_IN_BLOCK = forked_in_block("SQLite")


class _Block:
    """A `with` block on a connection: `_end` releases it, then `sqlite3` errors are translated.

    Classes rather than generator-based context managers: every adapter call
    goes through one, and this is about a microsecond cheaper.
    """

    __slots__ = ()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _trace: TracebackType | None,
    ) -> None:
        self._end(error)
        if isinstance(error, sqlite3.Error):
            raise_translated(error)

    def _end(self, error: BaseException | None) -> None:
        """Release what the block holds, knowing how it ended."""


class _Lent(_Block):
    """`SQLiteDatabase.connection()`: a pooled connection for the length of a `with` block."""

    __slots__ = ("_conn", "_db", "_pid")

    def __init__(self, db: SQLiteDatabase) -> None:
        self._db = db
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def __enter__(self) -> sqlite3.Connection:
        self._conn = self._db._borrow()  # noqa: SLF001 - the pool's own helper
        self._pid = self._db._pid  # noqa: SLF001
        return self._conn

    def _end(self, _error: BaseException | None) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._pid != self._db._pid:  # noqa: SLF001 - a child forked inside the block
            set_aside(conn)  # the parent's: never pooled, never closed here
            return
        self._db._give_back(conn)  # noqa: SLF001 - the pool's own helper


class _Joined(_Block):
    """`connection()` inside a unit of work or on the caller's connection: that connection.

    Nothing to give back; `sqlite3` errors are translated as `_Lent` does.
    """

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        return self._conn


class _Transaction(_Block):
    """`SQLiteDatabase.transaction()` on a pooled connection: BEGIN, then COMMIT or ROLLBACK.

    A class rather than a generator-based context manager, as `_Lent`: every
    append goes through it, and its Python work sits between the writes.
    """

    __slots__ = ("_begin", "_conn", "_db", "_pid")

    def __init__(self, db: SQLiteDatabase, *, immediate: bool) -> None:
        self._db = db
        self._begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def __enter__(self) -> sqlite3.Connection:
        db = self._db
        conn = db._borrow()  # noqa: SLF001 - the pool's own helper
        try:
            conn.execute(self._begin)
        except BaseException as error:
            db._give_back(conn)  # noqa: SLF001
            if isinstance(error, sqlite3.Error):
                raise_translated(error)
            raise
        self._conn = conn
        self._pid = db._pid  # noqa: SLF001
        return conn

    def _end(self, error: BaseException | None) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._pid != self._db._pid:  # noqa: SLF001 - a child forked inside the block
            set_aside(conn)  # the parent's transaction: neither committed nor rolled back here
            if error is None:
                raise StorageError(_FORKED_IN_BLOCK)
            return
        try:
            if error is None:
                conn.execute("COMMIT")
            elif conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error as failure:
            self._db._give_back(conn)  # noqa: SLF001 - rolls back what is still open
            raise_translated(failure)
        self._db._give_back(conn)  # noqa: SLF001


def _autocommits(conn: sqlite3.Connection) -> bool:
    """Whether `conn` commits each statement by itself when no transaction is open."""
    mode = getattr(conn, "autocommit", _LEGACY)
    return mode is True or (mode == _LEGACY and conn.isolation_level is None)


@contextlib.contextmanager
def _atomic(conn: sqlite3.Connection, *, immediate: bool) -> Iterator[None]:
    """An atomic block on a connection that the database does not own outright.

    Inside an open transaction (a unit of work, or the caller's), a
    savepoint: a failure undoes the block alone, and the outer transaction
    commits or rolls back the rest. On a connection that commits each
    statement (`isolation_level=None`) with no transaction open, the block
    is a transaction of its own. On a connection with implicit transactions
    (the `sqlite3` default) and none open yet, the block begins the
    caller's transaction, as the caller's own first write would, and leaves
    it open for the caller to commit.
    """
    if not conn.in_transaction:
        if _autocommits(conn) or not immediate:
            # Autocommit, or a read-only snapshot with nothing of the caller's pending.
            conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # an error may have ended it already
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return
        conn.execute("BEGIN IMMEDIATE")  # the caller's transaction, left open
    conn.execute(f"SAVEPOINT {SAVEPOINT}")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute(f"ROLLBACK TO {SAVEPOINT}")
                conn.execute(f"RELEASE {SAVEPOINT}")
        raise
    conn.execute(f"RELEASE {SAVEPOINT}")


def checkpoint(conn: sqlite3.Connection) -> str | None:
    """Copy the whole log into the database file and truncate it; why not, if it could not."""
    try:
        busy, log_frames, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as error:
        return f"the WAL checkpoint failed ({getattr(error, 'sqlite_errorname', 'error')})"
    # (0, 0, 0): the log was copied and truncated; (0, -1, -1): no log (an in-memory database).
    if busy or log_frames > 0:
        return "another connection is reading the SQLite database; the WAL checkpoint waited"
    return None


def _commit(conn: sqlite3.Connection) -> None:
    """Commit a unit of work's transaction, saying what a failure means for its writes."""
    if not conn.in_transaction:
        raise StorageError(
            "the unit of work's transaction ended inside its block (a COMMIT or ROLLBACK there,"
            " or an error SQLite rolled back); nothing of the unit's is stored"
        )
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        name = getattr(error, "sqlite_errorname", type(error).__name__)
        refused = _rolled_back(conn)
        if getattr(error, "sqlite_errorcode", 0) & 0xFF in _BUSY:
            _raise_for(
                RetryableStorageError(
                    f"the SQLite database stayed locked at COMMIT ({name}); nothing was written,"
                    " retry"
                ),
                error,
            )
        if refused:
            _raise_for(
                StorageError(
                    f"SQLite refused the COMMIT ({name}): {_said(error)}; the unit of work was"
                    " rolled back and nothing of it is stored"
                ),
                error,
            )
        logger.error("SQLite failed during COMMIT (%s); the outcome is unknown", name)
        _raise_for(
            CommitOutcomeUnknownError(
                f"SQLite failed during COMMIT ({name}): the unit of work may or may not be"
                " stored; check before doing it again"
            ),
            error,
        )


def _rolled_back(conn: sqlite3.Connection) -> bool:
    """Roll back the transaction SQLite kept open after refusing its COMMIT; whether it did.

    SQLite keeps the transaction open when it refuses a COMMIT (a lock it
    could not take, a deferred constraint): nothing of it is stored, and the
    outcome is known once the ROLLBACK has ended it.
    """
    if not conn.in_transaction:
        return False
    with contextlib.suppress(sqlite3.Error):
        conn.execute("ROLLBACK")
    return not conn.in_transaction


def _raise_for(translated: StorageError | ConflictError, error: sqlite3.Error) -> NoReturn:
    """Raise `translated` for `sqlite3`'s `error`, neither as its cause nor as its context.

    A `sqlite3` error can quote a value: a text that is not UTF-8 ("Could
    not decode to UTF-8 column ... with text '...'"). The clubrules error
    keeps its error name and class in `diagnostics` instead.
    """
    translated.diagnostics = StorageDiagnostics(
        code=getattr(error, "sqlite_errorname", None) or "", error_class=type(error).__name__
    )
    raise_clear_of(translated, sqlite3.Error)


def _said(error: sqlite3.Error) -> str:
    """SQLite's message, without the text of a value that it quotes (one it could not decode)."""
    text = str(error)
    cut = text.find(" with text ")
    return text if cut < 0 else text[:cut]


def raise_translated(error: sqlite3.Error) -> NoReturn:
    """Raise the clubrules error that stands for a `sqlite3` error.

    Messages name the SQLite error code, never a value from the row, and
    the `sqlite3` error is not chained (see `_raise_for`).
    """
    code = getattr(error, "sqlite_errorcode", 0)
    name = getattr(error, "sqlite_errorname", type(error).__name__)
    if code & 0xFF in _BUSY:
        _raise_for(
            RetryableStorageError(
                f"the SQLite database is locked by another connection or process ({name}); "
                "nothing was written, retry"
            ),
            error,
        )
    if code in _UNIQUE_EXTENDED:
        _raise_for(DuplicateError(f"an identifier is already stored ({name})"), error)
    if "no such table" in str(error):
        _raise_for(
            MigrationError(
                "the SQLite database has no clubrules schema yet: run "
                "SQLiteDatabase.migrate() or `clubrules db migrate --url sqlite:///...`"
            ),
            error,
        )
    # SQLite's own message names tables, columns and rules; `_said` drops a quoted text.
    _raise_for(StorageError(f"SQLite failed ({name}): {_said(error)}"), error)


class SQLiteDatabase(SQLDatabase[sqlite3.Connection]):
    """A SQLite database file used by the SQLite adapters: WAL, pooled connections, typed errors.

    Every adapter in `clubrules.storage.sqlite` takes one of these. Each
    connection runs in WAL mode (readers never block the writer), with
    `secure_delete` on (deleted rows, such as a destroyed data key, are
    overwritten) and `synchronous=FULL` (a committed write survives a power
    cut). Connections are pooled, so threads can share one `SQLiteDatabase`;
    another process may open the same file. A write that cannot take the
    lock within `timeout` raises `RetryableStorageError`.

    Fork-safe: in a process forked after the database was made (a
    pre-forking server's worker), the parent's connections are set aside,
    never closed, and the child opens its own. A `":memory:"` or
    `from_connection` database cannot follow a fork: in the child it raises
    `StorageError` naming the fork. Fork outside the database's `with` blocks.

    `":memory:"` gives a private in-memory database with a single
    connection, for tests. Create the schema with
    [migrate][clubrules.storage.sqlite.SQLiteDatabase.migrate] before use,
    and [close][clubrules.storage.sqlite.SQLiteDatabase.close] the database
    when done (or use it as a context manager).

    Args:
        path: The database file (created if missing), or `":memory:"`.
        timeout: Seconds to wait for a lock held by another connection
            before giving up with `RetryableStorageError`.
        max_connections: The most connections open at once, 1 to 10,000
            (a `":memory:"` database keeps one whatever this says).

    Raises:
        ValidationError: `timeout` or `max_connections` is out of range
            (rule `range`), `max_connections` is not an int (`not_an_int`),
            or `path` is not a path (`wrong_type`) or holds a NUL or a
            character the file system cannot name (`not_a_path`).

    Examples:
        >>> with SQLiteDatabase(":memory:") as db:
        ...     db.migrate().version >= 1
        True
    """

    _migrate_connection = staticmethod(migrate_sqlite_connection)
    _schema_version_of = staticmethod(sqlite_schema_version)
    _table_prefix = SQLITE_PREFIX
    """What precedes every clubrules table name in the file: `clubrules_`."""
    _closed_why = "the SQLite database is closed"
    """Why a closed database refuses calls: closed, or made unusable by a fork."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 5.0,
        max_connections: int = 8,
    ) -> None:
        seconds = require_seconds(timeout, "timeout")
        require_size(max_connections, "max_connections", minimum=1)
        self._path = require_path(path, "path")
        self._memory = self._path == _MEMORY
        self._timeout = seconds
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
        self._caller: sqlite3.Connection | None = None
        # The connection of the unit of work open in this thread or task, if any.
        self._unit: contextvars.ContextVar[sqlite3.Connection | None] = contextvars.ContextVar(
            "clubrules_sqlite_unit", default=None
        )
        # The tenant of the handle that opened that unit of work.
        self._unit_tenant: contextvars.ContextVar[str] = contextvars.ContextVar(
            "clubrules_sqlite_unit_tenant", default=DEFAULT_TENANT
        )
        # The customers whose data keys the open unit of work deleted: their
        # purge (a WAL checkpoint) can only run once the unit has committed.
        self._purges: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
            "clubrules_sqlite_purges", default=None
        )

    @classmethod
    def from_connection(cls, conn: sqlite3.Connection) -> SQLiteDatabase:
        """Run the adapters on a `sqlite3.Connection` that your application owns.

        The adapters built on the returned database use `conn` for every
        statement, inside whatever transaction is open on it: they never
        commit, roll back or close it. A write that needs several
        statements runs in a savepoint, so a failure undoes that write
        alone. With no transaction open, a write begins one (`BEGIN
        IMMEDIATE`) and leaves it for you to commit, as your own first
        `INSERT` would; on a connection in autocommit mode
        (`isolation_level=None`, or `autocommit=True`) each adapter call is
        a transaction of its own. SQLite transactions are serializable, so
        any open transaction keeps the booking check and its write atomic;
        open yours with `BEGIN IMMEDIATE` so that it never fails with a
        lock error when it first writes.

        The connection gets `PRAGMA secure_delete = ON`, so that a
        destroyed data key is overwritten on disk. Use the connection from
        one thread at a time, and migrate the schema outside your
        transaction (`clubrules.storage.migrations.migrate(conn)`, which
        commits). Closing the returned database leaves `conn` open.

        Raises:
            ValidationError: `conn` is not a `sqlite3.Connection`.

        Examples:
            >>> import sqlite3
            >>> from clubrules.storage.sqlite import SQLiteDatabase
            >>> conn = sqlite3.connect(":memory:")
            >>> with SQLiteDatabase.from_connection(conn) as db:
            ...     db.migrate().version >= 1
            True
        """
        if not isinstance(conn, sqlite3.Connection):
            raise ValidationError(
                f"must be a sqlite3.Connection, not {type(conn).__name__}",
                field="conn",
                rule="not_a_connection",
            )
        database = cls(_CALLERS, max_connections=1)
        database._caller = conn
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA secure_delete = ON")
        return database

    @property
    def path(self) -> str:
        """The database file, `":memory:"`, or `"<the caller's connection>"`."""
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
        conn = self._joined()
        if conn is not None:
            return _Joined(conn)
        return _Lent(self)

    def _borrow(self) -> sqlite3.Connection:
        """An idle connection, a new one if the pool may grow, else wait for a give-back."""
        with self._lock:
            deadline: float | None = None
            while True:
                if self._closed:
                    raise StorageError(self._closed_why)
                if self._idle:
                    return self._idle.pop()
                if self._opened < self._max:
                    self._opened += 1
                    break
                if deadline is None:
                    deadline = time.monotonic() + max(self._timeout, 0.05)
                    logger.debug("waiting for one of %d busy SQLite connections", self._max)
                left = deadline - time.monotonic()
                if left <= 0:
                    logger.warning(
                        "all %d SQLite connections stayed busy for %.1f s", self._max, self._timeout
                    )
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
                self._raise_open_failed(error)
            raise

    def _raise_open_failed(self, error: sqlite3.Error) -> NoReturn:
        """Raise the clubrules error for a file that did not open, naming the file.

        A lock is retryable, as anywhere; anything else is a `StorageError`
        that says which file failed and what to check.
        """
        code = getattr(error, "sqlite_errorcode", 0)
        if code & 0xFF in _BUSY:
            raise_translated(error)
        name = getattr(error, "sqlite_errorname", type(error).__name__)
        hint = ""
        if code & 0xFF == sqlite3.SQLITE_CANTOPEN:
            hint = "; does its directory exist, is it a file, and may this process write there?"
        elif code & 0xFF == sqlite3.SQLITE_NOTADB:
            hint = "; the file exists but is not a SQLite database"
        raise StorageError(
            f"cannot open the SQLite database {self._path} ({name}: {error}){hint}"
        ) from error

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
        joined = self._joined()
        if joined is not None:
            try:
                cursor = joined.execute(query, params)
                return cursor.fetchone() if one else cursor.fetchall()
            except sqlite3.Error as error:
                raise_translated(error)
        conn = self._borrow()
        try:
            cursor = conn.execute(query, params)
            return cursor.fetchone() if one else cursor.fetchall()
        except sqlite3.Error as error:
            raise_translated(error)
        finally:
            self._give_back(conn)

    def _changed(self, query: str, params: Sequence[object]) -> int:
        """`connection()` and one write statement in one frame: how many rows it changed.

        For single-statement writes (adding a customer), whose Python work is
        mostly this borrowing: as `_read`, without a context manager object.
        """
        joined = self._joined()
        if joined is not None:
            try:
                return joined.execute(query, params).rowcount
            except sqlite3.Error as error:
                raise_translated(error)
        conn = self._borrow()
        try:
            return conn.execute(query, params).rowcount
        except sqlite3.Error as error:
            raise_translated(error)
        finally:
            self._give_back(conn)

    def transaction(self, *, immediate: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        """Borrow a connection inside a transaction: committed on success, else rolled back.

        The adapters' own atomic blocks. Inside a unit of work, or on the
        caller's connection, the block joins the open transaction as a
        savepoint instead, and commits nothing.

        Args:
            immediate: Take the write lock at the start (`BEGIN IMMEDIATE`),
                so that a check and the write that depends on it are atomic.
                False starts a deferred, read-only snapshot.

        Raises:
            ValidationError: `immediate` is not True or False (rule `not_a_bool`).
        """
        require_flag(immediate, "immediate")
        joined = self._joined()
        if joined is not None:
            return self._joined_transaction(joined, immediate=immediate)
        return _Transaction(self, immediate=immediate)

    @contextlib.contextmanager
    def _joined_transaction(
        self, joined: sqlite3.Connection, *, immediate: bool
    ) -> Iterator[sqlite3.Connection]:
        """`transaction()` inside a unit of work or on the caller's connection: a savepoint."""
        with _Joined(joined), _atomic(joined, immediate=immediate):
            yield joined

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[sqlite3.Connection]:
        """One transaction (`BEGIN IMMEDIATE`) that every adapter built on this database joins.

        While the block runs, the adapters on this database, called from
        the same thread (or asyncio task), use the unit's connection: their
        writes commit together when the block ends, or roll back together
        if it raises, whatever it raises (a `SlotConflictError` reaches you
        unchanged, with its conflicts). Write your own rows through the
        connection the block gives you. A unit opened inside another, or on
        a `from_connection` database, is a savepoint in the open
        transaction and commits nothing. `sqlite3` errors raised in the
        block arrive as clubrules errors, the driver's error as their cause.

        Raises:
            RetryableStorageError: the write lock stayed taken for
                `timeout`, or every connection stayed busy.
            CommitOutcomeUnknownError: SQLite failed during COMMIT for
                another reason than a lock.
            StorageError: the transaction ended inside the block.

        Examples:
            >>> from clubrules.storage.sqlite import SQLiteDatabase
            >>> with SQLiteDatabase(":memory:") as db:
            ...     _ = db.migrate()
            ...     with db.unit_of_work() as conn:
            ...         _ = conn.execute("CREATE TABLE orders (id TEXT)")
            ...     db.schema_version() >= 1
            True
        """
        joined = self._joined()
        if joined is not None:
            with _Joined(joined), _atomic(joined, immediate=True):
                yield joined
            return
        conn = self._borrow()
        pid = self._pid
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise_translated(error)
            token = self._unit.set(conn)
            tenant_token = self._unit_tenant.set(self._tenant)
            purges: list[str] = []
            purge_token = self._purges.set(purges)
            try:
                yield conn
            except BaseException as error:
                if (
                    self._pid != pid
                ):  # a child forked inside the block: the transaction is the parent's
                    raise
                self._unit.reset(token)
                self._unit_tenant.reset(tenant_token)
                self._purges.reset(purge_token)
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                logger.debug("unit of work rolled back (%s)", type(error).__name__)
                if isinstance(error, sqlite3.Error):
                    raise_translated(error)
                raise
            if self._pid != pid:
                raise StorageError(_FORKED_IN_BLOCK)
            self._unit.reset(token)
            self._unit_tenant.reset(tenant_token)
            self._purges.reset(purge_token)
            _commit(conn)
            if purges:
                unfinished = checkpoint(conn)
                if unfinished:
                    raise ErasureNotFinalError(", ".join(purges), unfinished)
        finally:
            if self._pid == pid:
                self._give_back(conn)
            else:
                set_aside(conn)  # the parent's: never pooled, never closed here

    def defer_purge(self, customer_id: str) -> bool:
        """Whether a purge for `customer_id` must wait for the open transaction to end.

        In a unit of work the purge is noted, and the unit runs it after its
        COMMIT. On the caller's connection inside the caller's transaction
        it cannot run at all until the caller commits: see `checkpoint`.
        """
        purges = self._purges.get()
        if purges is not None:
            purges.append(customer_id)
            return True
        return self._caller is not None and self._caller.in_transaction

    def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and truncate it; whether that finished.

        Deleted rows (a destroyed data key) are overwritten in the file
        (`secure_delete` is on), so after a finished checkpoint their bytes
        are gone from `club.db`, `club.db-wal` and `club.db-shm`. Run it
        after committing, on a `from_connection` database, a transaction in
        which a customer was erased. False means another connection was
        still reading (or a transaction is open here): run it again later.
        """
        with self.connection() as conn:
            return checkpoint(conn) is None

    def _after_fork(self, parent: int) -> None:
        """In a forked child: set the parent's connections aside, unclosed, and start afresh.

        Runs in the child's only thread, before any other of its code (see
        `clubrules.storage._fork`). The pool starts empty, with new locks
        (a thread of the parent may have held one at the fork) and no unit
        of work open; the next borrow opens a connection of the child's.
        An in-memory database, or the caller's connection, cannot be
        reopened: the database refuses every call instead.
        """
        set_aside(self._idle)
        set_aside(self._caller)
        self._idle = []
        self._opened = 0
        self._waiting = 0
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._unit = contextvars.ContextVar("clubrules_sqlite_unit", default=None)
        self._unit_tenant = contextvars.ContextVar(
            "clubrules_sqlite_unit_tenant", default=DEFAULT_TENANT
        )
        self._purges = contextvars.ContextVar("clubrules_sqlite_purges", default=None)
        if self._closed:
            return
        if self._caller is not None:
            what = "the caller's sqlite3 connection"
        elif self._memory:
            what = "an in-memory SQLite database, which lives in the process that made it"
        else:
            return
        self._refuse_after_fork(what, parent)

    def _owns_transaction(self) -> bool:
        """Whether `unit_of_work()` would begin and commit a transaction of its own."""
        if self._caller is not None:
            return not self._caller.in_transaction and _autocommits(self._caller)
        return self._unit.get() is None

    def close(self) -> None:
        """Close every idle connection; connections in use close when given back.

        A `from_connection` database leaves the caller's connection open.
        """
        with self._lock:
            self._closed = True
            self._caller = None  # later calls find the database closed
            idle, self._idle = self._idle, []
            self._opened -= len(idle)
            self._freed.notify_all()
        for conn in idle:
            conn.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        if self._tenant != DEFAULT_TENANT:
            state += f", tenant={self._tenant!r}"
        if self._path == _CALLERS:
            return f"SQLiteDatabase(the caller's connection, {state})"
        return f"SQLiteDatabase({self._path!r}, {state})"
