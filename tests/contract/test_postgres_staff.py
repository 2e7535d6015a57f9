"""The PostgreSQL staff adapter passes the staff contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.postgres import PostgresAssessmentRepository, PostgresDatabase
from clubrules.testing.contracts import AssessmentRepositoryContract

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return (
        "staff_rubrics",
        "staff_sheets",
        "staff_sheet_criteria",
        "staff_sheet_lines",
        "staff_warnings",
    )


class TestPostgresAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresAssessmentRepository:
        return PostgresAssessmentRepository(empty_postgres)
