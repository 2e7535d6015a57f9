"""A SQLite complaint append of one event in one statement answers as the transaction block.

Where the database owns the transaction, `SQLiteComplaintRepository.append`
writes one event to a started stream with one self-checking statement
(`append_one`). Checked against the `BEGIN IMMEDIATE` block that every append
used before (version read, case row, inserts), on random appends at right,
stale and future versions, of one or two events, opening or not with the
registration, with another tenant storing the same case ids: the same new
versions, the same errors (with the same actual version), the same stored logs.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.complaints import Assigned, CaseEvent, CaseKind, Registered
from clubrules.errors import NotFoundError, StaleVersionError, ValidationError
from clubrules.storage.sqlite import SQLiteComplaintRepository, SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)
_serial = itertools.count()


def _registered(case_id: str) -> Registered:
    return Registered(
        case_id=case_id,
        at=T0,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
        policy_id="complaint-default",
        policy_version=1,
    )


def _assigned(minute: int) -> Assigned:
    return Assigned(at=T0 + timedelta(minutes=minute), by="lead", to=f"s-{minute}")


_attempts = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from([None, -1, 0, 1]),
        st.integers(1, 2),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


def _outcome(append: Callable[..., int], *args: Any, **kwargs: Any) -> object:
    """The new version, or the error as a comparable tuple."""
    try:
        return append(*args, **kwargs)
    except StaleVersionError as error:
        return ("stale", error.stream, error.expected, error.actual)
    except ValidationError as error:
        return ("invalid", error.field, error.rule)


def _log(repo: SQLiteComplaintRepository, case_id: str) -> object:
    try:
        return repo.events(case_id)
    except NotFoundError:
        return "not found"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteDatabase]:
    path: Path = tmp_path_factory.mktemp("appends") / "club.db"
    with SQLiteDatabase(path) as db:
        db.migrate()
        yield db


@settings(max_examples=60, deadline=None)
@given(attempts=_attempts)
def test_one_statement_appends_agree_with_the_transaction_block(
    database: SQLiteDatabase, attempts: list[tuple[int, int | None, int, bool]]
) -> None:
    fast = SQLiteComplaintRepository(database.for_tenant("club-a"))
    block = SQLiteComplaintRepository(database.for_tenant("club-b"))
    other = SQLiteComplaintRepository(database.for_tenant("club-c"))
    tag = next(_serial)
    ids = [f"a{tag}-{i}" for i in range(3)]
    other.append(ids[0], 0, [_registered(ids[0]), _assigned(1), _assigned(2)])
    for step, (index, offset, count, registers) in enumerate(attempts, start=1):
        case_id = ids[index]
        stored = fast.version(case_id)
        expected = 0 if offset is None else max(stored + offset, 0)
        events: list[CaseEvent] = [_assigned(10 * step + i) for i in range(count)]
        if registers:
            events[0] = _registered(case_id)
        got = _outcome(fast.append, case_id, expected, events)
        old = _outcome(block._append, case_id, expected, events, owns_transaction=False)
        assert got == old
        if isinstance(got, int):
            assert got == expected + count
    for case_id in ids:
        assert _log(fast, case_id) == _log(block, case_id)
        assert fast.version(case_id) == block.version(case_id)
    assert len(other.events(ids[0])) == 3  # another tenant's stream under the same id, untouched


def test_a_stale_one_statement_append_names_the_stored_version_and_writes_nothing(
    database: SQLiteDatabase,
) -> None:
    repo = SQLiteComplaintRepository(database.for_tenant("club-d"))
    case_id = f"s{next(_serial)}"
    assert repo.append(case_id, 0, [_registered(case_id)]) == 1
    assert repo.append(case_id, 1, [_assigned(1)]) == 2
    for expected in (1, 3):
        with pytest.raises(StaleVersionError) as caught:
            repo.append(case_id, expected, [_assigned(5)])
        assert (caught.value.expected, caught.value.actual) == (expected, 2)
    assert repo.events(case_id) == [_registered(case_id), _assigned(1)]


def test_a_lone_surrogate_in_a_one_statement_append_names_the_field_only(
    database: SQLiteDatabase,
) -> None:
    repo = SQLiteComplaintRepository(database.for_tenant("club-e"))
    case_id = f"u{next(_serial)}"
    repo.append(case_id, 0, [_registered(case_id)])
    bad = _assigned(1)
    object.__setattr__(bad, "by", "lead\ud800")  # past the event's own check, as a bad decode
    with pytest.raises(ValidationError) as caught:
        repo.append(case_id, 1, [bad])
    assert (caught.value.field, caught.value.rule) == ("events[0].by", "lone_surrogate")
    assert "\ud800" not in str(caught.value)
    assert repo.version(case_id) == 1


def test_an_append_on_the_callers_open_transaction_stays_in_it(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "caller.db", isolation_level=None)
    with SQLiteDatabase.from_connection(conn) as db:
        db.migrate()
        repo = SQLiteComplaintRepository(db)
        case_id = "c-1"
        repo.append(case_id, 0, [_registered(case_id)])
        conn.execute("BEGIN IMMEDIATE")
        assert repo.append(case_id, 1, [_assigned(1)]) == 2
        conn.execute("ROLLBACK")  # the caller's rollback takes the append with it
        assert repo.version(case_id) == 1
        assert repo.append(case_id, 1, [_assigned(1)]) == 2  # autocommit: stored at once
        conn.execute("BEGIN")
        conn.execute("ROLLBACK")
        assert repo.version(case_id) == 2
    conn.close()
