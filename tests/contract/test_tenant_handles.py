"""The contract suites, through tenant-bound handles, with a twin tenant holding the same rows.

Every suite runs on repositories built on `database.for_tenant("club-b")`.
Each call reaches a twin first: the same repository on
`database.for_tenant("club-a")`, given the same arguments (its results and
errors are ignored). So tenant club-a holds the same ids, keys, resources and
times as club-b all along, and any statement that reads across tenants
(a listing with twice the rows, an availability that sees the twin's
bookings, a replay of the twin's events) or keys a row without its tenant (a
`DuplicateError` or a slot conflict caused by the twin) fails the suite.
The in-memory adapters run the same way in `tests/contract/test_memory_tenants.py`.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from clubrules.storage.postgres import (
    AsyncPostgresAccessLog,
    AsyncPostgresBookingRepository,
    AsyncPostgresComplaintRepository,
    AsyncPostgresConsentStore,
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    AsyncPostgresDataKeyStore,
    PostgresAccessLog,
    PostgresActivityRepository,
    PostgresAssessmentRepository,
    PostgresBookingRepository,
    PostgresCareTaskRepository,
    PostgresClubActivityRepository,
    PostgresComplaintRepository,
    PostgresConsentStore,
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
    PostgresDataKeyStore,
    PostgresSurveyResponseRepository,
    PostgresTrainingRepository,
)
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteActivityRepository,
    SQLiteAssessmentRepository,
    SQLiteBookingRepository,
    SQLiteCareTaskRepository,
    SQLiteClubActivityRepository,
    SQLiteComplaintRepository,
    SQLiteConsentStore,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
    SQLiteDataKeyStore,
    SQLiteSurveyResponseRepository,
    SQLiteTrainingRepository,
)
from clubrules.testing.contracts import (
    AccessLogContract,
    ActivityRepositoryContract,
    AssessmentRepositoryContract,
    AsyncAccessLogContract,
    AsyncBookingRepositoryContract,
    AsyncComplaintRepositoryContract,
    AsyncConsentStoreContract,
    AsyncCustomerRepositoryContract,
    AsyncDataKeyStoreContract,
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
    from clubrules.testing import LoopThread

TESTED = "club-b"
TWIN = "club-a"


class Twin:
    """A repository of tenant `TESTED` whose every call is made on the twin tenant's first."""

    def __init__(self, tested: object, twin: object) -> None:
        self._tested = tested
        self._twin = twin

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._tested, name)
        if not callable(attribute):
            return attribute
        twin = getattr(self._twin, name)
        if inspect.iscoroutinefunction(attribute):

            async def call_async(*args: object, **kwargs: object) -> object:
                with contextlib.suppress(Exception):
                    await twin(*args, **kwargs)
                return await attribute(*args, **kwargs)

            return call_async

        def call(*args: object, **kwargs: object) -> object:
            with contextlib.suppress(Exception):
                twin(*args, **kwargs)
            return attribute(*args, **kwargs)

        return call


def twin(build: Callable[[Any], object], database: Any) -> Any:
    """`build`'s repository on the tested tenant's handle, with its twin on the twin tenant's."""
    return Twin(build(database.for_tenant(TESTED)), build(database.for_tenant(TWIN)))


# --- SQLite -------------------------------------------------------------------------------


class TestSQLiteCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteCustomerRepository, sqlite_database)


class TestSQLiteConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteConsumptionRepository, sqlite_database)


class TestSQLiteBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteBookingRepository, sqlite_database)


class TestSQLiteComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteComplaintRepository, sqlite_database)


class TestSQLiteAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteAccessLog, sqlite_database)


class TestSQLiteConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteConsentStore, sqlite_database)


class TestSQLiteDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteDataKeyStore, sqlite_database)


class TestSQLiteAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteAssessmentRepository, sqlite_database)


class TestSQLiteTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteTrainingRepository, sqlite_database)


class TestSQLiteCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteCareTaskRepository, sqlite_database)


class TestSQLiteSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteSurveyResponseRepository, sqlite_database)


class TestSQLiteClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> Any:
        return twin(SQLiteClubActivityRepository, sqlite_database)


class TestSQLiteActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, sqlite_database: SQLiteDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], SQLiteActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> SQLiteActivityRepository:
            for tenant in (TWIN, TESTED):
                handle = sqlite_database.for_tenant(tenant)
                with handle.connection() as conn:
                    conn.execute("DELETE FROM clubrules_consumption_records")
                ledger = SQLiteConsumptionRepository(handle)
                for record in records:
                    ledger.add(record)
            # Only the tested tenant's summaries are read: the twin's records must count in none.
            return SQLiteActivityRepository(sqlite_database.for_tenant(TESTED), zone=zone)

        return make

    @pytest.fixture
    def repository(
        self,
        zoned_repository: Callable[[Sequence[ConsumptionRecord], tzinfo], SQLiteActivityRepository],
    ) -> Callable[[Sequence[ConsumptionRecord]], SQLiteActivityRepository]:
        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))


