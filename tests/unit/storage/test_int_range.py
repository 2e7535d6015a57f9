"""Ints of stored values fit a 64-bit column, or the value is refused when built.

No storage column holds an int beyond the signed 64-bit range (a BIGINT, an
SQLite INTEGER): a stored value holding one would fail in the driver (an
`OverflowError` from SQLite, a driver error that aborts a PostgreSQL
transaction). So every value a repository stores, and every value nested in
one, refuses such an int in its constructor with a `ValidationError` naming
the field; the largest int it allows is stored and read back unchanged.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules._checks import INT_MAX, INT_MIN
from clubrules.complaints._events import EVENT_TYPES
from clubrules.errors import ValidationError
from clubrules.staff import AssessmentPeriod
from clubrules.storage import memory
from clubrules.storage import sqlite as sqlite_storage
from clubrules.storage._values import VALUES
from clubrules.storage.sqlite import SQLiteDatabase
from tests.unit.hostile import _samples as s

if TYPE_CHECKING:
    from collections.abc import Iterator

_INT = re.compile(r"int( \| None)?")  # an int field; a tuple of ints is tested on its own


def _stored_kinds() -> list[type]:
    """The value classes the repositories' value arguments take (see `VALUES`)."""
    kinds: list[type] = []
    for methods in VALUES.values():
        for arguments in methods.values():
            for _, check in arguments:
                for cell in check.__closure__ or ():
                    kind = cell.cell_contents
                    if isinstance(kind, type) and attrs.has(kind) and kind not in kinds:
                        kinds.append(kind)
    kinds.extend(k for k in EVENT_TYPES if k not in kinds)  # a complaint's appended events
    return kinds


def _samples() -> dict[type, Any]:
    """One valid instance of every stored class and of every attrs value nested in one."""
    found: dict[type, Any] = {}

    def walk(value: object) -> None:
        if isinstance(value, tuple | list | frozenset):
            for item in value:
                walk(item)
            return
        if not attrs.has(type(value)) or type(value) in found:
            return
        found[type(value)] = value
        for field in attrs.fields(cast("type[attrs.AttrsInstance]", type(value))):
            walk(getattr(value, field.name))

    for kind in _stored_kinds():
        walk(s.FACTORIES[kind]())
    walk(s.period())  # a score sheet's period: its cycle is stored
    return found


def _int_fields() -> list[tuple[type, str, str]]:
    """(class, attribute, field name in errors) of every int field of the samples' classes."""
    return [
        (kind, field.alias or field.name, field.name.lstrip("_"))
        for kind in _samples()
        for field in attrs.fields(kind)
        if field.init and _INT.fullmatch(str(field.type))
    ]


INT_FIELDS = _int_fields()


def test_the_walk_finds_the_known_int_fields() -> None:
    names = {(kind.__name__, name) for kind, name, _ in INT_FIELDS}
    assert {
        ("Booking", "headcount"),
        ("Booking", "version"),
        ("Occupancy", "capacity"),
        ("Occupancy", "start_us"),
        ("Rubric", "version"),
        ("Rubric", "improvement_days"),
        ("EvaluationScoring", "scale_max"),
        ("ScoreSheet", "rubric_version"),
        ("AssessmentPeriod", "cycle"),
        ("Activity", "capacity"),
        ("Activity", "waitlist_limit"),
        ("SurveyResponse", "nps"),
        ("Registered", "policy_version"),
    } <= names


