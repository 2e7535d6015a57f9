"""Applying the shipped migrations to a PostgreSQL connection, under an advisory lock.

Every clubrules object lives in one schema, `clubrules` unless the database
is given another. The shipped files name their tables `clubrules.<name>`
(and are recorded by the checksums of that text); they run with that
qualifier replaced by the schema's, so that two schemas of one database can
each hold a clubrules schema of their own.

Row-level security keeps each tenant to its own rows for every role except
superusers, roles with BYPASSRLS, and (through ALTER TABLE) the tables'
owner. The application therefore connects as a role of its own that owns
nothing: `app_role_statements` creates it and grants it what the adapters
need, and `migrate_postgres_connection(..., app_role=...)` applies them.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from clubrules.errors import MigrationError, ValidationError
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
    "app_role_statements",
    "check_role",
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
# PostgreSQL refuses these as role names.
_RESERVED_ROLES = frozenset({"public", "none"})
# The statements of app_role_statements, formatted with checked identifiers.
_APP_ROLE_STATEMENTS = (
    """DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {quoted} NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$""",
    """DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles
               WHERE rolname = '{role}' AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role {role} bypasses row-level security (superuser or BYPASSRLS)';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_class
               WHERE relnamespace = '{schema}'::regnamespace
                 AND pg_catalog.pg_has_role('{role}', relowner, 'MEMBER')) THEN
        RAISE EXCEPTION 'role {role} owns the clubrules tables in {schema}';
    END IF;
END
$$""",
    "GRANT USAGE ON SCHEMA {schema} TO {quoted}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
    "REVOKE ALL ON {prefix}schema_version FROM {quoted}",
    "GRANT SELECT ON {prefix}schema_version TO {quoted}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
    (
        "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
        " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}"
    ),
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
)
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


def check_role(role: object, *, field: str = "role") -> str:
    """`role` if it is a plain lower-case identifier that PostgreSQL allows as a role name.

    Raises:
        ValidationError: not a lower-case SQL identifier (a letter or
            underscore, then letters, digits or underscores, at most 63
            characters), or a name PostgreSQL reserves (`pg_...`, `public`,
            `none`). The error names `field`.
    """
    if not isinstance(role, str) or _IDENTIFIER.fullmatch(role) is None:
        raise ValidationError(
            "must be a lower-case SQL identifier: a letter or underscore, then letters,"
            " digits or underscores, at most 63 characters",
            field=field,
            rule="identifier",
        )
    if role.startswith("pg_") or role in _RESERVED_ROLES:
        raise ValidationError(
            "names a role that PostgreSQL reserves for itself", field=field, rule="reserved"
        )
    return role


def app_role_statements(role: str, *, schema: str = DEFAULT_SCHEMA) -> list[str]:
    """The SQL that makes `role` the application's role for the clubrules tables in `schema`.

    Row-level security keeps each tenant to its own rows only for a role
    that is not a superuser, has no BYPASSRLS, and does not own the tables
    (an owner could switch the policies off). The application should
    therefore connect as such a role, not as the role that migrates. The
    statements, run after migrating, by the tables' owner (or a superuser):

    1. create `role` if it is missing, `NOLOGIN` (the DBA gives it `LOGIN`
       and a password, or, better, grants it to the login roles the
       application connects as: `GRANT clubrules_app TO web_1`);
    2. refuse (an exception, nothing granted) a `role` that is a superuser,
       has BYPASSRLS, or owns (or is a member of the owner of) a table of
       `schema`;
    3. grant it `USAGE` on `schema`, `SELECT, INSERT, UPDATE, DELETE` on
       every table there except the version table (`SELECT` only), and
       `USAGE, SELECT` on the sequences;
    4. grant the same on the tables and sequences that the running role
       creates in `schema` later (default privileges), so that a later
       migration's tables are covered too.

    Running them again changes nothing. Nothing is revoked except the
    version table's write privileges; `migrate(..., app_role=...)` applies
    them in the migration's transaction, and `clubrules db grants` prints
    them for a DBA.

    Args:
        role: The application's role: a plain lower-case identifier.
        schema: The schema that holds the clubrules tables.

    Returns:
        The statements, in order, each without its closing semicolon.

    Raises:
        ValidationError: `role` or `schema` is not a plain lower-case
            identifier, or names one PostgreSQL reserves.

    Examples:
        >>> statements = app_role_statements("clubrules_app")
        >>> statements[-3]
        'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "clubrules" TO "clubrules_app"'
    """
    role = check_role(role)
    prefix = schema_prefix(schema)
    # Both names are checked identifiers: quoting them needs no escaping.
    names = {"role": role, "quoted": f'"{role}"', "schema": prefix[:-1], "prefix": prefix}
    return [statement.format(**names) for statement in _APP_ROLE_STATEMENTS]


def _refuse_bypassing_role(conn: psycopg.Connection[Any], role: str, prefix: str) -> None:
    """Say plainly why `role` cannot be the application's role (the SQL check only raises)."""
    found = conn.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = %s", (role,)
    ).fetchone()
    if found is None:
        return
    if found[0]:
        raise MigrationError(
            f"the app role {role} is a superuser or has BYPASSRLS, so row-level security"
            " does not apply to it: name a role without them"
        )
    owns = conn.execute(
        "SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = to_regnamespace(%s)"
        " AND pg_catalog.pg_has_role(%s, relowner, 'MEMBER') LIMIT 1",
        (prefix[:-1], role),
    ).fetchone()
    if owns is not None:
        raise MigrationError(
            f"the app role {role} owns the clubrules tables (or is a member of their owner),"
            " so it could switch row-level security off: name a role that owns nothing"
        )


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
    conn: psycopg.Connection[Any],
    *,
    to: int | None = None,
    schema: str = DEFAULT_SCHEMA,
    app_role: str | None = None,
) -> MigrationResult:
    """Apply the pending PostgreSQL migrations on `conn`, in one transaction, in `schema`.

    The schema is created if it does not exist (which takes the CREATE
    privilege on the database); the version table is `<schema>.schema_version`.
    An advisory lock serialises concurrent migrators: the second waits, then
    finds nothing left to do. With `conn` already inside a transaction, the
    work happens in a savepoint and the caller's commit makes it durable.
    With `app_role`, the statements of `app_role_statements` run last, in
    the same transaction (every time, even when no migration was pending).

    Raises:
        ValidationError: `schema` or `app_role` is not a plain identifier,
            or `to` is not a shipped version.
        MigrationError: the database is newer than this clubrules, its
            history disagrees with the package, a statement failed, or
            `app_role` is a superuser, has BYPASSRLS or owns the tables
            (nothing is applied then).
        RetryableStorageError: the connection was lost, or a lock timed out.
    """
    prefix = schema_prefix(schema)
    grants = None if app_role is None else app_role_statements(check_role(app_role), schema=schema)
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
        if app_role is not None and grants is not None:
            _refuse_bypassing_role(conn, app_role, prefix)
            for statement in grants:
                conn.execute(statement.encode("utf-8"))
    for label in applied:
        # Committed, or in a savepoint of the caller's transaction, which commits it.
        logger.info("PostgreSQL migration %s applied in schema %s", label, schema)
    if app_role is not None:
        logger.info("PostgreSQL app role %s granted its privileges in schema %s", app_role, schema)
    return MigrationResult("postgres", previous, max(previous, target), tuple(applied))
