"""A value the memory adapter accepts is one that every adapter accepts.

For each stored value type and each of its text fields, hostile text (a
lone surrogate, a NUL character, text just over the field's documented
limit, a megabyte) and the longest text allowed (incompressible: random
code points of four UTF-8 bytes each) are tried. Either the value's
constructor refuses it with a `ValidationError` naming the field, so that no
adapter ever sees it, or the memory, SQLite and PostgreSQL adapters all
store it and read it back equal. The same holds for `Money` amounts, and a
property checks that any text the constructors accept round-trips through
all three adapters.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.booking import Booking, Occupancy
from clubrules.care import CareKind, CareTask, SurveyResponse
from clubrules.complaints import CaseKind, Registered, Resolved
from clubrules.customers import ConsumptionRecord, Customer, ServiceRecord
from clubrules.errors import InvalidMoneyError, ValidationError
from clubrules.money import Money
from clubrules.privacy import AccessEvent, ConsentRecord, Purpose
from clubrules.staff import (
    AssessmentInputs,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ManualScoring,
    Rubric,
    ScoreSheet,
    WarningRecord,
    assess,
    seed_rubric,
)
from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryAssessmentRepository,
    InMemoryBookingRepository,
    InMemoryCareTaskRepository,
    InMemoryComplaintRepository,
    InMemoryConsentStore,
    InMemoryConsumptionRepository,
    InMemoryCustomerRepository,
    InMemorySurveyResponseRepository,
)
from clubrules.storage.postgres import (
    PostgresAccessLog,
    PostgresAssessmentRepository,
    PostgresBookingRepository,
    PostgresCareTaskRepository,
    PostgresComplaintRepository,
    PostgresConsentStore,
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
    PostgresSurveyResponseRepository,
)
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteAssessmentRepository,
    SQLiteBookingRepository,
    SQLiteCareTaskRepository,
    SQLiteComplaintRepository,
    SQLiteConsentStore,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
    SQLiteSurveyResponseRepository,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
# The documented limits (docs/explanation/errors.md), in characters.
ID_MAX_CHARS = 200  # ids, names, labels
TEXT_MAX_CHARS = 100_000  # free text: notes, effects, evidence, guidance
COMPLAINT_TEXT_MAX = 4000  # a complaint event's contact, content and notes
NOTE_MAX = 4000  # a supervisor's note on a manual score
EMAIL_MAX = 254
WECHAT_MAX = 64


def incompressible(length: int, seed: int) -> str:
    """`length` random code points of four UTF-8 bytes each: text no compressor shrinks."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x10000, 0x30000)) for _ in range(length))


# --- the stored values, each with one field set to given text -----------------


def _customer(field: str, text: str) -> Customer:
    values: dict[str, Any] = {"id": "c-1", "name": "Li Na", "registered_at": T0}
    if field == "email":
        values["email"] = text + "@example.com"
    elif field == "tags":
        values["tags"] = {"vip", text}
    else:
        values[field] = text
    return Customer(**values)


def _consumption(field: str, text: str) -> ConsumptionRecord:
    values: dict[str, Any] = {
        "id": "t-1",
        "customer_id": "c-1",
        "at": T0,
        "service": "facial",
        "amount": Money("88.00"),
        "kind": "refund",
        "refund_of": "t-0",
    }
    values[field] = text
    return ConsumptionRecord(**values)


def _service(field: str, text: str) -> ServiceRecord:
    values: dict[str, Any] = {
        "id": "s-1",
        "customer_id": "c-1",
        "at": T0,
        "service": "facial",
        "staff_id": "st-1",
        "notes": "mask",
        "effect": "calm",
    }
    values[field] = text
    return ServiceRecord(**values)


def _booking(field: str, text: str) -> Booking:
    values: dict[str, Any] = {
        "id": "b-1",
        "service": "facial",
        "start": T0,
        "end": T0 + timedelta(hours=1),
        "customer_id": "c-1",
        "confirmation_code": "K7P2QX",
        "idempotency_key": "req-1",
        "taken_by": "st-1",
        "created_at": T0 - timedelta(days=1),
    }
    occupancy = {"resource": "room-1", "role": "room"}
    if field in occupancy:
        occupancy[field] = text
    else:
        values[field] = text
    values["occupancy"] = (
        Occupancy.between(
            occupancy["resource"], values["start"], values["end"], role=occupancy["role"]
        ),
    )
    return Booking(**values)


