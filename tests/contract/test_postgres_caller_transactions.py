"""The contract suites pass on PostgreSQL adapters that run in the caller's transaction.

Each suite runs twice. `caller`: every repository call runs on a connection
the test owns, built with `from_connection`, inside the test's own
transaction, which the test commits (or rolls back when the call raises):
the adapters never commit themselves. `unit`: every call runs inside
`unit_of_work()` on the test's database, so each write is a savepoint in the
unit's transaction, committed when the unit ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

from clubrules.storage.postgres import (
    PostgresAccessLog,
    PostgresActivityRepository,
    PostgresAssessmentRepository,
    PostgresBookingRepository,
    PostgresCareTaskRepository,
    PostgresComplaintRepository,
    PostgresConsentStore,
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
    PostgresDataKeyStore,
    PostgresSurveyResponseRepository,
)
from clubrules.testing.contracts import (
    AccessLogContract,
    ActivityRepositoryContract,
    AssessmentRepositoryContract,
    BookingRepositoryContract,
    CareTaskRepositoryContract,
    ComplaintRepositoryContract,
    ConsentStoreContract,
    ConsumptionRepositoryContract,
    CustomerRepositoryContract,
    DataKeyStoreContract,
    SurveyResponseRepositoryContract,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from contextlib import AbstractContextManager
    from datetime import tzinfo

    from clubrules.booking.ports import BookingRepository
    from clubrules.care.ports import CareTaskRepository, SurveyResponseRepository
    from clubrules.complaints.ports import ComplaintRepository
    from clubrules.customers import ConsumptionRecord
    from clubrules.customers.ports import ConsumptionRepository, CustomerRepository
    from clubrules.privacy.ports import AccessLog, ConsentStore, DataKeyStore
    from clubrules.staff.ports import AssessmentRepository
    from clubrules.tiering.ports import ActivityRepository

    Session = Callable[[], AbstractContextManager[PostgresDatabase]]

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def postgres_pool_size() -> int:
    """A connection for each of the booking suite's sixteen racing threads."""
    return 16


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return (
        "customers",
        "consumption_records",
        "service_records",
        "booking_occupancy",
        "bookings",
        "booking_resources",
        "complaint_events",
        "complaint_cases",
        "care_tasks",
        "survey_responses",
        "staff_rubrics",
        "staff_sheets",
        "staff_sheet_criteria",
        "staff_sheet_lines",
        "staff_warnings",
        "data_keys",
        "consents",
        "access_events",
    )


@pytest.fixture(params=["caller", "unit"])
def session(request: pytest.FixtureRequest) -> Session:
    """The caller's own transaction, or a unit of work: each suite runs in both."""
    return cast("Session", request.getfixturevalue(f"postgres_{request.param}_session"))


class TestCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> CustomerRepository:
        probe = PostgresCustomerRepository(empty_postgres)
        return cast(
            "CustomerRepository",
            per_call(PostgresCustomerRepository, session, probe),
        )


class TestConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> ConsumptionRepository:
        probe = PostgresConsumptionRepository(empty_postgres)
        return cast(
            "ConsumptionRepository",
            per_call(PostgresConsumptionRepository, session, probe),
        )


class TestBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> BookingRepository:
        probe = PostgresBookingRepository(empty_postgres)
        return cast("BookingRepository", per_call(PostgresBookingRepository, session, probe))


class TestComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> ComplaintRepository:
        probe = PostgresComplaintRepository(empty_postgres)
        return cast(
            "ComplaintRepository",
            per_call(PostgresComplaintRepository, session, probe),
        )


class TestCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> CareTaskRepository:
        probe = PostgresCareTaskRepository(empty_postgres)
        return cast(
            "CareTaskRepository",
            per_call(PostgresCareTaskRepository, session, probe),
        )


class TestSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> SurveyResponseRepository:
        probe = PostgresSurveyResponseRepository(empty_postgres)
        return cast(
            "SurveyResponseRepository",
            per_call(PostgresSurveyResponseRepository, session, probe),
        )


class TestAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> AssessmentRepository:
        probe = PostgresAssessmentRepository(empty_postgres)
        return cast(
            "AssessmentRepository",
            per_call(PostgresAssessmentRepository, session, probe),
        )


class TestAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> AccessLog:
        probe = PostgresAccessLog(empty_postgres)
        return cast("AccessLog", per_call(PostgresAccessLog, session, probe))


class TestConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> ConsentStore:
        probe = PostgresConsentStore(empty_postgres)
        return cast("ConsentStore", per_call(PostgresConsentStore, session, probe))


class TestDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> DataKeyStore:
        probe = PostgresDataKeyStore(empty_postgres)
        return cast("DataKeyStore", per_call(PostgresDataKeyStore, session, probe))


class TestActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, per_call: Any, session: Session, empty_postgres: PostgresDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> ActivityRepository:
            with session() as database:
                with database.connection() as conn:
                    conn.execute("TRUNCATE clubrules.consumption_records")
                ledger = PostgresConsumptionRepository(database)
                for record in records:
                    ledger.add(record)

            def build(database: PostgresDatabase) -> PostgresActivityRepository:
                return PostgresActivityRepository(database, zone=zone)

            probe = build(empty_postgres)
            return cast("ActivityRepository", per_call(build, session, probe))

        return make

    @pytest.fixture
    def repository(
        self, zoned_repository: Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]
    ) -> Callable[[Sequence[ConsumptionRecord]], ActivityRepository]:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
