"""What the SQLite adapters promise beyond the contract: storage format, locks, typed errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from clubrules.customers import ConsumptionRecord, Customer, Sealed
from clubrules.errors import MigrationError, RetryableStorageError, StorageError, ValidationError
from clubrules.money import Money
from clubrules.privacy import ConsentRecord, Purpose
from clubrules.storage.sqlite import (
    SQLiteConsentStore,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
    SQLiteDataKeyStore,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

T0 = datetime(2026, 3, 1, 18, 30, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
SECRET = b"\x01not-really-ciphertext-but-opaque\xff"

# A second process takes the write lock and holds it until told to stop.
LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
"""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db", timeout=0.2) as db:
        db.migrate()
        yield db


def _raw(db: SQLiteDatabase, sql: str) -> list[tuple[object, ...]]:
    with db.connection() as conn:
        return conn.execute(sql).fetchall()


def test_instants_are_utc_microseconds_and_money_exact_text(database: SQLiteDatabase) -> None:
    SQLiteConsumptionRepository(database).add(
        ConsumptionRecord(
            id="t-1",
            customer_id="c-1",
            at=T0,
            service="facial",
            amount=Money("88.50", "HKD"),
        )
    )
    [(at_us, kind, zone, amount, currency)] = _raw(
        database,
        "SELECT at_us, typeof(at_us), at_tz, amount, currency FROM clubrules_consumption_records",
    )
    assert kind == "integer"
    assert at_us == int(T0.timestamp()) * 1_000_000 + 123456
    assert zone == "Asia/Shanghai"
    assert (amount, currency) == ("88.50", "HKD")
    stored = SQLiteConsumptionRepository(database).get("t-1")
    assert stored.at == T0
    assert stored.at.tzinfo is T0.tzinfo


@pytest.mark.parametrize(
    "registered_at",
    [
        # The repeated hour of a DST change: only equal to itself in its own zone.
        datetime(2000, 10, 29, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2000, 10, 29, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2026, 3, 1, 9, tzinfo=timezone(timedelta(hours=5, minutes=45))),
        datetime(2026, 3, 1, 9, tzinfo=timezone(-timedelta(hours=3, seconds=30))),
        datetime(2026, 3, 1, 9, tzinfo=UTC),
    ],
)
def test_instants_come_back_in_their_zone(
    database: SQLiteDatabase, registered_at: datetime
) -> None:
    customers = SQLiteCustomerRepository(database)
    customers.add(Customer(id="c-1", name="Li", registered_at=registered_at))
    stored = customers.get("c-1").registered_at
    assert stored == registered_at
    assert stored.utcoffset() == registered_at.utcoffset()


def test_sealed_fields_are_stored_only_as_ciphertext(database: SQLiteDatabase) -> None:
    customer = Customer(id="c-1", name="王芳", registered_at=T0, health=Sealed(SECRET))
    SQLiteCustomerRepository(database).add(customer)
    [(health, kind)] = _raw(database, "SELECT health, typeof(health) FROM clubrules_customers")
    assert (health, kind) == (SECRET, "blob")
    with database.connection() as conn, pytest.raises(sqlite3.IntegrityError):
        # Text (plaintext) in a sealed column is refused by the schema itself.
        conn.execute("UPDATE clubrules_customers SET allergies = 'penicillin'")


def test_a_schema_violation_is_a_storage_error_without_values(database: SQLiteDatabase) -> None:
    SQLiteCustomerRepository(database).add(Customer(id="c-1", name="Li", registered_at=T0))
    with pytest.raises(StorageError) as caught, database.connection() as conn:
        conn.execute("UPDATE clubrules_customers SET health = 'penicillin allergy'")
    assert "penicillin" not in str(caught.value)


def test_connections_use_wal_and_secure_delete(database: SQLiteDatabase) -> None:
    assert _raw(database, "PRAGMA journal_mode") == [("wal",)]
    assert _raw(database, "PRAGMA secure_delete") == [(1,)]


