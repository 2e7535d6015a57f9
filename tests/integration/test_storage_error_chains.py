"""A storage error shows no row value anywhere in its chain, its traceback or its log record.

The database's own error can quote what it refused: PostgreSQL's "Failing
row contains (...)" (a check or not-null violation), "Key (...)=(...)
already exists" (a unique violation), a class 22 message quoting the text
it could not read and its CONTEXT line quoting the parameter, and SQLite's
"Could not decode to UTF-8 column ... with text '...'". The clubrules error
keeps the SQLSTATE (or SQLite's error name), the driver's class name and
the schema names from the diagnostics; it neither chains the driver's error
as its cause nor keeps it as its context. Errors raised before the server
saw any parameter (no SQLSTATE: a refused connection, a pool that ran dry)
keep it as their cause, for operators.

The errors come from a real server through the public paths (the app's own
statements in `connection()` and `unit_of_work()`, `run_in_transaction`,
the adapters' one-statement path, a COMMIT refused by a deferred
constraint), sync and async, and through the translation helpers directly.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import socket
import sqlite3
import traceback
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.errors import (
    CommitOutcomeUnknownError,
    DuplicateError,
    MigrationError,
    RetryableStorageError,
    StorageError,
    ValidationError,
)
from clubrules.storage import run_in_transaction, run_in_transaction_async
from clubrules.storage.postgres import AsyncPostgresDatabase, PostgresDatabase
from clubrules.storage.postgres._errors import translated
from clubrules.storage.sqlite import SQLiteDatabase
from tests._chains import assert_clean

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

PRIVATE = "13800138000 allergic to penicillin"
_names = itertools.count()
_probe = itertools.count()

# Each statement fails on the server with PRIVATE in its message, detail or context.
_TABLE = (
    "CREATE TABLE {name} (id text PRIMARY KEY, note text NOT NULL CHECK (note <> '{private}'),"
    " later text UNIQUE DEFERRABLE INITIALLY DEFERRED)"
)
_FAILING: dict[str, tuple[str, tuple[object, ...]]] = {
    "23514 check": ("INSERT INTO {name} (id, note) VALUES (%s, %s)", ("a", PRIVATE)),
    "23502 not null": ("INSERT INTO {name} (id, note) VALUES (%s, NULL)", (PRIVATE,)),
    "23505 unique": ("INSERT INTO {name} (id, note) VALUES (%s, 'x')", ("taken " + PRIVATE,)),
    "22 bad integer": ("SELECT %s::text::int", (PRIVATE,)),
    "22P02 bad json": ("SELECT %s::text::jsonb", ("{" + PRIVATE,)),
    "22007 bad date": ("SELECT %s::text::date", (PRIVATE,)),
}
_EXPECTED: dict[str, type[Exception]] = {
    "23514 check": StorageError,
    "23502 not null": StorageError,
    "23505 unique": DuplicateError,
    "22 bad integer": StorageError,
    "22P02 bad json": StorageError,
    "22007 bad date": StorageError,
}


def _shown(error: BaseException) -> str:
    """Everything a traceback and a `logger.exception` record print of `error`."""
    text = "".join(traceback.format_exception(error))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log = logging.getLogger(f"clubrules.tests.chains.{next(_probe)}")
    log.propagate = False
    log.addHandler(handler)
    try:
        try:
            raise error
        except type(error):
            log.exception("the storage call failed")
    finally:
        log.removeHandler(handler)
    return text + stream.getvalue() + str(error) + repr(error)


def _check(error: BaseException, expected: type[Exception] = StorageError) -> None:
    assert isinstance(error, expected)
    assert_clean(error, PRIVATE, "taken")
    shown = _shown(error)
    assert PRIVATE not in shown
    assert "13800138000" not in shown
    assert "penicillin" not in shown
    assert error.__cause__ is None  # the server saw the row: its error is not chained


@pytest.fixture(scope="module")
def url(postgres_cluster: PostgresCluster) -> str:
    """A fresh, migrated database for the module."""
    database_url = postgres_cluster.create_database("error_chains")
    with PostgresDatabase(database_url) as db:
        db.migrate()
    return database_url


@pytest.fixture
def table(url: str) -> str:
    """A fresh table of the app's own, with a row whose id is taken."""
    name = f"public.app_rows_{next(_names)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_TABLE.format(name=name, private=PRIVATE))
        insert = f"INSERT INTO {name} (id, note) VALUES (%s, 'x')"  # noqa: S608
        conn.execute(insert, ("taken " + PRIVATE,))
    return name


