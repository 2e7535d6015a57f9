"""No refused value comes back from the PostgreSQL adapters, sync, async and through SQLAlchemy.

`test_no_echo_sql`'s walk (see `_echo_sql`), sampled to keep the run short:
every public method of every PostgreSQL adapter (sync, async, and the sync
ones built on `clubrules.storage.sqlalchemy.database_for`, on SQLite and on
PostgreSQL) gets, in each parameter in turn, the phone and the health-note
markers (and its valid value with them added, for a list or a mapping).
Whatever the library raises, warns or logs must not show them (ids excepted,
as in `test_no_echo`), and the `diagnostics` of a storage or conflict error
must hold codes and schema names only. The databases' own methods and the
SQLAlchemy front get the same markers.
"""

from __future__ import annotations

import itertools
import sqlite3
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.storage import postgres as postgres_storage
from clubrules.storage import sqlite as sqlite_storage
from clubrules.storage.postgres import (
    AsyncPostgresDatabase,
    PostgresActivityRepository,
    PostgresDatabase,
)
from clubrules.testing import LoopThread

from . import _samples as s
from ._echo_sql import echoes, markers_named, walk
from ._sql import Backend, adapter_classes, methods_of, run_sync
from .test_hostile_postgres import _alchemy_backend, _alchemy_url, _build
from .test_no_echo import _run

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

MARKERS = markers_named("phone", "health note")

ALL = adapter_classes(postgres_storage)
BY_NAME = {cls.__name__: cls for cls in ALL}
SQLITE_BY_NAME = {cls.__name__: cls for cls in adapter_classes(sqlite_storage)}

_databases = itertools.count()


def _fresh_url(cluster: PostgresCluster, *, migrated: bool = True) -> str:
    name = f"echo_{next(_databases)}"
    with psycopg.connect(cluster.url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = cluster.url_for(name)
    if migrated:
        with PostgresDatabase(url) as db:
            db.migrate()
    return url


@pytest.fixture(scope="module")
def pg_url(postgres_cluster: PostgresCluster) -> str:
    return _fresh_url(postgres_cluster)


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    with LoopThread(name="echo-postgres-loop") as thread:
        yield thread


@pytest.fixture(scope="module")
def backends(
    pg_url: str, loop: LoopThread, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Backend]]:
    """Each way of running an adapter: on the test's own connection, rolled back after each call."""
    from sqlalchemy import create_engine  # noqa: PLC0415 - the optional extra

    from clubrules.storage.sqlalchemy import migrate  # noqa: PLC0415

    conn = psycopg.connect(pg_url, autocommit=False)
    database = PostgresDatabase.from_connection(conn)
    aconn = loop.run(psycopg.AsyncConnection.connect(pg_url, autocommit=False))
    adatabase = AsyncPostgresDatabase.from_connection(aconn)

    def run_async(result: Any) -> Any:
        if hasattr(result, "__await__"):

            async def wait() -> Any:
                return await result

            result = loop.run(wait())
        return run_sync(result)

    path = tmp_path_factory.mktemp("echo-alchemy") / "club.db"
    lite = create_engine(f"sqlite:///{path}")
    migrate(lite)
    pg = create_engine(_alchemy_url(pg_url))
    yield {
        "postgres": Backend(
            "postgres",
            begin=lambda: None,
            build=lambda cls: _build(cls, database),
            snapshot=lambda: None,
            end=conn.rollback,
            run=run_sync,
        ),
        "async postgres": Backend(
            "async postgres",
            begin=lambda: None,
            build=lambda cls: _build(cls, adatabase),
            snapshot=lambda: None,
            end=lambda: loop.run(aconn.rollback()),
            run=run_async,
        ),
        "sqlalchemy sqlite": _alchemy_backend(lite, []),
        "sqlalchemy postgresql": _alchemy_backend(pg, []),
    }
    lite.dispose()
    pg.dispose()
    loop.run(aconn.close())
    conn.close()


def _cases() -> list[Any]:
    cases: list[Any] = []
    for cls in ALL:
        way = "async postgres" if cls.__name__.startswith("Async") else "postgres"
        cases += [pytest.param(way, cls.__name__, m) for m in methods_of(cls)]
    for dialect, classes in (("sqlite", SQLITE_BY_NAME), ("postgresql", BY_NAME)):
        for name, cls in sorted(classes.items()):
            if not name.startswith("Async"):
                cases += [pytest.param(f"sqlalchemy {dialect}", name, m) for m in methods_of(cls)]
    return cases


CASES = _cases()


