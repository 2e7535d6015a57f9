"""The database schema of the SQLite and PostgreSQL adapters, and the function that migrates it.

The schema ships as versioned SQL files inside this package
(`migrations/sqlite/0001_customers_and_privacy.sql`,
`migrations/postgres/0001_...`). [migrate][clubrules.storage.migrations.migrate]
applies the pending ones in one transaction and records each in a version
table; running it again changes nothing. In SQLite every table is named
`clubrules_<name>`; in PostgreSQL the tables live in a schema of their own,
`clubrules` unless `schema` names another. The command line does the same:

```text
clubrules db migrate --url sqlite:///club.db
clubrules db migrate --url postgresql://clubrules@db.internal/club --schema salon --json
```
"""

from __future__ import annotations

import sqlite3
from typing import NoReturn

from clubrules._public import publish
from clubrules.errors import ValidationError
from clubrules.storage.postgres import PostgresDatabase
from clubrules.storage.postgres._db import PsycopgConnection  # noqa: TC001 - for get_type_hints
from clubrules.storage.postgres._migrate import (
    DEFAULT_SCHEMA,
    migrate_postgres_connection,
    postgres_schema_version,
    schema_prefix,
)
from clubrules.storage.sql._migrations import (
    DIALECTS,
    Dialect,
    Migration,
    MigrationResult,
    available_migrations,
    latest_version,
)
from clubrules.storage.sqlite import SQLiteDatabase
from clubrules.storage.sqlite._migrate import migrate_sqlite_connection, sqlite_schema_version

__all__ = [
    "DIALECTS",
    "Dialect",
    "Migration",
    "MigrationResult",
    "available_migrations",
    "latest_version",
    "migrate",
    "schema_version",
]


def migrate(
    target: str | sqlite3.Connection | PsycopgConnection | SQLiteDatabase | PostgresDatabase,
    *,
    to: int | None = None,
    schema: str | None = None,
) -> MigrationResult:
    """Bring a database's schema up to date (or up to version `to`); safe to run again.

    Each call applies the pending migrations in one transaction: all of them
    or, on an error, none. A database already at the target version is left
    alone and the result says so (`changed` is False).

    Args:
        target: A URL (`sqlite:///relative.db`, `sqlite:////absolute.db`,
            `postgresql://user@host/db`), an open `sqlite3.Connection` or
            `psycopg.Connection`, or a `SQLiteDatabase` / `PostgresDatabase`.
        to: The version to stop at; the newest by default. Migrations only
            go forward.
        schema: PostgreSQL only: the schema of the clubrules tables
            (`clubrules` by default), created if missing. A
            `PostgresDatabase` brings its own; SQLite has none (its tables
            are named `clubrules_<name>`).

    Returns:
        The versions before and after, and the migrations applied.

    Raises:
        ValidationError: an unknown URL scheme, an unknown version `to`, a
            `schema` that is not a plain identifier, or one given for
            SQLite or for a `PostgresDatabase` on another schema.
        MigrationError: the database is newer than this clubrules, its
            recorded history disagrees with the shipped migrations, or a
            migration failed (and was rolled back).
        RetryableStorageError: the database is locked or the connection was
            lost; nothing was applied.
        StorageError: the database could not be opened.

    Examples:
        >>> result = migrate("sqlite:///:memory:")
        >>> result.previous_version, result.version == latest_version("sqlite")
        (0, True)
    """
    if isinstance(target, str):
        return _migrate_url(target, to, schema)
    _check_schema(target, schema)
    if isinstance(target, sqlite3.Connection):
        return migrate_sqlite_connection(target, to=to)
    if isinstance(target, SQLiteDatabase | PostgresDatabase):
        return target.migrate(to=to)
    if type(target).__module__.startswith("psycopg"):
        return migrate_postgres_connection(
            target, to=to, schema=DEFAULT_SCHEMA if schema is None else schema
        )
    raise ValidationError(
        f"cannot migrate a {type(target).__name__}: pass a URL, a connection or a database",
        field="target",
        rule="unknown_target",
    )


def schema_version(
    target: str | sqlite3.Connection | PsycopgConnection | SQLiteDatabase | PostgresDatabase,
    *,
    schema: str | None = None,
) -> int:
    """The schema version of a database (0 if it was never migrated), without changing it.

    Args:
        target: As for [migrate][clubrules.storage.migrations.migrate].
        schema: As for [migrate][clubrules.storage.migrations.migrate].

    Raises:
        MigrationError: the database is newer than this clubrules, or its
            history disagrees with the shipped migrations.
        ValidationError: `schema` as for `migrate`.
    """
    if isinstance(target, str):
        database = _open_url(target, schema)
        try:
            return database.schema_version()
        finally:
            database.close()
    _check_schema(target, schema)
    if isinstance(target, sqlite3.Connection):
        return sqlite_schema_version(target)
    if isinstance(target, SQLiteDatabase | PostgresDatabase):
        return target.schema_version()
    return postgres_schema_version(target, schema=DEFAULT_SCHEMA if schema is None else schema)


def _check_schema(target: object, schema: str | None) -> None:
    """Refuse a `schema` that the target cannot use or that contradicts its own."""
    if schema is None:
        return
    schema_prefix(schema)
    if isinstance(target, sqlite3.Connection | SQLiteDatabase):
        _refuse_sqlite_schema()
    if isinstance(target, PostgresDatabase) and target.schema != schema:
        raise ValidationError(
            "differs from the schema the PostgresDatabase was opened with",
            field="schema",
            rule="schema_mismatch",
        )


def _refuse_sqlite_schema() -> NoReturn:
    raise ValidationError(
        "applies to PostgreSQL only: SQLite tables are named clubrules_<name>",
        field="schema",
        rule="not_postgres",
    )


def _open_url(url: str, schema: str | None = None) -> SQLiteDatabase | PostgresDatabase:
    """Open the database named by a `sqlite:///` or `postgresql://` URL."""
    if not isinstance(url, str):
        raise ValidationError("must be a string", field="url", rule="not_a_string")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if sep and scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise ValidationError(
                "a SQLite URL is sqlite:///relative/path.db or sqlite:////absolute/path.db",
                field="url",
                rule="sqlite_path",
            )
        if schema is not None:
            _refuse_sqlite_schema()
        return SQLiteDatabase(rest[1:])
    if sep and scheme in {"postgres", "postgresql", "postgresql+psycopg"}:
        return PostgresDatabase(
            "postgresql://" + rest, schema=DEFAULT_SCHEMA if schema is None else schema
        )
    # Never echo the URL: it may carry a password.
    raise ValidationError(
        "must start with sqlite:/// or postgresql://", field="url", rule="unknown_scheme"
    )


def _migrate_url(url: str, to: int | None, schema: str | None) -> MigrationResult:
    database = _open_url(url, schema)
    try:
        return database.migrate(to=to)
    finally:
        database.close()


publish(__name__)
