"""The PostgreSQL activity repository (a SQL aggregate) passes the tiering contract suite."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.money import Money
from clubrules.storage.postgres import (
    PostgresActivityRepository,
    PostgresConsumptionRepository,
    PostgresDatabase,
)
from clubrules.testing.contracts import ActivityRepositoryContract
from clubrules.tiering import ActivitySummary, summarize_activity

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

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
    def repository(
        self, database: PostgresDatabase
    ) -> Callable[[Sequence[ConsumptionRecord]], PostgresActivityRepository]:
        def make(records: Sequence[ConsumptionRecord]) -> PostgresActivityRepository:
            with database.connection() as conn:
                conn.execute("TRUNCATE clubrules.consumption_records")
            ledger = PostgresConsumptionRepository(database)
            for record in records:
                ledger.add(record)
            return PostgresActivityRepository(database, zone=ZoneInfo("Asia/Shanghai"))

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
@settings(max_examples=30)
def test_dst_zones_agree_with_summarize_activity(
    database: PostgresDatabase,
    records: list[ConsumptionRecord],
    zone: ZoneInfo,
    lo: int,
    span: int,
) -> None:
    """Visits are local days also across DST changes, for records given in any zone."""
    start = _BASE + timedelta(minutes=lo)
    end = start + timedelta(minutes=span)
    with database.connection() as conn:
        conn.execute("TRUNCATE clubrules.consumption_records")
    ledger = PostgresConsumptionRepository(database)
    for record in records:
        ledger.add(record)
    repo = PostgresActivityRepository(database, zone=zone)
    expected = summarize_activity(records, start=start, end=end, zone=zone)
    assert repo.summaries(start=start, end=end) == list(expected.values())
    assert repo.summary("c-0", start=start, end=end) == expected.get(
        "c-0", ActivitySummary(customer_id="c-0", start=start, end=end)
    )
