"""The SQLite booking adapter passes the booking contract suite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase
from clubrules.testing.contracts import BookingRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


class TestSQLiteBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteBookingRepository:
        return SQLiteBookingRepository(database)
