"""The in-memory privacy adapters pass the privacy contract suites."""

from __future__ import annotations

import pytest

from clubrules.storage.memory import InMemoryAccessLog, InMemoryConsentStore, InMemoryDataKeyStore
from clubrules.testing.contracts import (
    AccessLogContract,
    ConsentStoreContract,
    DataKeyStoreContract,
)


class TestInMemoryAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self) -> InMemoryAccessLog:
        return InMemoryAccessLog()


class TestInMemoryConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self) -> InMemoryConsentStore:
        return InMemoryConsentStore()


class TestInMemoryDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self) -> InMemoryDataKeyStore:
        return InMemoryDataKeyStore()
