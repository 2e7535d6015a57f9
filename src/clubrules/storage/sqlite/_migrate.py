"""Applying the shipped migrations to a SQLite connection, in one `BEGIN IMMEDIATE`.

From schema version 9 every clubrules table, index and trigger is named
`clubrules_<name>`, so that the library's tables share a file with an
application's own `customers` or `bookings`. Migrations 1 to 8 were written,
and are recorded by their checksums, with the unprefixed names. On a new
database (or one already named the new way) they run with the prefix put
before every name they create or use, and version 9 has nothing left to do;
on a database made by an earlier clubrules they run as shipped, and version
9 renames everything.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from typing import TYPE_CHECKING, Any

from clubrules._checks import raise_clear_of
from clubrules.errors import (
    MigrationError,
    RetryableStorageError,
    StorageDiagnostics,
    StorageError,
)
from clubrules.storage.sql._dialect import SQLITE_PREFIX
from clubrules.storage.sql._migrations import (
    MigrationResult,
    available_migrations,
    check_history,
    forward_only,
    target_version,
)
from clubrules.storage.sql._unit import logger

if TYPE_CHECKING:
    from clubrules.storage.sql._migrations import Migration

__all__ = [
    "RENAMING_VERSION",
    "migrate_sqlite_connection",
    "prefixed_sql",
    "split_sqlite_script",
    "sqlite_schema_version",
]

RENAMING_VERSION = 9
"""The migration that renames the objects of an earlier database to `clubrules_<name>`.

The migrations before it name them without the prefix.
"""
# SQLite >= 3.26 rewrites the references to a renamed table (foreign keys,
# trigger bodies) when legacy_alter_table is off.
_REWRITES = (3, 26, 0)
_MARKER = f"{SQLITE_PREFIX}customers"
"""A table that every database from version 1 on holds: its name tells the naming in use."""
_CREATES = re.compile(r"\bCREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|TRIGGER)\s+(\w+)", re.IGNORECASE)
# A string literal, a comment, or a word: only words are renamed.
_TOKENS = re.compile(r"'(?:[^']|'')*'|--[^\n]*|(\w+)")

_SQLITE_TABLE = """
CREATE TABLE IF NOT EXISTS clubrules_schema_version (
    version       INTEGER PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    checksum      TEXT NOT NULL,
    applied_at_us INTEGER NOT NULL
)"""
# The database's own clock stamps each migration: no wall clock read in Python.
_SQLITE_NOW_US = "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def split_sqlite_script(script: str) -> list[str]:
    """Split a SQLite script into complete statements (comments alone are dropped)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    rest = "\n".join(
        line for line in pending.splitlines() if line.strip() and not line.strip().startswith("--")
    )
    if rest:
        raise MigrationError("a migration script ends with an incomplete statement")
    return statements


@functools.cache
def _unprefixed_names(unprefixed: tuple[Migration, ...]) -> frozenset[str]:
    """Every table, index and trigger name that the migrations before the renaming create."""
    return frozenset(name for m in unprefixed for name in _CREATES.findall(m.sql))


def prefixed_sql(migration: Migration, names: frozenset[str]) -> str:
    """A migration written with unprefixed names, with `clubrules_` before each of `names`.

    Words inside string literals and comments are left alone.
    """

    def rename(match: re.Match[str]) -> str:
        word = match[1]
        return SQLITE_PREFIX + word if word is not None and word in names else match[0]

    return _TOKENS.sub(rename, migration.sql)


def _named_with_prefix(conn: sqlite3.Connection, previous: int) -> bool:
    """Whether a database at version `previous` names its objects `clubrules_<name>`.

    True for a new database (the migrations then create them so), and for
    one at the renaming version or later; an earlier version made by an
    earlier clubrules uses the names without the prefix.
    """
    if previous == 0 or previous >= RENAMING_VERSION:
        return True
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_MARKER,)
    ).fetchone()
    return found is not None


def _statements(
    migration: Migration, shipped: tuple[Migration, ...], *, prefixed: bool
) -> list[str]:
    """What to run for `migration` on a database named with the prefix, or not (see the module)."""
    if migration.version > RENAMING_VERSION or not prefixed:
        if migration.version == RENAMING_VERSION and sqlite3.sqlite_version_info < _REWRITES:
            raise MigrationError(
                f"renaming the tables needs SQLite {'.'.join(map(str, _REWRITES))} or newer;"
                f" this Python has SQLite {sqlite3.sqlite_version}"
            )
        return split_sqlite_script(migration.sql)
    if migration.version == RENAMING_VERSION:
        return []  # nothing carries an unprefixed name
    names = _unprefixed_names(shipped[: RENAMING_VERSION - 1])
    return split_sqlite_script(prefixed_sql(migration, names))


