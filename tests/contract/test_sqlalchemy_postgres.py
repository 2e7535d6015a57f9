"""The contract suites pass on PostgreSQL adapters inside SQLAlchemy sessions.

Every repository call runs in a SQLAlchemy `Session` of its own
(`postgresql+psycopg://`, connections not in autocommit mode, as SQLAlchemy
uses them): the adapters are built with `database_for(session)`, and the
session commits when the call returns (or rolls back when it raises).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

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
from clubrules.storage.sqlalchemy import postgres_database_for
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
    from contextlib import AbstractContextManager
    from datetime import tzinfo

    from sqlalchemy import Engine

    from clubrules.customers import ConsumptionRecord
    from clubrules.tiering.ports import ActivityRepository

    Sessions = Callable[[], AbstractContextManager[PostgresDatabase]]

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
        "training_attendance",
        "training_completions",
        "training_sessions",
        "activity_sign_ups",
        "activity_invitations",
        "activities",
    )


@pytest.fixture(scope="class")
def engine(postgres_url: str, postgres_pool_size: int) -> Iterator[Engine]:
    """The application's SQLAlchemy engine on the class's database (psycopg 3)."""
    scheme, _, rest = postgres_url.partition("://")
    assert scheme == "postgresql"
    engine = create_engine(f"postgresql+psycopg://{rest}", pool_size=postgres_pool_size)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(empty_postgres: PostgresDatabase, engine: Engine) -> Sessions:
    """Calls in SQLAlchemy sessions on the class's database (migrated, emptied)."""

    @contextlib.contextmanager
    def session() -> Iterator[PostgresDatabase]:
        with Session(engine) as orm:
            try:
                yield postgres_database_for(orm)
            except BaseException:
                orm.rollback()
                raise
            orm.commit()

    return session


@pytest.fixture
def wrap(per_call: Any, sessions: Sessions, empty_postgres: PostgresDatabase) -> Any:
    """A repository of class `build` whose every call runs in a session of its own."""
    return lambda build: per_call(build, sessions, build(empty_postgres))


class TestSessionCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresCustomerRepository)


class TestSessionConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresConsumptionRepository)


class TestSessionBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresBookingRepository)


class TestSessionComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresComplaintRepository)


class TestSessionCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresCareTaskRepository)


class TestSessionSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresSurveyResponseRepository)


class TestSessionAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresAssessmentRepository)


class TestSessionAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresAccessLog)


class TestSessionConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresConsentStore)


class TestSessionDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresDataKeyStore)


class TestSessionTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresTrainingRepository)


class TestSessionClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(PostgresClubActivityRepository)


class TestSessionActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, per_call: Any, sessions: Sessions, empty_postgres: PostgresDatabase
    ) -> Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]:
        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> ActivityRepository:
            with sessions() as database:
                with database.connection() as conn:
                    conn.execute("TRUNCATE clubrules.consumption_records")
                ledger = PostgresConsumptionRepository(database)
                for record in records:
                    ledger.add(record)

            def build(database: PostgresDatabase) -> PostgresActivityRepository:
                return PostgresActivityRepository(database, zone=zone)

            return cast("ActivityRepository", per_call(build, sessions, build(empty_postgres)))

        return make

    @pytest.fixture
    def repository(
        self, zoned_repository: Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]
    ) -> Callable[[Sequence[ConsumptionRecord]], ActivityRepository]:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
