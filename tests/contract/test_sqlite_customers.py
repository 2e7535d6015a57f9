"""The SQLite customers adapters pass the customers contract suites."""

from __future__ import annotations

import pytest

from clubrules.storage.sqlite import (
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
)
from clubrules.testing.contracts import ConsumptionRepositoryContract, CustomerRepositoryContract


class TestSQLiteCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteCustomerRepository:
        return SQLiteCustomerRepository(sqlite_database)


class TestSQLiteConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteConsumptionRepository:
        return SQLiteConsumptionRepository(sqlite_database)
