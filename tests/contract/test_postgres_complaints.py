"""The PostgreSQL complaints adapter passes the complaints contract suite."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs
import psycopg
import pytest

from clubrules.complaints import Assigned, Registered
from clubrules.errors import StaleVersionError, ValidationError
from clubrules.storage.postgres import PostgresComplaintRepository, PostgresDatabase
from clubrules.storage.sql._complaints import encode_event
from clubrules.testing.contracts import ComplaintRepositoryContract
from tests.contract._complaint_logs import T0, registered

if TYPE_CHECKING:
    from clubrules.complaints import CaseEvent

pytestmark = pytest.mark.postgres


def _registered() -> list[CaseEvent]:
    return [registered("k-1")]


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return ("complaint_events", "complaint_cases")


class TestPostgresComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresComplaintRepository:
        return PostgresComplaintRepository(empty_postgres)


class TestPostgresComplaintPrimaryKey:
    def test_a_racing_append_that_passed_the_check_fails_on_the_key(
        self, empty_postgres: PostgresDatabase, postgres_url: str
    ) -> None:
        """The version read said 1, but another writer's event 2 commits first: stale, 1 vs 2."""
        repo = PostgresComplaintRepository(empty_postgres)
        repo.append("k-1", 0, _registered())
        other = Assigned(at=T0 + timedelta(minutes=1), by="lead", to="s-2")
        outcome: list[object] = []
        with psycopg.connect(postgres_url) as rival:  # holds its uncommitted event 2
            rival.execute(
                "INSERT INTO clubrules.complaint_events"
                " (tenant, case_id, version, type, at, at_tz, document)"
                " VALUES ('default', 'k-1', 2, 'Assigned', %s, NULL, %s::jsonb)",
                (other.at, encode_event(other)),
            )

            def append() -> None:
                try:
                    outcome.append(repo.append("k-1", 1, [other]))
                except StaleVersionError as error:
                    outcome.append(error)

            writer = threading.Thread(target=append)
            writer.start()
            writer.join(timeout=0.5)
            assert writer.is_alive()  # waiting on the rival's key
            rival.commit()
            writer.join()
        (error,) = outcome
        assert isinstance(error, StaleVersionError)
        assert (error.stream, error.expected, error.actual) == ("k-1", 1, 2)
        assert repo.events("k-1")[1:] == [other]


class TestPostgresComplaintText:
    @pytest.mark.parametrize(
        ("text", "rule"), [("138\x00 0013 8000", "nul_character"), ("138\ud800", "lone_surrogate")]
    )
    @pytest.mark.parametrize("field", ["contact", "content"])
    def test_text_postgres_cannot_hold_is_a_typed_error_naming_the_field(
        self, empty_postgres: PostgresDatabase, field: str, text: str, rule: str
    ) -> None:
        repo = PostgresComplaintRepository(empty_postgres)
        [base] = _registered()
        assert isinstance(base, Registered)
        # Refused when the event is built, as on every adapter: it never reaches PostgreSQL.
        changes: dict[str, Any] = {field: text}
        with pytest.raises(ValidationError) as caught:
            attrs.evolve(base, **changes)
        assert (caught.value.field, caught.value.rule) == (field, rule)
        assert "138" not in str(caught.value)
        assert repo.version("k-1") == 0
        assert repo.case_ids() == []
