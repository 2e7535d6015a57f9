"""Edges: warning deadlines across DST, assessment periods' cycles, pool sizes, long spans."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._checks import SIZE_MAX, require_size
from clubrules._time import US_PER_DAY, to_epoch_us
from clubrules.customers import ConsumptionRecord
from clubrules.errors import ValidationError
from clubrules.money import Money
from clubrules.staff import (
    AssessmentInputs,
    AssessmentPeriod,
    Criterion,
    ManualScore,
    Rubric,
    SubItem,
    assess,
    decide_outcome,
)
from clubrules.storage import memory
from clubrules.storage import sqlite as sqlite_storage
from clubrules.storage.postgres import AsyncPostgresDatabase, PostgresDatabase
from clubrules.storage.sql import _tiering as sql_tiering
from clubrules.storage.sql._tiering import offset_runs, offset_segments
from clubrules.storage.sqlite import SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ZONES = [
    ZoneInfo(name)
    for name in (
        "America/New_York",
        "UTC",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
    )
]
NEW_YORK = ZoneInfo("America/New_York")
NOWHERE = "postgresql://127.0.0.1:1/none"  # nothing listens: no check may need a server


def _rubric(days: int = 30) -> Rubric:
    return Rubric(
        id="simple",
        criteria=[
            Criterion(
                key="all",
                name="Everything",
                max_points=100,
                sub_items=[SubItem(key="overall", name="Overall", max_points=100)],
            )
        ],
        improvement_days=days,
    )


def _failing_warning_at(assessed_at: datetime, days: int = 30) -> datetime:
    rubric = _rubric(days)
    period = AssessmentPeriod.monthly(2026, 2)
    sheet = assess(
        rubric,
        AssessmentInputs(manual={"overall": ManualScore(points=Decimal(10), by="sup-1")}),
        sheet_id="s-1-2026-02",
        staff_id="s-1",
        period=period,
        as_of=period.end + timedelta(days=1),
    )
    sheet = attrs.evolve(sheet, assessed_at=assessed_at)
    warning = decide_outcome(sheet, rubric).warning
    assert warning is not None
    return warning.improve_by


# --- a. the deadline is days of 24 hours on the instant ------------------------------


def test_a_deadline_across_spring_forward_is_thirty_days_of_hours() -> None:
    assessed = datetime(2026, 3, 1, 9, tzinfo=NEW_YORK)  # DST starts on 8 March
    improve_by = _failing_warning_at(assessed)
    assert to_epoch_us(improve_by) - to_epoch_us(assessed) == 30 * US_PER_DAY
    assert improve_by.tzinfo is NEW_YORK
    assert improve_by.isoformat() == "2026-03-31T10:00:00-04:00"


def test_a_deadline_landing_in_a_skipped_hour_is_a_wall_time_that_exists() -> None:
    assessed = datetime(2026, 2, 6, 2, 30, tzinfo=NEW_YORK)  # + 30 wall days: 2:30 on 8 March
    improve_by = _failing_warning_at(assessed)
    assert improve_by.isoformat() == "2026-03-08T03:30:00-04:00"
    assert improve_by == improve_by.astimezone(UTC).astimezone(NEW_YORK)


@settings(max_examples=60, deadline=None)
@given(
    at_us=st.integers(
        min_value=to_epoch_us(datetime(2000, 1, 1, tzinfo=UTC)),
        max_value=to_epoch_us(datetime(2040, 1, 1, tzinfo=UTC)),
    ),
    days=st.integers(min_value=1, max_value=400),
)
def test_the_same_instant_in_any_zone_gives_the_same_deadline(at_us: int, days: int) -> None:
    instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=at_us)
    deadlines = {to_epoch_us(_failing_warning_at(instant.astimezone(z), days)) for z in ZONES}
    assert deadlines == {at_us + days * US_PER_DAY}


def test_a_deadline_beyond_year_9999_is_a_typed_error() -> None:
    with pytest.raises(ValidationError) as caught:
        _failing_warning_at(datetime(9999, 12, 15, tzinfo=NEW_YORK))
    assert (caught.value.field, caught.value.rule) == ("sheet", "out_of_range")


# --- b. an assessment period's cycle is checked ---------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"cycle": "24314"}, "cycle", "not_an_int"),
        ({"cycle": 24314.0}, "cycle", "not_an_int"),
        ({"cycle": True}, "cycle", "not_an_int"),
        ({"cycle_months": "1"}, "cycle_months", "not_an_int"),
        ({"cycle_months": 1.0}, "cycle_months", "not_an_int"),
        ({"cycle_months": True}, "cycle_months", "not_an_int"),
        ({"cycle_months": 0}, "cycle_months", "not_a_divisor_of_12"),
        ({"cycle_months": -1}, "cycle_months", "not_a_divisor_of_12"),
        ({"cycle_months": 5}, "cycle_months", "not_a_divisor_of_12"),
        ({"cycle_months": 10**100}, "cycle_months", "not_a_divisor_of_12"),
    ],
)
def test_a_bad_cycle_is_refused_naming_the_field(
    changes: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(AssessmentPeriod.monthly(2026, 3), **changes)  # type: ignore[arg-type]
    assert {(v.field, v.rule) for v in caught.value.violations} == {(field, rule)}


@pytest.mark.parametrize("cycle", [0, -5, 2**62, 9999 * 12 + 11, 12 * 10_000])
def test_a_cycle_outside_the_calendar_is_no_whole_cycle(cycle: int) -> None:
    period = attrs.evolve(AssessmentPeriod.monthly(2026, 3), cycle=cycle)
    assert period.is_whole_cycle is False


def test_a_sheet_names_a_rubric_version_of_at_least_1() -> None:
    period = AssessmentPeriod.monthly(2026, 2)
    sheet = assess(
        _rubric(),
        AssessmentInputs(manual={"overall": ManualScore(points=Decimal(70), by="sup-1")}),
        sheet_id="s-1-2026-02",
        staff_id="s-1",
        period=period,
        as_of=period.end,
    )
    for bad, rule in ((0, "too_small"), (True, "not_an_int"), ("1", "not_an_int")):
        with pytest.raises(ValidationError) as caught:
            attrs.evolve(sheet, rubric_version=bad)  # type: ignore[arg-type]
        assert ("rubric_version", rule) in {(v.field, v.rule) for v in caught.value.violations}


# --- c. pool sizes have a documented bound --------------------------------------------


def test_require_size() -> None:
    assert require_size(SIZE_MAX, "n", minimum=1) == SIZE_MAX
    for bad, rule in (
        (SIZE_MAX + 1, "range"),
        (0, "range"),
        (True, "not_an_int"),
        (2.0, "not_an_int"),
    ):
        with pytest.raises(ValidationError) as caught:
            require_size(bad, "n", minimum=1)
        assert (caught.value.field, caught.value.rule) == ("n", rule)
    with pytest.raises(ValidationError) as caught:
        require_size(10**30, "n", minimum=1)
    assert str(10**30) not in str(caught.value)


def _closing(make: Callable[[], Any]) -> None:
    made = make()
    made.close()


@pytest.mark.parametrize(
    ("make", "field", "rule"),
    [
        (lambda: SQLiteDatabase(":memory:", max_connections=10**100), "max_connections", "range"),
        (
            lambda: SQLiteDatabase(":memory:", max_connections=SIZE_MAX + 1),
            "max_connections",
            "range",
        ),
        (lambda: SQLiteDatabase(":memory:", max_connections=True), "max_connections", "not_an_int"),
        (lambda: PostgresDatabase(NOWHERE, pool_size=10**100), "pool_size", "range"),
        (lambda: PostgresDatabase(NOWHERE, pool_size=True), "pool_size", "not_an_int"),
        (lambda: PostgresDatabase(NOWHERE, pool_min_size=-1), "pool_min_size", "range"),
        (lambda: PostgresDatabase(NOWHERE, pool_min_size=10**100), "pool_min_size", "range"),
        (
            lambda: PostgresDatabase(NOWHERE, pool_size=2, pool_min_size=3),
            "pool_min_size",
            "range",
        ),
        (lambda: AsyncPostgresDatabase(NOWHERE, pool_size=10**100), "pool_size", "range"),
        (lambda: AsyncPostgresDatabase(NOWHERE, pool_size=0), "pool_size", "range"),
        (lambda: AsyncPostgresDatabase(NOWHERE, pool_min_size=11), "pool_min_size", "range"),
        (lambda: AsyncPostgresDatabase(NOWHERE, pool_min_size=-1), "pool_min_size", "range"),
    ],
)
def test_absurd_pool_sizes_are_refused_naming_the_field(
    make: Callable[[], Any], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _closing(make)
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_the_largest_sqlite_pool_is_accepted() -> None:
    with SQLiteDatabase(":memory:", max_connections=SIZE_MAX) as db:
        assert db.migrate().version >= 1


def test_without_a_pool_the_minimum_is_not_held_to_a_size() -> None:
    PostgresDatabase(NOWHERE, pool_size=0, pool_min_size=4).close()  # no pool, no connection


# --- d. offsets follow the records, not the years between them ------------------------


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start_day=st.integers(min_value=-3_000, max_value=30_000),
    offsets=st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=12),
    instants=st.lists(st.integers(min_value=0, max_value=US_PER_DAY - 1), min_size=12, max_size=12),
)
def test_offsets_around_record_days_agree_with_day_by_day_sampling(
    zone: ZoneInfo, start_day: int, offsets: list[int], instants: list[int]
) -> None:
    days = sorted({start_day + o for o in offsets})
    records = [d * US_PER_DAY + us for d, us in zip(days, instants, strict=False)]
    lo, hi = days[0] * US_PER_DAY, (days[-1] + 1) * US_PER_DAY
    runs = offset_runs(zone, days, lo, hi)
    whole = offset_segments(zone, lo, hi)

    def offset(segments: tuple[tuple[int, int, int], ...], at: int) -> int:
        (found,) = [off for s_lo, s_hi, off in segments if s_lo <= at < s_hi]
        return found

    for at in records:
        assert offset(runs, at) == offset(whole, at)
    for (_, a_hi, _), (b_lo, _, _) in itertools.pairwise(runs):
        assert a_hi <= b_lo  # disjoint and ordered: a record joins one segment at most


@pytest.fixture
def database() -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(":memory:") as db:
        db.migrate()
        yield db


def test_records_spanning_the_calendar_are_summed_as_memory_does_sampling_little(
    database: SQLiteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    instants = [
        datetime(2, 3, 1, 12, tzinfo=UTC),
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # 01:30 in New York, before the change
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 03:30: the same local day
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 01:30 EST: the same local day
        datetime(9998, 7, 1, 3, 59, tzinfo=UTC),  # the evening before, in New York
    ]
    reference = memory.InMemoryActivityRepository(zone=NEW_YORK)
    consumption = sqlite_storage.SQLiteConsumptionRepository(database)
    for i, at in enumerate(instants):
        record = ConsumptionRecord(
            id=f"t-{i}", customer_id="c-1", at=at, service="facial", amount=Money("100")
        )
        reference.add(record)
        consumption.add(record)
    sql = sqlite_storage.SQLiteActivityRepository(database, zone=NEW_YORK)
    probes: list[int] = []
    original = sql_tiering._offset_us

    def counted(zone: Any, at_us: int) -> int:
        probes.append(at_us)
        return original(zone, at_us)

    monkeypatch.setattr(sql_tiering, "_offset_us", counted)
    start = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
    end = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
    found = sql.summaries(start=start, end=end)
    assert found == reference.summaries(start=start, end=end)
    assert found[0].visits == 4
    assert sql.summary("c-1", start=start, end=end) == found[0]
    # Day by day over the records' span (years 2 to 9998) took some 2.9 million probes.
    assert len(probes) < 10_000
