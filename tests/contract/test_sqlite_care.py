"""The SQLite care adapters pass the care contract suites."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


class TestSQLiteCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteCareTaskRepository:
        return SQLiteCareTaskRepository(database)


class TestSQLiteSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteSurveyResponseRepository:
        return SQLiteSurveyResponseRepository(database)
