"""Contract suite for the training port: `TrainingRepository`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from clubrules import training
from clubrules.errors import (
    InvalidIntervalError,
    NaiveDatetimeError,
    NotFoundError,
)
from clubrules.money import Money
from clubrules.testing.contracts._asserts import add_keyed, add_once, assert_idempotent_add
from clubrules.testing.contracts._base import (
    SUITE_SETTINGS,
    RepositoryContract,
    RepositoryMachine,
    by_instant,
    run_machine,
)
from clubrules.testing.contracts._instants import (
    assert_added_once,
    assert_half_open,
    assert_kept,
    dst_property,
    in_order,
)
from clubrules.testing.contracts._race import THREADS, one_add_wins, stored_once
from clubrules.testing.contracts._values import SHANGHAI, next_serial
from clubrules.testing.strategies._training import training_completions, training_sessions
from clubrules.training import Attendance, AttendanceStatus, Completion, TrainingSession

if TYPE_CHECKING:
    from clubrules.training.ports import TrainingRepository

__all__ = ["TrainingRepositoryContract"]


def _session(
    session_id: str = "t-1",
    *,
    day: int = 12,
    hour: int = 14,
    kind: training.TrainingKind = training.TrainingKind.SAFETY,
    cost: Money | None = None,
) -> TrainingSession:
    start = datetime(2026, 3, day, hour, tzinfo=SHANGHAI)
    return TrainingSession(
        id=session_id,
        kind=kind,
        topic="first aid",
        method=training.TrainingMethod.EXTERNAL,
        start=start,
        end=start + timedelta(hours=3),
        trainer="red-cross",
        cost=cost,
    )


def _completion(
    completion_id: str = "c-1", *, staff_id: str = "s-1", day: int = 5, session: str | None = None
) -> Completion:
    return Completion(
        id=completion_id,
        staff_id=staff_id,
        kind=training.TrainingKind.PRIVACY,
        topic="隱私保護",
        method=training.TrainingMethod.ONLINE,
        completed_at=datetime(2026, 3, day, 20, 30, tzinfo=SHANGHAI),
        session_id=session,
    )


class TrainingRepositoryContract(RepositoryContract):
    """Every `TrainingRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty training repository.
    """

    # --- sessions ------------------------------------------------------------

    def test_a_session_comes_back_equal(self, repository: TrainingRepository) -> None:
        costly = _session("t-1", cost=Money("1800.50"))
        free = attrs.evolve(
            _session("t-2", day=13), trainer=None, method=training.TrainingMethod.ONLINE
        )
        assert repository.add_session(costly) is True
        assert repository.add_session(free) is True
        stored, other = repository.sessions()
        assert_kept(stored, costly, "start", "end")
        assert str(stored.cost) == "1800.50 CNY"
        assert other == free
        assert other.cost is None
        assert other.trainer is None

    def test_session_adds_are_idempotent(self, repository: TrainingRepository) -> None:
        assert_idempotent_add(repository.add_session, _session(), _session(cost=Money(100)))
        assert repository.sessions() == [_session()]

    def test_sessions_are_ordered_by_start_then_id(self, repository: TrainingRepository) -> None:
        for session in (_session("b", day=14), _session("c", day=12), _session("a", day=14)):
            repository.add_session(session)
        assert [s.id for s in repository.sessions()] == ["c", "a", "b"]

    def test_the_session_window_is_half_open_on_the_start(
        self, repository: TrainingRepository
    ) -> None:
        for day in (11, 12, 13):
            repository.add_session(_session(f"t-{day}", day=day))
        twelfth = datetime(2026, 3, 12, 14, tzinfo=SHANGHAI)
        assert_half_open(repository.sessions, twelfth, timedelta(days=1), ("t-11", "t-12", "t-13"))

    def test_bad_windows_are_refused(self, repository: TrainingRepository) -> None:
        with pytest.raises(NaiveDatetimeError):
            repository.sessions(start=datetime(2026, 3, 1))  # noqa: DTZ001 - the point of the test
        later = datetime(2026, 3, 2, tzinfo=SHANGHAI)
        with pytest.raises(InvalidIntervalError):
            repository.completions(start=later, end=later - timedelta(days=1))

    # --- attendance ----------------------------------------------------------

    def test_attendance_needs_a_stored_session(self, repository: TrainingRepository) -> None:
        with pytest.raises(NotFoundError):
            repository.add_attendance(Attendance(session_id="nope", staff_id="s-1"))
        assert repository.attendance() == []

    def test_attendance_round_trips_in_order(self, repository: TrainingRepository) -> None:
        repository.add_session(_session("t-2"))
        repository.add_session(_session("t-1", day=20))
        records = [
            Attendance(session_id="t-2", staff_id="s-2", status=AttendanceStatus.ABSENT),
            Attendance(session_id="t-1", staff_id="s-2"),
            Attendance(session_id="t-2", staff_id="s-1", status=AttendanceStatus.EXCUSED),
        ]
        for record in records:
            assert repository.add_attendance(record) is True
        assert [a.key for a in repository.attendance()] == [
            ("t-1", "s-2"),
            ("t-2", "s-1"),
            ("t-2", "s-2"),
        ]
        assert repository.attendance(session_id="t-2", staff_id="s-2") == [records[0]]
        assert repository.attendance(staff_id="s-2") == [records[1], records[0]]
        assert repository.attendance(session_id="t-2")[0].status is AttendanceStatus.EXCUSED
        assert repository.attendance(staff_id="nobody") == []

    def test_attendance_adds_are_idempotent(self, repository: TrainingRepository) -> None:
        repository.add_session(_session())
        here = Attendance(session_id="t-1", staff_id="s-1")
        absent = attrs.evolve(here, status=AttendanceStatus.ABSENT)
        assert_idempotent_add(repository.add_attendance, here, absent)
        assert repository.attendance() == [here]

    # --- completions ---------------------------------------------------------

    def test_completions_round_trip_in_order(self, repository: TrainingRepository) -> None:
        late, early = _completion("c-2", day=20), _completion("c-1", day=2, session="t-9")
        other = _completion("c-3", staff_id="s-2", day=5)
        for completion in (late, other, early):
            assert repository.add_completion(completion) is True
        assert repository.completions("s-1") == [early, late]
        assert [c.id for c in repository.completions()] == ["c-1", "c-3", "c-2"]
        assert repository.completions("s-1")[0].session_id == "t-9"
        assert repository.completions("nobody") == []
        fifth = datetime(2026, 3, 5, 20, 30, tzinfo=SHANGHAI)
        assert repository.completions(start=fifth) == [other, late]
        assert repository.completions("s-1", end=fifth.astimezone(UTC)) == [early]

    def test_completion_adds_are_idempotent(self, repository: TrainingRepository) -> None:
        assert_idempotent_add(repository.add_completion, _completion(), _completion(day=6))
        assert repository.completions() == [_completion()]

    # --- concurrency ---------------------------------------------------------

    def test_concurrent_adds_of_one_session_store_it_once(
        self, repository: TrainingRepository
    ) -> None:
        stored_once(THREADS, lambda _i: repository.add_session(_session()))
        assert repository.sessions() == [_session()]

    def test_concurrent_different_attendance_exactly_one_wins(
        self, repository: TrainingRepository
    ) -> None:
        repository.add_session(_session())
        statuses = list(AttendanceStatus)
        candidates = [
            Attendance(session_id="t-1", staff_id="s-1", status=statuses[i % len(statuses)])
            for i in range(len(statuses))
        ]
        winner = one_add_wins(candidates, repository.add_attendance)
        assert repository.attendance() == [winner]

    # --- generated -----------------------------------------------------------

    @settings(SUITE_SETTINGS, max_examples=25, deadline=None)
    @given(session=training_sessions(), completion=training_completions())
    def test_any_session_and_completion_round_trip(
        self, repository: TrainingRepository, session: TrainingSession, completion: Completion
    ) -> None:
        serial = next_serial()
        session = attrs.evolve(session, id=f"g-{serial}")
        completion = attrs.evolve(completion, id=f"g-{serial}", staff_id=f"gs-{serial}")
        assert repository.add_session(session) is True
        assert repository.add_session(session) is False
        assert repository.add_completion(completion) is True
        window = repository.sessions(start=session.start, end=session.end)
        assert session in window
        (stored,) = [s for s in window if s.id == session.id]
        assert_kept(stored, session, "start", "end")
        (done,) = repository.completions(completion.staff_id)
        assert_kept(done, completion, "completed_at")

    def test_random_operations_agree_with_a_model(self, repository: TrainingRepository) -> None:
        run_machine(lambda: _TrainingMachine(repository), max_examples=15, steps=20, timed=False)

    @dst_property("one", "other")
    def test_times_at_a_dst_change_come_back_equal(
        self, repository: TrainingRepository, one: datetime, other: datetime
    ) -> None:
        start, end = in_order(one, other, distinct=True)
        serial = next_serial()
        session = attrs.evolve(_session(f"dst-t{serial}"), start=start, end=end)
        completion = attrs.evolve(
            _completion(f"dst-c{serial}", staff_id=f"dst-s{serial}"), completed_at=one
        )
        assert_added_once(repository.add_session, session, start=start, end=end)
        assert_added_once(repository.add_completion, completion, completed_at=one)
        (stored,) = [s for s in repository.sessions(start=start) if s.id == session.id]
        assert_kept(stored, session, "start", "end")
        (done,) = repository.completions(completion.staff_id)
        assert_kept(done, completion, "completed_at")


class _TrainingMachine(RepositoryMachine["TrainingRepository"]):
    """Random session, attendance and completion adds, checked against dicts.

    One repository serves every run, so each run uses its own ids.
    """

    def __init__(self, repository: TrainingRepository) -> None:
        super().__init__(repository)
        self.sessions: dict[str, TrainingSession] = {}
        self.attendance: dict[tuple[str, str], Attendance] = {}
        self.completions: dict[str, Completion] = {}

    @rule(n=st.integers(0, 3), day=st.integers(10, 12), costly=st.booleans())
    def add_session(self, n: int, day: int, costly: bool) -> None:
        cost = Money("500.00") if costly else None
        add_once(
            self.sessions,
            _session(f"{self.prefix}t{n}", day=day, cost=cost),
            self.repository.add_session,
        )

    @rule(
        n=st.integers(0, 3),
        staff=st.integers(0, 1),
        status=st.sampled_from(AttendanceStatus),
    )
    def add_attendance(self, n: int, staff: int, status: AttendanceStatus) -> None:
        record = Attendance(
            session_id=f"{self.prefix}t{n}", staff_id=f"{self.prefix}s{staff}", status=status
        )
        if record.session_id not in self.sessions:
            with pytest.raises(NotFoundError):
                self.repository.add_attendance(record)
        else:
            add_keyed(self.attendance, record.key, record, self.repository.add_attendance)

    @rule(n=st.integers(0, 3), staff=st.integers(0, 1), day=st.integers(1, 3))
    def add_completion(self, n: int, staff: int, day: int) -> None:
        completion = _completion(f"{self.prefix}c{n}", staff_id=f"{self.prefix}s{staff}", day=day)
        add_once(self.completions, completion, self.repository.add_completion)

    @invariant()
    def records_agree(self) -> None:
        mine = [s for s in self.repository.sessions() if s.id.startswith(self.prefix)]
        assert mine == by_instant(self.sessions.values(), "start")
        for staff in range(2):
            staff_id = f"{self.prefix}s{staff}"
            attended = sorted(
                (a for a in self.attendance.values() if a.staff_id == staff_id),
                key=lambda a: a.key,
            )
            assert self.repository.attendance(staff_id=staff_id) == attended
            done = (c for c in self.completions.values() if c.staff_id == staff_id)
            assert self.repository.completions(staff_id) == by_instant(done, "completed_at")
