"""The PostgreSQL care adapters pass the care contract suites."""

from __future__ import annotations

import pytest

from clubrules.storage.postgres import (
    PostgresCareTaskRepository,
    PostgresDatabase,
    PostgresSurveyResponseRepository,
)
from clubrules.testing.contracts import (
    CareTaskRepositoryContract,
    SurveyResponseRepositoryContract,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return ("care_tasks", "survey_responses")


class TestPostgresCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresCareTaskRepository:
        return PostgresCareTaskRepository(empty_postgres)


class TestPostgresSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresSurveyResponseRepository:
        return PostgresSurveyResponseRepository(empty_postgres)
