"""The contract suites pass on SQLite adapters built with `from_connection`.

Every repository call runs on a connection the test owns, inside the test's own
transaction, which the test commits (or rolls back when the call raises): the
adapters never commit themselves.
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


class TestCallerCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> CustomerRepository:
        probe = SQLiteCustomerRepository(sqlite_database)
        return cast(
            "CustomerRepository", per_call(SQLiteCustomerRepository, sqlite_caller_session, probe)
        )


class TestCallerConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> ConsumptionRepository:
        probe = SQLiteConsumptionRepository(sqlite_database)
        return cast(
            "ConsumptionRepository",
            per_call(SQLiteConsumptionRepository, sqlite_caller_session, probe),
        )


class TestCallerBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> BookingRepository:
        probe = SQLiteBookingRepository(sqlite_database)
        return cast(
            "BookingRepository", per_call(SQLiteBookingRepository, sqlite_caller_session, probe)
        )


class TestCallerComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> ComplaintRepository:
        probe = SQLiteComplaintRepository(sqlite_database)
        return cast(
            "ComplaintRepository", per_call(SQLiteComplaintRepository, sqlite_caller_session, probe)
        )


class TestCallerCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> CareTaskRepository:
        probe = SQLiteCareTaskRepository(sqlite_database)
        return cast(
            "CareTaskRepository", per_call(SQLiteCareTaskRepository, sqlite_caller_session, probe)
        )


class TestCallerSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> SurveyResponseRepository:
        probe = SQLiteSurveyResponseRepository(sqlite_database)
        return cast(
            "SurveyResponseRepository",
            per_call(SQLiteSurveyResponseRepository, sqlite_caller_session, probe),
        )


class TestCallerAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> AssessmentRepository:
        probe = SQLiteAssessmentRepository(sqlite_database)
        return cast(
            "AssessmentRepository",
            per_call(SQLiteAssessmentRepository, sqlite_caller_session, probe),
        )


class TestCallerAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> AccessLog:
        probe = SQLiteAccessLog(sqlite_database)
        return cast("AccessLog", per_call(SQLiteAccessLog, sqlite_caller_session, probe))


class TestCallerConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> ConsentStore:
        probe = SQLiteConsentStore(sqlite_database)
        return cast("ConsentStore", per_call(SQLiteConsentStore, sqlite_caller_session, probe))


class TestCallerDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> DataKeyStore:
        probe = SQLiteDataKeyStore(sqlite_database)
        return cast("DataKeyStore", per_call(SQLiteDataKeyStore, sqlite_caller_session, probe))


class TestCallerActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, per_call: Any, sqlite_caller_session: Session, sqlite_database: SQLiteDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> ActivityRepository:
            with sqlite_caller_session() as database:
                with database.connection() as conn:
                    conn.execute("DELETE FROM clubrules_consumption_records")
                ledger = SQLiteConsumptionRepository(database)
                for record in records:
                    ledger.add(record)

            def build(database: SQLiteDatabase) -> SQLiteActivityRepository:
                return SQLiteActivityRepository(database, zone=zone)

            probe = build(sqlite_database)
            return cast("ActivityRepository", per_call(build, sqlite_caller_session, probe))

        return make

    @pytest.fixture
    def repository(
        self, zoned_repository: Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]
    ) -> Callable[[Sequence[ConsumptionRecord]], ActivityRepository]:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
