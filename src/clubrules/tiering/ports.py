"""The storage port of the tiering area: activity summaries per customer.

A repository either computes summaries from the consumption records it can
read (`SummarySource.COMPUTED`, like the in-memory reference
`clubrules.storage.memory.InMemoryActivityRepository`) or returns the
integrator's own aggregate, such as one SQL `GROUP BY` over the sales
table (`SummarySource.AGGREGATE`). Its `source` says which. Either way the
summaries must equal what
[summarize_activity][clubrules.tiering.summarize_activity] computes from
the same records: prove it with `ActivityRepositoryContract` in
`clubrules.testing.contracts`.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.tiering._activity import ActivitySummary

__all__ = ["ActivityRepository", "SummarySource"]


class SummarySource(enum.Enum):
    """Where a repository's activity summaries come from."""

    COMPUTED = "computed"
    """Summarised in Python from consumption records."""
    AGGREGATE = "aggregate"
    """Taken straight from the store's own aggregate query."""


class ActivityRepository(Protocol):
    """Activity summaries per customer over a window `[start, end)`.

    All three members are required. Reads only: each call returns a
    consistent snapshot. Naive datetimes raise `NaiveDatetimeError`, and
    `end` before `start` raises `InvalidIntervalError`. Visits are local
    calendar days in the repository's zone, as in `summarize_activity`.
    """

    @property
    def source(self) -> SummarySource:
        """Whether summaries are computed from records or read from an aggregate."""
        ...

    def summary(self, customer_id: str, *, start: datetime, end: datetime) -> ActivitySummary:
        """One customer's summary; an empty one for a customer without records."""
        ...

    def summaries(self, *, start: datetime, end: datetime) -> list[ActivitySummary]:
        """The summary of every customer with a record before `end`, ordered by id."""
        ...
