"""SQLite adapters: standard library only, for a single shop on one machine.

Open a [SQLiteDatabase][clubrules.storage.sqlite.SQLiteDatabase], migrate it
once, and hand it to the adapters you need:

```python
from clubrules.storage.sqlite import SQLiteCustomerRepository, SQLiteDatabase

with SQLiteDatabase(":memory:") as db:
    db.migrate()
    customers = SQLiteCustomerRepository(db)
    assert list(customers.customers()) == []
```

Every adapter passes the same contract suite as the in-memory adapter.
Every table, index and trigger is named `clubrules_<name>`, so the file
can hold an application's own tables too. Instants are stored as UTC
integer microseconds (with the zone they were given in, so they come back
in it), money as exact decimal text, and sealed
archive fields and wrapped data keys only as ciphertext BLOBs. Check-and-
write steps are single atomic statements, or `BEGIN IMMEDIATE` transactions
where a read decides the write. Errors arrive as clubrules errors: a lock
held elsewhere is a `RetryableStorageError`, a taken id a `DuplicateError`.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.storage.sqlite._activities import SQLiteClubActivityRepository
from clubrules.storage.sqlite._booking import SQLiteBookingRepository
from clubrules.storage.sqlite._care import (
    SQLiteCareTaskRepository,
    SQLiteSurveyResponseRepository,
)
from clubrules.storage.sqlite._complaints import SQLiteComplaintRepository
from clubrules.storage.sqlite._customers import (
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
)
from clubrules.storage.sqlite._db import SQLiteDatabase
from clubrules.storage.sqlite._privacy import (
    SQLiteAccessLog,
    SQLiteConsentStore,
    SQLiteDataKeyStore,
)
from clubrules.storage.sqlite._staff import SQLiteAssessmentRepository
from clubrules.storage.sqlite._tiering import SQLiteActivityRepository
from clubrules.storage.sqlite._training import SQLiteTrainingRepository

__all__ = [
    "SQLiteAccessLog",
    "SQLiteActivityRepository",
    "SQLiteAssessmentRepository",
    "SQLiteBookingRepository",
    "SQLiteCareTaskRepository",
    "SQLiteClubActivityRepository",
    "SQLiteComplaintRepository",
    "SQLiteConsentStore",
    "SQLiteConsumptionRepository",
    "SQLiteCustomerRepository",
    "SQLiteDataKeyStore",
    "SQLiteDatabase",
    "SQLiteSurveyResponseRepository",
    "SQLiteTrainingRepository",
]

publish(__name__)
