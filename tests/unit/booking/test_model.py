from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import partial
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from clubrules._time import to_epoch_us
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


# The lifecycle against a plain model, driven by hypothesis: every move, its
# guards (expiry, the late-cancel cutoff, the no-show grace) and its effects
# (status, version, late_cancel, expiry, times and occupancy, blocking), with
# the clock landing on each boundary and a microsecond either side of it,
# near clock changes, and every instant given in a different tzinfo (fold=1
# in repeated hours, fixed offsets, pendulum).
_MODEL = {
    "held": {
        "submit": "pending",
        "confirm": "confirmed",
        "expire": "expired",
        "cancel": "cancelled",
        "reschedule": "held",
    },
    "pending": {
        "confirm": "confirmed",
        "expire": "expired",
        "cancel": "cancelled",
        "reschedule": "pending",
    },
    "confirmed": {
        "check_in": "checked_in",
        "cancel": "cancelled",
        "mark_no_show": "no_show",
        "reschedule": "confirmed",
    },
    "checked_in": {"complete": "completed"},
}
_BLOCKING = {"confirmed", "checked_in", "completed"}
_US = timedelta(microseconds=1)
# Clock changes of 2026 (UTC): New York, London, Lord Howe (30 min), Santiago
# and Havana (at local midnight), Apia none; shown in zones that differ.
_CHANGES = (
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 15, tzinfo=UTC),
    datetime(2026, 4, 5, 3, tzinfo=UTC),
    datetime(2026, 9, 6, 4, tzinfo=UTC),
    datetime(2026, 3, 8, 5, tzinfo=UTC),
    datetime(2026, 11, 1, 5, tzinfo=UTC),
)
_TZS: tuple[tzinfo, ...] = (
    UTC,
    timezone(timedelta(hours=-3, minutes=-30)),
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("America/Santiago"),
    ZoneInfo("America/Havana"),
    ZoneInfo("Asia/Kathmandu"),
    pendulum.timezone("America/New_York"),
)


def _shown(at: datetime, zone: tzinfo) -> datetime:
    """`at` as a wall time of `zone` (fold=1 in a repeated hour): the same instant."""
    return at.astimezone(zone)


