"""The SQLite staff adapter passes the staff contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.sqlite import SQLiteAssessmentRepository, SQLiteDatabase
from clubrules.testing.contracts import AssessmentRepositoryContract


class TestSQLiteAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteAssessmentRepository:
        return SQLiteAssessmentRepository(sqlite_database)
