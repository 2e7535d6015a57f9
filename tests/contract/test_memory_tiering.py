"""The in-memory activity repository passes the tiering contract suite."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from clubrules.storage.memory import InMemoryActivityRepository
from clubrules.testing.contracts import ActivityRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from clubrules.customers import ConsumptionRecord


class TestInMemoryActivity(ActivityRepositoryContract):
    @pytest.fixture
    def repository(self) -> Callable[[Sequence[ConsumptionRecord]], InMemoryActivityRepository]:
        def make(records: Sequence[ConsumptionRecord]) -> InMemoryActivityRepository:
            repo = InMemoryActivityRepository(zone=ZoneInfo("Asia/Shanghai"))
            for record in records:
                repo.add(record)
            return repo

        return make
