"""The contract suites pass on SQLite adapters inside SQLAlchemy sessions.

Every repository call runs in a SQLAlchemy `Session` of its own on the test's
database file: the adapters are built with `database_for(session)`, and the
session commits when the call returns (or rolls back when it raises). Most
suites run with SQLAlchemy's default for SQLite (the `sqlite3` driver begins
the transaction before the first write); the booking suite runs again with
`BEGIN IMMEDIATE` emitted by SQLAlchemy, the set-up the how-to page advises.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from clubrules.storage.sqlalchemy import sqlite_database_for
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
    from pathlib import Path

    from sqlalchemy import Engine

    from clubrules.customers import ConsumptionRecord
    from clubrules.tiering.ports import ActivityRepository

    Sessions = Callable[[], AbstractContextManager[SQLiteDatabase]]


def sqlite_engine(path: str, *, begin_immediate: bool) -> Engine:
    """A SQLAlchemy engine on `path`: the driver's own transactions, or `BEGIN IMMEDIATE`."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 60})
    if begin_immediate:

        @event.listens_for(engine, "connect")
        def _no_driver_begin(dbapi_connection: Any, _record: object) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@pytest.fixture
def begin_immediate() -> bool:
    return False


@pytest.fixture
def engine(sqlite_database: SQLiteDatabase, begin_immediate: bool) -> Iterator[Engine]:
    engine = sqlite_engine(sqlite_database.path, begin_immediate=begin_immediate)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Sessions:
    """Calls in SQLAlchemy sessions on the test's migrated file, committed by the session."""

    @contextlib.contextmanager
    def session() -> Iterator[SQLiteDatabase]:
        with Session(engine) as orm:
            try:
                yield sqlite_database_for(orm)
            except BaseException:
                orm.rollback()
                raise
            orm.commit()

    return session


@pytest.fixture
def wrap(per_call: Any, sessions: Sessions, sqlite_database: SQLiteDatabase) -> Any:
    """A repository of class `build` whose every call runs in a session of its own."""
    return lambda build: per_call(build, sessions, build(sqlite_database))


class TestSessionCustomers(CustomerRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteCustomerRepository)


class TestSessionConsumption(ConsumptionRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteConsumptionRepository)


class TestSessionBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteBookingRepository)


class TestBeginImmediateBookings(BookingRepositoryContract):
    @pytest.fixture
    def begin_immediate(self) -> bool:
        return True

    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteBookingRepository)


class TestSessionComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteComplaintRepository)


class TestSessionCareTasks(CareTaskRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteCareTaskRepository)


class TestSessionSurveyResponses(SurveyResponseRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteSurveyResponseRepository)


class TestSessionAssessments(AssessmentRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteAssessmentRepository)


class TestSessionAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteAccessLog)


class TestSessionConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteConsentStore)


class TestSessionDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteDataKeyStore)


class TestSessionTraining(TrainingRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteTrainingRepository)


class TestSessionClubActivities(ClubActivityRepositoryContract):
    @pytest.fixture
    def repository(self, wrap: Any) -> Any:
        return wrap(SQLiteClubActivityRepository)


class TestSessionActivity(ActivityRepositoryContract):
    @pytest.fixture
    def zoned_repository(
        self, per_call: Any, tmp_path: Path
    ) -> Iterator[Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]]:
        # Each call starts from a database file of its own, filled in one session.
        engines: list[Engine] = []
        databases: list[SQLiteDatabase] = []

        def make(records: Sequence[ConsumptionRecord], zone: tzinfo) -> ActivityRepository:
            path = tmp_path / f"activity-{len(engines)}.db"
            database = SQLiteDatabase(path)
            database.migrate()
            databases.append(database)
            engine = sqlite_engine(str(path), begin_immediate=False)
            engines.append(engine)

            @contextlib.contextmanager
            def session() -> Iterator[SQLiteDatabase]:
                with Session(engine) as orm:
                    yield sqlite_database_for(orm)
                    orm.commit()

            with session() as filling:
                ledger = SQLiteConsumptionRepository(filling)
                for record in records:
                    ledger.add(record)

            def build(database: SQLiteDatabase) -> SQLiteActivityRepository:
                return SQLiteActivityRepository(database, zone=zone)

            return cast("ActivityRepository", per_call(build, session, build(database)))

        yield make
        for engine in engines:
            engine.dispose()
        for database in databases:
            database.close()

    @pytest.fixture
    def repository(
        self, zoned_repository: Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]
    ) -> Callable[[Sequence[ConsumptionRecord]], ActivityRepository]:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        return lambda records: zoned_repository(records, ZoneInfo("Asia/Shanghai"))
