"""The PostgreSQL privacy adapters pass the privacy contract suites."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import psycopg
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

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres
_names = itertools.count()


@pytest.fixture(scope="class")
def database(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    """A fresh, migrated database for each test class (one shared connection)."""
    name = f"contract_privacy_{next(_names)}"
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    with PostgresDatabase(postgres_cluster.url_for(name)) as db:
        db.migrate()
        yield db


@pytest.fixture
def empty(database: PostgresDatabase) -> PostgresDatabase:
    with database.connection() as conn:
        conn.execute("TRUNCATE clubrules.data_keys, clubrules.consents, clubrules.access_events")
    return database


class TestPostgresAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, empty: PostgresDatabase) -> PostgresAccessLog:
        return PostgresAccessLog(empty)


class TestPostgresConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, empty: PostgresDatabase) -> PostgresConsentStore:
        return PostgresConsentStore(empty)


class TestPostgresDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, empty: PostgresDatabase) -> PostgresDataKeyStore:
        return PostgresDataKeyStore(empty)
