"""The typed-error promise, kept by the PostgreSQL adapters (sync and async) and through SQLAlchemy.

The same walk as `test_hostile_sql` (see `_sql`): every public method of
every adapter gets each hostile value for each argument, on one migrated
database of the module's own, each call in a transaction of the test's own
connection (`from_connection`), rolled back afterwards. On PostgreSQL a
refusal must also leave that transaction usable: a statement the server
refused aborts the caller's whole transaction (`InFailedSqlTransaction` on
the next one), so the walk's snapshot after a refused call finds the input
that reached the server instead of the library's checks.

The async adapters run on one `LoopThread`, with an `AsyncConnection` of
their own. `clubrules.storage.sqlalchemy` is walked at its front
(`database_for` and friends, `migrate`) and with the adapters built on
`database_for(session)`, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.errors import ValidationError
from clubrules.storage import postgres as postgres_storage
from clubrules.storage import sqlite as sqlite_storage
from clubrules.storage.postgres import (
    AsyncPostgresComplaintRepository,
    AsyncPostgresDatabase,
    PostgresActivityRepository,
    PostgresAssessmentRepository,
    PostgresComplaintRepository,
    PostgresDatabase,
)
from clubrules.storage.sqlite import SQLiteActivityRepository
from clubrules.testing import LoopThread

from . import _samples as s
from ._sql import (
    Backend,
    adapter_classes,
    classify_sql,
    constructor_escapes,
    methods_of,
    run_sync,
)
from ._walk import guarded, hostile_values

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

ALL = adapter_classes(postgres_storage)
SYNC = [c for c in ALL if not c.__name__.startswith("Async")]
ASYNC = [c for c in ALL if c.__name__.startswith("Async")]
BY_NAME = {cls.__name__: cls for cls in ALL}
SQLITE_BY_NAME = {cls.__name__: cls for cls in adapter_classes(sqlite_storage)}

_databases = itertools.count()


def _fresh_database(cluster: PostgresCluster) -> str:
    name = f"hostile_{next(_databases)}"
    with psycopg.connect(cluster.url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = cluster.url_for(name)
    with PostgresDatabase(url) as db:
        db.migrate()
    return url


def _tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'clubrules' AND table_type = 'BASE TABLE' ORDER BY 1"
    ).fetchall()
    conn.rollback()
    return [f"clubrules.{row[0]}" for row in rows]


def _snapshot(conn: psycopg.Connection[Any], tables: list[str]) -> list[list[Any]]:
    return [
        sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)  # noqa: S608
        for t in tables
    ]


def _build(cls: type, database: Any) -> Any:
    if cls in (PostgresActivityRepository, SQLiteActivityRepository):
        return cls(database, zone=s.SHANGHAI)
    return cls(database)


@pytest.fixture(scope="module")
def pg_url(postgres_cluster: PostgresCluster) -> str:
    """One migrated database for the module."""
    return _fresh_database(postgres_cluster)


@pytest.fixture(scope="module")
def sync_backend(pg_url: str) -> Iterator[Backend]:
    """Sync adapters on `from_connection` of the test's own connection (not in autocommit)."""
    conn = psycopg.connect(pg_url, autocommit=False)
    tables = _tables(conn)
    database = PostgresDatabase.from_connection(conn)

    def end() -> None:
        conn.rollback()

    yield Backend(
        "postgres",
        begin=lambda: None,  # psycopg begins the transaction at the first statement
        build=lambda cls: _build(cls, database),
        snapshot=lambda: _snapshot(conn, tables),
        end=end,
        run=run_sync,
    )
    conn.close()


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    with LoopThread(name="hostile-postgres-loop") as thread:
        yield thread


