"""The SQLite privacy adapters pass the privacy contract suites."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


class TestSQLiteAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteAccessLog:
        return SQLiteAccessLog(database)


class TestSQLiteConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteConsentStore:
        return SQLiteConsentStore(database)


class TestSQLiteDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, database: SQLiteDatabase) -> SQLiteDataKeyStore:
        return SQLiteDataKeyStore(database)