def _care_task(field: str, text: str) -> CareTask:
    values: dict[str, Any] = {
        "customer_id": "c-1",
        "kind": CareKind.RETURN_VISIT,
        "due": date(2026, 3, 5),
        "at": datetime(2026, 3, 5, 1, tzinfo=UTC),
        "rule": "facial",
        "note": "ask about redness",
        "assignee": "st-1",
    }
    values[field] = text
    return CareTask(**values)


def _survey(field: str, text: str) -> SurveyResponse:
    values: dict[str, Any] = {
        "id": "r-1",
        "questionnaire_id": "q-1",
        "customer_id": "c-1",
        "at": T0,
        "answers": {"service": 5, "hygiene": 4},
        "nps": 9,
        "staff_id": "st-1",
    }
    if field == "answers":
        values["answers"] = {text: 5}
    else:
        values[field] = text
    return SurveyResponse(**values)


def _registered(field: str, text: str) -> Registered:
    values: dict[str, Any] = {
        "case_id": "k-1",
        "at": T0,
        "kind": CaseKind.COMPLAINT,
        "channel": "wechat",
        "customer_id": "c-1",
        "contact": "138 0013 8000",
        "content": "the towel was not clean",
        "policy_id": "complaint-default",
        "policy_version": 1,
        "category": "hygiene",
        "by": "front-desk",
        "assignee": "st-1",
    }
    values[field] = text
    return Registered(**values)


def _consent(field: str, text: str) -> ConsentRecord:
    values: dict[str, Any] = {
        "id": "k-1",
        "customer_id": "c-1",
        "purpose": Purpose.THIRD_PARTY_DISCLOSURE,
        "scope": {"phone"},
        "given_at": T0,
        "recipient": "courier",
        "evidence": "form 12",
    }
    if field == "scope":
        values["scope"] = {"phone", text}
    else:
        values[field] = text
    return ConsentRecord(**values)


def _access(field: str, text: str) -> AccessEvent:
    values: dict[str, Any] = {
        "at": T0,
        "actor": "st-7",
        "role": "beautician",
        "purpose": Purpose.SERVICE_DELIVERY,
        "customer_id": "c-1",
        "field": "allergies",
        "allowed": True,
        "reason": "allowed",
    }
    values[field] = text
    return AccessEvent(**values)


def _rubric(field: str, text: str) -> Rubric:
    base = seed_rubric("customer-service")
    if field == "id":
        return seed_rubric(text)
    first = base.criteria[0]
    items = tuple(
        attrs.evolve(item, method=ManualScoring(guidance=text))
        if isinstance(item.method, ManualScoring)
        else item
        for item in first.sub_items
    )
    return attrs.evolve(base, criteria=(attrs.evolve(first, sub_items=items), *base.criteria[1:]))


_MANUAL = (
    "responsibility",
    "teamwork",
    "service_knowledge",
    "answer_accuracy",
    "booking_handling",
    "complaint_handling",
)


def _sheet(field: str, text: str) -> ScoreSheet:
    ids: dict[str, Any] = {"sheet_id": "a-1", "staff_id": "st-1"}
    by, note = "sup-1", "steady"
    if field in ids:
        ids[field] = text
    elif field == "by":
        by = text
    else:
        note = text
    period = AssessmentPeriod.monthly(2026, 2)
    inputs = AssessmentInputs(
        manual={key: ManualScore(points=Decimal(8), by=by, note=note) for key in _MANUAL},
        kpis={
            "satisfaction_rate": Kpi(40, 45),
            "booking_success_rate": Kpi(47, 50),
            "complaint_timeliness_rate": Kpi.no_events(),
        },
        evaluations=(5, 4),
    )
    return assess(seed_rubric(), inputs, period=period, as_of=period.end, **ids)


def _warning(field: str, text: str) -> WarningRecord:
    values: dict[str, Any] = {
        "id": "a-1:warning",
        "staff_id": "st-1",
        "sheet_id": "a-1",
        "issued_at": T0,
        "improve_by": T0 + timedelta(days=30),
        "total": Decimal("55.00"),
        "band": "fail",
    }
    values[field] = text
    return WarningRecord(**values)


# --- the adapters: how to store a value and read it back ---------------------


@dataclass(frozen=True)
class Port:
    """One repository port: its three adapters, and how a value goes in and comes back."""

    memory: Callable[[], Any]
    sqlite: Callable[[SQLiteDatabase], Any]
    postgres: Callable[[PostgresDatabase], Any]
    store: Callable[[Any, Any], object]
    read: Callable[[Any, Any], object]
    expect: Callable[[Any], object] = lambda value: value


def _add(repo: Any, value: Any) -> object:
    return repo.add(value)


