"""Names that do not collide: the library's tables next to an application's own.

SQLite names every clubrules table, index and trigger `clubrules_<name>`
from schema version 9; a database made by an earlier clubrules (unprefixed
names, version 1 to 8) is renamed by migration 9 with every row kept.
PostgreSQL keeps the tables in a schema of their own, whose name each
database chooses.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.booking import Booking, Occupancy
from clubrules.cli import EXIT_OK, EXIT_USAGE, main
from clubrules.cli._demo._story import run_demo
from clubrules.customers import Customer
from clubrules.errors import ValidationError
from clubrules.privacy import AccessEvent, Purpose
from clubrules.storage.migrations import available_migrations, latest_version, migrate
from clubrules.storage.migrations import schema_version as version_of
from clubrules.storage.postgres import (
    PostgresAccessLog,
    PostgresBookingRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
)
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteBookingRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
)
from clubrules.storage.sqlite._migrate import RENAMING_VERSION, split_sqlite_script

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

START = datetime(2026, 3, 2, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)
# As the loader of clubrules before version 9 made it.
_OLD_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS clubrules_schema_version (
    version       INTEGER PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    checksum      TEXT NOT NULL,
    applied_at_us INTEGER NOT NULL
)"""


def _made_by_an_earlier_clubrules(conn: sqlite3.Connection, version: int) -> None:
    """Apply the shipped files up to `version` as written, as clubrules before version 9 did."""
    conn.execute(_OLD_VERSION_TABLE)
    for migration in available_migrations("sqlite")[:version]:
        for statement in split_sqlite_script(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO clubrules_schema_version VALUES (?, ?, ?, 0)",
            (migration.version, migration.name, migration.checksum),
        )


