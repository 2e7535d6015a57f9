"""The SQLite care adapters pass the care contract suites."""

from __future__ import annotations

import pytest

from clubrules.storage.sqlite import (
    SQLiteCareTaskRepository,
    SQLiteDatabase,
    SQLiteSurveyResponseRepository,
)
from clubrules.testing.contracts import (
    CareTaskRepositoryContract,
    SurveyResponseRepositoryContract,
)


class TestSQLiteCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteCareTaskRepository:
        return SQLiteCareTaskRepository(sqlite_database)


class TestSQLiteSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteSurveyResponseRepository:
        return SQLiteSurveyResponseRepository(sqlite_database)
