"""A complaint append in one statement answers as the transaction block did.

Where the database owns the transaction, an append of one event is one
self-checking statement: `append_one` to a started stream on SQLite and
PostgreSQL, and `open_one` for a new stream on PostgreSQL. Checked against
the transaction block that every append used before (version read, case row,
inserts), on random appends at right, stale and future versions, of one or
two events, opening or not with the registration, and with another tenant
storing the same case ids: the same new versions, the same errors (with the
same actual version), the same stored logs.
"""

from __future__ import annotations

import itertools
import sqlite3
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings

from clubrules.errors import StaleVersionError, ValidationError
from clubrules.storage.postgres import PostgresComplaintRepository
from clubrules.storage.sqlite import SQLiteComplaintRepository, SQLiteDatabase
from tests.contract._complaint_logs import (
    append_outcome,
    assigned,
    attempts,
    read_outcome,
    registered,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from clubrules.complaints import CaseEvent

_serial = itertools.count()


@pytest.fixture(scope="module")
def sqlite_appends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path_factory.mktemp("appends") / "club.db") as db:
        db.migrate()
        yield db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def repositories(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """A complaint repository of the backend's one database, for a tenant."""
    if request.param == "sqlite":
        db: Any = request.getfixturevalue("sqlite_appends")
        return lambda tenant: SQLiteComplaintRepository(db.for_tenant(tenant))
    pg: Any = request.getfixturevalue("postgres_database")
    return lambda tenant: PostgresComplaintRepository(pg.for_tenant(tenant))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(attempts=attempts)
def test_one_statement_appends_agree_with_the_transaction_block(
    repositories: Callable[[str], Any], attempts: list[tuple[int, int | None, int, bool]]
) -> None:
    fast, block, other = (repositories(t) for t in ("club-a", "club-b", "club-c"))
    tag = next(_serial)
    ids = [f"a{tag}-{i}" for i in range(3)]
    other.append(ids[0], 0, [registered(ids[0]), assigned(1), assigned(2)])
    for step, (index, offset, count, registers) in enumerate(attempts, start=1):
        case_id = ids[index]
        stored = fast.version(case_id)
        expected = 0 if offset is None else max(stored + offset, 0)
        events: list[CaseEvent] = [assigned(10 * step + i) for i in range(count)]
        if registers:
            events[0] = registered(case_id)
        got = append_outcome(fast.append, case_id, expected, events)
        old = append_outcome(block._append, case_id, expected, events, owns_transaction=False)
        assert got == old
        if isinstance(got, int):
            assert got == expected + count
    for case_id in ids:
        assert read_outcome(partial(fast.events, case_id)) == read_outcome(
            partial(block.events, case_id)
        )
        assert fast.version(case_id) == block.version(case_id)
    assert len(other.events(ids[0])) == 3  # another tenant's stream under the same id, untouched


def test_a_stale_one_statement_append_names_the_stored_version_and_writes_nothing(
    repositories: Callable[[str], Any],
) -> None:
    repo = repositories("club-d")
    case_id = f"s{next(_serial)}"
    assert repo.append(case_id, 0, [registered(case_id)]) == 1
    assert repo.append(case_id, 1, [assigned(1)]) == 2
    for expected in (1, 3):
        with pytest.raises(StaleVersionError) as caught:
            repo.append(case_id, expected, [assigned(5)])
        assert (caught.value.expected, caught.value.actual) == (expected, 2)
    with pytest.raises(StaleVersionError) as caught:  # the id is taken: registering again
        repo.append(case_id, 0, [registered(case_id)])
    assert (caught.value.expected, caught.value.actual) == (0, 2)
    assert repo.events(case_id) == [registered(case_id), assigned(1)]


def test_a_lone_surrogate_in_a_one_statement_append_names_the_field_only(
    sqlite_appends: SQLiteDatabase,
) -> None:
    repo = SQLiteComplaintRepository(sqlite_appends.for_tenant("club-e"))
    case_id = f"u{next(_serial)}"
    repo.append(case_id, 0, [registered(case_id)])
    bad = assigned(1)
    object.__setattr__(bad, "by", "lead\ud800")  # past the event's own check, as a bad decode
    with pytest.raises(ValidationError) as caught:
        repo.append(case_id, 1, [bad])
    assert (caught.value.field, caught.value.rule) == ("events[0].by", "lone_surrogate")
    assert "\ud800" not in str(caught.value)
    assert repo.version(case_id) == 1


def test_an_append_on_the_callers_open_sqlite_transaction_stays_in_it(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "caller.db", isolation_level=None)
    with SQLiteDatabase.from_connection(conn) as db:
        db.migrate()
        repo = SQLiteComplaintRepository(db)
        case_id = "c-1"
        repo.append(case_id, 0, [registered(case_id)])
        conn.execute("BEGIN IMMEDIATE")
        assert repo.append(case_id, 1, [assigned(1)]) == 2
        conn.execute("ROLLBACK")  # the caller's rollback takes the append with it
        assert repo.version(case_id) == 1
        assert repo.append(case_id, 1, [assigned(1)]) == 2  # autocommit: stored at once
        conn.execute("BEGIN")
        conn.execute("ROLLBACK")
        assert repo.version(case_id) == 2
    conn.close()
