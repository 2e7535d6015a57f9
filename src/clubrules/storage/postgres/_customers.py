"""PostgreSQL adapters of the customers ports: profiles, consumption and service records."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._customers import SQLConsumptionRepository, SQLCustomerRepository
from clubrules.storage.sql._dialect import POSTGRES

__all__ = ["PostgresConsumptionRepository", "PostgresCustomerRepository"]


@keys_checked("CustomerRepository")
class PostgresCustomerRepository(SQLCustomerRepository[PostgresDatabase]):
    """Customer profiles in PostgreSQL: one row per customer, sealed fields as bytea ciphertext.

    Implements [CustomerRepository][clubrules.customers.ports.CustomerRepository].
    `add` is one `INSERT ... ON CONFLICT DO NOTHING` and `update` one
    `UPDATE`, each atomic on its own; ids sort in the `"C"` collation, by
    code point, as in Python.

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES


@keys_checked("ConsumptionRepository")
class PostgresConsumptionRepository(SQLConsumptionRepository[PostgresDatabase]):
    """Consumption and service records in PostgreSQL; idempotent adds; amounts as exact numeric.

    Implements [ConsumptionRepository][clubrules.customers.ports.ConsumptionRepository].
    Adds are idempotent by id (see Idempotent adds on the storage reference page).

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES
