"""Contract suites for the repository ports: pytest classes to subclass.

An implementation proves itself by subclassing a suite and providing the
`repository` fixture (a factory that returns a fresh, empty repository):

```python
class TestMyCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self) -> CustomerRepository:
        return MyCustomerRepository(...)
```

The `Async...Contract` suites check implementations of the async ports:
they run every test of the sync suite through a
[LoopThread][clubrules.testing.LoopThread], and add task races and
cancelled writes; a subclass provides `async_repository` instead (see
[AsyncRepositoryContract][clubrules.testing.contracts.AsyncRepositoryContract]).

Needs the `testing` extra (pytest and hypothesis).

The suites' modules are registered for pytest's assertion rewriting, so a
failing contract shows the values it compared, as a test of your own would.
"""

from __future__ import annotations

import pkgutil

import pytest

# pytest rewrites the asserts of test files and conftests only, not of an
# installed package; registered before they are imported, the suites' too.
# (Named one by one: this package itself is already being imported.)
pytest.register_assert_rewrite(*(f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)))

# One import line per area, kept sorted by module name.
from clubrules._public import publish  # noqa: E402
from clubrules.testing.contracts._activities import ClubActivityRepositoryContract  # noqa: E402
from clubrules.testing.contracts._async import AsyncRepositoryContract  # noqa: E402
from clubrules.testing.contracts._async_booking import AsyncBookingRepositoryContract  # noqa: E402
from clubrules.testing.contracts._async_complaints import (  # noqa: E402
    AsyncComplaintRepositoryContract,
)
from clubrules.testing.contracts._async_customers import (  # noqa: E402
    AsyncCustomerRepositoryContract,
)
from clubrules.testing.contracts._async_privacy import (  # noqa: E402
    AsyncAccessLogContract,
    AsyncConsentStoreContract,
    AsyncDataKeyStoreContract,
)
from clubrules.testing.contracts._booking import BookingRepositoryContract  # noqa: E402
from clubrules.testing.contracts._care import (  # noqa: E402
    CareTaskRepositoryContract,
    SurveyResponseRepositoryContract,
)
from clubrules.testing.contracts._complaints import ComplaintRepositoryContract  # noqa: E402
from clubrules.testing.contracts._customers import (  # noqa: E402
    ConsumptionRepositoryContract,
    CustomerRepositoryContract,
)
from clubrules.testing.contracts._privacy import (  # noqa: E402
    AccessLogContract,
    ConsentStoreContract,
    DataKeyStoreContract,
)
from clubrules.testing.contracts._staff import AssessmentRepositoryContract  # noqa: E402
from clubrules.testing.contracts._tiering import ActivityRepositoryContract  # noqa: E402
from clubrules.testing.contracts._training import TrainingRepositoryContract  # noqa: E402

__all__: list[str] = [
    "AccessLogContract",
    "ActivityRepositoryContract",
    "AssessmentRepositoryContract",
    "AsyncAccessLogContract",
    "AsyncBookingRepositoryContract",
    "AsyncComplaintRepositoryContract",
    "AsyncConsentStoreContract",
    "AsyncCustomerRepositoryContract",
    "AsyncDataKeyStoreContract",
    "AsyncRepositoryContract",
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
