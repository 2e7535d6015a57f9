"""Connections refused for their settings are permanent, named, and never waited on.

libpq checks some settings only when it connects (`sslmode`, `port`), and
the server refuses others at startup (a wrong password, an unknown database
or role, bad `options`). No retry changes any of them: each must arrive as a
`StorageConfigurationError` that names the cause (never the password, the
role, the database or the URL), logged once at ERROR, from the sync
database with and without a pool and from the async database, and a pool
must not make its caller wait its whole timeout first. A server that is
down or out of connection slots stays a `RetryableStorageError`.

The pools below wait 60 seconds for a connection: a database that waited on
a refused connection would come back with a `RetryableStorageError` (its
pool's timeout), not the error these tests expect.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql

from clubrules.errors import RetryableStorageError, StorageConfigurationError, StorageError
from clubrules.storage.postgres import (
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    PostgresCustomerRepository,
    PostgresDatabase,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

PASSWORD = f"right-{uuid.uuid4().hex}"
WRONG = f"wrong-{uuid.uuid4().hex}"
SUFFIX = uuid.uuid4().hex[:10]
PW_ROLE = f"pw_{SUFFIX}"
NOLOGIN_ROLE = f"nologin_{SUFFIX}"
FULL_ROLE = f"full_{SUFFIX}"
NO_DB = f"nodb_{SUFFIX}"
NO_ROLE = f"norole_{SUFFIX}"
WAIT = 60.0


@pytest.fixture(scope="module")
def cluster(postgres_cluster: PostgresCluster) -> PostgresCluster:
    """The session's cluster, with roles of this module's own (one asks for a password)."""
    with psycopg.connect(postgres_cluster.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(PW_ROLE), sql.Literal(PASSWORD)
            )
        )
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(NOLOGIN_ROLE)))
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT 0").format(sql.Identifier(FULL_ROLE))
        )
        # The password role alone authenticates by password: a line of its own, first.
        row = conn.execute("SHOW hba_file").fetchone()
        assert row is not None
        hba = str(row[0])
        lines = conn.execute("SELECT pg_read_file(%s)", (hba,)).fetchone()
        assert lines is not None
        rules = [f"local all {PW_ROLE} scram-sha-256", *str(lines[0]).splitlines()]
        conn.execute(
            sql.SQL("COPY (SELECT unnest({}::text[])) TO {}").format(
                sql.Literal(rules), sql.Literal(hba)
            )
        )
        conn.execute("SELECT pg_reload_conf()")
    return postgres_cluster


def _url(cluster: PostgresCluster, *, user: str = "postgres", db: str = "postgres") -> str:
    return f"postgresql://{user}@/{db}?host={cluster.socket_dir}&port={cluster.port}"


# name -> (URL for the cluster, reason, SQLSTATE): each refused for its settings.
PERMANENT: dict[str, tuple[Callable[[PostgresCluster], str], str, str]] = {
    "sslmode": (lambda c: _url(c) + "&sslmode=bogus", "invalid_libpq_setting", ""),
    "port": (
        lambda c: f"postgresql://postgres@/postgres?host={c.socket_dir}&port=99999",
        "invalid_libpq_setting",
        "",
    ),
    "target_session_attrs": (
        lambda c: _url(c) + "&target_session_attrs=bogus",
        "invalid_libpq_setting",
        "",
    ),
    "unknown_database": (lambda c: _url(c, db=NO_DB), "unknown_database", "3D000"),
    "unknown_role": (lambda c: _url(c, user=NO_ROLE), "unknown_role", "28000"),
    "nologin_role": (lambda c: _url(c, user=NOLOGIN_ROLE), "login_not_permitted", "28000"),
    "wrong_password": (
        lambda c: _url(c, user=f"{PW_ROLE}:{WRONG}"),
        "invalid_password",
        "28P01",
    ),
    "no_password": (lambda c: _url(c, user=PW_ROLE) + "&passfile=/nonexistent", "no_password", ""),
    "options_unknown_setting": (
        lambda c: _url(c) + "&options=-c%20nonexistent%3D1",
        "unknown_setting",
        "42704",
    ),
    "options_bad_value": (
        lambda c: _url(c) + "&options=-c%20work_mem%3Dbanana",
        "invalid_setting_value",
        "22023",
    ),
    "options_out_of_range": (
        lambda c: _url(c) + "&options=-c%20statement_timeout%3D-5",
        "invalid_setting_value",
        "22023",
    ),
    "options_fixed_setting": (
        lambda c: _url(c) + "&options=-c%20server_version%3D1",
        "setting_not_settable",
        "55P02",
    ),
    "options_not_arguments": (
        lambda c: _url(c) + "&options=--bogus",
        "invalid_options",
        "42601",
    ),
    "client_encoding": (
        lambda c: _url(c) + "&client_encoding=bogus",
        "invalid_setting_value",
        "22023",
    ),
}
# Transient: the server is not there yet, or has no connection slot for the role now.
TRANSIENT: dict[str, Callable[[PostgresCluster], str]] = {
    "no_server": lambda c: f"postgresql://postgres@/postgres?host={c.socket_dir}&port=1",
    "too_many_connections": lambda c: _url(c, user=FULL_ROLE),
}
# What no message, log line or chain may hold.
SECRETS = (PASSWORD, WRONG, NO_DB, NO_ROLE, NOLOGIN_ROLE, PW_ROLE)


def _sync(url: str, pool_size: int, timeout: float = WAIT) -> StorageError:
    with PostgresDatabase(url, pool_size=pool_size, timeout=timeout) as db:
        with pytest.raises(StorageError) as caught:
            PostgresCustomerRepository(db).get("c-1")
        with pytest.raises(StorageError) as again, db.connection():
            pass  # pragma: no cover - no connection comes
        assert type(again.value) is type(caught.value)
    return caught.value


def _async(url: str, *, opened: bool, timeout: float = WAIT) -> StorageError:
    async def main() -> StorageError:
        if opened:  # the pool opened explicitly, as at an application's startup
            with pytest.raises(StorageError) as caught:
                await AsyncPostgresDatabase.open(url, timeout=timeout)
            return caught.value
        db = AsyncPostgresDatabase(url, timeout=timeout)  # opened at the first call
        try:
            with pytest.raises(StorageError) as caught:
                await AsyncPostgresCustomerRepository(db).get("c-1")
            with pytest.raises(StorageError) as again:
                await AsyncPostgresCustomerRepository(db).get("c-1")
            assert type(again.value) is type(caught.value)
        finally:
            await db.close()
        return caught.value

    return asyncio.run(main())


MODES: dict[str, Callable[[str], StorageError]] = {
    "sync": lambda url: _sync(url, 0),
    "sync_pool": lambda url: _sync(url, 2),
    "async_open": lambda url: _async(url, opened=True),
    "async_first_call": lambda url: _async(url, opened=False),
}


def _chain(error: BaseException) -> str:
    texts = []
    seen: BaseException | None = error
    while seen is not None:
        texts.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    return "\n".join(texts)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("case", sorted(PERMANENT))
def test_a_connection_refused_for_its_settings_is_not_retryable(
    cluster: PostgresCluster, caplog: pytest.LogCaptureFixture, case: str, mode: str
) -> None:
    make_url, reason, state = PERMANENT[case]
    url = make_url(cluster)
    with caplog.at_level(logging.ERROR, logger="clubrules.storage"):
        error = MODES[mode](url)
    assert type(error) is StorageConfigurationError, _chain(error)
    assert not isinstance(error, RetryableStorageError)
    assert error.reason == reason
    assert "retrying cannot help" in str(error)
    assert error.diagnostics is not None
    assert error.diagnostics.code == state
    assert (state in str(error)) if state else ("libpq" in str(error))
    # The driver's error, which came before the server saw a value, stays the cause.
    assert isinstance(error.__cause__, psycopg.OperationalError)
    assert error.__context__ is None
    # Logged once, whatever the number of calls, and the log holds no secret either.
    refused = [r for r in caplog.records if r.name == "clubrules.storage"]
    assert [r.levelno for r in refused] == [logging.ERROR]
    assert refused[0].getMessage() == str(error)
    for secret in SECRETS:
        assert secret not in str(error)
        assert secret not in refused[0].getMessage()
    assert PASSWORD not in _chain(error)
    assert WRONG not in _chain(error)


@pytest.mark.parametrize("case", sorted(TRANSIENT))
def test_a_server_not_there_yet_or_out_of_slots_stays_retryable(
    cluster: PostgresCluster, case: str
) -> None:
    url = TRANSIENT[case](cluster)
    # Short waits: a pool waits its whole timeout for a transient failure, as it should.
    for error in (
        _sync(url, 0),
        _sync(url, 1, timeout=0.5),
        _async(url, opened=False, timeout=0.5),
        _async(url, opened=True, timeout=0.5),
    ):
        assert type(error) is RetryableStorageError, _chain(error)


@pytest.mark.parametrize("pool_size", [0, 2])
def test_the_right_password_connects(cluster: PostgresCluster, pool_size: int) -> None:
    good = _url(cluster, user=f"{PW_ROLE}:{PASSWORD}")
    with PostgresDatabase(good, pool_size=pool_size, timeout=WAIT) as db:
        assert db.schema_version() == 0
        assert db.schema_version() == 0

    async def main() -> int:
        async with AsyncPostgresDatabase(good, timeout=WAIT) as db, db.connection() as conn:
            row = await (await conn.execute("SELECT current_user")).fetchone()
            assert row == (PW_ROLE,)
            return 1

    assert asyncio.run(main()) == 1
