"""The SQLite privacy adapters pass the privacy contract suites."""

from __future__ import annotations

import pytest

from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteConsentStore,
    SQLiteDatabase,
    SQLiteDataKeyStore,
)
from clubrules.testing.contracts import (
    AccessLogContract,
    ConsentStoreContract,
    DataKeyStoreContract,
)


class TestSQLiteAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteAccessLog:
        return SQLiteAccessLog(sqlite_database)


class TestSQLiteConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteConsentStore:
        return SQLiteConsentStore(sqlite_database)


class TestSQLiteDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteDataKeyStore:
        return SQLiteDataKeyStore(sqlite_database)
