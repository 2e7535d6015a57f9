"""The SQLite activity repository (a SQL aggregate) passes the tiering contract suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.errors import InvalidMoneyError
from clubrules.money import Money
from clubrules.storage.sqlite import (
    SQLiteActivityRepository,
    SQLiteConsumptionRepository,
    SQLiteDatabase,
)
from clubrules.testing.contracts import ActivityRepositoryContract
from clubrules.tiering import summarize_activity

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


class TestSQLiteActivity(ActivityRepositoryContract):
    @pytest.fixture
    def repository(
        self, database: SQLiteDatabase
    ) -> Callable[[Sequence[ConsumptionRecord]], SQLiteActivityRepository]:
        def make(records: Sequence[ConsumptionRecord]) -> SQLiteActivityRepository:
            with database.connection() as conn:
                conn.execute("DELETE FROM consumption_records")
            ledger = SQLiteConsumptionRepository(database)
            for record in records:
                ledger.add(record)
            return SQLiteActivityRepository(database, zone=ZoneInfo("Asia/Shanghai"))

        return make


_ZONES = [
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Lord_Howe"),  # a 30-minute DST shift
    ZoneInfo("Asia/Shanghai"),
    UTC,
]
_BASE = datetime(2025, 10, 20, tzinfo=UTC)


@st.composite
def _ledgers(draw: st.DrawFn) -> list[ConsumptionRecord]:
    """Records over about 200 days across two DST changes, each given in some zone."""
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, 4),
                st.integers(0, 60 * 24 * 200),
                st.sampled_from(_ZONES),
                st.sampled_from(["0", "9.90", "288.00", "1000.01"]),
                st.sampled_from(ConsumptionKind),
            ),
            max_size=30,
        )
    )
    return [
        ConsumptionRecord(
            id=f"t-{i}",
            customer_id=f"c-{customer}",
            at=(_BASE + timedelta(minutes=minutes)).astimezone(zone),
            service="facial",
            amount=Money(amount),
            kind=kind,
        )
        for i, (customer, minutes, zone, amount, kind) in enumerate(rows)
    ]


@given(
    records=_ledgers(),
    zone=st.sampled_from(_ZONES),
    lo=st.integers(-1000, 60 * 24 * 200),
    span=st.integers(0, 60 * 24 * 150),
)
@settings(max_examples=40)
def test_dst_zones_agree_with_summarize_activity(
    records: list[ConsumptionRecord], zone: ZoneInfo, lo: int, span: int
) -> None:
    """Visits are local days also across DST changes, for records given in any zone."""
    start = _BASE + timedelta(minutes=lo)
    end = start + timedelta(minutes=span)
    with SQLiteDatabase(":memory:") as db:
        db.migrate()
        ledger = SQLiteConsumptionRepository(db)
        for record in records:
            ledger.add(record)
        repo = SQLiteActivityRepository(db, zone=zone)
        expected = summarize_activity(records, start=start, end=end, zone=zone)
        assert repo.summaries(start=start, end=end) == list(expected.values())


def test_a_foreign_currency_is_refused_as_in_summarize_activity(database: SQLiteDatabase) -> None:
    at = _BASE + timedelta(days=1)
    record = ConsumptionRecord(
        id="t-1", customer_id="c-1", at=at, service="facial", amount=Money("10", "USD")
    )
    SQLiteConsumptionRepository(database).add(record)
    repo = SQLiteActivityRepository(database, zone=UTC)
    with pytest.raises(InvalidMoneyError):
        repo.summaries(start=_BASE, end=_BASE + timedelta(days=7))
    # Outside the window, the record only counts as a visit, so its currency does not matter.
    later = repo.summary("c-1", start=at + timedelta(hours=1), end=at + timedelta(days=7))
    assert (later.visits, later.last_visit) == (0, at)
