"""SQLite adapters of the customers ports: profiles, consumption and service records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules.errors import DuplicateError
from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._customers import SQLConsumptionRepository, SQLCustomerRepository
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sqlite._db import SQLiteDatabase

if TYPE_CHECKING:
    from clubrules.customers import Customer

__all__ = ["SQLiteConsumptionRepository", "SQLiteCustomerRepository"]


@keys_checked("CustomerRepository")
class SQLiteCustomerRepository(SQLCustomerRepository[SQLiteDatabase]):
    """Customer profiles in SQLite: one row per customer, sealed fields as ciphertext BLOBs.

    Implements [CustomerRepository][clubrules.customers.ports.CustomerRepository].
    `add` is one `INSERT ... ON CONFLICT DO NOTHING` and `update` one
    `UPDATE`, each atomic on its own; the phone index is an SQL index on the
    E.164 column.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE

    def add(self, customer: Customer) -> None:
        """Store a new customer; `DuplicateError` if the id is taken."""
        # The row straight to one statement on a borrowed connection: an add is mostly its write.
        if self._db._changed(self._q.insert, self._q.insert_row(customer)) == 0:  # noqa: SLF001
            raise DuplicateError(f"customer {customer.id!r} already exists")


@keys_checked("ConsumptionRepository")
class SQLiteConsumptionRepository(SQLConsumptionRepository[SQLiteDatabase]):
    """Consumption and service records in SQLite; idempotent adds; amounts as exact text.

    Implements [ConsumptionRepository][clubrules.customers.ports.ConsumptionRepository].
    Adds are idempotent by id (see Idempotent adds on the storage reference page).

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE
