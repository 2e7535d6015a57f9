"""The one-round-trip path of PostgreSQL one-statement calls against psycopg's own cursors.

`PostgresDatabase._read`, `_write` and `_changed`, and `AsyncPostgresDatabase`'s
`_fetchall`, `_fetchone` and `_write`, send the tenant's setting and the
statement through libpq in one write. Whatever they send, the rows, row
counts and errors must be those of the same statement run through a psycopg
cursor after `set_config` (the slow, obvious oracle), on every kind of value
the adapters bind.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from clubrules.errors import DuplicateError, StorageError
from clubrules.storage.postgres import AsyncPostgresDatabase, PostgresDatabase
from clubrules.storage.postgres._direct import _numbered, run_direct, run_direct_async
from clubrules.testing import LoopThread

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

_TABLE = "direct_probe"


@pytest.fixture(scope="module")
def url(postgres_cluster: PostgresCluster) -> str:
    url = postgres_cluster.create_database("direct_path")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {_TABLE} (tenant text NOT NULL, id text NOT NULL, n bigint,"
            " amount numeric, at timestamptz, data bytea, tags text[], flag boolean,"
            " PRIMARY KEY (tenant, id))"
        )
    return url


@pytest.fixture(params=["single", "pooled", "unprepared"])
def db(url: str, request: pytest.FixtureRequest) -> Iterator[PostgresDatabase]:
    if request.param == "unprepared":  # prepare_threshold=None: no named statements
        pool = ConnectionPool(
            url,
            kwargs={"autocommit": True, "prepare_threshold": None},
            min_size=1,
            max_size=2,
            open=True,
        )
        try:
            with PostgresDatabase.from_pool(pool) as database:
                yield database
        finally:
            pool.close()
        return
    pool_size = 0 if request.param == "single" else 2
    with PostgresDatabase(url, pool_size=pool_size) as database:
        yield database


def _oracle(url: str, tenant: str, query: str, params: Any) -> tuple[list[Any], int]:
    """The statement through a psycopg cursor, after `set_config`, in one transaction."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('clubrules.tenant', %s, true)", (tenant,))
        cursor = conn.execute(query, params)
        rows = cursor.fetchall() if cursor.description is not None else []
        conn.rollback()
        return rows, cursor.rowcount


_SELECT = (
    f"SELECT id, n, amount, at, data, tags, flag, current_setting('clubrules.tenant')"  # noqa: S608
    f" FROM {_TABLE} WHERE tenant = current_setting('clubrules.tenant')"
    " AND (%s::text IS NULL OR id >= %s) AND id LIKE '%%' ORDER BY id"
)
_texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
_rows = st.tuples(
    st.text(alphabet="abcdef", min_size=1, max_size=4),
    st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.none()
    | st.datetimes(
        min_value=datetime(1900, 1, 1),  # noqa: DTZ001 - made aware below
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.none() | st.binary(max_size=40),
    st.none() | st.lists(_texts, max_size=3),
    st.none() | st.booleans(),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_rows, max_size=5), tenant=st.sampled_from(["default", "club-b", "club:42.x"]))
def test_rows_counts_and_values_are_psycopgs(
    db: PostgresDatabase, url: str, rows: list[tuple[Any, ...]], tenant: str
) -> None:
    handle = db.for_tenant(tenant)
    insert = (
        f"INSERT INTO {_TABLE} (tenant, id, n, amount, at, data, tags, flag)"  # noqa: S608
        " VALUES (current_setting('clubrules.tenant'), %s, %s, %s, %s, %s, %s::text[], %s)"
        " ON CONFLICT (tenant, id) DO NOTHING"
    )
    try:
        for row in rows:
            expected = _oracle(url, tenant, insert, row)[1]
            assert handle._changed(insert, row) == expected
        for low in (None, "c"):
            want = _oracle(url, tenant, _SELECT, (low, low))[0]
            assert handle._read(_SELECT, (low, low), one=False) == want
            with handle._autocommit() as conn:  # the path itself answered, not the fallback
                assert run_direct(conn, tenant, _SELECT, (low, low), most=-1) == (want, len(want))
            assert handle._read(_SELECT, (low, low), one=True) == (want[0] if want else None)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DELETE FROM {_TABLE}")  # noqa: S608


