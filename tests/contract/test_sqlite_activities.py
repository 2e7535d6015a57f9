"""The SQLite activity adapter passes the activities contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.sqlite import SQLiteClubActivityRepository, SQLiteDatabase
from clubrules.testing.contracts import ClubActivityRepositoryContract


class TestSQLiteClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteClubActivityRepository:
        return SQLiteClubActivityRepository(sqlite_database)
