"""The storage ports of the customers area: profiles, and consumption and service records.

Implement these protocols over your own storage and prove the implementation
with the contract suites in `clubrules.testing.contracts`
(`CustomerRepositoryContract`, `ConsumptionRepositoryContract`). The
in-memory adapters in `clubrules.storage.memory` are the reference.
`AsyncCustomerRepository` is the profile port for an event loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from clubrules.customers._model import ConsumptionRecord, Customer, ServiceRecord
    from clubrules.customers._phone import PhoneNumber

__all__ = ["AsyncCustomerRepository", "ConsumptionRepository", "CustomerRepository"]


class CustomerRepository(Protocol):
    """Customer profiles, keyed by id.

    All five methods are required. Each call is atomic on its own: `add`
    checks and inserts in one step (two concurrent adds of one id: exactly
    one succeeds), and `update` replaces a whole profile in one step. There
    are no multi-call transactions.

    Updates use replace semantics (the last writer wins): profile edits are
    rare, made by people at a desk, and a `Customer` holds no version
    number. Sealed archive fields are stored as their exact bytes;
    implementations never open them.
    """

    def add(self, customer: Customer) -> None:
        """Store a new customer.

        Raises:
            DuplicateError: a customer with this id is already stored (the
                stored profile is left unchanged).
        """
        ...

    def get(self, customer_id: str) -> Customer:
        """The customer with this id.

        Raises:
            NotFoundError: no customer has this id.
        """
        ...

    def update(self, customer: Customer) -> None:
        """Replace the stored profile that has `customer.id` with `customer`.

        Raises:
            NotFoundError: no customer has this id.
        """
        ...

    def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        """The customers whose phone is `phone` (compared in E.164), ordered by id.

        Several customers may share a number (a family phone), so this is a
        list; it is empty when nobody has the number.
        """
        ...

    def customers(self) -> Iterator[Customer]:
        """Every stored customer, ordered by id (a consistent snapshot)."""
        ...


class ConsumptionRepository(Protocol):
    """Consumption records (purchases, refunds, redemptions) and service records.

    All five methods are required. Adds are atomic and idempotent by id:
    adding a record that is already stored, equal in every field, changes
    nothing and returns False, so a retried write is safe; a different
    record under a taken id raises `DuplicateError`. Two concurrent adds of
    the same record: exactly one returns True. Records are never changed or
    deleted here: a refund is a new record.

    Windows are half-open, `[start, end)`, on the records' `at`; `None`
    leaves that side open. Naive datetimes raise `NaiveDatetimeError`.
    Results are ordered by `at` (compared as instants), then by id.
    """

    def add(self, record: ConsumptionRecord) -> bool:
        """Store a consumption record; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another record is stored under this id.
        """
        ...

    def add_service(self, record: ServiceRecord) -> bool:
        """Store a service record; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another service record is stored under this id.
        """
        ...

    def records(
        self,
        customer_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ConsumptionRecord]:
        """The consumption records in `[start, end)`: one customer's, or everyone's if None.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        ...

    def service_records(
        self,
        customer_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ServiceRecord]:
        """The customer's service records in `[start, end)`.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        ...

    def get(self, record_id: str) -> ConsumptionRecord:
        """The consumption record with this id.

        Raises:
            NotFoundError: no consumption record has this id.
        """
        ...


class AsyncCustomerRepository(Protocol):
    """`CustomerRepository` for an event loop: the same methods, as coroutines.

    Every promise of `CustomerRepository` holds unchanged. `customers`
    returns a list (one snapshot read) rather than an iterator.
    """

    async def add(self, customer: Customer) -> None:
        """As `CustomerRepository.add`."""
        ...

    async def get(self, customer_id: str) -> Customer:
        """As `CustomerRepository.get`."""
        ...

    async def update(self, customer: Customer) -> None:
        """As `CustomerRepository.update`."""
        ...

    async def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        """As `CustomerRepository.find_by_phone`."""
        ...

    async def customers(self) -> list[Customer]:
        """Every customer, ordered by id (one snapshot read)."""
        ...
