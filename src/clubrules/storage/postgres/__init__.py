"""PostgreSQL adapters through psycopg 3, for clubs and chains whose app servers share one database.

Needs the `postgres` extra (`pip install 'clubrules[postgres]'`): psycopg is
imported only when a [PostgresDatabase][clubrules.storage.postgres.PostgresDatabase]
is opened, so this module imports without it.

```text
from clubrules.storage.postgres import PostgresCustomerRepository, PostgresDatabase

db = PostgresDatabase("postgresql://clubrules@db.internal/club", pool_size=10)
db.migrate()
customers = PostgresCustomerRepository(db)
```

Every adapter passes the same contract suite as the in-memory adapter.

For an event loop (FastAPI, Starlette, plain asyncio), the `AsyncPostgres...`
adapters on an [AsyncPostgresDatabase][clubrules.storage.postgres.AsyncPostgresDatabase]
(psycopg's `AsyncConnectionPool`) implement the async ports of the request
path (bookings, customers, complaints, consents, the access log, data keys)
on the same tables, with the same guarantees.
Tables live in one schema, `clubrules` unless the database names another
(`PostgresDatabase(url, schema="salon")`); instants are `timestamptz` (with the
zone they were given in, so they come back in it), money is exact `numeric`,
sealed archive fields and wrapped data keys are `bytea` ciphertext. Driver
errors arrive as clubrules errors: a unique violation is a `DuplicateError`;
a serialization failure, deadlock, lock timeout or lost connection a
`RetryableStorageError` (the transaction was rolled back).
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.storage.postgres._activities import PostgresClubActivityRepository
from clubrules.storage.postgres._aio._booking import AsyncPostgresBookingRepository
from clubrules.storage.postgres._aio._complaints import AsyncPostgresComplaintRepository
from clubrules.storage.postgres._aio._customers import AsyncPostgresCustomerRepository
from clubrules.storage.postgres._aio._db import AsyncPostgresDatabase
from clubrules.storage.postgres._aio._privacy import (
    AsyncPostgresAccessLog,
    AsyncPostgresConsentStore,
    AsyncPostgresDataKeyStore,
)
from clubrules.storage.postgres._booking import PostgresBookingRepository
from clubrules.storage.postgres._care import (
    PostgresCareTaskRepository,
    PostgresSurveyResponseRepository,
)
from clubrules.storage.postgres._complaints import PostgresComplaintRepository
from clubrules.storage.postgres._customers import (
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
)
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.postgres._privacy import (
    PostgresAccessLog,
    PostgresConsentStore,
    PostgresDataKeyStore,
)
from clubrules.storage.postgres._staff import PostgresAssessmentRepository
from clubrules.storage.postgres._tiering import PostgresActivityRepository
from clubrules.storage.postgres._training import PostgresTrainingRepository

__all__ = [
    "AsyncPostgresAccessLog",
    "AsyncPostgresBookingRepository",
    "AsyncPostgresComplaintRepository",
    "AsyncPostgresConsentStore",
    "AsyncPostgresCustomerRepository",
    "AsyncPostgresDataKeyStore",
    "AsyncPostgresDatabase",
    "PostgresAccessLog",
    "PostgresActivityRepository",
    "PostgresAssessmentRepository",
    "PostgresBookingRepository",
    "PostgresCareTaskRepository",
    "PostgresClubActivityRepository",
    "PostgresComplaintRepository",
    "PostgresConsentStore",
    "PostgresConsumptionRepository",
    "PostgresCustomerRepository",
    "PostgresDataKeyStore",
    "PostgresDatabase",
    "PostgresSurveyResponseRepository",
    "PostgresTrainingRepository",
]

publish(__name__)
