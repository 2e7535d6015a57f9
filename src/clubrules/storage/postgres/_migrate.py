"""Applying the shipped migrations to a PostgreSQL connection, under an advisory lock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clubrules.storage.postgres._errors import translated
from clubrules.storage.sql._migrations import (
    MigrationResult,
    available_migrations,
    check_history,
    forward_only,
    target_version,
)
from clubrules.storage.sql._unit import logger

if TYPE_CHECKING:
    import psycopg

__all__ = ["migrate_postgres_connection", "postgres_schema_version"]

# Any fixed 64-bit number: the advisory lock that serialises concurrent migrators.
_PG_LOCK = 7_310_002_104_355_218_001

_PG_TABLE = b"""
CREATE TABLE IF NOT EXISTS clubrules.schema_version (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


def _pg_history(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    found = conn.execute("SELECT to_regclass('clubrules.schema_version')").fetchone()
    if found is None or found[0] is None:
        return []
    return conn.execute(
        "SELECT version, name, checksum FROM clubrules.schema_version ORDER BY version"
    ).fetchall()


def postgres_schema_version(conn: psycopg.Connection[Any]) -> int:
    """The schema version of a PostgreSQL database (0 if never migrated)."""
    with translated(migration=True):
        return check_history("postgres", _pg_history(conn))


def migrate_postgres_connection(
    conn: psycopg.Connection[Any], *, to: int | None = None
) -> MigrationResult:
    """Apply the pending PostgreSQL migrations on `conn`, in one transaction.

    An advisory lock serialises concurrent migrators: the second waits, then
    finds nothing left to do. With `conn` already inside a transaction, the
    work happens in a savepoint and the caller's commit makes it durable.

    Raises:
        MigrationError: the database is newer than this clubrules, its
            history disagrees with the package, or a statement failed
            (nothing is applied then).
        RetryableStorageError: the connection was lost, or a lock timed out.
    """
    target = target_version("postgres", to)
    applied: list[str] = []
    with translated(migration=True), conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK,))
        schema = conn.execute("SELECT to_regnamespace('clubrules')").fetchone()
        if schema is None or schema[0] is None:
            # Only then: CREATE SCHEMA needs the CREATE privilege even with IF NOT EXISTS.
            conn.execute("CREATE SCHEMA clubrules")
        table = conn.execute("SELECT to_regclass('clubrules.schema_version')").fetchone()
        if table is None or table[0] is None:
            conn.execute(_PG_TABLE)
        previous = check_history("postgres", _pg_history(conn))
        forward_only(previous, target)
        for migration in available_migrations("postgres")[previous:target]:
            conn.execute(migration.sql.encode("utf-8"))
            conn.execute(
                "INSERT INTO clubrules.schema_version (version, name, checksum)"
                " VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            applied.append(migration.label)
    for label in applied:
        # Committed, or in a savepoint of the caller's transaction, which commits it.
        logger.info("PostgreSQL migration %s applied", label)
    return MigrationResult("postgres", previous, max(previous, target), tuple(applied))
