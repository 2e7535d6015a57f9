from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingStatus,
    Occupancy,
    Pool,
    Requirement,
    Resource,
    ResourceKind,
    Segment,
    Service,
)
from clubrules.errors import (
    IllegalTransitionError,
    InvalidIntervalError,
    NaiveDatetimeError,
    ValidationError,
)

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)
POLICY = BookingPolicy(late_cancel_cutoff=timedelta(hours=24), no_show_after=timedelta(minutes=15))


def _booking(status: BookingStatus = BookingStatus.CONFIRMED, **changes: object) -> Booking:
    fields: dict[str, object] = {
        "id": "b1",
        "service": "facial",
        "start": T0,
        "end": T0 + HOUR,
        "occupancy": [Occupancy.between("li", T0, T0 + HOUR)],
        "status": status,
        "expires_at": T0 - 2 * HOUR
        if status in {BookingStatus.HELD, BookingStatus.PENDING}
        else None,
    }
    fields.update(changes)
    return Booking(**fields)  # type: ignore[arg-type]


def test_end_before_start_is_refused() -> None:
    with pytest.raises(InvalidIntervalError) as caught:
        _booking(end=T0 - HOUR)
    assert (caught.value.field, caught.value.rule) == ("end", "end_before_start")
    with pytest.raises(InvalidIntervalError):
        Occupancy.between("li", T0, T0)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        _booking(start=datetime(2026, 3, 2, 10))  # noqa: DTZ001
    with pytest.raises(NaiveDatetimeError):
        Occupancy.between("li", datetime(2026, 3, 2, 10), T0 + HOUR)  # noqa: DTZ001


def test_negative_buffers_and_bad_headcounts_are_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        Service(
            id="facial",
            segments=timedelta(minutes=60),
            requirements=[Requirement(role="r", resource="room")],
            buffer_before=timedelta(minutes=-5),
            buffer_after=timedelta(minutes=-1),
            max_headcount=0,
        )
    assert caught.value.fields == ("buffer_before", "buffer_after", "max_headcount")
    with pytest.raises(ValidationError) as headcount:
        _booking(headcount=0)
    assert headcount.value.field == "headcount"


def test_units_above_capacity_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Occupancy("room", 0, 10, units=5, capacity=4)
    assert caught.value.rule == "over_capacity"


def test_model_values_validate_their_fields() -> None:
    with pytest.raises(ValidationError):
        Resource(id=" li", capacity=0)
    with pytest.raises(ValidationError):
        Pool(id="empty")
    with pytest.raises(ValidationError):
        Requirement(role="x", resource="a", pool="b")
    with pytest.raises(ValidationError):
        Segment(timedelta(0))
    with pytest.raises(ValidationError):
        _booking(status=BookingStatus.HELD, expires_at=None)


def test_busy_offsets_follow_segments_and_buffers() -> None:
    colour = Service(
        id="colour",
        segments=[
            Segment(timedelta(minutes=30)),
            Segment(timedelta(minutes=40), processing=True),
            Segment(timedelta(minutes=20)),
        ],
        requirements=[Requirement(role="r", resource="room")],
        buffer_before=timedelta(minutes=5),
        buffer_after=timedelta(minutes=10),
    )
    m = 60_000_000
    assert colour.duration == timedelta(minutes=90)
    assert colour.busy_offsets(held_during_processing=True) == ((-5 * m, 100 * m),)
    assert colour.busy_offsets(held_during_processing=False) == (
        (-5 * m, 30 * m),
        (70 * m, 100 * m),
    )


def test_pool_selects_by_kind_and_skills_in_id_order() -> None:
    staff = [
        Resource(id="wang", skills={"facial"}),
        Resource(id="li", skills={"facial", "x"}),
        Resource(id="room", kind=ResourceKind.ROOM, skills={"facial"}),
    ]
    assert Pool(id="p", kind=ResourceKind.STAFF, skills={"facial"}).select(staff) == ("li", "wang")
    assert Pool(id="p", members=("wang", "li")).select(staff) == ("wang", "li")


def test_lifecycle_happy_path() -> None:
    held = _booking(BookingStatus.HELD, expires_at=T0 - HOUR)
    pending = held.submit(now=T0 - 2 * HOUR)
    confirmed = pending.confirm(now=T0 - 2 * HOUR)
    assert confirmed.expires_at is None
    done = confirmed.check_in(now=T0).complete(now=T0 + HOUR)
    assert done.status is BookingStatus.COMPLETED
    assert done.version == 5
    assert done.allowed_actions == ()