CUSTOMERS = Port(
    InMemoryCustomerRepository,
    SQLiteCustomerRepository,
    PostgresCustomerRepository,
    _add,
    lambda repo, value: repo.get(value.id),
)
CONSUMPTION = Port(
    InMemoryConsumptionRepository,
    SQLiteConsumptionRepository,
    PostgresConsumptionRepository,
    _add,
    lambda repo, value: repo.get(value.id),
)
SERVICES = Port(
    InMemoryConsumptionRepository,
    SQLiteConsumptionRepository,
    PostgresConsumptionRepository,
    lambda repo, value: repo.add_service(value),
    lambda repo, value: repo.service_records(value.customer_id),
    lambda value: [value],
)
BOOKINGS = Port(
    InMemoryBookingRepository,
    SQLiteBookingRepository,
    PostgresBookingRepository,
    lambda repo, value: repo.add(value, now=T0 - timedelta(days=1)),
    lambda repo, value: repo.get(value.id),
)
CARE_TASKS = Port(
    InMemoryCareTaskRepository,
    SQLiteCareTaskRepository,
    PostgresCareTaskRepository,
    _add,
    lambda repo, value: repo.tasks(start=value.due, end=value.due + timedelta(days=1)),
    lambda value: [value],
)
SURVEYS = Port(
    InMemorySurveyResponseRepository,
    SQLiteSurveyResponseRepository,
    PostgresSurveyResponseRepository,
    _add,
    lambda repo, value: repo.get(value.id),
)
COMPLAINTS = Port(
    InMemoryComplaintRepository,
    SQLiteComplaintRepository,
    PostgresComplaintRepository,
    lambda repo, value: repo.append(value.case_id, 0, [value]),
    lambda repo, value: repo.events(value.case_id),
    lambda value: [value],
)
CONSENTS = Port(
    InMemoryConsentStore,
    SQLiteConsentStore,
    PostgresConsentStore,
    _add,
    lambda repo, value: repo.get(value.id),
)
ACCESS_LOG = Port(
    InMemoryAccessLog,
    SQLiteAccessLog,
    PostgresAccessLog,
    lambda repo, value: repo.append(value),
    lambda repo, value: repo.for_customer(value.customer_id),
    lambda value: [value],
)
RUBRICS = Port(
    InMemoryAssessmentRepository,
    SQLiteAssessmentRepository,
    PostgresAssessmentRepository,
    lambda repo, value: repo.add_rubric(value),
    lambda repo, value: repo.rubric(value.id),
)
SHEETS = Port(
    InMemoryAssessmentRepository,
    SQLiteAssessmentRepository,
    PostgresAssessmentRepository,
    lambda repo, value: repo.add_sheet(value),
    lambda repo, value: repo.sheets(value.staff_id),
    lambda value: [value],
)
WARNINGS = Port(
    InMemoryAssessmentRepository,
    SQLiteAssessmentRepository,
    PostgresAssessmentRepository,
    lambda repo, value: repo.add_warning(value),
    lambda repo, value: repo.warnings(value.staff_id),
    lambda value: [value],
)


@dataclass(frozen=True)
class Field:
    """One text field of a stored value: how to build the value with it, and its limit."""

    name: str
    build: Callable[[str, str], Any]
    port: Port
    limit: int = ID_MAX_CHARS
    named: str = ""  # the field the refusal names, when it is not `name`
    too_long: str = "too_long"  # the rule that refuses text over `limit`
    blank_ok: bool = False  # free text that may be empty or padded

    @property
    def label(self) -> str:
        return f"{self.build.__name__.lstrip('_')}.{self.name}"


def _free(
    name: str, build: Callable[[str, str], Any], port: Port, limit: int = TEXT_MAX_CHARS
) -> Field:
    return Field(name, build, port, limit=limit, blank_ok=True)


FIELDS = [
    *(Field(f, _customer, CUSTOMERS) for f in ("id", "name", "occupation", "tags")),
    Field("email", _customer, CUSTOMERS, limit=EMAIL_MAX - len("@example.com")),
    Field("wechat", _customer, CUSTOMERS, limit=WECHAT_MAX, too_long="invalid_wechat"),
    *(Field(f, _consumption, CONSUMPTION) for f in ("id", "customer_id", "service", "refund_of")),
    *(Field(f, _service, SERVICES) for f in ("id", "customer_id", "service", "staff_id")),
    *(_free(f, _service, SERVICES) for f in ("notes", "effect")),
    *(
        Field(f, _booking, BOOKINGS)
        for f in (
            "id",
            "service",
            "customer_id",
            "confirmation_code",
            "idempotency_key",
            "taken_by",
            "resource",
        )
    ),
    *(Field(f, _care_task, CARE_TASKS) for f in ("customer_id", "rule", "assignee")),
    _free("note", _care_task, CARE_TASKS),
    *(
        Field(f, _survey, SURVEYS)
        for f in ("id", "questionnaire_id", "customer_id", "staff_id", "answers")
    ),
    *(
        Field(f, _registered, COMPLAINTS)
        for f in ("case_id", "customer_id", "policy_id", "category", "by", "assignee")
    ),
    *(_free(f, _registered, COMPLAINTS, COMPLAINT_TEXT_MAX) for f in ("contact", "content")),
    *(Field(f, _consent, CONSENTS) for f in ("id", "customer_id", "scope", "recipient")),
    _free("evidence", _consent, CONSENTS),
    *(Field(f, _access, ACCESS_LOG) for f in ("actor", "role", "customer_id", "field", "reason")),
    Field("id", _rubric, RUBRICS),
    _free("guidance", _rubric, RUBRICS),
    Field("sheet_id", _sheet, SHEETS, named="id"),
    Field("staff_id", _sheet, SHEETS),
    Field("by", _sheet, SHEETS),
    _free("note", _sheet, SHEETS, NOTE_MAX),
    *(Field(f, _warning, WARNINGS) for f in ("id", "staff_id", "sheet_id", "band")),
]

_seeds = itertools.count(1)
_LONGEST = {(f.label, f.limit): incompressible(f.limit, next(_seeds)) for f in FIELDS}


@dataclass(frozen=True)
class Hostile:
    """A text to try, and the rule that refuses it (None: every adapter must store it)."""

    text: str
    rule: str | None


def _texts(field: Field) -> dict[str, Hostile]:
    """Named hostile texts for `field`."""
    longest = _LONGEST[field.label, field.limit]

    def sized(text: str) -> Hostile:
        return Hostile(text, field.too_long if len(text) > field.limit else None)

    return {
        "lone_surrogate": Hostile("a\ud800b", "lone_surrogate"),
        "paired_surrogates": Hostile("a\ud83d\ude00b", "lone_surrogate"),
        "nul": Hostile("a\x00b", "nul_character"),
        "longest": sized(longest),
        "one_over": sized(longest + "x"),
        "incompressible_2700": sized(incompressible(2700, 7)),
        "one_megabyte": sized("x" * 1_000_000),
    }


CASES = [
    pytest.param(field, hostile, id=f"{field.label}-{name}")
    for field in FIELDS
    for name, hostile in _texts(field).items()
]


