"""The SQLite training adapter passes the training contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.sqlite import SQLiteDatabase, SQLiteTrainingRepository
from clubrules.testing.contracts import TrainingRepositoryContract


class TestSQLiteTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteTrainingRepository:
        return SQLiteTrainingRepository(sqlite_database)
