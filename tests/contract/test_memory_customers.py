"""The in-memory customers adapters pass the customers contract suites."""

from __future__ import annotations

import pytest

from clubrules.storage.memory import InMemoryConsumptionRepository, InMemoryCustomerRepository
from clubrules.testing.contracts import ConsumptionRepositoryContract, CustomerRepositoryContract


class TestInMemoryCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryCustomerRepository:
        return InMemoryCustomerRepository()


class TestInMemoryConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryConsumptionRepository:
        return InMemoryConsumptionRepository()
