"""Memory, SQLite and PostgreSQL adapters driven side by side agree at every step.

A hypothesis `RuleBasedStateMachine` applies the same random operations to
the three customer repositories (and the consumption repositories, the
consent stores and the assessment repositories) and
asserts that each call has the same outcome everywhere: the same value, or
the same error type. Where an async PostgreSQL adapter exists (customers,
consents, bookings), it is a fourth side, on a database of its own, driven through a
`LoopThread`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from clubrules.booking import BookingStatus
from clubrules.care import CareKind, CareTask, SurveyResponse
from clubrules.customers import ConsumptionKind, ConsumptionRecord, Customer, parse_phone
from clubrules.errors import ClubRulesError
from clubrules.money import Money
from clubrules.privacy import ConsentRecord, Purpose
from clubrules.staff import (
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ScoreSheet,
    WarningRecord,
    assess,
    seed_rubric,
)
from clubrules.storage.memory import (
    InMemoryActivityRepository,
    InMemoryAssessmentRepository,
    InMemoryBookingRepository,
    InMemoryCareTaskRepository,
    InMemoryConsentStore,
    InMemoryConsumptionRepository,
    InMemoryCustomerRepository,
    InMemorySurveyResponseRepository,
)
from clubrules.storage.postgres import (
    AsyncPostgresBookingRepository,
    AsyncPostgresConsentStore,
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    PostgresActivityRepository,
    PostgresAssessmentRepository,
    PostgresBookingRepository,
    PostgresCareTaskRepository,
    PostgresConsentStore,
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
    PostgresSurveyResponseRepository,
)
from clubrules.storage.sqlite import (
    SQLiteActivityRepository,
    SQLiteAssessmentRepository,
    SQLiteBookingRepository,
    SQLiteCareTaskRepository,
    SQLiteConsentStore,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
    SQLiteSurveyResponseRepository,
)
from clubrules.testing import LoopThread
from clubrules.testing.contracts import _booking as booking_contract
from clubrules.testing.strategies import aware_datetimes, customers

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

IDS = st.sampled_from(["c-1", "c-2", "c-3", "c-10", "C-1"])
PHONES = [parse_phone(p) for p in ("13800138000", "13900139000", "18612345678")]
T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
SETTINGS = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def pg(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    storage_agreement_url = postgres_cluster.create_database("storage_agreement")
    with PostgresDatabase(storage_agreement_url) as db:
        db.migrate()
        yield db


@dataclass(frozen=True)
class AsyncPostgres:
    """The async side: its database, a sync handle on it for emptying, the loop it runs on."""

    database: AsyncPostgresDatabase
    admin: PostgresDatabase
    loop: LoopThread

    def blocking(self, repository: object, *iterators: str) -> Any:
        return self.loop.blocking(repository, iterators=iterators)


@pytest.fixture(scope="module")
def apg(postgres_cluster: PostgresCluster) -> Iterator[AsyncPostgres]:
    storage_agreement_async_url = postgres_cluster.create_database("storage_agreement_async")
    url = storage_agreement_async_url
    with PostgresDatabase(url) as sync, LoopThread(name="agreement-loop") as loop:
        sync.migrate()
        database = loop.run(AsyncPostgresDatabase.open(url, pool_size=2))
        yield AsyncPostgres(database, sync, loop)
        loop.run(database.close())


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        value = call()
    except ClubRulesError as error:
        return ("error", type(error).__name__)
    if isinstance(value, (list, tuple)) or hasattr(value, "__next__"):
        value = list(value)
    return ("ok", value)


class _Sides:
    """The three adapters of one port, and the step that checks they agree."""

    def __init__(self, pg: PostgresDatabase, apg: AsyncPostgres | None = None) -> None:
        for database in (pg,) if apg is None else (pg, apg.admin):
            with database.connection() as conn:
                conn.execute(
                    "TRUNCATE clubrules.customers, clubrules.consumption_records,"
                    " clubrules.service_records, clubrules.consents"
                )
        self.sqlite = SQLiteDatabase(":memory:")
        self.sqlite.migrate()
        self.pg = pg

    def agree(self, calls: dict[str, Callable[[], Any]]) -> tuple[str, Any]:
        outcomes = {name: _outcome(call) for name, call in calls.items()}
        first = next(iter(outcomes.values()))
        assert all(o == first for o in outcomes.values()), outcomes
        return first


class CustomerAgreement(RuleBasedStateMachine):
    def __init__(self, pg: PostgresDatabase, apg: AsyncPostgres) -> None:
        super().__init__()
        self.sides = _Sides(pg, apg)
        self.repos = {
            "memory": InMemoryCustomerRepository(),
            "sqlite": SQLiteCustomerRepository(self.sides.sqlite),
            "postgres": PostgresCustomerRepository(pg),
            "postgres-async": apg.blocking(
                AsyncPostgresCustomerRepository(apg.database), "customers"
            ),
        }

    def _all(self, method: str, *args: Any) -> tuple[str, Any]:
        return self.sides.agree(
            {
                name: functools.partial(getattr(repo, method), *args)
                for name, repo in self.repos.items()
            }
        )

    @rule(
        customer=customers(ids=IDS),
        phone=st.none() | st.sampled_from(PHONES),
    )
    def add(self, customer: Customer, phone: Any) -> None:
        self._all("add", attrs.evolve(customer, phone=phone))

    @rule(
        customer=customers(ids=IDS),
        phone=st.none() | st.sampled_from(PHONES),
    )
    def update(self, customer: Customer, phone: Any) -> None:
        self._all("update", attrs.evolve(customer, phone=phone))

    @rule(customer_id=IDS)
    def get(self, customer_id: str) -> None:
        self._all("get", customer_id)

    @rule(phone=st.sampled_from(PHONES))
    def find_by_phone(self, phone: Any) -> None:
        self._all("find_by_phone", phone)

    @invariant()
    def listings_agree(self) -> None:
        self._all("customers")

    def teardown(self) -> None:
        self.sides.sqlite.close()


class LedgerAgreement(RuleBasedStateMachine):
    def __init__(self, pg: PostgresDatabase) -> None:
        super().__init__()
        self.sides = _Sides(pg)
        self.repos = {
            "memory": InMemoryConsumptionRepository(),
            "sqlite": SQLiteConsumptionRepository(self.sides.sqlite),
            "postgres": PostgresConsumptionRepository(pg),
        }

    def _all(self, method: str, *args: Any, **kwargs: Any) -> tuple[str, Any]:
        return self.sides.agree(
            {
                name: functools.partial(getattr(repo, method), *args, **kwargs)
                for name, repo in self.repos.items()
            }
        )

    @rule(
        n=st.integers(0, 4),
        customer=st.sampled_from(["c-1", "c-2"]),
        minutes=st.integers(0, 20),
        amount=st.sampled_from(["0", "10.00", "10.0", "288.50", "1E+2"]),
        kind=st.sampled_from(ConsumptionKind),
    )
    def add(self, n: int, customer: str, minutes: int, amount: str, kind: ConsumptionKind) -> None:
        record = ConsumptionRecord(
            id=f"t-{n}",
            customer_id=customer,
            at=T0 + timedelta(minutes=minutes),
            service="facial",
            amount=Money(amount),
            kind=kind,
        )
        self._all("add", record)

    @rule(
        customer=st.none() | st.sampled_from(["c-1", "c-2"]),
        start=st.none() | st.integers(-1, 21),
        span=st.none() | st.integers(0, 21),
    )
    def window(self, customer: str | None, start: int | None, span: int | None) -> None:
        lo = None if start is None else T0 + timedelta(minutes=start)
        hi = None if lo is None or span is None else lo + timedelta(minutes=span)
        self._all("records", customer, start=lo, end=hi)

    @rule(n=st.integers(0, 4))
    def get(self, n: int) -> None:
        self._all("get", f"t-{n}")

    def teardown(self) -> None:
        self.sides.sqlite.close()


class ConsentAgreement(RuleBasedStateMachine):
    def __init__(self, pg: PostgresDatabase, apg: AsyncPostgres) -> None:
        super().__init__()
        self.sides = _Sides(pg, apg)
        self.repos = {
            "memory": InMemoryConsentStore(),
            "sqlite": SQLiteConsentStore(self.sides.sqlite),
            "postgres": PostgresConsentStore(pg),
            "postgres-async": apg.blocking(AsyncPostgresConsentStore(apg.database)),
        }

    def _all(self, method: str, *args: Any) -> tuple[str, Any]:
        return self.sides.agree(
            {
                name: functools.partial(getattr(repo, method), *args)
                for name, repo in self.repos.items()
            }
        )

    @rule(
        n=st.integers(0, 3),
        customer=st.sampled_from(["c-1", "c-2"]),
        given_at=aware_datetimes(),
        expires=st.none() | st.integers(0, 400),
    )
    def add(self, n: int, customer: str, given_at: datetime, expires: int | None) -> None:
        record = ConsentRecord(
            id=f"k-{n}",
            customer_id=customer,
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies"},
            given_at=given_at,
            separate=True,
            expires_at=None if expires is None else given_at + timedelta(days=expires),
        )
        self._all("add", record)

    @rule(n=st.integers(0, 3), at=aware_datetimes())
    def withdraw(self, n: int, at: datetime) -> None:
        self._all("withdraw", f"k-{n}", at)

    @rule(n=st.integers(0, 3))
    def get(self, n: int) -> None:
        self._all("get", f"k-{n}")

    @invariant()
    def listings_agree(self) -> None:
        self._all("for_customer", "c-1")
        self._all("for_customer", "c-2")

    def teardown(self) -> None:
        self.sides.sqlite.close()


SHANGHAI = ZoneInfo("Asia/Shanghai")
_MANUAL = (
    "responsibility",
    "teamwork",
    "service_knowledge",
    "answer_accuracy",
    "booking_handling",
    "complaint_handling",
)


@functools.cache
def _sheet(n: int, staff: str, month: int, points: str, ad_hoc: bool) -> ScoreSheet:
    if ad_hoc:
        start = datetime(2026, month, 10, tzinfo=SHANGHAI)
        period = AssessmentPeriod.ad_hoc(start, start + timedelta(days=5), label="spot check")
    else:
        period = AssessmentPeriod.monthly(2026, month)
    inputs = AssessmentInputs(
        manual={key: ManualScore(points=Decimal(points), by="sup-1") for key in _MANUAL},
        kpis={
            "satisfaction_rate": Kpi(40, 45),
            "booking_success_rate": Kpi(47, 50),
            "complaint_timeliness_rate": Kpi.no_events(),
        },
        evaluations=(5, 4),
    )
    return assess(
        seed_rubric(),
        inputs,
        sheet_id=f"a-{n}",
        staff_id=staff,
        period=period,
        as_of=period.end + timedelta(hours=1),
        kind=AssessmentKind.AD_HOC if ad_hoc else AssessmentKind.PERIODIC,
    )


class AssessmentAgreement(RuleBasedStateMachine):
    def __init__(self, pg: PostgresDatabase) -> None:
        super().__init__()
        self.sides = _Sides(pg)
        with pg.connection() as conn:
            conn.execute(
                "TRUNCATE clubrules.staff_rubrics, clubrules.staff_sheets,"
                " clubrules.staff_sheet_criteria, clubrules.staff_sheet_lines,"
                " clubrules.staff_warnings"
            )
        self.repos = {
            "memory": InMemoryAssessmentRepository(),
            "sqlite": SQLiteAssessmentRepository(self.sides.sqlite),
            "postgres": PostgresAssessmentRepository(pg),
        }

    def _all(self, method: str, *args: Any, **kwargs: Any) -> tuple[str, Any]:
        return self.sides.agree(
            {
                name: functools.partial(getattr(repo, method), *args, **kwargs)
                for name, repo in self.repos.items()
            }
        )

    @rule(version=st.integers(1, 3), days=st.sampled_from([14, 30]))
    def add_rubric(self, version: int, days: int) -> None:
        self._all("add_rubric", attrs.evolve(seed_rubric(version=version), improvement_days=days))

    @rule(version=st.none() | st.integers(1, 3))
    def rubric(self, version: int | None) -> None:
        self._all("rubric", "customer-service", version)

    @rule(
        n=st.integers(0, 5),
        staff=st.sampled_from(["s-1", "s-2"]),
        month=st.integers(1, 4),
        points=st.sampled_from(["3", "8.50"]),
        ad_hoc=st.booleans(),
    )
    def add_sheet(self, n: int, staff: str, month: int, points: str, ad_hoc: bool) -> None:
        self._all("add_sheet", _sheet(n, staff, month, points, ad_hoc))

    @rule(
        staff=st.none() | st.sampled_from(["s-1", "s-2"]),
        start=st.none() | st.integers(1, 5),
        span=st.none() | st.integers(0, 3),
    )
    def window(self, staff: str | None, start: int | None, span: int | None) -> None:
        lo = None if start is None else datetime(2026, start, 1, tzinfo=SHANGHAI)
        hi = None if lo is None or span is None else lo + timedelta(days=31 * span)
        self._all("sheets", staff, start=lo, end=None if hi is None else hi.astimezone(UTC))

    @rule(
        n=st.integers(0, 3),
        staff=st.sampled_from(["s-1", "s-2"]),
        day=st.integers(1, 3),
        total=st.sampled_from(["55.50", "55.5", "40.00"]),
    )
    def add_warning(self, n: int, staff: str, day: int, total: str) -> None:
        issued = datetime(2026, 4, day, 9, tzinfo=SHANGHAI)
        warning = WarningRecord(
            id=f"w-{n}",
            staff_id=staff,
            sheet_id="a-1",
            issued_at=issued,
            improve_by=issued + timedelta(days=30),
            total=Decimal(total),
            band="fail",
        )
        self._all("add_warning", warning)

    @invariant()
    def listings_agree(self) -> None:
        self._all("sheets")
        self._all("warnings")
        self._all("warnings", "s-1")

    def teardown(self) -> None:
        self.sides.sqlite.close()


def test_customer_repositories_agree(pg: PostgresDatabase, apg: AsyncPostgres) -> None:
    run_state_machine_as_test(
        # Any factory works; the stub only names the class form.
        lambda: CustomerAgreement(pg, apg),  # type: ignore[arg-type]
        settings=SETTINGS,
    )


def test_consumption_repositories_agree(pg: PostgresDatabase) -> None:
    run_state_machine_as_test(
        lambda: LedgerAgreement(pg),  # type: ignore[arg-type]
        settings=SETTINGS,
    )


def test_consent_stores_agree(pg: PostgresDatabase, apg: AsyncPostgres) -> None:
    run_state_machine_as_test(
        lambda: ConsentAgreement(pg, apg),  # type: ignore[arg-type]
        settings=SETTINGS,
    )


def test_assessment_repositories_agree(pg: PostgresDatabase) -> None:
    run_state_machine_as_test(
        lambda: AssessmentAgreement(pg),  # type: ignore[arg-type]
        settings=SETTINGS,
    )


# --- tiering and care ---------------------------------------------------------------
D0 = T0.date()


class ActivityAgreement(RuleBasedStateMachine):
    """The same ledger in three stores: summaries computed in Python, or by SQL aggregates."""

    def __init__(self, pg: PostgresDatabase) -> None:
        super().__init__()
        self.sides = _Sides(pg)
        memory = InMemoryConsumptionRepository()
        self.ledgers: dict[str, Any] = {
            "memory": memory,
            "sqlite": SQLiteConsumptionRepository(self.sides.sqlite),
            "postgres": PostgresConsumptionRepository(pg),
        }
        self.repos: dict[str, Any] = {
            "memory": InMemoryActivityRepository(zone=SHANGHAI, consumption=memory),
            "sqlite": SQLiteActivityRepository(self.sides.sqlite, zone=SHANGHAI),
            "postgres": PostgresActivityRepository(pg, zone=SHANGHAI),
        }

    @rule(
        n=st.integers(0, 6),
        customer=st.sampled_from(["c-1", "c-2", "C-1"]),
        hours=st.integers(0, 24 * 6),
        amount=st.sampled_from(["0", "10.00", "288.50", "1E+2"]),
        kind=st.sampled_from(ConsumptionKind),
    )
    def add(self, n: int, customer: str, hours: int, amount: str, kind: ConsumptionKind) -> None:
        record = ConsumptionRecord(
            id=f"t-{n}",
            customer_id=customer,
            at=(T0 + timedelta(hours=hours)).astimezone(SHANGHAI),
            service="facial",
            amount=Money(amount),
            kind=kind,
        )
        self.sides.agree(
            {name: functools.partial(ledger.add, record) for name, ledger in self.ledgers.items()}
        )

    @rule(lo=st.integers(-1, 6), span=st.integers(-1, 6), customer=st.sampled_from(["c-1", "x"]))
    def query(self, lo: int, span: int, customer: str) -> None:
        start = T0 + timedelta(days=lo)
        end = start + timedelta(days=span)
        self.sides.agree(
            {
                name: functools.partial(repo.summaries, start=start, end=end)
                for name, repo in self.repos.items()
            }
        )
        self.sides.agree(
            {
                name: functools.partial(repo.summary, customer, start=start, end=end)
                for name, repo in self.repos.items()
            }
        )

    def teardown(self) -> None:
        self.sides.sqlite.close()


class CareAgreement(RuleBasedStateMachine):
    """Care tasks and survey responses in the three stores."""

    def __init__(self, pg: PostgresDatabase) -> None:
        super().__init__()
        self.sides = _Sides(pg)
        with pg.connection() as conn:
            conn.execute("TRUNCATE clubrules.care_tasks, clubrules.survey_responses")
        self.tasks = {
            "memory": InMemoryCareTaskRepository(),
            "sqlite": SQLiteCareTaskRepository(self.sides.sqlite),
            "postgres": PostgresCareTaskRepository(pg),
        }
        self.surveys = {
            "memory": InMemorySurveyResponseRepository(),
            "sqlite": SQLiteSurveyResponseRepository(self.sides.sqlite),
            "postgres": PostgresSurveyResponseRepository(pg),
        }

    def _all(self, repos: dict[str, Any], method: str, *args: Any, **kwargs: Any) -> None:
        self.sides.agree(
            {
                name: functools.partial(getattr(repo, method), *args, **kwargs)
                for name, repo in repos.items()
            }
        )

    @rule(
        customer=st.sampled_from(["c-1", "c-2", "C-1"]),
        kind=st.sampled_from(CareKind),
        day=st.integers(0, 3),
        hour=st.integers(8, 20),
        source=st.sampled_from(["birthday", "activity-drop"]),
        note=st.sampled_from(["", "生日快乐"]),
        assignee=st.none() | st.sampled_from(["st-1", "st-2"]),
    )
    def add_task(
        self,
        *,
        customer: str,
        kind: CareKind,
        day: int,
        hour: int,
        source: str,
        note: str,
        assignee: str | None,
    ) -> None:
        due = D0 + timedelta(days=day)
        task = CareTask(
            customer_id=customer,
            kind=kind,
            due=due,
            at=datetime(due.year, due.month, due.day, hour, tzinfo=SHANGHAI),
            rule=source,
            note=note,
            assignee=assignee,
        )
        self._all(self.tasks, "add", task)

    @rule(
        lo=st.integers(-1, 4),
        span=st.integers(-1, 4),
        assignee=st.none() | st.sampled_from(["st-1", "st-2"]),
    )
    def list_tasks(self, lo: int, span: int, assignee: str | None) -> None:
        start = D0 + timedelta(days=lo)
        self._all(
            self.tasks, "tasks", start=start, end=start + timedelta(days=span), assignee=assignee
        )

    @rule(
        n=st.integers(0, 3),
        questionnaire=st.sampled_from(["q-1", "q-2"]),
        minutes=st.integers(0, 20),
        service=st.integers(1, 5),
        nps=st.none() | st.integers(0, 10),
    )
    def add_response(
        self, n: int, questionnaire: str, minutes: int, service: int, nps: int | None
    ) -> None:
        response = SurveyResponse(
            id=f"r-{n}",
            questionnaire_id=questionnaire,
            customer_id="c-1",
            at=(T0 + timedelta(minutes=minutes)).astimezone(SHANGHAI),
            answers={"service": service, "environment": 4},
            nps=nps,
            staff_id="st-7",
        )
        self._all(self.surveys, "add", response)

    @rule(n=st.integers(0, 3))
    def get_response(self, n: int) -> None:
        self._all(self.surveys, "get", f"r-{n}")

    @rule(
        questionnaire=st.none() | st.sampled_from(["q-1", "q-2"]),
        lo=st.none() | st.integers(0, 20),
        span=st.none() | st.integers(-1, 20),
    )
    def list_responses(self, questionnaire: str | None, lo: int | None, span: int | None) -> None:
        start = None if lo is None else T0 + timedelta(minutes=lo)
        end = None if start is None or span is None else start + timedelta(minutes=span)
        self._all(self.surveys, "responses", questionnaire_id=questionnaire, start=start, end=end)

    @invariant()
    def cooldowns_agree(self) -> None:
        self._all(self.tasks, "last_issued", "activity-drop")

    def teardown(self) -> None:
        self.sides.sqlite.close()


def test_activity_repositories_agree(pg: PostgresDatabase) -> None:
    run_state_machine_as_test(
        lambda: ActivityAgreement(pg),  # type: ignore[arg-type]
        settings=SETTINGS,
    )


def test_care_repositories_agree(pg: PostgresDatabase) -> None:
    run_state_machine_as_test(
        lambda: CareAgreement(pg),  # type: ignore[arg-type]
        settings=SETTINGS,
    )


# --- booking ------------------------------------------------------------------------


class BookingAgreement(RuleBasedStateMachine):
    """Random adds (some clashing, some retried, some held and lapsed) and lookups."""

    def __init__(self, pg: PostgresDatabase, apg: AsyncPostgres) -> None:
        super().__init__()
        self.sides = _Sides(pg, apg)
        for database in (pg, apg.admin):
            with database.connection() as conn:
                conn.execute(
                    "TRUNCATE clubrules.bookings, clubrules.booking_occupancy,"
                    " clubrules.booking_resources"
                )
        self.repos = {
            "memory": InMemoryBookingRepository(),
            "sqlite": SQLiteBookingRepository(self.sides.sqlite),
            "postgres": PostgresBookingRepository(pg),
            "postgres-async": apg.blocking(AsyncPostgresBookingRepository(apg.database)),
        }
        self.clock = -180

    def _all(self, method: str, *args: Any, **kwargs: Any) -> tuple[str, Any]:
        return self.sides.agree(
            {
                name: functools.partial(getattr(repo, method), *args, **kwargs)
                for name, repo in self.repos.items()
            }
        )

    @rule(
        n=st.integers(0, 6),
        start=st.integers(0, 8).map(lambda q: q * 15),
        length=st.sampled_from([15, 30, 60, 240]),  # 240: longer than any window searched
        room=st.sampled_from(["room-1", "room-2"]),
        held=st.booleans(),
        key=st.none() | st.sampled_from(["k-1", "k-2"]),
        now=st.sampled_from([-180, -30]),
    )
    def add(
        self,
        *,
        n: int,
        start: int,
        length: int,
        room: str,
        held: bool,
        key: str | None,
        now: int,
    ) -> None:
        # room-1 seats one customer at a time; room-2 (a group room) two.
        booking = booking_contract._booking(
            f"b-{n}",
            start,
            start + length,
            resource=room,
            capacity=1 if room == "room-1" else 2,
            status=BookingStatus.HELD if held else BookingStatus.CONFIRMED,
            expires=-60 if held else None,
            key=key,
        )
        # A hold made at -180 lapses at -60, so a later add at -30 may take its slot.
        # The clock may also go back (-30, then -180): a hold's lapse is judged by
        # each call's `now`, so the adapters agree whatever the order.
        self.clock = now
        self._all("add", booking, now=booking_contract.T0 + timedelta(minutes=self.clock))

    @rule(n=st.integers(0, 6))
    def get(self, n: int) -> None:
        self._all("get", f"b-{n}")

    @rule(
        room=st.none() | st.sampled_from(["room-1", "room-2"]),
        lo=st.none() | st.integers(0, 8).map(lambda q: q * 15),
        span=st.integers(0, 120),
    )
    def find(self, room: str | None, lo: int | None, span: int) -> None:
        start = None if lo is None else booking_contract.T0 + timedelta(minutes=lo)
        end = None if start is None else start + timedelta(minutes=span)
        self._all("find", resource=room, start=start, end=end)

    @invariant()
    def listings_agree(self) -> None:
        self._all("find")

    def teardown(self) -> None:
        self.sides.sqlite.close()


def test_booking_repositories_agree(pg: PostgresDatabase, apg: AsyncPostgres) -> None:
    run_state_machine_as_test(
        lambda: BookingAgreement(pg, apg),  # type: ignore[arg-type]
        settings=SETTINGS,
    )


def test_booking_adapters_agree_when_the_clock_goes_back(
    pg: PostgresDatabase, apg: AsyncPostgres
) -> None:
    # Once recorded as a divergence: memory released a lapsed hold's key for
    # good, while SQLite and PostgreSQL judged the hold again at each `now`.
    # The rule now, in the contract suite: judged by each call's `now`.
    machine = BookingAgreement(pg, apg)
    try:
        machine.add(n=0, start=15, length=15, room="room-1", held=False, key=None, now=-180)
        machine.add(n=1, start=0, length=15, room="room-1", held=True, key="k-1", now=-180)
        machine.clock = -30
        machine.add(n=0, start=0, length=15, room="room-1", held=False, key="k-1", now=-30)
        machine.clock = -180  # the clock goes back
        machine.add(n=0, start=0, length=15, room="room-1", held=False, key="k-1", now=-180)
    finally:
        machine.teardown()


def test_booking_adapters_agree_on_a_lapsed_hold_seen_again(
    pg: PostgresDatabase, apg: AsyncPostgres
) -> None:
    # PostgreSQL switches a lapsed hold's row off when a later write finds it in
    # the way; a write whose `now` is earlier must still find the hold there.
    machine = BookingAgreement(pg, apg)
    try:
        machine.add(n=1, start=0, length=30, room="room-1", held=True, key=None, now=-180)
        machine.add(n=2, start=0, length=15, room="room-1", held=False, key=None, now=-30)
        outcome = machine._all(
            "add",
            booking_contract._booking("b-3", 15, 30),
            now=booking_contract.T0 + timedelta(minutes=-180),
        )
        assert outcome == ("error", "SlotConflictError")
    finally:
        machine.teardown()
