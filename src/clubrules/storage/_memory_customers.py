"""In-memory adapters of the customers ports: profiles, consumption and service records."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, TypeVar

from clubrules._time import require_aware, require_order, to_epoch_us
from clubrules.errors import DuplicateError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from clubrules.customers import ConsumptionRecord, Customer, PhoneNumber, ServiceRecord

__all__ = ["InMemoryConsumptionRepository", "InMemoryCustomerRepository"]

R = TypeVar("R", "ConsumptionRecord", "ServiceRecord")


class InMemoryCustomerRepository:
    """Customer profiles in a dict, with an index by E.164 phone number; thread-safe."""

    def __init__(self) -> None:
        self._customers: dict[str, Customer] = {}
        self._by_phone: dict[str, set[str]] = {}
        self._lock = threading.Lock()

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
        with self._lock:
            try:
                return self._customers[customer_id]
            except KeyError:
                raise NotFoundError("customer", customer_id) from None

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


def _bounds(start: datetime | None, end: datetime | None) -> tuple[int | None, int | None]:
    if start is not None:
        require_aware(start, "start")
    if end is not None:
        require_aware(end, "end")
    if start is not None and end is not None:
        require_order(start, end, start_field="start", end_field="end", allow_empty=True)
    return (
        None if start is None else to_epoch_us(start),
        None if end is None else to_epoch_us(end),
    )


def _window(records: list[R], start: datetime | None, end: datetime | None) -> list[R]:
    lo, hi = _bounds(start, end)
    keyed = [(to_epoch_us(r.at), r.id, r) for r in records]
    keyed = [k for k in keyed if (lo is None or k[0] >= lo) and (hi is None or k[0] < hi)]
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [k[2] for k in keyed]


class InMemoryConsumptionRepository:
    """Consumption and service records in dicts; idempotent adds; thread-safe."""

    def __init__(self) -> None:
        self._records: dict[str, ConsumptionRecord] = {}
        self._services: dict[str, ServiceRecord] = {}
        self._lock = threading.Lock()

    def add(self, record: ConsumptionRecord) -> bool:
        """Store a record; False if already stored as is, `DuplicateError` if the id is taken."""
        with self._lock:
            stored = self._records.get(record.id)
            if stored is None:
                self._records[record.id] = record
                return True
        if stored == record:
            return False
        raise DuplicateError(f"consumption record {record.id!r} already exists with other content")

    def add_service(self, record: ServiceRecord) -> bool:
        """Store a service record; False if already stored as is, `DuplicateError` if taken."""
        with self._lock:
            stored = self._services.get(record.id)
            if stored is None:
                self._services[record.id] = record
                return True
        if stored == record:
            return False
        raise DuplicateError(f"service record {record.id!r} already exists with other content")

    def records(
        self,
        customer_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ConsumptionRecord]:
        """Consumption records in `[start, end)`, of one customer or of all, by time then id."""
        with self._lock:
            chosen = [
                r
                for r in self._records.values()
                if customer_id is None or r.customer_id == customer_id
            ]
        return _window(chosen, start, end)

    def service_records(
        self,
        customer_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ServiceRecord]:
        """The customer's service records in `[start, end)`, by time then id."""
        with self._lock:
            chosen = [r for r in self._services.values() if r.customer_id == customer_id]
        return _window(chosen, start, end)

    def get(self, record_id: str) -> ConsumptionRecord:
        """The consumption record with this id; `NotFoundError` if there is none."""
        with self._lock:
            try:
                return self._records[record_id]
            except KeyError:
                raise NotFoundError("consumption record", record_id) from None

    def __repr__(self) -> str:
        return (
            f"InMemoryConsumptionRepository({len(self._records)} records, "
            f"{len(self._services)} service records)"
        )