@pytest.fixture
def database(url: str) -> Iterator[PostgresDatabase]:
    """A pooled database on the module's database."""
    with PostgresDatabase(url, pool_size=2, timeout=5) as db:
        yield db


def _statement(table: str, case: str) -> tuple[str, tuple[object, ...]]:
    query, params = _FAILING[case]
    return query.format(name=table), params


_pg = pytest.mark.postgres
_cases = pytest.mark.parametrize("case", sorted(_FAILING))


@_pg
@_cases
def test_the_apps_statement_in_connection(
    database: PostgresDatabase, table: str, case: str
) -> None:
    query, params = _statement(table, case)
    with pytest.raises(_EXPECTED[case]) as caught, database.connection() as conn:
        conn.execute(query, params)
    _check(caught.value, _EXPECTED[case])


@_pg
@_cases
def test_the_apps_statement_in_a_unit_of_work(
    database: PostgresDatabase, table: str, case: str
) -> None:
    query, params = _statement(table, case)
    with pytest.raises(_EXPECTED[case]) as caught, database.unit_of_work() as conn:
        conn.execute(query, params)
    _check(caught.value, _EXPECTED[case])


@_pg
@_cases
def test_a_savepoint_inside_a_unit_of_work(
    database: PostgresDatabase, table: str, case: str
) -> None:
    query, params = _statement(table, case)
    with database.unit_of_work():
        with pytest.raises(_EXPECTED[case]) as caught, database.unit_of_work() as conn:
            conn.execute(query, params)
        _check(caught.value, _EXPECTED[case])


@_pg
@_cases
def test_run_in_transaction(database: PostgresDatabase, table: str, case: str) -> None:
    query, params = _statement(table, case)
    with pytest.raises(_EXPECTED[case]) as caught:
        run_in_transaction(database, lambda conn: conn.execute(query, params))
    _check(caught.value, _EXPECTED[case])


@_pg
@_cases
@pytest.mark.parametrize("pooled", [True, False])
def test_the_one_statement_path(url: str, table: str, case: str, *, pooled: bool) -> None:
    """The adapters' one-statement calls (`_read`, `_changed`): the direct path, then psycopg."""
    query, params = _statement(table, case)
    db = PostgresDatabase(url, pool_size=2) if pooled else PostgresDatabase(url, pool_size=0)
    with db:
        with pytest.raises(_EXPECTED[case]) as caught:
            db._changed(query, params)
        _check(caught.value, _EXPECTED[case])
        with pytest.raises(_EXPECTED[case]) as caught, db.unit_of_work():
            db._read(query, params, one=True)
        _check(caught.value, _EXPECTED[case])


@_pg
def test_a_commit_refused_by_a_deferred_constraint(database: PostgresDatabase, table: str) -> None:
    insert = f"INSERT INTO {table} (id, note, later) VALUES (%s, 'x', %s)"  # noqa: S608
    with pytest.raises(DuplicateError) as caught, database.unit_of_work() as conn:
        conn.cursor().executemany(insert, [(row, "later " + PRIVATE) for row in ("b", "c")])
    _check(caught.value, DuplicateError)


@_pg
def test_the_names_from_the_diagnostics_are_kept(database: PostgresDatabase, table: str) -> None:
    query, params = _statement(table, "23514 check")
    with pytest.raises(StorageError) as caught, database.connection() as conn:
        conn.execute(query, params)
    error = caught.value
    assert error.diagnostics is not None
    assert error.diagnostics.code == "23514"
    assert error.diagnostics.error_class == "CheckViolation"
    assert error.diagnostics.table == table.split(".")[1]
    assert error.diagnostics.constraint is not None
    assert error.diagnostics.constraint in str(error)
    assert "23514" in str(error)
    query, params = _statement(table, "23502 not null")
    with pytest.raises(StorageError) as caught, database.connection() as conn:
        conn.execute(query, params)
    assert caught.value.diagnostics is not None
    assert caught.value.diagnostics.column == "note"
    query, params = _statement(table, "22P02 bad json")
    with pytest.raises(StorageError) as caught, database.connection() as conn:
        conn.execute(query, params)
    assert caught.value.diagnostics is not None
    assert caught.value.diagnostics.code == "22P02"
    assert caught.value.diagnostics.error_class == "InvalidTextRepresentation"


