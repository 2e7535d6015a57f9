"""The SQLite database behind the SQLite adapters: connections, transactions, typed errors."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clubrules._time import (
    EPOCH,
    ONE_US,
    from_epoch_us,
    require_aware,
    require_order,
    to_epoch_us,
)
from clubrules.customers import PhoneNumber
from clubrules.errors import (
    DuplicateError,
    MigrationError,
    RetryableStorageError,
    StorageError,
    ValidationError,
)
from clubrules.storage._migrations import migrate_sqlite_connection, sqlite_schema_version

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from contextlib import AbstractContextManager
    from types import TracebackType

    from clubrules.storage._migrations import MigrationResult

__all__ = [
    "SQLiteDatabase",
    "decode_at",
    "decode_date",
    "decode_instant",
    "decode_phone",
    "decode_set",
    "encode_date",
    "encode_instant",
    "encode_set",
    "encode_zone",
    "in_zone",
    "window_bounds",
]

_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_CONSTRAINT = 19  # SQLITE_CONSTRAINT
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


class SQLiteDatabase:
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
        # The uncontended path takes no lock: `list.pop` and `list.append` on
        # `_idle` are atomic, so a borrow pops an idle connection and a
        # give-back appends it (a lock round costs about 150 ns each way).
        # `_lock` guards the rest: `_opened` (connections open, lent or idle),
        # the borrowers in the slow path (`_waiting`, counted before they look
        # at `_idle`, so that a give-back that appended after they looked
        # sees them and notifies), and their sleep on `_freed`. That argument
        # leans on the interpreter lock ordering every step; a free-threaded
        # build of Python would need the give-back's read of `_waiting` to
        # take the lock.
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
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

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
        try:
            conn = self._idle.pop()
        except IndexError:
            return self._borrow_slowly()
        if self._closed:  # popped while `close()` drained the pool
            conn.close()
            raise StorageError("the SQLite database is closed")
        return conn

    def _borrow_slowly(self) -> sqlite3.Connection:
        """No idle connection: open one if the pool may grow, else wait for a give-back."""
        with self._lock:
            self._waiting += 1
            try:
                deadline: float | None = None
                while True:
                    if self._closed:
                        raise StorageError("the SQLite database is closed")
                    with contextlib.suppress(IndexError):
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
        self._idle.append(conn)
        if self._waiting or self._closed:  # read after the append, without the lock
            self._after_give_back(conn)

    def _after_give_back(self, conn: sqlite3.Connection) -> None:
        """Wake a waiting borrower; close `conn` if the pool was closed meanwhile."""
        if self._waiting:
            with self._lock:
                self._freed.notify()
        if self._closed:  # `close()` may have drained the pool before the append
            try:
                self._idle.remove(conn)
            except ValueError:  # `close()` or a borrower took it, and closes it
                return
            conn.close()

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

    def _fetchone(self, query: str, params: Sequence[object]) -> Any:  # noqa: ANN401 - a row
        """One statement and `fetchone()`: the adapters' reads."""
        return self._read(query, params, one=True)

    def _fetchall(self, query: str, params: Sequence[object] = ()) -> list[Any]:
        """One statement and `fetchall()`: the adapters' reads."""
        rows: list[Any] = self._read(query, params, one=False)
        return rows

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

    def migrate(self, *, to: int | None = None) -> MigrationResult:
        """Bring the schema up to date (see `clubrules.storage.migrations.migrate`)."""
        with self.connection() as conn:
            return migrate_sqlite_connection(conn, to=to)

    def schema_version(self) -> int:
        """The schema version of the database (0 if never migrated)."""
        with self.connection() as conn:
            return sqlite_schema_version(conn)

    def close(self) -> None:
        """Close every idle connection; connections in use close when given back."""
        with self._lock:
            self._closed = True
            self._freed.notify_all()
        while True:  # one pop at a time: a borrower may be popping too
            try:
                conn = self._idle.pop()
            except IndexError:
                return
            conn.close()

    def __enter__(self) -> SQLiteDatabase:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"SQLiteDatabase({self._path!r}, {state})"


