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

PostgreSQL keeps each tenant (club) to its own rows by row-level security,
which superusers, roles with BYPASSRLS and the tables' owner get past. The
application should therefore connect as a role that owns nothing:
`migrate(..., app_role="clubrules_app")` (or `clubrules db migrate
--app-role clubrules_app`) creates it if missing and grants it what the
adapters need; [app_role_statements][clubrules.storage.migrations.app_role_statements]
(or `clubrules db grants --app-role clubrules_app`) gives the same SQL for a
DBA to run.
"""

from __future__ import annotations

import sqlite3
from typing import NoReturn

from clubrules._checks import require_path
from clubrules._public import publish
from clubrules.errors import ValidationError
from clubrules.storage.postgres import PostgresDatabase
from clubrules.storage.postgres._db import PsycopgConnection  # noqa: TC001 - for get_type_hints
from clubrules.storage.postgres._migrate import (
    DEFAULT_SCHEMA,
    app_role_statements,
    check_role,
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
    "app_role_statements",
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
    app_role: str | None = None,
) -> MigrationResult:
    """Bring a database's schema up to date (or up to version `to`); safe to run again.

    Each call applies the pending migrations in one transaction: all of them
    or, on an error, none. A database already at the target version is left
    alone and the result says so (`changed` is False).

    PostgreSQL enforces tenants with row-level security, which does not
    apply to superusers, roles with BYPASSRLS, or the tables' owner (the
    role that migrates). With `app_role`, the same transaction then makes
    that role the application's: created if missing (`NOLOGIN`; give it
    `LOGIN` or grant it to the login roles the application uses), granted
    `USAGE` on the schema, `SELECT, INSERT, UPDATE, DELETE` on the tables
    (`SELECT` only on the version table) and `USAGE, SELECT` on the
    sequences; see [app_role_statements][clubrules.storage.migrations.app_role_statements].
    They are applied on every call, so running it again is fine.

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
        app_role: PostgreSQL only: the role the application connects as
            (a plain lower-case identifier), to create and grant as above.

    Returns:
        The versions before and after, and the migrations applied.

    Raises:
        ValidationError: an unknown URL scheme, a SQLite path holding a NUL
            or a lone surrogate (rule `sqlite_path`), a PostgreSQL URL libpq
            cannot parse (rule `conninfo`), an unknown version `to`, a
            `schema` or `app_role` that is not a plain identifier, either
            given for SQLite, or a `schema` other than a `PostgresDatabase`'s
            own.
        MigrationError: the database is newer than this clubrules, its
            recorded history disagrees with the shipped migrations, a
            migration failed (and was rolled back), or `app_role` is a
            superuser, has BYPASSRLS or owns the tables.
        RetryableStorageError: the database is locked or the connection was
            lost; nothing was applied.
        StorageError: the database could not be opened.

    Examples:
        >>> result = migrate("sqlite:///:memory:")
        >>> result.previous_version, result.version == latest_version("sqlite")
        (0, True)
    """
    if app_role is not None:
        check_role(app_role, field="app_role")
    if isinstance(target, str):
        return _migrate_url(target, to, schema, app_role)
    _check_schema(target, schema)
    if isinstance(target, sqlite3.Connection | SQLiteDatabase) and app_role is not None:
        _refuse_sqlite_app_role()
    if isinstance(target, sqlite3.Connection):
        return migrate_sqlite_connection(target, to=to)
    if isinstance(target, SQLiteDatabase):
        return target.migrate(to=to)
    if isinstance(target, PostgresDatabase):
        return _migrate_postgres_database(target, to, app_role)
    if type(target).__module__.startswith("psycopg"):
        return migrate_postgres_connection(
            target, to=to, schema=DEFAULT_SCHEMA if schema is None else schema, app_role=app_role
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


def _refuse_sqlite_app_role() -> NoReturn:
    raise ValidationError(
        "applies to PostgreSQL only: SQLite has no roles (the adapters scope every"
        " statement to the tenant themselves)",
        field="app_role",
        rule="not_postgres",
    )


def _migrate_postgres_database(
    database: PostgresDatabase, to: int | None, app_role: str | None
) -> MigrationResult:
    if app_role is None:
        return database.migrate(to=to)
    # The database's own migrate() knows no app role; the same connection and schema.
    with database._autocommit() as conn:  # noqa: SLF001 - the migrating connection
        return migrate_postgres_connection(conn, to=to, schema=database.schema, app_role=app_role)


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
        problem: str | None = None
        try:
            path = require_path(rest[1:], "url")
        except ValidationError as error:  # the path's own problem, on the URL's field
            problem = error.violations[0].message
        if problem is not None:
            raise ValidationError(f"a SQLite path that {problem}", field="url", rule="sqlite_path")
        if schema is not None:
            _refuse_sqlite_schema()
        return SQLiteDatabase(path)
    if sep and scheme in {"postgres", "postgresql", "postgresql+psycopg"}:
        return PostgresDatabase(
            "postgresql://" + rest, schema=DEFAULT_SCHEMA if schema is None else schema
        )
    # Never echo the URL: it may carry a password.
    raise ValidationError(
        "must start with sqlite:/// or postgresql://", field="url", rule="unknown_scheme"
    )


def _migrate_url(
    url: str, to: int | None, schema: str | None, app_role: str | None
) -> MigrationResult:
    if app_role is not None and url.lower().startswith("sqlite:"):
        _refuse_sqlite_app_role()  # before the file is opened (or created)
    database = _open_url(url, schema)
    try:
        if isinstance(database, SQLiteDatabase):
            return database.migrate(to=to)
        return _migrate_postgres_database(database, to, app_role)
    finally:
        database.close()


publish(__name__)
