"""The in-memory contract suites pass on a tenant's handle beside a busy default tenant.

Each suite runs on `X().for_tenant("club-b")`, wrapped so that every call
is first made, with the same arguments, on the default tenant's sibling:
that sibling holds rows with the same ids, written first. A handle that
read or wrote across tenants would find them (an id already taken, a slot
already booked, a stream at another version, a listing with more rows) and
fail the suite.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryActivityRepository,
    InMemoryAssessmentRepository,
    InMemoryBookingRepository,
    InMemoryCareTaskRepository,
    InMemoryClubActivityRepository,
    InMemoryComplaintRepository,
    InMemoryConsentStore,
    InMemoryConsumptionRepository,
    InMemoryCustomerRepository,
    InMemoryDataKeyStore,
    InMemorySurveyResponseRepository,
    InMemoryTrainingRepository,
)
from clubrules.testing.contracts import (
    AccessLogContract,
    ActivityRepositoryContract,
    AssessmentRepositoryContract,
    BookingRepositoryContract,
    CareTaskRepositoryContract,
    ClubActivityRepositoryContract,
    ComplaintRepositoryContract,
    ConsentStoreContract,
    ConsumptionRepositoryContract,
    CustomerRepositoryContract,
    DataKeyStoreContract,
    SurveyResponseRepositoryContract,
    TrainingRepositoryContract,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo

    from clubrules.customers import ConsumptionRecord

TENANT = "club-b"


class BesideDefault:
    """A tenant's handle whose every call is made first on the default tenant's sibling.

    The default sibling's answers and errors are dropped; the tenant's are
    returned. Attributes that are not methods come from the tenant's handle.
    """

    def __init__(self, repository: Any) -> None:
        self.handle = repository.for_tenant(TENANT)
        self.default = repository.for_tenant("default")
        assert self.handle is not self.default

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.handle, name)
        if not callable(attribute):
            return attribute
        shadow = getattr(self.default, name)

        def call(*args: object, **kwargs: object) -> object:
            with contextlib.suppress(Exception):
                result = shadow(*args, **kwargs)
                if hasattr(result, "__next__"):
                    list(result)  # an iterator: drain it, as the tenant's caller will
            return attribute(*args, **kwargs)

        return call


def beside_default(repository: object) -> Any:
    return BesideDefault(repository)


class TestTenantClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryClubActivityRepository())


class TestTenantBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryBookingRepository())


class TestTenantCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryCareTaskRepository())


class TestTenantSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemorySurveyResponseRepository())


class TestTenantComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryComplaintRepository())


class TestTenantCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryCustomerRepository())


class TestTenantConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryConsumptionRepository())


class TestTenantAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryAccessLog())


class TestTenantConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryConsentStore())


class TestTenantDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryDataKeyStore())


class TestTenantAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryAssessmentRepository())


class TestTenantTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self) -> Any:
        return beside_default(InMemoryTrainingRepository())


class TestTenantActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(self) -> Callable[[Sequence[ConsumptionRecord], tzinfo], Any]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> Any:
            consumption = InMemoryConsumptionRepository()
            repo = beside_default(InMemoryActivityRepository(zone=zone, consumption=consumption))
            for record in records:
                repo.add(record)
            # The default tenant's copy of each record is there, in the shared family.
            assert len(consumption.records()) == len({r.id for r in records})
            return repo

        return make

    @pytest.fixture
    def repository(
        self, zoned_repository: Callable[[Sequence[ConsumptionRecord], tzinfo], Any]
    ) -> Callable[[Sequence[ConsumptionRecord]], Any]:
        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
