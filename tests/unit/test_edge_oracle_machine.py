"""Oracles for the complaint case state machine and the customers package.

The case is driven by a hypothesis state machine next to a plain model
written from the docs (docs/explanation/sla-semantics.md and the docstrings
of `Case` and its events): a dict of state -> allowed actions, the side
effects of each move (assignee, cycle, resolution and closing instants, the
waits for the customer, the reopen window, the remedy guard), and every SLA
target run with its start, end, pauses and status on calendar time. Events
come at the same instant, out of time order, as fold=1 wall times near DST
changes and in other tzinfos than the case's; refused moves must raise the
documented typed error and leave the case as it was. A case rebuilt from its
stored events must equal the live one.

The customers oracles compare `parse_phone` with `phonenumbers` used
directly, the masks with what the docs allow to show, and the spend sums
with a hand-written sum.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from fractions import Fraction
from zoneinfo import ZoneInfo

import pendulum
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from clubrules._time import to_epoch_us
from clubrules.calendar import BusinessCalendar
from clubrules.complaints import (
    Assigned,
    AwaitingCustomer,
    Case,
    CaseEvent,
    CaseKind,
    ClosedUnresolved,
    CustomerContacted,
    CustomerReplied,
    FollowedUp,
    FollowUpScheduled,
    InvestigationStarted,
    Merged,
    PolicyBook,
    ProposalDeclined,
    Registered,
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
    replay,
    sla_status,
)
from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    PhoneNumber,
    ServiceRecord,
    parse_phone,
    spend_by_customer,
    total_spend,
)
from clubrules.errors import (
    DuplicateError,
    IllegalTransitionError,
    InvalidMoneyError,
    InvalidPhoneNumberError,
    ValidationError,
)
from clubrules.money import Money
from clubrules.storage.memory import InMemoryConsumptionRepository

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
WINDOW = timedelta(days=5)
WINDOW_US = WINDOW // _US
WITHIN = {
    TargetKind.FIRST_RESPONSE: timedelta(hours=24),
    TargetKind.PROGRESS_UPDATE: timedelta(hours=2),
    TargetKind.RESOLUTION: timedelta(days=7),
    TargetKind.FOLLOW_UP: timedelta(days=3),
    TargetKind.MANAGEMENT_REPORT: timedelta(hours=1),
}
PAUSABLE = {TargetKind.PROGRESS_UPDATE, TargetKind.RESOLUTION}
# Calendar time only: the model then counts every microsecond, pauses excluded.
POLICY = SlaPolicy(
    "oracle",
    1,
    CaseKind.COMPLAINT,
    [SlaTarget(kind, within) for kind, within in WITHIN.items()],
    reopen_window=WINDOW,
)
BOOK = PolicyBook([POLICY])

# -- the model, from the docs ---------------------------------------------------------

WORKING = {
    "registered",
    "acknowledged",
    "investigating",
    "awaiting_customer",
    "resolution_proposed",
}
OPEN_UNRESOLVED = WORKING - {"registered"}
OPEN = WORKING | {"resolved", "follow_up_pending"}
CLOSED = {"closed_satisfied", "closed_unresolved"}
ENDED = CLOSED | {"withdrawn", "merged"}
ALLOWED_IN: dict[str, set[str]] = {
    "contact_customer": OPEN,
    "customer_replied": OPEN,
    "start_investigation": {"registered", "acknowledged"},
    "await_customer": {"registered", "acknowledged", "investigating"},
    "propose_resolution": {"acknowledged", "investigating"},
    "decline_proposal": {"resolution_proposed"},
    "resolve": {"acknowledged", "investigating", "resolution_proposed"},
    "schedule_follow_up": {"resolved"},
    "follow_up": {"resolved", "follow_up_pending"},
    "reopen": CLOSED,
    "close_unresolved": OPEN,
    "withdraw": WORKING,
    "merge": WORKING,
    "assign": OPEN,
    "report_to_management": OPEN | CLOSED,
}
STATES = OPEN | ENDED
MODEL_TABLE = {s: {a for a, where in ALLOWED_IN.items() if s in where} for s in STATES}
CONTACTS = {
    "contact_customer",
    "await_customer",
    "propose_resolution",
    "resolve",
    "follow_up",
}


@dataclass
class Run:
    kind: TargetKind
    cycle: int
    seq: int
    start: int
    end: int | None = None
    achieved: bool = False


@dataclass(frozen=True)
class Refusal:
    """What the model expects a refused event to raise."""

    error: type[Exception]
    rules: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()


def _has_remedy(remedy: str | None, compensation: Money | None) -> bool:
    return bool(remedy and remedy.strip()) or (compensation is not None and compensation.amount > 0)


@dataclass
class Model:
    registered: int
    assignee: str | None
    first_within: int = WITHIN[TargetKind.FIRST_RESPONSE] // _US
    state: str = "registered"
    last: int = 0
    cycle: int = 0
    resolved: int | None = None
    closed: int | None = None
    waits: list[list[int | None]] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    offered_remedy: bool = False
    offered_apology: bool = False

    def __post_init__(self) -> None:
        self.last = self.registered
        for kind in (
            TargetKind.MANAGEMENT_REPORT,
            TargetKind.FIRST_RESPONSE,
            TargetKind.RESOLUTION,
        ):
            self.start(kind, self.registered)

    def start(self, kind: TargetKind, at: int) -> None:
        seq = sum(1 for r in self.runs if r.kind is kind)
        self.runs.append(Run(kind, self.cycle, seq, at))

    def live(self, kind: TargetKind) -> list[Run]:
        return [r for r in self.runs if r.kind is kind and r.end is None]

    def end(self, at: int, kinds: set[TargetKind], *, achieved: bool) -> None:
        for kind in kinds:
            for run in self.live(kind):
                run.end, run.achieved = at, achieved

    def allowed_at(self, at: int) -> set[str]:
        allowed = set(MODEL_TABLE[self.state])
        if self.state in CLOSED and self.closed is not None and at - self.closed > WINDOW_US:
            allowed.discard("reopen")
        return allowed

    def close(self, state: str, at: int) -> None:
        self.end(at, set(TargetKind), achieved=False)
        self.state, self.closed = state, at

    def reopen(self, at: int) -> None:
        self.end(at, set(TargetKind) - {TargetKind.MANAGEMENT_REPORT}, achieved=False)
        self.cycle += 1
        self.state = "investigating"
        self.offered_remedy = self.offered_apology = False
        self.start(TargetKind.RESOLUTION, at)
        self.start(TargetKind.PROGRESS_UPDATE, at)

    def step(self, action: str, at: int, **info: object) -> Refusal | None:
        """Apply one event, or return the expected `Refusal` before changing anything."""
        if at < self.last:
            rule = "before_registration" if at < self.registered else "out_of_order"
            return Refusal(ValidationError, frozenset({rule}))
        if action not in MODEL_TABLE[self.state]:
            return Refusal(IllegalTransitionError, allowed=frozenset(self.allowed_at(at)))
        if action == "reopen" and "reopen" not in self.allowed_at(at):
            return Refusal(IllegalTransitionError, allowed=frozenset(self.allowed_at(at)))
        if action == "resolve" and info["substantiated"]:
            rules = set()
            if not (_has_remedy(info["remedy"], info["compensation"]) or self.offered_remedy):  # type: ignore[arg-type]
                rules.add("remedy_required")
            if not (info["apology"] or self.offered_apology):
                rules.add("apology_required")
            if rules:
                return Refusal(ValidationError, frozenset(rules))
        if action == "merge" and info["into"] == "k-1":
            return Refusal(ValidationError, frozenset({"self_merge"}))
        previous = self.state
        if action in CONTACTS:
            self.end(at, {TargetKind.FIRST_RESPONSE, TargetKind.PROGRESS_UPDATE}, achieved=True)
        if action == "contact_customer" and self.state == "registered":
            self.state = "acknowledged"
        elif action == "start_investigation" or (
            action == "customer_replied" and self.state == "awaiting_customer"
        ):
            self.state = "investigating"
        elif action == "await_customer":
            self.state = "awaiting_customer"
        elif action == "propose_resolution":
            self.offered_remedy = _has_remedy(info["remedy"], info["compensation"])  # type: ignore[arg-type]
            self.offered_apology = bool(info["apology"])
            self.state = "resolution_proposed"
        elif action == "decline_proposal":
            self.offered_remedy = self.offered_apology = False
            self.state = "investigating"
        elif action == "resolve":
            self.end(at, {TargetKind.RESOLUTION}, achieved=True)
            self.end(at, {TargetKind.PROGRESS_UPDATE}, achieved=False)
            self.state, self.resolved = "resolved", at
            self.start(TargetKind.FOLLOW_UP, at)
        elif action == "schedule_follow_up":
            self.state = "follow_up_pending"
        elif action == "follow_up":
            self.end(at, {TargetKind.FOLLOW_UP}, achieved=True)
            assert self.resolved is not None
            if info["satisfied"]:
                self.close("closed_satisfied", at)
            elif at - self.resolved <= WINDOW_US:
                self.reopen(at)
            else:
                self.close("closed_unresolved", at)
        elif action == "reopen":
            self.reopen(at)
        elif action == "close_unresolved":
            self.close("closed_unresolved", at)
        elif action == "withdraw":
            self.close("withdrawn", at)
        elif action == "merge":
            self.close("merged", at)
        elif action == "assign":
            self.assignee = str(info["to"])
        elif action == "report_to_management":
            self.end(at, {TargetKind.MANAGEMENT_REPORT}, achieved=True)
        if (
            action in CONTACTS
            and self.state in OPEN_UNRESOLVED
            and not self.live(TargetKind.PROGRESS_UPDATE)
        ):
            self.start(TargetKind.PROGRESS_UPDATE, at)
        if previous == "awaiting_customer" and self.state != "awaiting_customer":
            self.waits[-1][1] = at
        if self.state == "awaiting_customer" and previous != "awaiting_customer":
            self.waits.append([at, None])
        self.last = at
        return None

    # -- what sla_status must say, on calendar time ---------------------------------

    def paused(self, run: Run, until: int) -> int:
        if run.kind not in PAUSABLE:
            return 0
        total = 0
        for start, stop in self.waits:
            assert start is not None
            lo, hi = max(start, run.start), min(until if stop is None else stop, until)
            total += max(hi - lo, 0)
        return total

    def due(self, run: Run, until: int, within: int) -> int:
        """The last instant at which counted <= within: walk the waits in order."""
        reading = run.start + within
        if run.kind not in PAUSABLE:
            return reading
        for start, stop in self.waits:
            assert start is not None
            lo, hi = max(start, run.start), min(until if stop is None else stop, until)
            if hi <= lo:
                continue
            if reading < lo:
                break
            reading += hi - lo
        return reading

    def status(self, run: Run, now: int) -> tuple[object, ...]:
        until = now if run.end is None else run.end
        within = (
            self.first_within if run.kind is TargetKind.FIRST_RESPONSE else WITHIN[run.kind] // _US
        )
        paused = self.paused(run, until)
        counted = until - run.start - paused
        breached = counted > within
        waiting = (
            run.end is None
            and run.kind in PAUSABLE
            and bool(self.waits)
            and self.waits[-1][1] is None
        )
        if run.end is not None:
            status = (
                TargetStatusKind.BREACHED
                if breached
                else TargetStatusKind.ACHIEVED
                if run.achieved
                else TargetStatusKind.CANCELLED
            )
        elif waiting:
            status = TargetStatusKind.PAUSED
        else:
            status = TargetStatusKind.BREACHED if breached else TargetStatusKind.ACTIVE
        if waiting and breached:
            # Breached before the wait began: the due time stays in the past.
            start = self.waits[-1][0]
            assert start is not None
            due = self.due(run, start, within)
        else:
            due = self.due(run, until, within)
        return (
            run.kind,
            run.cycle,
            run.seq,
            status,
            breached,
            run.start,
            due,
            run.end if run.achieved else None,
            run.end,
            counted,
            within - counted,
            paused,
        )


# -- the machine ----------------------------------------------------------------------

ZONES: list[tzinfo] = [
    UTC,
    timezone(timedelta(hours=-3, minutes=-30)),
    timezone(timedelta(hours=13, minutes=45)),
    ZoneInfo("Europe/London"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("America/Santiago"),
    ZoneInfo("America/Havana"),
    ZoneInfo("Asia/Kathmandu"),
    ZoneInfo("Asia/Shanghai"),
    pendulum.timezone("Europe/London"),
]
# Instants just before a repeated or skipped hour, and around a year end.
STARTS = [
    datetime(2026, 10, 25, 0, 10, tzinfo=UTC),  # London: 01:00-02:00 repeated from 00:00 UTC
    datetime(2026, 11, 1, 5, 20, tzinfo=UTC),  # New York: 01:00-02:00 repeated from 05:00 UTC
    datetime(2026, 4, 4, 14, 40, tzinfo=UTC),  # Lord Howe: 01:30-02:00 repeated (30 minutes)
    datetime(2026, 9, 6, 3, 30, tzinfo=UTC),  # Santiago: midnight skipped
    datetime(2026, 3, 8, 4, 45, tzinfo=UTC),  # Havana: midnight skipped
    datetime(2026, 12, 31, 15, 50, tzinfo=UTC),
    datetime(2027, 2, 28, 23, 0, tzinfo=UTC),
]
ACTIONS = sorted(ALLOWED_IN)
ENDINGS = {"withdraw", "merge", "close_unresolved"}
GAPS = st.one_of(
    st.just(0),
    st.integers(1, 59_999_999),  # within a minute, to the microsecond
    st.integers(1, 180).map(lambda m: m * 60_000_000),
    st.integers(1, 10 * 24).map(lambda h: h * 3_600_000_000),
)
MONEY = st.sampled_from([None, Money("0"), Money("0.00"), Money("50.00")])
REMEDY = st.sampled_from([None, "", "   ", "redo the facial"])


def shown_in(at_us: int, zone: tzinfo) -> datetime:
    """The instant as an aware datetime in `zone` (fold=1 on the second pass of a repeat)."""
    return (_EPOCH + at_us * _US).astimezone(zone)


def make_event(action: str, at: datetime, info: dict[str, object]) -> CaseEvent:
    if action == "contact_customer":
        return CustomerContacted(at=at, by="s-1", channel="wechat")
    if action == "customer_replied":
        return CustomerReplied(at=at, channel="phone")
    if action == "start_investigation":
        return InvestigationStarted(at=at, by="s-1")
    if action == "await_customer":
        return AwaitingCustomer(at=at, by="s-1", channel="phone")
    if action == "propose_resolution":
        return ResolutionProposed(
            at=at,
            by="s-1",
            channel="phone",
            remedy=info["remedy"],  # type: ignore[arg-type]
            compensation=info["compensation"],  # type: ignore[arg-type]
            apology=bool(info["apology"]),
        )
    if action == "decline_proposal":
        return ProposalDeclined(at=at, channel="phone")
    if action == "resolve":
        return Resolved(
            at=at,
            by="s-1",
            channel="on_site",
            substantiated=bool(info["substantiated"]),
            remedy=info["remedy"],  # type: ignore[arg-type]
            compensation=info["compensation"],  # type: ignore[arg-type]
            apology=bool(info["apology"]),
        )
    if action == "schedule_follow_up":
        return FollowUpScheduled(at=at, by="s-1", planned_for=at + timedelta(days=1))
    if action == "follow_up":
        return FollowedUp(at=at, by="s-2", channel="phone", satisfied=bool(info["satisfied"]))
    if action == "reopen":
        return Reopened(at=at, by="lead")
    if action == "close_unresolved":
        return ClosedUnresolved(at=at, by="lead")
    if action == "withdraw":
        return Withdrawn(at=at, by="s-1")
    if action == "merge":
        return Merged(at=at, by="s-1", into=str(info["into"]))
    if action == "assign":
        return Assigned(at=at, by="lead", to=str(info["to"]))
    assert action == "report_to_management"
    return ReportedToManagement(at=at, by="s-1")


def _status_row(s: TargetStatus) -> tuple[object, ...]:
    """A target status as the model's row: every figure the two must agree on."""
    return (
        s.kind,
        s.cycle,
        s.seq,
        s.status,
        s.breached,
        s.started_us,
        s.due_us,
        s.achieved_us,
        s.ended_us,
        s.elapsed_us,
        s.remaining_us,
        s.paused_us,
    )


