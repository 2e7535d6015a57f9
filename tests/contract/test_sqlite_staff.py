"""The SQLite staff adapter passes the staff contract suite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from clubrules.storage.sqlite import SQLiteAssessmentRepository, SQLiteDatabase
from clubrules.testing.contracts import AssessmentRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


class TestSQLiteAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteAssessmentRepository:
        return SQLiteAssessmentRepository(database)
