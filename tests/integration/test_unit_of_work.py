"""Units of work across repositories, adapters on the app's connection, and the retry helper.

Each test runs on SQLite and on PostgreSQL. A unit of work books a slot,
opens a complaint, records a purchase and writes the app's own order row:
all of it commits, or none of it does.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.booking import Booking, Occupancy
from clubrules.complaints import CaseKind, default_book, register
from clubrules.customers import ConsumptionRecord
from clubrules.errors import (
    CommitOutcomeUnknownError,
    DuplicateError,
    NotFoundError,
    RetryableStorageError,
    SlotConflictError,
    StorageError,
    ValidationError,
)
from clubrules.money import Money
from clubrules.storage import run_in_transaction
from clubrules.storage.postgres import (
    PostgresBookingRepository,
    PostgresComplaintRepository,
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
)
from clubrules.storage.sqlite import (
    SQLiteBookingRepository,
    SQLiteComplaintRepository,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from clubrules.booking.ports import BookingRepository
    from clubrules.complaints.ports import ComplaintRepository
    from clubrules.customers.ports import ConsumptionRepository, CustomerRepository
    from clubrules.testing.postgres import PostgresCluster

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
NOW = T0 - timedelta(days=1)


def _booking(booking_id: str, start_minutes: int = 0, resource: str = "room-1") -> Booking:
    start = T0 + timedelta(minutes=start_minutes)
    end = start + timedelta(minutes=50)
    return Booking(
        id=booking_id,
        service="facial",
        start=start,
        end=end,
        occupancy=[Occupancy.between(resource, start, end)],
        customer_id="c-1",
    )


def _purchase(record_id: str) -> ConsumptionRecord:
    return ConsumptionRecord(
        id=record_id, customer_id="c-1", at=T0, service="facial", amount=Money(Decimal(300))
    )


def _complaint(case_id: str) -> Any:
    case = register(
        default_book(),
        case_id=case_id,
        at=T0,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="+8613800138000",
        content="the room was cold",
    )
    return case.events


@dataclass
class Backend:
    """One database, the adapters built on it, and the app's own table `orders`."""

    kind: str
    db: SQLiteDatabase | PostgresDatabase
    bookings: BookingRepository
    complaints: ComplaintRepository
    purchases: ConsumptionRepository
    customers: CustomerRepository
    connect: Callable[[], Any]
    """A new connection of the app's own, not in autocommit mode."""
    param: str
    url: str = ""
    """The PostgreSQL URL, or the SQLite file."""

    def orders(self) -> list[str]:
        """The order ids committed, read on a connection of its own."""
        conn = self.connect()
        try:
            return sorted(r[0] for r in conn.execute("SELECT id FROM orders").fetchall())
        finally:
            conn.close()

    def stored_bookings(self) -> list[str]:
        return sorted(b.id for b in self.bookings.find())

    def stored_cases(self) -> list[str]:
        found = []
        for case_id in ("k-1", "k-2"):
            with contextlib.suppress(NotFoundError):
                self.complaints.events(case_id)
                found.append(case_id)
        return found

    def stored_purchases(self) -> list[str]:
        return sorted(r.id for r in self.purchases.records("c-1"))

    def insert_order(self, conn: Any, order_id: str) -> None:
        conn.execute(f"INSERT INTO orders (id) VALUES ({self.param})", (order_id,))  # noqa: S608

    def repositories(self, db: Any) -> tuple[Any, Any, Any]:
        if self.kind == "sqlite":
            return (
                SQLiteBookingRepository(db),
                SQLiteComplaintRepository(db),
                SQLiteConsumptionRepository(db),
            )
        return (
            PostgresBookingRepository(db),
            PostgresComplaintRepository(db),
            PostgresConsumptionRepository(db),
        )


def _sqlite(tmp_path: Path) -> Iterator[Backend]:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path, max_connections=16, timeout=30) as db:
        db.migrate()
        with db.connection() as conn:
            conn.execute("CREATE TABLE orders (id TEXT PRIMARY KEY)")

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(path, timeout=30, check_same_thread=False)

        yield Backend(
            "sqlite",
            db,
            SQLiteBookingRepository(db),
            SQLiteComplaintRepository(db),
            SQLiteConsumptionRepository(db),
            SQLiteCustomerRepository(db),
            connect,
            "?",
            str(path),
        )