class LifecycleMachine(RuleBasedStateMachine):
    @initialize(
        change=st.sampled_from(_CHANGES),
        start=st.integers(-180, 180),
        length=st.integers(1, 240),
        cutoff=st.integers(0, 240),
        grace=st.integers(0, 120),
        hold=st.integers(1, 120),
        zone=st.sampled_from(_TZS),
    )
    def begin(  # noqa: PLR0917 - one per drawn value
        self,
        change: datetime,
        start: int,
        length: int,
        cutoff: int,
        grace: int,
        hold: int,
        zone: tzinfo,
    ) -> None:
        self.change = change
        self.start = change + timedelta(minutes=start)
        self.end = self.start + timedelta(minutes=length)
        self.policy = BookingPolicy(
            late_cancel_cutoff=timedelta(minutes=cutoff), no_show_after=timedelta(minutes=grace)
        )
        self.now = self.start - timedelta(minutes=cutoff + hold + 30)
        self.expires: datetime | None = self.now + timedelta(minutes=hold)
        self.booking = _booking(
            BookingStatus.HELD,
            start=_shown(self.start, zone),
            end=_shown(self.end, zone),
            occupancy=[Occupancy.between("li", self.start, self.end)],
            expires_at=_shown(self.expires, zone),
        )
        self.state = "held"
        self.version = 1
        self.late = False
        self.resource = "li"

    @rule(minutes=st.integers(-30, 120))
    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(which=st.sampled_from(["expiry", "cutoff", "grace"]), step=st.sampled_from([-1, 0, 1]))
    def go_to_a_boundary(self, which: str, step: int) -> None:
        bound = {
            "expiry": self.expires or self.start,
            "cutoff": self.start - self.policy.late_cancel_cutoff,
            "grace": self.start + self.policy.no_show_after,
        }[which]
        self.now = bound + step * _US

    def _allowed(self, action: str) -> bool:
        if action not in _MODEL.get(self.state, {}):
            return False
        before_expiry = self.expires is None or self.now < self.expires
        if action in {"submit", "confirm", "reschedule"}:
            return before_expiry
        if action == "expire":
            return not before_expiry
        if action == "mark_no_show":
            return self.now >= self.start + self.policy.no_show_after
        return True

    @rule(
        action=st.sampled_from(
            ["submit", "confirm", "expire", "cancel", "check_in", "complete", "mark_no_show"]
        ),
        zone=st.sampled_from(_TZS),
    )
    def act(self, action: str, zone: tzinfo) -> None:
        kwargs: dict[str, object] = {"now": _shown(self.now, zone)}
        if action in {"cancel", "mark_no_show"}:
            kwargs["policy"] = self.policy
        before = self.booking
        if not self._allowed(action):
            with pytest.raises(IllegalTransitionError) as caught:
                getattr(self.booking, action)(**kwargs)
            assert caught.value.allowed == tuple(sorted(_MODEL.get(self.state, {})))
            assert self.booking == before
            return
        if action == "cancel":
            self.late = self.state == "confirmed" and (
                self.now > self.start - self.policy.late_cancel_cutoff
            )
        if action == "confirm":
            self.expires = None
        self.booking = getattr(self.booking, action)(**kwargs)
        self.state = _MODEL[self.state][action]
        self.version += 1

    @rule(
        start=st.integers(-240, 240),
        length=st.integers(1, 180),
        resource=st.sampled_from(["li", "wang"]),
        zone=st.sampled_from(_TZS),
    )
    def reschedule(self, start: int, length: int, resource: str, zone: tzinfo) -> None:
        new_start = self.change + timedelta(minutes=start)
        new_end = new_start + timedelta(minutes=length)
        occupancy = [Occupancy.between(resource, new_start, new_end)]
        call = partial(
            self.booking.reschedule,
            _shown(new_start, zone),
            _shown(new_end, zone),
            occupancy,
            now=_shown(self.now, zone),
        )
        if not self._allowed("reschedule"):
            before = self.booking
            with pytest.raises(IllegalTransitionError):
                call()
            assert self.booking == before
            return
        self.booking = call()
        self.start, self.end, self.resource = new_start, new_end, resource
        self.version += 1

    @invariant()
    def booking_matches_model(self) -> None:
        b = self.booking
        assert b.status.value == self.state
        assert b.version == self.version
        assert b.late_cancel is self.late
        # As instants: Python finds a fold=1 wall time unequal to any other zone's.
        assert (to_epoch_us(b.start), to_epoch_us(b.end)) == (
            to_epoch_us(self.start),
            to_epoch_us(self.end),
        )
        assert [(o.resource, o.start_us, o.end_us) for o in b.occupancy] == [
            (self.resource, to_epoch_us(self.start), to_epoch_us(self.end))
        ]
        if self.state in {"held", "pending"}:
            assert b.expires_at is not None
            assert self.expires is not None
            assert to_epoch_us(b.expires_at) == to_epoch_us(self.expires)
        if self.state == "confirmed":
            assert b.expires_at is None
        blocks = self.state in _BLOCKING or (
            self.state in {"held", "pending"}
            and self.expires is not None
            and self.now < self.expires
        )
        for zone in (UTC, _TZS[2], _TZS[4]):
            assert b.blocks_at(_shown(self.now, zone)) is blocks
        assert b.blocks_at(None) is (self.state in _BLOCKING | {"held", "pending"})
        assert b.allowed_actions == tuple(sorted(_MODEL.get(self.state, {})))


TestLifecycle = LifecycleMachine.TestCase
TestLifecycle.settings = settings(max_examples=150, stateful_step_count=30)
