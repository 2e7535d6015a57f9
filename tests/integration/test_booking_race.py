"""Bookings under races and faults: exactly one winner per slot, nothing half-written.

Each worker is a separate Python process with its own connections, as app
servers would be. Every worker tries every slot (in its own order), so each
slot is contended by all of them; every attempt must either succeed or get
the typed `SlotConflictError`. The benchmark `storage` suite times the same
race at the issue's size (16 processes, 2,000 slots).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.booking import Booking, Occupancy, find_conflicts
from clubrules.errors import RetryableStorageError
from clubrules.storage.postgres import PostgresBookingRepository, PostgresDatabase
from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from clubrules.booking.ports import BookingRepository
    from clubrules.testing.postgres import PostgresCluster

WORKERS = 16
SLOTS = 120

# One worker: builds its bookings, waits for the start line on stdin, tries
# every slot once, and prints what happened as JSON.
WORKER = """
import json, sys, time
from datetime import UTC, datetime, timedelta
from clubrules.booking import Booking, Occupancy
from clubrules.errors import SlotConflictError

kind, target, worker, slots = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tenants = sys.argv[5:]  # with tenants, worker w books for tenants[w % len(tenants)]
tenant = tenants[worker % len(tenants)] if tenants else None
if kind == "postgres":
    from clubrules.storage.postgres import PostgresBookingRepository, PostgresDatabase
    db = PostgresDatabase(target)
    repo = PostgresBookingRepository(db if tenant is None else db.for_tenant(tenant))
else:
    from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase
    db = SQLiteDatabase(target, timeout=120)
    repo = SQLiteBookingRepository(db if tenant is None else db.for_tenant(tenant))
# One tenant's workers have ids of their own; the other tenant's workers use the same ids.
name = worker // len(tenants) if tenants else worker
t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
now = t0 - timedelta(days=1)
bookings = []
for i in range(slots):
    k = (i * 7 + worker * 13) % slots  # every worker has its own order
    start = t0 + timedelta(hours=k // 8)
    end = start + timedelta(minutes=50)
    bookings.append((k, Booking(
        id=f"w{name}-s{k}", service="facial", start=start, end=end,
        occupancy=[Occupancy.between(f"room-{k % 8}", start, end + timedelta(minutes=10))],
        customer_id=f"c-{worker}",
    )))
sys.stdin.readline()
began = time.monotonic()
won, conflicts, other = [], 0, []
for k, booking in bookings:
    try:
        repo.add(booking, now=now)
        won.append(k)
    except SlotConflictError as error:
        conflicts += 1 if error.conflicts else 1000000  # conflicts must be filled in
    except Exception as error:
        other.append(type(error).__name__ + ": " + str(error))
ended = time.monotonic()
db.close()
print(json.dumps({"won": won, "conflicts": conflicts, "other": other,
                  "began": began, "ended": ended, "tenant": tenant}))
"""


def race(
    kind: str, target: str, workers: int = WORKERS, slots: int = SLOTS, tenants: Sequence[str] = ()
) -> list[Any]:
    """Start `workers` processes, release them together, and collect their reports.

    With `tenants`, the workers take turns among them (worker w books for
    `tenants[w % len(tenants)]`).
    """
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER, kind, target, str(w), str(slots), *tenants],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        reports.append(json.loads(out))
    return reports


def _check(reports: list[Any], repository: BookingRepository, slots: int) -> None:
    assert all(r["other"] == [] for r in reports), [r["other"] for r in reports]
    won = sorted(k for r in reports for k in r["won"])
    assert won == list(range(slots))  # every slot won exactly once
    attempts = len(reports) * slots
    assert sum(len(r["won"]) for r in reports) + sum(r["conflicts"] for r in reports) == attempts
    stored = repository.find()
    assert len(stored) == slots
    assert not find_conflicts(stored)  # zero double bookings


@pytest.mark.postgres
def test_processes_racing_on_postgres_book_each_slot_once(
    postgres_cluster: PostgresCluster,
) -> None:
    url = postgres_cluster.create_database("booking_race")
    with PostgresDatabase(url) as db:
        db.migrate()
        reports = race("postgres", url)
        _check(reports, PostgresBookingRepository(db), SLOTS)


def test_processes_racing_on_sqlite_book_each_slot_once(tmp_path: Path) -> None:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path) as db:
        db.migrate()
        reports = race("sqlite", str(path), workers=8, slots=60)
        _check(reports, SQLiteBookingRepository(db), 60)


TENANTS = ("club-a", "club-b")


def _check_tenants(
    reports: list[Any], repository: Callable[[str | None], BookingRepository], slots: int
) -> None:
    """Each tenant's workers won each slot once among themselves; the tenants never met."""
    assert all(r["other"] == [] for r in reports), [r["other"] for r in reports]
    for tenant in TENANTS:
        mine = [r for r in reports if r["tenant"] == tenant]
        assert len(mine) == len(reports) // len(TENANTS)
        assert sorted(k for r in mine for k in r["won"]) == list(range(slots))
        attempts = len(mine) * slots
        assert sum(len(r["won"]) + r["conflicts"] for r in mine) == attempts
        stored = repository(tenant).find()
        assert len(stored) == slots
        assert not find_conflicts(stored)  # zero double bookings within the tenant
    # Both tenants hold the same rooms at the same times; the default tenant has none.
    slots_of = [{(b.resources, b.start) for b in repository(t).find()} for t in TENANTS]
    assert slots_of[0] == slots_of[1]
    assert len(slots_of[0]) == slots
    assert repository(None).find() == []


@pytest.mark.postgres
def test_processes_of_two_tenants_racing_on_postgres_book_each_tenants_slots_once(
    postgres_cluster: PostgresCluster,
) -> None:
    """16 processes, 8 per tenant, racing for the same room names at the same times."""
    url = postgres_cluster.create_database("booking_race")
    with PostgresDatabase(url) as db:
        db.migrate()
        reports = race("postgres", url, tenants=TENANTS)
        _check_tenants(
            reports,
            lambda t: PostgresBookingRepository(db if t is None else db.for_tenant(t)),
            SLOTS,
        )


def test_processes_of_two_tenants_racing_on_sqlite_book_each_tenants_slots_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path) as db:
        db.migrate()
        reports = race("sqlite", str(path), workers=8, slots=60, tenants=TENANTS)
        _check_tenants(
            reports, lambda t: SQLiteBookingRepository(db if t is None else db.for_tenant(t)), 60
        )


