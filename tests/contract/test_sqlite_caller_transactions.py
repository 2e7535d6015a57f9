"""The contract suites pass on SQLite adapters that run in the caller's transaction.

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

from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteActivityRepository,
    SQLiteAssessmentRepository,
    SQLiteBookingRepository,
    SQLiteCareTaskRepository,
    SQLiteComplaintRepository,
    SQLiteConsentStore,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
    SQLiteDataKeyStore,
    SQLiteSurveyResponseRepository,
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

    Session = Callable[[], AbstractContextManager[SQLiteDatabase]]


@pytest.fixture(params=["caller", "unit"])
def session(request: pytest.FixtureRequest) -> Session:
    """The caller's own transaction, or a unit of work: each suite runs in both."""
    return cast("Session", request.getfixturevalue(f"sqlite_{request.param}_session"))


class TestCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> CustomerRepository:
        probe = SQLiteCustomerRepository(sqlite_database)
        return cast("CustomerRepository", per_call(SQLiteCustomerRepository, session, probe))


class TestConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> ConsumptionRepository:
        probe = SQLiteConsumptionRepository(sqlite_database)
        return cast(
            "ConsumptionRepository",
            per_call(SQLiteConsumptionRepository, session, probe),
        )


class TestBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> BookingRepository:
        probe = SQLiteBookingRepository(sqlite_database)
        return cast("BookingRepository", per_call(SQLiteBookingRepository, session, probe))


class TestComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> ComplaintRepository:
        probe = SQLiteComplaintRepository(sqlite_database)
        return cast("ComplaintRepository", per_call(SQLiteComplaintRepository, session, probe))


class TestCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> CareTaskRepository:
        probe = SQLiteCareTaskRepository(sqlite_database)
        return cast("CareTaskRepository", per_call(SQLiteCareTaskRepository, session, probe))


class TestSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> SurveyResponseRepository:
        probe = SQLiteSurveyResponseRepository(sqlite_database)
        return cast(
            "SurveyResponseRepository",
            per_call(SQLiteSurveyResponseRepository, session, probe),
        )


class TestAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> AssessmentRepository:
        probe = SQLiteAssessmentRepository(sqlite_database)
        return cast(
            "AssessmentRepository",
            per_call(SQLiteAssessmentRepository, session, probe),
        )


class TestAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> AccessLog:
        probe = SQLiteAccessLog(sqlite_database)
        return cast("AccessLog", per_call(SQLiteAccessLog, session, probe))


class TestConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> ConsentStore:
        probe = SQLiteConsentStore(sqlite_database)
        return cast("ConsentStore", per_call(SQLiteConsentStore, session, probe))


class TestDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> DataKeyStore:
        probe = SQLiteDataKeyStore(sqlite_database)
        return cast("DataKeyStore", per_call(SQLiteDataKeyStore, session, probe))


class TestActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, per_call: Any, session: Session, sqlite_database: SQLiteDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> ActivityRepository:
            with session() as database:
                with database.connection() as conn:
                    conn.execute("DELETE FROM clubrules_consumption_records")
                ledger = SQLiteConsumptionRepository(database)
                for record in records:
                    ledger.add(record)

            def build(database: SQLiteDatabase) -> SQLiteActivityRepository:
                return SQLiteActivityRepository(database, zone=zone)

            probe = build(sqlite_database)
            return cast("ActivityRepository", per_call(build, session, probe))

        return make

    @pytest.fixture
    def repository(
        self, zoned_repository: Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]
    ) -> Callable[[Sequence[ConsumptionRecord]], ActivityRepository]:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
