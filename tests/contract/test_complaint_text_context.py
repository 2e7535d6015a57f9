"""A complaint append refused over its text leaves the text out of the error's chain.

An event refuses a lone surrogate when it is built; one set past that check
(as a bad decode upstream might) reaches the adapter, whose driver fails to
encode it. The typed error names the field only, and carries no `__context__`:
the encoding error would hold the whole text (a complainant's contact, what
they wrote). Checked on every adapter, on both SQL paths (a new stream of
several events, and one event appended to a started stream), and for a NUL
character on PostgreSQL.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.errors import ValidationError
from clubrules.storage.memory import InMemoryComplaintRepository
from clubrules.storage.postgres import AsyncPostgresComplaintRepository, PostgresComplaintRepository
from clubrules.storage.sqlite import SQLiteComplaintRepository
from tests._chains import assert_clean
from tests.contract._complaint_logs import assigned, registered

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.complaints import CaseEvent
    from clubrules.storage.postgres import AsyncPostgresDatabase, PostgresDatabase
    from clubrules.storage.sqlite import SQLiteDatabase
    from clubrules.testing import LoopThread

PRIVATE = "138 0013 8000, allergic to penicillin"
_serial = itertools.count()
_hypothesis = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _forged(event: CaseEvent, field: str, text: str) -> CaseEvent:
    object.__setattr__(event, field, text)  # past the event's own check, as a bad decode
    return event


# Where the bad text goes: in the registration (a new stream, with a second
# event: the several-events path) or in an event appended to a started stream
# (one event: the one-statement path where the adapter has one).
_places = st.sampled_from(
    [
        ("open", "contact"),
        ("open", "content"),
        ("open", "channel"),
        ("open", "customer_id"),
        ("append", "by"),
        ("append", "to"),
    ]
)
_texts = st.builds(
    lambda before, surrogate, after: f"{before}{PRIVATE}{surrogate}{after}",
    st.text(max_size=5).map(lambda t: t.encode("utf-8", "ignore").decode()),
    st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"]),
    st.text(max_size=5).map(lambda t: t.encode("utf-8", "ignore").decode()),
)


def _refuses_without_context(
    append: Callable[[str, int, list[CaseEvent]], int],
    version: Callable[[str], int],
    place: tuple[str, str],
    text: str,
) -> None:
    stage, field = place
    case_id = f"t{next(_serial)}"
    if stage == "open":
        events = [_forged(registered(case_id), field, text), assigned()]
        expected, name = 0, f"events[0].{field}"
    else:
        append(case_id, 0, [registered(case_id)])
        events = [_forged(assigned(), field, text)]
        expected, name = 1, f"events[0].{field}"
    with pytest.raises(ValidationError) as caught:
        append(case_id, expected, events)
    assert (caught.value.field, caught.value.rule) == (name, "lone_surrogate")
    assert_clean(caught.value, text, PRIVATE)
    assert version(case_id) == expected  # nothing half-written


@_hypothesis
@given(place=_places, text=_texts)
def test_sqlite_refuses_a_lone_surrogate_without_the_text_in_context(
    sqlite_database: SQLiteDatabase, place: tuple[str, str], text: str
) -> None:
    repo = SQLiteComplaintRepository(sqlite_database)
    _refuses_without_context(repo.append, repo.version, place, text)


def test_sqlite_refuses_a_lone_surrogate_inside_the_callers_unit(
    sqlite_database: SQLiteDatabase,
) -> None:
    # Inside a unit of work the append is the transaction block, not one statement.
    repo = SQLiteComplaintRepository(sqlite_database)
    with sqlite_database.unit_of_work():
        _refuses_without_context(repo.append, repo.version, ("append", "by"), f"{PRIVATE}\ud800")


@_hypothesis
@given(place=_places, text=_texts)
def test_memory_never_shows_the_text_in_an_error(place: tuple[str, str], text: str) -> None:
    # The memory adapter encodes nothing, so it may keep the text as given; an
    # error, if it ever raised one, must be as clean as the SQL adapters'.
    repo = InMemoryComplaintRepository()
    stage, field = place
    case_id = f"m{next(_serial)}"
    if stage == "append":
        repo.append(case_id, 0, [registered(case_id)])
        events: list[CaseEvent] = [_forged(assigned(), field, text)]
    else:
        events = [_forged(registered(case_id), field, text), assigned()]
    try:
        repo.append(case_id, repo.version(case_id), events)
    except ValidationError as error:
        assert_clean(error, text, PRIVATE)


@pytest.mark.postgres
@_hypothesis
@given(place=_places, text=_texts)
def test_postgres_refuses_a_lone_surrogate_without_the_text_in_context(
    postgres_database: PostgresDatabase, place: tuple[str, str], text: str
) -> None:
    repo = PostgresComplaintRepository(postgres_database)
    _refuses_without_context(repo.append, repo.version, place, text)


@pytest.mark.postgres
@_hypothesis
@given(place=_places, text=_texts)
def test_async_postgres_refuses_a_lone_surrogate_without_the_text_in_context(
    async_postgres: AsyncPostgresDatabase,
    postgres_loop: LoopThread,
    place: tuple[str, str],
    text: str,
) -> None:
    repo = AsyncPostgresComplaintRepository(async_postgres)

    def append(case_id: str, expected: int, events: list[CaseEvent]) -> int:
        return int(postgres_loop.run(repo.append(case_id, expected, events)))

    def version(case_id: str) -> int:
        return int(postgres_loop.run(repo.version(case_id)))

    _refuses_without_context(append, version, place, text)


@pytest.mark.postgres
@pytest.mark.parametrize("stage", ["open", "append"])
def test_postgres_refuses_a_nul_naming_the_field_only(
    postgres_database: PostgresDatabase, stage: str
) -> None:
    repo = PostgresComplaintRepository(postgres_database)
    case_id = f"n{next(_serial)}"
    text = f"{PRIVATE}\x00"
    if stage == "open":
        events: list[CaseEvent] = [_forged(registered(case_id), "contact", text)]
        expected, name = 0, "events[0].contact"
    else:
        repo.append(case_id, 0, [registered(case_id)])
        events, expected, name = [_forged(assigned(), "by", text)], 1, "events[0].by"
    with pytest.raises(ValidationError) as caught:
        repo.append(case_id, expected, events)
    assert (caught.value.field, caught.value.rule) == (name, "nul_character")
    assert_clean(caught.value, text, PRIVATE)
    assert repo.version(case_id) == expected
