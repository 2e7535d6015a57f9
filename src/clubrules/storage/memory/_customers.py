"""In-memory adapters of the customers ports: profiles, consumption and service records."""

from __future__ import annotations

import threading
from operator import attrgetter
from typing import TYPE_CHECKING

from clubrules._checks import require_str

# A run-time import (noqa: TC001): typing.get_type_hints() resolves the methods.
from clubrules.customers import ConsumptionRecord, Customer, PhoneNumber, ServiceRecord  # noqa: TC001
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.storage._fronts import ConsumptionReads
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._store import Table, TenantSiblings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime


__all__ = ["InMemoryConsumptionRepository", "InMemoryCustomerRepository"]

_AT = attrgetter("at")


@keys_checked("CustomerRepository")
class InMemoryCustomerRepository(TenantSiblings):
    """Customer profiles in a dict, with an index by E.164 phone number; thread-safe."""

    def __init__(self) -> None:
        self._table: Table[str, Customer] = Table("customer")
        self._customers = self._table.rows
        self._by_phone: dict[str, set[str]] = {}
        self._lock = self._table.lock

    def _index(self, customer: Customer) -> None:
        if customer.phone is not None:
            self._by_phone.setdefault(customer.phone.e164, set()).add(customer.id)

    def _unindex(self, customer: Customer) -> None:
        if customer.phone is not None:
            ids = self._by_phone.get(customer.phone.e164, set())
            ids.discard(customer.id)
            if not ids:
                self._by_phone.pop(customer.phone.e164, None)

    def add(self, customer: Customer) -> None:
        """Store a new customer; `DuplicateError` if the id is taken."""
        with self._lock:
            if customer.id in self._customers:
                raise DuplicateError(f"customer {customer.id!r} already exists")
            self._customers[customer.id] = customer
            self._index(customer)

    def get(self, customer_id: str) -> Customer:
        """The customer with this id; `NotFoundError` if there is none."""
        require_str(customer_id, "customer_id")
        return self._table.get(customer_id)

    def update(self, customer: Customer) -> None:
        """Replace the stored profile; `NotFoundError` if the id is unknown."""
        with self._lock:
            old = self._customers.get(customer.id)
            if old is None:
                raise NotFoundError("customer", customer.id)
            self._unindex(old)
            self._customers[customer.id] = customer
            self._index(customer)

    def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        """The customers with this phone number, ordered by id."""
        with self._lock:
            ids = sorted(self._by_phone.get(phone.e164, ()))
            return [self._customers[i] for i in ids]

    def customers(self) -> Iterator[Customer]:
        """Every customer, ordered by id (a snapshot taken now)."""
        with self._lock:
            snapshot = [self._customers[i] for i in sorted(self._customers)]
        return iter(snapshot)

    def __len__(self) -> int:
        return len(self._customers)

    def __repr__(self) -> str:
        return f"InMemoryCustomerRepository({len(self._customers)} customers)"


@keys_checked("ConsumptionRepository")
class InMemoryConsumptionRepository(TenantSiblings, ConsumptionReads):
    """Consumption and service records in dicts; idempotent adds; thread-safe."""

    def __init__(self) -> None:
        lock = threading.Lock()
        self._records: Table[str, ConsumptionRecord] = Table("consumption record", lock)
        self._services: Table[str, ServiceRecord] = Table("service record", lock)

    def add(self, record: ConsumptionRecord) -> bool:
        """Store a record; False if already stored as is, `DuplicateError` if the id is taken."""
        return self._records.add_once(record.id, record)

    def add_service(self, record: ServiceRecord) -> bool:
        """Store a service record; False if already stored as is, `DuplicateError` if taken."""
        return self._services.add_once(record.id, record)

    def _window_records(
        self, customer_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[ConsumptionRecord]:
        return self._records.in_window(_AT, "customer_id", customer_id, start, end)

    def _window_service_records(
        self, customer_id: str, start: datetime | None, end: datetime | None
    ) -> list[ServiceRecord]:
        return self._services.in_window(_AT, "customer_id", customer_id, start, end)

    def get(self, record_id: str) -> ConsumptionRecord:
        """The consumption record with this id; `NotFoundError` if there is none."""
        require_str(record_id, "record_id")
        return self._records.get(record_id)

    def __repr__(self) -> str:
        return (
            f"InMemoryConsumptionRepository({len(self._records)} records, "
            f"{len(self._services)} service records)"
        )
