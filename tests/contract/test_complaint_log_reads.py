"""A complaint log read along the events' key answers as the joined statement did.

`events` reads the events alone (no join with the cases, no sort) and asks
the joined statement `stream` only when no event comes back. Checked against
that statement run directly (the old read) and against the slow obvious
answer: the appended log from `after` on, or `NotFoundError` for a case that
is unknown to the tenant, whatever another tenant stores under its id.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.storage.postgres import PostgresComplaintRepository, PostgresDatabase
from clubrules.storage.postgres._complaints import events_of
from clubrules.storage.sqlite import SQLiteComplaintRepository, SQLiteDatabase
from tests.contract._complaint_logs import log_of, read_outcome

if TYPE_CHECKING:
    from clubrules.complaints import CaseEvent

_serial = itertools.count()


# Per case: its length for the tenant read (0: not stored), and for another tenant.
_stores = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), min_size=1, max_size=4)
_afters = st.lists(st.integers(-1, 6), min_size=1, max_size=4)


def _check(repo: Any, other: Any, lengths: list[tuple[int, int]], afters: list[int]) -> None:
    tag = next(_serial)
    ids = [f"p{tag}-{i}" for i in range(len(lengths))]
    logs: dict[str, list[CaseEvent]] = {}
    for case_id, (mine, theirs) in zip(ids, lengths, strict=True):
        if mine:
            logs[case_id] = log_of(case_id, mine)
            repo.append(case_id, 0, logs[case_id][:1])
            if mine > 1:
                repo.append(case_id, 1, logs[case_id][1:])
        if theirs:
            other.append(case_id, 0, log_of(case_id, theirs))
    q = repo._q
    for case_id in ids:
        for after in afters:

            def fast(c: str = case_id, a: int = after) -> list[CaseEvent]:
                return repo.events(c, after=a)  # type: ignore[no-any-return]

            def joined(c: str = case_id, a: int = after) -> list[CaseEvent]:
                return events_of(c, repo._db._fetchall(q.stream, (max(a, 0), c)))

            got, old = read_outcome(fast), read_outcome(joined)
            oracle = logs[case_id][max(after, 0) :] if case_id in logs else "not found"
            assert got == old == oracle


class TestSQLiteLogReads:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(lengths=_stores, afters=_afters)
    def test_as_the_joined_statement_and_the_appended_log(
        self, tmp_path_factory: pytest.TempPathFactory, lengths: Any, afters: Any
    ) -> None:
        db = SQLiteDatabase(tmp_path_factory.mktemp("log") / "c.db")
        try:
            db.migrate()
            repo = SQLiteComplaintRepository(db.for_tenant("club-a"))
            other = SQLiteComplaintRepository(db.for_tenant("club-b"))
            _check(repo, other, lengths, afters)
        finally:
            db.close()


@pytest.mark.postgres
class TestPostgresLogReads:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(lengths=_stores, afters=_afters)
    def test_as_the_joined_statement_and_the_appended_log(
        self, postgres_database: PostgresDatabase, lengths: Any, afters: Any
    ) -> None:
        repo = PostgresComplaintRepository(postgres_database.for_tenant("club-a"))
        other = PostgresComplaintRepository(postgres_database.for_tenant("club-b"))
        _check(repo, other, lengths, afters)
