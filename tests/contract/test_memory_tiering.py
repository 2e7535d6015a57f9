"""The in-memory activity repository passes the tiering contract suite."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from clubrules.storage.memory import InMemoryActivityRepository
from clubrules.testing.contracts import ActivityRepositoryContract

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo

    from clubrules.customers import ConsumptionRecord


class TestInMemoryActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self,
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], InMemoryActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> InMemoryActivityRepository:
            repo = InMemoryActivityRepository(zone=zone)
            for record in records:
                repo.add(record)
            return repo

        return make

    @pytest.fixture
    def repository(
        self,
        zoned_repository: Callable[
            [Sequence[ConsumptionRecord], tzinfo], InMemoryActivityRepository
        ],
    ) -> Callable[[Sequence[ConsumptionRecord]], InMemoryActivityRepository]:
        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
