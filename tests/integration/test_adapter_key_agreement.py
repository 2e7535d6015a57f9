"""Every adapter answers alike for an id or key that no stored value could hold.

A value's constructor refuses NUL characters, lone surrogates and ids over
`ID_MAX_CHARS` (see test_adapter_value_agreement.py), so no adapter holds
such an id. Every repository method that takes a bare id or key is called
with one, on memory, SQLite and PostgreSQL:

- a read answers as it does for an id that is not stored (`NotFoundError`,
  None, an empty list, version 0), without a query reaching the database;
- a write refuses it with a `ValidationError` naming the argument, and
  stores nothing.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from clubrules.activities import Activity, ActivityKind
from clubrules.complaints import CaseKind, Registered
from clubrules.errors import ClubRulesError, NotFoundError, ValidationError
from clubrules.privacy import FieldCipher, Keyring
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

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
START = datetime(2026, 4, 11, 6, tzinfo=UTC)


def incompressible(length: int, seed: int) -> str:
    """`length` random code points of four UTF-8 bytes each: text no compressor shrinks."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x10000, 0x30000)) for _ in range(length))


# A key that is simply not stored, and keys that no stored value can hold,
# with the rule that refuses each.
ABSENT = "absent-1"
HOSTILE = {
    "nul": ("a\x00b", "nul_character"),
    "lone_surrogate": ("a\ud800b", "lone_surrogate"),
    "one_over": ("x" * 201, "too_long"),
    "incompressible_2700_bytes": (incompressible(675, 3), "too_long"),
}


# --- the ports ----------------------------------------------------------------


@dataclass(frozen=True)
class Port:
    """One repository port's three adapters, and what each must hold before a call."""

    memory: Callable[[], Any]
    sqlite: Callable[[SQLiteDatabase], Any]
    postgres: Callable[[PostgresDatabase], Any]
    setup: Callable[[Any], object] = lambda _repo: None


def _activity() -> Activity:
    return Activity(
        id="act-1",
        name="tea party",
        kind=ActivityKind.MEMBER,
        start=START,
        end=START + timedelta(hours=2),
        capacity=2,
    )


def _wrapped(n: int) -> Any:
    cipher = FieldCipher(Keyring.generate())
    return cipher.seal(bytes([n]) * 36, record_type="t", record_id="r", field="f")


WRAPPED = _wrapped(1), _wrapped(2)


def _registered() -> Registered:
    return Registered(
        case_id="k-1",
        at=T0,
        kind=CaseKind.COMPLAINT,
        channel="wechat",
        customer_id="c-1",
        contact="138 0013 8000",
        content="the towel was not clean",
        policy_id="complaint-default",
        policy_version=1,
        by="front-desk",
    )


CUSTOMERS = Port(InMemoryCustomerRepository, SQLiteCustomerRepository, PostgresCustomerRepository)
CONSUMPTION = Port(
    InMemoryConsumptionRepository, SQLiteConsumptionRepository, PostgresConsumptionRepository
)
BOOKINGS = Port(InMemoryBookingRepository, SQLiteBookingRepository, PostgresBookingRepository)
CARE_TASKS = Port(InMemoryCareTaskRepository, SQLiteCareTaskRepository, PostgresCareTaskRepository)
SURVEYS = Port(
    InMemorySurveyResponseRepository,
    SQLiteSurveyResponseRepository,
    PostgresSurveyResponseRepository,
)
COMPLAINTS = Port(
    InMemoryComplaintRepository, SQLiteComplaintRepository, PostgresComplaintRepository
)
DATA_KEYS = Port(InMemoryDataKeyStore, SQLiteDataKeyStore, PostgresDataKeyStore)
CONSENTS = Port(InMemoryConsentStore, SQLiteConsentStore, PostgresConsentStore)
ACCESS_LOG = Port(InMemoryAccessLog, SQLiteAccessLog, PostgresAccessLog)
ASSESSMENTS = Port(
    InMemoryAssessmentRepository, SQLiteAssessmentRepository, PostgresAssessmentRepository
)
SUMMARIES = Port(
    lambda: InMemoryActivityRepository(zone=UTC),
    lambda db: SQLiteActivityRepository(db, zone=UTC),
    lambda db: PostgresActivityRepository(db, zone=UTC),
)
TRAINING = Port(InMemoryTrainingRepository, SQLiteTrainingRepository, PostgresTrainingRepository)
ACTIVITIES = Port(
    InMemoryClubActivityRepository,
    SQLiteClubActivityRepository,
    PostgresClubActivityRepository,
    setup=lambda repo: repo.add(_activity()),
)