def encode_instant(value: datetime) -> int:
    """An aware datetime as UTC microseconds since the Unix epoch."""
    return to_epoch_us(value)


def decode_instant(value: int | None) -> datetime | None:
    """Stored UTC microseconds as an aware datetime in UTC (None stays None)."""
    return None if value is None else from_epoch_us(value)


@functools.lru_cache(maxsize=65536)
def _phone(e164: str) -> PhoneNumber:
    return PhoneNumber(e164)


def decode_phone(e164: str | None) -> PhoneNumber | None:
    """A stored E.164 string as a `PhoneNumber`, validated once per distinct number.

    Parsing a number costs about 20 us; a `PhoneNumber` is immutable, so the
    values are cached and shared.
    """
    return None if e164 is None else _phone(e164)


def encode_zone(value: datetime) -> str | None:
    """The zone an aware datetime was given in: an IANA name, a fixed offset, or None for UTC.

    Stored next to the UTC instant, so that a value comes back in its zone:
    an ambiguous wall time (the repeated hour of a DST change) then still
    compares equal to what was stored, which it would not as a UTC datetime.
    """
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo) and tz.key:
        return tz.key
    if isinstance(tz, timezone) and tz is not UTC:
        offset = tz.utcoffset(None)
        sign = "-" if offset < timedelta(0) else "+"
        seconds = int(abs(offset).total_seconds())
        text = f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
        return text if seconds % 60 == 0 else f"{text}:{seconds % 60:02d}"
    return None


def _parse_zone(text: str) -> tzinfo:
    if text[:1] in {"+", "-"}:
        parts = [int(p) for p in text[1:].split(":")]
        offset = timedelta(
            hours=parts[0], minutes=parts[1], seconds=parts[2] if len(parts) > 2 else 0
        )
        return timezone(-offset if text[0] == "-" else offset)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone this machine's tz database lacks: the instant is still exact, in UTC.
        return UTC


# Stored zone text -> tzinfo. A club stores a handful of zones, so a plain dict
# (one lookup, cheaper than an lru_cache call) holds them; it stops growing at
# `_ZONES_MAX` distinct texts, past which a zone is parsed on each read.
_ZONES: dict[str, tzinfo] = {}
_ZONES_MAX = 1024


def _zone(text: str) -> tzinfo:
    zone = _ZONES.get(text)
    if zone is None:
        zone = _parse_zone(text)
        if len(_ZONES) < _ZONES_MAX:
            _ZONES[text] = zone
    return zone


def in_zone(value: datetime, zone: str | None) -> datetime:
    """An aware datetime shown in the stored zone (UTC when None)."""
    return value.astimezone(UTC if zone is None else _zone(zone))


def decode_at(us: int, zone: str | None) -> datetime:
    """Stored UTC microseconds and zone as an aware datetime in that zone."""
    instant = EPOCH + ONE_US * us  # already in UTC; as `from_epoch_us`, without its call
    return instant if zone is None else instant.astimezone(_zone(zone))


def encode_set(values: Iterable[str]) -> str:
    """A set of strings as a sorted JSON array."""
    return json.dumps(sorted(values), ensure_ascii=False)


@functools.lru_cache(maxsize=1024)
def decode_set(text: str) -> frozenset[str]:
    """A stored JSON array as a frozenset (immutable, so equal texts share one)."""
    return frozenset(json.loads(text))


def encode_date(value: date | None) -> str | None:
    """A date as ISO text."""
    return None if value is None else value.isoformat()


def decode_date(text: str | None) -> date | None:
    """Stored ISO text as a date."""
    return None if text is None else date.fromisoformat(text)


def window_bounds(
    start: datetime | None, end: datetime | None, *, names: tuple[str, str] = ("start", "end")
) -> None:
    """Check a half-open window: aware bounds, `start <= end` when both are given."""
    if start is not None:
        require_aware(start, names[0])
    if end is not None:
        require_aware(end, names[1])
    if start is not None and end is not None:
        require_order(start, end, start_field=names[0], end_field=names[1], allow_empty=True)