def _refusal(build: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        build()
    return caught.value


@given(
    case=st.sampled_from(INT_FIELDS),
    big=st.integers(min_value=INT_MAX + 1, max_value=2**200),
)
def test_an_int_above_int64_is_refused_naming_the_field(
    case: tuple[type, str, str], big: int
) -> None:
    kind, name, field = case
    sample = _samples()[kind]
    error = _refusal(lambda: attrs.evolve(sample, **{name: big}))
    assert field in {v.field for v in error.violations}
    assert str(big) not in str(error)


@given(
    case=st.sampled_from(INT_FIELDS),
    small=st.integers(min_value=-(2**200), max_value=INT_MIN - 1),
)
def test_an_int_below_int64_is_refused_naming_the_field(
    case: tuple[type, str, str], small: int
) -> None:
    kind, name, field = case
    sample = _samples()[kind]
    error = _refusal(lambda: attrs.evolve(sample, **{name: small}))
    assert field in {v.field for v in error.violations}


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
@pytest.mark.parametrize("case", INT_FIELDS, ids=lambda c: f"{c[0].__name__}.{c[1]}")
def test_the_first_int_beyond_each_end_is_refused(case: tuple[type, str, str], value: int) -> None:
    kind, name, field = case
    sample = _samples()[kind]
    error = _refusal(lambda: attrs.evolve(sample, **{name: value}))
    assert field in {v.field for v in error.violations}  # too_large, or its own domain bound


def test_the_rules_name_the_bound_not_the_value() -> None:
    error = _refusal(lambda: attrs.evolve(s.rubric(), version=2**63))
    (violation,) = error.violations
    assert (violation.field, violation.rule) == ("version", "too_large")
    assert str(INT_MAX) in violation.message
    assert str(2**63) not in violation.message
    error = _refusal(
        lambda: attrs.evolve(s.period(), cycle=-(2**63) - 1, cycle_months=1)  # no lower bound
    )
    assert {(v.field, v.rule) for v in error.violations} == {("cycle", "too_small")}


@pytest.mark.parametrize("big", [2**63, -(2**63) - 1])
def test_a_survey_rating_beyond_int64_is_refused(big: int) -> None:
    error = _refusal(lambda: attrs.evolve(s.survey_response(), answers={"attitude": big}))
    assert "answers[attitude]" in {v.field for v in error.violations}


def test_the_bounds_allow_the_whole_int64_range() -> None:
    assert attrs.evolve(s.rubric(), version=INT_MAX).version == INT_MAX
    assert attrs.evolve(s.period(), cycle=INT_MIN, cycle_months=1).cycle == INT_MIN
    period = AssessmentPeriod(
        start=s.NOW, end=s.NOW + timedelta(days=1), label="x", cycle=INT_MAX, cycle_months=1
    )
    assert period.cycle == INT_MAX


# --- the largest allowed int, stored and read back ---------------------------------------


@pytest.fixture
def database() -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(":memory:") as db:
        db.migrate()
        yield db


def _build(backend: str, port: str, database: SQLiteDatabase, **options: Any) -> Any:
    if backend == "memory":
        return getattr(memory, f"InMemory{port}")(**options)
    return getattr(sqlite_storage, f"SQLite{port}")(database, **options)


BACKENDS = ["memory", "sqlite"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_rubric_at_the_largest_version_round_trips(
    database: SQLiteDatabase, backend: str
) -> None:
    staff = _build(backend, "AssessmentRepository", database)
    rubric = attrs.evolve(s.rubric(), version=INT_MAX, improvement_days=INT_MAX)
    staff.add_rubric(rubric)
    assert staff.rubric(rubric.id, INT_MAX) == rubric
    assert staff.rubric(rubric.id) == rubric


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sheet_of_the_largest_rubric_version_and_cycle_round_trips(
    database: SQLiteDatabase, backend: str
) -> None:
    staff = _build(backend, "AssessmentRepository", database)
    period = attrs.evolve(s.period(), cycle=INT_MAX)
    sheet = attrs.evolve(s.sheet(), rubric_version=INT_MAX, period=period)
    assert staff.add_sheet(sheet)
    assert staff.sheets(sheet.staff_id) == [sheet]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_activity_of_the_largest_capacity_round_trips(
    database: SQLiteDatabase, backend: str
) -> None:
    activities = _build(backend, "ClubActivityRepository", database)
    activity = attrs.evolve(s.activity(), capacity=INT_MAX, waitlist_limit=INT_MAX)
    activities.add(activity)
    assert activities.get(activity.id) == activity


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_booking_at_the_largest_version_round_trips(
    database: SQLiteDatabase, backend: str
) -> None:
    bookings = _build(backend, "BookingRepository", database)
    booking = attrs.evolve(s.booking(), version=INT_MAX)
    bookings.add(booking, now=s.NOW)
    assert bookings.get(booking.id) == booking
