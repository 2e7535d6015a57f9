"""The PostgreSQL activity repository (a SQL aggregate) passes the tiering contract suite."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from clubrules.storage.postgres import (
    PostgresActivityRepository,
    PostgresConsumptionRepository,
    PostgresDatabase,
)
from clubrules.testing.contracts import ActivityRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo

    from clubrules.customers import ConsumptionRecord

pytestmark = pytest.mark.postgres


class TestPostgresActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, postgres_database: PostgresDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], PostgresActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> PostgresActivityRepository:
            with postgres_database.connection() as conn:
                conn.execute("TRUNCATE clubrules.consumption_records")
            ledger = PostgresConsumptionRepository(postgres_database)
            for record in records:
                ledger.add(record)
            return PostgresActivityRepository(postgres_database, zone=zone)

        return make

    @pytest.fixture
    def repository(
        self,
        zoned_repository: Callable[
            [Sequence[ConsumptionRecord], tzinfo], PostgresActivityRepository
        ],
    ) -> Callable[[Sequence[ConsumptionRecord]], PostgresActivityRepository]:
        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
