"""The PostgreSQL customers adapters pass the customers contract suites."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.customers import ConsumptionRecord
from clubrules.money import Money
from clubrules.storage.postgres import (
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
)
from clubrules.testing.contracts import ConsumptionRepositoryContract, CustomerRepositoryContract

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return ("customers", "consumption_records", "service_records")


class TestPostgresCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresCustomerRepository:
        return PostgresCustomerRepository(empty_postgres)


class TestPostgresConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresConsumptionRepository:
        return PostgresConsumptionRepository(empty_postgres)


# Instants over the whole calendar, before 2000 (a negative binary timestamptz) included,
# in named zones, fixed offsets and UTC.
_ZONES = (
    UTC,
    ZoneInfo("Asia/Shanghai"),
    ZoneInfo("America/New_York"),
    timezone(timedelta(hours=-3, seconds=-17)),
)
_instants = st.datetimes(
    min_value=datetime(2, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(9998, 12, 31),  # noqa: DTZ001 - as above
    timezones=st.sampled_from(_ZONES),
    allow_imaginary=False,
)
_customer_ids = itertools.count()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_instants, min_size=1, max_size=6), st.booleans())
def test_a_customer_window_reads_every_instant_back(
    empty_postgres: PostgresDatabase, instants: list[datetime], in_unit: bool
) -> None:
    # A customer's window reads its instants in their binary form; the all-customers
    # read (exact numeric epoch) and the values written are the oracles.
    repository = PostgresConsumptionRepository(empty_postgres)
    customer_id = f"c-{next(_customer_ids)}"
    written = [
        ConsumptionRecord(
            id=f"{customer_id}-t-{i}",
            customer_id=customer_id,
            at=at,
            service="facial",
            amount=Money("288.00"),
        )
        for i, at in enumerate(instants)
    ]
    for record in written:
        repository.add(record)
    expected = sorted(written, key=lambda r: (to_epoch_us(r.at), r.id))
    if in_unit:  # through psycopg's own cursor, not the one-round-trip path
        with empty_postgres.unit_of_work():
            got = repository.records(customer_id)
    else:
        got = repository.records(customer_id)
    everyone = [r for r in repository.records() if r.customer_id == customer_id]
    assert got == everyone == expected
    # Each in its zone, at its wall time (the offset shows which of a repeated hour).
    assert [(r.at.isoformat(), r.at.tzinfo) for r in got] == [
        (r.at.isoformat(), r.at.tzinfo) for r in expected
    ]
    start, end = min(instants), max(instants)
    assert repository.records(customer_id, start=start, end=end) == [
        r for r in expected if start <= r.at < end
    ]
