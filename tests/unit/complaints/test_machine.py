"""A hypothesis state machine drives random legal and illegal events through a case.

The model restates the lifecycle independently; the invariants are the
issue's: no illegal state is reachable, due times never precede
registration, achieved targets never change, and the paused time equals the
time spent awaiting the customer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.complaints import (
    Assigned,
    AwaitingCustomer,
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    ClosedUnresolved,
    CustomerContacted,
    CustomerReplied,
    FollowedUp,
    FollowUpScheduled,
    InvestigationStarted,
    Merged,
    PolicyBook,
    ProposalDeclined,
    Reopened,
    ReportedToManagement,
    ResolutionProposed,
    Resolved,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetStatus,
    TargetStatusKind,
    TimeBasis,
    Withdrawn,
    apply,
    register,
    sla_status,
)
from clubrules.errors import IllegalTransitionError, ValidationError
from clubrules.money import Money

from ._calendars import SHANGHAI, club_calendar

CAL = club_calendar()
POLICY = SlaPolicy(
    "machine",
    1,
    CaseKind.COMPLAINT,
    [
        SlaTarget(TargetKind.FIRST_RESPONSE, timedelta(hours=24), calendar=CAL),
        SlaTarget(TargetKind.PROGRESS_UPDATE, timedelta(hours=12), TimeBasis.BUSINESS, CAL),
        SlaTarget(TargetKind.RESOLUTION, timedelta(days=7), TimeBasis.BUSINESS, CAL),
        SlaTarget(TargetKind.FOLLOW_UP, timedelta(days=3)),
        SlaTarget(TargetKind.MANAGEMENT_REPORT, timedelta(hours=1)),
    ],
    reopen_window=timedelta(days=5),
)
BOOK = PolicyBook([POLICY])
T0 = datetime(2026, 2, 10, 9, 30, tzinfo=SHANGHAI)


def model_next(state: str, action: str, *, in_window: bool = True) -> str | None:
    """The lifecycle, restated: the next state, or None if the move is illegal."""
    working = {
        "registered",
        "acknowledged",
        "investigating",
        "awaiting_customer",
        "resolution_proposed",
    }
    open_ = working | {"resolved", "follow_up_pending"}
    closed = {"closed_satisfied", "closed_unresolved"}
    if action == "contact_customer":
        return ("acknowledged" if state == "registered" else state) if state in open_ else None
    if action == "customer_replied":
        if state not in open_:
            return None
        return "investigating" if state == "awaiting_customer" else state
    if action == "start_investigation":
        return "investigating" if state in {"registered", "acknowledged"} else None
    if action == "await_customer":
        ok = state in {"registered", "acknowledged", "investigating"}
        return "awaiting_customer" if ok else None
    if action == "propose_resolution":
        ok = state in {"acknowledged", "investigating"}
        return "resolution_proposed" if ok else None
    if action == "decline_proposal":
        return "investigating" if state == "resolution_proposed" else None
    if action == "resolve":
        ok = state in {"acknowledged", "investigating", "resolution_proposed"}
        return "resolved" if ok else None
    if action == "schedule_follow_up":
        return "follow_up_pending" if state == "resolved" else None
    if action in {"follow_up_satisfied", "follow_up_unsatisfied"}:
        if state not in {"resolved", "follow_up_pending"}:
            return None
        if action == "follow_up_satisfied":
            return "closed_satisfied"
        return "investigating" if in_window else "closed_unresolved"
    if action == "reopen":
        return "investigating" if state in closed and in_window else None
    if action == "close_unresolved":
        return "closed_unresolved" if state in open_ else None
    if action == "withdraw":
        return "withdrawn" if state in working else None
    if action == "merge":
        return "merged" if state in working else None
    if action == "assign":
        return state if state in open_ else None
    if action == "report_to_management":
        return state if state in open_ | closed else None
    raise AssertionError(action)


def _key(s: TargetStatus) -> tuple[TargetKind, int, int]:
    return (s.kind, s.cycle, s.seq)


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.case: Case = register(
            BOOK,
            case_id="k-1",
            at=T0,
            kind=CaseKind.COMPLAINT,
            channel="phone",
            customer_id="c-1",
            contact="138****",
            content="massage too rough",
        )
        self.state = "registered"
        self.now = T0
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.awaiting: list[list[datetime | None]] = []
        self.finished: dict[tuple[TargetKind, int, int], TargetStatus] = {}

    # -- driving ---------------------------------------------------------------

    def _attempt(self, event: CaseEvent, action: str, *, in_window: bool = True) -> None:
        expected = model_next(self.state, action, in_window=in_window)
        if expected is None:
            with pytest.raises(IllegalTransitionError) as caught:
                apply(self.case, event)
            assert caught.value.state == self.state
            # Past the reopen window, a refused move no longer lists `reopen`.
            late = (
                self.state.startswith("closed")
                and self.closed_at is not None
                and event.at - self.closed_at > timedelta(days=5)
            )
            assert set(caught.value.allowed) == set(self.case.allowed) - (
                {"reopen"} if late else set()
            )
            assert self.case.state.value == self.state
            return
        before = self.state
        self.case = apply(self.case, event)
        assert self.case.state.value == expected
        self.state = expected
        if before == "awaiting_customer" and expected != "awaiting_customer":
            self.awaiting[-1][1] = event.at
        if expected == "awaiting_customer" and before != "awaiting_customer":
            self.awaiting.append([event.at, None])
        if action == "resolve":
            self.resolved_at = event.at
        ending = {"closed_satisfied", "closed_unresolved", "withdrawn", "merged"}
        if expected in ending and before != expected:
            self.closed_at = event.at

    def _tick(self, minutes: int) -> datetime:
        self.now = self.now + timedelta(minutes=minutes)
        return self.now

    step = st.integers(0, 2 * 24 * 60)

    @rule(minutes=step, channel=st.sampled_from(["phone", "wechat", "website_form"]))
    def contact(self, minutes: int, channel: str) -> None:
        event = CustomerContacted(at=self._tick(minutes), by="s-1", channel=channel)
        self._attempt(event, "contact_customer")

    @rule(minutes=step)
    def customer_replies(self, minutes: int) -> None:
        self._attempt(CustomerReplied(at=self._tick(minutes), channel="wechat"), "customer_replied")

    @rule(minutes=step)
    def investigate(self, minutes: int) -> None:
        event = InvestigationStarted(at=self._tick(minutes), by="s-1")
        self._attempt(event, "start_investigation")

    @rule(minutes=step)
    def await_customer(self, minutes: int) -> None:
        event = AwaitingCustomer(at=self._tick(minutes), by="s-1", channel="phone")
        self._attempt(event, "await_customer")

    @rule(minutes=step)
    def propose(self, minutes: int) -> None:
        event = ResolutionProposed(
            at=self._tick(minutes), by="s-1", channel="phone", remedy="redo", apology=True
        )
        self._attempt(event, "propose_resolution")

    @rule(minutes=step)
    def decline(self, minutes: int) -> None:
        self._attempt(ProposalDeclined(at=self._tick(minutes), channel="phone"), "decline_proposal")

    @rule(minutes=step, substantiated=st.booleans(), remedy=st.booleans())
    def resolve(self, minutes: int, substantiated: bool, remedy: bool) -> None:
        at = self._tick(minutes)
        event = Resolved(
            at=at,
            by="s-1",
            channel="on_site",
            substantiated=substantiated,
            compensation=Money("50.00") if remedy else None,
            apology=remedy,
        )
        # Every proposal in this machine offers a remedy and an apology.
        guarded = substantiated and not remedy and self.state != "resolution_proposed"
        if guarded and model_next(self.state, "resolve") is not None:
            with pytest.raises(ValidationError) as caught:
                apply(self.case, event)
            assert {"remedy_required", "apology_required"} == {
                v.rule for v in caught.value.violations
            }
            return
        self._attempt(event, "resolve")

    @rule(minutes=step)
    def schedule(self, minutes: int) -> None:
        at = self._tick(minutes)
        event = FollowUpScheduled(at=at, by="s-1", planned_for=at + timedelta(days=1))
        self._attempt(event, "schedule_follow_up")

    @rule(minutes=step, satisfied=st.booleans())
    def follow_up(self, minutes: int, satisfied: bool) -> None:
        at = self._tick(minutes)
        event = FollowedUp(at=at, by="s-2", channel="phone", satisfied=satisfied)
        in_window = self.resolved_at is not None and at - self.resolved_at <= timedelta(days=5)
        action = "follow_up_satisfied" if satisfied else "follow_up_unsatisfied"
        self._attempt(event, action, in_window=in_window)

    @rule(minutes=step)
    def reopen(self, minutes: int) -> None:
        at = self._tick(minutes)
        in_window = self.closed_at is not None and at - self.closed_at <= timedelta(days=5)
        self._attempt(Reopened(at=at, by="lead"), "reopen", in_window=in_window)

    @precondition(lambda self: len(self.case.events) > 12)
    @rule(minutes=step)
    def close_unresolved(self, minutes: int) -> None:
        self._attempt(ClosedUnresolved(at=self._tick(minutes), by="lead"), "close_unresolved")

    @precondition(lambda self: len(self.case.events) > 10)
    @rule(minutes=step)
    def withdraw(self, minutes: int) -> None:
        self._attempt(Withdrawn(at=self._tick(minutes), by="s-1"), "withdraw")

    @precondition(lambda self: len(self.case.events) > 10)
    @rule(minutes=step)
    def merge(self, minutes: int) -> None:
        self._attempt(Merged(at=self._tick(minutes), by="s-1", into="k-0"), "merge")

    @rule(minutes=step)
    def assign(self, minutes: int) -> None:
        self._attempt(Assigned(at=self._tick(minutes), by="lead", to="s-2"), "assign")

    @rule(minutes=step)
    def report(self, minutes: int) -> None:
        event = ReportedToManagement(at=self._tick(minutes), by="s-1")
        self._attempt(event, "report_to_management")

    @rule(minutes=st.integers(1, 10_000))
    def an_event_before_the_last_is_refused(self, minutes: int) -> None:
        if self.case.version < 2:
            return
        at = self.case.events[-1].at - timedelta(minutes=minutes)
        with pytest.raises(ValidationError) as caught:
            apply(self.case, Assigned(at=at, by="lead", to="s-9"))
        assert caught.value.rule in {"out_of_order", "before_registration"}
        assert (caught.value.rule == "before_registration") == (at < T0)

    # -- invariants --------------------------------------------------------------

    def _statuses(self) -> tuple[TargetStatus, ...]:
        return sla_status(self.case, self.now + timedelta(hours=1))

    @invariant()
    def no_illegal_state(self) -> None:
        assert self.case.state in CaseState
        assert self.case.state.value == self.state
        assert self.case.version == len(self.case.events)

    @invariant()
    def due_times_never_precede_registration(self) -> None:
        registered = to_epoch_us(T0)
        for status in self._statuses():
            assert status.due_us >= registered
            assert status.started_us >= registered

    @invariant()
    def achieved_targets_never_change(self) -> None:
        for status in self._statuses():
            if status.completed:
                key = _key(status)
                if key in self.finished:
                    assert status == self.finished[key]
                self.finished[key] = status
        assert {k for k, v in self.finished.items() if v.completed} <= {
            _key(s) for s in self._statuses()
        }

    @invariant()
    def at_most_one_run_of_each_target_is_running(self) -> None:
        running = [s.kind for s in self._statuses() if not s.completed]
        assert len(running) == len(set(running))
        if not self.case.state.is_open:
            assert running == []

    @invariant()
    def the_management_report_runs_until_met_or_the_case_ends(self) -> None:
        # An unsatisfied follow-up reopens the case but never stops the report.
        reported = any(isinstance(e, ReportedToManagement) for e in self.case.events)
        [report] = [s for s in self._statuses() if s.kind is TargetKind.MANAGEMENT_REPORT]
        if self.case.state.is_open and not reported and self.closed_at is None:
            assert not report.completed
        if report.completed and report.achieved_at is None:
            assert self.closed_at is not None
            assert report.ended_us is not None
            assert report.ended_us <= to_epoch_us(self.closed_at)

    @invariant()
    def paused_time_equals_awaiting_time(self) -> None:
        now = self.now + timedelta(hours=1)
        for status in self._statuses():
            end = now if status.ended_us is None else from_epoch_us(status.ended_us, SHANGHAI)
            pausable = status.kind in {TargetKind.PROGRESS_UPDATE, TargetKind.RESOLUTION}
            expected = timedelta(0)
            if pausable:
                for start, stop in self.awaiting:
                    assert start is not None
                    lo = max(start, status.started_at)
                    hi = min(stop or now, end)
                    if hi > lo:
                        expected += hi - lo
            assert status.paused_for == expected
            if status.status is TargetStatusKind.PAUSED:
                assert self.state == "awaiting_customer"


TestCaseMachine = CaseMachine.TestCase
TestCaseMachine.settings = settings(
    max_examples=120,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