@pytest.fixture(scope="module")
def async_backend(pg_url: str, loop: LoopThread) -> Iterator[Backend]:
    """Async adapters on `from_connection` of an `AsyncConnection` of the test's own."""
    aconn = loop.run(psycopg.AsyncConnection.connect(pg_url, autocommit=False))
    database = AsyncPostgresDatabase.from_connection(aconn)
    # The snapshot reads through the async connection: the rows of its open transaction.
    with psycopg.connect(pg_url, autocommit=False) as conn:
        tables = _tables(conn)

    async def snap() -> list[list[Any]]:
        out = []
        for t in tables:
            cursor = await aconn.execute(f"SELECT * FROM {t}")  # noqa: S608
            out.append(sorted(await cursor.fetchall(), key=repr))
        return out

    def run(result: Any) -> Any:
        if hasattr(result, "__await__"):

            async def wait() -> Any:
                return await result

            result = loop.run(wait())
        return run_sync(result)

    yield Backend(
        "async postgres",
        begin=lambda: None,
        build=lambda cls: _build(cls, database),
        snapshot=lambda: loop.run(snap()),
        end=lambda: loop.run(aconn.rollback()),
        run=run,
    )
    loop.run(aconn.close())


def _cases(classes: list[type]) -> list[Any]:
    return [pytest.param(cls.__name__, m) for cls in classes for m in methods_of(cls)]


SYNC_CASES = _cases(SYNC)
ASYNC_CASES = _cases(ASYNC)


def test_the_walk_covers_every_postgres_adapter() -> None:
    assert len(ALL) == len(postgres_storage.__all__) - 2  # all but the two databases
    assert len(SYNC_CASES) > 50
    assert len(ASYNC_CASES) > 15


def _report(escapes: list[Any]) -> str:
    return "escaped:\n" + "\n".join(str(e) for e in escapes)


@pytest.mark.parametrize(("cls", "method"), SYNC_CASES)
def test_hostile_arguments_raise_only_library_errors(
    sync_backend: Backend, cls: str, method: str
) -> None:
    escapes = sync_backend.walk(BY_NAME[cls], method)
    assert not escapes, _report(escapes)


@pytest.mark.parametrize(("cls", "method"), ASYNC_CASES)
def test_hostile_arguments_to_async_adapters_raise_only_library_errors(
    async_backend: Backend, cls: str, method: str
) -> None:
    escapes = async_backend.walk(BY_NAME[cls], method)
    assert not escapes, _report(escapes)


@pytest.mark.parametrize("cls", sorted(c.__name__ for c in SYNC))
def test_hostile_constructor_arguments_raise_only_library_errors(pg_url: str, cls: str) -> None:
    kind = BY_NAME[cls]
    with psycopg.connect(pg_url) as conn:
        valid: dict[str, Any] = {"database": PostgresDatabase.from_connection(conn)}
        if kind is PostgresActivityRepository:
            valid |= {"zone": s.SHANGHAI, "currency": "CNY"}
        escapes = constructor_escapes(kind, valid)
    assert not escapes, _report(escapes)


@pytest.mark.parametrize("cls", sorted(c.__name__ for c in ASYNC))
def test_hostile_async_constructor_arguments_raise_only_library_errors(
    pg_url: str, loop: LoopThread, cls: str
) -> None:
    aconn = loop.run(psycopg.AsyncConnection.connect(pg_url))
    try:
        escapes = constructor_escapes(
            BY_NAME[cls], {"database": AsyncPostgresDatabase.from_connection(aconn)}
        )
    finally:
        loop.run(aconn.close())
    assert not escapes, _report(escapes)


def _closing(make: Any, loop: LoopThread | None = None) -> Any:
    """Call `make`; close what it built (a database that opened a pool, say)."""

    def run() -> None:
        built = make()
        close = getattr(built, "close", None)
        if close is not None:
            result = close()
            if loop is not None and hasattr(result, "__await__"):

                async def wait() -> None:
                    await result

                loop.run(wait())

    return run


