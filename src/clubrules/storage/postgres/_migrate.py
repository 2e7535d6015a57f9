"""Applying the shipped migrations to a PostgreSQL connection, under an advisory lock.

Every clubrules object lives in one schema, `clubrules` unless the database
is given another. The shipped files name their tables `clubrules.<name>`
(and are recorded by the checksums of that text); they run with that
qualifier replaced by the schema's, so that two schemas of one database can
each hold a clubrules schema of their own.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from clubrules.errors import ValidationError
from clubrules.storage.postgres._errors import translated
from clubrules.storage.sql._dialect import with_schema
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

__all__ = [
    "DEFAULT_SCHEMA",
    "migrate_postgres_connection",
    "postgres_schema_version",
    "schema_prefix",
]

DEFAULT_SCHEMA = "clubrules"
"""The schema that holds the clubrules tables unless a database is given another."""

# Any fixed 64-bit number: the advisory lock that serialises concurrent migrators.
_PG_LOCK = 7_310_002_104_355_218_001

_PG_TABLE = """
CREATE TABLE IF NOT EXISTS {prefix}schema_version (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""

# Lower case, so that the name means the same quoted or not; at most 63 bytes (NAMEDATALEN).
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Only comments and blank lines: a migration that records a version and changes nothing here.
_NOTHING = re.compile(r"(?:\s|--[^\n]*)*")


def schema_prefix(schema: str) -> str:
    """What goes before a table name in `schema`: the quoted schema and a dot (`"clubrules".`).

    Raises:
        ValidationError: `schema` is not a plain lower-case identifier (a
            letter or underscore, then letters, digits or underscores, at
            most 63 characters), or is one PostgreSQL reserves (`pg_...`,
            `information_schema`).
    """
    name: object = schema
    if not isinstance(name, str) or _IDENTIFIER.fullmatch(name) is None:
        raise ValidationError(
            "must be a lower-case SQL identifier: a letter or underscore, then letters,"
            " digits or underscores, at most 63 characters",
            field="schema",
            rule="identifier",
        )
    if name.startswith("pg_") or name == "information_schema":
        raise ValidationError(
            "names a schema that PostgreSQL reserves for itself", field="schema", rule="reserved"
        )
    return f'"{name}".'


@functools.lru_cache(maxsize=64)
def _rendered(sql: str, prefix: str) -> str | None:
    """A shipped migration with its tables in the schema of `prefix`; None if it runs nothing."""
    if _NOTHING.fullmatch(sql):
        return None
    return with_schema(sql, prefix)


def _pg_history(conn: psycopg.Connection[Any], prefix: str) -> list[tuple[Any, ...]]:
    found = conn.execute("SELECT to_regclass(%s)", (f"{prefix}schema_version",)).fetchone()
    if found is None or found[0] is None:
        return []
    query = f"SELECT version, name, checksum FROM {prefix}schema_version ORDER BY version"  # noqa: S608
    return conn.execute(query.encode()).fetchall()


def postgres_schema_version(conn: psycopg.Connection[Any], *, schema: str = DEFAULT_SCHEMA) -> int:
    """The schema version of the clubrules tables in `schema` (0 if never migrated).

    Raises:
        ValidationError: `schema` is not a plain identifier (see `schema_prefix`).
    """
    prefix = schema_prefix(schema)
    with translated(migration=True):
        return check_history("postgres", _pg_history(conn, prefix))


def migrate_postgres_connection(
    conn: psycopg.Connection[Any], *, to: int | None = None, schema: str = DEFAULT_SCHEMA
) -> MigrationResult:
    """Apply the pending PostgreSQL migrations on `conn`, in one transaction, in `schema`.

    The schema is created if it does not exist (which takes the CREATE
    privilege on the database); the version table is `<schema>.schema_version`.
    An advisory lock serialises concurrent migrators: the second waits, then
    finds nothing left to do. With `conn` already inside a transaction, the
    work happens in a savepoint and the caller's commit makes it durable.

    Raises:
        ValidationError: `schema` is not a plain identifier, or `to` is
            not a shipped version.
        MigrationError: the database is newer than this clubrules, its
            history disagrees with the package, or a statement failed
            (nothing is applied then).
        RetryableStorageError: the connection was lost, or a lock timed out.
    """
    prefix = schema_prefix(schema)
    target = target_version("postgres", to)
    applied: list[str] = []
    with translated(migration=True), conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK,))
        found = conn.execute("SELECT to_regnamespace(%s)", (prefix[:-1],)).fetchone()
        if found is None or found[0] is None:
            # Only then: CREATE SCHEMA needs the CREATE privilege even with IF NOT EXISTS.
            conn.execute(f"CREATE SCHEMA {prefix[:-1]}".encode())
        table = conn.execute("SELECT to_regclass(%s)", (f"{prefix}schema_version",)).fetchone()
        if table is None or table[0] is None:
            conn.execute(_PG_TABLE.format(prefix=prefix).encode())
        previous = check_history("postgres", _pg_history(conn, prefix))
        forward_only(previous, target)
        record = (
            f"INSERT INTO {prefix}schema_version (version, name, checksum)"  # noqa: S608
            " VALUES (%s, %s, %s)"
        ).encode()
        for migration in available_migrations("postgres")[previous:target]:
            sql = _rendered(migration.sql, prefix)
            if sql is not None:
                conn.execute(sql.encode("utf-8"))
            conn.execute(record, (migration.version, migration.name, migration.checksum))
            applied.append(migration.label)
    for label in applied:
        # Committed, or in a savepoint of the caller's transaction, which commits it.
        logger.info("PostgreSQL migration %s applied in schema %s", label, schema)
    return MigrationResult("postgres", previous, max(previous, target), tuple(applied))
