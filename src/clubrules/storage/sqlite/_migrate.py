"""Applying the shipped migrations to a SQLite connection, in one `BEGIN IMMEDIATE`."""

from __future__ import annotations

import sqlite3
from typing import Any

from clubrules.errors import MigrationError, RetryableStorageError, StorageError
from clubrules.storage.sql._migrations import (
    MigrationResult,
    available_migrations,
    check_history,
    forward_only,
    target_version,
)
from clubrules.storage.sql._unit import logger

__all__ = ["migrate_sqlite_connection", "split_sqlite_script", "sqlite_schema_version"]

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


def _sqlite_failure(error: sqlite3.Error, during: str) -> StorageError:
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code in {5, 6}:  # SQLITE_BUSY, SQLITE_LOCKED
        return RetryableStorageError(
            f"the SQLite database is locked by another connection while {during}; retry"
        )
    name = getattr(error, "sqlite_errorname", type(error).__name__)
    return MigrationError(f"SQLite failed ({name}) while {during}")


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
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            during = "reading the schema version"
            conn.execute(_SQLITE_TABLE)
            previous = check_history("sqlite", _sqlite_history(conn))
            forward_only(previous, target)
            applied: list[str] = []
            for migration in available_migrations("sqlite")[previous:target]:
                during = f"applying {migration.label}"
                for statement in split_sqlite_script(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO clubrules_schema_version"  # noqa: S608 - constant SQL
                    f" (version, name, checksum, applied_at_us) VALUES (?, ?, ?, {_SQLITE_NOW_US})",
                    (migration.version, migration.name, migration.checksum),
                )
                applied.append(migration.label)
            conn.execute("COMMIT")
            for label in applied:
                logger.info("SQLite migration %s applied", label)
        except BaseException:
            _rollback(conn)
            raise
    except sqlite3.Error as error:
        raise _sqlite_failure(error, during) from error
    finally:
        conn.isolation_level = saved
    return MigrationResult("sqlite", previous, max(previous, target), tuple(applied))
