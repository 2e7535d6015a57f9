from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    BookingStatus,
    Occupancy,
    ReasonCode,
    Requirement,
    Resource,
    Schedule,
    Service,
)
from clubrules.errors import NaiveDatetimeError, SlotConflictError, ValidationError

from .conftest import BERLIN, NOW, SHANGHAI, salon_rules

DAY = datetime(2026, 3, 2, tzinfo=SHANGHAI)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def booked(rules: BookingRules, schedule: Schedule, booking_id: str, **request: object) -> Booking:
    result = rules.check(BookingRequest(**request), schedule, now=NOW)  # type: ignore[arg-type]
    booking = rules.book(result, booking_id=booking_id, now=NOW)
    schedule.add(booking)
    return booking


def test_a_free_request_passes_and_fills_every_role(rules: BookingRules) -> None:
    result = rules.check(BookingRequest(service="facial", start=at(15)), Schedule(), now=NOW)
    assert result.ok
    assert result.resources == {"beautician": "li", "room": "room-1"}
    assert result.end == at(16)
    # Buffers block the resources but are not the customer's time.
    room = next(o for o in result.occupancy if o.resource == "room-1")
    assert (room.start, room.end) == (at(14, 55), at(16, 10))


def test_pools_pick_a_free_member(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "b1", service="facial", start=at(15))
    result = rules.check(BookingRequest(service="facial", start=at(15, 30)), schedule, now=NOW)
    assert result.ok
    assert result.resources == {"beautician": "wang", "room": "room-2"}


def test_buffers_stack_between_bookings(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "b1", service="facial", start=at(15), resources={"room": "room-1"})
    # b1's room is busy until 16:10 (10 min clean-up); the next set-up needs 5 min before.
    late_enough = BookingRequest(service="facial", start=at(16, 15), resources={"room": "room-1"})
    too_close = BookingRequest(service="facial", start=at(16, 10), resources={"room": "room-1"})
    assert rules.check(late_enough, schedule, now=NOW).ok
    result = rules.check(too_close, schedule, now=NOW)
    [reason] = [r for r in result.reasons if r.resource == "room-1"]
    assert reason.code is ReasonCode.CONFLICT
    assert reason.booking == "b1"
    assert (reason.start, reason.end) == (at(16, 5), at(16, 10))


def test_processing_time_frees_the_stylist_but_not_the_room(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "c1", service="colour", start=at(14))
    # Li is free while the colour develops (14:30-15:10), room-1 is not.
    facial_in_gap = BookingRequest(
        service="laser", start=at(14, 35), resources={"beautician": "li"}
    )
    result = rules.check(facial_in_gap, schedule, now=NOW)
    assert [(r.code, r.resource) for r in result.reasons] == [(ReasonCode.CONFLICT, "room-1")]
    short = Service(
        id="brow",
        segments=timedelta(minutes=30),
        requirements=[Requirement(role="stylist", resource="li")],
    )
    with_brow = salon_rules(services=[*rules.services.values(), short])
    assert with_brow.check(BookingRequest(service="brow", start=at(14, 35)), schedule, now=NOW).ok


def test_every_reason_is_returned_together(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "b1", service="laser", start=at(21, 30))
    late = datetime(2026, 3, 2, 20, 0, tzinfo=SHANGHAI)
    result = rules.check(BookingRequest(service="laser", start=at(21, 45)), schedule, now=late)
    assert set(result.codes) == {ReasonCode.SHORT_NOTICE, ReasonCode.CLOSED, ReasonCode.CONFLICT}
    conflicts = {(r.resource, r.booking) for r in result.reasons if r.code is ReasonCode.CONFLICT}
    assert conflicts == {("li", "b1"), ("room-1", "b1"), ("laser", "b1")}
    closed = next(r for r in result.reasons if r.code is ReasonCode.CLOSED)
    assert (closed.start, closed.end) == (at(22), at(22, 15))


def test_staff_off_shift_is_a_reason(rules: BookingRules) -> None:
    morning = BookingRequest(service="facial", start=at(11), resources={"beautician": "wang"})
    result = rules.check(morning, Schedule(), now=NOW)
    assert result.codes == (ReasonCode.OFF_SHIFT,)
    assert result.reasons[0].resource == "wang"


def test_a_pool_with_no_free_member_reports_every_member(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "b1", service="facial", start=at(15))
    booked(rules, schedule, "b2", service="facial", start=at(15))
    result = rules.check(BookingRequest(service="facial", start=at(15)), schedule, now=NOW)
    assert not result.ok
    assert {(r.resource, r.booking) for r in result.reasons} == {
        ("li", "b1"),
        ("wang", "b2"),
        ("room-1", "b1"),
        ("room-2", "b2"),
    }


