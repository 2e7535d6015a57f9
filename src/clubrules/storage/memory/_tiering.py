"""In-memory adapter of the tiering port: activity summaries computed from records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clubrules._checks import require_str

# A run-time import (noqa: TC001): typing.get_type_hints() resolves the methods.
from clubrules.customers import ConsumptionRecord  # noqa: TC001
from clubrules.errors import StorageError
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._customers import InMemoryConsumptionRepository
from clubrules.storage.memory._store import TenantSiblings
from clubrules.tiering import summarize_activity
from clubrules.tiering.ports import SummarySource

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

    from clubrules.customers.ports import ConsumptionRepository
    from clubrules.tiering import ActivitySummary

__all__ = ["InMemoryActivityRepository"]


@keys_checked("ActivityRepository")
class InMemoryActivityRepository(TenantSiblings):
    """Activity summaries computed on demand from a consumption repository.

    Its tenant is its consumption repository's (`"default"` for a fresh
    one); `for_tenant(tenant)` gives a sibling over
    `consumption.for_tenant(tenant)`.

    Args:
        zone: The club's zone: visits are local calendar days there.
        consumption: Where the records live; a fresh in-memory repository
            by default (fill it with `add`).
        currency: The currency of spend.
    """

    def __init__(
        self,
        *,
        zone: tzinfo,
        consumption: ConsumptionRepository | None = None,
        currency: str = "CNY",
    ) -> None:
        self._zone = zone
        self._records = consumption if consumption is not None else InMemoryConsumptionRepository()
        self._currency = currency
        tenant = getattr(consumption, "tenant", None)
        if isinstance(tenant, str):
            self._adopt_tenant(tenant)

    def _sibling_settings(
        self, tenant: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The same settings, over the consumption repository's sibling of `tenant`."""
        consumption = kwargs.get("consumption")
        if consumption is None:
            return args, kwargs
        for_tenant = getattr(consumption, "for_tenant", None)
        if not callable(for_tenant):
            raise StorageError(
                f"the consumption repository ({type(consumption).__name__}) has no"
                " for_tenant(): build the activity repository on the tenant's own repository"
            )
        return args, {**kwargs, "consumption": for_tenant(tenant)}

    @property
    def source(self) -> SummarySource:
        """Always `SummarySource.COMPUTED`: summaries are computed from the records."""
        return SummarySource.COMPUTED

    def add(self, record: ConsumptionRecord) -> bool:
        """Store a consumption record in the underlying repository (idempotent by id)."""
        return self._records.add(record)

    def summary(self, customer_id: str, *, start: datetime, end: datetime) -> ActivitySummary:
        """One customer's summary over `[start, end)`."""
        require_str(customer_id, "customer_id")
        records = self._records.records(customer_id, end=end)
        return summarize_activity(
            records,
            start=start,
            end=end,
            zone=self._zone,
            customer_ids=[customer_id],
            currency=self._currency,
        )[customer_id]

    def summaries(self, *, start: datetime, end: datetime) -> list[ActivitySummary]:
        """Every customer's summary over `[start, end)`, ordered by id."""
        records = self._records.records(end=end)
        found = summarize_activity(
            records, start=start, end=end, zone=self._zone, currency=self._currency
        )
        return list(found.values())

    def __repr__(self) -> str:
        return f"InMemoryActivityRepository(zone={self._zone!s})"
