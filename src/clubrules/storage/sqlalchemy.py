"""The SQLite and PostgreSQL adapters inside a SQLAlchemy `Session` or `Connection` (sync).

Needs SQLAlchemy 2 (`pip install 'clubrules[sqlalchemy]'`); nothing else in
clubrules imports this module. [database_for][clubrules.storage.sqlalchemy.database_for]
builds a database on the driver connection under the session's current
transaction, with `from_connection`: every adapter built on it writes in
that transaction, and your `session.commit()` or `session.rollback()`
decides for the library's rows and your ORM objects together. The adapters
never commit, roll back or close anything.

```python
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from clubrules.storage.sqlalchemy import database_for, migrate
from clubrules.storage.sqlite import SQLiteCustomerRepository

engine = create_engine("sqlite://")
migrate(engine)
with Session(engine) as session:
    customers = SQLiteCustomerRepository(database_for(session))
    assert list(customers.customers()) == []
    session.commit()
engine.dispose()
```

Two dialects are supported: `sqlite://` (the standard `sqlite3` driver)
and `postgresql+psycopg://` (psycopg 3). A database built by
`database_for` belongs to the transaction it was built in and is closed
when that transaction ends: build it again (it is cheap) in the next one,
since the session may then hold another pooled connection.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from typing import Any

try:
    from sqlalchemy import Connection, Engine, event
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session
except ImportError as _missing:  # pragma: no cover - the test environment has the extra
    raise ImportError(
        "clubrules.storage.sqlalchemy needs SQLAlchemy 2: pip install 'clubrules[sqlalchemy]'"
    ) from _missing

from clubrules._public import publish
from clubrules.errors import StorageError, ValidationError
from clubrules.storage.migrations import MigrationResult
from clubrules.storage.migrations import migrate as _migrate
from clubrules.storage.postgres import PostgresDatabase
from clubrules.storage.sqlite import SQLiteDatabase

__all__ = ["database_for", "migrate", "postgres_database_for", "sqlite_database_for"]

# The databases built on each SQLAlchemy connection in its open transaction:
# closed when that transaction commits or rolls back, so that a database kept
# past its transaction refuses to write rather than write outside it.
_built: weakref.WeakKeyDictionary[Connection, list[SQLiteDatabase | PostgresDatabase]] = (
    weakref.WeakKeyDictionary()
)
_built_lock = threading.Lock()


def _close_built(connection: Connection) -> None:
    """The transaction of `connection` ended: close the databases built in it."""
    with _built_lock:
        databases = _built.get(connection)
        ended = list(databases or ())
        if databases:
            databases.clear()
    for database in ended:
        database.close()


def _close_with_transaction(
    connection: Connection, database: SQLiteDatabase | PostgresDatabase
) -> None:
    with _built_lock:
        databases = _built.get(connection)
        if databases is None:
            databases = _built[connection] = []
            event.listen(connection, "commit", _close_built)
            event.listen(connection, "rollback", _close_built)
        databases.append(database)


def _unavailable(kind: str) -> StorageError:
    """SQLAlchemy refused a connection; raised outside the `except`, without the original.

    SQLAlchemy's messages may quote a statement with its parameters (a
    `PendingRollbackError` repeats a failed flush's), so only the class is named.
    """
    return StorageError(f"SQLAlchemy could not give a connection ({kind})")


def _in_transaction(bind: object) -> Connection:
    """The SQLAlchemy connection of `bind`'s transaction, begun if none is open yet."""
    failure = ""
    try:
        if isinstance(bind, Session):
            return bind.connection()
        if isinstance(bind, Connection):
            if bind.closed:
                raise ValidationError("the connection is closed", field="bind", rule="closed")
            if not bind.in_transaction():
                bind.begin()  # what the first statement would do; `bind.commit()` ends it
            return bind
    except SQLAlchemyError as error:
        failure = type(error).__name__
    if failure:
        raise _unavailable(failure)
    if isinstance(bind, Engine):
        raise ValidationError(
            "must be a Session or a Connection, not an Engine: an Engine has no transaction"
            " (use `with engine.begin() as conn:` or a Session)",
            field="bind",
            rule="not_a_connection",
        )
    raise ValidationError(
        f"must be a SQLAlchemy Session or Connection, not {type(bind).__name__}",
        field="bind",
        rule="not_a_connection",
    )


def _driver_connection(connection: Connection) -> Any:  # noqa: ANN401 - the driver's own type
    failure = ""
    try:
        return connection.connection.driver_connection
    except SQLAlchemyError as error:
        failure = type(error).__name__
    raise _unavailable(failure)