def test_a_refused_statement_raises_the_drivers_error_and_leaves_nothing(
    db: PostgresDatabase,
) -> None:
    insert = (
        f"INSERT INTO {_TABLE} (tenant, id, n) VALUES (current_setting('clubrules.tenant'), %s, %s)"  # noqa: S608
    )
    try:
        assert db._changed(insert, ("dup", 1)) == 1
        with pytest.raises(DuplicateError) as caught:
            db._changed(insert, ("dup", 2))
        # The driver's error is not chained (its detail quotes the key); its names are kept.
        assert caught.value.__cause__ is None
        assert caught.value.diagnostics is not None
        assert caught.value.diagnostics.error_class == "UniqueViolation"
        rows = db._read(f"SELECT n FROM {_TABLE} WHERE id = %s", ("dup",), one=False)  # noqa: S608
        assert rows == [(1,)]
        # The connection serves the next call, in no transaction and bound to no tenant.
        assert db._read("SELECT current_setting('clubrules.tenant', true)", (), one=True) == (
            "default",
        )
        with db._autocommit() as conn:
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            assert conn.execute("SELECT current_setting('clubrules.tenant', true)").fetchone() in {
                (None,),
                ("",),
            }
    finally:
        with db._autocommit() as conn:
            conn.execute(f"DELETE FROM {_TABLE}")  # noqa: S608


def test_statements_deallocated_behind_its_back_are_prepared_again(db: PostgresDatabase) -> None:
    query = "SELECT %s::int + 1"
    for _ in range(3):
        assert db._read(query, (1,), one=True) == (2,)
        with db._autocommit() as conn:
            conn.execute("DEALLOCATE ALL")
        assert db._read(query, (2,), one=True) == (3,)


def test_named_parameters_and_syntax_errors_go_through_psycopg(db: PostgresDatabase) -> None:
    assert db._read("SELECT %(a)s::int * 2", {"a": 21}, one=True) == (42,)  # type: ignore[arg-type]
    with pytest.raises(StorageError):
        db._read("SELEKT %s", (1,), one=True)
    assert db._read("SELECT %s::text", ("after",), one=True) == ("after",)


def test_threads_sharing_a_pool_each_see_their_own_tenant(url: str) -> None:
    with PostgresDatabase(url, pool_size=3) as db:
        failures: list[str] = []

        def worker(tenant: str) -> None:
            handle = db.for_tenant(tenant)
            for i in range(100):
                got = handle._read(
                    "SELECT current_setting('clubrules.tenant'), %s::int", (i,), one=True
                )
                if got != (tenant, i):
                    failures.append(f"{tenant}: {got}")

        threads = [threading.Thread(target=worker, args=(f"t{k}",)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT 1", (b"SELECT 1", 0)),
        ("SELECT %s, %s", (b"SELECT $1, $2", 2)),
        ("SELECT '%%' || %s", (b"SELECT '%' || $1", 1)),
        ("SELECT %%s", (b"SELECT %s", 0)),
        ("SELECT %(a)s", None),
        ("SELECT %b", None),
    ],
)
def test_placeholders_are_numbered_as_psycopg_numbers_them(
    query: str, expected: tuple[bytes, int] | None
) -> None:
    assert _numbered(query) == expected


def test_instants_come_back_equal(db: PostgresDatabase) -> None:
    at = datetime(2026, 3, 1, 10, tzinfo=UTC) + timedelta(microseconds=7)
    got = db._read("SELECT %s::timestamptz, %s::numeric", (at, Decimal("1.50")), one=True)
    assert got == (at, Decimal("1.50"))


def test_a_parameter_larger_than_the_socket_buffer_is_sent_whole(db: PostgresDatabase) -> None:
    blob = bytes(range(256)) * 12_000  # about 3 MB: several non-blocking writes
    query = "SELECT length(%s::bytea), md5(%s::bytea), %s::bytea"
    got = db._read(query, (blob, blob, blob), one=True)
    assert got == (len(blob), hashlib.md5(blob).hexdigest(), blob)  # noqa: S324 - a checksum


def test_a_connection_told_not_to_prepare_gets_no_named_statement(url: str) -> None:
    pool = ConnectionPool(
        url,
        kwargs={"autocommit": True, "prepare_threshold": None},
        min_size=1,
        max_size=1,
        open=True,
    )
    try:
        with PostgresDatabase.from_pool(pool) as db:
            for i in range(3):
                assert db._read("SELECT %s::int", (i,), one=True) == (i,)
            with pool.connection() as conn:
                named = conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
            assert named == (0,)
    finally:
        pool.close()


# The async database: the same round, waiting on the event loop.


@pytest.fixture(scope="module")
def loop_thread() -> Iterator[LoopThread]:
    with LoopThread("direct-path") as loop:
        yield loop


