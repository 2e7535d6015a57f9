"""The PostgreSQL activity repository (a SQL aggregate) passes the tiering contract suite."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import psycopg
import pytest

from clubrules.storage.postgres import (
    PostgresActivityRepository,
    PostgresConsumptionRepository,
    PostgresDatabase,
)
from clubrules.testing.contracts import ActivityRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from datetime import tzinfo

    from clubrules.customers import ConsumptionRecord
    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres
_names = itertools.count()


@pytest.fixture(scope="class")
def database(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    """A fresh, migrated database for each test class."""
    name = f"contract_tiering_{next(_names)}"
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    with PostgresDatabase(postgres_cluster.url_for(name)) as db:
        db.migrate()
        yield db


class TestPostgresActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, database: PostgresDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], PostgresActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> PostgresActivityRepository:
            with database.connection() as conn:
                conn.execute("TRUNCATE clubrules.consumption_records")
            ledger = PostgresConsumptionRepository(database)
            for record in records:
                ledger.add(record)
            return PostgresActivityRepository(database, zone=zone)

        return make

    @pytest.fixture
    def repository(
        self,
        zoned_repository: Callable[
            [Sequence[ConsumptionRecord], tzinfo], PostgresActivityRepository
        ],
    ) -> Callable[[Sequence[ConsumptionRecord]], PostgresActivityRepository]:
        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