def database_for(
    bind: Session | Connection, *, schema: str | None = None
) -> SQLiteDatabase | PostgresDatabase:
    """A database for the adapters, on the connection under `bind`'s current transaction.

    A `Session` begins its transaction if it has none yet (as
    `session.connection()` does); so does a `Connection` (as its first
    statement would), which you then end with `connection.commit()` or
    `connection.rollback()`. The adapters built on the returned database
    write in that transaction and never commit, roll back or close it.
    When the transaction commits or rolls back, the database is closed:
    the adapters built on it then raise `StorageError` instead of writing
    outside the transaction (or, once the connection is back in the pool,
    inside someone else's). Build a new one, cheaply, for each transaction.
    On PostgreSQL, `schema` names the schema holding the clubrules tables
    (default `clubrules`); on SQLite it must be None.

    On SQLite, SQLAlchemy's default leaves transactions to the `sqlite3`
    driver, which begins one before the first `INSERT` or `UPDATE`; the
    first clubrules write begins one (`BEGIN IMMEDIATE`) if your session
    has not written yet. That is correct for the library's writes, whose
    checks run under the write lock. For your own reads to join the same
    transaction, emit `BEGIN IMMEDIATE` yourself as SQLAlchemy documents
    for pysqlite: turn off the driver's own `BEGIN` (`isolation_level =
    None` in a `connect` event) and run `BEGIN IMMEDIATE` in a `begin`
    event.

    Raises:
        ValidationError: `bind` is not a `Session` or `Connection` (an
            `Engine` has no transaction), its dialect is neither `sqlite`
            with the `sqlite3` driver nor `postgresql+psycopg`, or
            `schema` is not a plain identifier (or is given for SQLite).
        StorageError: SQLAlchemy could not give a connection.

    Examples:
        >>> from sqlalchemy import create_engine
        >>> engine = create_engine("sqlite://")
        >>> with engine.connect() as conn:
        ...     db = database_for(conn)
        ...     db.migrate().version >= 1
        True
        >>> engine.dispose()
    """
    connection = _in_transaction(bind)
    dialect, driver = connection.dialect.name, connection.dialect.driver
    raw = _driver_connection(connection)
    database: SQLiteDatabase | PostgresDatabase
    if dialect == "sqlite" and isinstance(raw, sqlite3.Connection):
        if schema is not None:
            raise ValidationError(
                "names a PostgreSQL schema; SQLite has none", field="schema", rule="not_postgres"
            )
        database = SQLiteDatabase.from_connection(raw)
    elif dialect == "postgresql" and driver == "psycopg":
        database = PostgresDatabase.from_connection(raw, schema=schema or "clubrules")
    else:
        raise _unsupported(dialect, driver)
    _close_with_transaction(connection, database)
    return database


def _unsupported(dialect: str, driver: str) -> ValidationError:
    return ValidationError(
        f"the {dialect}+{driver} dialect is not supported: use sqlite:// (the sqlite3 driver)"
        " or postgresql+psycopg:// (psycopg 3)",
        field="bind",
        rule="unsupported_dialect",
    )


def sqlite_database_for(bind: Session | Connection) -> SQLiteDatabase:
    """[database_for][clubrules.storage.sqlalchemy.database_for], for a SQLite `bind` only.

    Typed for the SQLite adapters.

    Raises:
        ValidationError: as for `database_for`, or `bind` is on PostgreSQL.
        StorageError: SQLAlchemy could not give a connection.
    """
    database = database_for(bind)
    if not isinstance(database, SQLiteDatabase):
        raise ValidationError(
            "must be bound to a SQLite database", field="bind", rule="unsupported_dialect"
        )
    return database


def postgres_database_for(
    bind: Session | Connection, *, schema: str | None = None
) -> PostgresDatabase:
    """[database_for][clubrules.storage.sqlalchemy.database_for], for a PostgreSQL `bind` only.

    Typed for the PostgreSQL adapters; `schema` as for `database_for`.

    Raises:
        ValidationError: as for `database_for`, or `bind` is on SQLite.
        StorageError: SQLAlchemy could not give a connection.
    """
    database = database_for(bind, schema=schema)
    if not isinstance(database, PostgresDatabase):
        raise ValidationError(
            "must be bound to a PostgreSQL database", field="bind", rule="unsupported_dialect"
        )
    return database


def migrate(
    bind: Engine | Connection, *, to: int | None = None, schema: str | None = None
) -> MigrationResult:
    """Bring the clubrules schema of `bind`'s database up to date; safe to run again.

    Runs [clubrules.storage.migrations.migrate][clubrules.storage.migrations.migrate]
    on the driver connection. With an `Engine`, on a connection of its own,
    committed before this returns. With a `Connection` (an Alembic
    migration's `op.get_bind()`, say): on PostgreSQL inside its open
    transaction, which commits the schema with the rest; on SQLite the
    connection must have no transaction open, since the migration commits
    its own. `schema` names the PostgreSQL schema (default `clubrules`).

    Raises:
        ValidationError: `bind` is not an `Engine` or `Connection`, or the
            dialect is not supported.
        MigrationError: as for `clubrules.storage.migrations.migrate`.
        StorageError: SQLAlchemy could not give a connection.
    """
    if isinstance(bind, Engine):
        failure = ""
        try:
            # On PostgreSQL in a transaction that SQLAlchemy commits; SQLite's
            # migration begins and commits its own, so none may be open there.
            connection = bind.begin() if bind.dialect.name == "postgresql" else bind.connect()
            with connection as conn:
                return _migrate_on(conn, to, schema)
        except SQLAlchemyError as error:
            failure = type(error).__name__
        raise _unavailable(failure)
    if isinstance(bind, Connection):
        return _migrate_on(bind, to, schema)
    raise ValidationError(
        f"must be a SQLAlchemy Engine or Connection, not {type(bind).__name__}",
        field="bind",
        rule="not_a_connection",
    )


def _migrate_on(connection: Connection, to: int | None, schema: str | None) -> MigrationResult:
    dialect, driver = connection.dialect.name, connection.dialect.driver
    raw = _driver_connection(connection)
    if (dialect == "sqlite" and isinstance(raw, sqlite3.Connection)) or (
        dialect == "postgresql" and driver == "psycopg"
    ):
        return _migrate(raw, to=to, schema=schema)
    raise _unsupported(dialect, driver)


publish(__name__)