def _postgres(cluster: PostgresCluster) -> Iterator[Backend]:
    url = cluster.create_database("unit_of_work")
    with PostgresDatabase(url, pool_size=16) as db:
        db.migrate()
        with db.connection() as conn:
            conn.execute("CREATE TABLE orders (id text PRIMARY KEY)")

        def connect() -> psycopg.Connection[Any]:
            return psycopg.connect(url)

        yield Backend(
            "postgres",
            db,
            PostgresBookingRepository(db),
            PostgresComplaintRepository(db),
            PostgresConsumptionRepository(db),
            PostgresCustomerRepository(db),
            connect,
            "%s",
            url,
        )


@pytest.fixture
def sqlite_backend(tmp_path: Path) -> Iterator[Backend]:
    yield from _sqlite(tmp_path)


@pytest.fixture
def postgres_backend(postgres_cluster: PostgresCluster) -> Iterator[Backend]:
    yield from _postgres(postgres_cluster)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _postgres(request.getfixturevalue("postgres_cluster"))


# --- one unit, several repositories -------------------------------------------------


def test_a_unit_commits_every_repository_and_the_apps_row_together(backend: Backend) -> None:
    with backend.db.unit_of_work() as conn:
        backend.bookings.add(_booking("b-1"), now=NOW)
        backend.complaints.append("k-1", 0, _complaint("k-1"))
        backend.purchases.add(_purchase("t-1"))
        backend.insert_order(conn, "o-1")
        # Inside the unit its writes are visible to its own reads...
        assert backend.bookings.get("b-1").id == "b-1"
        # ...and to no other connection until it commits.
        assert backend.orders() == []
    assert backend.orders() == ["o-1"]
    assert backend.stored_bookings() == ["b-1"]
    assert backend.stored_cases() == ["k-1"]
    assert backend.stored_purchases() == ["t-1"]


def test_an_error_inside_a_unit_rolls_everything_back(backend: Backend) -> None:
    def unit() -> None:
        with backend.db.unit_of_work() as conn:
            backend.bookings.add(_booking("b-1"), now=NOW)
            backend.complaints.append("k-1", 0, _complaint("k-1"))
            backend.purchases.add(_purchase("t-1"))
            backend.insert_order(conn, "o-1")
            raise KeyError("the card was declined")

    with pytest.raises(KeyError):
        unit()
    assert backend.orders() == []
    assert backend.stored_bookings() == []
    assert backend.stored_cases() == []
    assert backend.stored_purchases() == []


def test_a_slot_conflict_rolls_the_unit_back_and_reaches_the_caller(backend: Backend) -> None:
    backend.bookings.add(_booking("b-1"), now=NOW)

    def unit() -> None:
        with backend.db.unit_of_work() as conn:
            backend.insert_order(conn, "o-1")
            backend.purchases.add(_purchase("t-1"))
            backend.bookings.add(_booking("b-2", start_minutes=30), now=NOW)

    with pytest.raises(SlotConflictError) as raised:
        unit()
    assert [(c.first, c.second) for c in raised.value.conflicts] == [("b-1", "b-2")]  # type: ignore[attr-defined]
    assert backend.orders() == []
    assert backend.stored_purchases() == []
    assert backend.stored_bookings() == ["b-1"]


def test_a_conflict_caught_inside_a_unit_leaves_it_usable(backend: Backend) -> None:
    backend.bookings.add(_booking("b-1"), now=NOW)
    with backend.db.unit_of_work() as conn:
        backend.insert_order(conn, "o-1")
        try:
            backend.bookings.add(_booking("b-2", start_minutes=30), now=NOW)
        except SlotConflictError:
            backend.bookings.add(_booking("b-2", start_minutes=60), now=NOW)
        backend.complaints.append("k-1", 0, _complaint("k-1"))
        with pytest.raises(DuplicateError):  # a taken id, refused by the database
            backend.bookings.add(_booking("b-1", start_minutes=600), now=NOW)
    assert backend.orders() == ["o-1"]
    assert backend.stored_bookings() == ["b-1", "b-2"]
    assert backend.stored_cases() == ["k-1"]


def test_a_nested_unit_is_a_savepoint(backend: Backend) -> None:
    with backend.db.unit_of_work() as conn:
        backend.insert_order(conn, "o-1")

        def unit() -> None:
            with backend.db.unit_of_work() as inner:
                assert inner is conn
                backend.insert_order(inner, "o-2")
                backend.purchases.add(_purchase("t-2"))
                raise KeyError("undo the inner unit only")

        with pytest.raises(KeyError):
            unit()
        backend.purchases.add(_purchase("t-1"))
    assert backend.orders() == ["o-1"]
    assert backend.stored_purchases() == ["t-1"]