@_pg
def test_a_nul_character_is_refused_without_its_text(database: PostgresDatabase) -> None:
    with pytest.raises(ValidationError) as caught, database.connection() as conn:
        conn.execute("SELECT %s", (PRIVATE + "\x00",))
    _check(caught.value, ValidationError)


@_pg
@_cases
def test_the_translation_helper(database: PostgresDatabase, table: str, case: str) -> None:
    """`translated()`, as migrations use it, around psycopg errors from the server."""
    query, params = _statement(table, case)
    for migration in (False, True):
        with psycopg.connect(database_url(database), autocommit=True) as conn:
            expected = MigrationError if migration and case != "23505 unique" else _EXPECTED[case]
            with pytest.raises(expected) as caught, translated(migration=migration):
                conn.execute(query, params)
            _check(caught.value, expected)


def database_url(database: PostgresDatabase) -> str:
    return str(database._url)


@_pg
def test_a_refused_connection_keeps_its_cause() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    db = PostgresDatabase(
        f"postgresql://nobody@127.0.0.1:{port}/nowhere?connect_timeout=2", pool_size=0
    )
    with db, pytest.raises(RetryableStorageError) as caught, db.connection():
        pass  # pragma: no cover - the connection is refused
    error = caught.value
    assert error.__context__ is None
    assert isinstance(error.__cause__, psycopg.OperationalError)
    assert error.diagnostics is not None
    assert error.diagnostics.code == ""


@_pg
def test_a_pool_timeout_keeps_its_cause(url: str) -> None:
    with (
        PostgresDatabase(url, pool_size=1, timeout=0.2) as db,
        db.connection(),
        pytest.raises(RetryableStorageError) as caught,
    ):
        db._changed("SELECT 1", ())
    error = caught.value
    assert error.__context__ is None
    assert isinstance(error.__cause__, psycopg.OperationalError)


# The async database: the same statements through its paths.


