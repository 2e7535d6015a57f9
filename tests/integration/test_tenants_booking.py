"""Bookings of many clubs in one database: each tenant's handle books, reads and races alone.

Two tenants ("club-a", "club-b") book the same ids on the same resource
names at the same times on SQLite, PostgreSQL and async PostgreSQL: both
succeed, and every read (by id, listings, windows, a key's holder, the
schedule that availability and alternatives are computed from) sees only
the handle's tenant. Conflicts, idempotency keys, holds and their lapse,
confirmations and cancellations are per tenant; a write of one never
changes the other's rows. The default handle (`db` itself) is a third
tenant and sees neither. On PostgreSQL the same holds for an application
role that row-level security applies to.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    BookingStatus,
    Occupancy,
    Pool,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    Service,
    find_alternatives,
    find_conflicts,
)
from clubrules.calendar import BusinessCalendar
from clubrules.errors import (
    ClubRulesError,
    DuplicateError,
    NotFoundError,
    SlotConflictError,
    StaleVersionError,
)
from clubrules.storage.memory import InMemoryBookingRepository
from clubrules.storage.postgres import (
    AsyncPostgresBookingRepository,
    AsyncPostgresDatabase,
    PostgresBookingRepository,
    PostgresDatabase,
)
from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase
from clubrules.testing import LoopThread

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator
    from pathlib import Path

    from clubrules.booking.ports import BookingRepository
    from clubrules.testing.postgres import PostgresCluster

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
MIN = timedelta(minutes=1)
NOW = T0 - timedelta(hours=3)
POLICY = BookingPolicy()
A, B = "club-a", "club-b"
_TABLES = "clubrules.bookings, clubrules.booking_occupancy, clubrules.booking_resources"
_names = itertools.count()


def booking(
    booking_id: str,
    start: int,
    end: int,
    *,
    resource: str = "room-1",
    also: str | None = None,
    customer: str = "c-1",
    key: str | None = None,
    status: BookingStatus = BookingStatus.CONFIRMED,
    expires: int | None = None,
    units: int = 1,
    capacity: int = 1,
) -> Booking:
    """A booking from minute `start` to `end` after T0 (a hold lapses at minute `expires`)."""
    s, e = T0 + start * MIN, T0 + end * MIN
    occupancy = [Occupancy.between(resource, s, e, units=units, capacity=capacity)]
    if also is not None:
        occupancy.append(Occupancy.between(also, s, e))
    if status in {BookingStatus.HELD, BookingStatus.PENDING} and expires is None:
        expires = start - 60
    return Booking(
        id=booking_id,
        service="facial",
        start=s,
        end=e,
        occupancy=occupancy,
        status=status,
        headcount=units,
        customer_id=customer,
        idempotency_key=key,
        expires_at=None if expires is None else T0 + expires * MIN,
        created_at=T0 - timedelta(days=1),
    )


# --- one booking database, three backends ------------------------------------------------


@dataclass
class Club:
    """One database of a backend: `repo(tenant)` is the booking repository of a tenant's handle.

    `rows(tenant)` reads the tenant's stored rows past the adapters (every
    column of its bookings, busy times and, on PostgreSQL, resources).
    """

    make: Callable[[str | None], BookingRepository]
    rows: Callable[[str], list[Any]]
    made: dict[str | None, BookingRepository] = field(default_factory=dict)

    def repo(self, tenant: str | None = None) -> BookingRepository:
        """The repository on `db.for_tenant(tenant)` (on `db` itself when `tenant` is None)."""
        if tenant not in self.made:
            self.made[tenant] = self.make(tenant)
        return self.made[tenant]


def _tenant(database: Any, tenant: str | None) -> Any:
    return database if tenant is None else database.for_tenant(tenant)


@pytest.fixture(scope="module")
def pg_url(postgres_cluster: PostgresCluster) -> str:
    url = postgres_cluster.create_database("tenants_booking")
    with PostgresDatabase(url) as db:
        db.migrate()
    return url


@pytest.fixture(scope="module")
def pg_db(pg_url: str) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(pg_url, pool_size=4) as db:
        yield db


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    with LoopThread(name="tenants-booking") as thread:
        yield thread


@pytest.fixture(scope="module")
def apg_db(pg_url: str, loop: LoopThread) -> Iterator[AsyncPostgresDatabase]:
    database = loop.run(AsyncPostgresDatabase.open(pg_url, pool_size=4))
    yield database
    loop.run(database.close())


def _empty(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {_TABLES}")


def _sqlite_rows(path: Path, tenant: str) -> list[Any]:
    conn = sqlite3.connect(path)
    try:
        return [
            sorted(
                conn.execute(
                    f"SELECT * FROM clubrules_{table} WHERE tenant = ?",  # noqa: S608
                    (tenant,),
                ).fetchall(),
                key=repr,
            )
            for table in ("bookings", "booking_occupancy")
        ]
    finally:
        conn.close()


def _postgres_rows(url: str, tenant: str) -> list[Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [
            sorted(
                conn.execute(
                    f"SELECT * FROM clubrules.{table} WHERE tenant = %s",  # noqa: S608
                    (tenant,),
                ).fetchall(),
                key=repr,
            )
            for table in ("bookings", "booking_occupancy", "booking_resources")
        ]


def _club(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Generator[Club]:
    if kind == "sqlite":
        path = tmp_path / f"club-{next(_names)}.db"
        with SQLiteDatabase(path) as db:
            db.migrate()
            yield Club(
                lambda t: SQLiteBookingRepository(_tenant(db, t)),
                functools.partial(_sqlite_rows, path),
            )
        return
    url: str = request.getfixturevalue("pg_url")
    _empty(url)
    rows = functools.partial(_postgres_rows, url)
    if kind == "postgres":
        pg: PostgresDatabase = request.getfixturevalue("pg_db")
        yield Club(lambda t: PostgresBookingRepository(_tenant(pg, t)), rows)
        return
    loop: LoopThread = request.getfixturevalue("loop")
    apg: AsyncPostgresDatabase = request.getfixturevalue("apg_db")
    yield Club(lambda t: loop.blocking(AsyncPostgresBookingRepository(_tenant(apg, t))), rows)


BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("postgres-async", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def club(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Club]:
    yield from _club(request, request.param, tmp_path)


def _ids(bookings: list[Booking]) -> list[str]:
    return [b.id for b in bookings]


def _in_the_way(error: SlotConflictError, booking_id: str) -> list[str]:
    """The bookings a refused booking clashed with, by id."""
    found = {getattr(c, side) for c in error.conflicts for side in ("first", "second")}
    return sorted(found - {booking_id})


# --- same ids, same rooms, same times ---------------------------------------------------------


def test_two_tenants_book_the_same_ids_on_the_same_rooms_at_the_same_times(club: Club) -> None:
    a, b, default = club.repo(A), club.repo(B), club.repo()
    mine = booking("b-1", 0, 60, also="li", customer="c-a", key="k-1")
    theirs = booking("b-1", 0, 60, also="li", customer="c-b", key="k-1")
    assert a.add(mine, now=NOW) == mine
    assert b.add(theirs, now=NOW) == theirs  # not a duplicate id, key or slot
    assert a.get("b-1").customer_id == "c-a"
    assert b.get("b-1").customer_id == "c-b"
    assert a.find() == [mine]
    assert b.find() == [theirs]
    assert a.find(resource="li", start=T0, end=T0 + 60 * MIN) == [mine]
    assert b.find(resource="li", start=T0, end=T0 + 60 * MIN) == [theirs]
    # The default handle is a third tenant: it sees neither, and books the room too.
    with pytest.raises(NotFoundError):
        default.get("b-1")
    assert default.find() == []
    assert default.find(resource="room-1") == []
    ours = booking("b-1", 0, 60, customer="c-default")
    assert default.add(ours, now=NOW) == ours
    assert a.find() == [mine]
    assert b.find() == [theirs]


def test_conflicts_and_duplicates_are_judged_within_a_tenant(club: Club) -> None:
    a, b = club.repo(A), club.repo(B)
    a.add(booking("b-1", 0, 60), now=NOW)
    with pytest.raises(SlotConflictError) as caught:
        a.add(booking("b-2", 30, 90), now=NOW)
    assert _in_the_way(caught.value, "b-2") == ["b-1"]
    with pytest.raises(DuplicateError):
        a.add(booking("b-1", 600, 660), now=NOW)
    # Tenant B's room-1 is free: its own bookings only are in the way.
    b.add(booking("b-2", 30, 90), now=NOW)
    with pytest.raises(SlotConflictError) as caught:
        b.add(booking("b-3", 0, 45), now=NOW)
    assert _in_the_way(caught.value, "b-3") == ["b-2"]
    assert _ids(a.find()) == ["b-1"]
    assert _ids(b.find()) == ["b-2"]
    # Capacity: each tenant's studio holds 2.
    for repo in (a, b):
        repo.add(booking("y-1", 0, 60, resource="studio", units=2, capacity=2), now=NOW)
    with pytest.raises(SlotConflictError):
        a.add(booking("y-2", 0, 60, resource="studio", units=1, capacity=2), now=NOW)
    assert _ids(b.find(resource="studio")) == ["y-1"]


def test_windows_and_listings_see_one_tenant(club: Club) -> None:
    a, b = club.repo(A), club.repo(B)
    for n, start in enumerate((0, 120, 240)):
        a.add(booking(f"a-{n}", start, start + 60), now=NOW)
    for n, start in enumerate((60, 180)):
        b.add(booking(f"a-{n}", start, start + 60, resource="room-2"), now=NOW)
    assert _ids(a.find()) == ["a-0", "a-1", "a-2"]
    assert _ids(b.find()) == ["a-0", "a-1"]
    lo, hi = T0 + 50 * MIN, T0 + 130 * MIN
    assert _ids(a.find(start=lo, end=hi)) == ["a-0", "a-1"]
    assert [b_.start for b_ in b.find(start=lo, end=hi)] == [T0 + 60 * MIN]
    assert a.find(resource="room-2") == []
    assert _ids(b.find(resource="room-2", start=T0 + 150 * MIN)) == ["a-1"]
    assert _ids(a.find(end=T0 + 60 * MIN)) == ["a-0"]
    assert b.find(end=T0 + 60 * MIN) == []


def test_idempotency_keys_are_per_tenant(club: Club) -> None:
    a, b = club.repo(A), club.repo(B)
    first = booking("b-1", 0, 60, key="k-1")
    assert a.add(first, now=NOW) == first
    assert a.add(first, now=NOW) == first  # a retry gets the stored booking
    with pytest.raises(DuplicateError):  # the key is bound to another request in A
        a.add(booking("b-9", 120, 180, key="k-1"), now=NOW)
    # In B the key is free: another request under it is booked, and retried.
    other = booking("b-2", 120, 180, key="k-1", resource="room-2")
    assert b.add(other, now=NOW) == other
    assert b.add(other, now=NOW) == other
    assert _ids(a.find()) == ["b-1"]
    assert _ids(b.find()) == ["b-2"]
    # Cancelling in B frees B's key only.
    b.save(other.cancel(now=NOW, policy=POLICY), now=NOW)
    with pytest.raises(DuplicateError):
        a.add(booking("b-9", 120, 180, key="k-1"), now=NOW)
    again = booking("b-3", 240, 300, key="k-1")
    assert b.add(again, now=NOW) == again


def test_holds_confirmations_cancellations_and_lapses_are_per_tenant(club: Club) -> None:
    a, b, default = club.repo(A), club.repo(B), club.repo()
    hold = booking("h-1", 0, 60, status=BookingStatus.HELD, expires=-60)  # lapses at T0 - 1h
    a.add(hold, now=NOW)
    b.add(hold, now=NOW)
    # A confirms its hold; B's stays held, at version 1.
    confirmed = hold.confirm(now=NOW, confirmation_code="7K3MQ9TZ")
    a.save(confirmed, now=NOW)
    assert a.get("h-1").status is BookingStatus.CONFIRMED
    assert b.get("h-1") == hold
    with pytest.raises(StaleVersionError):  # A's version moved on, B's did not
        a.save(confirmed, now=NOW)
    # After the hold's lapse, B's slot is free again; A's confirmed one is not.
    later = T0 - 30 * MIN
    x = booking("x-1", 0, 60)
    assert b.add(x, now=later) == x
    with pytest.raises(SlotConflictError) as caught:
        a.add(x, now=later)
    assert _in_the_way(caught.value, "x-1") == ["h-1"]
    # B's lapsed hold, switched off on the way, still blocks at an earlier
    # `now` in B; A's booking is untouched.
    with pytest.raises(SlotConflictError) as caught:
        b.add(booking("x-2", 10, 20), now=NOW)
    assert _in_the_way(caught.value, "x-2") == ["h-1", "x-1"]
    assert a.get("h-1") == confirmed
    # A cancels: its room frees in A, and B's bookings stay as they were.
    a.save(a.get("h-1").cancel(now=NOW, policy=POLICY), now=NOW)
    assert a.add(x, now=later) == x
    assert b.get("h-1") == hold
    assert b.get("x-1") == x
    assert _ids(b.find(resource="room-1")) == ["h-1", "x-1"]
    # An expiry saved in one tenant is that tenant's alone.
    held_b = booking("h-2", 120, 180, status=BookingStatus.HELD, expires=-60)
    for repo in (a, b):
        repo.add(held_b, now=NOW)
    b.save(held_b.expire(now=later), now=later)
    assert b.get("h-2").status is BookingStatus.EXPIRED
    assert a.get("h-2") == held_b
    with pytest.raises(NotFoundError):  # and the default tenant has none of it
        default.save(confirmed, now=NOW)


def test_every_kind_of_write_in_one_tenant_leaves_the_others_rows_as_they_were(
    club: Club,
) -> None:
    seed = [
        booking("h-1", 0, 60, status=BookingStatus.HELD, expires=-60),  # lapses at T0 - 1h
        booking("c-1", 0, 60, resource="room-2", key="k-1"),
        booking("s-1", 0, 60, resource="studio", units=1, capacity=2),
    ]
    for tenant in (A, B):
        for made in seed:
            club.repo(tenant).add(made, now=NOW)
    a, b = club.repo(A), club.repo(B)
    before = club.rows(A)
    later = T0 - 30 * MIN  # A's hold and B's have lapsed

    x = booking("x-1", 0, 60)
    studio = {"resource": "studio", "units": 1, "capacity": 2}
    writes: list[Callable[[], object]] = [
        lambda: b.add(x, now=later),  # over B's lapsed hold (switched off on PostgreSQL)
        lambda: b.add(x, now=later),  # a duplicate: refused
        lambda: b.add(booking("x-2", 30, 90), now=later),  # a conflict: refused
        lambda: b.add(seed[1], now=later),  # the key's retry
        lambda: b.add(booking("s-2", 0, 60, **studio), now=NOW),  # type: ignore[arg-type]
        lambda: b.add(booking("s-3", 0, 60, **studio), now=NOW),  # type: ignore[arg-type]
        lambda: b.save(b.get("h-1").expire(now=later), now=later),
        lambda: b.save(b.get("c-1").cancel(now=NOW, policy=POLICY), now=NOW),
        lambda: b.save(seed[1].cancel(now=NOW, policy=POLICY), now=NOW),  # stale: refused
        lambda: b.save(
            b.get("x-1").reschedule(
                T0 + 120 * MIN,
                T0 + 180 * MIN,
                [Occupancy.between("room-1", T0 + 120 * MIN, T0 + 180 * MIN)],
                now=NOW,
            ),
            now=NOW,
        ),
        lambda: b.add(booking("c-2", 0, 60, resource="room-2", key="k-1"), now=NOW),
    ]
    refused = 0
    for write in writes:
        try:
            write()
        except (DuplicateError, SlotConflictError, StaleVersionError):
            refused += 1
        assert club.rows(A) == before
    assert refused == 4
    assert a.find() == sorted(seed, key=lambda x: (x.start, x.id))
    assert _ids(b.find()) == ["c-1", "c-2", "h-1", "s-1", "s-2", "x-1"]


def _salon() -> BookingRules:
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return BookingRules(
        resources=[
            Resource(id="room-1", kind=ResourceKind.ROOM),
            Resource(id="room-2", kind=ResourceKind.ROOM),
        ],
        pools=[Pool(id="rooms", members=("room-1", "room-2"))],
        services=[
            Service(
                id="facial",
                segments=timedelta(minutes=60),
                requirements=[Requirement(role="room", pool="rooms")],
            )
        ],
        calendar=BusinessCalendar("UTC", weekly=dict.fromkeys(every_day, "08:00-20:00")),
        policy=BookingPolicy(min_notice=timedelta(0)),
    )


def test_availability_and_alternatives_come_from_the_tenants_own_bookings(club: Club) -> None:
    rules = _salon()
    a, b = club.repo(A), club.repo(B)
    # A fills both rooms at 10:00; B books room-1 at 11:00 only.
    a.add(booking("f-1", 0, 60, resource="room-1"), now=NOW)
    a.add(booking("f-2", 0, 60, resource="room-2"), now=NOW)
    b.add(booking("f-1", 60, 120, resource="room-1"), now=NOW)
    wanted = BookingRequest(service="facial", start=T0)

    def schedule(repo: BookingRepository) -> Schedule:
        return Schedule(repo.find(start=T0 - timedelta(hours=4), end=T0 + timedelta(hours=10)))

    assert not rules.check(wanted, schedule(a), now=NOW).ok
    slots = find_alternatives(rules, wanted, schedule(a), now=NOW, limit=2)
    assert [slot.start for slot in slots] == [T0 - 60 * MIN, T0 + 60 * MIN]
    result = rules.check(wanted, schedule(b), now=NOW)  # both rooms free in B at 10:00
    assert result.ok
    assert result.resources == {"room": "room-1"}
    at_eleven = BookingRequest(service="facial", start=T0 + 60 * MIN)
    assert rules.check(at_eleven, schedule(b), now=NOW).resources == {"room": "room-2"}
    assert rules.check(at_eleven, schedule(club.repo()), now=NOW).ok
    booked = rules.book(result, booking_id="f-2", now=NOW)
    assert b.add(booked, now=NOW) == booked  # what availability said, B can book
    assert _ids(a.find()) == ["f-1", "f-2"]
    assert [x.start for x in a.find()] == [T0, T0]


# --- a property: two tenants' interleaved requests, each against its own oracle -------------

_OPS = st.lists(
    st.tuples(
        st.sampled_from([A, B]),
        st.sampled_from(["add", "add", "add", "cancel"]),
        st.integers(0, 5),  # booking id
        st.integers(0, 1),  # resource
        st.integers(0, 6),  # start, in quarters of an hour
        st.integers(1, 4),  # length, in quarters
        st.none() | st.integers(0, 2),  # idempotency key
    ),
    min_size=4,
    max_size=25,
)


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        value = call()
    except ClubRulesError as error:
        conflicts = getattr(error, "conflicts", ())
        return (type(error).__name__, sorted((c.first, c.second) for c in conflicts))
    return ("ok", value)


def _replay(club: Club, ops: list[tuple[str, str, int, int, int, int, int | None]]) -> None:
    oracles = {t: InMemoryBookingRepository() for t in (A, B)}
    for tenant, op, n, res, start, length, key in ops:
        repo, oracle = club.repo(tenant), oracles[tenant]
        booking_id = f"b-{n}"
        if op == "add":
            made = booking(
                booking_id,
                start * 15,
                (start + length) * 15,
                resource=f"room-{res}",
                key=None if key is None else f"k-{key}",
                customer=tenant,
            )
            expected = _outcome(lambda: oracle.add(made, now=NOW))  # noqa: B023 - called at once
            assert _outcome(lambda: repo.add(made, now=NOW)) == expected  # noqa: B023
        else:
            held = _outcome(lambda: oracle.get(booking_id))  # noqa: B023
            if held[0] != "ok" or not held[1].blocks_at(NOW):
                continue
            cancelled = held[1].cancel(now=NOW, policy=POLICY)
            expected = _outcome(lambda: oracle.save(cancelled, now=NOW))  # noqa: B023
            assert _outcome(lambda: repo.save(cancelled, now=NOW)) == expected  # noqa: B023
    for tenant, oracle in oracles.items():
        stored = club.repo(tenant).find()
        assert stored == oracle.find()
        assert not find_conflicts([x for x in stored if x.blocks_at(NOW)])
    assert club.repo().find() == []


@pytest.mark.parametrize("kind", BACKENDS)
def test_interleaved_requests_of_two_tenants_agree_with_an_oracle_per_tenant(
    request: pytest.FixtureRequest, tmp_path: Path, kind: str
) -> None:
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(ops=_OPS)
    def check(ops: list[tuple[str, str, int, int, int, int, int | None]]) -> None:
        clubs = _club(request, kind, tmp_path)
        try:
            _replay(next(clubs), ops)
        finally:
            clubs.close()

    check()


@pytest.mark.postgres
def test_an_open_write_of_one_tenant_holds_up_no_other_tenant(pg_url: str) -> None:
    """A's uncommitted booking locks A's room, A's busy time and A's key only.

    B's booking of the same id, room, time and key goes through while A's
    transaction is open: B's connections give up on any lock after a few
    seconds (`lock_timeout`), so a wait on A's locks would fail the add.
    """
    _empty(pg_url)
    impatient = f"{pg_url}&options=-c%20lock_timeout%3D5000"
    with PostgresDatabase(pg_url) as db_a, PostgresDatabase(impatient, pool_size=2) as db_b:
        a = PostgresBookingRepository(db_a.for_tenant(A))
        b = PostgresBookingRepository(db_b.for_tenant(B))
        both = booking("b-1", 0, 60, also="li", key="k-1")
        studio = booking("s-1", 0, 60, resource="studio", units=2, capacity=2)
        # A's rooms and key were booked before: their rows are there to be locked.
        earlier = [
            booking("e-1", 600, 660, also="li", key="k-1"),
            booking("e-2", 600, 660, resource="studio", units=1, capacity=2),
        ]
        for made in earlier:
            a.add(made, now=NOW)
        a.save(earlier[0].cancel(now=NOW, policy=POLICY), now=NOW)  # frees A's key
        with db_a.for_tenant(A).unit_of_work():
            assert a.add(both, now=NOW) == both
            assert a.add(studio, now=NOW) == studio
            # A's rows, row locks and key lock are held until the unit ends.
            assert b.add(both, now=NOW) == both
            assert b.add(studio, now=NOW) == studio
            b.save(both.cancel(now=NOW, policy=POLICY), now=NOW)
            again = booking("b-2", 0, 60, also="li", key="k-1")
            assert b.add(again, now=NOW) == again  # the key, freed by B's cancel, in B
        assert _ids(a.find()) == ["b-1", "s-1", "e-1", "e-2"]


# --- PostgreSQL under row-level security ----------------------------------------------------


@pytest.fixture(scope="module")
def app_url(pg_url: str) -> str:
    """`pg_url` as a login role without superuser rights, so row-level security applies."""
    role = f"booking_app_{next(_names)}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS")
        admin.execute(f"GRANT USAGE ON SCHEMA clubrules TO {role}")
        admin.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA clubrules TO {role}"
        )
    user = pg_url.split("://", 1)[1].split("@", 1)[0]
    return pg_url.replace(f"://{user}@", f"://{role}@", 1)


def _rls_story(a: BookingRepository, b: BookingRepository, default: BookingRepository) -> None:
    mine, theirs = booking("b-1", 0, 60, key="k-1"), booking("b-1", 0, 60, key="k-1", customer="x")
    assert a.add(mine, now=NOW) == mine
    assert b.add(theirs, now=NOW) == theirs
    assert a.add(mine, now=NOW) == mine  # the key's retry
    with pytest.raises(SlotConflictError):
        b.add(booking("b-2", 30, 90), now=NOW)
    b.save(theirs.cancel(now=NOW, policy=POLICY), now=NOW)
    assert a.get("b-1") == mine
    assert b.get("b-1").status is BookingStatus.CANCELLED
    assert a.find(resource="room-1") == [mine]
    assert default.find() == []


@pytest.mark.postgres
def test_an_application_role_under_row_level_security_books_per_tenant(
    pg_url: str, app_url: str
) -> None:
    _empty(pg_url)
    with PostgresDatabase(app_url) as db:
        _rls_story(
            PostgresBookingRepository(db.for_tenant(A)),
            PostgresBookingRepository(db.for_tenant(B)),
            PostgresBookingRepository(db),
        )
    with psycopg.connect(pg_url) as admin:  # as stored, seen past the policies
        rows = admin.execute("SELECT tenant, id FROM clubrules.bookings ORDER BY 1").fetchall()
    assert rows == [(A, "b-1"), (B, "b-1")]


@pytest.mark.postgres
def test_an_async_application_role_under_row_level_security_books_per_tenant(
    pg_url: str, app_url: str, loop: LoopThread
) -> None:
    _empty(pg_url)
    db = loop.run(AsyncPostgresDatabase.open(app_url, pool_size=2))
    try:
        _rls_story(
            *(loop.blocking(AsyncPostgresBookingRepository(_tenant(db, t))) for t in (A, B, None))
        )
    finally:
        loop.run(db.close())