@pytest.fixture(params=["pooled", "unprepared"])
def adb(
    url: str, loop_thread: LoopThread, request: pytest.FixtureRequest
) -> Iterator[AsyncPostgresDatabase]:
    prepare: dict[str, Any] = {"prepare_threshold": None} if request.param == "unprepared" else {}

    async def opened() -> tuple[AsyncPostgresDatabase, AsyncConnectionPool[Any]]:
        pool = AsyncConnectionPool(
            url, kwargs={"autocommit": True, **prepare}, min_size=1, max_size=2, open=False
        )
        await pool.open(wait=True)
        return AsyncPostgresDatabase.from_pool(pool), pool

    database, pool = loop_thread.run(opened())
    try:
        yield database
    finally:
        loop_thread.run(pool.close())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_rows, max_size=5), tenant=st.sampled_from(["default", "club-b", "club:42.x"]))
def test_async_rows_counts_and_values_are_psycopgs(
    adb: AsyncPostgresDatabase,
    loop_thread: LoopThread,
    url: str,
    rows: list[tuple[Any, ...]],
    tenant: str,
) -> None:
    handle = adb.for_tenant(tenant)
    insert = (
        f"INSERT INTO {_TABLE} (tenant, id, n, amount, at, data, tags, flag)"  # noqa: S608
        " VALUES (current_setting('clubrules.tenant'), %s, %s, %s, %s, %s, %s::text[], %s)"
        " ON CONFLICT (tenant, id) DO NOTHING"
    )

    async def direct(params: tuple[object, ...]) -> Any:
        async with handle._autocommit() as conn:  # the path itself answers, not the fallback
            return await run_direct_async(conn, tenant, _SELECT, params, most=-1)

    try:
        for row in rows:
            expected = _oracle(url, tenant, insert, row)[1]
            assert loop_thread.run(handle._write(insert, row)) == expected
        for low in (None, "c"):
            want = _oracle(url, tenant, _SELECT, (low, low))[0]
            assert loop_thread.run(handle._fetchall(_SELECT, (low, low))) == want
            assert loop_thread.run(direct((low, low))) == (want, len(want))
            got = loop_thread.run(handle._fetchone(_SELECT, (low, low)))
            assert got == (want[0] if want else None)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DELETE FROM {_TABLE}")  # noqa: S608


def test_async_refused_statement_raises_the_drivers_error_and_leaves_nothing(
    adb: AsyncPostgresDatabase, loop_thread: LoopThread, url: str
) -> None:
    insert = (
        f"INSERT INTO {_TABLE} (tenant, id, n) VALUES (current_setting('clubrules.tenant'), %s, %s)"  # noqa: S608
    )

    async def scenario() -> None:
        assert await adb._write(insert, ("dup", 1)) == 1
        with pytest.raises(DuplicateError) as caught:
            await adb._write(insert, ("dup", 2))
        # The driver's error is not chained (its detail quotes the key); its names are kept.
        assert caught.value.__cause__ is None
        assert caught.value.diagnostics is not None
        assert caught.value.diagnostics.error_class == "UniqueViolation"
        rows = await adb._fetchall(f"SELECT n FROM {_TABLE} WHERE id = %s", ("dup",))  # noqa: S608
        assert rows == [(1,)]
        setting = "SELECT current_setting('clubrules.tenant', true)"
        assert await adb._fetchone(setting, ()) == ("default",)
        for _ in range(2):  # both pooled connections: idle, bound to no tenant
            async with adb._autocommit() as conn:
                assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                assert await (await conn.execute(setting)).fetchone() in {(None,), ("",)}

    try:
        loop_thread.run(scenario())
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DELETE FROM {_TABLE}")  # noqa: S608


def test_async_statements_deallocated_behind_its_back_are_prepared_again(
    adb: AsyncPostgresDatabase, loop_thread: LoopThread
) -> None:
    async def scenario() -> None:
        query = "SELECT %s::int + 1"
        for _ in range(3):
            assert await adb._fetchone(query, (1,)) == (2,)
            for _ in range(2):
                async with adb._autocommit() as conn:
                    await conn.execute("DEALLOCATE ALL")
            assert await adb._fetchone(query, (2,)) == (3,)

    loop_thread.run(scenario())


