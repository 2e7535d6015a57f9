"""Value arguments of the wrong type: one typed refusal from every adapter, nothing written.

The memory adapter is the reference; the SQLite adapter (whose method
bodies the PostgreSQL ones share) and the async PostgreSQL adapters refuse
the same input with the same `ValidationError` field and rule, before any
statement runs.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from clubrules.errors import NotFoundError, ValidationError
from clubrules.storage import memory
from clubrules.storage import sqlite as sqlite_storage
from clubrules.storage.postgres import (
    AsyncPostgresComplaintRepository,
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    PostgresDatabase,
)
from clubrules.storage.sqlite import SQLiteDatabase
from tests.unit.hostile import _samples as s

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def database() -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(":memory:") as db:
        db.migrate()
        yield db


def _build(backend: str, port: str, database: SQLiteDatabase) -> Any:
    if backend == "memory":
        return getattr(memory, f"InMemory{port}")()
    return getattr(sqlite_storage, f"SQLite{port}")(database)


BACKENDS = ["memory", "sqlite"]

# (port, call on the adapter, the field and rule of the refusal)
REFUSED: list[tuple[str, Callable[[Any], object], str, str]] = [
    ("CustomerRepository", lambda r: r.add(None), "customer", "wrong_type"),
    ("CustomerRepository", lambda r: r.update("c-1"), "customer", "wrong_type"),
    ("CustomerRepository", lambda r: r.find_by_phone("+8613800000000"), "phone", "wrong_type"),
    ("ConsumptionRepository", lambda r: r.add({}), "record", "wrong_type"),
    ("ConsumptionRepository", lambda r: r.add_service(None), "record", "wrong_type"),
    ("BookingRepository", lambda r: r.add(None, now=s.NOW), "booking", "wrong_type"),
    ("CareTaskRepository", lambda r: r.add(None), "task", "wrong_type"),
    (
        "CareTaskRepository",
        lambda r: r.tasks(start=None, end=date(2026, 1, 1)),
        "start",
        "not_a_date",
    ),
    (
        "CareTaskRepository",
        lambda r: r.tasks(start=date(2026, 1, 1), end=s.NOW),
        "end",
        "not_a_date",
    ),
    ("SurveyResponseRepository", lambda r: r.add(0), "response", "wrong_type"),
    ("ComplaintRepository", lambda r: r.events("k-1", after=None), "after", "not_an_int"),
    (
        "ComplaintRepository",
        lambda r: r.events("k-1", after=Decimal("NaN")),
        "after",
        "not_an_int",
    ),
    ("ComplaintRepository", lambda r: r.append("k-1", None, []), "expected_version", "not_an_int"),
    ("ComplaintRepository", lambda r: r.append("k-1", 0, [None]), "events[0]", "wrong_type"),
    ("ComplaintRepository", lambda r: r.append("k-1", 0, 1.5), "events", "not_a_list"),
    ("DataKeyStore", lambda r: r.add("c-1", b"key"), "wrapped", "wrong_type"),
    (
        "DataKeyStore",
        lambda r: r.replace("c-1", None, s._wrapped_data_key()),
        "expected",
        "wrong_type",
    ),
    ("ConsentStore", lambda r: r.add(None), "record", "wrong_type"),
    ("AccessLog", lambda r: r.append(None), "event", "wrong_type"),
    ("AssessmentRepository", lambda r: r.add_rubric(None), "rubric", "wrong_type"),
    ("AssessmentRepository", lambda r: r.add_sheet(None), "sheet", "wrong_type"),
    ("AssessmentRepository", lambda r: r.add_warning(None), "warning", "wrong_type"),
    ("AssessmentRepository", lambda r: r.rubric("r-1", "a\ud800b"), "version", "not_an_int"),
    ("TrainingRepository", lambda r: r.add_session(None), "session", "wrong_type"),
    ("TrainingRepository", lambda r: r.add_attendance(None), "attendance", "wrong_type"),
    ("TrainingRepository", lambda r: r.add_completion(None), "completion", "wrong_type"),
    ("ClubActivityRepository", lambda r: r.add(None), "activity", "wrong_type"),
    ("ClubActivityRepository", lambda r: r.invite(None), "invitation", "wrong_type"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("port", "call", "field", "rule"),
    REFUSED,
    ids=[f"{p}-{f}-{i}" for i, (p, _c, f, _r) in enumerate(REFUSED)],
)
def test_a_value_of_the_wrong_type_is_refused_alike(
    database: SQLiteDatabase,
    backend: str,
    *,
    port: str,
    call: Callable[[Any], object],
    field: str,
    rule: str,
) -> None:
    repository = _build(backend, port, database)
    with pytest.raises(ValidationError) as caught:
        call(repository)
    assert (caught.value.field, caught.value.rule) == (field, rule)


@pytest.mark.parametrize("backend", BACKENDS)
def test_events_after_beyond_any_stream_is_an_empty_tail(
    database: SQLiteDatabase, backend: str
) -> None:
    cases = _build(backend, "ComplaintRepository", database)
    events = list(s.case().events)
    cases.append("k-1", 0, iter(events))  # an iterator: its events are collected once
    assert cases.events("k-1", after=2**63) == []
    assert cases.events("k-1", after=10**100) == []
    assert cases.events("k-1", after=-(2**63)) == events


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_rubric_version_beyond_any_column_is_not_found(
    database: SQLiteDatabase, backend: str
) -> None:
    staff = _build(backend, "AssessmentRepository", database)
    staff.add_rubric(s.rubric())
    with pytest.raises(NotFoundError):
        staff.rubric(s.rubric().id, 2**63)
    with pytest.raises(NotFoundError):
        staff.rubric(s.rubric().id, -(10**100))


def test_the_async_postgres_adapters_refuse_before_any_statement() -> None:
    async def refusals() -> list[tuple[str | None, str | None]]:
        # No server listens there: a statement would fail with a StorageError.
        db = AsyncPostgresDatabase("postgresql://127.0.0.1:1/none", timeout=1)
        found: list[tuple[str | None, str | None]] = []
        for call in (
            lambda: AsyncPostgresCustomerRepository(db).add(None),  # type: ignore[arg-type]
            lambda: AsyncPostgresComplaintRepository(db).events("k-1", after=None),  # type: ignore[arg-type]
            lambda: AsyncPostgresComplaintRepository(db).append("k-1", 0, [None]),  # type: ignore[list-item]
        ):
            with pytest.raises(ValidationError) as caught:
                await call()
            found.append((caught.value.field, caught.value.rule))
        return found

    assert asyncio.run(refusals()) == [
        ("customer", "wrong_type"),
        ("after", "not_an_int"),
        ("events[0]", "wrong_type"),
    ]


@pytest.mark.parametrize(
    ("timeout", "rule"),
    [
        (None, "not_a_number"),
        ("5", "not_a_number"),
        (Decimal("NaN"), "not_finite"),
        (Decimal("sNaN"), "not_finite"),
        (float("inf"), "not_finite"),
        (10**100, "range"),
        (Decimal("1E+999999"), "range"),
        (-1, "range"),
    ],
)
def test_database_timeouts_are_checked_numbers(timeout: object, rule: str) -> None:
    makers: list[Callable[[], object]] = [
        lambda: SQLiteDatabase(":memory:", timeout=timeout),  # type: ignore[arg-type]
        lambda: PostgresDatabase("postgresql://127.0.0.1:1/none", timeout=timeout),  # type: ignore[arg-type]
        lambda: AsyncPostgresDatabase("postgresql://127.0.0.1:1/none", timeout=timeout),  # type: ignore[arg-type]
    ]
    for make in makers:
        with pytest.raises(ValidationError) as caught:
            make()
        assert (caught.value.field, caught.value.rule) == ("timeout", rule)


def test_postgres_pool_min_size_is_a_checked_int() -> None:
    for make in (PostgresDatabase, AsyncPostgresDatabase):
        with pytest.raises(ValidationError) as caught:
            make("postgresql://127.0.0.1:1/none", pool_min_size=Decimal("NaN"))  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.rule) == ("pool_min_size", "not_an_int")


# --- a summary window that ends at the end of the calendar -----------------------------


def _records() -> list[Any]:
    base = s.consumption()
    at = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    return [
        base.__class__(
            **{**_fields(base), "id": f"r-{i}", "at": at + timedelta(days=3 * i, hours=i)}
        )
        for i in range(5)
    ]


def _fields(value: Any) -> dict[str, Any]:
    import attrs  # noqa: PLC0415

    return attrs.asdict(value, recurse=False)


def test_summaries_to_the_end_of_the_calendar_agree_with_memory(
    database: SQLiteDatabase,
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime.max.replace(tzinfo=UTC)
    reference = memory.InMemoryActivityRepository(zone=SHANGHAI)
    sql = sqlite_storage.SQLiteActivityRepository(database, zone=SHANGHAI)
    consumption = sqlite_storage.SQLiteConsumptionRepository(database)
    for record in _records():
        reference.add(record)
        consumption.add(record)
    expected = reference.summaries(start=start, end=end)
    assert expected  # the records count
    assert sql.summaries(start=start, end=end) == expected
    customer = expected[0].customer_id
    assert sql.summary(customer, start=start, end=end) == expected[0]


def test_a_record_outside_the_span_read_first_is_still_counted(
    database: SQLiteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the records had been written between the read of their span and the aggregate.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime(2027, 1, 1, tzinfo=UTC)
    reference = memory.InMemoryActivityRepository(zone=SHANGHAI)
    sql = sqlite_storage.SQLiteActivityRepository(database, zone=SHANGHAI)
    consumption = sqlite_storage.SQLiteConsumptionRepository(database)
    for record in _records():
        reference.add(record)
        consumption.add(record)
    real_span = type(sql)._span
    reads: list[object] = []

    def span(self: Any, *args: Any) -> Any:
        reads.append(args)
        return None if len(reads) == 1 else real_span(self, *args)

    monkeypatch.setattr(type(sql), "_span", span)
    assert sql.summaries(start=start, end=end) == reference.summaries(start=start, end=end)
    assert len(reads) == 2  # the stale span was read again


def test_a_sqlite_url_with_a_nul_character_is_a_validation_error(tmp_path: Path) -> None:
    from clubrules.storage.migrations import migrate  # noqa: PLC0415

    with pytest.raises(ValidationError, match="NUL") as caught:
        migrate(f"sqlite:///{tmp_path}/x\x00.db")
    assert caught.value.field == "url"
    assert list(tmp_path.iterdir()) == []