def _database_escapes(pg_url: str, loop: LoopThread) -> list[str]:
    """Escapes of the databases' own constructors and methods, sync and async."""
    found: list[str] = []
    plain = _fresh_database_url(pg_url, migrated=False)
    _migrate_to(plain, None)  # the valid call works, so a refusal below is the value's
    constructor = {
        "pool_size": 0,
        "pool_min_size": 1,
        "timeout": 1.0,
        "pool_check": True,
        "schema": "clubrules",
    }
    with psycopg.connect(pg_url) as conn:
        aconn = loop.run(psycopg.AsyncConnection.connect(pg_url))
        try:
            sync_db = PostgresDatabase.from_connection(conn)
            async_db = AsyncPostgresDatabase.from_connection(aconn)
            for label, value in hostile_values():
                calls: list[tuple[str, Any]] = [
                    ("PostgresDatabase(url)", _closing(lambda v=value: PostgresDatabase(v))),
                    *(
                        (
                            f"PostgresDatabase({name})",
                            _closing(
                                lambda n=name, v=value: PostgresDatabase(
                                    pg_url, **{**constructor, n: v}
                                )
                            ),
                        )
                        for name in constructor
                    ),
                    (
                        "PostgresDatabase(pool_min_size) with a pool",
                        _closing(
                            lambda v=value: PostgresDatabase(
                                pg_url, **{**constructor, "pool_size": 1, "pool_min_size": v}
                            )
                        ),
                    ),
                    *(
                        (
                            f"AsyncPostgresDatabase({name})",
                            _closing(
                                lambda n=name, v=value: AsyncPostgresDatabase(
                                    pg_url, **{**constructor, "pool_size": 1, n: v}
                                ),
                                loop,
                            ),
                        )
                        for name in constructor
                    ),
                    ("PostgresDatabase.from_connection", lambda v=value: _from_conn(v)),
                    (
                        "PostgresDatabase.from_connection(schema)",
                        lambda v=value: PostgresDatabase.from_connection(conn, schema=v),
                    ),
                    ("PostgresDatabase.from_pool", lambda v=value: PostgresDatabase.from_pool(v)),
                    (
                        "AsyncPostgresDatabase.from_connection",
                        lambda v=value: AsyncPostgresDatabase.from_connection(v),
                    ),
                    (
                        "AsyncPostgresDatabase.from_pool",
                        lambda v=value: AsyncPostgresDatabase.from_pool(v),
                    ),
                    ("PostgresDatabase.for_tenant", lambda v=value: sync_db.for_tenant(v)),
                    ("AsyncPostgresDatabase.for_tenant", lambda v=value: async_db.for_tenant(v)),
                    ("PostgresDatabase.migrate(to)", lambda v=value: _migrate_to(plain, v)),
                ]
                for name, call in calls:
                    escape = classify_sql(guarded(call))
                    if escape is None and conn.info.transaction_status == 3:  # INERROR
                        escape = "aborted the caller's transaction"
                    conn.rollback()
                    if escape is not None:
                        found.append(f"{name}={label} -> {escape}")
        finally:
            loop.run(aconn.close())
    return found


def _from_conn(value: object) -> None:
    PostgresDatabase.from_connection(value)  # type: ignore[arg-type]


def _migrate_to(url: str, to: object) -> None:
    with PostgresDatabase(url) as db:
        db.migrate(to=to)  # type: ignore[arg-type]
        with db.connection() as conn:  # leave it empty again for the next value
            conn.execute("DROP SCHEMA IF EXISTS clubrules CASCADE")


def _fresh_database_url(pg_url: str, *, migrated: bool) -> str:
    name = f"hostile_plain_{next(_databases)}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    head, rest = pg_url.split("@/", 1)
    url = f"{head}@/{name}?{rest.split('?', 1)[1]}"
    if migrated:
        with PostgresDatabase(url) as db:
            db.migrate()
    return url


@pytest.fixture(scope="module")
def database_escapes(pg_url: str, loop: LoopThread) -> list[str]:
    return _database_escapes(pg_url, loop)


def test_hostile_arguments_to_the_databases_raise_only_library_errors(
    database_escapes: list[str],
) -> None:
    assert not database_escapes, "escaped:\n" + "\n".join(database_escapes)


# --- clubrules.storage.sqlalchemy -----------------------------------------------------------

# The adapters through `database_for(session)` run the same code as through `from_connection`:
# walked with a sample of the hostile values, every method and argument at least once.
SAMPLE = {
    "None",
    "object()",
    "bytes",
    "''",
    "surrogate",
    "NUL",
    "-1",
    "2**63",
    "10**100",
    "10**400",
    "nan",
    "Decimal NaN",
    "[]",
    "[None]",
    "naive datetime",
    "year 1 at +23:59",
    "datetime.max UTC",
    "date",
    "timedelta.max",
}