def test_units_racing_for_one_slot_book_it_once(backend: Backend) -> None:
    count = 8
    barrier = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            with backend.db.unit_of_work() as conn:
                backend.insert_order(conn, f"o-{i}")
                backend.bookings.add(_booking(f"b-{i}", start_minutes=i), now=NOW)
            outcomes[i] = "booked"
        except SlotConflictError as error:
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, o in enumerate(outcomes) if o == "booked"]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, SlotConflictError) for o in outcomes if o != "booked"), outcomes
    assert backend.orders() == [f"o-{winners[0]}"]
    assert backend.stored_bookings() == [f"b-{winners[0]}"]


@pytest.mark.postgres
def test_the_exclusion_constraint_guards_a_unit_on_postgres(postgres_backend: Backend) -> None:
    backend = postgres_backend
    backend.bookings.add(_booking("b-1"), now=NOW)

    def unit() -> None:
        with backend.db.unit_of_work() as conn:
            backend.insert_order(conn, "o-1")
            # A writer that skips the library's checks and row locks.
            conn.execute(
                "INSERT INTO clubrules.booking_occupancy (booking_id, position, resource, during,"
                " units, capacity, role, blocking_until_us, active)"
                " VALUES ('b-1', 5, 'room-1', tstzrange(%s, %s, '[)'), 1, 1, 'main', %s, true)",
                (T0, T0 + timedelta(minutes=10), 2**62),
            )

    with pytest.raises(SlotConflictError):
        unit()
    assert backend.orders() == []


@pytest.mark.postgres
def test_a_failed_statement_swallowed_inside_a_unit_stores_nothing(
    postgres_backend: Backend,
) -> None:
    backend = postgres_backend

    def unit() -> None:
        with backend.db.unit_of_work() as conn:
            backend.insert_order(conn, "o-1")
            with contextlib.suppress(psycopg.errors.UniqueViolation):
                backend.insert_order(conn, "o-1")  # a taken key: the transaction is aborted

    with pytest.raises(StorageError, match="aborted"):
        unit()
    assert backend.orders() == []


# --- adapters on the app's own connection ---------------------------------------


def test_the_callers_rollback_undoes_the_librarys_writes_with_its_own(backend: Backend) -> None:
    conn = backend.connect()
    try:
        db = type(backend.db).from_connection(conn)
        bookings, complaints, purchases = backend.repositories(db)
        backend.insert_order(conn, "o-1")
        bookings.add(_booking("b-1"), now=NOW)
        complaints.append("k-1", 0, _complaint("k-1"))
        purchases.add(_purchase("t-1"))
        assert backend.orders() == []  # nothing committed behind the caller's back
        conn.rollback()
    finally:
        conn.close()
    assert backend.orders() == []
    assert backend.stored_bookings() == []
    assert backend.stored_cases() == []
    assert backend.stored_purchases() == []


def test_the_callers_commit_stores_the_librarys_writes_with_its_own(backend: Backend) -> None:
    conn = backend.connect()
    try:
        db = type(backend.db).from_connection(conn)
        bookings, complaints, purchases = backend.repositories(db)
        bookings.add(_booking("b-1"), now=NOW)
        complaints.append("k-1", 0, _complaint("k-1"))
        purchases.add(_purchase("t-1"))
        backend.insert_order(conn, "o-1")
        conn.commit()
        db.close()
        conn.execute("SELECT 1")  # closing the database left the connection open
    finally:
        conn.close()
    assert backend.orders() == ["o-1"]
    assert backend.stored_bookings() == ["b-1"]
    assert backend.stored_cases() == ["k-1"]
    assert backend.stored_purchases() == ["t-1"]


def test_a_conflict_on_the_callers_connection_undoes_only_that_write(backend: Backend) -> None:
    backend.bookings.add(_booking("b-1"), now=NOW)
    conn = backend.connect()
    try:
        bookings, _, purchases = backend.repositories(type(backend.db).from_connection(conn))
        backend.insert_order(conn, "o-1")
        with pytest.raises(SlotConflictError):
            bookings.add(_booking("b-2", start_minutes=10), now=NOW)
        purchases.add(_purchase("t-1"))  # the caller's transaction goes on
        conn.commit()
    finally:
        conn.close()
    assert backend.orders() == ["o-1"]
    assert backend.stored_purchases() == ["t-1"]
    assert backend.stored_bookings() == ["b-1"]


# `autocommit=False` (a transaction always open) is new in Python 3.12.
_MODES = [
    "implicit",
    "explicit-begin",
    *(["autocommit-false"] if sys.version_info >= (3, 12) else []),
]


