"""The PostgreSQL privacy adapters pass the privacy contract suites."""

from __future__ import annotations

import pytest

from clubrules.storage.postgres import (
    PostgresAccessLog,
    PostgresConsentStore,
    PostgresDatabase,
    PostgresDataKeyStore,
)
from clubrules.testing.contracts import (
    AccessLogContract,
    ConsentStoreContract,
    DataKeyStoreContract,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return ("data_keys", "consents", "access_events")


class TestPostgresAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresAccessLog:
        return PostgresAccessLog(empty_postgres)


class TestPostgresConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresConsentStore:
        return PostgresConsentStore(empty_postgres)


class TestPostgresDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresDataKeyStore:
        return PostgresDataKeyStore(empty_postgres)
