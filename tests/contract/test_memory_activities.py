"""The in-memory activity adapter passes the activities contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.memory import InMemoryClubActivityRepository
from clubrules.testing.contracts import ClubActivityRepositoryContract


class TestInMemoryClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryClubActivityRepository:
        return InMemoryClubActivityRepository()
