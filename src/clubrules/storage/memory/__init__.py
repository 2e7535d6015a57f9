"""In-memory adapters: the embedded default, and the fake for tests.

Each adapter keeps its data in process memory behind a lock, and gives the
same guarantees as the database adapters: atomic check-and-write, optimistic
concurrency and idempotency where its port promises them. The implementations
live in private modules, one per area; this module is their public home.

An adapter built holds the tenant `"default"`'s data; `for_tenant(tenant)`
returns the sibling instance that holds another tenant's (one club of many),
and `tenant` names an instance's tenant.
"""

from __future__ import annotations

# One import line per area, kept sorted by module name.
from clubrules._public import publish
from clubrules.storage.memory._activities import InMemoryClubActivityRepository
from clubrules.storage.memory._booking import InMemoryBookingRepository
from clubrules.storage.memory._care import (
    InMemoryCareTaskRepository,
    InMemorySurveyResponseRepository,
)
from clubrules.storage.memory._complaints import InMemoryComplaintRepository
from clubrules.storage.memory._customers import (
    InMemoryConsumptionRepository,
    InMemoryCustomerRepository,
)
from clubrules.storage.memory._privacy import (
    InMemoryAccessLog,
    InMemoryConsentStore,
    InMemoryDataKeyStore,
)
from clubrules.storage.memory._staff import InMemoryAssessmentRepository
from clubrules.storage.memory._tiering import InMemoryActivityRepository
from clubrules.storage.memory._training import InMemoryTrainingRepository

__all__: list[str] = [
    "InMemoryAccessLog",
    "InMemoryActivityRepository",
    "InMemoryAssessmentRepository",
    "InMemoryBookingRepository",
    "InMemoryCareTaskRepository",
    "InMemoryClubActivityRepository",
    "InMemoryComplaintRepository",
    "InMemoryConsentStore",
    "InMemoryConsumptionRepository",
    "InMemoryCustomerRepository",
    "InMemoryDataKeyStore",
    "InMemorySurveyResponseRepository",
    "InMemoryTrainingRepository",
]

publish(__name__)
