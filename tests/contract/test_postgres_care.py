"""The PostgreSQL care adapters pass the care contract suites."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import psycopg
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

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres
_names = itertools.count()


@pytest.fixture(scope="class")
def database(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    """A fresh, migrated database for each test class, pooled so that races reach the server."""
    name = f"contract_care_{next(_names)}"
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    with PostgresDatabase(postgres_cluster.url_for(name), pool_size=8) as db:
        db.migrate()
        yield db


@pytest.fixture
def empty(database: PostgresDatabase) -> PostgresDatabase:
    with database.connection() as conn:
        conn.execute("TRUNCATE clubrules.care_tasks, clubrules.survey_responses")
    return database


class TestPostgresCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, empty: PostgresDatabase) -> PostgresCareTaskRepository:
        return PostgresCareTaskRepository(empty)


class TestPostgresSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, empty: PostgresDatabase) -> PostgresSurveyResponseRepository:
        return PostgresSurveyResponseRepository(empty)