def _sampled() -> list[tuple[str, Any]]:
    return [(label, value) for label, value in hostile_values() if label in SAMPLE]


def _alchemy_url(pg_url: str) -> str:
    return "postgresql+psycopg://" + pg_url.removeprefix("postgresql://")


def _alchemy_backend(engine: Any, tables: list[str]) -> Backend:
    from sqlalchemy.orm import Session  # noqa: PLC0415 - the optional extra

    from clubrules.storage.sqlalchemy import database_for  # noqa: PLC0415

    state: dict[str, Any] = {}

    def begin() -> None:
        session = Session(engine)
        state["session"] = session
        state["database"] = database_for(session)
        state["raw"] = session.connection().connection.driver_connection

    def snapshot() -> list[list[Any]]:
        raw = state["raw"]
        return [
            sorted(raw.execute(f"SELECT * FROM {t}").fetchall(), key=repr)  # noqa: S608
            for t in tables
        ]

    def end() -> None:
        session = state.pop("session")
        session.rollback()
        session.close()

    return Backend(
        "sqlalchemy",
        begin=begin,
        build=lambda cls: _build(cls, state["database"]),
        snapshot=snapshot,
        end=end,
        run=run_sync,
    )


@pytest.fixture(scope="module")
def alchemy_backends(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Backend]]:
    from sqlalchemy import create_engine  # noqa: PLC0415 - the optional extra

    from clubrules.storage.sqlalchemy import migrate  # noqa: PLC0415

    path = tmp_path_factory.mktemp("hostile-alchemy") / "club.db"
    lite = create_engine(f"sqlite:///{path}")
    migrate(lite)
    with sqlite3.connect(path) as lite_conn:
        lite_tables = [
            row[0]
            for row in lite_conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'clubrules%'"
            )
        ]
    lite_conn.close()
    pg = create_engine(_alchemy_url(pg_url))
    with psycopg.connect(pg_url) as conn:
        pg_tables = _tables(conn)
    yield {
        "sqlite": _alchemy_backend(lite, lite_tables),
        "postgresql": _alchemy_backend(pg, pg_tables),
    }
    lite.dispose()
    pg.dispose()


def _alchemy_cases() -> list[Any]:
    cases: list[Any] = []
    for dialect, classes in (("sqlite", SQLITE_BY_NAME), ("postgresql", BY_NAME)):
        for name, cls in sorted(classes.items()):
            if name.startswith("Async"):
                continue
            cases.extend(pytest.param(dialect, name, method) for method in methods_of(cls))
    return cases


@pytest.mark.parametrize(("dialect", "cls", "method"), _alchemy_cases())
def test_hostile_arguments_through_sqlalchemy_raise_only_library_errors(
    alchemy_backends: dict[str, Backend], dialect: str, cls: str, method: str
) -> None:
    kind = (SQLITE_BY_NAME if dialect == "sqlite" else BY_NAME)[cls]
    escapes = alchemy_backends[dialect].walk(kind, method, _sampled())
    assert not escapes, _report(escapes)