def test_a_file_locked_by_another_process_is_a_retryable_error(
    database: SQLiteDatabase, tmp_path: Path
) -> None:
    customers = SQLiteCustomerRepository(database)
    locker = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", LOCKER, str(tmp_path / "club.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout is not None
        assert locker.stdout.readline().strip() == "locked"
        customer = Customer(id="c-1", name="Li", registered_at=T0)
        with pytest.raises(RetryableStorageError):
            customers.add(customer)
        assert isinstance(RetryableStorageError("x"), StorageError)
    finally:
        locker.communicate("go\n", timeout=10)
    # Nothing was written, and the retry succeeds once the lock is gone.
    assert list(customers.customers()) == []
    customers.add(customer)
    assert customers.get("c-1") == customer


ADDER = """
import sys
from datetime import UTC, datetime
from clubrules.customers import Customer
from clubrules.errors import DuplicateError
from clubrules.storage.sqlite import SQLiteCustomerRepository, SQLiteDatabase
with SQLiteDatabase(sys.argv[1], timeout=30) as db:
    customers = SQLiteCustomerRepository(db)
    sys.stdin.readline()
    try:
        customers.add(Customer(id="c-1", name=sys.argv[2], registered_at=datetime.now(UTC)))
    except DuplicateError:
        print("duplicate")
    else:
        print("added")
"""


