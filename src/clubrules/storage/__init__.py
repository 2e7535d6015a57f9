"""Reference storage adapters for the repository ports of every area.

- `clubrules.storage.memory`: in memory, the embedded default and the fake
  for tests.
- `clubrules.storage.sqlite`: SQLite through the standard library, for a
  single shop on one machine.
- `clubrules.storage.postgres`: PostgreSQL through psycopg 3 (the `postgres`
  extra), for clubs and chains whose app servers share one database.
- `clubrules.storage.migrations`: the versioned SQL schema of both, and
  `migrate`, which `clubrules db migrate` runs.
- `clubrules.storage.sqlalchemy`: the SQLite and PostgreSQL adapters inside
  a SQLAlchemy `Session` or `Connection` transaction (the `sqlalchemy` extra).

No domain package imports an adapter: entry points wire them in explicitly.

Both database adapters open units of work (`SQLiteDatabase.unit_of_work()`,
`PostgresDatabase.unit_of_work()`): one transaction that every adapter
built on the database joins. [run_in_transaction][clubrules.storage.run_in_transaction]
runs a function in one and retries it after a transient failure.
`AsyncPostgresDatabase.unit_of_work()` and
[run_in_transaction_async][clubrules.storage.run_in_transaction_async] are
their twins for an event loop.

The library logs through the standard `logging` module, one logger per
area, each silent (a `NullHandler`) until the application configures logging:

- `clubrules.storage`: migrations applied; units of work rolled back;
  retries and their causes; waits for a pooled connection and pools
  exhausted; a COMMIT whose outcome is unknown.
- `clubrules.privacy`: key rotation and retirement, rewrap progress,
  erasures (crypto-shredding), reads refused by role or consent.

Log records name ids, counts, error classes and error codes, never a value
from a record: no names, phone numbers, health notes or key material.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.storage.sql._unit import (
    AsyncUnitOfWorkDatabase,
    UnitOfWorkDatabase,
    run_in_transaction,
    run_in_transaction_async,
)

__all__ = [
    "AsyncUnitOfWorkDatabase",
    "UnitOfWorkDatabase",
    "run_in_transaction",
    "run_in_transaction_async",
]

publish(__name__)
