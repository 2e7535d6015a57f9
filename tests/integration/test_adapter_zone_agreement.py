"""A datetime in any library's zone comes back from every adapter at its instant and wall time.

The in-memory adapter hands back the very datetime it was given; the SQLite
and PostgreSQL adapters store the instant and the zone. A start in
pendulum's fixed offset, pydantic's parsed offset (what FastAPI gives an
app), pytz or dateutil once came back from SQL as UTC: the same instant,
another wall time. Each is stored here in a customer, a booking and a
complaint event, through memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

import pendulum
import pytest
import pytz
from pendulum.tz import fixed_timezone
from pydantic import TypeAdapter

from clubrules._time import to_epoch_us
from clubrules.booking import Booking, Occupancy
from clubrules.complaints import CaseKind, Registered
from clubrules.customers import Customer
from clubrules.privacy import AccessEvent, Purpose
from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryBookingRepository,
    InMemoryComplaintRepository,
    InMemoryCustomerRepository,
)
from clubrules.storage.postgres import (
    PostgresAccessLog,
    PostgresBookingRepository,
    PostgresComplaintRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
)
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteBookingRepository,
    SQLiteComplaintRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres


def _pydantic_zone() -> tzinfo:
    zone = TypeAdapter(datetime).validate_python("2026-03-02T10:00:00+08:00").tzinfo
    assert zone is not None
    return zone


def _zones() -> list[tuple[str, tzinfo]]:
    zones: list[tuple[str, tzinfo]] = [
        ("pendulum fixed", fixed_timezone(8 * 3600)),
        ("pendulum named", pendulum.timezone("Europe/Paris")),
        ("pydantic", _pydantic_zone()),
        ("pytz named", pytz.timezone("America/New_York")),
        ("pytz fixed", pytz.FixedOffset(-210)),
        ("stdlib offset", timezone(timedelta(hours=5, minutes=45))),
    ]
    try:
        from dateutil import tz  # noqa: PLC0415 - brought by pandas, in the bench group
    except ImportError:  # pragma: no cover
        return zones
    zone = tz.gettz("Australia/Lord_Howe")
    assert zone is not None
    return [*zones, ("dateutil", zone)]


ZONES = _zones()
# A fall-back hour in Paris and New York, and an ordinary instant.
INSTANTS = (
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
    datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
)


def _in(zone: tzinfo, instant: datetime) -> datetime:
    value = instant.astimezone(zone)
    if hasattr(zone, "normalize"):  # pytz: let it pick the offset in force
        value = zone.normalize(value)
    return value


def _assert_same(stored: datetime, back: datetime) -> None:
    assert to_epoch_us(back) == to_epoch_us(stored)
    assert back.utcoffset() == stored.utcoffset()
    assert back.replace(tzinfo=None) == stored.replace(tzinfo=None)


@pytest.fixture(scope="module")
def postgres(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(postgres_cluster.create_database("zones")) as db:
        db.migrate()
        yield db


@pytest.fixture(scope="module")
def sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteDatabase]:
    path: Path = tmp_path_factory.mktemp("zones") / "club.db"
    with SQLiteDatabase(path) as db:
        db.migrate()
        yield db


def _stores(sqlite: SQLiteDatabase, postgres: PostgresDatabase) -> list[tuple[Any, Any, Any]]:
    return [
        (
            InMemoryCustomerRepository(),
            InMemoryBookingRepository(),
            InMemoryComplaintRepository(),
        ),
        (
            SQLiteCustomerRepository(sqlite),
            SQLiteBookingRepository(sqlite),
            SQLiteComplaintRepository(sqlite),
        ),
        (
            PostgresCustomerRepository(postgres),
            PostgresBookingRepository(postgres),
            PostgresComplaintRepository(postgres),
        ),
    ]


@pytest.mark.parametrize(("label", "zone"), ZONES, ids=[label for label, _ in ZONES])
def test_every_adapter_gives_back_instant_and_wall_time(
    label: str, zone: tzinfo, sqlite: SQLiteDatabase, postgres: PostgresDatabase
) -> None:
    for n, instant in enumerate(INSTANTS):
        at = _in(zone, instant)
        key = f"{label.replace(' ', '-')}-{n}"
        end = _in(zone, instant + timedelta(hours=1))
        for stores in _stores(sqlite, postgres):
            _store_and_read_back(stores, key, at, end)


def _store_and_read_back(
    stores: tuple[Any, Any, Any], key: str, at: datetime, end: datetime
) -> None:
    """A customer registered at `at`, a booking from `at` to `end` and a complaint at `at`,
    each read back at its instant and wall time."""
    customers, bookings, complaints = stores
    customers.add(Customer(id=key, name="Li Na", registered_at=at))
    _assert_same(at, customers.get(key).registered_at)

    booking = Booking(
        id=key,
        service="facial",
        start=at,
        end=end,
        occupancy=[Occupancy.between(f"room-{key}", at, end)],
    )
    bookings.add(booking, now=at)
    back = bookings.get(key)
    _assert_same(at, back.start)
    _assert_same(end, back.end)

    registered = Registered(
        case_id=key,
        at=at,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id=key,
        contact="wechat-id",
        content="the facial started late",
        policy_id="standard",
        policy_version=1,
    )
    complaints.append(key, 0, [registered])
    _assert_same(at, complaints.events(key)[0].at)


# Far from the year 2000, a datetime subclass that overrides subtraction
# (pendulum's `DateTime`) once reached PostgreSQL a microsecond off: psycopg
# adapts a datetime by subtracting an epoch from it.
FAR = (
    datetime(9000, 6, 15, 12, 0, 0, 1, tzinfo=UTC),
    datetime(9999, 12, 30, 0, 0, 0, 999_999, tzinfo=UTC),
    datetime(1000, 6, 15, 12, 0, 0, 123_457, tzinfo=UTC),
    datetime(1, 1, 3, 0, 0, 0, 1, tzinfo=UTC),
)


@pytest.mark.parametrize("instant", FAR, ids=[f"year-{i.year}" for i in FAR])
def test_a_pendulum_datetime_far_from_2000_is_stored_and_found_at_its_instant(
    instant: datetime, sqlite: SQLiteDatabase, postgres: PostgresDatabase
) -> None:
    at = pendulum.instance(instant).in_timezone("Asia/Shanghai")
    end = pendulum.instance(instant + timedelta(hours=1)).in_timezone("Asia/Shanghai")
    one_us = timedelta(microseconds=1)
    key = f"far-{instant.year}"
    for stores in _stores(sqlite, postgres):
        _store_and_read_back(stores, key, at, end)
        bookings = stores[1]
        # Windows whose bounds are a microsecond either side of the booking.
        assert [b.id for b in bookings.find(start=at, end=at + one_us)] == [key]
        assert [b.id for b in bookings.find(start=end, end=end + one_us)] == []
        assert [b.id for b in bookings.find(start=end - one_us, end=end)] == [key]


@pytest.mark.parametrize("instant", FAR, ids=[f"year-{i.year}" for i in FAR])
def test_access_log_bounds_far_from_2000_keep_their_microsecond(
    instant: datetime, sqlite: SQLiteDatabase, postgres: PostgresDatabase
) -> None:
    one_us = timedelta(microseconds=1)
    # The bounds as pendulum gives them, in a zone of its own.
    after = pendulum.instance(instant + one_us).in_timezone("America/New_York")
    at_instant = pendulum.instance(instant).in_timezone("America/New_York")
    with sqlite.connection() as conn:
        conn.execute("DELETE FROM clubrules_access_events")
    with postgres.connection() as conn:
        conn.execute("TRUNCATE clubrules.access_events")
    for log in (InMemoryAccessLog(), SQLiteAccessLog(sqlite), PostgresAccessLog(postgres)):
        log.append(
            AccessEvent(
                at=instant,
                actor="st-1",
                role="beautician",
                purpose=Purpose.SERVICE_DELIVERY,
                customer_id="c-far",
                field="allergies",
                allowed=True,
                reason="allowed",
            )
        )
        assert len(log.for_customer("c-far", until=after)) == 1, type(log).__name__
        assert log.for_customer("c-far", until=at_instant) == [], type(log).__name__
        assert len(log.by_actor("st-1", since=at_instant, until=after)) == 1
        assert log.purge_before(at_instant) == 0, type(log).__name__
        assert log.purge_before(after) == 1, type(log).__name__