@pytest.mark.postgres
def test_the_database_itself_refuses_an_overlap(postgres_cluster: PostgresCluster) -> None:
    """Rows written around the library still meet the exclusion constraint."""
    url = postgres_cluster.create_database("booking_race")
    with PostgresDatabase(url) as db:
        db.migrate()
    with psycopg.connect(url, autocommit=True) as conn:
        for booking in ("a", "b"):
            conn.execute(
                "INSERT INTO clubrules.bookings (tenant, id, service, start_at, end_at, status,"
                " headcount, late_cancel, version, blocking_until_us) VALUES ('default', %s,"
                " 'facial', '2026-03-02 10:00Z', '2026-03-02 11:00Z', 'confirmed', 1, false, 1, 1)",
                (booking,),
            )
        insert = (
            "INSERT INTO clubrules.booking_occupancy (tenant, booking_id, position, resource,"
            " during, units, capacity, role, blocking_until_us, active) VALUES ('default', %s, 0,"
            " 'li', tstzrange(%s, %s, '[)'), 1, 1, '', 1, true)"
        )
        conn.execute(insert, ("a", "2026-03-02 10:00Z", "2026-03-02 11:00Z"))
        conn.execute(insert, ("b", "2026-03-02 11:00Z", "2026-03-02 12:00Z"))  # back to back
        with pytest.raises(psycopg.errors.ExclusionViolation):
            conn.execute(
                "UPDATE clubrules.booking_occupancy SET during = tstzrange(%s, %s, '[)')"
                " WHERE booking_id = 'b'",
                ("2026-03-02 10:59Z", "2026-03-02 12:00Z"),
            )


# --- faults ---------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _two_resources() -> Booking:
    end = T0 + timedelta(hours=1)
    return Booking(
        id="b-1",
        service="facial",
        start=T0,
        end=end,
        occupancy=[Occupancy.between("li", T0, end), Occupancy.between("room-2", T0, end)],
        customer_id="c-1",
    )


@pytest.mark.postgres
def test_a_reservation_killed_midway_writes_nothing(postgres_cluster: PostgresCluster) -> None:
    url = postgres_cluster.create_database("booking_fault")
    now = T0 - timedelta(days=1)
    with PostgresDatabase(url) as db:
        db.migrate()
        repo = PostgresBookingRepository(db)
        outcome: list[object] = []

        def reserve() -> None:
            try:
                outcome.append(repo.add(_two_resources(), now=now))
            except Exception as error:  # noqa: BLE001 - the test inspects it
                outcome.append(error)

        with psycopg.connect(url) as blocker:  # an open transaction holding room-2
            blocker.execute(
                "INSERT INTO clubrules.bookings (tenant, id, service, start_at, end_at, status,"
                " headcount, late_cancel, version, blocking_until_us)"
                " VALUES ('default', 'other', 'facial', %s, %s, 'confirmed', 1, false, 1, %s)",
                (T0, T0 + timedelta(hours=1), 1 << 62),
            )
            blocker.execute(
                "INSERT INTO clubrules.booking_occupancy (tenant, booking_id, position,"
                " resource, during, units, capacity, role, blocking_until_us, active)"
                " VALUES ('default', 'other', 0, 'room-2', tstzrange(%s, %s, '[)'), 1, 1, '',"
                " %s, true)",
                (T0, T0 + timedelta(hours=1), 1 << 62),
            )
            worker = threading.Thread(target=reserve)
            worker.start()
            with psycopg.connect(url, autocommit=True) as admin:
                for _ in range(500):  # the reservation has written "li" and waits on room-2
                    row = admin.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    ).fetchone()
                    if row is not None:
                        break
                    time.sleep(0.01)
                assert row is not None
                admin.execute("SELECT pg_terminate_backend(%s)", (row[0],))
            worker.join()
            blocker.rollback()
        [error] = outcome
        assert isinstance(error, RetryableStorageError)
        with psycopg.connect(url, autocommit=True) as check:
            assert check.execute("SELECT count(*) FROM clubrules.bookings").fetchone() == (0,)
            assert check.execute("SELECT count(*) FROM clubrules.booking_occupancy").fetchone() == (
                0,
            )
        assert repo.add(_two_resources(), now=now) == _two_resources()  # the retry succeeds
        assert [b.id for b in repo.find(resource="li")] == ["b-1"]


def test_a_sqlite_file_locked_elsewhere_is_a_retryable_error(tmp_path: Path) -> None:
    path = tmp_path / "club.db"
    now = T0 - timedelta(days=1)
    with SQLiteDatabase(path, timeout=0.05) as db:
        db.migrate()
        repo = SQLiteBookingRepository(db)
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            with pytest.raises(RetryableStorageError):
                repo.add(_two_resources(), now=now)
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert repo.add(_two_resources(), now=now) == _two_resources()
