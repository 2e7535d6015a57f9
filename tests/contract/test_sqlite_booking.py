"""The SQLite booking adapter passes the booking contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase
from clubrules.testing.contracts import BookingRepositoryContract


class TestSQLiteBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteBookingRepository:
        return SQLiteBookingRepository(sqlite_database)
