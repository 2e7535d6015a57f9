"""The PostgreSQL booking adapter passes the booking contract suite."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import psycopg
import pytest

from clubrules.storage.postgres import PostgresBookingRepository, PostgresDatabase
from clubrules.testing.contracts import BookingRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres
_names = itertools.count()


@pytest.fixture(scope="class")
def database(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    """A fresh, migrated database for each test class, pooled so that races reach the server."""
    name = f"contract_booking_{next(_names)}"
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    with PostgresDatabase(postgres_cluster.url_for(name), pool_size=16) as db:
        db.migrate()
        yield db


@pytest.fixture
def empty(database: PostgresDatabase) -> PostgresDatabase:
    with database.connection() as conn:
        conn.execute(
            "TRUNCATE clubrules.booking_occupancy, clubrules.bookings, clubrules.booking_resources"
        )
    return database


class TestPostgresBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, empty: PostgresDatabase) -> PostgresBookingRepository:
        return PostgresBookingRepository(empty)