def test_a_confirmation_code_is_given_when_a_hold_is_confirmed() -> None:
    held = _booking(BookingStatus.HELD, expires_at=T0 - HOUR)
    confirmed = held.confirm(now=T0 - 2 * HOUR, confirmation_code="7K3MQ9TR")
    assert (confirmed.status, confirmed.confirmation_code) == (BookingStatus.CONFIRMED, "7K3MQ9TR")
    assert confirmed.version == held.version + 1
    # Without one, a code given with the hold is kept.
    coded = _booking(BookingStatus.HELD, expires_at=T0 - HOUR, confirmation_code="A1")
    assert coded.confirm(now=T0 - 2 * HOUR).confirmation_code == "A1"
    with pytest.raises(ValidationError) as caught:
        held.confirm(now=T0 - 2 * HOUR, confirmation_code="bad\x00code")
    assert caught.value.field == "confirmation_code"


def test_confirming_an_expired_hold_is_refused() -> None:
    held = _booking(BookingStatus.HELD, expires_at=T0 - HOUR)
    with pytest.raises(IllegalTransitionError) as caught:
        held.confirm(now=T0 - HOUR)
    assert "expired" in caught.value.reason
    assert held.expire(now=T0 - HOUR).status is BookingStatus.EXPIRED
    with pytest.raises(IllegalTransitionError):
        held.expire(now=T0 - 2 * HOUR)


def test_late_cancel_flag_follows_the_cutoff() -> None:
    confirmed = _booking()
    early = confirmed.cancel(now=T0 - timedelta(hours=24), policy=POLICY)
    late = confirmed.cancel(now=T0 - timedelta(hours=24) + timedelta(microseconds=1), policy=POLICY)
    assert (early.late_cancel, late.late_cancel) == (False, True)
    assert early.status is BookingStatus.CANCELLED


def test_no_show_only_after_the_grace_period() -> None:
    confirmed = _booking()
    with pytest.raises(IllegalTransitionError):
        confirmed.mark_no_show(now=T0 + timedelta(minutes=14), policy=POLICY)
    assert (
        confirmed.mark_no_show(now=T0 + timedelta(minutes=15), policy=POLICY).status
        is BookingStatus.NO_SHOW
    )


def test_illegal_moves_list_the_allowed_ones() -> None:
    with pytest.raises(IllegalTransitionError) as caught:
        _booking().complete(now=T0)
    assert caught.value.allowed == ("cancel", "check_in", "mark_no_show", "reschedule")


def test_blocks_at_judges_expiry_in_utc() -> None:
    held = _booking(BookingStatus.HELD, expires_at=T0)
    assert held.blocks_at(T0 - timedelta(microseconds=1))
    assert not held.blocks_at(T0)
    assert not _booking().cancel(now=T0, policy=POLICY).blocks_at(None)


# The lifecycle against a table model, driven by hypothesis.
_MODEL = {
    "held": {
        "submit": "pending",
        "confirm": "confirmed",
        "expire": "expired",
        "cancel": "cancelled",
    },
    "pending": {"confirm": "confirmed", "expire": "expired", "cancel": "cancelled"},
    "confirmed": {"check_in": "checked_in", "cancel": "cancelled", "mark_no_show": "no_show"},
    "checked_in": {"complete": "completed"},
}


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.booking = _booking(BookingStatus.HELD, expires_at=T0 - HOUR)
        self.state = "held"
        self.now = T0 - 3 * HOUR

    @rule(minutes=st.integers(0, 90))
    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(
        action=st.sampled_from(
            ["submit", "confirm", "expire", "cancel", "check_in", "complete", "mark_no_show"]
        )
    )
    def act(self, action: str) -> None:
        kwargs: dict[str, object] = {"now": self.now}
        if action in {"cancel", "mark_no_show"}:
            kwargs["policy"] = POLICY
        allowed = _MODEL.get(self.state, {})
        expires = self.booking.expires_at
        timing_ok = True
        if action in {"submit", "confirm"} and self.state in {"held", "pending"}:
            timing_ok = expires is None or self.now < expires
        if action == "expire" and self.state in {"held", "pending"}:
            timing_ok = expires is not None and self.now >= expires
        if action == "mark_no_show" and self.state == "confirmed":
            timing_ok = self.now >= T0 + POLICY.no_show_after
        if action in allowed and timing_ok:
            self.booking = getattr(self.booking, action)(**kwargs)
            self.state = allowed[action]
        else:
            with pytest.raises(IllegalTransitionError):
                getattr(self.booking, action)(**kwargs)

    @precondition(lambda self: self.state in {"held", "pending"})
    @rule()
    def blocks_until_expiry(self) -> None:
        assert self.booking.blocks_at(self.now) == (self.now < self.booking.expires_at)  # type: ignore[operator]

    @invariant()
    def status_matches_model(self) -> None:
        assert self.booking.status.value == self.state


TestLifecycle = LifecycleMachine.TestCase
