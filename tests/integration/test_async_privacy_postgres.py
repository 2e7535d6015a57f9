"""`AsyncPrivacyVault` over the async PostgreSQL stores, on the throwaway cluster.

Two `AsyncPostgresDatabase` handles (own pools) stand for two app servers;
a sync `PrivacyVault` on the same tables stands for a sync worker. Each test
runs its own event loop on emptied tables.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.errors import (
    AccessDeniedError,
    ConsentRequiredError,
    DecryptionError,
    KeyringError,
)
from clubrules.privacy import (
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    ConsentRecord,
    CustomerKeys,
    Keyring,
    PrivacyVault,
    Purpose,
    RolePolicy,
)
from clubrules.storage.postgres import (
    AsyncPostgresAccessLog,
    AsyncPostgresConsentStore,
    AsyncPostgresDatabase,
    AsyncPostgresDataKeyStore,
    PostgresAccessLog,
    PostgresConsentStore,
    PostgresDatabase,
    PostgresDataKeyStore,
)
from clubrules.testing import ManualClock

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
SERVICE = Purpose.SERVICE_DELIVERY
READER: dict[str, Any] = {"field": "allergies", "actor": "st-7", "purpose": SERVICE}


@pytest.fixture(scope="module")
def url(postgres_cluster: PostgresCluster) -> str:
    """A fresh database for the module, migrated by the sync database (as at deploy time)."""
    database_url = postgres_cluster.create_database("async_privacy")
    with PostgresDatabase(database_url) as db:
        db.migrate()
    return database_url


@pytest.fixture
def run(
    url: str,
) -> Callable[[Callable[[AsyncPostgresDatabase, AsyncPostgresDatabase], Awaitable[Any]]], Any]:
    """Run `body(here, there)` on two databases (two app servers) in a fresh event loop."""

    def runner(
        body: Callable[[AsyncPostgresDatabase, AsyncPostgresDatabase], Awaitable[Any]],
    ) -> Any:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "TRUNCATE clubrules.data_keys, clubrules.consents, clubrules.access_events CASCADE"
            )

        async def main() -> Any:
            async with (
                AsyncPostgresDatabase(url, pool_size=4) as here,
                AsyncPostgresDatabase(url, pool_size=4) as there,
            ):
                return await body(here, there)

        return asyncio.run(main())

    return runner


def vault(db: AsyncPostgresDatabase, kek: Keyring, clock: ManualClock) -> AsyncPrivacyVault:
    return AsyncPrivacyVault(
        keys=AsyncCustomerKeys(kek, AsyncPostgresDataKeyStore(db)),
        policy=RolePolicy.salon_default(),
        consents=AsyncPostgresConsentStore(db),
        log=AsyncPostgresAccessLog(db),
        clock=clock,
    )


def consent(customer_id: str = "c-1") -> ConsentRecord:
    return ConsentRecord(
        id=f"k-{customer_id}",
        customer_id=customer_id,
        purpose=SERVICE,
        scope={"allergies"},
        given_at=T0 - timedelta(days=1),
        separate=True,
    )


def test_the_vault_checks_logs_and_erases_across_app_servers(run: Any) -> None:
    kek, clock = Keyring.generate(), ManualClock(T0)

    async def body(here_db: AsyncPostgresDatabase, there_db: AsyncPostgresDatabase) -> None:
        here, there = vault(here_db, kek, clock), vault(there_db, kek, clock)
        await AsyncPostgresConsentStore(here_db).add(consent())
        sealed = await here.seal("c-1", "allergies", ["青霉素"])
        assert (
            await there.open(sealed, customer_id="c-1", role="beautician", **READER)
        ).reveal() == ["青霉素"]
        with pytest.raises(AccessDeniedError):
            await there.open(sealed, customer_id="c-1", role="front_desk", **READER)
        moved = await here.seal("c-2", "allergies", ["x"])
        with pytest.raises(ConsentRequiredError):
            await here.open(moved, customer_id="c-2", role="beautician", **READER)
        assert await here.erase("c-1") is True
        with pytest.raises(DecryptionError):
            await there.open(sealed, customer_id="c-1", role="beautician", **READER)
        log = AsyncPostgresAccessLog(there_db)
        assert [(e.role, e.reason) for e in await log.for_customer("c-1")] == [
            ("beautician", "allowed"),
            ("front_desk", "role_policy"),
            ("beautician", "decryption_failed"),
        ]
        assert [e.reason for e in await log.for_customer("c-2")] == ["no_consent"]

    run(body)


def test_many_tasks_on_two_servers_creating_one_key_end_with_one_key(run: Any, url: str) -> None:
    kek = Keyring.generate()

    async def body(here_db: AsyncPostgresDatabase, there_db: AsyncPostgresDatabase) -> list[Any]:
        instances = [
            AsyncCustomerKeys(kek, AsyncPostgresDataKeyStore(db))
            for db in (here_db, there_db, here_db, there_db)
        ]
        ciphers = await asyncio.gather(
            *(instances[i % 4].cipher_for("c-1", create=True) for i in range(24))
        )
        place = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}
        sealed = [c.seal(str(i), **place) for i, c in enumerate(ciphers)]
        return [[c.open(s, **place) for s in sealed] for c in ciphers]

    opened = run(body)
    assert all(row == [str(i) for i in range(24)] for row in opened)
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM clubrules.data_keys").fetchone()
    assert row == (1,)


def test_sync_and_async_vaults_share_the_tables(run: Any, url: str) -> None:
    kek, clock = Keyring.generate(), ManualClock(T0)

    async def body(here_db: AsyncPostgresDatabase, _: AsyncPostgresDatabase) -> Any:
        await AsyncPostgresConsentStore(here_db).add(consent())
        return await vault(here_db, kek, clock).seal("c-1", "allergies", ["from async"])

    sealed = run(body)
    with PostgresDatabase(url) as db:
        sync = PrivacyVault(
            keys=CustomerKeys(kek, PostgresDataKeyStore(db)),
            policy=RolePolicy.salon_default(),
            consents=PostgresConsentStore(db),
            log=PostgresAccessLog(db),
            clock=clock,
        )
        opened = sync.open(sealed, customer_id="c-1", role="beautician", **READER)
        assert opened.reveal() == ["from async"]
        assert [e.reason for e in PostgresAccessLog(db).for_customer("c-1")] == ["allowed"]


class _RollbackError(Exception):
    """Raised inside a unit of work to roll it back."""


def test_a_key_read_back_in_a_unit_that_rolls_back_is_not_trusted_by_the_window(
    run: Any, url: str
) -> None:
    kek = Keyring.generate()
    place = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}

    async def body(here: AsyncPostgresDatabase, _there: AsyncPostgresDatabase) -> None:
        store = AsyncPostgresDataKeyStore(here)
        keys = AsyncCustomerKeys(kek, store, revalidate_after=3600, timer=lambda: 1000.0)

        async def unit() -> None:
            async with here.unit_of_work():
                assert store.in_transaction()
                sealed = (await keys.cipher_for("c-1", create=True)).seal("x", **place)
                assert (await keys.cipher_for("c-1")).open(sealed, **place) == "x"
                raise _RollbackError

        with pytest.raises(_RollbackError):
            await unit()
        assert not store.in_transaction()
        with pytest.raises(KeyringError, match="has no data key"):
            await keys.cipher_for("c-1")

    run(body)
    with PostgresDatabase(url) as db:
        store = PostgresDataKeyStore(db)
        keys = CustomerKeys(kek, store, revalidate_after=3600, timer=lambda: 1000.0)

        def sync_unit() -> None:
            with db.unit_of_work():
                assert store.in_transaction()
                keys.cipher_for("c-1", create=True)
                keys.cipher_for("c-1")
                raise _RollbackError

        with pytest.raises(_RollbackError):
            sync_unit()
        with pytest.raises(KeyringError, match="has no data key"):
            keys.cipher_for("c-1")