def test_capacity_reports_the_peak_and_when(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "y1", service="yoga", start=at(18), headcount=2)
    booked(rules, schedule, "y2", service="yoga", start=at(18, 30), headcount=1)
    fits = BookingRequest(service="yoga", start=at(17, 30), headcount=2)
    assert rules.check(fits, schedule, now=NOW).ok
    result = rules.check(
        BookingRequest(service="yoga", start=at(18, 15), headcount=2), schedule, now=NOW
    )
    [reason] = result.reasons
    assert reason.code is ReasonCode.OVER_CAPACITY
    assert (reason.peak, reason.capacity) == (5, 4)
    assert (reason.start, reason.end) == (at(18, 30), at(19))
    assert reason.bookings == ("y1", "y2")


def test_notice_and_horizon_boundaries(rules: BookingRules) -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
    exactly = BookingRequest(service="yoga", start=now + timedelta(hours=2))
    just_short = BookingRequest(
        service="yoga", start=now + timedelta(hours=2) - timedelta(microseconds=1)
    )
    assert rules.check(exactly, Schedule(), now=now).ok
    assert rules.check(just_short, Schedule(), now=now).codes == (ReasonCode.SHORT_NOTICE,)
    far = BookingRequest(service="yoga", start=now + timedelta(days=61))
    assert rules.check(far, Schedule(), now=now).codes == (ReasonCode.TOO_FAR_AHEAD,)


def test_an_unexpired_hold_blocks_and_an_expired_one_does_not(rules: BookingRules) -> None:
    schedule = Schedule()
    result = rules.check(BookingRequest(service="laser", start=at(15)), schedule, now=NOW)
    hold = rules.book(result, booking_id="h1", now=NOW, status=BookingStatus.HELD)
    schedule.add(hold)
    assert hold.expires_at == NOW + rules.policy.hold_for
    again = BookingRequest(service="laser", start=at(15))
    assert not rules.check(again, schedule, now=NOW + timedelta(minutes=9)).ok
    assert rules.check(again, schedule, now=NOW + timedelta(minutes=10)).ok


def test_dst_day_hours_are_local(rules: BookingRules) -> None:
    berlin = salon_rules("Europe/Berlin", shifts={})
    spring = datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN)  # the day clocks go forward
    now = datetime(2026, 3, 27, 9, 0, tzinfo=BERLIN)
    assert berlin.check(BookingRequest(service="yoga", start=spring), Schedule(), now=now).ok
    early = datetime(2026, 3, 29, 9, 30, tzinfo=BERLIN)
    assert berlin.check(BookingRequest(service="yoga", start=early), Schedule(), now=now).codes == (
        ReasonCode.CLOSED,
    )


def test_book_refuses_a_failed_check(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "b1", service="laser", start=at(15))
    result = rules.check(BookingRequest(service="laser", start=at(15)), schedule, now=NOW)
    with pytest.raises(SlotConflictError) as caught:
        rules.book(result, booking_id="b2", now=NOW)
    assert {c.booking for c in caught.value.conflicts} == {"b1"}  # type: ignore[attr-defined]
    closed = rules.check(BookingRequest(service="laser", start=at(23)), schedule, now=NOW)
    with pytest.raises(ValidationError) as refused:
        rules.book(closed, booking_id="b3", now=NOW)
    assert refused.value.rule == "closed"


def test_reschedule_moves_and_rechecks(rules: BookingRules) -> None:
    schedule = Schedule()
    first = booked(rules, schedule, "b1", service="laser", start=at(15))
    booked(rules, schedule, "b2", service="laser", start=at(17))
    moved = rules.reschedule(first, at(15, 15), schedule, now=NOW)  # overlaps only itself
    assert (moved.start, moved.version) == (at(15, 15), 2)
    with pytest.raises(SlotConflictError):
        rules.reschedule(first, at(17), schedule, now=NOW)


@pytest.mark.parametrize(
    ("request_fields", "rule"),
    [
        ({"service": "nope"}, "unknown_service"),
        ({"service": "facial", "resources": {"beautician": "ghost"}}, "unknown_resource"),
        ({"service": "facial", "resources": {"masseur": "li"}}, "unknown_role"),
        ({"service": "facial", "resources": {"room": "li"}}, "not_in_pool"),
        ({"service": "facial", "headcount": 2}, "above_max_headcount"),
    ],
)
def test_bad_requests_get_typed_errors(
    rules: BookingRules, request_fields: dict[str, object], rule: str
) -> None:
    request = BookingRequest(start=at(15), **request_fields)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        rules.check(request, Schedule(), now=NOW)
    assert rule in {v.rule for v in caught.value.violations}