@dataclass(frozen=True)
class Call:
    """One method called with a bare id or key; `refused` names it if the call is a write."""

    label: str
    port: Port
    call: Callable[[Any, str], object]
    refused: str | None = None


_DAY = date(2026, 3, 2)
_BEFORE = START - timedelta(days=1)

CALLS = [
    # Reads: answered as for an id that is not stored.
    Call("customers.get", CUSTOMERS, lambda r, k: r.get(k)),
    Call("consumption.get", CONSUMPTION, lambda r, k: r.get(k)),
    Call("consumption.records", CONSUMPTION, lambda r, k: r.records(k)),
    Call("consumption.records_in_window", CONSUMPTION, lambda r, k: r.records(k, end=T0)),
    Call("consumption.service_records", CONSUMPTION, lambda r, k: r.service_records(k)),
    Call("bookings.get", BOOKINGS, lambda r, k: r.get(k)),
    Call("bookings.find", BOOKINGS, lambda r, k: r.find(resource=k)),
    Call(
        "care.tasks",
        CARE_TASKS,
        lambda r, k: r.tasks(start=_DAY, end=_DAY + timedelta(days=9), assignee=k),
    ),
    Call("care.last_issued", CARE_TASKS, lambda r, k: r.last_issued(k)),
    Call("surveys.get", SURVEYS, lambda r, k: r.get(k)),
    Call("surveys.responses", SURVEYS, lambda r, k: r.responses(questionnaire_id=k)),
    Call("complaints.events", COMPLAINTS, lambda r, k: r.events(k)),
    Call("complaints.events_after", COMPLAINTS, lambda r, k: r.events(k, after=1)),
    Call("complaints.version", COMPLAINTS, lambda r, k: r.version(k)),
    Call("data_keys.get", DATA_KEYS, lambda r, k: r.get(k)),
    Call("consents.get", CONSENTS, lambda r, k: r.get(k)),
    Call("consents.for_customer", CONSENTS, lambda r, k: r.for_customer(k)),
    Call("access_log.for_customer", ACCESS_LOG, lambda r, k: r.for_customer(k)),
    Call("access_log.field", ACCESS_LOG, lambda r, k: r.for_customer("c-1", field=k)),
    Call("access_log.by_actor", ACCESS_LOG, lambda r, k: r.by_actor(k, since=T0)),
    Call("assessments.rubric", ASSESSMENTS, lambda r, k: r.rubric(k)),
    Call("assessments.rubric_version", ASSESSMENTS, lambda r, k: r.rubric(k, 1)),
    Call("assessments.sheets", ASSESSMENTS, lambda r, k: r.sheets(k)),
    Call("assessments.warnings", ASSESSMENTS, lambda r, k: r.warnings(k)),
    Call("training.attendance_of_session", TRAINING, lambda r, k: r.attendance(session_id=k)),
    Call("training.attendance_of_staff", TRAINING, lambda r, k: r.attendance(staff_id=k)),
    Call("training.completions", TRAINING, lambda r, k: r.completions(k)),
    Call("activities.get", ACTIVITIES, lambda r, k: r.get(k)),
    Call("activities.invitations", ACTIVITIES, lambda r, k: r.invitations(k)),
    Call("activities.roster", ACTIVITIES, lambda r, k: r.roster(k)),
    Call("activities.participation", ACTIVITIES, lambda r, k: r.participation(k)),
    # A summary holds its customer's id: none can be made for such an id.
    Call(
        "summaries.summary",
        SUMMARIES,
        lambda r, k: r.summary(k, start=T0, end=T0 + timedelta(days=1)),
        refused="customer_id",
    ),
    # Writes: refused, naming the argument.
    Call("data_keys.add", DATA_KEYS, lambda r, k: r.add(k, WRAPPED[0]), "customer_id"),
    Call(
        "data_keys.replace",
        DATA_KEYS,
        lambda r, k: r.replace(k, WRAPPED[0], WRAPPED[1]),
        "customer_id",
    ),
    Call("data_keys.delete", DATA_KEYS, lambda r, k: r.delete(k), "customer_id"),
    Call("consents.withdraw", CONSENTS, lambda r, k: r.withdraw(k, T0), "consent_id"),
    Call(
        "complaints.append",
        COMPLAINTS,
        lambda r, k: r.append(k, 0, [_registered()]),
        "case_id",
    ),
    Call(
        "activities.sign_up_activity",
        ACTIVITIES,
        lambda r, k: r.sign_up(k, "c-1", at=_BEFORE),
        "activity_id",
    ),
    Call(
        "activities.sign_up_customer",
        ACTIVITIES,
        lambda r, k: r.sign_up("act-1", k, at=_BEFORE),
        "customer_id",
    ),
    Call(
        "activities.cancel_activity",
        ACTIVITIES,
        lambda r, k: r.cancel(k, "c-1", at=_BEFORE),
        "activity_id",
    ),
    Call(
        "activities.cancel_customer",
        ACTIVITIES,
        lambda r, k: r.cancel("act-1", k, at=_BEFORE),
        "customer_id",
    ),
    Call(
        "activities.attendance_activity",
        ACTIVITIES,
        lambda r, k: r.record_attendance(k, "c-1", attended=True, at=START),
        "activity_id",
    ),
    Call(
        "activities.attendance_customer",
        ACTIVITIES,
        lambda r, k: r.record_attendance("act-1", k, attended=True, at=START),
        "customer_id",
    ),
]


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    key_agreement_url = postgres_cluster.create_database("key_agreement")
    with PostgresDatabase(key_agreement_url) as db:
        db.migrate()
        yield db


