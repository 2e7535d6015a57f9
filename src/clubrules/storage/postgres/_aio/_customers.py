"""The async PostgreSQL adapter of the customer profile port."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules.errors import DuplicateError, NotFoundError
from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._aio._adapter import AsyncPostgresAdapter
from clubrules.storage.sql._customers import CustomerSQL

if TYPE_CHECKING:
    from clubrules.customers import Customer, PhoneNumber

__all__ = ["AsyncPostgresCustomerRepository"]


@keys_checked("CustomerRepository")
class AsyncPostgresCustomerRepository(AsyncPostgresAdapter):
    """Customer profiles in PostgreSQL, for an event loop.

    Implements [AsyncCustomerRepository][clubrules.customers.ports.AsyncCustomerRepository]
    on the tables, statements and row codec of
    [PostgresCustomerRepository][clubrules.storage.postgres.PostgresCustomerRepository]:
    each call is one statement, atomic on its own.

    Args:
        database: The migrated database to use.
    """

    _statements = CustomerSQL
    _q: CustomerSQL

    async def add(self, customer: Customer) -> None:
        """Store a new customer; `DuplicateError` if the id is taken."""
        if await self._db._write(self._q.insert, self._q.insert_row(customer)) == 0:  # noqa: SLF001
            raise DuplicateError(f"customer {customer.id!r} already exists")

    async def get(self, customer_id: str) -> Customer:
        """The customer with this id; `NotFoundError` if there is none."""
        row = await self._db._fetchone(self._q.select_by_id, (customer_id,))  # noqa: SLF001
        if row is None:
            raise NotFoundError("customer", customer_id)
        return self._q.read(row)

    async def update(self, customer: Customer) -> None:
        """Replace the stored profile; `NotFoundError` if the id is unknown."""
        if await self._db._write(self._q.update, self._q.update_row(customer)) == 0:  # noqa: SLF001
            raise NotFoundError("customer", customer.id)

    async def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        """The customers with this phone number, ordered by id."""
        rows = await self._db._fetchall(self._q.select_by_phone, (phone.e164,))  # noqa: SLF001
        return list(map(self._q.read, rows))

    async def customers(self) -> list[Customer]:
        """Every customer, ordered by id (one snapshot read)."""
        rows = await self._db._fetchall(self._q.select_all, ())  # noqa: SLF001
        return list(map(self._q.read, rows))
