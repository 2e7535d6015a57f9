"""The roster: seats, the FIFO waitlist, cancellations and attendance.

The fast rules (`Roster`) are checked against a slow, obvious model: a list
of customers in seats and a queue of waiting customers, by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from clubrules.activities import Activity, ActivityKind, Roster, SignUpStatus
from clubrules.errors import (
    ActivityFullError,
    ClubRulesError,
    IllegalTransitionError,
    NotFoundError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 4, 11, 14, tzinfo=TZ)
EARLY = START - timedelta(days=2)


def activity(capacity: int = 2, waitlist_limit: int | None = None) -> Activity:
    return Activity(
        id="act-1",
        name="spring tea",
        kind=ActivityKind.MEMBER,
        start=START,
        end=START + timedelta(hours=2),
        capacity=capacity,
        waitlist_limit=waitlist_limit,
    )


class Model:
    """Seats and a queue, by hand: what a club clerk with a notebook would do."""

    def __init__(self, capacity: int, limit: int | None) -> None:
        self.capacity = capacity
        self.limit = limit
        self.seated: list[str] = []  # in seat order
        self.queue: list[str] = []  # first come, first served
        self.gone: set[str] = set()
        self.came: dict[str, bool] = {}

    def sign_up(self, c: str) -> str:
        if c in self.seated or c in self.queue:
            return "same"
        if len(self.seated) < self.capacity:
            self.seated.append(c)
        elif self.limit is None or len(self.queue) < self.limit:
            self.queue.append(c)
        else:
            return "full"
        self.gone.discard(c)
        return "ok"

    def cancel(self, c: str) -> str:
        if c in self.came:
            return "illegal"
        if c in self.queue:
            self.queue.remove(c)
        elif c in self.seated:
            self.seated.remove(c)
            if self.queue:
                self.seated.append(self.queue.pop(0))
        elif c in self.gone:
            return "same"
        else:
            return "missing"
        self.gone.add(c)
        return "ok"

    def attend(self, c: str, *, came: bool) -> str:
        if c in self.seated:
            self.came[c] = came
            return "ok"
        return "illegal" if (c in self.queue or c in self.gone) else "missing"


OUTCOME = {
    ActivityFullError: "full",
    IllegalTransitionError: "illegal",
    NotFoundError: "missing",
}


class RosterAgainstModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.roster = Roster(activity(capacity=2, waitlist_limit=2))
        self.model = Model(2, 2)
        self.minute = 0

    def _at(self, base: datetime) -> datetime:
        self.minute += 1
        return base + timedelta(minutes=self.minute)

    def _run(self, action: str, customer: str, **options: object) -> str:
        try:
            changes = getattr(self.roster, action)(customer, **options)
        except ClubRulesError as error:
            return OUTCOME[type(error)]
        self.roster = self.roster.apply(changes)
        return "ok" if changes else "same"

    @rule(c=st.sampled_from("abcdef"))
    def sign_up(self, c: str) -> None:
        assert self._run("sign_up", c, at=self._at(EARLY)) == self.model.sign_up(c)

    @rule(c=st.sampled_from("abcdef"))
    def cancel(self, c: str) -> None:
        assert self._run("cancel", c, at=self._at(EARLY)) == self.model.cancel(c)

    @rule(c=st.sampled_from("abcdef"), came=st.booleans())
    def attend(self, c: str, came: bool) -> None:
        got = self._run("record_attendance", c, attended=came, at=self._at(START))
        expected = self.model.attend(c, came=came)
        # Marking the same again changes nothing: "same" where the model says "ok".
        assert got == expected or (got, expected) == ("same", "ok")

    @invariant()
    def agrees_with_the_model(self) -> None:
        seated = {e.customer_id for e in self.roster.entries if e.holds_seat}
        assert seated == set(self.model.seated)
        assert [e.customer_id for e in self.roster.waitlist] == self.model.queue
        for c, came in self.model.came.items():
            status = self.roster.entry(c)
            assert status is not None
            assert status.status is (SignUpStatus.ATTENDED if came else SignUpStatus.NO_SHOW)

    @invariant()
    def capacity_is_never_exceeded(self) -> None:
        assert self.roster.seats_taken <= self.roster.activity.capacity


TestRosterAgainstModel = RosterAgainstModel.TestCase
TestRosterAgainstModel.settings = settings(max_examples=200, stateful_step_count=30)


@settings(max_examples=200)
@given(
    capacity=st.integers(1, 4),
    limit=st.none() | st.integers(0, 4),
    ops=st.lists(st.tuples(st.booleans(), st.integers(0, 7)), max_size=40),
)
def test_capacity_is_never_exceeded_and_the_waitlist_is_fifo(
    capacity: int, limit: int | None, ops: list[tuple[bool, int]]
) -> None:
    roster = Roster(activity(capacity, limit))
    for minute, (cancel, n) in enumerate(ops):
        customer = f"c{n}"
        at = EARLY + timedelta(minutes=minute)
        before = [e.customer_id for e in roster.waitlist]
        try:
            changes = (roster.cancel if cancel else roster.sign_up)(customer, at=at)
        except (ActivityFullError, NotFoundError):
            continue
        roster = roster.apply(changes)
        promoted = [c for c in changes[1:] if c.status is SignUpStatus.CONFIRMED]
        if promoted:
            # The one promoted is the one who waited longest.
            assert promoted[0].customer_id == before[0]
        assert roster.seats_taken <= capacity
        if limit is not None:
            assert len(roster.waitlist) <= limit
        waiting = roster.waitlist
        assert [e.position for e in waiting] == sorted(e.position for e in waiting)


def test_a_full_activity_without_a_waitlist_refuses() -> None:
    roster = Roster(activity(capacity=1, waitlist_limit=0))
    roster = roster.apply(roster.sign_up("a", at=EARLY))
    with pytest.raises(ActivityFullError) as caught:
        roster.sign_up("b", at=EARLY)
    assert (caught.value.activity_id, caught.value.capacity, caught.value.waitlist_limit) == (
        "act-1",
        1,
        0,
    )


def test_attendance_before_the_start_is_refused_with_a_named_field() -> None:
    roster = Roster(activity())
    roster = roster.apply(roster.sign_up("a", at=EARLY))
    with pytest.raises(ValidationError) as caught:
        roster.record_attendance("a", attended=True, at=EARLY)
    assert caught.value.violations[0].field == "at"
    assert caught.value.violations[0].rule == "not_started"


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.binary(max_size=4),
        st.lists(st.text(max_size=2), max_size=2),
    )
)
def test_an_id_that_is_not_a_string_is_refused_by_every_lookup_naming_the_argument(
    bad: object,
) -> None:
    roster = Roster(activity())
    roster = roster.apply(roster.sign_up("a", at=EARLY))
    calls: list[Callable[[], object]] = [
        lambda: roster.entry(bad),  # type: ignore[arg-type]
        lambda: roster.sign_up(bad, at=EARLY),  # type: ignore[arg-type]
        lambda: roster.cancel(bad, at=EARLY),  # type: ignore[arg-type]
        lambda: roster.record_attendance(bad, attended=True, at=START),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.violations[0].field == "customer_id"
        assert caught.value.violations[0].rule == "not_a_string"
        assert repr(bad) not in str(caught.value) or bad is None


def test_a_waitlisted_customer_cannot_attend() -> None:
    roster = Roster(activity(capacity=1))
    for c in "ab":
        roster = roster.apply(roster.sign_up(c, at=EARLY))
    with pytest.raises(IllegalTransitionError) as caught:
        roster.record_attendance("b", attended=True, at=START)
    assert caught.value.state == "waitlisted"
    assert caught.value.allowed == ("cancel",)


def test_a_roster_refuses_entries_of_another_activity_or_twice_one_customer() -> None:
    roster = Roster(activity())
    entry = roster.sign_up("a", at=EARLY)[0]
    with pytest.raises(ValidationError):
        Roster(activity(), (entry, entry))
    other = Activity(
        id="act-2",
        name="x",
        kind="workshop",
        start=START,
        end=START + timedelta(hours=1),
        capacity=1,
    )
    with pytest.raises(ValidationError):
        Roster(other, (entry,))
