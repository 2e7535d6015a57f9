"""Contract suite for the activities port: `ClubActivityRepository`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from clubrules.activities import (
    Activity,
    ActivityKind,
    Audience,
    Invitation,
    Roster,
    SignUp,
    SignUpStatus,
)
from clubrules.errors import (
    ActivityFullError,
    ClubRulesError,
    IllegalTransitionError,
    NotFoundError,
    ValidationError,
)
from clubrules.testing.contracts._asserts import assert_idempotent_add, assert_not_found
from clubrules.testing.contracts._base import RepositoryContract, RepositoryMachine, run_machine
from clubrules.testing.contracts._instants import assert_kept, dst_property
from clubrules.testing.contracts._race import THREADS, one_wins, race
from clubrules.testing.contracts._values import SHANGHAI, next_serial
from clubrules.tiering import TagClass

if TYPE_CHECKING:
    from clubrules.activities.ports import ClubActivityRepository

__all__ = ["ClubActivityRepositoryContract"]

START = datetime(2026, 4, 11, 14, tzinfo=SHANGHAI)
BEFORE = START - timedelta(days=3)


def _activity(
    activity_id: str = "act-1",
    *,
    capacity: int = 2,
    waitlist_limit: int | None = None,
    start: datetime = START,
) -> Activity:
    return Activity(
        id=activity_id,
        name="春季会员茶话会",
        kind=ActivityKind.MEMBER,
        start=start,
        end=start + timedelta(hours=2),
        capacity=capacity,
        audience=Audience(
            tiers={"gold", "silver"},
            tags=TagClass(name="tea lovers", any_of={"tea", "flowers"}),
        ),
        waitlist_limit=waitlist_limit,
        booking_id=f"activity-{activity_id}",
    )


def _minutes(n: int) -> datetime:
    return BEFORE + timedelta(minutes=n)


def _statuses(sign_ups: list[SignUp]) -> list[tuple[str, str]]:
    return [(s.customer_id, s.status.value) for s in sign_ups]


class ClubActivityRepositoryContract(RepositoryContract):
    """Every `ClubActivityRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty activity repository.
    """

    def test_an_activity_comes_back_equal(self, repository: ClubActivityRepository) -> None:
        activity = _activity(waitlist_limit=3)
        assert repository.add(activity) is True
        stored = repository.get("act-1")
        assert stored == activity
        assert stored.kind is ActivityKind.MEMBER
        assert stored.start.utcoffset() == timedelta(hours=8)
        own_kind = attrs.evolve(_activity("act-2"), kind="workshop", audience=Audience())
        repository.add(own_kind)
        assert repository.get("act-2") == own_kind

    def test_adds_are_idempotent_and_ids_unique(self, repository: ClubActivityRepository) -> None:
        assert_idempotent_add(repository.add, _activity(), _activity(capacity=9))
        assert repository.get("act-1") == _activity()

    def test_get_of_a_missing_id_raises(self, repository: ClubActivityRepository) -> None:
        assert_not_found(repository.get, "act-404")

    def test_one_invitation_per_customer(self, repository: ClubActivityRepository) -> None:
        repository.add(_activity())
        first = Invitation(
            activity_id="act-1", customer_id="c-2", at=BEFORE, channel="phone", consent_id="k-2"
        )
        assert repository.invite(first) is True
        assert repository.invite(attrs.evolve(first, channel="wechat")) is False
        assert repository.invite(attrs.evolve(first, customer_id="c-1")) is True
        got = repository.invitations("act-1")
        assert [(i.customer_id, i.channel) for i in got] == [("c-1", "phone"), ("c-2", "phone")]
        assert got[1] == first
        assert repository.invitations("act-404") == []
        with pytest.raises(NotFoundError):
            repository.invite(attrs.evolve(first, activity_id="act-404"))

    def test_sign_ups_fill_the_seats_then_the_waitlist(
        self, repository: ClubActivityRepository
    ) -> None:
        repository.add(_activity(capacity=2, waitlist_limit=1))
        got = [repository.sign_up("act-1", c, at=_minutes(i)) for i, c in enumerate("abc")]
        assert [s.status for s in got] == [
            SignUpStatus.CONFIRMED,
            SignUpStatus.CONFIRMED,
            SignUpStatus.WAITLISTED,
        ]
        assert [s.position for s in got] == [1, 2, 3]
        with pytest.raises(ActivityFullError):
            repository.sign_up("act-1", "d", at=_minutes(9))
        again = repository.sign_up("act-1", "a", at=_minutes(10))
        assert again == got[0]
        assert repository.roster("act-1") == got

    def test_a_cancelled_seat_goes_to_the_first_on_the_waitlist(
        self, repository: ClubActivityRepository
    ) -> None:
        repository.add(_activity(capacity=1))
        for i, customer in enumerate(["a", "b", "c"]):
            repository.sign_up("act-1", customer, at=_minutes(i))
        changed = repository.cancel("act-1", "a", at=_minutes(5))
        assert _statuses(changed) == [("a", "cancelled"), ("b", "confirmed")]
        assert repository.cancel("act-1", "a", at=_minutes(6)) == []
        assert _statuses(repository.cancel("act-1", "c", at=_minutes(7))) == [("c", "cancelled")]
        back = repository.sign_up("act-1", "a", at=_minutes(8))
        assert (back.status, back.position) == (SignUpStatus.WAITLISTED, 4)
        assert _statuses(repository.roster("act-1")) == [
            ("b", "confirmed"),
            ("c", "cancelled"),
            ("a", "waitlisted"),
        ]
        with pytest.raises(NotFoundError):
            repository.cancel("act-1", "zz", at=_minutes(9))

    def test_nothing_changes_once_the_activity_started(
        self, repository: ClubActivityRepository
    ) -> None:
        repository.add(_activity(capacity=1))
        repository.sign_up("act-1", "a", at=_minutes(0))
        repository.sign_up("act-1", "b", at=_minutes(1))
        with pytest.raises(ValidationError):
            repository.sign_up("act-1", "c", at=START)
        with pytest.raises(ValidationError):
            repository.cancel("act-1", "a", at=START)
        with pytest.raises(ValidationError):
            repository.record_attendance("act-1", "a", attended=True, at=_minutes(2))
        assert _statuses(repository.roster("act-1")) == [("a", "confirmed"), ("b", "waitlisted")]
        with pytest.raises(NotFoundError):
            repository.sign_up("act-404", "a", at=_minutes(0))

    def test_attendance_and_no_shows(self, repository: ClubActivityRepository) -> None:
        repository.add(_activity(capacity=2))
        for i, customer in enumerate(["a", "b", "c"]):
            repository.sign_up("act-1", customer, at=_minutes(i))
        came = repository.record_attendance("act-1", "a", attended=True, at=START)
        assert came.status is SignUpStatus.ATTENDED
        missed = repository.record_attendance("act-1", "b", attended=False, at=START)
        assert missed.status is SignUpStatus.NO_SHOW
        fixed = repository.record_attendance(
            "act-1", "b", attended=True, at=START + timedelta(minutes=20)
        )
        assert fixed.status is SignUpStatus.ATTENDED
        with pytest.raises(IllegalTransitionError):
            repository.record_attendance("act-1", "c", attended=True, at=START)
        with pytest.raises(IllegalTransitionError):
            repository.cancel("act-1", "a", at=_minutes(5))
        assert _statuses(repository.roster("act-1")) == [
            ("a", "attended"),
            ("b", "attended"),
            ("c", "waitlisted"),
        ]

    def test_participation_is_per_customer(self, repository: ClubActivityRepository) -> None:
        repository.add(_activity("act-1"))
        repository.add(_activity("act-2", start=START + timedelta(days=7)))
        repository.sign_up("act-2", "a", at=_minutes(0))
        repository.sign_up("act-1", "a", at=_minutes(1))
        repository.sign_up("act-1", "b", at=_minutes(2))
        repository.record_attendance("act-1", "a", attended=True, at=START)
        got = repository.participation("a")
        assert [(s.activity_id, s.status.value) for s in got] == [
            ("act-2", "confirmed"),
            ("act-1", "attended"),
        ]
        assert repository.participation("nobody") == []

    def test_two_sign_ups_for_the_last_seat_one_wins(
        self, repository: ClubActivityRepository
    ) -> None:
        repository.add(_activity(capacity=2, waitlist_limit=0))
        repository.sign_up("act-1", "first", at=_minutes(0))
        customers = [f"c-{i}" for i in range(THREADS)]
        winner = one_wins(
            customers,
            lambda c: repository.sign_up("act-1", c, at=_minutes(1)),
            won=lambda r: isinstance(r, SignUp),
            lost=ActivityFullError,
        )
        roster = repository.roster("act-1")
        assert _statuses(roster) == [("first", "confirmed"), (winner, "confirmed")]

    def test_racing_sign_ups_never_exceed_capacity(
        self, repository: ClubActivityRepository
    ) -> None:
        repository.add(_activity(capacity=3))
        results = race(THREADS, lambda i: repository.sign_up("act-1", f"c-{i}", at=_minutes(i)))
        assert all(isinstance(r, SignUp) for r in results), results
        roster = repository.roster("act-1")
        assert len(roster) == THREADS
        assert sum(s.status is SignUpStatus.CONFIRMED for s in roster) == 3
        assert sorted(s.position for s in roster) == list(range(1, THREADS + 1))
        # The waitlist is served in sign-up order, whichever thread signed up first.
        confirmed = [s for s in roster if s.status is SignUpStatus.CONFIRMED]
        assert [s.position for s in confirmed] == [1, 2, 3]

    def test_racing_cancellations_promote_each_waiting_customer_once(
        self, repository: ClubActivityRepository
    ) -> None:
        seats = THREADS // 2
        repository.add(_activity(capacity=seats))
        for i in range(THREADS):
            repository.sign_up("act-1", f"c-{i}", at=_minutes(i))
        race(seats, lambda i: repository.cancel("act-1", f"c-{i}", at=_minutes(20)))
        roster = repository.roster("act-1")
        assert [s.status for s in roster] == [SignUpStatus.CANCELLED] * seats + [
            SignUpStatus.CONFIRMED
        ] * (THREADS - seats)

    def test_random_operations_agree_with_the_roster_rules(
        self, repository: ClubActivityRepository
    ) -> None:
        run_machine(lambda: _RosterMachine(repository), max_examples=15, steps=20, timed=False)

    @dst_property("at")
    def test_a_sign_up_at_a_dst_change_comes_back_equal(
        self, repository: ClubActivityRepository, at: datetime
    ) -> None:
        activity_id = f"dst-a{next_serial()}"
        repository.add(_activity(activity_id, start=at + timedelta(days=1)))
        stored = repository.sign_up(activity_id, "c-1", at=at)
        (read,) = repository.roster(activity_id)
        assert read == stored
        assert_kept(read, stored, "signed_up_at", "updated_at")


class _RosterMachine(RepositoryMachine["ClubActivityRepository"]):
    """Sign-ups, cancellations and attendance, checked against a `Roster` kept in memory."""

    def __init__(self, repository: ClubActivityRepository) -> None:
        super().__init__(repository)
        self.activity = _activity(f"{self.prefix}act", capacity=2, waitlist_limit=2)
        repository.add(self.activity)
        self.model = Roster(self.activity)
        self.clock = 0

    def _tick(self, *, started: bool) -> datetime:
        self.clock += 1
        base = START if started else BEFORE
        return base + timedelta(minutes=self.clock)

    def _expect(self, action: str, customer: str, *, started: bool, **options: object) -> None:
        """Do `action` on the repository and the model at the next tick: same outcome, same error.

        The repository's method takes the activity's id first; the model's
        (a `Roster`, of that one activity) does not.
        """
        at = self._tick(started=started)

        def call() -> object:
            return getattr(self.repository, action)(self.activity.id, customer, at=at, **options)

        try:
            changes = getattr(self.model, action)(customer, at=at, **options)
        except ClubRulesError as error:
            with pytest.raises(type(error)):
                call()
            return
        call()
        self.model = self.model.apply(changes)

    @rule(customer=st.sampled_from("abcde"))
    def sign_up(self, customer: str) -> None:
        self._expect("sign_up", customer, started=False)

    @rule(customer=st.sampled_from("abcde"))
    def cancel(self, customer: str) -> None:
        self._expect("cancel", customer, started=False)

    @rule(customer=st.sampled_from("abcde"), attended=st.booleans())
    def attend(self, customer: str, attended: bool) -> None:
        self._expect("record_attendance", customer, started=True, attended=attended)

    @invariant()
    def roster_agrees(self) -> None:
        got = self.repository.roster(self.activity.id)
        assert got == sorted(self.model.entries, key=lambda s: s.position)
        assert sum(s.holds_seat for s in got) <= self.activity.capacity