@pytest.fixture
def empty_pg(pg: PostgresDatabase) -> PostgresDatabase:
    with pg.connection() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'clubrules'"
                " AND tablename <> 'schema_version'"
            )
        ]
        conn.execute(f"TRUNCATE {', '.join(f'clubrules.{t}' for t in tables)} CASCADE")
    return pg


@pytest.fixture
def lite() -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(":memory:") as db:
        db.migrate()
        yield db


def _outcome(run: Callable[[], object]) -> tuple[object, ...]:
    """What a caller sees: the value returned, or the error's type and what it names."""
    try:
        result = run()
    except ValidationError as error:
        return ("refused", sorted((v.field, v.rule) for v in error.violations))
    except NotFoundError as error:
        return ("not found", error.kind)
    except ClubRulesError as error:
        return ("raised", type(error).__name__)
    except Exception as error:  # noqa: BLE001 - what escapes is the finding
        return ("escaped", type(error).__name__)
    return ("returned", result)


def _repositories(port: Port, lite: SQLiteDatabase, pg: PostgresDatabase) -> dict[str, Any]:
    repos = {"memory": port.memory(), "sqlite": port.sqlite(lite), "postgres": port.postgres(pg)}
    for repo in repos.values():
        port.setup(repo)
    return repos


# --- the tests --------------------------------------------------------------------


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=list(HOSTILE))
@pytest.mark.parametrize("call", CALLS, ids=[c.label for c in CALLS])
def test_every_adapter_answers_alike_for_a_key_no_value_can_hold(
    call: Call, hostile: str, lite: SQLiteDatabase, empty_pg: PostgresDatabase
) -> None:
    key, rule = HOSTILE[hostile]
    repos = _repositories(call.port, lite, empty_pg)
    seen = {name: _outcome(functools.partial(call.call, repo, key)) for name, repo in repos.items()}
    if call.refused is not None:
        expected: tuple[object, ...] = ("refused", [(call.refused, rule)])
    else:
        # The answer for a key that is simply not stored, on the memory adapter.
        fresh = call.port.memory()
        call.port.setup(fresh)
        expected = _outcome(lambda: call.call(fresh, ABSENT))
    assert seen == dict.fromkeys(repos, expected)


@pytest.mark.parametrize("call", [c for c in CALLS if c.refused], ids=lambda c: c.label)
def test_a_refused_write_stores_nothing_and_never_echoes_the_key(
    call: Call, lite: SQLiteDatabase, empty_pg: PostgresDatabase
) -> None:
    key = "secret\x00key"
    repos = _repositories(call.port, lite, empty_pg)
    for repo in repos.values():
        with pytest.raises(ValidationError) as caught:
            call.call(repo, key)
        assert key not in str(caught.value)
        assert caught.value.__cause__ is None
    # The stores still answer as before: a key-less read sees nothing new.
    if call.port is DATA_KEYS:
        assert all(list(repo.customer_ids()) == [] for repo in repos.values())
    if call.port is COMPLAINTS:
        assert all(repo.case_ids() == [] for repo in repos.values())
    if call.port is ACTIVITIES:
        assert all(repo.roster("act-1") == [] for repo in repos.values())


def test_a_hostile_read_inside_a_postgres_unit_of_work_leaves_it_usable(
    empty_pg: PostgresDatabase,
) -> None:
    """A NUL sent to PostgreSQL would abort the open transaction; none is sent."""
    customers = PostgresCustomerRepository(empty_pg)
    keys = PostgresDataKeyStore(empty_pg)
    with empty_pg.unit_of_work():
        with pytest.raises(NotFoundError):
            customers.get("c\x00-1")
        assert keys.get("a\ud800") is None
        keys.add("c-1", WRAPPED[0])
    assert keys.get("c-1") == WRAPPED[0]
