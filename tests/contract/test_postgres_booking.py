"""The PostgreSQL booking adapter passes the booking contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.postgres import PostgresBookingRepository, PostgresDatabase
from clubrules.testing.contracts import BookingRepositoryContract

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_pool_size() -> int:
    """A connection for each of the suite's sixteen racing threads."""
    return 16


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return ("booking_occupancy", "bookings", "booking_resources")


class TestPostgresBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresBookingRepository:
        return PostgresBookingRepository(empty_postgres)
