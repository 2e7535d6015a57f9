"""Schema migrations: shipped as package data, applied once, upgraded from every earlier version.

The upgrade tests are parametrised over every shipped version, so each new
migration is tested from every version before it without editing this file.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules._time import to_epoch_us
from clubrules.booking import Booking, Occupancy
from clubrules.customers import Customer
from clubrules.errors import MigrationError, ValidationError
from clubrules.staff import seed_rubric
from clubrules.storage.migrations import (
    DIALECTS,
    Migration,
    MigrationResult,
    available_migrations,
    latest_version,
    migrate,
    schema_version,
)
from clubrules.storage.postgres import (
    PostgresAssessmentRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
)
from clubrules.storage.postgres import _migrate as _pg_migrate
from clubrules.storage.sql import _migrations
from clubrules.storage.sqlite import (
    SQLiteAssessmentRepository,
    SQLiteBookingRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
)
from clubrules.storage.sqlite import _booking as _sqlite_booking
from clubrules.storage.sqlite import _migrate as _sqlite_migrate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

EARLIER = {d: list(range(latest_version(d))) for d in DIALECTS}


def _sqlite_schema(db: SQLiteDatabase) -> list[tuple[Any, ...]]:
    with db.connection() as conn:
        return conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
            " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()


def _pg_schema(db: PostgresDatabase) -> list[tuple[Any, ...]]:
    with db.connection() as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default,"
            " collation_name FROM information_schema.columns"
            " WHERE table_schema = 'clubrules' ORDER BY 1, 2"
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'clubrules' ORDER BY 1"
        ).fetchall()
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE connamespace = 'clubrules'::regnamespace ORDER BY 1, 2"
        ).fetchall()
    return [*columns, *indexes, *constraints]


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        yield db


@pytest.fixture
def fresh_url(postgres_cluster: PostgresCluster) -> Callable[[], str]:
    """Makes empty databases on the session cluster and gives their URLs."""

    def make() -> str:
        return postgres_cluster.create_database("migrations")

    return make


@pytest.fixture
def fresh_pg(fresh_url: Callable[[], str]) -> Iterator[Callable[[], PostgresDatabase]]:
    """Makes empty databases on the session cluster; closes them afterwards."""
    opened: list[PostgresDatabase] = []

    def make() -> PostgresDatabase:
        db = PostgresDatabase(fresh_url())
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()


# --- the shipped files ---------------------------------------------------------------


def test_both_dialects_ship_the_same_numbered_versions() -> None:
    sqlite, postgres = available_migrations("sqlite"), available_migrations("postgres")
    assert [m.version for m in sqlite] == list(range(1, len(sqlite) + 1))
    assert [(m.version, m.name) for m in sqlite] == [(m.version, m.name) for m in postgres]
    assert latest_version("sqlite") == latest_version("postgres") >= 1


def test_migrations_are_package_data_with_stable_checksums() -> None:
    for migration in available_migrations("sqlite"):
        assert isinstance(migration, Migration)
        assert migration.sql.strip()
        assert len(migration.checksum) == 64
        assert "sql=" not in repr(migration)


def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        available_migrations("oracle")
    assert caught.value.field == "dialect"


# --- SQLite ----------------------------------------------------------------------------


def test_sqlite_migrate_is_idempotent(sqlite_db: SQLiteDatabase) -> None:
    first = sqlite_db.migrate()
    assert first == MigrationResult(
        "sqlite",
        0,
        latest_version("sqlite"),
        tuple(m.label for m in available_migrations("sqlite")),
    )
    schema = _sqlite_schema(sqlite_db)
    second = sqlite_db.migrate()
    assert second.previous_version == second.version == latest_version("sqlite")
    assert second.applied == ()
    assert not second.changed
    assert _sqlite_schema(sqlite_db) == schema
    assert sqlite_db.schema_version() == latest_version("sqlite")


@pytest.mark.parametrize("start", EARLIER["sqlite"])
def test_sqlite_upgrades_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    with SQLiteDatabase(tmp_path / "fresh.db") as fresh:
        fresh.migrate()
        expected = _sqlite_schema(fresh)
    with SQLiteDatabase(tmp_path / "old.db") as old:
        assert old.migrate(to=start).version == start
        assert old.schema_version() == start
        result = old.migrate()
        assert result.previous_version == start
        assert result.version == latest_version("sqlite")
        assert result.applied == tuple(m.label for m in available_migrations("sqlite")[start:])
        assert _sqlite_schema(old) == expected


def test_sqlite_version_6_bounds_searches_by_the_bookings_stored_before_it(
    tmp_path: Path,
) -> None:
    # A three-day booking written at version 5, before the longest busy time
    # was kept: the upgrade takes it into account, and so do later writes.
    start = datetime(2026, 3, 2, 10, tzinfo=UTC)
    hour = timedelta(hours=1)

    def booking(booking_id: str, begins: datetime, hours: int) -> Booking:
        ends = begins + hours * hour
        return Booking(
            id=booking_id,
            service="suite",
            start=begins,
            end=ends,
            occupancy=[Occupancy.between("suite-1", begins, ends)],
        )

    def longest(db: SQLiteDatabase) -> int:
        with db.connection() as conn:
            return int(
                conn.execute("SELECT longest_us FROM clubrules_booking_longest").fetchone()[0]
            )

    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate(to=5)
        with db.transaction() as conn:  # as a writer of version 5 stored it
            long = booking("long", start, 72)
            conn.execute(
                f"INSERT INTO clubrules_bookings ({_sqlite_booking._COLUMNS})"  # noqa: S608 - constant
                f" VALUES ({', '.join('?' * 19)})",
                _sqlite_booking._row(long),
            )
            conn.executemany(
                f"INSERT INTO clubrules_booking_occupancy ({_sqlite_booking._OCC_COLUMNS})"  # noqa: S608
                f" VALUES ({', '.join('?' * 9)})",
                _sqlite_booking._occupancy_rows(long),
            )
        db.migrate()
        bookings = SQLiteBookingRepository(db)
        assert longest(db) == 72 * 3600 * 10**6
        later = start + 60 * hour
        assert [b.id for b in bookings.find(start=later, end=later + hour)] == ["long"]
        bookings.add(booking("longer", start + 200 * hour, 100), now=start)
        assert longest(db) == 100 * 3600 * 10**6
        stretched = bookings.get("long").reschedule(
            start,
            start + 150 * hour,
            [Occupancy.between("suite-1", start, start + 150 * hour)],
            now=start,
        )
        bookings.save(stretched, now=start)
        assert longest(db) == 150 * 3600 * 10**6
        later = start + 140 * hour
        assert [b.id for b in bookings.find(start=later, end=later + hour)] == ["long"]


def test_sqlite_uses_wal_mode(tmp_path: Path) -> None:
    result = migrate(f"sqlite:///{tmp_path}/club.db")
    assert result.version == latest_version("sqlite")
    with sqlite3.connect(tmp_path / "club.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_migrate_accepts_a_url_a_connection_or_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/club.db"
    assert migrate(url).changed
    assert schema_version(url) == latest_version("sqlite")
    conn = sqlite3.connect(tmp_path / "club.db")
    try:
        assert not migrate(conn).changed
        assert schema_version(conn) == latest_version("sqlite")
    finally:
        conn.close()
    with SQLiteDatabase(tmp_path / "club.db") as db:
        assert not migrate(db).changed
        assert schema_version(db) == latest_version("sqlite")


def test_concurrent_sqlite_migrators_apply_once(tmp_path: Path) -> None:
    results: list[MigrationResult] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        results.append(migrate(f"sqlite:///{tmp_path}/club.db"))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.changed for r in results) == [False, False, False, True]
    assert {r.version for r in results} == {latest_version("sqlite")}


def _migrate_together(url: str, threads: int) -> tuple[list[MigrationResult], list[Exception]]:
    """`threads` threads migrate the database at `url` at once."""
    results: list[MigrationResult] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(threads)

    def run() -> None:
        barrier.wait()
        try:
            results.append(migrate(url))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    return results, errors


def test_first_opens_of_a_new_file_wait_for_each_other(tmp_path: Path) -> None:
    """Six threads open and migrate one new file at once, twenty times over.

    SQLite may refuse a connection's switch to WAL at once while another is
    opening the same new file; the switch waits, as writes do, up to the
    database's timeout, so every migrator gets an answer and one applies.
    """
    for round_ in range(20):
        results, errors = _migrate_together(f"sqlite:///{tmp_path}/club-{round_}.db", 6)
        assert errors == []
        assert sorted(r.changed for r in results) == [False] * 5 + [True]


def test_a_failing_migration_applies_nothing(
    sqlite_db: SQLiteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = available_migrations("sqlite")
    broken = Migration(len(shipped) + 1, "broken", "sqlite", "CREATE TABLE t (x);\nSELECT nope();")
    _ship(monkeypatch, (*shipped, broken))
    with pytest.raises(MigrationError) as caught:
        sqlite_db.migrate()
    assert broken.label in str(caught.value)
    assert sqlite_db.schema_version() == 0
    assert _sqlite_schema(sqlite_db) == []


def test_a_database_newer_than_the_package_is_refused(sqlite_db: SQLiteDatabase) -> None:
    sqlite_db.migrate()
    with sqlite_db.connection() as conn:
        conn.execute(
            "INSERT INTO clubrules_schema_version VALUES (?, 'future', 'x', 0)",
            (latest_version("sqlite") + 1,),
        )
    with pytest.raises(MigrationError, match="newer than this clubrules"):
        sqlite_db.migrate()


def test_an_edited_migration_is_refused(sqlite_db: SQLiteDatabase) -> None:
    sqlite_db.migrate()
    with sqlite_db.connection() as conn:
        conn.execute("UPDATE clubrules_schema_version SET checksum = 'edited' WHERE version = 1")
    with pytest.raises(MigrationError, match="different SQL"):
        sqlite_db.migrate()


def test_migrations_only_go_forward(sqlite_db: SQLiteDatabase) -> None:
    sqlite_db.migrate()
    if latest_version("sqlite") > 0:
        with pytest.raises(MigrationError, match="only go forward"):
            sqlite_db.migrate(to=0)
    with pytest.raises(ValidationError) as caught:
        sqlite_db.migrate(to=latest_version("sqlite") + 1)
    assert caught.value.field == "to"


def test_an_open_transaction_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "club.db", isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE mine (x)")
        with pytest.raises(MigrationError, match="open transaction"):
            migrate(conn)
    finally:
        conn.close()


@pytest.mark.parametrize(
    "url",
    ["mysql://root:s3cret@host/db", "sqlite://relative.db", "sqlite:///", "nonsense"],
)
def test_unknown_urls_are_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        migrate(url)
    assert caught.value.field == "url"
    assert "s3cret" not in str(caught.value)


# --- PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_migrate_is_idempotent(fresh_pg: Callable[[], PostgresDatabase]) -> None:
    db = fresh_pg()
    first = db.migrate()
    assert (first.previous_version, first.version) == (0, latest_version("postgres"))
    schema = _pg_schema(db)
    second = db.migrate()
    assert second.applied == ()
    assert second.version == latest_version("postgres")
    assert _pg_schema(db) == schema
    assert db.schema_version() == latest_version("postgres")


@pytest.mark.postgres
@pytest.mark.parametrize("start", EARLIER["postgres"])
def test_postgres_upgrades_from_every_earlier_version(
    fresh_pg: Callable[[], PostgresDatabase], start: int
) -> None:
    fresh = fresh_pg()
    fresh.migrate()
    old = fresh_pg()
    assert old.migrate(to=start).version == start
    result = old.migrate()
    assert result.previous_version == start
    assert result.applied == tuple(m.label for m in available_migrations("postgres")[start:])
    assert _pg_schema(old) == _pg_schema(fresh)


@pytest.mark.postgres
def test_postgres_migrate_by_url_and_connection(fresh_url: Callable[[], str]) -> None:
    url = fresh_url()
    assert migrate(url).changed
    assert schema_version(url) == latest_version("postgres")
    with psycopg.connect(url) as conn:
        assert not migrate(conn).changed
        assert schema_version(conn) == latest_version("postgres")


@pytest.mark.postgres
def test_concurrent_postgres_migrators_apply_once(fresh_url: Callable[[], str]) -> None:
    url = fresh_url()
    results: list[MigrationResult] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        results.append(migrate(url))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.changed for r in results) == [False, False, False, True]


@pytest.mark.postgres
def test_a_failing_postgres_migration_applies_nothing(
    fresh_pg: Callable[[], PostgresDatabase], monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = available_migrations("postgres")
    broken = Migration(len(shipped) + 1, "broken", "postgres", "SELECT nope();")
    _ship(monkeypatch, (*shipped, broken))
    db = fresh_pg()
    with pytest.raises(MigrationError):
        db.migrate()
    assert db.schema_version() == 0


# --- 0001 -> 0002: the staff tables arrive next to data already stored ------------------


def _stored_customer() -> Customer:
    return Customer(id="c-1", name="王芳", registered_at=datetime(2026, 3, 1, 10, tzinfo=UTC))


def test_sqlite_upgrade_to_staff_keeps_the_data(tmp_path: Path) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate(to=1)
        # The customer as clubrules stored it at version 1 (today's adapters name the tenant).
        with db.connection() as conn:
            conn.execute(
                "INSERT INTO clubrules_customers (id, name, registered_at_us, registered_at_tz,"
                " gender) VALUES ('c-1', '王芳', ?, 'UTC', 'undisclosed')",
                (to_epoch_us(_stored_customer().registered_at),),
            )
        assert db.migrate(to=2).applied == ("0002_staff",)
        db.migrate()  # the adapters read and write the current schema (tenants)
        assert SQLiteCustomerRepository(db).get("c-1") == _stored_customer()
        assessments = SQLiteAssessmentRepository(db)
        assert assessments.add_rubric(seed_rubric()) is True
        assert assessments.rubric("customer-service") == seed_rubric()


@pytest.mark.postgres
def test_postgres_upgrade_to_staff_keeps_the_data(
    fresh_pg: Callable[[], PostgresDatabase],
) -> None:
    db = fresh_pg()
    db.migrate(to=1)
    # The customer as clubrules stored it at version 1 (today's adapters name the tenant).
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO clubrules.customers (id, name, registered_at, registered_at_tz, gender)"
            " VALUES ('c-1', '王芳', %s, 'UTC', 'undisclosed')",
            (_stored_customer().registered_at,),
        )
    assert db.migrate(to=2).applied == ("0002_staff",)
    db.migrate()  # the adapters read and write the current schema (tenants)
    assert PostgresCustomerRepository(db).get("c-1") == _stored_customer()
    assessments = PostgresAssessmentRepository(db)
    assert assessments.add_rubric(seed_rubric()) is True
    assert assessments.rubric("customer-service") == seed_rubric()


def _ship(monkeypatch: pytest.MonkeyPatch, migrations: tuple[Migration, ...]) -> None:
    """Make the runners of both dialects see `migrations` as the shipped ones."""
    for module in (_migrations, _sqlite_migrate, _pg_migrate):
        monkeypatch.setattr(module, "available_migrations", lambda _d: migrations)
