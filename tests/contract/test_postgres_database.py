"""What the PostgreSQL adapters promise beyond the contract: storage, typed errors, faults."""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from clubrules.customers import ConsumptionRecord, Customer, Sealed, ServiceRecord
from clubrules.errors import (
    DuplicateError,
    MigrationError,
    RetryableStorageError,
    SlotConflictError,
    StorageError,
    ValidationError,
)
from clubrules.money import Money
from clubrules.privacy import AccessEvent, ConsentRecord, Purpose
from clubrules.storage.postgres import (
    PostgresAccessLog,
    PostgresConsentStore,
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 1, 18, 30, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
SECRET = b"\x01opaque-ciphertext\x00\xff"
_names = itertools.count()


@pytest.fixture(scope="class")
def url(postgres_cluster: PostgresCluster) -> str:
    url = postgres_cluster.create_database("adapter_faults")
    with PostgresDatabase(url) as db:
        db.migrate()
    return url


@pytest.fixture
def database(url: str) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(url) as db:
        with db.connection() as conn:
            conn.execute(
                "TRUNCATE clubrules.customers, clubrules.consumption_records,"
                " clubrules.service_records, clubrules.access_events"
            )
        yield db


def _restart(cluster: PostgresCluster) -> None:
    # -l keeps the new server's output away from pg_ctl's pipes, or pg_ctl never returns.
    cluster.pg_ctl("restart", "-m", "fast", "-l", str(cluster.directory / "server.log"))


def _raise_sqlstate(db: PostgresDatabase, state: str) -> None:
    with db.connection() as conn:
        conn.execute(f"DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '{state}'; END $$")


class TestStorage:
    def test_instants_money_and_sealed_fields_keep_their_types(
        self, database: PostgresDatabase
    ) -> None:
        PostgresCustomerRepository(database).add(
            Customer(id="c-1", name="王芳", registered_at=T0, health=Sealed(SECRET))
        )
        PostgresConsumptionRepository(database).add(
            ConsumptionRecord(
                id="t-1", customer_id="c-1", at=T0, service="facial", amount=Money("88.50")
            )
        )
        with database.connection() as conn:
            row = conn.execute(
                "SELECT registered_at, pg_typeof(registered_at)::text, health"
                " FROM clubrules.customers"
            ).fetchone()
            amount = conn.execute("SELECT amount FROM clubrules.consumption_records").fetchone()
        assert row == (T0, "timestamp with time zone", SECRET)
        assert amount is not None
        assert str(amount[0]) == "88.50"
        assert isinstance(amount[0], Decimal)

    @pytest.mark.parametrize(
        "registered_at",
        [
            datetime(2000, 10, 29, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),
            datetime(2000, 10, 29, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")),
            datetime(2026, 3, 1, 9, tzinfo=timezone(timedelta(hours=5, minutes=45))),
            datetime(2026, 3, 1, 9, tzinfo=UTC),
        ],
    )
    def test_instants_come_back_in_their_zone(
        self, database: PostgresDatabase, registered_at: datetime
    ) -> None:
        customers = PostgresCustomerRepository(database)
        customers.add(Customer(id="c-1", name="Li", registered_at=registered_at))
        stored = customers.get("c-1").registered_at
        assert stored == registered_at
        assert stored.utcoffset() == registered_at.utcoffset()

    def test_ids_sort_by_code_point_as_in_python(self, database: PostgresDatabase) -> None:
        customers = PostgresCustomerRepository(database)
        ids = ["b", "B", "a-2", "a-10", "é", "Z", "王"]
        for customer_id in ids:
            customers.add(Customer(id=customer_id, name="Li", registered_at=T0))
        assert [c.id for c in customers.customers()] == sorted(ids)

    def test_nul_characters_are_a_validation_error(self, database: PostgresDatabase) -> None:
        # Refused when the record is built, so that every adapter refuses it alike.
        with pytest.raises(ValidationError) as caught:
            ServiceRecord(
                id="s-1",
                customer_id="c-1",
                at=T0,
                service="facial",
                staff_id="st-1",
                notes="a\x00b",
            )
        assert (caught.value.field, caught.value.rule) == ("notes", "nul_character")
        assert PostgresConsumptionRepository(database).service_records("c-1") == []


class TestErrorTranslation:
    @pytest.mark.parametrize(
        ("state", "error"),
        [
            ("23505", DuplicateError),
            ("23P01", SlotConflictError),
            ("40001", RetryableStorageError),
            ("40P01", RetryableStorageError),
            ("55P03", RetryableStorageError),
            ("42P01", MigrationError),
            ("22012", StorageError),
        ],
    )
    def test_sqlstates_become_clubrules_errors(
        self, database: PostgresDatabase, state: str, error: type[Exception]
    ) -> None:
        with pytest.raises(error) as caught:
            _raise_sqlstate(database, state)
        assert state in str(caught.value) or error is MigrationError
        # The connection is usable afterwards.
        assert PostgresCustomerRepository(database).find_by_phone.__name__

    def test_an_unmigrated_database_says_to_migrate(
        self, postgres_cluster: PostgresCluster
    ) -> None:
        never_migrated_url = postgres_cluster.create_database("never_migrated")
        with PostgresDatabase(never_migrated_url) as db:
            with pytest.raises(MigrationError, match="migrate"):
                PostgresCustomerRepository(db).get("c-1")
            assert db.schema_version() == 0

    def test_an_unreachable_server_is_retryable(self, postgres_cluster: PostgresCluster) -> None:
        bad = f"postgresql://postgres@/postgres?host={postgres_cluster.socket_dir}&port=1"
        with PostgresDatabase(bad) as db, pytest.raises(RetryableStorageError):
            PostgresCustomerRepository(db).get("c-1")

    def test_bad_options_are_refused(self, url: str) -> None:
        with pytest.raises(ValidationError):
            PostgresDatabase(url, pool_size=-1)
        with pytest.raises(ValidationError):
            PostgresDatabase(url, timeout=0)


class TestConcurrency:
    def test_concurrent_withdrawals_keep_the_first_time(self, url: str) -> None:
        with PostgresDatabase(url, pool_size=8) as db:
            consents = PostgresConsentStore(db)
            record = ConsentRecord(
                id=f"k-{next(_names)}",
                customer_id="c-1",
                purpose=Purpose.SERVICE_DELIVERY,
                scope={"allergies"},
                given_at=T0,
                separate=True,
            )
            consents.add(record)
            results: list[ConsentRecord] = []
            barrier = threading.Barrier(8)

            def withdraw(i: int) -> None:
                barrier.wait()
                results.append(consents.withdraw(record.id, T0 + timedelta(hours=i + 1)))

            threads = [threading.Thread(target=withdraw, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stored = consents.get(record.id).withdrawn_at
            assert stored is not None
            assert {r.withdrawn_at for r in results} == {stored}


class TestFaults:
    def test_a_killed_connection_writes_nothing_and_the_retry_succeeds(
        self, database: PostgresDatabase, postgres_cluster: PostgresCluster, url: str
    ) -> None:
        log = PostgresAccessLog(database)
        event = AccessEvent(
            at=T0,
            actor="st-7",
            role="beautician",
            purpose=Purpose.SERVICE_DELIVERY,
            customer_id="c-1",
            field="allergies",
            allowed=True,
            reason="allowed",
        )

        def reserve_both() -> None:
            # Two writes that must land together, killed between them.
            with database.transaction() as conn:
                conn.execute(
                    "INSERT INTO clubrules.customers (id, name, registered_at, gender)"
                    " VALUES ('c-1', 'Li', now(), 'female')"
                )
                pid = conn.info.backend_pid
                with psycopg.connect(url, autocommit=True) as killer:
                    killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
                conn.execute(
                    "INSERT INTO clubrules.consumption_records"
                    " (id, customer_id, at, service, amount, currency, kind)"
                    " VALUES ('t-1', 'c-1', now(), 'facial', 1, 'CNY', 'purchase')"
                )

        with pytest.raises(RetryableStorageError):
            reserve_both()
        with database.connection() as conn:
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM clubrules.customers),"
                " (SELECT count(*) FROM clubrules.consumption_records)"
            ).fetchone()
        assert counts == (0, 0)
        log.append(event)
        assert log.for_customer("c-1") == [event]

    def test_a_pool_recovers_after_a_server_restart(
        self, url: str, postgres_cluster: PostgresCluster
    ) -> None:
        with PostgresDatabase(url, pool_size=4, pool_min_size=2) as db:
            customers = PostgresCustomerRepository(db)
            customer = Customer(id="c-restart", name="Li", registered_at=T0)
            customers.add(customer)
            _restart(postgres_cluster)
            assert customers.get("c-restart") == customer
            threads = [
                threading.Thread(target=customers.get, args=("c-restart",)) for _ in range(4)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

    def test_an_unchecked_pool_reports_a_restart_once_then_recovers(
        self, url: str, postgres_cluster: PostgresCluster
    ) -> None:
        with PostgresDatabase(url, pool_size=1, pool_check=False) as db:
            customers = PostgresCustomerRepository(db)
            list(customers.customers())
            _restart(postgres_cluster)
            with contextlib.suppress(RetryableStorageError):
                list(customers.customers())
            list(customers.customers())

    def test_a_single_connection_reconnects_after_a_restart(
        self, url: str, postgres_cluster: PostgresCluster
    ) -> None:
        with PostgresDatabase(url) as db:
            customers = PostgresCustomerRepository(db)
            assert customers.find_by_phone.__name__
            list(customers.customers())
            _restart(postgres_cluster)
            with contextlib.suppress(RetryableStorageError):
                # The broken connection may be reported once, then it is replaced.
                list(customers.customers())
            list(customers.customers())

    def test_an_integrators_pool_can_be_used(self, url: str) -> None:
        with ConnectionPool(url, min_size=1, max_size=2, kwargs={"autocommit": True}) as pool:
            db = PostgresDatabase.from_pool(pool)
            assert db.pooled
            assert db.schema_version() >= 1
            db.close()
            assert not pool.closed


def test_the_module_imports_without_psycopg() -> None:
    script = (
        "import sys\n"
        "sys.modules['psycopg'] = None\n"
        "sys.modules['psycopg_pool'] = None\n"
        "from clubrules.errors import StorageError\n"
        "from clubrules.storage.postgres import PostgresDatabase\n"
        "try:\n"
        "    PostgresDatabase('postgresql:///club')\n"
        "except StorageError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "clubrules[postgres]" in result.stdout