def snapshot(case: Case, now: int) -> tuple[object, ...]:
    """Everything a user reads off a case, instants as epoch microseconds."""
    statuses = sla_status(case, shown_in(now, UTC))
    return (
        case.state.value,
        case.version,
        case.events,
        case.assignee,
        case.cycle,
        None if case.resolved_at is None else to_epoch_us(case.resolved_at),
        None if case.closed_at is None else to_epoch_us(case.closed_at),
        case.awaiting,
        sorted(case.allowed),
        [_status_row(s) for s in statuses],
    )


class CaseOracle(RuleBasedStateMachine):
    """A complaint under calendar-time targets: every figure of every run is compared."""

    book = BOOK
    structure_only = False
    kind = CaseKind.COMPLAINT
    case: Case
    model: Model

    @initialize(
        start=st.sampled_from(STARTS),
        zone=st.sampled_from(ZONES),
        assignee=st.sampled_from([None, "s-1"]),
        promise=st.integers(1, 3 * 86_400_000_000),
        promise_zone=st.sampled_from(ZONES),
    )
    def open_case(
        self,
        start: datetime,
        zone: tzinfo,
        assignee: str | None,
        promise: int,
        promise_zone: tzinfo,
    ) -> None:
        at = start.astimezone(zone)
        at_us = to_epoch_us(at)
        promised = self.kind is CaseKind.PROMISED_REPLY
        self.case = register(
            self.book,
            case_id="k-1",
            at=at,
            kind=self.kind,
            channel="phone",
            customer_id="c-1",
            contact="138****8000",
            content="the facial burnt",
            assignee=assignee,
            reply_by=shown_in(at_us + promise, promise_zone) if promised else None,
        )
        self.model = Model(at_us, assignee)
        if promised:
            self.model.first_within = promise
        self.zone = zone

    def _at(self, gap: int, boundary: str, nudge: int) -> int:
        anchor = {"closed": self.model.closed, "resolved": self.model.resolved}.get(boundary)
        if anchor is not None:
            return anchor + WINDOW_US + nudge
        return self.model.last + gap

    def _action(self, mode: int, pick: int) -> str:
        """Mostly a move the model allows now (rarely an ending one), sometimes any."""
        if mode == 0:
            return ACTIONS[pick % len(ACTIONS)]
        allowed = sorted(self.model.allowed_at(self.model.last))
        if pick % 6:
            allowed = [a for a in allowed if a not in ENDINGS] or allowed
        return allowed[pick % len(allowed)] if allowed else ACTIONS[pick % len(ACTIONS)]

    @rule(
        mode=st.integers(0, 9),
        pick=st.integers(0, 10**6),
        gap=GAPS,
        back=st.integers(0, 2 * 3_600_000_000),
        boundary=st.sampled_from(["", "", "", "closed", "resolved"]),
        nudge=st.sampled_from([-1, 0, 1]),
        zone=st.sampled_from(ZONES),
        info=st.fixed_dictionaries(
            {
                "remedy": REMEDY,
                "compensation": MONEY,
                "apology": st.booleans(),
                "substantiated": st.booleans(),
                "satisfied": st.booleans(),
                "into": st.sampled_from(["k-0", "k-0", "k-1"]),
                "to": st.sampled_from(["s-1", "s-2", "s-3"]),
            }
        ),
    )
    def event(
        self,
        *,
        mode: int,
        pick: int,
        gap: int,
        back: int,
        boundary: str,
        nudge: int,
        zone: tzinfo,
        info: dict[str, object],
    ) -> None:
        action = self._action(mode, pick)
        at_us = self._at(gap, boundary, nudge)
        if mode == 1 and back:
            at_us = self.model.last - back  # out of time order
        event = make_event(action, shown_in(at_us, zone), info)
        assert to_epoch_us(event.at) == at_us  # the event keeps the instant it was given
        before = snapshot(self.case, self.model.last)
        trial = copy.deepcopy(self.model)
        expected = trial.step(action, at_us, **info)
        if expected is not None:
            with pytest.raises(expected.error) as caught:
                apply(self.case, event)
            error = caught.value
            if isinstance(error, IllegalTransitionError):
                assert error.state == self.model.state
                assert error.action == action
                assert set(error.allowed) == expected.allowed
            else:
                assert isinstance(error, ValidationError)
                assert {v.rule for v in error.violations} == expected.rules
            # Nothing half-applied: the case reads exactly as before.
            assert snapshot(self.case, self.model.last) == before
            return
        self.case = apply(self.case, event)
        self.model = trial

    @invariant()
    def agrees_with_the_model(self) -> None:
        model, case = self.model, self.case
        assert case.state.value == model.state
        assert case.version == len(case.events)
        assert case.assignee == model.assignee
        assert case.cycle == model.cycle
        resolved = None if case.resolved_at is None else to_epoch_us(case.resolved_at)
        closed = None if case.closed_at is None else to_epoch_us(case.closed_at)
        assert (resolved, closed) == (model.resolved, model.closed)
        assert [list(w) for w in case.awaiting] == model.waits
        assert set(case.allowed) == MODEL_TABLE[model.state]
        for now in (model.last, model.last + 3_600_000_000, model.last + 9 * 86_400_000_000):
            statuses = sla_status(case, shown_in(now, self.zone))
            if self.structure_only:
                # Business time: the runs' identities, starts, ends and pauses, as instants.
                got_runs = sorted(
                    (
                        (
                            s.kind,
                            s.cycle,
                            s.seq,
                            s.started_us,
                            s.achieved_us,
                            s.ended_us,
                            s.paused_us,
                        )
                        for s in statuses
                    ),
                    key=repr,
                )
                want_runs = sorted(
                    (
                        (
                            r.kind,
                            r.cycle,
                            r.seq,
                            r.start,
                            r.end if r.achieved else None,
                            r.end,
                            model.paused(r, now if r.end is None else r.end),
                        )
                        for r in model.runs
                    ),
                    key=repr,
                )
                assert got_runs == want_runs
                continue
            got = [_status_row(s) for s in statuses]
            want = [model.status(run, now) for run in model.runs]
            assert sorted(got, key=repr) == sorted(want, key=repr)

    @invariant()
    def a_replay_of_the_stored_log_is_the_live_case(self) -> None:
        again = replay(list(self.case.events), self.book)
        assert again == self.case
        now = self.model.last + 7_200_000_000
        assert snapshot(again, now) == snapshot(self.case, now)