def test_headcount_above_capacity_and_zero_are_refused(rules: BookingRules) -> None:
    big = salon_rules(
        services=[
            Service(
                id="party",
                segments=timedelta(hours=2),
                requirements=[Requirement(role="studio", resource="studio", per_person=True)],
                max_headcount=10,
            )
        ]
    )
    with pytest.raises(ValidationError) as caught:
        big.check(BookingRequest(service="party", start=at(15), headcount=5), Schedule(), now=NOW)
    assert caught.value.rule == "above_capacity"
    with pytest.raises(ValidationError) as zero:
        BookingRequest(service="yoga", start=at(15), headcount=0)
    assert zero.value.field == "headcount"
    with pytest.raises(NaiveDatetimeError):
        BookingRequest(service="yoga", start=datetime(2026, 3, 2, 15))  # noqa: DTZ001
    with pytest.raises(NaiveDatetimeError):
        rules.check(
            BookingRequest(service="yoga", start=at(15)),
            Schedule(),
            now=datetime(2026, 3, 2),  # noqa: DTZ001
        )


def test_catalog_errors_are_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        BookingRules(
            resources=[Resource(id="a"), Resource(id="a")],
            services=[
                Service(
                    id="s",
                    segments=timedelta(minutes=10),
                    requirements=[Requirement(role="x", resource="ghost")],
                )
            ],
            shifts={"nobody": object()},  # type: ignore[dict-item]
        )
    assert {v.rule for v in caught.value.violations} == {"duplicate_id", "unknown_resource"}
    assert len(caught.value.violations) == 3


# --- the request check against a brute-force oracle ------------------------

_RES = ("r1", "r2", "r3")
_CAPS = {"r1": 1, "r2": 1, "r3": 2}
_DAY0 = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)  # a DST day
_FIVE = 300_000_000


def _oracle_rules() -> BookingRules:
    return BookingRules(
        resources=[Resource(id=r, capacity=_CAPS[r]) for r in _RES],
        pools=[],
        services=[
            Service(
                id="svc",
                segments=timedelta(minutes=30),
                requirements=[
                    Requirement(role="a", resource="r1"),
                    Requirement(role="b", resource="r3", per_person=True),
                ],
                buffer_after=timedelta(minutes=10),
                max_headcount=2,
            )
        ],
        policy=BookingPolicy(horizon=None),
    )


@st.composite
def _existing(draw: st.DrawFn) -> list[Booking]:
    out = []
    base = to_epoch_us(_DAY0)
    for i in range(draw(st.integers(0, 12))):
        s = base + _FIVE * draw(st.integers(0, 60))
        e = s + _FIVE * draw(st.integers(1, 12))
        rid = draw(st.sampled_from(_RES))
        units = draw(st.integers(1, _CAPS[rid]))
        out.append(
            Booking(
                id=f"e{i}",
                service="svc",
                start=datetime.fromtimestamp(s / 1e6, UTC),
                end=datetime.fromtimestamp(e / 1e6, UTC),
                occupancy=[Occupancy(rid, s, e, units, _CAPS[rid])],
            )
        )
    return out


@settings(max_examples=150)
@given(existing=_existing(), offset=st.integers(0, 60), headcount=st.integers(1, 2))
def test_check_agrees_with_a_brute_force_oracle(
    existing: list[Booking], offset: int, headcount: int
) -> None:
    rules = _oracle_rules()
    start = (_DAY0.astimezone(UTC) + timedelta(minutes=5 * offset)).astimezone(BERLIN)
    result = rules.check(
        BookingRequest(service="svc", start=start, headcount=headcount),
        Schedule(existing),
        now=_DAY0 - timedelta(days=1),
    )
    s = to_epoch_us(start)
    wanted = {"r1": (s, s + 40 * 60_000_000, 1), "r3": (s, s + 40 * 60_000_000, headcount)}
    expected_conflicts = set()
    expected_peak = None
    for rid, (lo, hi, units) in wanted.items():
        here = [
            b
            for b in existing
            for o in b.occupancy
            if o.resource == rid and o.start_us < hi and o.end_us > lo
        ]
        if _CAPS[rid] == 1:
            expected_conflicts |= {(rid, b.id) for b in here}
        else:
            peak = units + max(
                (
                    sum(o.units for b in here for o in b.occupancy if o.start_us <= t < o.end_us)
                    for t in range(lo, hi, _FIVE)
                ),
                default=0,
            )
            if peak > _CAPS[rid]:
                expected_peak = peak
    got_conflicts = {
        (r.resource, r.booking) for r in result.reasons if r.code is ReasonCode.CONFLICT
    }
    got_peaks = [r.peak for r in result.reasons if r.code is ReasonCode.OVER_CAPACITY]
    assert got_conflicts == expected_conflicts
    assert got_peaks == ([] if expected_peak is None else [expected_peak])
    assert result.ok == (not expected_conflicts and expected_peak is None)
