"""Every booking adapter checks `find`'s bounds alike: one checked front.

Memory, SQLite, PostgreSQL and async PostgreSQL take the same bounds check
(start first, then end), so a caller sees the same error, naming the same
field, whichever adapter it runs on; and the same bookings for good bounds.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.errors import ValidationError
from clubrules.storage.memory import InMemoryBookingRepository
from clubrules.storage.postgres import (
    AsyncPostgresBookingRepository,
    AsyncPostgresDatabase,
    PostgresBookingRepository,
    PostgresDatabase,
)
from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from clubrules.booking import Booking
    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 5, 4, 9, tzinfo=UTC)
NAIVE = datetime(2026, 5, 4, 9)  # noqa: DTZ001 - the bad input under test
# UTC before year 1: no adapter can compare it as an instant.
TOO_EARLY = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))

# (start, end) -> the (field, rule) of the first violation every adapter reports.
BAD_BOUNDS: dict[str, tuple[object, object, tuple[str, str]]] = {
    "both naive": (NAIVE, NAIVE, ("start", "naive_datetime")),
    "naive end": (T0, NAIVE, ("end", "naive_datetime")),
    "naive end, no start": (None, NAIVE, ("end", "naive_datetime")),
    "a date start, naive end": (date(2026, 5, 4), NAIVE, ("start", "not_a_datetime")),
    "out of range start": (TOO_EARLY, NAIVE, ("start", "out_of_range")),
}


@pytest.fixture(scope="module")
def url(postgres_cluster: PostgresCluster) -> str:
    booking_find_bounds_url = postgres_cluster.create_database("booking_find_bounds")
    database_url = booking_find_bounds_url
    with PostgresDatabase(database_url) as db:
        db.migrate()
    return database_url


@pytest.fixture
def finders(url: str) -> Iterator[dict[str, Callable[..., list[Booking]]]]:
    """Each adapter's `find`, on empty tables; the async one run in its own loop."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE clubrules.bookings, clubrules.booking_occupancy")

    def async_find(**bounds: Any) -> list[Booking]:
        async def main() -> list[Booking]:
            async with AsyncPostgresDatabase(url) as db:
                return await AsyncPostgresBookingRepository(db).find(**bounds)

        return asyncio.run(main())

    with SQLiteDatabase(":memory:") as lite, PostgresDatabase(url) as pg:
        lite.migrate()
        yield {
            "memory": InMemoryBookingRepository().find,
            "sqlite": SQLiteBookingRepository(lite).find,
            "postgres": PostgresBookingRepository(pg).find,
            "async postgres": async_find,
        }


def _refusal(find: Callable[..., list[Booking]], start: object, end: object) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        find(resource="room-1", start=start, end=end)
    return caught.value.violations[0].field, caught.value.violations[0].rule


@pytest.mark.parametrize("case", list(BAD_BOUNDS))
def test_every_adapter_refuses_bad_bounds_naming_the_same_field(
    case: str, finders: dict[str, Callable[..., list[Booking]]]
) -> None:
    start, end, expected = BAD_BOUNDS[case]
    seen = {name: _refusal(find, start, end) for name, find in finders.items()}
    assert seen == dict.fromkeys(finders, expected)


def test_good_bounds_find_the_same_bookings_everywhere(
    finders: dict[str, Callable[..., list[Booking]]],
) -> None:
    # On empty tables, and with a window whose end is before its start: no error, nothing found.
    windows = [
        {},
        {"start": T0},
        {"end": T0},
        {"start": T0, "end": T0 + timedelta(hours=1)},
        {"start": T0 + timedelta(hours=1), "end": T0},
    ]
    for window in windows:
        found = {name: find(**window) for name, find in finders.items()}
        assert found == {name: [] for name in finders}
