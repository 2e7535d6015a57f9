"""The in-memory complaints adapter passes the complaints contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.memory import InMemoryComplaintRepository
from clubrules.testing.contracts import ComplaintRepositoryContract


class TestInMemoryComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryComplaintRepository:
        return InMemoryComplaintRepository()