# London opening hours with a Sunday closure: the runs' business clocks cross the
# repeated and skipped hours of the STARTS above.
LONDON = BusinessCalendar(
    "Europe/London",
    weekly=dict.fromkeys(range(6), "09:00-18:00"),
    holidays={date(2026, 12, 25): "Christmas", date(2027, 1, 1): "New Year"},
    holiday_years=frozenset(),
)
BUSINESS_POLICY = SlaPolicy(
    "oracle-business",
    1,
    CaseKind.COMPLAINT,
    [
        SlaTarget(kind, within, TimeBasis.BUSINESS, LONDON)
        if kind in PAUSABLE | {TargetKind.FIRST_RESPONSE}
        else SlaTarget(kind, within, calendar=LONDON if kind is TargetKind.FOLLOW_UP else None)
        for kind, within in WITHIN.items()
    ],
    reopen_window=WINDOW,
)
PROMISE_POLICY = SlaPolicy(
    "oracle-promise",
    1,
    CaseKind.PROMISED_REPLY,
    [SlaTarget(kind, within) for kind, within in WITHIN.items()],
    reopen_window=WINDOW,
)


class BusinessCaseOracle(CaseOracle):
    """The same moves under business-time targets: runs, ends and pauses are compared."""

    book = PolicyBook([BUSINESS_POLICY])
    structure_only = True


