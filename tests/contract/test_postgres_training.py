"""The PostgreSQL training adapter passes the training contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.postgres import PostgresDatabase, PostgresTrainingRepository
from clubrules.testing.contracts import TrainingRepositoryContract

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return ("training_attendance", "training_completions", "training_sessions")


class TestPostgresTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresTrainingRepository:
        return PostgresTrainingRepository(empty_postgres)
