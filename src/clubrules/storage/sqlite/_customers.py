"""SQLite adapters of the customers ports: profiles, consumption and service records."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._customers import SQLConsumptionRepository, SQLCustomerRepository
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sqlite._db import SQLiteDatabase

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


@keys_checked("ConsumptionRepository")
class SQLiteConsumptionRepository(SQLConsumptionRepository[SQLiteDatabase]):
    """Consumption and service records in SQLite; idempotent adds; amounts as exact text.

    Implements [ConsumptionRepository][clubrules.customers.ports.ConsumptionRepository].
    Adds are idempotent by id (see Idempotent adds on the storage reference page).

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE
