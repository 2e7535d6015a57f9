"""The async PostgreSQL booking adapter: races among tasks, with threads, and against the sync one.

Each test runs its own event loop (`asyncio.run`, or one `asyncio.Runner`
for a hypothesis test) on a fresh, migrated database of the throwaway
cluster. The async and sync adapters run the same write logic, so they must
agree call for call; these tests check that they do, and that the
guarantees hold among tasks of one loop as among processes: one winner per
slot, capacity never exceeded, one booking per idempotency key, holds judged
by each call's `now`, nothing half-written when a task is cancelled, and
savepoints inside a unit of work or the caller's transaction.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import (
    Booking,
    BookingStatus,
    Conflict,
    Occupancy,
    OverCapacity,
    find_conflicts,
)
from clubrules.booking._capacity import peak
from clubrules.errors import (
    ClubRulesError,
    DuplicateError,
    NaiveDatetimeError,
    NotFoundError,
    RetryableStorageError,
    SlotConflictError,
    StaleVersionError,
    StorageDiagnostics,
)
from clubrules.storage.postgres import (
    AsyncPostgresBookingRepository,
    AsyncPostgresDatabase,
    PostgresBookingRepository,
    PostgresDatabase,
)
from clubrules.storage.postgres._booking import _ATTEMPTS, Next, Plan, _Lapsed, next_step
from clubrules.testing.contracts import _booking as contract

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

T0 = contract.T0
MIN = contract.MIN
NOW = contract.NOW
POLICY = contract.POLICY
booking = contract._booking
_TABLES = ("bookings", "booking_occupancy", "booking_resources")


@pytest.fixture(scope="module")
def url(postgres_cluster: PostgresCluster) -> str:
    """A fresh database for the module, migrated by the sync database (as at deploy time)."""
    database_url = postgres_cluster.create_database("async_booking")
    with PostgresDatabase(database_url) as db:
        db.migrate()
    return database_url


def _truncate(url: str, *schemas: str) -> None:
    tables = ", ".join(f"{s}.{t}" for s in schemas for t in _TABLES)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables}")


@pytest.fixture
def run(url: str) -> Callable[[Callable[[AsyncPostgresDatabase], Awaitable[Any]]], Any]:
    """Run `body(database)` in a fresh event loop, on emptied tables, and close the database."""

    def runner(body: Callable[[AsyncPostgresDatabase], Awaitable[Any]]) -> Any:
        _truncate(url, "clubrules")

        async def main() -> Any:
            async with AsyncPostgresDatabase(url, pool_size=10) as db:
                return await body(db)

        return asyncio.run(main())

    return runner


@pytest.fixture
def sync_db(url: str) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(url, pool_size=8) as db:
        yield db


def count(url: str, table: str, where: str = "TRUE") -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(f"SELECT count(*) FROM clubrules.{table} WHERE {where}").fetchone()  # noqa: S608
    assert row is not None
    return int(row[0])


def _peak_ok(stored: list[Booking], resource: str, capacity: int) -> bool:
    entries = [
        (o.start_us, o.end_us, o.units, b.id)
        for b in stored
        if b.blocks_at(NOW)
        for o in b.occupancy
        if o.resource == resource
    ]
    if not entries:
        return True
    lo, hi = min(e[0] for e in entries), max(e[1] for e in entries)
    return peak(entries, lo, hi)[0] <= capacity


# --- races among tasks ---------------------------------------------------------------


def test_fifty_tasks_racing_for_one_slot_one_wins(run: Any, url: str) -> None:
    async def body(db: AsyncPostgresDatabase) -> list[Booking | BaseException]:
        repo = AsyncPostgresBookingRepository(db)
        candidates = [booking(f"r{i:02d}", i % 10, 60 + i % 10) for i in range(50)]
        return await asyncio.gather(
            *(repo.add(b, now=NOW) for b in candidates), return_exceptions=True
        )

    results = run(body)
    [winner] = [r for r in results if isinstance(r, Booking)]
    losers = [r for r in results if not isinstance(r, Booking)]
    assert len(losers) == 49
    for lost in losers:
        assert isinstance(lost, SlotConflictError), lost
        assert lost.conflicts
        found = [c for c in lost.conflicts if isinstance(c, Conflict)]
        assert len(found) == len(lost.conflicts)
        assert any(winner.id in (c.first, c.second) for c in found)
    assert count(url, "bookings") == 1
    assert count(url, "booking_occupancy") == 1


def test_racing_tasks_never_exceed_a_capacity_above_one(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresBookingRepository(db)
        same = [booking(f"y{i:02d}", 0, 60, resource="studio", capacity=3) for i in range(20)]
        results = await asyncio.gather(
            *(repo.add(b, now=NOW) for b in same), return_exceptions=True
        )
        assert sum(isinstance(r, Booking) for r in results) == 3, results
        for lost in (r for r in results if not isinstance(r, Booking)):
            assert isinstance(lost, SlotConflictError), lost
            assert all(isinstance(c, OverCapacity) for c in lost.conflicts)
        # Staggered windows of 1 or 2 places each: the peak never passes 4.
        staggered = [
            booking(
                f"z{i:02d}",
                15 * (i % 6),
                15 * (i % 6) + 45,
                resource="hall",
                capacity=4,
                units=1 + i % 2,
            )
            for i in range(30)
        ]
        results = await asyncio.gather(
            *(repo.add(b, now=NOW) for b in staggered), return_exceptions=True
        )
        assert all(isinstance(r, Booking | SlotConflictError) for r in results), results
        stored = await repo.find(resource="hall")
        assert len(stored) == sum(isinstance(r, Booking) for r in results) >= 2
        assert _peak_ok(stored, "hall", 4)

    run(body)


def test_racing_retries_of_one_key_make_one_booking(run: Any, url: str) -> None:
    async def body(db: AsyncPostgresDatabase) -> list[Booking | BaseException]:
        repo = AsyncPostgresBookingRepository(db)
        retries = [booking(f"k{i:02d}", 0, 60, key="req-1") for i in range(20)]
        return await asyncio.gather(
            *(repo.add(b, now=NOW) for b in retries), return_exceptions=True
        )

    results = run(body)
    assert all(isinstance(r, Booking) for r in results), results
    assert len({r.id for r in results if isinstance(r, Booking)}) == 1
    assert count(url, "bookings") == 1


def test_holds_lapse_at_each_calls_now(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresBookingRepository(db)
        held = booking("h1", 0, 60, status=BookingStatus.HELD, expires=-100, key="req-7")
        hold = await repo.add(held, now=NOW)
        later = T0 - 90 * MIN  # the hold lapsed at minute -100
        # Tasks racing at the later `now` for the lapsed hold's slot: one takes it.
        racing = [booking(f"b{i}", 0, 30) for i in range(10)]
        results = await asyncio.gather(
            *(repo.add(b, now=later) for b in racing), return_exceptions=True
        )
        [winner] = [r for r in results if isinstance(r, Booking)]
        assert all(isinstance(r, SlotConflictError) for r in results if r is not winner)
        await repo.add(booking("k2", 120, 180, key="req-7", customer="c-2"), now=later)
        # Back at an earlier `now`, the hold blocks again, slot and key.
        with pytest.raises(SlotConflictError) as caught:
            await repo.add(booking("b-late", 30, 60), now=NOW)
        [conflict] = caught.value.conflicts
        assert isinstance(conflict, Conflict)
        assert (conflict.first, conflict.second) == ("h1", "b-late")
        retry = booking("h1-retry", 0, 60, status=BookingStatus.HELD, expires=-100, key="req-7")
        assert await repo.add(retry, now=NOW) == hold
        with pytest.raises(DuplicateError):
            await repo.add(retry, now=later)
        assert [b.id for b in await repo.find(resource="room-1")] == [winner.id, "h1", "k2"]

    run(body)


def test_a_cancelled_multi_resource_add_leaves_no_part_of_it(run: Any, url: str) -> None:
    """Cancelled while its second busy time waits on another writer: nothing of it stays."""

    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresBookingRepository(db)
        start, end = T0, T0 + 60 * MIN
        other = await psycopg.AsyncConnection.connect(url, autocommit=True)
        async with other, other.transaction(force_rollback=True):
            # A writer that skipped the resources' row locks holds an
            # uncommitted busy time on room-b: the exclusion constraint
            # makes our insert there wait for its transaction.
            await other.execute(
                "INSERT INTO clubrules.bookings (tenant, id, service, start_at, end_at,"
                " status, headcount, late_cancel, version, blocking_until_us) VALUES"
                " ('default', 'blocker', 'facial', %s, %s, 'confirmed', 1, false, 1, %s)",
                (start, end, 2**62),
            )
            await other.execute(
                "INSERT INTO clubrules.booking_occupancy (tenant, booking_id, position,"
                " resource, during, units, capacity, role, blocking_until_us, active)"
                " VALUES ('default', 'blocker', 0, 'room-b', tstzrange(%s, %s, '[)'), 1, 1, '',"
                " %s, true)",
                (start, end, 2**62),
            )
            both = booking("both", 0, 60, resource="room-a", also="room-b")
            task = asyncio.create_task(repo.add(both, now=NOW))
            # Wait until the add has written its booking (its backend holds a
            # lock on the table) and waits for the other's transaction at room-b.
            for _ in range(200):
                cursor = await other.execute(
                    "SELECT count(*) FROM pg_stat_activity AS a JOIN pg_locks AS l"
                    " ON l.pid = a.pid AND l.relation = 'clubrules.bookings'::regclass"
                    " AND l.mode = 'RowExclusiveLock'"
                    " WHERE a.wait_event = 'transactionid' AND a.pid <> pg_backend_pid()"
                )
                found = await cursor.fetchone()
                if found is not None and found[0] == 1:
                    break
                await asyncio.sleep(0.05)
            else:  # pragma: no cover - the add never reached room-b
                pytest.fail("the add did not wait on room-b")
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        # Nothing of the cancelled add is stored, and the pool still serves.
        assert count(url, "bookings") == 0
        assert count(url, "booking_occupancy") == 0
        for _ in range(10):
            with pytest.raises(NotFoundError):
                await repo.get("both")
        assert await repo.add(both, now=NOW) == both

    run(body)
    assert count(url, "booking_occupancy") == 2


def test_sync_threads_and_async_tasks_racing_never_double_book(
    run: Any, sync_db: PostgresDatabase
) -> None:
    slots = 24

    def candidate(writer: str, k: int) -> Booking:
        # Slot k: a room and a beautician; neighbouring slots overlap on both.
        return booking(
            f"{writer}-s{k:02d}",
            20 * k,
            20 * k + 30,
            resource=f"room-{k % 3}",
            also=f"li-{k % 2}",
        )

    def order(w: int) -> list[int]:
        return [(i * 7 + w * 5) % slots for i in range(slots)]

    sync_results: list[object] = []
    lock = threading.Lock()

    def sync_writer(w: int, start: threading.Barrier) -> None:
        repo = PostgresBookingRepository(sync_db)
        start.wait()
        for k in order(w):
            try:
                outcome: object = repo.add(candidate(f"t{w}", k), now=NOW)
            except Exception as error:  # noqa: BLE001 - every outcome is checked below
                outcome = error
            with lock:
                sync_results.append(outcome)

    async def body(db: AsyncPostgresDatabase) -> list[object]:
        repo = AsyncPostgresBookingRepository(db)
        start = threading.Barrier(5)
        threads = [threading.Thread(target=sync_writer, args=(w, start)) for w in range(4)]
        for thread in threads:
            thread.start()

        async def async_writer(w: int) -> list[object]:
            out: list[object] = []
            for k in order(w):
                try:
                    out.append(await repo.add(candidate(f"a{w}", k), now=NOW))
                except Exception as error:  # noqa: BLE001 - every outcome is checked below
                    out.append(error)
            return out

        await asyncio.to_thread(start.wait)
        results = await asyncio.gather(*(async_writer(w) for w in range(4, 12)))
        for thread in threads:
            await asyncio.to_thread(thread.join)
        stored = await repo.find()
        assert stored == PostgresBookingRepository(sync_db).find()
        assert not find_conflicts(stored, as_of=NOW)
        return [r for rs in results for r in rs]

    async_results = run(body)
    everything = sync_results + async_results
    assert len(everything) == 12 * slots
    assert all(isinstance(r, Booking | SlotConflictError) for r in everything), [
        r for r in everything if not isinstance(r, Booking | SlotConflictError)
    ]
    won = [r for r in everything if isinstance(r, Booking)]
    assert any(r.id.startswith("t") for r in won)
    assert any(r.id.startswith("a") for r in won)
    stored = PostgresBookingRepository(sync_db).find()
    assert sorted(b.id for b in stored) == sorted(b.id for b in won)


# --- versions, windows, transactions ------------------------------------------------


def test_save_needs_the_next_version(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresBookingRepository(db)
        first = await repo.add(booking("b1", 0, 60), now=NOW)
        await repo.add(booking("b2", 120, 180), now=NOW)
        checked_in = first.check_in(now=T0)
        await repo.save(checked_in, now=T0)
        with pytest.raises(StaleVersionError) as caught:
            await repo.save(first.cancel(now=T0, policy=POLICY), now=T0)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert await repo.get("b1") == checked_in
        with pytest.raises(NotFoundError):
            await repo.save(booking("ghost", 0, 10, resource="x").check_in(now=T0), now=T0)
        # Racing saves of one version: one lands, the others are stale.
        second = await repo.get("b2")
        moves = [
            second.reschedule(
                T0 + (200 + 60 * i) * MIN,
                T0 + (230 + 60 * i) * MIN,
                [Occupancy.between("room-1", T0 + (200 + 60 * i) * MIN, T0 + (230 + 60 * i) * MIN)],
                now=NOW,
            )
            for i in range(10)
        ]
        results = await asyncio.gather(
            *(repo.save(m, now=NOW) for m in moves), return_exceptions=True
        )
        assert results.count(None) == 1, results
        assert all(isinstance(r, StaleVersionError) for r in results if r is not None)
        stored = await repo.get("b2")
        assert stored == moves[results.index(None)]
        # A move into a taken slot is refused and changes nothing.
        into_b1 = stored.reschedule(
            T0 + 30 * MIN,
            T0 + 90 * MIN,
            [Occupancy.between("room-1", T0 + 30 * MIN, T0 + 90 * MIN)],
            now=NOW,
        )
        with pytest.raises(SlotConflictError) as refused:
            await repo.save(into_b1, now=NOW)
        [conflict] = refused.value.conflicts
        assert isinstance(conflict, Conflict)
        assert conflict.first == "b1"
        assert await repo.get("b2") == stored

    run(body)


_DST = [
    # Asia/Shanghai kept summer time from 1986 to 1991.
    (ZoneInfo("Asia/Shanghai"), datetime(1991, 4, 13, 18, tzinfo=UTC)),  # 02:00 -> 03:00
    (ZoneInfo("Asia/Shanghai"), datetime(1991, 9, 14, 17, tzinfo=UTC)),  # 02:00 -> 01:00
    (ZoneInfo("Europe/Berlin"), datetime(2026, 3, 29, 1, tzinfo=UTC)),  # 02:00 -> 03:00
    (ZoneInfo("Europe/Berlin"), datetime(2026, 10, 25, 1, tzinfo=UTC)),  # 03:00 -> 02:00
]


def test_find_windows_across_dst_agree_with_the_sync_adapter(
    run: Any, sync_db: PostgresDatabase
) -> None:
    sync_repo = PostgresBookingRepository(sync_db)

    def store() -> None:  # by the sync adapter, on the tables the run fixture emptied
        for n, (zone, switch) in enumerate(_DST):
            for i in range(12):  # 30-minute bookings every 30 minutes, 3 hours either side
                start = (switch + (i * 30 - 180) * MIN).astimezone(zone)
                end = (switch + (i * 30 - 150) * MIN).astimezone(zone)
                sync_repo.add(
                    Booking(
                        id=f"dst{n}-{i:02d}",
                        service="facial",
                        start=start,
                        end=end,
                        occupancy=[Occupancy.between(f"room-{n}-{i % 2}", start, end)],
                        status=BookingStatus.CONFIRMED,
                        created_at=start - timedelta(days=1),
                    ),
                    now=start - timedelta(days=1),
                )

    async def body(db: AsyncPostgresDatabase) -> int:
        store()
        repo = AsyncPostgresBookingRepository(db)
        found = 0
        for n, (zone, switch) in enumerate(_DST):
            local = switch.astimezone(zone).replace(tzinfo=None)
            for minutes, fold, span, resource in itertools.product(
                range(-150, 151, 25), (0, 1), (0, 30, 70), (None, f"room-{n}-0")
            ):
                # Wall times, some skipped, some repeated: the bounds are instants.
                lo = (local + minutes * MIN).replace(tzinfo=zone, fold=fold)
                hi = (local + (minutes + span) * MIN).replace(tzinfo=zone, fold=1 - fold)
                got = await repo.find(resource=resource, start=lo, end=hi)
                assert got == sync_repo.find(resource=resource, start=lo, end=hi), (lo, hi)
                found += len(got)
                assert await repo.find(start=lo) == sync_repo.find(start=lo)
                assert await repo.find(end=hi) == sync_repo.find(end=hi)
        with pytest.raises(NaiveDatetimeError):
            await repo.find(start=datetime(2026, 3, 2))  # noqa: DTZ001
        return found

    assert run(body) > 0


def test_adds_in_a_unit_of_work_are_savepoints(run: Any, url: str) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresBookingRepository(db)
        async with db.unit_of_work():
            await repo.add(booking("b1", 0, 60), now=NOW)
            with pytest.raises(SlotConflictError):
                await repo.add(booking("b2", 30, 90), now=NOW)  # undoes itself alone
            await repo.add(booking("b3", 60, 120, key="req-1"), now=NOW)
            # Another task does not see the unit's bookings before it commits.
            assert await asyncio.create_task(repo.find()) == []
        assert [b.id for b in await repo.find()] == ["b1", "b3"]

        async def rolled_back() -> None:
            async with db.unit_of_work():
                await repo.add(booking("b4", 200, 260), now=NOW)
                raise LookupError

        with pytest.raises(LookupError):
            await rolled_back()
        with pytest.raises(NotFoundError):
            await repo.get("b4")

    run(body)
    assert count(url, "bookings") == 2


def test_on_the_callers_connection_the_caller_decides(run: Any, url: str) -> None:
    async def body(_db: AsyncPostgresDatabase) -> None:
        async with await psycopg.AsyncConnection.connect(url) as conn:  # not autocommit
            db = AsyncPostgresDatabase.from_connection(conn)
            repo = AsyncPostgresBookingRepository(db)
            await repo.add(booking("b1", 0, 60), now=NOW)
            with pytest.raises(SlotConflictError):
                await repo.add(booking("b2", 30, 90), now=NOW)
            first = await repo.add(booking("b3", 60, 120, key="req-1"), now=NOW)
            assert await repo.add(booking("b3-retry", 60, 120, key="req-1"), now=NOW) == first
            await repo.save(first.cancel(now=NOW, policy=POLICY), now=NOW)
            assert [b.id for b in await repo.find()] == ["b1", "b3"]
            await conn.rollback()  # the caller's decision: nothing stays
            assert await repo.find() == []
            await repo.add(booking("b4", 0, 60), now=NOW)
            await conn.commit()
            await db.close()
            assert not conn.closed

    run(body)
    assert count(url, "bookings") == 1
    assert count(url, "bookings", "id = 'b4'") == 1


def test_unholdable_ids_are_answered_without_a_round_trip(run: Any) -> None:
    async def body(db: AsyncPostgresDatabase) -> None:
        repo = AsyncPostgresBookingRepository(db)
        with pytest.raises(NotFoundError):
            await repo.get("bad\x00id")
        assert await repo.find(resource="bad\x00room") == []
        assert "AsyncPostgresBookingRepository(" in repr(repo)

    run(body)


# --- the shared retry policy ----------------------------------------------------------


def _deadlock() -> RetryableStorageError:
    error = RetryableStorageError("deadlock")
    error.diagnostics = StorageDiagnostics(code="40P01", error_class="DeadlockDetected")
    return error


def test_a_lapsed_hold_met_after_the_last_transient_failure_is_still_written(
    run: Any, sync_db: PostgresDatabase
) -> None:
    # Once a bug: after attempts that all met deadlocks, a last attempt that
    # met only a lapsed hold ended the loop with AssertionError("unreachable").
    # Meeting a lapsed hold spends no attempt: it happens once per write.
    assert next_step(_Lapsed(), _ATTEMPTS, "b1") is Next.CAREFULLY
    assert next_step(_deadlock(), _ATTEMPTS - 1, "b1") is Next.AGAIN
    assert next_step(_deadlock(), _ATTEMPTS, "b1") is Next.GIVE_UP
    target = booking("b1", 0, 60)
    plan = Plan(target, to_epoch_us(NOW))

    def failures() -> Iterator[BaseException]:
        yield from (_deadlock() for _ in range(_ATTEMPTS - 1))
        yield _Lapsed()

    sync_calls: list[bool] = []
    sync_failures = failures()

    def sync_write(careful: bool) -> str:
        sync_calls.append(careful)
        failure = next(sync_failures, None)
        if failure is not None:
            raise failure
        return "written"

    repo = PostgresBookingRepository(sync_db)
    assert repo._attempts(sync_write, target, to_epoch_us(NOW), plan) == "written"
    assert sync_calls == [False] * _ATTEMPTS + [True]

    async def body(db: AsyncPostgresDatabase) -> list[bool]:
        calls: list[bool] = []
        pending = failures()

        async def write(careful: bool) -> str:
            calls.append(careful)
            failure = next(pending, None)
            if failure is not None:
                raise failure
            return "written"

        arepo = AsyncPostgresBookingRepository(db)
        assert await arepo._attempts(write, target, to_epoch_us(NOW), plan) == "written"
        return calls

    assert run(body) == sync_calls


# --- the async and sync adapters agree, call for call ------------------------------


_NOWS = st.sampled_from([-180, -90, -30])  # minutes from T0; holds made here lapse at -60
_ROOMS = ["room-1", "room-2"]  # room-2 seats two at once
_ADD = st.tuples(
    st.just("add"),
    st.integers(0, 7),
    st.integers(0, 4),
    st.sampled_from([15, 30, 60]),
    st.sampled_from(_ROOMS),
    st.booleans(),
    st.none() | st.sampled_from(["k-1", "k-2"]),
    st.booleans(),
    _NOWS,
)
_SAVE = st.tuples(
    st.just("save"),
    st.integers(0, 3),
    st.sampled_from(["cancel", "confirm", "check_in", "move", "stale"]),
    st.integers(0, 6),
    _NOWS,
)
# Adds and saves weigh twice as much as reads: most steps write.
_STEPS = st.one_of(
    _ADD,
    _ADD,
    _SAVE,
    _SAVE,
    st.tuples(
        st.just("find"),
        st.none() | st.sampled_from([*_ROOMS, "li"]),
        st.none() | st.integers(0, 6),
        st.integers(0, 120),
    ),
    st.tuples(st.just("get"), st.integers(0, 3)),
)


def _outcome(value: Any) -> tuple[Any, ...]:
    """What a caller sees: the value, or the error's type and its details."""
    if isinstance(value, SlotConflictError):
        return ("error", "SlotConflictError", list(value.conflicts))
    if isinstance(value, StaleVersionError):
        return ("error", "StaleVersionError", (value.expected, value.actual))
    if isinstance(value, ClubRulesError):
        return ("error", type(value).__name__, None)
    return ("ok", value)


def _next_version(base: Booking, kind: str, start: int, now: datetime) -> Booking:
    if kind == "cancel":
        return base.cancel(now=now, policy=POLICY)
    if kind == "confirm":
        return base.confirm(now=now)
    if kind == "check_in":
        return base.check_in(now=now)
    if kind == "move":
        s = T0 + start * 15 * MIN
        e = s + (base.end - base.start)
        occupancy = [
            Occupancy.between(o.resource, s, e, units=o.units, capacity=o.capacity)
            for o in base.occupancy
        ]
        return base.reschedule(s, e, occupancy, now=now)
    return base  # stale: the stored version again


def test_async_and_sync_adapters_agree_on_random_operations(url: str) -> None:
    schemas = ("agree_sync", "agree_async")
    for schema in schemas:
        with PostgresDatabase(url, schema=schema) as db:
            db.migrate()
    with PostgresDatabase(url, schema=schemas[0]) as sync_db, asyncio.Runner() as loop:
        sync_repo = PostgresBookingRepository(sync_db)
        adb = loop.run(AsyncPostgresDatabase.open(url, pool_size=2, schema=schemas[1]))
        async_repo = AsyncPostgresBookingRepository(adb)

        def both(method: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
            try:
                expected = _outcome(getattr(sync_repo, method)(*args, **kwargs))
            except ClubRulesError as error:
                expected = _outcome(error)
            try:
                got = _outcome(loop.run(getattr(async_repo, method)(*args, **kwargs)))
            except ClubRulesError as error:
                got = _outcome(error)
            assert got == expected, (method, args, kwargs)
            event(f"{method}: {got[0]} {got[1] if got[0] == 'error' else ''}")
            return got

        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(steps=st.lists(_STEPS, min_size=3, max_size=16))
        def agree(steps: list[tuple[Any, ...]]) -> None:
            _truncate(url, *schemas)
            for step in steps:
                if step[0] == "add":
                    _, n, q, length, room, held, key, also, now = step
                    candidate = booking(
                        f"b-{n}",
                        q * 15,
                        q * 15 + length,
                        resource=room,
                        capacity=1 if room == "room-1" else 2,
                        status=BookingStatus.HELD if held else BookingStatus.CONFIRMED,
                        expires=-60 if held else None,
                        key=key,
                        also="li" if also else None,
                    )
                    both("add", candidate, now=T0 + now * MIN)
                elif step[0] == "save":
                    _, n, kind, q, now = step
                    at = T0 + now * MIN
                    stored = both("find")[1]
                    if stored and n < 3:  # a stored booking's next version
                        base = stored[n % len(stored)]
                    else:  # an unknown booking: NotFoundError from both
                        base = booking(f"b-x{n}", 0, 15).check_in(now=at)
                    try:
                        changed = _next_version(base, kind, q, at)
                    except ClubRulesError:
                        continue  # a move the booking's status does not allow
                    both("save", changed, now=at)
                elif step[0] == "find":
                    _, room, lo, span = step
                    start = None if lo is None else T0 + lo * 15 * MIN
                    end = None if start is None else start + span * MIN
                    both("find", resource=room, start=start, end=end)
                else:
                    both("get", f"b-{step[1]}")
            both("find")

        try:
            agree()
        finally:
            loop.run(adb.close())
