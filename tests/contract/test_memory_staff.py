"""The in-memory staff adapter passes the staff contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.memory import InMemoryAssessmentRepository
from clubrules.testing.contracts import AssessmentRepositoryContract


class TestInMemoryAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryAssessmentRepository:
        return InMemoryAssessmentRepository()
