"""In-memory adapters of the privacy ports: data keys, consents and the access log."""

from __future__ import annotations

import threading
from operator import attrgetter
from typing import TYPE_CHECKING

from clubrules._time import require_aware, require_window, to_epoch_us
from clubrules.errors import NotFoundError

# A run-time import (noqa: TC001): typing.get_type_hints() resolves the methods.
from clubrules.privacy import ConsentRecord  # noqa: TC001
from clubrules.storage._fronts import AccessLogReads
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._store import Table, TenantSiblings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from clubrules.customers import Sealed
    from clubrules.privacy import AccessEvent

__all__ = ["InMemoryAccessLog", "InMemoryConsentStore", "InMemoryDataKeyStore"]


@keys_checked("DataKeyStore")
class InMemoryDataKeyStore(TenantSiblings):
    """Wrapped data keys in a dict; `delete` drops the only copy."""

    def __init__(self) -> None:
        self._table: Table[str, Sealed] = Table("data key")
        self._keys = self._table.rows
        self._lock = self._table.lock

    def get(self, customer_id: str) -> Sealed | None:
        """The customer's wrapped data key, or None."""
        with self._lock:
            return self._keys.get(customer_id)

    def add(self, customer_id: str, wrapped: Sealed) -> None:
        """Store a new wrapped key; `DuplicateError` if the customer has one."""
        self._table.add_new(
            customer_id, wrapped, f"customer {customer_id!r} already has a data key"
        )

    def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        """Compare-and-swap the customer's wrapped key."""
        with self._lock:
            if self._keys.get(customer_id) != expected:
                return False
            self._keys[customer_id] = wrapped
            return True

    def delete(self, customer_id: str) -> bool:
        """Destroy the customer's wrapped key."""
        with self._lock:
            return self._keys.pop(customer_id, None) is not None

    def erase_all(self) -> int:
        """Destroy every wrapped key of this store's tenant; return how many there were."""
        with self._lock:
            count = len(self._keys)
            self._keys.clear()
            return count

    def customer_ids(self) -> Iterator[str]:
        """Every customer with a data key (a snapshot)."""
        with self._lock:
            return iter(list(self._keys))

    def __repr__(self) -> str:
        return f"InMemoryDataKeyStore({len(self._keys)} keys)"


@keys_checked("ConsentStore")
class InMemoryConsentStore(TenantSiblings):
    """Consent records in a dict, kept forever; withdrawal updates in place."""

    def __init__(self) -> None:
        self._table: Table[str, ConsentRecord] = Table("consent")
        self._records = self._table.rows
        self._lock = self._table.lock

    def add(self, record: ConsentRecord) -> None:
        """Store a new record; `DuplicateError` if its id is taken."""
        self._table.add_new(record.id, record)

    def get(self, consent_id: str) -> ConsentRecord:
        """The record with this id."""
        return self._table.get(consent_id)

    def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        """Mark the record withdrawn at `at` (idempotent) and return it."""
        require_aware(at, "at")
        with self._lock:
            record = self._records.get(consent_id)
            if record is None:
                raise NotFoundError("consent", consent_id)
            record = record.withdraw(at)
            self._records[consent_id] = record
            return record

    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """The customer's records, oldest first."""
        return self._table.in_window(attrgetter("given_at"), "customer_id", customer_id)

    def __repr__(self) -> str:
        return f"InMemoryConsentStore({len(self._records)} records)"


@keys_checked("AccessLog")
class InMemoryAccessLog(TenantSiblings, AccessLogReads):
    """Access events in a list, in append order."""

    def __init__(self) -> None:
        self._events: list[AccessEvent] = []
        self._lock = threading.Lock()

    def append(self, event: AccessEvent) -> None:
        """Record one access event."""
        with self._lock:
            self._events.append(event)

    @staticmethod
    def _within(event: AccessEvent, bounds: tuple[int | None, int | None]) -> bool:
        lo, hi = bounds
        us = to_epoch_us(event.at)  # instants, never wall times of one zone
        return (lo is None or us >= lo) and (hi is None or us < hi)

    def _customer_events(
        self, customer_id: str, field: str | None, since: datetime | None, until: datetime | None
    ) -> list[AccessEvent]:
        bounds = require_window(since, until, names=("since", "until"))
        with self._lock:
            return [
                e
                for e in self._events
                if e.customer_id == customer_id
                and (field is None or e.field == field)
                and self._within(e, bounds)
            ]

    def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        """The actor's events in `[since, until)`."""
        bounds = require_window(since, until, names=("since", "until"))
        with self._lock:
            return [e for e in self._events if e.actor == actor and self._within(e, bounds)]

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the events before `cutoff`; return how many."""
        cutoff_us = to_epoch_us(require_aware(cutoff, "cutoff"))
        with self._lock:
            kept = [e for e in self._events if to_epoch_us(e.at) >= cutoff_us]
            removed = len(self._events) - len(kept)
            self._events = kept
            return removed

    def __repr__(self) -> str:
        return f"InMemoryAccessLog({len(self._events)} events)"