# --- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="module")
def pg(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    value_agreement_url = postgres_cluster.create_database("value_agreement")
    with PostgresDatabase(value_agreement_url) as db:
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


def _round_trips(port: Port, value: Any, lite: SQLiteDatabase, pg: PostgresDatabase) -> None:
    """Every adapter stores `value` and reads back what the port promises."""
    repos = {"memory": port.memory(), "sqlite": port.sqlite(lite), "postgres": port.postgres(pg)}
    read = {}
    for name, repo in repos.items():
        port.store(repo, value)
        read[name] = port.read(repo, value)
    expected = port.expect(value)
    assert read == dict.fromkeys(repos, expected), sorted(
        n for n, r in read.items() if r != expected
    )


# --- the tests -----------------------------------------------------------------


@pytest.mark.parametrize(("field", "hostile"), CASES)
def test_every_adapter_accepts_and_refuses_the_same_text(
    field: Field, hostile: Hostile, lite: SQLiteDatabase, empty_pg: PostgresDatabase
) -> None:
    if hostile.rule is None:
        value = field.build(field.name, hostile.text)
        _round_trips(field.port, value, lite, empty_pg)
        return
    with pytest.raises(ValidationError) as caught:
        field.build(field.name, hostile.text)
    shown = [(v.field, v.rule) for v in caught.value.violations]
    assert (field.named or field.name, hostile.rule) in shown, shown
    # The refusal never quotes the text.
    assert hostile.text not in str(caught.value) or len(hostile.text) < 4


def _widest(build: Callable[..., Any], fields: tuple[str, ...]) -> Any:
    """`build`'s value with every field in `fields` at its longest, incompressible."""
    value = build(fields[0], incompressible(ID_MAX_CHARS, 101))
    changes = {f: incompressible(ID_MAX_CHARS, 102 + i) for i, f in enumerate(fields[1:])}
    return attrs.evolve(value, **changes)


@pytest.mark.parametrize(
    ("port", "value"),
    [
        # Each holds the widest entry of a two-id PostgreSQL index.
        (CONSUMPTION, lambda: _widest(_consumption, ("id", "customer_id", "refund_of"))),
        (SERVICES, lambda: _widest(_service, ("id", "customer_id", "staff_id"))),
        (CARE_TASKS, lambda: _widest(_care_task, ("customer_id", "rule", "assignee"))),
        (SURVEYS, lambda: _widest(_survey, ("id", "questionnaire_id", "customer_id"))),
        (ACCESS_LOG, lambda: _widest(_access, ("actor", "customer_id", "role"))),
        (WARNINGS, lambda: _widest(_warning, ("id", "staff_id", "sheet_id"))),
    ],
    ids=["consumption", "service", "care_task", "survey", "access", "warning"],
)
def test_values_with_every_id_at_its_longest_fit_every_index(
    port: Port, value: Callable[[], Any], lite: SQLiteDatabase, empty_pg: PostgresDatabase
) -> None:
    _round_trips(port, value(), lite, empty_pg)


MONEY_CASES = [
    ("1E+200000", "out_of_range"),
    ("-1E+200000", "out_of_range"),
    ("1E+18", "out_of_range"),
    ("1E-11", "too_precise"),
    ("0E-30", "too_precise"),
    ("1E-20000", "too_precise"),
    ("999999999999999999.9999999999", None),
    ("1E+17", None),
    ("0.0000000001", None),
    ("-0", None),
    ("0.00", None),
    ("1E+2", None),
    ("288.50", None),
]


@pytest.mark.parametrize(("amount", "rule"), MONEY_CASES)
def test_every_adapter_accepts_and_refuses_the_same_money(
    amount: str, rule: str | None, lite: SQLiteDatabase, empty_pg: PostgresDatabase
) -> None:
    if rule is not None:
        with pytest.raises(InvalidMoneyError) as caught:
            Money(amount)
        assert (caught.value.field, caught.value.rule) == ("amount", rule)
        return
    money = Money(amount)
    record = ConsumptionRecord(id="t-1", customer_id="c-1", at=T0, service="facial", amount=money)
    _round_trips(CONSUMPTION, record, lite, empty_pg)
    # Digit for digit, not only equal: the same text everywhere.
    for repo in (InMemoryConsumptionRepository(), SQLiteConsumptionRepository(lite)):
        repo.add(record)
        assert str(repo.get("t-1").amount) == str(money)
    assert str(PostgresConsumptionRepository(empty_pg).get("t-1").amount) == str(money)


def test_money_in_a_complaint_event_agrees_everywhere(
    lite: SQLiteDatabase, empty_pg: PostgresDatabase
) -> None:
    registered = _registered("case_id", "k-1")
    resolved = Resolved(
        at=T0 + timedelta(hours=1),
        by="st-1",
        channel="wechat",
        remedy="free facial",
        compensation=Money("999999999999999999.9999999999"),
        apology=True,
    )
    repos: dict[str, Any] = {
        "memory": InMemoryComplaintRepository(),
        "sqlite": SQLiteComplaintRepository(lite),
        "postgres": PostgresComplaintRepository(empty_pg),
    }
    for repo in repos.values():
        repo.append("k-1", 0, [registered, resolved])
    read = {name: repo.events("k-1") for name, repo in repos.items()}
    assert read == {name: [registered, resolved] for name in repos}


# --- the property --------------------------------------------------------------

HOSTILE = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff", " "])),
    max_size=40,
) | st.sampled_from(["x" * ID_MAX_CHARS, "x" * (ID_MAX_CHARS + 1)])


def _storable(text: str, limit: int) -> bool:
    """The documented rule, written out: no NUL, no surrogate, at most `limit` characters."""
    return (
        "\x00" not in text
        and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        and len(text) <= limit
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(record_id=HOSTILE, staff_id=HOSTILE, notes=HOSTILE)
def test_any_text_the_constructors_accept_round_trips_through_every_adapter(
    record_id: str, staff_id: str, notes: str, pg: PostgresDatabase
) -> None:
    expected_ok = all(
        _storable(t, ID_MAX_CHARS) and t.strip() == t and t for t in (record_id, staff_id)
    ) and _storable(notes, TEXT_MAX_CHARS)
    try:
        record = ServiceRecord(
            id=record_id,
            customer_id="c-prop",
            at=T0,
            service="facial",
            staff_id=staff_id,
            notes=notes,
        )
    except ValidationError:
        assert not expected_ok
        return
    assert expected_ok
    with pg.connection() as conn:
        conn.execute("DELETE FROM clubrules.service_records")
    with SQLiteDatabase(":memory:") as lite:
        lite.migrate()
        _round_trips(SERVICES, record, lite, pg)
