"""The SQLite activity repository (a SQL aggregate) passes the tiering contract suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from clubrules.customers import ConsumptionRecord
from clubrules.errors import InvalidMoneyError
from clubrules.money import Money
from clubrules.storage.sqlite import (
    SQLiteActivityRepository,
    SQLiteConsumptionRepository,
    SQLiteDatabase,
)
from clubrules.testing.contracts import ActivityRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo


class TestSQLiteActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, sqlite_database: SQLiteDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], SQLiteActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> SQLiteActivityRepository:
            with sqlite_database.connection() as conn:
                conn.execute("DELETE FROM clubrules_consumption_records")
            ledger = SQLiteConsumptionRepository(sqlite_database)
            for record in records:
                ledger.add(record)
            return SQLiteActivityRepository(sqlite_database, zone=zone)

        return make

    @pytest.fixture
    def repository(
        self,
        zoned_repository: Callable[[Sequence[ConsumptionRecord], tzinfo], SQLiteActivityRepository],
    ) -> Callable[[Sequence[ConsumptionRecord]], SQLiteActivityRepository]:
        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))


_BASE = datetime(2025, 10, 20, tzinfo=UTC)


def test_a_foreign_currency_is_refused_as_in_summarize_activity(
    sqlite_database: SQLiteDatabase,
) -> None:
    at = _BASE + timedelta(days=1)
    record = ConsumptionRecord(
        id="t-1", customer_id="c-1", at=at, service="facial", amount=Money("10", "USD")
    )
    SQLiteConsumptionRepository(sqlite_database).add(record)
    repo = SQLiteActivityRepository(sqlite_database, zone=UTC)
    with pytest.raises(InvalidMoneyError):
        repo.summaries(start=_BASE, end=_BASE + timedelta(days=7))
    # Outside the window, the record only counts as a visit, so its currency does not matter.
    later = repo.summary("c-1", start=at + timedelta(hours=1), end=at + timedelta(days=7))
    assert (later.visits, later.last_visit) == (0, at)
