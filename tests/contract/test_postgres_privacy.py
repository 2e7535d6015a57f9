"""The PostgreSQL privacy adapters pass the privacy contract suites; appends take every path."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import attrs
import pytest

from clubrules.errors import StorageError
from clubrules.privacy import AccessEvent, Purpose
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


def _event(at: datetime) -> AccessEvent:
    return AccessEvent(
        at=at,
        actor="st-7",
        role="beautician",
        purpose=Purpose.SERVICE_DELIVERY,
        customer_id="c-1",
        field="allergies",
        allowed=True,
        reason="allowed",
    )


def test_an_append_joins_the_unit_of_work_and_rolls_back_with_it(
    empty_postgres: PostgresDatabase,
) -> None:
    log = PostgresAccessLog(empty_postgres)
    at = datetime(2026, 3, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

    def append_then_fail() -> None:
        with empty_postgres.unit_of_work():
            log.append(_event(at))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        append_then_fail()
    assert log.for_customer("c-1") == []
    with empty_postgres.unit_of_work():
        log.append(_event(at))
    (back,) = log.for_customer("c-1")
    assert back == _event(at)
    assert back.at.tzinfo == ZoneInfo("Asia/Shanghai")


def test_an_append_through_a_pool_is_recorded(
    empty_postgres: PostgresDatabase, postgres_url: str
) -> None:
    event = attrs.evolve(_event(datetime(2026, 3, 1, 10, tzinfo=UTC)), customer_id="c-pool")
    with PostgresDatabase(postgres_url, pool_size=2) as db:
        PostgresAccessLog(db).append(event)
    assert PostgresAccessLog(empty_postgres).for_customer("c-pool") == [event]


def test_an_append_on_a_closed_database_is_refused(postgres_url: str) -> None:
    db = PostgresDatabase(postgres_url)
    log = PostgresAccessLog(db)
    db.close()
    with pytest.raises(StorageError, match="closed"):
        log.append(_event(datetime(2026, 3, 1, 10, tzinfo=UTC)))
