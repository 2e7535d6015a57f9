"""The PostgreSQL activity adapter passes the activities contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.postgres import PostgresClubActivityRepository, PostgresDatabase
from clubrules.testing.contracts import ClubActivityRepositoryContract

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return ("activity_sign_ups", "activity_invitations", "activities")


class TestPostgresClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresClubActivityRepository:
        return PostgresClubActivityRepository(empty_postgres)
