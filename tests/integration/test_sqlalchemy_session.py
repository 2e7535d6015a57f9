"""One SQLAlchemy session writes the app's ORM rows and the library's bookings together.

Each test runs on SQLite (SQLAlchemy's default, and `BEGIN IMMEDIATE` emitted
by SQLAlchemy) and on PostgreSQL (psycopg 3): commit stores both, rollback
neither, and a refused booking rolls back with the order that came with it.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import String, create_engine, event, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from clubrules.booking import Booking, Occupancy
from clubrules.errors import NotFoundError, SlotConflictError, StorageError, ValidationError
from clubrules.storage.postgres import PostgresBookingRepository, PostgresDatabase
from clubrules.storage.sqlalchemy import (
    database_for,
    migrate,
    postgres_database_for,
    sqlite_database_for,
)
from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy import Connection, Engine

    from clubrules.booking.ports import BookingRepository
    from clubrules.testing.postgres import PostgresCluster

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
TEN = datetime(2026, 3, 2, 10, tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Order(Base):
    """The app's own ORM-mapped row, written in the same session as the booking."""

    __tablename__ = "salon_orders"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(40))


def facial(booking_id: str, start: datetime) -> Booking:
    end = start + timedelta(minutes=50)
    return Booking(
        id=booking_id,
        service="facial",
        start=start,
        end=end,
        occupancy=[Occupancy.between("room-1", start, end + timedelta(minutes=10))],
        customer_id="c-1",
    )


def bookings_in(session: Session) -> BookingRepository:
    database = database_for(session)
    if isinstance(database, SQLiteDatabase):
        return SQLiteBookingRepository(database)
    return PostgresBookingRepository(database)


