"""The SQL row layouts: one field list gives the columns, the row written and the value read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given

from clubrules.storage.sql import _activities, _care, _staff, _training
from clubrules.storage.sql._dialect import POSTGRES, SQLITE, Dialect
from clubrules.testing.strategies import training_completions, training_sessions

if TYPE_CHECKING:
    from clubrules.storage.sql._layout import RowLayout
    from clubrules.training import Completion, TrainingSession

US = 1_767_258_000_000_000  # 2026-01-01 09:00 UTC
HOUR = 3_600_000_000

# Each layout with a row as SQLite stores it: reading it and writing the value back agree.
ROWS: dict[str, tuple[RowLayout[Any], tuple[object, ...]]] = {
    "activity": (
        _activities._ACTIVITY,
        (
            "a-1",
            "Yoga",
            "class",
            US,
            "Asia/Shanghai",
            US + HOUR,
            "Asia/Shanghai",
            10,
            '{"tiers": ["gold"], "segments": [], "tags": null}',
            3,
            None,
        ),
    ),
    "invitation": (_activities._INVITATION, ("a-1", "c-1", US, None, "phone", "k-1")),
    "sign up": (_activities._SIGN_UP, ("a-1", "c-1", "waitlisted", 2, US, None, US, "+08:00")),
    "care task": (_care._TASK, ("c-1", "birthday", "2026-01-05", US, None, "r-1", "call", None)),
    "survey response": (
        _care._RESPONSE,
        ("r-1", "q-1", "c-1", US, "Europe/Berlin", '[["q1", 9], ["q2", 4]]', 9, "s-1"),
    ),
    "training session": (
        _training._SESSION,
        ("t-1", "induction", "fire", "internal", US, None, US + HOUR, None, "x", "12.50", "CNY"),
    ),
    "session without cost": (
        _training._SESSION,
        ("t-2", "safety", "drill", "online", US, None, US + HOUR, None, None, None, None),
    ),
    "completion": (
        _training._COMPLETION,
        ("k-1", "s-1", "induction", "fire", "internal", US, None, "t-1"),
    ),
    "warning": (_staff._WARNING, ("w-1", "s-1", "sh-1", US, None, US + HOUR, None, "55.5", "C")),
}


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgres"])
@pytest.mark.parametrize("name", sorted(ROWS))
def test_a_layout_writes_binds_and_reads_the_same_columns(name: str, dialect: Dialect) -> None:
    layout, row = ROWS[name]
    bound = layout.bind(dialect)
    count = len(row)
    assert len(bound.columns.split(", ")) == count
    assert len(bound.values.split(", ")) == count
    assert len(bound.reads.split(", ")) == count
    assert bound.table == dialect.table(layout.table)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_a_stored_row_read_and_written_again_is_the_same_row(name: str) -> None:
    layout, row = ROWS[name]
    bound = layout.bind(SQLITE)
    value = bound.read(row)
    assert type(value) is layout.build
    assert bound.row(value) == row


_SESSIONS = _training._SESSION.bind(SQLITE)
_COMPLETIONS = _training._COMPLETION.bind(SQLITE)


@given(training_sessions())
def test_any_session_reads_back_from_the_row_it_writes(session: TrainingSession) -> None:
    assert _SESSIONS.read(_SESSIONS.row(session)) == session


@given(training_completions())
def test_any_completion_reads_back_from_the_row_it_writes(completion: Completion) -> None:
    assert _COMPLETIONS.read(_COMPLETIONS.row(completion)) == completion