def test_async_named_parameters_and_syntax_errors_go_through_psycopg(
    adb: AsyncPostgresDatabase, loop_thread: LoopThread
) -> None:
    async def scenario() -> None:
        assert await adb._fetchone("SELECT %(a)s::int * 2", {"a": 21}) == (42,)  # type: ignore[arg-type]
        with pytest.raises(StorageError):
            await adb._fetchone("SELEKT %s", (1,))
        assert await adb._fetchone("SELECT %s::text", ("after",)) == ("after",)

    loop_thread.run(scenario())


def test_async_tasks_sharing_a_pool_each_see_their_own_tenant(
    adb: AsyncPostgresDatabase, loop_thread: LoopThread
) -> None:
    async def worker(tenant: str) -> list[str]:
        handle = adb.for_tenant(tenant)
        failures = []
        for i in range(60):
            got = await handle._fetchone(
                "SELECT current_setting('clubrules.tenant'), %s::int", (i,)
            )
            if got != (tenant, i):
                failures.append(f"{tenant}: {got}")
        return failures

    async def race() -> list[list[str]]:
        return await asyncio.gather(*(worker(f"t{k}") for k in range(6)))

    assert loop_thread.run(race()) == [[]] * 6


def test_async_a_parameter_larger_than_the_socket_buffer_is_sent_whole(
    adb: AsyncPostgresDatabase, loop_thread: LoopThread
) -> None:
    blob = bytes(range(256)) * 12_000  # about 3 MB: several non-blocking writes
    query = "SELECT length(%s::bytea), md5(%s::bytea), %s::bytea"
    got = loop_thread.run(adb._fetchone(query, (blob, blob, blob)))
    assert got == (len(blob), hashlib.md5(blob).hexdigest(), blob)  # noqa: S324 - a checksum


def test_a_task_cancelled_mid_round_closes_its_connection(
    url: str, loop_thread: LoopThread
) -> None:
    """The pool never hands out a connection left halfway through a pipeline."""

    async def scenario() -> None:
        async with AsyncConnectionPool(
            url, kwargs={"autocommit": True}, min_size=1, max_size=1, open=False
        ) as pool:
            await pool.wait()
            db = AsyncPostgresDatabase.from_pool(pool).for_tenant("club-b")
            before = await db._fetchone("SELECT pg_backend_pid()", ())
            slow = asyncio.ensure_future(db._fetchone("SELECT pg_sleep(5), %s::int", (1,)))
            await asyncio.sleep(0.2)
            assert not slow.done()
            slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await slow
            for i in range(3):  # a fresh connection, idle, and the right answers
                got = await db._fetchone(
                    "SELECT pg_backend_pid(), current_setting('clubrules.tenant'), %s::int", (i,)
                )
                assert got is not None
                assert got[0] != before[0]
                assert got[1:] == ("club-b", i)

    loop_thread.run(scenario())


def test_a_cancelled_write_has_landed_or_not_when_the_call_returns(
    url: str, loop_thread: LoopThread
) -> None:
    """The server-side statement of a cancelled call is stopped, not left to land later."""
    insert = (
        f"INSERT INTO {_TABLE} (tenant, id, n) VALUES (current_setting('clubrules.tenant'), %s, 7)"  # noqa: S608
        " ON CONFLICT (tenant, id) DO NOTHING"
    )
    waiting = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE query LIKE 'INSERT INTO direct_probe%%' AND wait_event_type = 'Lock'"
    )

    async def scenario(blocker: psycopg.Connection[Any]) -> None:
        async with AsyncConnectionPool(
            url, kwargs={"autocommit": True}, min_size=1, max_size=1, open=False
        ) as pool:
            await pool.wait()
            db = AsyncPostgresDatabase.from_pool(pool).for_tenant("club-b")
            write = asyncio.ensure_future(db._write(insert, ("held",)))
            while True:  # until the insert waits on the blocker's uncommitted row
                (count,) = blocker.execute(waiting).fetchone() or (0,)
                if count:
                    break
                await asyncio.sleep(0.01)
            write.cancel()
            with pytest.raises(asyncio.CancelledError):
                await write
            assert blocker.execute(waiting).fetchone() == (0,)

    with psycopg.connect(url) as blocker, psycopg.connect(url, autocommit=True) as watcher:
        blocker.execute(
            f"INSERT INTO {_TABLE} (tenant, id, n) VALUES ('club-b', 'held', 1)"  # noqa: S608
        )
        try:
            loop_thread.run(scenario(watcher))
        finally:
            blocker.rollback()
        # The blocker gone, nothing the cancelled call sent is left to run.
        assert watcher.execute(f"SELECT n FROM {_TABLE}").fetchall() == []  # noqa: S608
