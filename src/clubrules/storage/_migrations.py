"""Versioned SQL migrations: loading them from the package, and applying them once.

The SQL files live in `clubrules/storage/migrations/<dialect>/NNNN_name.sql`,
shipped as package data. Version numbers start at 1 and have no gaps; both
dialects have the same versions, each meaning the same logical schema. A
database records what was applied in a version table (`clubrules_schema_version`
in SQLite, `clubrules.schema_version` in PostgreSQL), with each file's SHA-256,
so that an edited migration or a database newer than the package is refused
rather than guessed at.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sqlite3
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import attrs

from clubrules.errors import MigrationError, RetryableStorageError, StorageError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import psycopg

    from clubrules.storage._postgres_db import PostgresDatabase
    from clubrules.storage._sqlite_db import SQLiteDatabase

__all__ = [
    "DIALECTS",
    "Dialect",
    "Migration",
    "MigrationResult",
    "available_migrations",
    "latest_version",
    "migrate",
    "migrate_postgres_connection",
    "migrate_sqlite_connection",
    "postgres_schema_version",
    "schema_version",
    "split_sqlite_script",
    "sqlite_schema_version",
]

Dialect = Literal["postgres", "sqlite"]
"""The SQL dialects that migrations ship for."""
DIALECTS: tuple[Dialect, ...] = ("postgres", "sqlite")
"""Every `Dialect`, sorted."""

_FILE = re.compile(r"(?P<version>[0-9]{4})_(?P<name>[a-z0-9_]+)\.sql")
# Any fixed 64-bit number: the advisory lock that serialises concurrent migrators.
_PG_LOCK = 7_310_002_104_355_218_001

_SQLITE_TABLE = """
CREATE TABLE IF NOT EXISTS clubrules_schema_version (
    version       INTEGER PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    checksum      TEXT NOT NULL,
    applied_at_us INTEGER NOT NULL
)"""
# The database's own clock stamps each migration: no wall clock read in Python.
_SQLITE_NOW_US = "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"

_PG_TABLE = b"""
CREATE TABLE IF NOT EXISTS clubrules.schema_version (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


@attrs.frozen
class Migration:
    """One versioned SQL migration shipped with clubrules.

    Attributes:
        version: Its number, from 1, without gaps.
        name: What it does, from its file name (`customers_and_privacy`).
        dialect: `"sqlite"` or `"postgres"`.
        sql: The SQL script.
    """

    version: int
    name: str
    dialect: Dialect
    sql: str = attrs.field(repr=False)

    @property
    def checksum(self) -> str:
        """The SHA-256 of the script, recorded when it is applied."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        """The file stem, such as `0001_customers_and_privacy`."""
        return f"{self.version:04d}_{self.name}"


@attrs.frozen
class MigrationResult:
    """What `migrate` did.

    Attributes:
        dialect: `"sqlite"` or `"postgres"`.
        previous_version: The schema version before (0 for an empty database).
        version: The schema version now.
        applied: The labels of the migrations applied by this call, in order;
            empty when the database was already up to date.
    """

    dialect: Dialect
    previous_version: int
    version: int
    applied: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether this call applied anything."""
        return bool(self.applied)

    def as_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (what `clubrules db migrate --json` prints)."""
        return {
            "dialect": self.dialect,
            "previous_version": self.previous_version,
            "version": self.version,
            "applied": list(self.applied),
        }


@functools.cache
def available_migrations(dialect: Dialect) -> tuple[Migration, ...]:
    """Every migration shipped for `dialect`, in version order.

    Raises:
        ValidationError: `dialect` is not `"sqlite"` or `"postgres"`.
        MigrationError: the shipped files are misnumbered (a broken install).
    """
    if dialect not in DIALECTS:
        raise ValidationError(
            f"{dialect!r} is not one of {', '.join(DIALECTS)}", field="dialect", rule="dialect"
        )
    folder = resources.files("clubrules.storage.migrations").joinpath(dialect)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _FILE.fullmatch(entry.name)
        if match is None:
            continue
        found.append(
            Migration(
                version=int(match["version"]),
                name=match["name"],
                dialect=dialect,
                sql=entry.read_text(encoding="utf-8"),
            )
        )
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise MigrationError(f"the {dialect} migrations shipped with clubrules are misnumbered")
    return tuple(found)


def latest_version(dialect: Dialect) -> int:
    """The newest schema version that this clubrules ships for `dialect`."""
    return len(available_migrations(dialect))


def _target(dialect: Dialect, to: int | None) -> int:
    latest = latest_version(dialect)
    if to is None:
        return latest
    given: object = to
    if isinstance(given, bool) or not isinstance(given, int) or not 0 <= given <= latest:
        raise ValidationError(
            f"must be a schema version from 0 to {latest}", field="to", rule="unknown_version"
        )
    return to


def _check_history(dialect: Dialect, rows: Sequence[tuple[Any, ...]]) -> int:
    """The current version, after checking the recorded history against the package."""
    shipped = available_migrations(dialect)
    versions = [int(r[0]) for r in rows]
    if not versions:
        return 0
    current = max(versions)
    if current > len(shipped):
        raise MigrationError(
            f"the database is at schema version {current}, newer than this clubrules "
            f"knows ({len(shipped)}): upgrade clubrules"
        )
    if versions != list(range(1, current + 1)):
        raise MigrationError(f"the schema version history is incomplete: {versions}")
    for version, _name, checksum in rows:
        if checksum != shipped[int(version) - 1].checksum:
            raise MigrationError(
                f"migration {shipped[int(version) - 1].label} was applied from different SQL "
                "than this clubrules ships (an edited migration?)"
            )
    return current


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _forward_only(previous: int, target: int) -> None:
    if target < previous:
        raise MigrationError(f"the database is at version {previous}; migrations only go forward")


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
    return _check_history("sqlite", _sqlite_history(conn))


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
    target = _target("sqlite", to)
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
            previous = _check_history("sqlite", _sqlite_history(conn))
            _forward_only(previous, target)
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
        except BaseException:
            _rollback(conn)
            raise
    except sqlite3.Error as error:
        raise _sqlite_failure(error, during) from error
    finally:
        conn.isolation_level = saved
    return MigrationResult("sqlite", previous, max(previous, target), tuple(applied))


def _pg_history(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    found = conn.execute("SELECT to_regclass('clubrules.schema_version')").fetchone()
    if found is None or found[0] is None:
        return []
    return conn.execute(
        "SELECT version, name, checksum FROM clubrules.schema_version ORDER BY version"
    ).fetchall()


def postgres_schema_version(conn: psycopg.Connection[Any]) -> int:
    """The schema version of a PostgreSQL database (0 if never migrated)."""
    from clubrules.storage._postgres_db import translated  # noqa: PLC0415 - psycopg is optional

    with translated(migration=True):
        return _check_history("postgres", _pg_history(conn))


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
    from clubrules.storage._postgres_db import translated  # noqa: PLC0415 - psycopg is optional

    target = _target("postgres", to)
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
        previous = _check_history("postgres", _pg_history(conn))
        _forward_only(previous, target)
        for migration in available_migrations("postgres")[previous:target]:
            conn.execute(migration.sql.encode("utf-8"))
            conn.execute(
                "INSERT INTO clubrules.schema_version (version, name, checksum)"
                " VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            applied.append(migration.label)
    return MigrationResult("postgres", previous, max(previous, target), tuple(applied))


def _is_database(target: object) -> bool:
    # Imported here: both modules import this one. Neither imports psycopg.
    from clubrules.storage._postgres_db import PostgresDatabase  # noqa: PLC0415
    from clubrules.storage._sqlite_db import SQLiteDatabase  # noqa: PLC0415

    return isinstance(target, SQLiteDatabase | PostgresDatabase)


def migrate(
    target: str | sqlite3.Connection | psycopg.Connection[Any] | SQLiteDatabase | PostgresDatabase,
    *,
    to: int | None = None,
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

    Returns:
        The versions before and after, and the migrations applied.

    Raises:
        ValidationError: an unknown URL scheme, or an unknown version `to`.
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
        return _migrate_url(target, to)
    if isinstance(target, sqlite3.Connection):
        return migrate_sqlite_connection(target, to=to)
    if _is_database(target):
        return target.migrate(to=to)  # type: ignore[union-attr]
    if type(target).__module__.startswith("psycopg"):
        return migrate_postgres_connection(target, to=to)  # type: ignore[arg-type]
    raise ValidationError(
        f"cannot migrate a {type(target).__name__}: pass a URL, a connection or a database",
        field="target",
        rule="unknown_target",
    )


def schema_version(
    target: str | sqlite3.Connection | psycopg.Connection[Any] | SQLiteDatabase | PostgresDatabase,
) -> int:
    """The schema version of a database (0 if it was never migrated), without changing it.

    Args:
        target: As for [migrate][clubrules.storage.migrations.migrate].

    Raises:
        MigrationError: the database is newer than this clubrules, or its
            history disagrees with the shipped migrations.
    """
    if isinstance(target, str):
        database = open_url(target)
        try:
            return database.schema_version()
        finally:
            database.close()
    if isinstance(target, sqlite3.Connection):
        return sqlite_schema_version(target)
    if _is_database(target):
        return target.schema_version()  # type: ignore[union-attr]
    return postgres_schema_version(target)  # type: ignore[arg-type]


def open_url(url: str) -> SQLiteDatabase | PostgresDatabase:
    """Open the database named by a `sqlite:///` or `postgresql://` URL."""
    from clubrules.storage._postgres_db import PostgresDatabase  # noqa: PLC0415 - optional
    from clubrules.storage._sqlite_db import SQLiteDatabase  # noqa: PLC0415 - import cycle

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
        return SQLiteDatabase(rest[1:])
    if sep and scheme in {"postgres", "postgresql", "postgresql+psycopg"}:
        return PostgresDatabase("postgresql://" + rest)
    # Never echo the URL: it may carry a password.
    raise ValidationError(
        "must start with sqlite:/// or postgresql://", field="url", rule="unknown_scheme"
    )


def _migrate_url(url: str, to: int | None) -> MigrationResult:
    database = open_url(url)
    try:
        return database.migrate(to=to)
    finally:
        database.close()
