"""The SQLite customers adapters pass the customers contract suites."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.customers import Customer
from clubrules.errors import DuplicateError
from clubrules.storage.sql._codecs import encode_set
from clubrules.storage.sql._customers import _set_text
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


# Any text a tag may hold, quotes, backslashes, control and non-ASCII characters included.
_tag_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=8)


@given(st.frozensets(_tag_text, max_size=5) | st.frozensets(st.sampled_from(["vip", "王", "a b"])))
def test_a_tag_set_is_written_as_the_json_encoder_writes_it(tags: frozenset[str]) -> None:
    # The written-out path for plain tags against the obvious one (json.dumps of the sorted list).
    text = _set_text(tags)
    assert text == encode_set(tags)
    assert frozenset(json.loads(text)) == tags


@given(st.frozensets(_tag_text.map(str.strip).filter(bool), max_size=4))
def test_a_customer_added_reads_back_equal(tags: frozenset[str]) -> None:
    with SQLiteDatabase(":memory:") as db:
        db.migrate()
        repo = SQLiteCustomerRepository(db)
        customer = Customer(
            id="c-1", name="王芳", registered_at=datetime(2026, 3, 1, tzinfo=UTC), tags=tags
        )
        repo.add(customer)
        assert repo.get("c-1") == customer
        with pytest.raises(DuplicateError):
            repo.add(customer)