def _sqlite_history(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'clubrules_schema_version'"
    ).fetchone()
    if exists is None:
        return []
    return conn.execute(
        "SELECT version, name, checksum FROM clubrules_schema_version ORDER BY version"
    ).fetchall()


def sqlite_schema_version(conn: sqlite3.Connection) -> int:
    """The schema version of a SQLite database (0 if never migrated)."""
    return check_history("sqlite", _sqlite_history(conn))


def _failure(error: sqlite3.Error, during: str) -> StorageError:
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code in {5, 6}:  # SQLITE_BUSY, SQLITE_LOCKED
        return RetryableStorageError(
            f"the SQLite database is locked by another connection while {during}; retry"
        )
    name = getattr(error, "sqlite_errorname", type(error).__name__)
    return MigrationError(f"SQLite failed ({name}) while {during}")


def _sqlite_failure(error: sqlite3.Error, during: str) -> StorageError:
    """The clubrules error for a failed migration, with the `sqlite3` error's name and class."""
    failure = _failure(error, during)
    failure.diagnostics = StorageDiagnostics(
        code=getattr(error, "sqlite_errorname", None) or "", error_class=type(error).__name__
    )
    return failure


def _check_foreign_keys(conn: sqlite3.Connection) -> None:
    """Refuse to commit migrations that left a foreign key dangling (they run with keys off)."""
    if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise MigrationError("the migrated database has rows whose foreign keys dangle")


def migrate_sqlite_connection(
    conn: sqlite3.Connection, *, to: int | None = None
) -> MigrationResult:
    """Apply the pending SQLite migrations on `conn`, in one `BEGIN IMMEDIATE` transaction.

    Raises:
        MigrationError: `conn` has an open transaction, the database is newer
            than this clubrules, its history disagrees with the package, or a
            statement failed (nothing is applied then).
        RetryableStorageError: another connection holds the write lock.
    """
    target = target_version("sqlite", to)
    if conn.in_transaction:
        raise MigrationError("the connection has an open transaction; commit it first")
    saved = conn.isolation_level
    conn.isolation_level = None  # explicit BEGIN / COMMIT below
    during = "starting the migration"
    legacy_alter: Any = None
    foreign_keys: Any = None
    try:
        # Renamed tables must be renamed in the foreign keys and triggers that use them.
        legacy_alter = conn.execute("PRAGMA legacy_alter_table").fetchone()[0]
        conn.execute("PRAGMA legacy_alter_table = OFF")
        # A table built again (a new primary key) is dropped while rows refer to
        # it: foreign keys are off while the migrations run (the pragma has no
        # effect inside a transaction), and every one is checked before COMMIT.
        foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN IMMEDIATE")
        try:
            during = "reading the schema version"
            conn.execute(_SQLITE_TABLE)
            previous = check_history("sqlite", _sqlite_history(conn))
            forward_only(previous, target)
            applied: list[str] = []
            shipped = available_migrations("sqlite")
            prefixed = _named_with_prefix(conn, previous)
            for migration in shipped[previous:target]:
                during = f"applying {migration.label}"
                for statement in _statements(migration, shipped, prefixed=prefixed):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO clubrules_schema_version"  # noqa: S608 - constant SQL
                    f" (version, name, checksum, applied_at_us) VALUES (?, ?, ?, {_SQLITE_NOW_US})",
                    (migration.version, migration.name, migration.checksum),
                )
                applied.append(migration.label)
            during = "checking the foreign keys"
            if applied:
                _check_foreign_keys(conn)
            conn.execute("COMMIT")
            for label in applied:
                logger.info("SQLite migration %s applied", label)
        except BaseException:
            _rollback(conn)
            raise
    except sqlite3.Error as error:
        # Not chained: a `sqlite3` error can quote a value (a text it could not decode).
        raise_clear_of(_sqlite_failure(error, during), sqlite3.Error)
    finally:
        conn.isolation_level = saved
        if legacy_alter:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA legacy_alter_table = ON")
        if foreign_keys:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA foreign_keys = ON")
    return MigrationResult("sqlite", previous, max(previous, target), tuple(applied))
