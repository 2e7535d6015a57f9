"""Every PostgreSQL adapter passes its contract suite on a database in a schema of its own.

The schema is `salon`; the database has no `clubrules` schema, and its
`public` schema holds the application's own tables under the names the
library uses, which the connections' default `search_path` finds first. A
statement that named the default schema, or left its table to the
`search_path`, would fail or read the application's rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import psycopg
import pytest

from clubrules.storage.postgres import (
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
    from collections.abc import Callable, Iterator, Sequence
    from datetime import tzinfo

    from clubrules.customers import ConsumptionRecord

pytestmark = pytest.mark.postgres

SCHEMA = "salon"
TABLES = (
    "customers",
    "consumption_records",
    "service_records",
    "data_keys",
    "consents",
    "access_events",
    "staff_rubrics",
    "staff_sheets",
    "staff_sheet_criteria",
    "staff_sheet_lines",
    "staff_warnings",
    "bookings",
    "booking_occupancy",
    "booking_resources",
    "care_tasks",
    "survey_responses",
    "complaint_cases",
    "complaint_events",
    "training_sessions",
    "training_attendance",
    "training_completions",
    "activities",
    "activity_invitations",
    "activity_sign_ups",
)


@pytest.fixture(scope="module")
def postgres_pool_size() -> int:
    """A connection for each of the booking suite's sixteen racing threads."""
    return 16


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    return TABLES


@pytest.fixture(scope="class")
def postgres_database(postgres_url: str, postgres_pool_size: int) -> Iterator[PostgresDatabase]:
    """The class's fresh database: the app's tables in `public`, the library's in `salon`."""
    with psycopg.connect(postgres_url, autocommit=True) as app:
        for table in TABLES:
            app.execute(f"CREATE TABLE public.{table} (id integer PRIMARY KEY, mine text)")
            app.execute(f"INSERT INTO public.{table} VALUES (1, 'the app''s own row')")  # noqa: S608 - constant names
    with PostgresDatabase(postgres_url, pool_size=postgres_pool_size, schema=SCHEMA) as db:
        db.migrate()
        yield db
    with psycopg.connect(postgres_url, autocommit=True) as app:
        assert app.execute("SELECT to_regnamespace('clubrules')").fetchone() == (None,)
        for table in TABLES:
            rows = app.execute(f"SELECT id, mine FROM public.{table}").fetchall()  # noqa: S608
            assert rows == [(1, "the app's own row")], table


class TestSchemaCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresCustomerRepository:
        return PostgresCustomerRepository(empty_postgres)


class TestSchemaConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresConsumptionRepository:
        return PostgresConsumptionRepository(empty_postgres)


class TestSchemaBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresBookingRepository:
        return PostgresBookingRepository(empty_postgres)


class TestSchemaCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresCareTaskRepository:
        return PostgresCareTaskRepository(empty_postgres)


class TestSchemaSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresSurveyResponseRepository:
        return PostgresSurveyResponseRepository(empty_postgres)


class TestSchemaComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresComplaintRepository:
        return PostgresComplaintRepository(empty_postgres)


class TestSchemaAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresAccessLog:
        return PostgresAccessLog(empty_postgres)


class TestSchemaConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresConsentStore:
        return PostgresConsentStore(empty_postgres)


class TestSchemaDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresDataKeyStore:
        return PostgresDataKeyStore(empty_postgres)


class TestSchemaAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresAssessmentRepository:
        return PostgresAssessmentRepository(empty_postgres)


class TestSchemaTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresTrainingRepository:
        return PostgresTrainingRepository(empty_postgres)


class TestSchemaClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self, empty_postgres: PostgresDatabase) -> PostgresClubActivityRepository:
        return PostgresClubActivityRepository(empty_postgres)


class TestSchemaActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, postgres_database: PostgresDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], PostgresActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> PostgresActivityRepository:
            with postgres_database.connection() as conn:
                conn.execute(f"TRUNCATE {SCHEMA}.consumption_records")
            ledger = PostgresConsumptionRepository(postgres_database)
            for record in records:
                ledger.add(record)
            return PostgresActivityRepository(postgres_database, zone=zone)

        return make

    @pytest.fixture
    def repository(
        self,
        zoned_repository: Callable[
            [Sequence[ConsumptionRecord], tzinfo], PostgresActivityRepository
        ],
    ) -> Callable[[Sequence[ConsumptionRecord]], PostgresActivityRepository]:
        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
