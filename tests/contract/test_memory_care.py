"""The in-memory care adapters pass the care contract suites."""

from __future__ import annotations

import pytest

from clubrules.storage.memory import InMemoryCareTaskRepository, InMemorySurveyResponseRepository
from clubrules.testing.contracts import (
    CareTaskRepositoryContract,
    SurveyResponseRepositoryContract,
)


class TestInMemoryCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryCareTaskRepository:
        return InMemoryCareTaskRepository()


class TestInMemorySurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemorySurveyResponseRepository:
        return InMemorySurveyResponseRepository()
