"""The fold's short path for contacts, replies and waits agrees with `step`, event by event.

`_Fold.fold` moves the events of a few classes through a table and inlined
run bookkeeping, and hands anything else to `step`; folding a log with `step`
alone is the obvious path. Both must build the same case, run for run, and
refuse a bad log with the same error. The business clock's reading from its
kept snapshot table must equal the calendar's own `business_us`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.complaints import (
    AwaitingCustomer,
    CaseEvent,
    CaseKind,
    ClosedUnresolved,
    CustomerContacted,
    CustomerReplied,
    FollowedUp,
    FollowUpScheduled,
    InvestigationStarted,
    Registered,
    ReportedToManagement,
    ResolutionProposed,
    Resolved,
    SlaPolicy,
    TimeBasis,
)
from clubrules.complaints._case import _Fold
from clubrules.complaints._runs import Clock, TargetRun
from clubrules.testing.strategies import sla_policies

from ._calendars import SHANGHAI, club_calendar

if TYPE_CHECKING:
    from collections.abc import Callable

CAL = club_calendar()
T0 = datetime(2026, 2, 9, 9, 30, tzinfo=SHANGHAI)


class _Contacted(CustomerContacted):
    """A subclass: not in the short path's table, so `step` folds it."""


def _event(kind: int, at: datetime) -> CaseEvent:
    makers: list[Callable[[], CaseEvent]] = [
        lambda: CustomerContacted(at=at, by="s-1", channel="phone"),
        lambda: CustomerReplied(at=at, channel="wechat"),
        lambda: AwaitingCustomer(at=at, by="s-1", channel="wechat"),
        lambda: InvestigationStarted(at=at, by="s-1"),
        lambda: FollowUpScheduled(at=at, by="s-1", planned_for=at + timedelta(days=1)),
        lambda: ResolutionProposed(at=at, by="s-1", channel="phone", remedy="refund"),
        lambda: Resolved(at=at, by="s-1", channel="phone"),
        lambda: FollowedUp(at=at, by="s-1", channel="phone", satisfied=kind % 2 == 0),
        lambda: ReportedToManagement(at=at, by="s-1"),
        lambda: ClosedUnresolved(at=at, by="lead"),
        lambda: _Contacted(at=at, by="s-1", channel="phone"),
    ]
    # Past the list, the four commonest events (most logs are contacts, replies and waits).
    return makers[kind if kind < len(makers) else kind % 4]()


def _registered(policy: SlaPolicy, at: datetime, reply_by: datetime | None) -> Registered:
    return Registered(
        case_id="k-1",
        at=at,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
        policy_id=policy.id,
        policy_version=policy.version,
        reply_by=reply_by,
    )


def _run_state(run: TargetRun) -> tuple[object, ...]:
    values = [getattr(run, name) for name in TargetRun.__slots__ if name != "clock"]
    return (*values, run.clock.key, run.clock.calendar)


def _outcome(policy: SlaPolicy, events: list[CaseEvent], *, short: bool) -> tuple[object, ...]:
    fold = _Fold(policy)
    try:
        if short:
            fold.fold(events)
        else:
            for event in events:
                fold.step(event)
        fold.finish()
    except Exception as error:  # noqa: BLE001 - the error itself is compared
        return ("error", type(error), str(error), getattr(error, "rule", None))
    return (
        fold.state,
        fold.assignee,
        fold.cycle,
        fold.resolved_at,
        fold.closed_at,
        fold.last_us,
        tuple(fold.awaiting),
        tuple(_run_state(run) for run in fold.runs),
        tuple(fold.runs.index(run) for run in fold.live),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy=sla_policies(calendar=CAL),
    promised=st.none() | st.integers(1, 72 * 60),
    steps=st.lists(st.tuples(st.integers(0, 20 * 60), st.integers(0, 30)), max_size=14),
    last=st.none() | st.tuples(st.integers(-60, 60), st.integers(0, 30)),
)
def test_the_short_path_folds_as_step_does(
    policy: SlaPolicy,
    promised: int | None,
    steps: list[tuple[int, int]],
    last: tuple[int, int] | None,
) -> None:
    at = T0
    reply_by = None if promised is None else T0 + timedelta(minutes=promised)
    events: list[CaseEvent] = [_registered(policy, T0, reply_by)]
    for minutes, kind in steps:
        at = at + timedelta(minutes=minutes, microseconds=7)
        event = _event(kind, at)
        # Keep the moves `step` accepts, so that logs grow long and valid.
        if _outcome(policy, [*events, event], short=False)[0] != "error":
            events.append(event)
    if last is not None:  # any last event: refused (out of order, not allowed) or not
        minutes, kind = last
        events.append(_event(kind, at + timedelta(minutes=minutes)))
    assert _outcome(policy, events, short=True) == _outcome(policy, events, short=False)


def test_a_contact_while_awaiting_ends_the_paused_progress_run_in_both_paths() -> None:
    policy = SlaPolicy(
        "p",
        1,
        CaseKind.COMPLAINT,
        [
            _target("first_response"),
            _target("progress_update"),
            _target("resolution"),
        ],
    )
    events: list[CaseEvent] = [
        _registered(policy, T0, None),
        InvestigationStarted(at=T0 + timedelta(hours=1), by="s-1"),
        AwaitingCustomer(at=T0 + timedelta(hours=2), by="s-1", channel="wechat"),
        CustomerContacted(at=T0 + timedelta(hours=30), by="s-1", channel="phone"),
        CustomerReplied(at=T0 + timedelta(hours=31), channel="wechat"),
    ]
    short = _outcome(policy, events, short=True)
    assert short == _outcome(policy, events, short=False)
    assert short[0] != "error"


def _target(kind: str) -> object:
    from clubrules.complaints import SlaTarget, TargetKind  # noqa: PLC0415

    return SlaTarget(TargetKind(kind), timedelta(hours=8), TimeBasis.BUSINESS, CAL)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.integers(-40 * 365 * 24 * 3600, 40 * 365 * 24 * 3600).map(
            lambda s: 1_770_000_000_000_000 + s * 1_000_000 + 13
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_business_clock_reads_as_its_calendar(instants: list[int]) -> None:
    calendar = club_calendar()
    clock = Clock(calendar, TimeBasis.BUSINESS)
    for at_us in instants:
        assert clock.read(at_us) == calendar.business_us(at_us)
        assert clock.read(at_us) == calendar.business_us(at_us)  # the memo