def test_hostile_arguments_to_the_sqlalchemy_front_raise_only_library_errors(
    pg_url: str,
) -> None:
    from sqlalchemy import create_engine  # noqa: PLC0415 - the optional extra

    from clubrules.storage import sqlalchemy as alchemy  # noqa: PLC0415

    found: list[str] = []
    pg = create_engine(_alchemy_url(pg_url))
    plain = create_engine(_alchemy_url(_fresh_database_url(pg_url, migrated=False)))
    _migrate_in(plain)  # the valid calls work, so a refusal below is the value's
    _in_session(pg, alchemy.postgres_database_for, schema="clubrules")
    try:
        for label, value in hostile_values():
            lite = create_engine("sqlite://")
            calls: list[tuple[str, Any]] = []
            for dialect, engine in (("sqlite", lite), ("postgresql", pg)):
                calls += [
                    (f"database_for[{dialect}](bind)", lambda v=value: alchemy.database_for(v)),
                    (
                        f"database_for[{dialect}](schema)",
                        lambda e=engine, v=value: _in_session(e, alchemy.database_for, schema=v),
                    ),
                    (
                        f"sqlite_database_for[{dialect}](bind)",
                        lambda v=value: alchemy.sqlite_database_for(v),
                    ),
                    (
                        f"postgres_database_for[{dialect}](bind)",
                        lambda v=value: alchemy.postgres_database_for(v),
                    ),
                    (
                        f"postgres_database_for[{dialect}](schema)",
                        lambda e=engine, v=value: _in_session(
                            e, alchemy.postgres_database_for, schema=v
                        ),
                    ),
                    (f"migrate[{dialect}](bind)", lambda v=value: alchemy.migrate(v)),
                ]
            calls += [
                ("migrate[sqlite](to)", lambda e=lite, v=value: alchemy.migrate(e, to=v)),
                ("migrate[sqlite](schema)", lambda e=lite, v=value: alchemy.migrate(e, schema=v)),
                ("migrate[postgresql](to)", lambda v=value: _migrate_in(plain, to=v)),
                ("migrate[postgresql](schema)", lambda v=value: _migrate_in(plain, schema=v)),
            ]
            for name, call in calls:
                escape = classify_sql(guarded(call))
                if escape is not None:
                    found.append(f"{name}={label} -> {escape}")
            lite.dispose()
    finally:
        pg.dispose()
        plain.dispose()
    assert not found, "escaped:\n" + "\n".join(found)


def _in_session(engine: Any, make: Any, **kwargs: Any) -> None:
    from sqlalchemy.orm import Session  # noqa: PLC0415 - the optional extra

    with Session(engine) as session:
        try:
            make(session, **kwargs)
        finally:
            session.rollback()


def _migrate_in(engine: Any, **kwargs: Any) -> None:
    """`migrate` on a Connection in a transaction that is rolled back (nothing stays)."""
    from clubrules.storage.sqlalchemy import migrate  # noqa: PLC0415

    with engine.connect() as conn:
        try:
            migrate(conn, **kwargs)
        finally:
            conn.rollback()


# --- regressions: the PostgreSQL-only escapes the walk found ---------------------------------


def test_from_pool_refuses_what_is_not_a_pool() -> None:
    with pytest.raises(ValidationError) as caught:
        PostgresDatabase.from_pool(object())  # type: ignore[arg-type]
    assert caught.value.field == "pool"


@pytest.mark.parametrize("version", ["2", True, Decimal(2), date(2026, 1, 1)])
def test_a_bad_rubric_version_leaves_the_callers_transaction_usable(
    pg_url: str, version: object
) -> None:
    with psycopg.connect(pg_url) as conn:
        rubrics = PostgresAssessmentRepository(PostgresDatabase.from_connection(conn))
        with pytest.raises(ValidationError) as caught:
            rubrics.rubric("r-1", version)  # type: ignore[arg-type]
        assert caught.value.field == "version"
        assert conn.execute("SELECT 1").fetchone() == (1,)  # not InFailedSqlTransaction
        conn.rollback()


@pytest.mark.parametrize("after", [True, "1", Decimal("1E+999999"), None])
def test_a_bad_events_after_leaves_the_callers_transaction_usable(
    pg_url: str, loop: LoopThread, after: object
) -> None:
    with psycopg.connect(pg_url) as conn:
        complaints = PostgresComplaintRepository(PostgresDatabase.from_connection(conn))
        with pytest.raises(ValidationError) as caught:
            complaints.events("k-1", after=after)  # type: ignore[arg-type]
        assert caught.value.field == "after"
        assert conn.execute("SELECT 1").fetchone() == (1,)
        conn.rollback()

    async def on_async() -> tuple[str | None, Any]:
        aconn = await psycopg.AsyncConnection.connect(pg_url)
        try:
            repo = AsyncPostgresComplaintRepository(AsyncPostgresDatabase.from_connection(aconn))
            field: str | None = None
            try:
                await repo.events("k-1", after=after)  # type: ignore[arg-type]
            except ValidationError as error:
                field = error.field
            cursor = await aconn.execute("SELECT 1")
            return field, await cursor.fetchone()
        finally:
            await aconn.close()

    assert loop.run(on_async()) == ("after", (1,))
