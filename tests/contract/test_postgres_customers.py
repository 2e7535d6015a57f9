"""The PostgreSQL customers adapters pass the customers contract suites."""

from __future__ import annotations

import pytest

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
