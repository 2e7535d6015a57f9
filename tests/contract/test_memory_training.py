"""The in-memory training adapter passes the training contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.memory import InMemoryTrainingRepository
from clubrules.testing.contracts import TrainingRepositoryContract


class TestInMemoryTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryTrainingRepository:
        return InMemoryTrainingRepository()