# --- PostgreSQL ---------------------------------------------------------------------------

_ALL_TABLES = (
    "access_events",
    "activity_invitations",
    "activity_sign_ups",
    "activities",
    "booking_occupancy",
    "booking_resources",
    "bookings",
    "care_tasks",
    "complaint_events",
    "complaint_cases",
    "consents",
    "consumption_records",
    "customers",
    "data_keys",
    "service_records",
    "staff_rubrics",
    "staff_sheet_criteria",
    "staff_sheet_lines",
    "staff_sheets",
    "staff_warnings",
    "survey_responses",
    "training_attendance",
    "training_completions",
    "training_sessions",
)


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return _ALL_TABLES


@pytest.fixture(scope="module")
def postgres_pool_size() -> int:
    """A connection for each of the suites' sixteen racing threads or tasks."""
    return 16


@pytest.mark.postgres
class TestPostgresCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresCustomerRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresConsumptionRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresBookingRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresComplaintRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresAccessLog, empty_postgres)


@pytest.mark.postgres
class TestPostgresConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresConsentStore, empty_postgres)


@pytest.mark.postgres
class TestPostgresDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresDataKeyStore, empty_postgres)


@pytest.mark.postgres
class TestPostgresAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresAssessmentRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresTrainingRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresCareTaskRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresSurveyResponseRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> Any:
        return twin(PostgresClubActivityRepository, empty_postgres)


@pytest.mark.postgres
class TestPostgresActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, empty_postgres: PostgresDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], PostgresActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> PostgresActivityRepository:
            with empty_postgres.connection() as conn:
                conn.execute(f"TRUNCATE {empty_postgres.schema}.consumption_records")
            for tenant in (TWIN, TESTED):
                ledger = PostgresConsumptionRepository(empty_postgres.for_tenant(tenant))
                for record in records:
                    ledger.add(record)
            return PostgresActivityRepository(empty_postgres.for_tenant(TESTED), zone=zone)

        return make

    @pytest.fixture
    def repository(
        self,
        zoned_repository: Callable[
            [Sequence[ConsumptionRecord], tzinfo], PostgresActivityRepository
        ],
    ) -> Callable[[Sequence[ConsumptionRecord]], PostgresActivityRepository]:
        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))


# --- async PostgreSQL ---------------------------------------------------------------------


class _OnTheModuleLoop:
    """The async suites run on the module's loop, where the pool lives."""

    @pytest.fixture
    def loop_thread(self, postgres_loop: LoopThread) -> LoopThread:
        return postgres_loop


@pytest.mark.postgres
class TestAsyncPostgresCustomers(_OnTheModuleLoop, AsyncCustomerRepositoryContract):
    @pytest.fixture
    def async_repository(
        self, async_postgres: AsyncPostgresDatabase, empty_postgres: PostgresDatabase
    ) -> Any:
        return twin(AsyncPostgresCustomerRepository, async_postgres)


@pytest.mark.postgres
class TestAsyncPostgresBookings(_OnTheModuleLoop, AsyncBookingRepositoryContract):
    @pytest.fixture
    def async_repository(
        self, async_postgres: AsyncPostgresDatabase, empty_postgres: PostgresDatabase
    ) -> Any:
        return twin(AsyncPostgresBookingRepository, async_postgres)


@pytest.mark.postgres
class TestAsyncPostgresComplaints(_OnTheModuleLoop, AsyncComplaintRepositoryContract):
    @pytest.fixture
    def async_repository(
        self, async_postgres: AsyncPostgresDatabase, empty_postgres: PostgresDatabase
    ) -> Any:
        return twin(AsyncPostgresComplaintRepository, async_postgres)


@pytest.mark.postgres
class TestAsyncPostgresAccessLog(_OnTheModuleLoop, AsyncAccessLogContract):
    @pytest.fixture
    def async_repository(
        self, async_postgres: AsyncPostgresDatabase, empty_postgres: PostgresDatabase
    ) -> Any:
        return twin(AsyncPostgresAccessLog, async_postgres)


@pytest.mark.postgres
class TestAsyncPostgresConsentStore(_OnTheModuleLoop, AsyncConsentStoreContract):
    @pytest.fixture
    def async_repository(
        self, async_postgres: AsyncPostgresDatabase, empty_postgres: PostgresDatabase
    ) -> Any:
        return twin(AsyncPostgresConsentStore, async_postgres)


@pytest.mark.postgres
class TestAsyncPostgresDataKeyStore(_OnTheModuleLoop, AsyncDataKeyStoreContract):
    @pytest.fixture
    def async_repository(
        self, async_postgres: AsyncPostgresDatabase, empty_postgres: PostgresDatabase
    ) -> Any:
        return twin(AsyncPostgresDataKeyStore, async_postgres)