def test_the_walk_covers_every_postgres_adapter() -> None:
    assert len(ALL) == len(postgres_storage.__all__) - 2  # all but the two databases
    assert sum(1 for c in CASES if c.values[0] == "async postgres") > 15
    assert sum(1 for c in CASES if c.values[0] == "postgres") > 50


@pytest.mark.parametrize(("way", "cls", "method"), CASES)
def test_no_refused_value_is_echoed(
    backends: dict[str, Backend], way: str, cls: str, method: str
) -> None:
    kind = (SQLITE_BY_NAME if way == "sqlalchemy sqlite" else BY_NAME)[cls]
    found = walk(backends[way], kind, method, MARKERS)
    assert not found, "echoed:\n" + "\n".join(found[:20])


def test_no_refused_argument_to_the_databases_is_echoed(
    postgres_cluster: PostgresCluster, pg_url: str, loop: LoopThread
) -> None:
    from sqlalchemy import create_engine  # noqa: PLC0415 - the optional extra
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from clubrules.storage import sqlalchemy as alchemy  # noqa: PLC0415

    plain = _fresh_url(postgres_cluster, migrated=False)
    pg = create_engine(_alchemy_url(pg_url))
    found: list[str] = []

    def migrate_to(to: object) -> None:
        with PostgresDatabase(plain) as db:
            try:
                db.migrate(to=to)  # type: ignore[arg-type]
            finally:
                with db.connection() as c:
                    c.execute("DROP SCHEMA IF EXISTS clubrules CASCADE")

    def in_session(make: Callable[..., Any], **kwargs: Any) -> None:
        with Session(pg) as session:
            try:
                make(session, **kwargs)
            finally:
                session.rollback()

    with psycopg.connect(pg_url) as conn:
        aconn = loop.run(psycopg.AsyncConnection.connect(pg_url))
        try:
            sync_db = PostgresDatabase.from_connection(conn)
            async_db = AsyncPostgresDatabase.from_connection(aconn)

            def _calls(v: Any) -> list[tuple[str, str, Callable[[], Any]]]:
                return [
                    ("PostgresDatabase", "url", lambda: PostgresDatabase(v).close()),
                    (
                        "PostgresDatabase",
                        "schema",
                        lambda: PostgresDatabase(pg_url, schema=v).close(),
                    ),
                    (
                        "PostgresDatabase.from_connection",
                        "schema",
                        lambda: PostgresDatabase.from_connection(conn, schema=v),
                    ),
                    (
                        "AsyncPostgresDatabase.from_connection",
                        "schema",
                        lambda: AsyncPostgresDatabase.from_connection(aconn, schema=v),
                    ),
                    ("PostgresDatabase.for_tenant", "tenant", lambda: sync_db.for_tenant(v)),
                    (
                        "AsyncPostgresDatabase.for_tenant",
                        "tenant",
                        lambda: async_db.for_tenant(v),
                    ),
                    ("PostgresDatabase.migrate", "to", lambda: migrate_to(v)),
                    (
                        "PostgresActivityRepository",
                        "zone",
                        lambda: PostgresActivityRepository(sync_db, zone=v),
                    ),
                    (
                        "PostgresActivityRepository",
                        "currency",
                        lambda: PostgresActivityRepository(sync_db, zone=s.SHANGHAI, currency=v),
                    ),
                    (
                        "database_for",
                        "schema",
                        lambda: in_session(alchemy.database_for, schema=v),
                    ),
                    (
                        "postgres_database_for",
                        "schema",
                        lambda: in_session(alchemy.postgres_database_for, schema=v),
                    ),
                    ("migrate[sqlite]", "to", lambda: _lite_migrate(to=v)),
                    ("migrate[sqlite]", "schema", lambda: _lite_migrate(schema=v)),
                ]

            for marker in MARKERS:
                for name, param, call in _calls(marker.value):
                    seen = _run(call)
                    conn.rollback()
                    found += [
                        f"{name}({param}={marker.label}): {e}"
                        for e in echoes(seen, marker, name, param)
                    ]
        finally:
            loop.run(aconn.close())
            pg.dispose()
    assert not found, "echoed:\n" + "\n".join(found[:20])


def _lite_migrate(**kwargs: Any) -> None:
    from sqlalchemy import create_engine  # noqa: PLC0415 - the optional extra

    from clubrules.storage.sqlalchemy import migrate  # noqa: PLC0415

    engine = create_engine("sqlite://")
    try:
        migrate(engine, **kwargs)
    finally:
        engine.dispose()


def test_sqlite_through_sqlalchemy_is_sampled_too() -> None:
    # The SQLite adapters through SQLAlchemy run on a file stocked as the others.
    assert sqlite3.sqlite_version
    assert any(c.values[0] == "sqlalchemy sqlite" for c in CASES)