@pytest.mark.parametrize("mode", _MODES)
def test_sqlite_from_connection_joins_each_kind_of_caller_transaction(
    sqlite_backend: Backend, mode: str
) -> None:
    backend = sqlite_backend
    assert isinstance(backend.db, SQLiteDatabase)
    path = backend.db.path
    if mode == "implicit":
        conn = sqlite3.connect(path)  # the sqlite3 default: implicit BEGIN
    elif mode == "explicit-begin":
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    else:
        options: dict[str, Any] = {"autocommit": False}  # Python 3.12+
        conn = sqlite3.connect(path, **options)
    bookings, _, _ = backend.repositories(SQLiteDatabase.from_connection(conn))
    bookings.add(_booking("b-1"), now=NOW)
    backend.insert_order(conn, "o-1")
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    conn.close()
    assert backend.stored_bookings() == []
    assert backend.orders() == []


def test_on_an_autocommit_connection_each_call_is_its_own_transaction(
    sqlite_backend: Backend,
) -> None:
    backend = sqlite_backend
    conn = sqlite3.connect(str(backend.url), isolation_level=None)
    bookings, _, _ = backend.repositories(SQLiteDatabase.from_connection(conn))
    bookings.add(_booking("b-1"), now=NOW)
    assert not conn.in_transaction
    conn.close()
    assert backend.stored_bookings() == ["b-1"]


def test_from_connection_refuses_what_is_not_a_connection() -> None:
    with pytest.raises(ValidationError) as raised:
        SQLiteDatabase.from_connection("club.db")  # type: ignore[arg-type]
    assert raised.value.field == "conn"
    with pytest.raises(ValidationError):
        PostgresDatabase.from_connection(object())  # type: ignore[arg-type]


def test_a_closed_from_connection_database_leaves_the_connection_open() -> None:
    conn = sqlite3.connect(":memory:")
    db = SQLiteDatabase.from_connection(conn)
    db.migrate()
    db.close()
    assert conn.execute("SELECT count(*) FROM clubrules_customers").fetchone() == (0,)
    with pytest.raises(StorageError, match="closed"):
        SQLiteCustomerRepository(db).get("c-1")
    assert "caller's connection" in repr(db)


# --- retries -----------------------------------------------------------------------


def test_run_in_transaction_retries_a_transient_failure_with_bounded_waits(
    backend: Backend,
) -> None:
    calls: list[int] = []
    waits: list[float] = []

    def work(conn: Any) -> str:
        calls.append(1)
        backend.insert_order(conn, f"o-{len(calls)}")
        backend.purchases.add(_purchase(f"t-{len(calls)}"))
        if len(calls) < 3:
            raise RetryableStorageError("a deadlock, say")
        return "done"

    got = run_in_transaction(
        backend.db, work, attempts=4, backoff=0.5, max_backoff=0.75, sleep=waits.append
    )
    assert got == "done"
    assert len(calls) == 3
    assert len(waits) == 2
    assert 0 <= waits[0] <= 0.5
    assert 0 <= waits[1] <= 0.75
    assert backend.orders() == ["o-3"]  # the failed attempts left nothing behind
    assert backend.stored_purchases() == ["t-3"]


def test_run_in_transaction_leaves_the_global_random_state_alone(tmp_path: Path) -> None:
    # An application that seeds `random` for its own use sees the same draws with or
    # without a retry in between: the jitter comes from a generator of the library's own.
    # (On SQLite only: a PostgreSQL pool's worker threads draw from `random` themselves.)
    failures = iter([RetryableStorageError("locked"), RetryableStorageError("locked")])

    def work(_conn: object) -> str:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return "done"

    random.seed(20261207)
    before = random.getstate()
    waits: list[float] = []
    with contextlib.contextmanager(_sqlite)(tmp_path) as backend:
        assert run_in_transaction(backend.db, work, attempts=3, sleep=waits.append) == "done"
    assert len(waits) == 2
    assert random.getstate() == before


def test_run_in_transaction_gives_up_after_its_attempts(backend: Backend) -> None:
    calls: list[int] = []

    def work(_conn: object) -> None:
        calls.append(1)
        raise RetryableStorageError("still locked")

    with pytest.raises(RetryableStorageError):
        run_in_transaction(backend.db, work, attempts=3, sleep=lambda _s: None)
    assert len(calls) == 3


def test_run_in_transaction_does_not_retry_other_errors(backend: Backend) -> None:
    calls: list[int] = []
    backend.bookings.add(_booking("b-1"), now=NOW)

    def work(_conn: object) -> None:
        calls.append(1)
        backend.bookings.add(_booking("b-2"), now=NOW)

    with pytest.raises(SlotConflictError):
        run_in_transaction(backend.db, work, sleep=lambda _s: None)
    assert len(calls) == 1