def _run(url: str, body: Callable[[AsyncPostgresDatabase], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with AsyncPostgresDatabase(url, pool_size=2, timeout=5) as db:
            return await body(db)

    return asyncio.run(main())


@_pg
@_cases
def test_async_paths(url: str, table: str, case: str) -> None:
    query, params = _statement(table, case)
    expected = _EXPECTED[case]

    async def body(db: AsyncPostgresDatabase) -> list[BaseException]:
        caught: list[BaseException] = []

        async def in_connection() -> None:
            async with db.connection() as conn:
                await conn.execute(query, params)

        async def in_unit() -> None:
            async with db.unit_of_work() as conn:
                await conn.execute(query, params)

        async def in_savepoint() -> None:
            async with db.unit_of_work(), db.unit_of_work() as conn:
                await conn.execute(query, params)

        async def one_statement() -> None:
            await db._write(query, params)

        async def one_statement_in_unit() -> None:
            async with db.unit_of_work():
                await db._write(query, params)

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute(query, params)

        async def retried() -> None:
            await run_in_transaction_async(db, work)

        for attempt in (
            in_connection,
            in_unit,
            in_savepoint,
            one_statement,
            one_statement_in_unit,
            retried,
        ):
            try:
                await attempt()
            except expected as error:
                caught.append(error)
        return caught

    errors = _run(url, body)
    assert len(errors) == 6
    for error in errors:
        _check(error, expected)


@_pg
def test_async_commit_refused_by_a_deferred_constraint(url: str, table: str) -> None:
    insert = f"INSERT INTO {table} (id, note, later) VALUES (%s, 'x', %s)"  # noqa: S608

    async def body(db: AsyncPostgresDatabase) -> BaseException:
        try:
            async with db.unit_of_work() as conn:
                await conn.cursor().executemany(
                    insert, [(row, "later " + PRIVATE) for row in ("b", "c")]
                )
        except DuplicateError as error:
            return error
        raise AssertionError("the COMMIT was not refused")  # pragma: no cover

    _check(_run(url, body), DuplicateError)


# SQLite: its messages name columns and rules, except a text it cannot decode.


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        with db.connection() as conn:
            conn.execute(
                "CREATE TABLE app_rows (id TEXT PRIMARY KEY, note TEXT NOT NULL"
                " CHECK (note <> 'forbidden'))"
            )
            conn.execute(
                "INSERT INTO app_rows VALUES ('bad', CAST(X'ff' || CAST(? AS BLOB) AS TEXT))",
                (PRIVATE,),
            )
        yield db


def test_sqlite_undecodable_text_is_not_quoted(sqlite_db: SQLiteDatabase) -> None:
    query = "SELECT note FROM app_rows WHERE id = 'bad'"
    with pytest.raises(StorageError) as caught, sqlite_db.connection() as conn:
        conn.execute(query).fetchall()
    _check(caught.value)
    assert "UTF-8" in str(caught.value)
    assert caught.value.diagnostics is not None
    assert caught.value.diagnostics.error_class == "OperationalError"
    with pytest.raises(StorageError) as caught:
        sqlite_db._read(query, (), one=True)
    _check(caught.value)
    with pytest.raises(StorageError) as caught, sqlite_db.unit_of_work() as conn:
        conn.execute(query).fetchall()
    _check(caught.value)
    with pytest.raises(StorageError) as caught:
        run_in_transaction(sqlite_db, lambda conn: conn.execute(query).fetchall())
    _check(caught.value)


@pytest.mark.parametrize(
    ("query", "params", "expected", "named"),
    [
        ("INSERT INTO app_rows VALUES (?, 'forbidden')", (PRIVATE,), StorageError, "CHECK"),
        ("INSERT INTO app_rows VALUES (?, NULL)", (PRIVATE,), StorageError, "NOT NULL"),
        ("INSERT INTO app_rows VALUES ('bad', ?)", (PRIVATE,), DuplicateError, ""),
        ("SELECT ?, ?", (PRIVATE,), StorageError, "binding"),
    ],
)
def test_sqlite_errors_keep_their_rule_and_no_value(
    sqlite_db: SQLiteDatabase,
    query: str,
    params: tuple[object, ...],
    expected: type[Exception],
    named: str,
) -> None:
    def in_block(block: AbstractContextManager[sqlite3.Connection]) -> None:
        with block as conn:
            conn.execute(query, params)

    attempts = (
        lambda: in_block(sqlite_db.connection()),
        lambda: in_block(sqlite_db.unit_of_work()),
        lambda: sqlite_db._changed(query, params),
    )
    for attempt in attempts:
        with pytest.raises(expected) as caught:
            attempt()
        _check(caught.value, expected)
        assert named in str(caught.value)


def test_sqlite_commit_refused(tmp_path: Path) -> None:
    """A deferred foreign key refused at COMMIT: no driver error in the unit's error chain."""
    with SQLiteDatabase(tmp_path / "fk.db") as db:
        with db.connection() as conn:
            conn.execute("CREATE TABLE parent (id TEXT PRIMARY KEY)")
            conn.execute(
                "CREATE TABLE child (id TEXT, parent TEXT"
                " REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        with pytest.raises(StorageError) as caught, db.unit_of_work() as conn:
            conn.execute("INSERT INTO child VALUES (?, ?)", (PRIVATE, PRIVATE))
        _check(caught.value)
        assert not isinstance(caught.value.__cause__, sqlite3.Error)
        # SQLite kept the refused transaction open and it was rolled back: the
        # outcome is known (nothing stored), not "unknown".
        assert not isinstance(caught.value, CommitOutcomeUnknownError)
        assert "nothing of it is stored" in str(caught.value)
        assert caught.value.diagnostics is not None
        assert caught.value.diagnostics.code == "SQLITE_CONSTRAINT_FOREIGNKEY"
        with db.unit_of_work() as conn:  # the connection is free for the next unit
            assert conn.execute("SELECT count(*) FROM child").fetchone() == (0,)
            conn.execute("INSERT INTO parent VALUES ('p')")
            conn.execute("INSERT INTO child VALUES ('c', 'p')")
        with db.connection() as conn:
            assert conn.execute("SELECT count(*) FROM child").fetchone() == (1,)
