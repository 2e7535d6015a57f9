"""Contract suites for the repository ports: pytest classes to subclass.

An implementation proves itself by subclassing a suite and providing the
`repository` fixture (a factory that returns a fresh, empty repository):

```python
class TestMyCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self) -> CustomerRepository:
        return MyCustomerRepository(...)
```

Needs the `testing` extra (pytest and hypothesis).
"""

from __future__ import annotations

# One import line per area, kept sorted by module name.
from clubrules._public import publish
from clubrules.testing.contracts._activities import ClubActivityRepositoryContract
from clubrules.testing.contracts._booking import BookingRepositoryContract
from clubrules.testing.contracts._care import (
    CareTaskRepositoryContract,
    SurveyResponseRepositoryContract,
)
from clubrules.testing.contracts._complaints import ComplaintRepositoryContract
from clubrules.testing.contracts._customers import (
    ConsumptionRepositoryContract,
    CustomerRepositoryContract,
)
from clubrules.testing.contracts._privacy import (
    AccessLogContract,
    ConsentStoreContract,
    DataKeyStoreContract,
)
from clubrules.testing.contracts._staff import AssessmentRepositoryContract
from clubrules.testing.contracts._tiering import ActivityRepositoryContract
from clubrules.testing.contracts._training import TrainingRepositoryContract

__all__: list[str] = [
    "AccessLogContract",
    "ActivityRepositoryContract",
    "AssessmentRepositoryContract",
    "BookingRepositoryContract",
    "CareTaskRepositoryContract",
    "ClubActivityRepositoryContract",
    "ComplaintRepositoryContract",
    "ConsentStoreContract",
    "ConsumptionRepositoryContract",
    "CustomerRepositoryContract",
    "DataKeyStoreContract",
    "SurveyResponseRepositoryContract",
    "TrainingRepositoryContract",
]

publish(__name__)