def test_run_in_transaction_inside_a_unit_runs_once(backend: Backend) -> None:
    calls: list[int] = []

    def work(_conn: object) -> None:
        calls.append(1)
        raise RetryableStorageError("the outer unit's owner retries")

    with backend.db.unit_of_work(), pytest.raises(RetryableStorageError):
        run_in_transaction(backend.db, work, sleep=lambda _s: None)
    assert len(calls) == 1


def test_run_in_transaction_checks_its_options(backend: Backend) -> None:
    for options in ({"attempts": 0}, {"backoff": -1.0}, {"max_backoff": float("nan")}):
        with pytest.raises(ValidationError):
            run_in_transaction(backend.db, lambda _c: None, **options)


def test_run_in_transaction_waits_out_a_real_sqlite_lock(tmp_path: Path) -> None:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path, timeout=0) as db:
        db.migrate()
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        purchases = SQLiteConsumptionRepository(db)
        waits: list[float] = []

        def release(seconds: float) -> None:
            waits.append(seconds)
            holder.execute("COMMIT")

        run_in_transaction(db, lambda _c: purchases.add(_purchase("t-1")), sleep=release)
        holder.close()
        assert len(waits) == 1
        assert [r.id for r in purchases.records("c-1")] == ["t-1"]


# --- a COMMIT whose outcome is unknown ------------------------------------------------


class _CommitThenFail(sqlite3.Connection):
    """A connection whose next COMMIT is applied, but fails as if the disk went away after."""

    fail_commits = 0

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT" and _CommitThenFail.fail_commits:
            _CommitThenFail.fail_commits -= 1
            super().execute(sql, *args)
            error = sqlite3.OperationalError("disk I/O error")
            error.sqlite_errorcode = 10  # SQLITE_IOERR
            error.sqlite_errorname = "SQLITE_IOERR"
            raise error
        return super().execute(sql, *args)


class _FlakyDisk(SQLiteDatabase):
    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, factory=_CommitThenFail
        )
        conn.execute("PRAGMA journal_mode = WAL")
        return conn


def test_sqlite_a_failed_commit_is_never_retried(tmp_path: Path) -> None:
    with _FlakyDisk(tmp_path / "club.db") as db:
        db.migrate()
        purchases = SQLiteConsumptionRepository(db)
        calls: list[int] = []

        def work(_conn: object) -> None:
            calls.append(1)
            purchases.add(_purchase("t-1"))

        _CommitThenFail.fail_commits = 1
        with pytest.raises(CommitOutcomeUnknownError) as raised:
            run_in_transaction(db, work, sleep=lambda _s: None)
        # Not chained (a `sqlite3` error can quote a value); its name and class are kept.
        assert raised.value.__cause__ is None
        assert raised.value.diagnostics is not None
        assert raised.value.diagnostics.error_class == "OperationalError"
        assert len(calls) == 1
        # It was stored: running `work` again would have written it twice.
        assert [r.id for r in purchases.records("c-1")] == ["t-1"]


class _LosesTheReply:
    """A psycopg connection whose next COMMIT is applied but whose reply never arrives."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._conn.transaction():
            yield
        raise psycopg.OperationalError("server closed the connection unexpectedly")


@pytest.mark.postgres
def test_postgres_a_commit_whose_reply_is_lost_is_never_retried(
    postgres_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = postgres_backend
    with PostgresDatabase(backend.url) as db:  # one connection, which the test wraps
        purchases = PostgresConsumptionRepository(db)
        real = db._the_connection
        monkeypatch.setattr(db, "_the_connection", lambda: _LosesTheReply(real()))
        calls: list[int] = []

        def work(_conn: object) -> None:
            calls.append(1)
            purchases.add(_purchase("t-1"))

        with pytest.raises(CommitOutcomeUnknownError) as raised:
            run_in_transaction(db, work, sleep=lambda _s: None)
        assert isinstance(raised.value.__cause__, psycopg.OperationalError)
        assert len(calls) == 1
    assert backend.stored_purchases() == ["t-1"]


@pytest.mark.postgres
def test_postgres_a_connection_killed_before_commit_is_an_unknown_outcome(
    postgres_backend: Backend,
) -> None:
    backend = postgres_backend
    calls: list[int] = []

    def work(conn: Any) -> None:
        calls.append(1)
        backend.insert_order(conn, "o-1")
        pid = conn.info.backend_pid
        with backend.connect() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with pytest.raises(CommitOutcomeUnknownError):
        run_in_transaction(backend.db, work, sleep=lambda _s: None)
    assert len(calls) == 1
    assert backend.orders() == []  # this time the server had not committed