def test_processes_racing_to_add_one_customer_exactly_one_wins(
    database: SQLiteDatabase, tmp_path: Path
) -> None:
    racers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", ADDER, str(tmp_path / "club.db"), f"racer-{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    outcomes = sorted(racer.communicate(timeout=60)[0].strip() for racer in racers)
    assert outcomes == ["added", "duplicate", "duplicate", "duplicate"]
    winner = SQLiteCustomerRepository(database).get("c-1")
    assert winner.name.startswith("racer-")


def test_concurrent_withdrawals_keep_the_first_time(database: SQLiteDatabase) -> None:
    consents = SQLiteConsentStore(database)
    consents.add(
        ConsentRecord(
            id="k-1",
            customer_id="c-1",
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies"},
            given_at=T0,
            separate=True,
        )
    )
    results: list[ConsentRecord] = []
    barrier = threading.Barrier(8)

    def withdraw(i: int) -> None:
        barrier.wait()
        results.append(consents.withdraw("k-1", T0 + timedelta(hours=i + 1)))

    threads = [threading.Thread(target=withdraw, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = consents.get("k-1").withdrawn_at
    assert stored is not None
    assert {r.withdrawn_at for r in results} == {stored}


def test_an_unmigrated_database_says_to_migrate(tmp_path: Path) -> None:
    with SQLiteDatabase(tmp_path / "empty.db") as db:
        with pytest.raises(MigrationError, match="migrate"):
            SQLiteCustomerRepository(db).get("c-1")
        assert db.schema_version() == 0


def test_a_file_that_does_not_open_is_named_with_what_to_check(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "club.db"
    with pytest.raises(StorageError) as caught:
        SQLiteDatabase(missing).migrate()
    assert str(missing) in str(caught.value)
    assert "SQLITE_CANTOPEN" in str(caught.value)
    assert "does its directory exist" in str(caught.value)
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("shopping list, not a database\n" * 100, encoding="utf-8")
    with pytest.raises(StorageError) as caught:
        SQLiteDatabase(not_a_database).migrate()
    assert str(not_a_database) in str(caught.value)
    assert "is not a SQLite database" in str(caught.value)
    assert "shopping" not in str(caught.value)


def test_a_closed_database_refuses_work(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "club.db")
    db.migrate()
    db.close()
    with pytest.raises(StorageError, match="closed"):
        SQLiteCustomerRepository(db).get("c-1")
    assert "closed" in repr(db)


def test_an_in_memory_database_is_shared_by_threads() -> None:
    with SQLiteDatabase(":memory:") as db:
        db.migrate()
        keys = SQLiteDataKeyStore(db)
        threads = [
            threading.Thread(target=keys.add, args=(f"c-{i}", Sealed(SECRET))) for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(keys.customer_ids()) == sorted(f"c-{i}" for i in range(8))


def test_a_destroyed_data_key_leaves_no_copy_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    with SQLiteDatabase(path) as db:
        db.migrate()
        keys = SQLiteDataKeyStore(db)
        keys.add("c-1", Sealed(SECRET))
        assert keys.delete("c-1")
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("keys.db"))
    assert SECRET not in data


@pytest.mark.parametrize(
    ("options", "field"),
    [({"timeout": -1}, "timeout"), ({"max_connections": 0}, "max_connections")],
)
def test_bad_options_are_refused(tmp_path: Path, options: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SQLiteDatabase(tmp_path / "x.db", **options)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_pool_that_stays_busy_gives_a_retryable_error_and_recovers(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "pool.db", timeout=0.05, max_connections=2)
    db.migrate()
    with (
        db.connection(),
        db.connection(),
        pytest.raises(RetryableStorageError, match="2 SQLite connections stayed busy"),
        db.connection(),
    ):
        pass
    # Both given back: the pool lends again.
    with db.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    db.close()


def test_a_waiting_borrower_gets_the_connection_given_back(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "pool.db", timeout=5, max_connections=1)
    db.migrate()
    got: list[object] = []

    def borrow() -> None:
        with db.connection() as conn:
            got.append(conn is held)

    with db.connection() as held:
        waiter = threading.Thread(target=borrow, daemon=True)
        waiter.start()
        waiter.join(0.2)
        assert waiter.is_alive()  # waiting for the only connection
    waiter.join(5)
    assert got == [True]  # it got the very connection given back
    db.close()


def test_closing_the_database_wakes_waiters_with_a_clear_error(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "pool.db", timeout=5, max_connections=1)
    db.migrate()
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            with db.connection():
                pass
        except StorageError as error:
            errors.append(error)

    with db.connection():
        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        waiter.join(0.2)
        db.close()
        waiter.join(5)
    assert not waiter.is_alive()
    assert [str(e) for e in errors] == ["the SQLite database is closed"]
    with pytest.raises(StorageError, match="closed"), db.connection():
        pass


def test_a_sqlite_error_inside_the_block_is_translated_and_the_connection_returned(
    tmp_path: Path,
) -> None:
    db = SQLiteDatabase(tmp_path / "pool.db", max_connections=1, timeout=0.05)
    db.migrate()
    with pytest.raises(StorageError, match="SQLite failed"), db.connection() as conn:
        conn.execute("SELECT * FROM no_such_thing_here WHERE")
    with db.connection() as conn:  # not leaked: the only connection is free again
        assert conn.execute("SELECT 2").fetchone() == (2,)
    db.close()


@pytest.mark.parametrize("size", [1, 2, 3])
def test_the_pool_never_lends_one_connection_twice_nor_opens_too_many(
    tmp_path: Path, size: int
) -> None:
    # The uncontended borrow and give-back take no lock; threads switched
    # every few microseconds hammer the borrowers' and givers' interleavings.
    db = SQLiteDatabase(tmp_path / "pool.db", timeout=10, max_connections=size)
    db.migrate()
    lent: set[int] = set()
    seen: set[int] = set()
    guard = threading.Lock()
    problems: list[str] = []

    def work() -> None:
        for _ in range(300):
            with db.connection() as conn:
                with guard:
                    if id(conn) in lent:
                        problems.append("lent twice")
                    lent.add(id(conn))
                    seen.add(id(conn))
                conn.execute("SELECT 1").fetchone()
                with guard:
                    lent.discard(id(conn))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert problems == []
    assert 1 <= len(seen) <= size
    db.close()


def test_a_connection_given_back_after_close_is_closed(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "pool.db", max_connections=2)
    db.migrate()
    with db.connection() as busy:
        with db.connection() as idle:
            assert idle is not busy
        db.close()  # the idle one closes now; the busy one when it is given back
        assert busy.execute("SELECT 1").fetchone() == (1,)
    for conn in (idle, busy):
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            conn.execute("SELECT 1")
