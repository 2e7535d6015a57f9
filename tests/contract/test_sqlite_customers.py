"""The SQLite customers adapters pass the customers contract suites."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from clubrules.storage.sqlite import (
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
)
from clubrules.testing.contracts import ConsumptionRepositoryContract, CustomerRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


class TestSQLiteCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteCustomerRepository:
        return SQLiteCustomerRepository(database)


class TestSQLiteConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteConsumptionRepository:
        return SQLiteConsumptionRepository(database)