def _sqlite_engine(path: Path, *, begin_immediate: bool) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    if begin_immediate:

        @event.listens_for(engine, "connect")
        def _no_driver_begin(dbapi_connection: Any, _record: object) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@pytest.fixture(
    params=[
        "sqlite",
        "sqlite-begin-immediate",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database with the app's `salon_orders` table, through SQLAlchemy."""
    if request.param == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database("sqlalchemy")
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url)
    else:
        engine = _sqlite_engine(
            tmp_path / "salon.db", begin_immediate=request.param == "sqlite-begin-immediate"
        )
    assert migrate(engine).changed
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _stored(engine: Engine) -> tuple[list[str], list[str]]:
    """The order ids and booking ids committed, read in a fresh session."""
    with Session(engine) as session:
        orders = list(session.scalars(select(Order.id).order_by(Order.id)))
        booked = [b.id for b in bookings_in(session).find()]
        session.rollback()
    return orders, booked


def test_commit_stores_the_order_and_the_booking(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Order(id="o-1", booking_id="b-1"))
        session.flush()
        bookings_in(session).add(facial("b-1", TEN), now=NOW)
        session.commit()
    assert _stored(engine) == (["o-1"], ["b-1"])


def test_the_library_writes_first_and_the_orm_after(engine: Engine) -> None:
    with Session(engine) as session:
        bookings_in(session).add(facial("b-1", TEN), now=NOW)
        session.add(Order(id="o-1", booking_id="b-1"))
        session.commit()
    assert _stored(engine) == (["o-1"], ["b-1"])


def test_rollback_stores_neither(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Order(id="o-1", booking_id="b-1"))
        session.flush()
        bookings = bookings_in(session)
        bookings.add(facial("b-1", TEN), now=NOW)
        assert bookings.get("b-1").id == "b-1"  # seen inside the session's transaction
        session.rollback()
    assert _stored(engine) == ([], [])
    with Session(engine) as session, pytest.raises(NotFoundError):
        bookings_in(session).get("b-1")


def test_closing_the_session_without_commit_stores_neither(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Order(id="o-1", booking_id="b-1"))
        bookings_in(session).add(facial("b-1", TEN), now=NOW)
    assert _stored(engine) == ([], [])


def test_a_conflict_rolls_back_the_order_that_came_with_it(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Order(id="o-1", booking_id="b-1"))
        bookings_in(session).add(facial("b-1", TEN), now=NOW)
        session.commit()
    with Session(engine) as session:
        session.add(Order(id="o-2", booking_id="b-2"))
        session.flush()
        with pytest.raises(SlotConflictError) as raised:
            bookings_in(session).add(facial("b-2", TEN + timedelta(minutes=30)), now=NOW)
        assert [c.first for c in raised.value.conflicts] == ["b-1"]  # type: ignore[attr-defined]
        session.rollback()
    assert _stored(engine) == (["o-1"], ["b-1"])


def test_after_a_refusal_the_session_books_the_next_slot(engine: Engine) -> None:
    with Session(engine) as session:
        bookings_in(session).add(facial("b-1", TEN), now=NOW)
        session.commit()
    with Session(engine) as session:
        session.add(Order(id="o-2", booking_id="b-2"))
        bookings = bookings_in(session)
        with pytest.raises(SlotConflictError):
            bookings.add(facial("b-2", TEN + timedelta(minutes=30)), now=NOW)
        bookings.add(facial("b-2", TEN + timedelta(hours=2)), now=NOW)
        session.commit()
    assert _stored(engine) == (["o-2"], ["b-1", "b-2"])


def _bookings_on(bind: Connection) -> BookingRepository:
    database = database_for(bind)
    if isinstance(database, SQLiteDatabase):
        return SQLiteBookingRepository(database)
    return PostgresBookingRepository(database)


def test_a_connection_is_begun_and_committed_by_its_owner(engine: Engine) -> None:
    with engine.connect() as conn:
        bookings = _bookings_on(conn)
        assert conn.in_transaction()
        bookings.add(facial("b-1", TEN), now=NOW)
        conn.commit()
        _bookings_on(conn).add(facial("b-2", TEN + timedelta(hours=2)), now=NOW)
        conn.rollback()
        _bookings_on(conn).add(facial("b-3", TEN + timedelta(hours=4)), now=NOW)
    assert _stored(engine) == ([], ["b-1"])


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_database_kept_past_its_transaction_refuses_to_write(engine: Engine, end: str) -> None:
    session = Session(engine)
    kept = bookings_in(session)
    kept.add(facial("b-1", TEN), now=NOW)
    getattr(session, end)()
    with pytest.raises(StorageError, match="closed"):
        kept.add(facial("b-2", TEN + timedelta(hours=2)), now=NOW)
    with pytest.raises(StorageError, match="closed"):
        kept.find()
    with Session(engine) as again:
        assert [b.id for b in bookings_in(again).find()] == (["b-1"] if end == "commit" else [])
        bookings_in(again).add(facial("b-2", TEN + timedelta(hours=2)), now=NOW)
        again.commit()
    session.close()


def test_databases_of_a_savepoint_live_on_in_the_transaction(engine: Engine) -> None:
    with Session(engine) as session:
        bookings = bookings_in(session)
        with session.begin_nested():
            bookings.add(facial("b-1", TEN), now=NOW)
        bookings.add(facial("b-2", TEN + timedelta(hours=2)), now=NOW)
        session.commit()
    assert _stored(engine) == ([], ["b-1", "b-2"])


def test_an_engine_begin_block_commits_the_library_writes(engine: Engine) -> None:
    with engine.begin() as conn:
        database = database_for(conn)
        if isinstance(database, SQLiteDatabase):
            SQLiteBookingRepository(database).add(facial("b-1", TEN), now=NOW)
        else:
            PostgresBookingRepository(database).add(facial("b-1", TEN), now=NOW)
        conn.execute(insert(Order).values(id="o-1", booking_id="b-1"))
    assert _stored(engine) == (["o-1"], ["b-1"])


def test_migrating_again_changes_nothing(engine: Engine) -> None:
    result = migrate(engine)
    assert not result.changed
    with engine.connect() as conn:
        assert not migrate(conn).changed
        conn.rollback()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_the_typed_helpers_refuse_the_other_database(engine: Engine) -> None:
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            assert isinstance(sqlite_database_for(session), SQLiteDatabase)
            with pytest.raises(ValidationError) as raised:
                postgres_database_for(session)
        else:
            assert isinstance(postgres_database_for(session), PostgresDatabase)
            with pytest.raises(ValidationError) as raised:
                sqlite_database_for(session)
    assert raised.value.field == "bind"
    assert raised.value.rule == "unsupported_dialect"


@pytest.mark.parametrize("bind", ["sqlite://", object(), None])
def test_anything_but_a_session_or_connection_is_refused(bind: object) -> None:
    target = create_engine(bind) if isinstance(bind, str) else bind
    with pytest.raises(ValidationError) as raised:
        database_for(target)  # type: ignore[arg-type]
    assert raised.value.field == "bind"
    assert raised.value.rule == "not_a_connection"
    with pytest.raises(ValidationError):
        migrate(object())  # type: ignore[arg-type]


def test_a_closed_connection_is_refused() -> None:
    engine = create_engine("sqlite://")
    conn = engine.connect()
    conn.close()
    with pytest.raises(ValidationError) as raised:
        database_for(conn)
    assert raised.value.rule == "closed"
    engine.dispose()


def test_a_failed_flush_is_reported_without_its_values(engine: Engine) -> None:
    phone = "+8613800138000"
    with Session(engine) as session:
        session.add(Order(id="o-1", booking_id=phone))
        session.commit()
        session.add(Order(id="o-1", booking_id=phone))
        with pytest.raises(IntegrityError):
            session.flush()
        with pytest.raises(StorageError) as raised:
            database_for(session)
    assert "PendingRollbackError" in str(raised.value)
    assert phone not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None


def test_clubrules_imports_without_sqlalchemy() -> None:
    script = (
        "import sys\n"
        "sys.modules['sqlalchemy'] = None\n"
        "import clubrules, clubrules.cli, clubrules.storage, clubrules.storage.migrations\n"
        "import clubrules.storage.sqlite, clubrules.storage.postgres, clubrules.testing\n"
        "try:\n"
        "    import clubrules.storage.sqlalchemy\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "pip install 'clubrules[sqlalchemy]'" in result.stdout


@pytest.mark.postgres
def test_a_named_schema_reaches_the_migration_and_the_adapters(
    postgres_cluster: PostgresCluster,
) -> None:
    url = postgres_cluster.create_database("sqlalchemy")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        assert migrate(engine, schema="salon").version >= 9
        with Session(engine) as session:
            database = postgres_database_for(session, schema="salon")
            assert database.schema == "salon"
            PostgresBookingRepository(database).add(facial("b-1", TEN), now=NOW)
            session.commit()
        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT count(*) FROM salon.bookings").scalar()
            schemas = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_namespace WHERE nspname = 'clubrules'"
            ).scalar()
        assert (stored, schemas) == (1, 0)
    finally:
        engine.dispose()


def test_a_schema_is_refused_on_sqlite(tmp_path: Path) -> None:
    engine = _sqlite_engine(tmp_path / "salon.db", begin_immediate=False)
    try:
        with engine.connect() as conn, pytest.raises(ValidationError) as caught:
            database_for(conn, schema="salon")
        assert caught.value.field == "schema"
    finally:
        engine.dispose()
