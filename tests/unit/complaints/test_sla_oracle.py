"""The integer SLA evaluation agrees with a slow oracle built from open intervals.

The fast path reads the calendar's business clock once or twice per target
and skips pauses arithmetically. The oracle measures counted time directly:
the open intervals of the calendar inside `[start, t)`, minus their overlap
with the periods spent awaiting the customer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules._time import from_epoch_us
from clubrules.complaints import (
    AlertLevel,
    AwaitingCustomer,
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    ClosedUnresolved,
    CustomerContacted,
    CustomerReplied,
    Escalation,
    FollowedUp,
    InvestigationStarted,
    PolicyBook,
    ReportedToManagement,
    Resolved,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetStatus,
    TimeBasis,
    apply,
    check_alerts,
    register,
    replay,
    sla_status,
)
from clubrules.errors import IllegalTransitionError

from ._calendars import SHANGHAI, club_calendar

CAL = club_calendar()
US = timedelta(microseconds=1)
T0 = datetime(2026, 2, 9, 8, 0, tzinfo=SHANGHAI)


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> timedelta:
    lo, hi = max(a0, b0), min(a1, b1)
    return hi - lo if hi > lo else timedelta(0)


def _open_pieces(
    start: datetime, end: datetime, basis: TimeBasis
) -> list[tuple[datetime, datetime]]:
    if end <= start:
        return []
    if basis is TimeBasis.CALENDAR:
        return [(start, end)]
    return [(i.start, i.end) for i in CAL.open_intervals(start, end)]


def counted(
    start: datetime,
    t: datetime,
    basis: TimeBasis,
    pauses: list[tuple[datetime, datetime]],
) -> timedelta:
    """Counted time in [start, t): open time minus open time spent paused."""
    total = timedelta(0)
    for a, b in _open_pieces(start, t, basis):
        total += b - a
        for p0, p1 in pauses:
            total -= _overlap(a, b, p0, p1)
    return total


def awaiting_periods(case: Case, now: datetime) -> list[tuple[datetime, datetime]]:
    periods = []
    start = None
    for i, event in enumerate(case.events):
        awaiting = Case(case.policy, case.events[: i + 1]).state == CaseState.AWAITING_CUSTOMER
        if awaiting and start is None:
            start = event.at
        elif not awaiting and start is not None:
            periods.append((start, event.at))
            start = None
    if start is not None:
        periods.append((start, now))
    return periods


def check_against_oracle(case: Case, now: datetime) -> None:
    periods = awaiting_periods(case, now)
    for status in sla_status(case, now):
        _check_one(case, status, now, periods)


def _check_one(
    case: Case, s: TargetStatus, now: datetime, periods: list[tuple[datetime, datetime]]
) -> None:
    target = case.policy.target(s.kind)
    assert target is not None
    budget = s.remaining + s.elapsed
    start = s.started_at
    end = now if s.ended_us is None else from_epoch_us(s.ended_us, SHANGHAI)
    pauses = (
        [(max(a, start), min(b, end)) for a, b in periods if min(b, end) > max(a, start)]
        if target.pauses_for_customer
        else []
    )
    elapsed = counted(start, end, s.basis, pauses)
    assert s.elapsed == elapsed, s
    assert s.breached == (elapsed > budget), s
    assert s.paused_for == sum((b - a for a, b in pauses), timedelta(0)), s
    # The due time is the last instant at which the counted time is still within budget.
    due = s.due_at
    assert counted(start, due, s.basis, pauses) <= budget, s
    assert counted(start, due + US, s.basis, pauses) > budget, s


BASES = st.sampled_from([TimeBasis.CALENDAR, TimeBasis.BUSINESS])
HOURS = st.integers(1, 60).map(lambda h: timedelta(hours=h))


@st.composite
def policies(draw: st.DrawFn) -> SlaPolicy:
    targets = []
    for kind in TargetKind:
        if kind is TargetKind.FIRST_RESPONSE or draw(st.booleans()):
            basis = draw(BASES)
            targets.append(
                SlaTarget(
                    kind,
                    draw(HOURS),
                    basis,
                    CAL if basis is TimeBasis.BUSINESS or draw(st.booleans()) else None,
                    warn_at=draw(st.sampled_from([0.5, 0.8, 1.0])),
                    escalation=draw(st.none() | st.just(Escalation("boss", at=1.5))),
                    pauses=draw(st.none() | st.booleans()),
                )
            )
    return SlaPolicy("oracle", 1, CaseKind.COMPLAINT, targets, reopen_window=timedelta(days=3))


def _events(at: datetime, choice: int) -> list[CaseEvent]:
    return [
        CustomerContacted(at=at, by="s-1", channel="phone"),
        CustomerReplied(at=at, channel="wechat"),
        AwaitingCustomer(at=at, by="s-1", channel="phone"),
        InvestigationStarted(at=at, by="s-1"),
        Resolved(at=at, by="s-1", channel="phone"),
        FollowedUp(at=at, by="s-1", channel="phone", satisfied=choice % 2 == 0),
        ReportedToManagement(at=at, by="s-1"),
        ClosedUnresolved(at=at, by="lead"),
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy=policies(),
    start_minutes=st.integers(0, 14 * 24 * 60),
    steps=st.lists(
        st.tuples(st.integers(0, 30 * 60).map(lambda m: m * 60_000_000 + 7), st.integers(0, 15)),
        max_size=10,
    ),
    later=st.integers(0, 4 * 24 * 3600),
)
def test_statuses_agree_with_the_oracle(
    policy: SlaPolicy, start_minutes: int, steps: list[tuple[int, int]], later: int
) -> None:
    at = T0 + timedelta(minutes=start_minutes)
    case = register(
        PolicyBook([policy]),
        case_id="k-1",
        at=at,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
    )
    for gap_us, choice in steps:
        at = at + gap_us * US
        events = _events(at, choice)
        event = events[choice % len(events)]
        try:
            case = apply(case, event)
        except IllegalTransitionError:
            continue
    now = case.events[-1].at + timedelta(seconds=later)
    check_against_oracle(case, now)
    check_alerts_against_oracle(case, now)


def check_alerts_against_oracle(case: Case, now: datetime) -> None:
    """Alerts fire in opening hours, only for running targets past their thresholds."""
    periods = awaiting_periods(case, now)
    running = {(s.kind, s.cycle, s.seq): s for s in sla_status(case, now) if not s.completed}
    for alert in check_alerts([case], now):
        status = running[alert.kind, alert.cycle, alert.seq]
        target = case.policy.target(alert.kind)
        assert target is not None
        assert alert.fire_at <= now
        # One meaning of "due" for a paused target: as if it resumed now.
        assert alert.due_at == status.due_at
        if target.calendar is not None:
            assert CAL.is_open(now)
            assert CAL.is_open(alert.fire_at)
        budget = status.elapsed + status.remaining
        pauses = [
            (max(a, status.started_at), min(b, now))
            for a, b in periods
            if target.pauses_for_customer and min(b, now) > max(a, status.started_at)
        ]
        crossed = counted(status.started_at, alert.fire_at, status.basis, pauses)
        if alert.level is AlertLevel.BREACHED:
            assert status.breached
            assert crossed > budget
        elif alert.level is AlertLevel.WARNING:
            assert not status.breached
            assert crossed >= budget * target.warn_at - US
        else:
            assert target.escalation is not None
            assert crossed > budget * target.escalation.at - US
    if not case.state.is_open:
        assert check_alerts([case], now) == []


def test_a_deadline_exhausted_at_closing_lands_at_the_next_opening() -> None:
    # Registered Friday 21:00 with 1 business hour: it runs out at the 22:00 closing,
    # and the club next opens on the adjusted working Saturday at 10:00.
    target = SlaTarget(TargetKind.FIRST_RESPONSE, timedelta(hours=1), TimeBasis.BUSINESS, CAL)
    book = PolicyBook([SlaPolicy("p", 1, CaseKind.COMPLAINT, [target])])
    case = register(
        book,
        case_id="k",
        at=datetime(2026, 2, 13, 21, tzinfo=SHANGHAI),
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c",
        contact="x",
        content="y",
    )
    [status] = sla_status(case, datetime(2026, 2, 14, 10, tzinfo=SHANGHAI))
    assert status.due_at == datetime(2026, 2, 14, 10, tzinfo=SHANGHAI)
    assert not status.breached
    assert status.remaining == timedelta(0)
    [late] = sla_status(case, datetime(2026, 2, 14, 10, 0, 0, 1, tzinfo=SHANGHAI))
    assert late.breached
    assert late.overdue == US


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy=policies(),
    start_minutes=st.integers(0, 14 * 24 * 60),
    steps=st.lists(
        st.tuples(st.integers(0, 30 * 60).map(lambda m: m * 60_000_000 + 7), st.integers(0, 15)),
        max_size=10,
    ),
    later=st.integers(0, 4 * 24 * 3600),
)
def test_what_a_replay_builds_when_first_asked_is_the_same_from_any_thread(
    policy: SlaPolicy, start_minutes: int, steps: list[tuple[int, int]], later: int
) -> None:
    # An ended run's status and a running run's alert instants are built on the first
    # read: reads racing on one fresh replay agree with reads of another, one at a time.
    book = PolicyBook([policy])
    at = T0 + timedelta(minutes=start_minutes)
    case = register(
        book,
        case_id="k-1",
        at=at,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
    )
    for gap_us, choice in steps:
        at = at + gap_us * US
        events = _events(at, choice)
        try:
            case = apply(case, events[choice % len(events)])
        except IllegalTransitionError:
            continue
    nows = [case.events[-1].at + timedelta(seconds=later + s) for s in (0, 3600, 86_400)] * 3
    shared = replay(case.events, book)
    with ThreadPoolExecutor(max_workers=3) as pool:
        raced = list(
            pool.map(lambda now: (sla_status(shared, now), check_alerts([shared], now)), nows)
        )
    for now, (statuses, alerts) in zip(nows, raced, strict=True):
        alone = replay(case.events, book)
        assert statuses == sla_status(alone, now)
        assert alerts == check_alerts([alone], now)
    # An ended run's status never changes with the instant it is read at.
    ended = [[s for s in statuses if s.completed] for statuses, _ in raced]
    assert all(e == ended[0] for e in ended)