def _normalised_schema(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """sqlite_master without SQLite's quotes around renamed names, or layout whitespace."""
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
        " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    ).fetchall()
    return [(t, n, tbl, re.sub(r"\s+", " ", sql.replace('"', ""))) for t, n, tbl, sql in rows]


def _library_names(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]


def _booking(booking_id: str, resource: str, begins: datetime, hours: int = 1) -> Booking:
    ends = begins + hours * HOUR
    return Booking(
        id=booking_id,
        service="facial",
        start=begins,
        end=ends,
        occupancy=[Occupancy.between(resource, begins, ends)],
    )


def _event(customer_id: str) -> AccessEvent:
    return AccessEvent(
        at=START,
        actor="st-1",
        role="beautician",
        purpose=Purpose.SERVICE_DELIVERY,
        customer_id=customer_id,
        field="allergies",
        allowed=True,
        reason="allowed",
    )


# --- SQLite: the names ----------------------------------------------------------------


def test_every_sqlite_object_is_named_with_the_prefix(tmp_path: Path) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        with db.connection() as conn:
            names = _library_names(conn)
    assert names
    assert [n for n in names if not n.startswith("clubrules_")] == []


def test_app_tables_named_like_the_library_s_share_the_file(tmp_path: Path) -> None:
    # The application was there first, with the names clubrules used to take.
    app = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    app.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")
    app.execute("CREATE TABLE bookings (id INTEGER PRIMARY KEY, customer INTEGER, note TEXT)")
    app.execute("CREATE INDEX customers_by_phone ON customers (email)")
    app.execute("CREATE TABLE booking_longest (x)")
    app.execute("INSERT INTO customers (email) VALUES ('a@example.com')")
    app.execute("INSERT INTO bookings (customer, note) VALUES (1, 'window seat')")
    try:
        result = migrate(app)
        assert result.version == latest_version("sqlite")
        with SQLiteDatabase(tmp_path / "shop.db") as db:
            customers = SQLiteCustomerRepository(db)
            customers.add(Customer(id="c-1", name="王芳", registered_at=START))
            bookings = SQLiteBookingRepository(db)
            bookings.add(_booking("b-1", "room-1", START), now=START)
            assert customers.get("c-1").name == "王芳"
            assert [b.id for b in bookings.find()] == ["b-1"]
        # The same tables through the application's own connection.
        library = SQLiteDatabase.from_connection(app)
        assert SQLiteCustomerRepository(library).get("c-1").name == "王芳"
        assert app.execute("SELECT id, email FROM customers").fetchall() == [(1, "a@example.com")]
        assert app.execute("SELECT customer, note FROM bookings").fetchall() == [(1, "window seat")]
        assert app.execute("SELECT count(*) FROM booking_longest").fetchone() == (0,)
    finally:
        app.close()


# --- SQLite: a database made by an earlier clubrules -------------------------------------


@pytest.mark.parametrize("start", range(1, RENAMING_VERSION))
def test_an_earlier_sqlite_database_ends_up_as_a_new_one(tmp_path: Path, start: int) -> None:
    with SQLiteDatabase(tmp_path / "fresh.db") as fresh:
        fresh.migrate()
        with fresh.connection() as conn:
            expected = _normalised_schema(conn)
    old = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    try:
        _made_by_an_earlier_clubrules(old, start)
        assert "customers" in _library_names(old)
        result = migrate(old)
        assert result.previous_version == start
        assert result.applied == tuple(
            m.label for m in available_migrations("sqlite")[start : latest_version("sqlite")]
        )
        assert _normalised_schema(old) == expected
        assert [n for n in _library_names(old) if not n.startswith("clubrules_")] == []
    finally:
        old.close()


def _copy_rows(source: Path, target: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of a clubrules database at the newest version, into the old-named tables."""
    copied: dict[str, list[tuple[Any, ...]]] = {}
    target.execute("ATTACH DATABASE ? AS src", (str(source),))
    try:
        target.execute("BEGIN")
        tables = [
            name
            for (name,) in target.execute(
                "SELECT name FROM src.sqlite_master WHERE type = 'table'"
                " AND name LIKE 'clubrules_%' AND name <> 'clubrules_schema_version'"
            )
        ]
        for table in tables:
            old = table.removeprefix("clubrules_")
            rows = target.execute(f"SELECT * FROM src.{table} ORDER BY 1, 2").fetchall()  # noqa: S608
            copied[table] = rows
            target.execute(f"DELETE FROM {old}")  # noqa: S608 - migration 6 seeds booking_longest
            # The columns the old table has: the newest one's but the tenant (migration 10).
            columns = ", ".join(r[1] for r in target.execute(f"PRAGMA main.table_info({old})"))
            target.execute(
                f"INSERT INTO {old} ({columns}) SELECT {columns} FROM src.{table}"  # noqa: S608
            )
        target.execute("DELETE FROM sqlite_sequence")
        target.execute("INSERT INTO sqlite_sequence SELECT * FROM src.sqlite_sequence")
        for (name,) in target.execute("SELECT name FROM sqlite_sequence").fetchall():
            target.execute(
                "UPDATE sqlite_sequence SET name = ? WHERE name = ?",
                (name.removeprefix("clubrules_"), name),
            )
        target.execute("COMMIT")
    finally:
        if target.in_transaction:
            target.execute("ROLLBACK")
        target.execute("DETACH DATABASE src")
    return copied


def test_the_renaming_keeps_every_row_of_a_version_8_database(tmp_path: Path) -> None:
    # The demo fills every area's tables; its rows go into a database that an
    # earlier clubrules made at version 8, under the names it used then.
    out = io.StringIO()
    run_demo(out, database=tmp_path / "demo.db")
    old = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    try:
        _made_by_an_earlier_clubrules(old, RENAMING_VERSION - 1)
        copied = _copy_rows(tmp_path / "demo.db", old)
        assert sum(1 for rows in copied.values() if rows) >= 10
        sequences = dict(old.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        assert migrate(old).applied == ("0009_prefixed_names", "0010_tenants")
        for table, rows in copied.items():
            kept = old.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()  # noqa: S608
            assert kept == rows, table
        assert dict(old.execute("SELECT name, seq FROM sqlite_sequence").fetchall()) == {
            f"clubrules_{name}": seq for name, seq in sequences.items()
        }
        assert old.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        old.close()
    with SQLiteDatabase(tmp_path / "old.db") as db, SQLiteDatabase(tmp_path / "demo.db") as demo:
        assert list(SQLiteCustomerRepository(db).customers()) == list(
            SQLiteCustomerRepository(demo).customers()
        )
        assert SQLiteBookingRepository(db).find() == SQLiteBookingRepository(demo).find()
        # The access log's counter carries on after the rows it kept.
        log = SQLiteAccessLog(db)
        before = len(log.for_customer("c-001"))
        log.append(_event("c-001"))
        assert len(log.for_customer("c-001")) == before + 1


def test_the_renamed_triggers_keep_the_longest_busy_time(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "club.db", isolation_level=None)
    try:
        _made_by_an_earlier_clubrules(old, RENAMING_VERSION - 1)
        migrate(old)
    finally:
        old.close()
    with SQLiteDatabase(tmp_path / "club.db") as db:
        bookings = SQLiteBookingRepository(db)
        bookings.add(_booking("long", "suite-1", START, hours=72), now=START)
        bookings.add(_booking("short", "suite-1", START + 100 * HOUR), now=START)
        later = START + 60 * HOUR
        # Found only if the trigger recorded the 72 hours under the new names.
        assert [b.id for b in bookings.find(start=later, end=later + HOUR)] == ["long"]
        with db.connection() as conn:
            (longest,) = conn.execute("SELECT longest_us FROM clubrules_booking_longest").fetchone()
        assert longest == 72 * 3600 * 10**6


def test_an_unmigrated_earlier_database_says_to_migrate(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "club.db", isolation_level=None)
    try:
        _made_by_an_earlier_clubrules(old, RENAMING_VERSION - 1)
    finally:
        old.close()
    with SQLiteDatabase(tmp_path / "club.db") as db:
        assert db.schema_version() == RENAMING_VERSION - 1
        with pytest.raises(Exception, match="migrate"):
            SQLiteCustomerRepository(db).get("c-1")


# --- the schema argument ------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    ["", "Salon", "salon-a", "1salon", "salon a", 'salon"; DROP TABLE x; --', "s" * 64, "沙龙"],
)
def test_a_schema_that_is_not_a_plain_identifier_is_refused(schema: str) -> None:
    for make in (
        lambda: PostgresDatabase("postgresql://nowhere.invalid/club", schema=schema),
        lambda: migrate("postgresql://nowhere.invalid/club", schema=schema),
    ):
        with pytest.raises(ValidationError) as caught:
            make()
        assert caught.value.field == "schema"
        assert caught.value.violations[0].rule == "identifier"
        assert "DROP" not in str(caught.value)


@pytest.mark.parametrize("schema", ["pg_catalog", "pg_temp", "information_schema"])
def test_a_schema_postgres_reserves_is_refused(schema: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PostgresDatabase("postgresql://nowhere.invalid/club", schema=schema)
    assert caught.value.violations[0].rule == "reserved"


def test_a_schema_is_refused_for_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        migrate(f"sqlite:///{tmp_path}/club.db", schema="salon")
    assert caught.value.violations[0].rule == "not_postgres"
    with SQLiteDatabase(tmp_path / "club.db") as db, pytest.raises(ValidationError):
        migrate(db, schema="salon")
    assert not (tmp_path / "club.db").exists()


def test_a_schema_other_than_the_database_s_own_is_refused() -> None:
    db = PostgresDatabase("postgresql://nowhere.invalid/club", schema="salon")
    assert db.schema == "salon"
    assert "schema='salon'" in repr(db)
    with pytest.raises(ValidationError) as caught:
        migrate(db, schema="gym")
    assert caught.value.violations[0].rule == "schema_mismatch"


def test_the_command_line_refuses_a_schema_for_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/club.db"
    assert main(["db", "migrate", "--url", url, "--schema", "salon"]) == EXIT_USAGE
    assert "schema" in capsys.readouterr().err


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture
def fresh_url(postgres_cluster: PostgresCluster) -> Callable[[], str]:
    def make() -> str:
        return postgres_cluster.create_database("names")

    return make


@pytest.fixture
def opened() -> Iterator[list[PostgresDatabase]]:
    databases: list[PostgresDatabase] = []
    yield databases
    for db in databases:
        db.close()


_VERSION_8_ROWS = """
INSERT INTO clubrules.customers (id, name, registered_at, gender)
    VALUES ('c-1', '王芳', %(at)s, 'female');
INSERT INTO clubrules.bookings (id, service, start_at, end_at, status, headcount, late_cancel,
        version, blocking_until_us)
    VALUES ('b-1', 'facial', %(at)s, %(end)s, 'confirmed', 1, false, 1, 9223372036854775807);
INSERT INTO clubrules.booking_occupancy (booking_id, position, resource, during, units, capacity,
        role, blocking_until_us, active)
    VALUES ('b-1', 0, 'room-1', tstzrange(%(at)s, %(end)s, '[)'), 1, 1, '',
        9223372036854775807, true);
INSERT INTO clubrules.booking_resources (resource) VALUES ('room-1');
INSERT INTO clubrules.access_events (at, actor, role, purpose, customer_id, field, allowed,
        reason)
    VALUES (%(at)s, 'st-7', 'beautician', 'service_delivery', 'c-1', 'allergies', true,
        'allowed');
"""


@pytest.mark.postgres
def test_a_postgres_database_at_version_8_keeps_its_rows(
    fresh_url: Callable[[], str], opened: list[PostgresDatabase]
) -> None:
    db = PostgresDatabase(fresh_url())
    opened.append(db)
    assert db.migrate(to=RENAMING_VERSION - 1).version == RENAMING_VERSION - 1
    # Rows as clubrules wrote them at version 8 (today's adapters name the tenant column).
    with db._autocommit() as conn:
        for statement in _VERSION_8_ROWS.split(";")[:-1]:
            conn.execute(statement, {"at": START, "end": START + HOUR})
    result = db.migrate()
    assert result.applied == ("0009_prefixed_names", "0010_tenants")
    assert db.schema_version() == latest_version("postgres")
    assert PostgresCustomerRepository(db).get("c-1").name == "王芳"
    assert [b.id for b in PostgresBookingRepository(db).find()] == ["b-1"]
    assert len(PostgresAccessLog(db).for_customer("c-1")) == 1


@pytest.mark.postgres
def test_app_tables_in_public_share_the_database(
    fresh_url: Callable[[], str], opened: list[PostgresDatabase]
) -> None:
    url = fresh_url()
    with psycopg.connect(url, autocommit=True) as app:
        app.execute("CREATE TABLE public.customers (id serial PRIMARY KEY, email text)")
        app.execute("CREATE TABLE public.bookings (id serial PRIMARY KEY, note text)")
        app.execute("INSERT INTO public.customers (email) VALUES ('a@example.com')")
        db = PostgresDatabase(url)
        opened.append(db)
        db.migrate()
        PostgresCustomerRepository(db).add(Customer(id="c-1", name="王芳", registered_at=START))
        PostgresBookingRepository(db).add(_booking("b-1", "room-1", START), now=START)
        assert app.execute("SELECT email FROM customers").fetchall() == [("a@example.com",)]
        assert app.execute("SELECT count(*) FROM bookings").fetchone() == (0,)
        assert app.execute("SELECT count(*) FROM clubrules.bookings").fetchone() == (1,)


@pytest.mark.postgres
def test_two_schemas_hold_independent_data(
    fresh_url: Callable[[], str], opened: list[PostgresDatabase]
) -> None:
    url = fresh_url()
    lotus = PostgresDatabase(url, schema="lotus")
    orchid = PostgresDatabase(url, schema="orchid", pool_size=2)
    opened += [lotus, orchid]
    assert lotus.migrate().version == latest_version("postgres")
    assert orchid.schema_version() == 0
    assert orchid.migrate().previous_version == 0
    # The same ids and the same room at the same hour, one club per schema.
    PostgresCustomerRepository(lotus).add(Customer(id="c-1", name="王芳", registered_at=START))
    PostgresCustomerRepository(orchid).add(Customer(id="c-1", name="李娜", registered_at=START))
    PostgresBookingRepository(lotus).add(_booking("b-1", "room-1", START), now=START)
    PostgresBookingRepository(orchid).add(_booking("b-1", "room-1", START), now=START)
    assert PostgresCustomerRepository(lotus).get("c-1").name == "王芳"
    assert PostgresCustomerRepository(orchid).get("c-1").name == "李娜"
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regnamespace('clubrules')").fetchone() == (None,)
        # The caller's connection, whatever its search_path, and a unit of work on it.
        conn.execute("SET search_path = lotus")
        caller = PostgresDatabase.from_connection(conn, schema="orchid")
        with caller.unit_of_work():
            PostgresCustomerRepository(caller).add(
                Customer(id="c-2", name="张伟", registered_at=START)
            )
        assert caller.schema_version() == latest_version("postgres")
        assert version_of(conn, schema="orchid") == latest_version("postgres")
        assert not migrate(conn, schema="orchid").changed
    assert [c.id for c in PostgresCustomerRepository(orchid).customers()] == ["c-1", "c-2"]
    assert [c.id for c in PostgresCustomerRepository(lotus).customers()] == ["c-1"]


@pytest.mark.postgres
def test_the_command_line_migrates_a_named_schema(
    fresh_url: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = fresh_url()
    assert main(["db", "migrate", "--url", url, "--schema", "salon", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["version"] == latest_version("postgres")
    assert version_of(url, schema="salon") == latest_version("postgres")
    assert version_of(url) == 0