class PromisedReplyOracle(CaseOracle):
    """A promised reply: the first response is due at the promised instant, in any zone."""

    book = PolicyBook([PROMISE_POLICY])
    kind = CaseKind.PROMISED_REPLY


_MACHINE_SETTINGS = settings(
    max_examples=150,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCaseOracle = CaseOracle.TestCase
TestCaseOracle.settings = _MACHINE_SETTINGS
TestBusinessCaseOracle = BusinessCaseOracle.TestCase
TestBusinessCaseOracle.settings = settings(_MACHINE_SETTINGS, max_examples=100)
TestPromisedReplyOracle = PromisedReplyOracle.TestCase
TestPromisedReplyOracle.settings = settings(_MACHINE_SETTINGS, max_examples=100)


# -- customers: phone numbers against phonenumbers itself ------------------------------

PHONE_REGIONS = ["CN", "HK", "MO", "TW", "US", "GB", "JP", "KR", "SG", "AU", "DE", "FR", "IT", "RU"]
NUMBER_TYPES = [
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
]
# Full-width digits and plus, as Chinese input methods type them.
FULL_WIDTH = str.maketrans("0123456789+", "".join(chr(0xFF10 + d) for d in range(10)) + "\uff0b")


@st.composite
def valid_numbers(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    """A valid number of a region: an example number with its last digits redrawn."""
    region = draw(st.sampled_from(PHONE_REGIONS))
    kind = draw(st.sampled_from(NUMBER_TYPES))
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(
        region
    )
    assert example is not None
    nsn = phonenumbers.national_significant_number(example)
    tail = draw(st.text("0123456789", min_size=3, max_size=3))
    number = phonenumbers.parse(f"+{example.country_code}{nsn[:-3]}{tail}", None)
    if not phonenumbers.is_valid_number(number):
        number = example
    return number


@settings(max_examples=200)
@given(
    number=valid_numbers(),
    form=st.sampled_from(["e164", "international", "00", "national", "rfc3966"]),
    full_width=st.booleans(),
    region=st.sampled_from([*PHONE_REGIONS, None]),
    extension=st.sampled_from(["", " ext. 12", " x 7", "#99"]),
)
def test_parse_phone_reads_every_written_form_as_phonenumbers_does(
    *,
    number: phonenumbers.PhoneNumber,
    form: str,
    full_width: bool,
    region: str | None,
    extension: str,
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    home = phonenumbers.region_code_for_number(number)
    text = {
        "e164": e164,
        "international": phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
        "00": "00" + e164[1:],
        "national": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        "rfc3966": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966),
    }[form]
    if full_width:
        text = text.translate(FULL_WIDTH)
    text += extension
    # What the docs promise: a + always names the country; a leading 00 does too,
    # given a region; a national form is read in the region it is written for.
    readable = (
        form in {"e164", "international", "rfc3966"}
        or (form == "00" and region is not None)
        or (form == "national" and region == home)
    )
    if readable and extension and form != "rfc3966":
        with pytest.raises(InvalidPhoneNumberError) as caught:
            parse_phone(text, region=region)
        assert caught.value.rule in {"extension", "invalid_phone_number"}
        return
    if readable and not extension:
        phone = parse_phone(text, region=region)
        if form == "00" and region is not None:
            # A region whose own international prefix starts with 00 (001 in Hong Kong)
            # reads the number its own way when that way is valid.
            own = phonenumbers.parse(text, region)
            if phonenumbers.is_valid_number(own):
                e164 = phonenumbers.format_number(own, phonenumbers.PhoneNumberFormat.E164)
                home = phonenumbers.region_code_for_number(own)
        assert phone.e164 == e164
        assert phone.region == (home or "001")
        return
    # Otherwise only a typed refusal or the number itself may come back.
    refused: InvalidPhoneNumberError | None = None
    try:
        phone = parse_phone(text, region=region)
    except InvalidPhoneNumberError as error:
        refused = error
    if refused is not None:
        assert phonenumbers.national_significant_number(number) not in str(refused)
    else:
        oracle = phonenumbers.parse(text, region)
        assert phonenumbers.is_valid_number(oracle)
        assert not oracle.extension
        assert phone.e164 == phonenumbers.format_number(oracle, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=200)
@given(number=valid_numbers())
def test_a_masked_number_shows_no_more_digits_than_the_docs_allow(
    number: phonenumbers.PhoneNumber,
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    phone = PhoneNumber(e164)
    nsn = phonenumbers.national_significant_number(number)
    if number.country_code == 86:
        digits = "".join(c for c in phone.national if c.isdigit())
        expected_head, shown_digits = "", digits
    else:
        expected_head, shown_digits = f"+{number.country_code} ", nsn
    n = len(shown_digits)
    head = 3 if n >= 11 else 2 if n >= 9 else 0
    tail = min(4 if n >= 11 else 3 if n >= 7 else 2, n)
    expected = expected_head + shown_digits[:head] + "*" * (n - head - tail)
    expected += shown_digits[n - tail :]
    assert phone.masked == expected
    for shown in (repr(phone), str(phone), repr([phone])):
        assert nsn not in shown
        assert sum(c.isdigit() for c in shown) <= len(expected_head) + head + tail


# -- customers: net spend against a hand-written sum -----------------------------------

SPEND_BASE = [
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # London's repeated hour
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # New York's repeated hour
    datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2028, 2, 29, 12, tzinfo=UTC),
]


@st.composite
def spend_records(draw: st.DrawFn) -> ConsumptionRecord:
    base = draw(st.sampled_from(SPEND_BASE))
    at = (base + timedelta(minutes=draw(st.integers(-90, 90)))).astimezone(
        draw(st.sampled_from(ZONES))
    )
    amount = draw(st.decimals(0, 10**6, places=draw(st.sampled_from([0, 2, 10]))))
    return ConsumptionRecord(
        id=f"t-{draw(st.integers(0, 10**9))}",
        customer_id=draw(st.sampled_from(["c-1", "c-2", "c-3"])),
        at=at,
        service="facial",
        amount=Money(amount, draw(st.sampled_from(["CNY", "CNY", "CNY", "CNY", "USD"]))),
        kind=draw(st.sampled_from(list(ConsumptionKind))),
    )


@settings(max_examples=200)
@given(
    records=st.lists(spend_records(), max_size=12),
    start=st.none() | st.integers(-100, 100),
    length=st.none() | st.integers(0, 200),
    base=st.sampled_from(SPEND_BASE),
    zone=st.sampled_from(ZONES),
    currency=st.sampled_from(["CNY", "USD"]),
)
def test_net_spend_is_the_hand_written_sum(
    *,
    records: list[ConsumptionRecord],
    start: int | None,
    length: int | None,
    base: datetime,
    zone: tzinfo,
    currency: str,
) -> None:
    lo = None if start is None else base + timedelta(minutes=start)
    hi = None if length is None else (lo or base) + timedelta(minutes=length)
    window = {
        "start": None if lo is None else lo.astimezone(zone),
        "end": None if hi is None else hi.astimezone(zone),
    }
    net: dict[str, Fraction] = {}
    wrong_currency = False
    for record in records:
        instant = record.at.astimezone(UTC)
        if record.kind is ConsumptionKind.REDEMPTION:
            continue
        if (lo is not None and instant < lo) or (hi is not None and instant >= hi):
            continue
        wrong_currency |= record.amount.currency != currency
        sign = 1 if record.kind is ConsumptionKind.PURCHASE else -1
        net[record.customer_id] = net.get(record.customer_id, Fraction(0)) + sign * Fraction(
            record.amount.amount
        )
    if wrong_currency:
        with pytest.raises(InvalidMoneyError):
            spend_by_customer(records, currency=currency, **window)
        with pytest.raises(InvalidMoneyError):
            total_spend(records, currency=currency, **window)
        return
    by_customer = spend_by_customer(records, currency=currency, **window)
    assert {c: m.currency for c, m in by_customer.items()} == dict.fromkeys(net, currency)
    assert {c: Fraction(m.amount) for c, m in by_customer.items()} == {
        c: max(Fraction(v), Fraction(0)) for c, v in net.items()
    }
    total = total_spend(records, currency=currency, **window)
    assert total.currency == currency
    assert Fraction(total.amount) == sum(
        (max(Fraction(v), Fraction(0)) for v in net.values()), Fraction(0)
    )
    assert not str(total.amount).startswith("-")


# -- values holding instants compare instants, not wall times --------------------------

REPEATED = [
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # London 01:30 BST; an hour later 01:30 GMT
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # New York 01:30 EDT; an hour later 01:30 EST
    datetime(2026, 4, 4, 14, 45, tzinfo=UTC),  # Lord Howe 01:45 (+11); 30 minutes later (+10:30)
]


def _values_at(at: datetime) -> list[object]:
    """One value of each kind that holds `at` (and a second instant an hour later)."""
    later = shown_in(to_epoch_us(at) + 3_600_000_000, at.tzinfo or UTC)
    return [
        CustomerContacted(at=at, by="s-1", channel="phone"),
        CustomerReplied(at=at, channel="phone"),
        FollowUpScheduled(at=at, by="s-1", planned_for=later),
        Registered(
            case_id="k-1",
            at=at,
            kind=CaseKind.PROMISED_REPLY,
            channel="phone",
            customer_id="c-1",
            contact="x",
            content="y",
            policy_id="p",
            policy_version=1,
            reply_by=later,
        ),
        Customer(id="c-1", name="王芳", registered_at=at),
        ConsumptionRecord(id="t-1", customer_id="c-1", at=at, service="facial", amount=Money(1)),
        ServiceRecord(id="v-1", customer_id="c-1", at=at, service="facial", staff_id="s-1"),
    ]


@settings(max_examples=150)
@given(
    base=st.sampled_from(REPEATED),
    minutes=st.sampled_from([0, 0, 30, 60, 61]),
    zone=st.sampled_from(ZONES),
    other_zone=st.sampled_from(ZONES),
)
def test_values_are_equal_exactly_when_their_instants_are(
    base: datetime, minutes: int, zone: tzinfo, other_zone: tzinfo
) -> None:
    # The second value is given in another (or the same) zone, possibly in the other
    # pass of a repeated hour: a one-zone datetime comparison reads only the wall time.
    one = base.astimezone(zone)
    other = (base + timedelta(minutes=minutes)).astimezone(other_zone)
    same = minutes == 0
    for a, b in zip(_values_at(one), _values_at(other), strict=True):
        assert (a == b) is same, (a, b)
        if same:
            assert hash(a) == hash(b)
            assert len({a, b}) == 1


def test_a_record_resent_in_another_zone_is_stored_once_and_another_hour_is_refused() -> None:
    london = ZoneInfo("Europe/London")
    first = datetime(2026, 10, 25, 1, 30, tzinfo=london)  # 00:30 UTC
    second = first.replace(fold=1)  # 01:30 UTC: another instant, the same wall time

    def record(at: datetime) -> ConsumptionRecord:
        return ConsumptionRecord(id="t-1", customer_id="c-1", at=at, service="x", amount=Money(1))

    repository = InMemoryConsumptionRepository()
    assert repository.add(record(second)) is True
    assert repository.add(record(second.astimezone(UTC))) is False  # the same record, resent
    with pytest.raises(DuplicateError):
        repository.add(record(first))  # an hour earlier: other content under the same id
