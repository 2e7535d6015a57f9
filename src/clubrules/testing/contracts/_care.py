"""Contract suites for the care ports: `CareTaskRepository`, `SurveyResponseRepository`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from clubrules.care import CareKind, CareTask, SurveyResponse
from clubrules.errors import InvalidIntervalError, NaiveDatetimeError
from clubrules.testing.contracts._asserts import add_once, assert_idempotent_add, assert_not_found
from clubrules.testing.contracts._base import (
    RepositoryContract,
    RepositoryMachine,
    by_instant,
    run_machine,
)
from clubrules.testing.contracts._instants import assert_added_once, assert_kept, dst_property
from clubrules.testing.contracts._race import THREADS, stored_once
from clubrules.testing.contracts._values import SHANGHAI, next_serial

if TYPE_CHECKING:
    from clubrules.care.ports import CareTaskRepository, SurveyResponseRepository

__all__ = ["CareTaskRepositoryContract", "SurveyResponseRepositoryContract"]

D0 = date(2026, 3, 2)


def _task(
    customer_id: str = "c-1",
    kind: CareKind = CareKind.BIRTHDAY,
    *,
    day: int = 0,
    rule: str = "birthday",
    note: str = "",
    assignee: str | None = None,
) -> CareTask:
    due = D0 + timedelta(days=day)
    return CareTask(
        customer_id=customer_id,
        kind=kind,
        due=due,
        at=datetime(due.year, due.month, due.day, 10, tzinfo=SHANGHAI),
        rule=rule,
        note=note,
        assignee=assignee,
    )


class CareTaskRepositoryContract(RepositoryContract):
    """Every `CareTaskRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty care task repository.
    """

    def test_a_task_comes_back_equal(self, repository: CareTaskRepository) -> None:
        task = _task(note="生日快乐", assignee="st-7")
        assert repository.add(task) is True
        [stored] = repository.tasks(start=D0, end=D0 + timedelta(days=1))
        assert stored == task
        assert stored.at.utcoffset() is not None

    def test_one_task_per_customer_kind_and_date(self, repository: CareTaskRepository) -> None:
        assert repository.add(_task(note="first")) is True
        assert repository.add(_task(note="second")) is False
        assert repository.add(_task(kind=CareKind.HOLIDAY, rule="春节")) is True
        assert repository.add(_task(day=1)) is True
        assert repository.add(_task("c-2")) is True
        got = repository.tasks(start=D0, end=D0 + timedelta(days=7))
        assert len(got) == 4
        assert next(t for t in got if t.kind is CareKind.BIRTHDAY and t.due == D0).note == "first"

    def test_tasks_are_ordered_and_windowed(self, repository: CareTaskRepository) -> None:
        for task in (
            _task("c-2", day=1),
            _task("c-1", CareKind.SURVEY, day=1, rule="q"),
            _task("c-3"),
            _task("c-1", day=5),
        ):
            repository.add(task)
        got = repository.tasks(start=D0, end=D0 + timedelta(days=5))
        assert [(t.customer_id, t.due - D0) for t in got] == [
            ("c-3", timedelta(0)),
            ("c-2", timedelta(days=1)),
            ("c-1", timedelta(days=1)),
        ]
        assert got[1].kind is CareKind.BIRTHDAY  # "birthday" sorts before "survey"

    def test_tasks_filter_by_assignee(self, repository: CareTaskRepository) -> None:
        repository.add(_task("c-1", assignee="st-1"))
        repository.add(_task("c-2", assignee="st-2"))
        repository.add(_task("c-3"))
        got = repository.tasks(start=D0, end=D0 + timedelta(days=1), assignee="st-2")
        assert [t.customer_id for t in got] == ["c-2"]

    def test_last_issued_is_per_customer_and_rule(self, repository: CareTaskRepository) -> None:
        drop = CareKind.CHURN_FOLLOW_UP
        repository.add(_task("c-1", drop, day=0, rule="activity-drop"))
        repository.add(_task("c-1", drop, day=9, rule="activity-drop"))
        repository.add(_task("c-2", drop, day=3, rule="single-visit"))
        got = repository.last_issued("activity-drop")
        assert got == {"c-1": _task(day=9).at}
        assert repository.last_issued("nothing") == {}

    def test_concurrent_adds_of_one_key_store_one(self, repository: CareTaskRepository) -> None:
        stored_once(THREADS, lambda i: repository.add(_task(note=f"n{i}")))
        assert len(repository.tasks(start=D0, end=D0 + timedelta(days=1))) == 1

    def test_random_operations_agree_with_a_dict(self, repository: CareTaskRepository) -> None:
        run_machine(lambda: _TaskMachine(repository), max_examples=20, steps=15)

    @dst_property("at")
    def test_a_task_at_a_dst_change_comes_back_equal(
        self, repository: CareTaskRepository, at: datetime
    ) -> None:
        task = attrs.evolve(_task(f"dst-c{next_serial()}"), due=at.date(), at=at)
        assert_added_once(repository.add, task, at=at)
        (stored,) = (
            t
            for t in repository.tasks(start=at.date(), end=at.date() + timedelta(days=1))
            if t.customer_id == task.customer_id
        )
        assert_kept(stored, task, "at")


class _TaskMachine(RepositoryMachine["CareTaskRepository"]):
    def __init__(self, repository: CareTaskRepository) -> None:
        super().__init__(repository)
        self.model: dict[tuple[str, str, date], CareTask] = {}

    @rule(
        customer=st.integers(0, 2),
        kind=st.sampled_from(CareKind),
        day=st.integers(0, 4),
        note=st.sampled_from(["a", "b"]),
    )
    def add(self, customer: int, kind: CareKind, day: int, note: str) -> None:
        task = _task(f"{self.prefix}c{customer}", kind, day=day, rule="r", note=note)
        expected = task.key not in self.model
        assert self.repository.add(task) is expected
        self.model.setdefault(task.key, task)

    @invariant()
    def listing_agrees(self) -> None:
        got = [
            t
            for t in self.repository.tasks(start=D0, end=D0 + timedelta(days=5))
            if t.customer_id.startswith(self.prefix)
        ]
        expected = sorted(self.model.values(), key=lambda t: (t.due, t.kind.value, t.customer_id))
        assert got == expected
        last = {
            c: a for c, a in self.repository.last_issued("r").items() if c.startswith(self.prefix)
        }
        model_last: dict[str, datetime] = {}
        for t in self.model.values():
            model_last[t.customer_id] = max(t.at, model_last.get(t.customer_id, t.at))
        assert last == model_last


T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)


def _response(
    response_id: str = "r-1",
    *,
    questionnaire_id: str = "q-2026",
    minutes: int = 0,
    service: int = 5,
    nps: int | None = 9,
) -> SurveyResponse:
    return SurveyResponse(
        id=response_id,
        questionnaire_id=questionnaire_id,
        customer_id="c-1",
        at=T0 + timedelta(minutes=minutes),
        answers={"service": service, "environment": 4},
        nps=nps,
        staff_id="st-7",
    )


class SurveyResponseRepositoryContract(RepositoryContract):
    """Every `SurveyResponseRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty survey response repository.
    """

    def test_a_response_comes_back_equal(self, repository: SurveyResponseRepository) -> None:
        response = attrs.evolve(_response(), at=datetime(2026, 3, 1, 18, tzinfo=SHANGHAI))
        assert repository.add(response) is True
        stored = repository.get("r-1")
        assert stored == response
        assert dict(stored.answers) == {"service": 5, "environment": 4}

    def test_adds_are_idempotent_and_ids_unique(self, repository: SurveyResponseRepository) -> None:
        assert_idempotent_add(repository.add, _response(), _response(service=1))
        assert repository.get("r-1") == _response()

    def test_get_of_a_missing_id_raises(self, repository: SurveyResponseRepository) -> None:
        assert_not_found(repository.get, "r-404")

    def test_responses_window_and_filter(self, repository: SurveyResponseRepository) -> None:
        repository.add(_response("r-3", minutes=10))
        repository.add(_response("r-2", minutes=0))
        repository.add(_response("r-1", minutes=10, questionnaire_id="other"))
        assert [r.id for r in repository.responses()] == ["r-2", "r-1", "r-3"]
        assert [r.id for r in repository.responses(questionnaire_id="q-2026")] == ["r-2", "r-3"]
        got = repository.responses(start=T0, end=T0 + timedelta(minutes=10))
        assert [r.id for r in got] == ["r-2"]
        naive = datetime(2026, 3, 1)  # noqa: DTZ001 - the point of the test
        with pytest.raises(NaiveDatetimeError):
            repository.responses(start=naive)
        with pytest.raises(InvalidIntervalError):
            repository.responses(start=T0, end=T0 - timedelta(minutes=1))

    def test_random_operations_agree_with_a_dict(
        self, repository: SurveyResponseRepository
    ) -> None:
        run_machine(lambda: _SurveyMachine(repository), max_examples=20, steps=15)

    @dst_property("at")
    def test_a_response_at_a_dst_change_comes_back_equal(
        self, repository: SurveyResponseRepository, at: datetime
    ) -> None:
        serial = next_serial()
        response = attrs.evolve(
            _response(f"dst-r{serial}", questionnaire_id=f"dst-q{serial}"), at=at
        )
        assert_added_once(repository.add, response, at=at)
        assert_kept(repository.get(response.id), response, "at")
        assert repository.responses(questionnaire_id=response.questionnaire_id, start=at) == [
            response
        ]


class _SurveyMachine(RepositoryMachine["SurveyResponseRepository"]):
    def __init__(self, repository: SurveyResponseRepository) -> None:
        super().__init__(repository)
        self.model: dict[str, SurveyResponse] = {}

    @rule(n=st.integers(0, 4), minutes=st.integers(0, 20), service=st.integers(1, 5))
    def add(self, n: int, minutes: int, service: int) -> None:
        response = _response(
            f"{self.prefix}r{n}",
            questionnaire_id=f"{self.prefix}q",
            minutes=minutes,
            service=service,
        )
        add_once(self.model, response, self.repository.add)

    @rule(lo=st.integers(0, 20), span=st.integers(0, 20))
    def window(self, lo: int, span: int) -> None:
        start = T0 + timedelta(minutes=lo)
        end = start + timedelta(minutes=span)
        got = self.repository.responses(questionnaire_id=f"{self.prefix}q", start=start, end=end)
        assert got == by_instant(self.model.values(), "at", start=start, end=end)
