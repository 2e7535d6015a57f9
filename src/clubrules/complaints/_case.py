"""The case: an event-sourced lifecycle state machine with its SLA target runs.

A `Case` is the fold of its event log under the policy version recorded at
registration. It is a frozen value: `apply` returns a new case. The fold
validates each event (order, allowed move, guards) and keeps, for every SLA
target run, the integer instants the SLA check needs, so that checking 100,000
open cases is integer arithmetic.
"""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import Any, cast

import attrs

from clubrules._checks import require_choice, require_instance, require_items
from clubrules._time import EPOCH, ONE_US, require_aware, to_epoch_us
from clubrules.complaints import _events as ev
from clubrules.complaints._events import CaseEvent, Registered, Resolved
from clubrules.complaints._model import CaseKind, CaseState, Severity, TargetKind, TimeBasis
from clubrules.complaints._policy import PolicyBook, SlaPolicy, SlaTarget
from clubrules.complaints._runs import Clock, TargetRun
from clubrules.errors import IllegalTransitionError, ValidationError, ViolationCollector
from clubrules.money import Money  # noqa: TC001

__all__ = ["TRANSITIONS", "Case", "allowed_actions", "apply", "register", "replay"]

S = CaseState
_OPEN_UNRESOLVED = (S.ACKNOWLEDGED, S.INVESTIGATING, S.AWAITING_CUSTOMER, S.RESOLUTION_PROPOSED)
_WORKING = (S.REGISTERED, *_OPEN_UNRESOLVED)
_OPEN = (*_WORKING, S.RESOLVED, S.FOLLOW_UP_PENDING)
_CLOSED = (S.CLOSED_SATISFIED, S.CLOSED_UNRESOLVED)
# Enum members as module constants: a global lookup is cheaper than a class attribute.
_REGISTERED = S.REGISTERED
_ACKNOWLEDGED = S.ACKNOWLEDGED
_INVESTIGATING = S.INVESTIGATING
_AWAITING_CUSTOMER = S.AWAITING_CUSTOMER
_RESOLUTION_PROPOSED = S.RESOLUTION_PROPOSED
_RESOLVED = S.RESOLVED
_FOLLOW_UP_PENDING = S.FOLLOW_UP_PENDING
_CLOSED_SATISFIED = S.CLOSED_SATISFIED
_CLOSED_UNRESOLVED = S.CLOSED_UNRESOLVED
_WITHDRAWN = S.WITHDRAWN
_MERGED = S.MERGED
_FIRST_RESPONSE = TargetKind.FIRST_RESPONSE
_PROGRESS_UPDATE = TargetKind.PROGRESS_UPDATE
_RESOLUTION = TargetKind.RESOLUTION
_FOLLOW_UP = TargetKind.FOLLOW_UP
_MANAGEMENT_REPORT = TargetKind.MANAGEMENT_REPORT


def _table() -> dict[CaseState, frozenset[str]]:
    moves: dict[str, tuple[CaseState, ...]] = {
        "contact_customer": _OPEN,
        "customer_replied": _OPEN,
        "start_investigation": (S.REGISTERED, S.ACKNOWLEDGED),
        "await_customer": (S.REGISTERED, S.ACKNOWLEDGED, S.INVESTIGATING),
        "propose_resolution": (S.ACKNOWLEDGED, S.INVESTIGATING),
        "decline_proposal": (S.RESOLUTION_PROPOSED,),
        "resolve": (S.ACKNOWLEDGED, S.INVESTIGATING, S.RESOLUTION_PROPOSED),
        "schedule_follow_up": (S.RESOLVED,),
        "follow_up": (S.RESOLVED, S.FOLLOW_UP_PENDING),
        "reopen": _CLOSED,
        "close_unresolved": _OPEN,
        "withdraw": _WORKING,
        "merge": _WORKING,
        "assign": _OPEN,
        "report_to_management": (*_OPEN, *_CLOSED),
    }
    table: dict[CaseState, set[str]] = {state: set() for state in CaseState}
    for action, states in moves.items():
        for state in states:
            table[state].add(action)
    return {state: frozenset(actions) for state, actions in table.items()}


TRANSITIONS: dict[CaseState, frozenset[str]] = _table()
"""The actions (event `action` names) allowed in each state.

```text
registered ──contact_customer──▶ acknowledged ──start_investigation──▶ investigating
    │  └─start_investigation─────────────────────────────────────────▶ investigating
    └─await_customer──▶ awaiting_customer ──customer_replied──▶ investigating
acknowledged / investigating ──await_customer──▶ awaiting_customer
acknowledged / investigating ──propose_resolution──▶ resolution_proposed
resolution_proposed ──decline_proposal──▶ investigating
acknowledged / investigating / resolution_proposed ──resolve──▶ resolved
resolved ──schedule_follow_up──▶ follow_up_pending
resolved / follow_up_pending ──follow_up(satisfied)──▶ closed_satisfied
resolved / follow_up_pending ──follow_up(unsatisfied, in window)──▶ investigating
resolved / follow_up_pending ──follow_up(unsatisfied, too late)──▶ closed_unresolved
closed_satisfied / closed_unresolved ──reopen (in window)──▶ investigating
any open state ──close_unresolved──▶ closed_unresolved
registered … resolution_proposed ──withdraw / merge──▶ withdrawn / merged
```
`contact_customer`, `customer_replied`, `assign` and `report_to_management`
keep the state (except as drawn above). Withdrawn and merged are terminal.
"""


def allowed_actions(state: CaseState) -> frozenset[str]:
    """The actions allowed in `state` (see `TRANSITIONS`).

    Raises:
        ValidationError: `state` is not a `CaseState` (rule `unknown_choice`).
    """
    return TRANSITIONS[require_choice(CaseState, state, "state")]


_CONTACTS = (
    ev.CustomerContacted,
    ev.AwaitingCustomer,
    ev.ResolutionProposed,
    Resolved,
    ev.FollowedUp,
)


@attrs.frozen(repr=False, eq=False)
class Case:
    """A complaint, safety incident or promised reply: the fold of its event log.

    Build one with `register` (a new case) or `replay` (a stored log), and
    move it with `apply`, which returns a new case. Two cases are equal when
    they have the same policy and the same events; events compare their
    instants, so 01:30 before and after an autumn clock change differ, and
    one instant written in two zones is the same.

    Attributes:
        policy: The policy version recorded at registration.
        events: The append-only log, registration first.
        id: The case id.
        kind: The `CaseKind`.
        state: The current `CaseState`.
        version: The number of events (the optimistic-concurrency version).
        registered_at: When it was registered.
        customer_id: Who complained.
        channel: Where it came in.
        category: Its analysis category.
        severity: Its severity.
        assignee: Its current owner, or None.
        cycle: 0, or how many times it has been reopened.
        resolved_at: When it was last resolved, or None.
        closed_at: When it was last closed, withdrawn or merged, or None.
        awaiting: The intervals spent awaiting the customer, as (start, end)
            epoch microseconds (end None while still awaiting).
        runs: The SLA target runs, in the order started (read their status
            with `sla_status(case, now)`).
    """

    policy: SlaPolicy
    events: tuple[CaseEvent, ...]
    id: str = attrs.field(init=False)
    kind: CaseKind = attrs.field(init=False)
    state: CaseState = attrs.field(init=False)
    version: int = attrs.field(init=False)
    registered_at: datetime = attrs.field(init=False)
    customer_id: str = attrs.field(init=False)
    channel: str = attrs.field(init=False)
    category: str = attrs.field(init=False)
    severity: Severity = attrs.field(init=False)
    assignee: str | None = attrs.field(init=False)
    cycle: int = attrs.field(init=False)
    resolved_at: datetime | None = attrs.field(init=False)
    closed_at: datetime | None = attrs.field(init=False)
    awaiting: tuple[tuple[int, int | None], ...] = attrs.field(init=False)
    runs: tuple[TargetRun, ...] = attrs.field(init=False)
    last_us: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        require_instance(self.policy, SlaPolicy, "policy")
        events: object = self.events
        if not isinstance(events, tuple):
            require_items(events, object, "events")
        fold = _Fold(self.policy)
        fold.fold(self.events)
        fold.finish()
        setter = object.__setattr__
        first = fold.registration
        assert first is not None  # noqa: S101 - step() refuses a log without one
        setter(self, "id", first.case_id)
        setter(self, "kind", first.kind)
        setter(self, "state", fold.state)
        setter(self, "version", len(self.events))
        setter(self, "registered_at", first.at)
        setter(self, "customer_id", first.customer_id)
        setter(self, "channel", first.channel)
        setter(self, "category", first.category or "general")
        setter(self, "severity", first.severity)
        setter(self, "assignee", fold.assignee)
        setter(self, "cycle", fold.cycle)
        setter(self, "resolved_at", fold.resolved_at)
        setter(self, "closed_at", fold.closed_at)
        setter(self, "awaiting", tuple(fold.awaiting))
        setter(self, "runs", tuple(fold.runs))
        setter(self, "last_us", fold.last_us)

    @property
    def zone(self) -> tzinfo:
        """The time zone in which the case was registered (used to show instants)."""
        zone = self.registered_at.tzinfo
        assert zone is not None  # noqa: S101 - registration instants are aware
        return zone

    @property
    def allowed(self) -> frozenset[str]:
        """The actions the case's state allows (see `TRANSITIONS`), before any time guard.

        A closed case lists `reopen` here even once its reopen window has
        passed, since that depends on when the move is made; the
        `IllegalTransitionError` of a refused move lists only the moves
        allowed at the refused event's instant, without `reopen` then.
        """
        return TRANSITIONS[self.state]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Case):
            return NotImplemented
        return self.policy == other.policy and self.events == other.events

    def __hash__(self) -> int:
        return hash((self.policy.id, self.policy.version, self.events))

    def __reduce__(self) -> tuple[type[Case], tuple[SlaPolicy, tuple[CaseEvent, ...]]]:
        """Pickle and copy as the policy and events, folded again when loaded.

        The fold's working state (its SLA target runs) is derived, and stays
        out of the pickle, which names only public classes.
        """
        return (Case, (self.policy, self.events))

    def __repr__(self) -> str:
        return (
            f"Case(id={self.id!r}, kind={self.kind.value}, state={self.state.value}, "
            f"version={self.version})"
        )


class _Fold:
    """The mutable state of one fold; `Case` freezes its result."""

    __slots__ = (
        "assignee",
        "awaiting",
        "closed_at",
        "closed_us",
        "cycle",
        "last_at",
        "last_us",
        "live",
        "offered_apology",
        "offered_remedy",
        "plan",
        "policy",
        "registration",
        "resolved_at",
        "resolved_us",
        "runs",
        "seqs",
        "state",
    )

    def __init__(self, policy: SlaPolicy) -> None:
        self.policy = policy
        self.registration: Registered | None = None
        self.state = _REGISTERED
        self.last_us = 0
        self.last_at: datetime | None = None
        self.assignee: str | None = None
        self.cycle = 0
        self.resolved_at: datetime | None = None
        self.resolved_us = 0
        self.closed_at: datetime | None = None
        self.closed_us = 0
        self.awaiting: list[tuple[int, int | None]] = []
        self.runs: list[TargetRun] = []
        # The runs not yet ended, in start order: the per-event loops skip ended runs.
        self.live: list[TargetRun] = []
        self.seqs: dict[TargetKind, int] = {}
        self.plan = _plan_of(policy)
        # Remedy, compensation and apology proposed in the current cycle.
        self.offered_remedy = False
        self.offered_apology = False

    # -- helpers ---------------------------------------------------------------

    def _start(self, kind: TargetKind, at_us: int, *, budget_us: int | None = None) -> None:
        planned = self.plan.get(kind)
        if planned is None:
            return
        target, clock, pausable, budget = planned
        basis = target.basis
        if budget_us is None:
            budget_us = budget
        else:
            basis = TimeBasis.CALENDAR  # a promised time is an instant on the wall clock
            clock = Clock(target.calendar, basis)
        seqs = self.seqs
        seq = seqs.get(kind, 0)
        seqs[kind] = seq + 1
        reading = clock.read(at_us)
        run = TargetRun(
            kind, self.cycle, seq, target, basis, budget_us, at_us, reading, clock, pausable
        )
        if pausable and self.state is _AWAITING_CUSTOMER:
            # `run.pause(at_us)` inlined: a new run is neither paused nor ended.
            run.pause_start_us = at_us
            run.pause_start_c = reading
        self.runs.append(run)
        self.live.append(run)

    def _running(self, kind: TargetKind) -> list[TargetRun]:
        return [r for r in self.live if r.kind is kind]

    def _achieve(self, kind: TargetKind, at_us: int) -> None:
        ended = False
        for run in self.live:
            if run.kind is kind:
                run.end(at_us, achieved=True)
                ended = True
        if ended:
            self.live = [r for r in self.live if r.end_us is None]

    def _contacted(self, at_us: int) -> None:
        """A contact meets the running first-response and progress-update runs."""
        live = self.live
        ended = False
        for run in live:
            kind = run.kind
            if kind is _FIRST_RESPONSE or kind is _PROGRESS_UPDATE:
                # `run.end(at_us, achieved=True)` inlined (a live run has not ended): most
                # events are contacts.
                if run.pause_start_us is not None:
                    run.resume(at_us)
                run.end_us = at_us
                run.achieved = True
                run.counted_end = run.clock.read(at_us) - run.start_c - run.paused_c
                ended = True
        if ended:
            self.live = [r for r in live if r.end_us is None]

    def _stop_all(self, at_us: int, *, keep: TargetKind | None = None) -> None:
        for run in self.live:
            if run.kind is not keep:
                run.end(at_us, achieved=False)
        self.live = [r for r in self.live if r.end_us is None]

    def _refuse(
        self, action: str, reason: str = "", *, at_us: int | None = None
    ) -> IllegalTransitionError:
        """The error for a refused move; `allowed` drops `reopen` once its window has passed."""
        allowed = TRANSITIONS[self.state]
        if at_us is not None and self.state in _CLOSED and not self._in_window(at_us):
            allowed = allowed - {"reopen"}
        return IllegalTransitionError(self.state.value, action, allowed, reason=reason)

    # -- the fold ----------------------------------------------------------------

    def step(self, event: CaseEvent) -> None:
        if self.registration is None:
            self._register(event)
            return
        # The event classes themselves skip the duck-typing checks: their action is a constant.
        move = _MOVES.get(type(event))
        if move is None:
            action = getattr(event, "action", None)
            if not isinstance(action, str) or isinstance(event, Registered):
                if isinstance(event, Registered):
                    raise self._refuse("register", "the case is already registered")
                raise ValidationError(
                    f"{type(event).__name__} is not a case event",
                    field="event",
                    rule="not_an_event",
                )
            _, contact, handler = _move_of(event)
            at = require_aware(event.at, "at")
        else:
            action, contact, handler = move
            # An instance of an event class had `at` checked (aware, canonical) when made.
            at = event.at
        try:
            since = datetime.__sub__(at, EPOCH)  # to_epoch_us of an aware datetime, inlined:
        except TypeError:  # naive, or no datetime: only an event forced past its checks
            require_aware(at, "at")
            raise
        # the timedelta's parts in integers cost half a `timedelta // ONE_US`.
        at_us = (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
        if at_us < self.last_us:
            registered = self.registration.at
            # As instants: one zone's datetimes compare by wall time, fold ignored.
            early = at_us < to_epoch_us(registered)
            rule, what = (
                ("before_registration", "the registration")
                if early
                else ("out_of_order", "the previous event")
            )
            raise ValidationError(
                f"{action} at {at.isoformat()} is earlier than {what} "
                f"({(registered if early else self.last_at or registered).isoformat()})",
                field="at",
                rule=rule,
            )
        if action not in TRANSITIONS[self.state]:
            raise self._refuse(action, at_us=at_us)
        previous = self.state
        if contact:
            self._contacted(at_us)
        handler(self, event, at, at_us)
        if contact and self.state in _OPEN_UNRESOLVED:
            for run in self.live:
                if run.kind is _PROGRESS_UPDATE:
                    break
            else:
                self._start(_PROGRESS_UPDATE, at_us)
        if previous is _AWAITING_CUSTOMER and self.state is not _AWAITING_CUSTOMER:
            self._resume_all(at_us)
        if self.state is _AWAITING_CUSTOMER and previous is not _AWAITING_CUSTOMER:
            self._pause_all(at_us)
        self.last_us = at_us
        self.last_at = at

    def fold(self, events: Iterable[CaseEvent]) -> None:
        """`step` each event in turn; the events of `_SIMPLE` classes by a shorter path.

        The shorter path exists because a replay folds about ten events a case,
        most of them contacts, replies and waits: it reads the next state from a
        table instead of calling a handler, and keeps the fold's constants in
        locals. Anything it does not expect (the registration, a subclass, a
        naive or out-of-order instant, a refused move) goes to `step`, before
        any change, which raises or moves exactly as it always does.
        """
        simple = _SIMPLE
        transitions = TRANSITIONS
        subtract = datetime.__sub__
        epoch = EPOCH
        progress = self.plan.get(_PROGRESS_UPDATE)
        remaining = iter(events)
        if self.registration is None:
            for first in remaining:  # registers, or raises: the loop below is registered
                self.step(first)
                break
        for event in remaining:
            move = simple.get(type(event))
            if move is None:
                self.step(event)
                continue
            action, contact, moves = move
            at = event.at
            try:
                since = subtract(at, epoch)
            except TypeError:  # naive, or no datetime: `step` raises the typed error
                self.step(event)
                continue
            at_us = (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
            previous = self.state
            if at_us < self.last_us or action not in transitions[previous]:
                self.step(event)  # raises the typed error
                continue
            state = self.state = moves[previous]
            # The reading of the last clock read at `at_us`: the runs mostly share one clock.
            read_by: Clock | None = None
            now_c = 0
            live = self.live
            if contact:
                # `_contacted`, with `run.end` inlined (a live run has not ended).
                ended = False
                for run in live:
                    kind = run.kind
                    if kind is _FIRST_RESPONSE or kind is _PROGRESS_UPDATE:
                        if run.pause_start_us is not None:
                            run.resume(at_us)
                        clock = run.clock
                        if clock is not read_by:
                            read_by, now_c = clock, clock.read(at_us)
                        run.end_us = at_us
                        run.achieved = True
                        run.counted_end = now_c - run.start_c - run.paused_c
                        ended = True
                if ended:
                    live = self.live = [r for r in live if r.end_us is None]
                # That ended every progress-update run, and a state move starts none, so the
                # check of `step` for a running one always fails here: `_start` inlined.
                if state in _OPEN_UNRESOLVED and progress is not None:
                    target, clock, pausable, budget = progress
                    seqs = self.seqs
                    seq = seqs.get(_PROGRESS_UPDATE, 0)
                    seqs[_PROGRESS_UPDATE] = seq + 1
                    if clock is not read_by:
                        read_by, now_c = clock, clock.read(at_us)
                    run = TargetRun(
                        _PROGRESS_UPDATE,
                        self.cycle,
                        seq,
                        target,
                        target.basis,
                        budget,
                        at_us,
                        now_c,
                        clock,
                        pausable,
                    )
                    if pausable and state is _AWAITING_CUSTOMER:
                        run.pause_start_us = at_us
                        run.pause_start_c = now_c
                    self.runs.append(run)
                    live.append(run)
            if previous is not state:
                if previous is _AWAITING_CUSTOMER:
                    # `_resume_all`, with `run.resume` inlined: each reply resumes.
                    awaiting = self.awaiting
                    awaiting[-1] = (awaiting[-1][0], at_us)
                    for run in live:
                        pause_start_us = run.pause_start_us
                        if pause_start_us is not None:
                            clock = run.clock
                            if clock is not read_by:
                                read_by, now_c = clock, clock.read(at_us)
                            start_c = run.pause_start_c
                            run.pauses.append((start_c, now_c))
                            run.paused_c += now_c - start_c
                            run.paused_us += at_us - pause_start_us
                            run.pause_start_us = None
                elif state is _AWAITING_CUSTOMER:
                    # `_pause_all`, with `run.pause` inlined: each wait pauses.
                    self.awaiting.append((at_us, None))
                    for run in live:
                        if run.pausable and run.pause_start_us is None:
                            clock = run.clock
                            if clock is not read_by:
                                read_by, now_c = clock, clock.read(at_us)
                            run.pause_start_us = at_us
                            run.pause_start_c = now_c
            self.last_us = at_us
            self.last_at = at

    def _resume_all(self, at_us: int) -> None:
        """The case stops awaiting the customer: close the wait, resume the paused runs."""
        start, _ = self.awaiting[-1]
        self.awaiting[-1] = (start, at_us)
        for run in self.live:
            pause_start_us = run.pause_start_us
            if pause_start_us is not None:  # `run.resume(at_us)` inlined: each reply resumes
                end_c = run.clock.read(at_us)
                start_c = run.pause_start_c
                run.pauses.append((start_c, end_c))
                run.paused_c += end_c - start_c
                run.paused_us += at_us - pause_start_us
                run.pause_start_us = None

    def _pause_all(self, at_us: int) -> None:
        """The case starts awaiting the customer: open a wait, pause the pausable runs."""
        self.awaiting.append((at_us, None))
        for run in self.live:
            if run.pausable and run.pause_start_us is None:
                # `run.pause(at_us)` inlined (a live run has not ended): each wait pauses.
                run.pause_start_us = at_us
                run.pause_start_c = run.clock.read(at_us)

    def _register(self, event: CaseEvent) -> None:
        if not isinstance(event, Registered):
            raise IllegalTransitionError(
                "unregistered",
                getattr(event, "action", type(event).__name__),
                ("register",),
                reason="a case log starts with its registration",
            )
        policy = self.policy
        if (
            event.policy_id != policy.id
            or event.policy_version != policy.version
            or event.kind is not policy.kind
        ):  # the collector only when something is wrong: a replay registers every case
            self._refuse_registration(event)
        self.registration = event
        self.assignee = event.assignee
        at_us = to_epoch_us(event.at)
        self.last_us = at_us
        self.last_at = event.at
        self._start(_MANAGEMENT_REPORT, at_us)
        if event.reply_by is not None:
            budget = to_epoch_us(event.reply_by) - at_us
            self._start(_FIRST_RESPONSE, at_us, budget_us=budget)
        else:
            self._start(_FIRST_RESPONSE, at_us)
        self._start(_RESOLUTION, at_us)

    def _refuse_registration(self, event: Registered) -> None:
        """Raise every way in which `event` does not fit the fold's policy."""
        policy = self.policy
        problems = ViolationCollector()
        if (event.policy_id, event.policy_version) != (policy.id, policy.version):
            problems.add(
                "policy_version",
                "policy_mismatch",
                f"the case was registered under {event.policy_id!r} version "
                f"{event.policy_version}, not {policy.id!r} version {policy.version}",
            )
        if event.kind is not policy.kind:
            problems.add(
                "kind",
                "policy_kind",
                f"a {policy.kind.value} policy cannot run a {event.kind.value}",
            )
        problems.raise_if_any()

    # -- one method per event class (see `_MOVES`) ---------------------------------

    def on_contacted(self, _event: ev.CustomerContacted, _at: datetime, _at_us: int) -> None:
        if self.state is _REGISTERED:
            self.state = _ACKNOWLEDGED

    def on_replied(self, _event: ev.CustomerReplied, _at: datetime, _at_us: int) -> None:
        if self.state is _AWAITING_CUSTOMER:
            self.state = _INVESTIGATING

    def on_investigating(self, _event: ev.InvestigationStarted, _at: datetime, _at_us: int) -> None:
        self.state = _INVESTIGATING

    def on_awaiting(self, _event: ev.AwaitingCustomer, _at: datetime, _at_us: int) -> None:
        self.state = _AWAITING_CUSTOMER

    def on_proposed(self, event: ev.ResolutionProposed, _at: datetime, _at_us: int) -> None:
        self.offered_remedy = _has_remedy(event.remedy, event.compensation)
        self.offered_apology = event.apology
        self.state = _RESOLUTION_PROPOSED

    def on_declined(self, _event: ev.ProposalDeclined, _at: datetime, _at_us: int) -> None:
        self.offered_remedy = self.offered_apology = False
        self.state = _INVESTIGATING

    def on_resolved(self, event: Resolved, at: datetime, at_us: int) -> None:
        self._check_remedy(event)
        self._achieve(_RESOLUTION, at_us)
        for run in self._running(_PROGRESS_UPDATE):
            run.end(at_us, achieved=False)
        self.live = [r for r in self.live if r.end_us is None]
        self.state = _RESOLVED
        self.resolved_at, self.resolved_us = at, at_us
        self._start(_FOLLOW_UP, at_us)

    def on_follow_up_scheduled(
        self, _event: ev.FollowUpScheduled, _at: datetime, _at_us: int
    ) -> None:
        self.state = _FOLLOW_UP_PENDING

    def on_followed_up(self, event: ev.FollowedUp, at: datetime, at_us: int) -> None:
        self._achieve(_FOLLOW_UP, at_us)
        if event.satisfied:
            self._close(_CLOSED_SATISFIED, at, at_us)
        elif at_us - self.resolved_us <= self._window_us():
            self._reopen(at_us)
        else:
            self._close(_CLOSED_UNRESOLVED, at, at_us)

    def on_reopened(self, _event: ev.Reopened, _at: datetime, at_us: int) -> None:
        if not self._in_window(at_us):
            raise self._refuse(
                "reopen",
                f"the reopen window of {self.policy.reopen_window} after closing has passed",
                at_us=at_us,
            )
        self._reopen(at_us)

    def on_closed_unresolved(self, _event: ev.ClosedUnresolved, at: datetime, at_us: int) -> None:
        self._close(_CLOSED_UNRESOLVED, at, at_us)

    def on_withdrawn(self, _event: ev.Withdrawn, at: datetime, at_us: int) -> None:
        self._close(_WITHDRAWN, at, at_us)

    def on_merged(self, event: ev.Merged, at: datetime, at_us: int) -> None:
        assert self.registration is not None  # noqa: S101 - registered above
        if event.into == self.registration.case_id:
            raise ValidationError(
                "a case cannot be merged into itself", field="into", rule="self_merge"
            )
        self._close(_MERGED, at, at_us)

    def on_assigned(self, event: ev.Assigned, _at: datetime, _at_us: int) -> None:
        self.assignee = event.to

    def on_reported(self, _event: ev.ReportedToManagement, _at: datetime, at_us: int) -> None:
        self._achieve(_MANAGEMENT_REPORT, at_us)

    def on_other(self, event: object, _at: datetime, _at_us: int) -> None:
        """An object that only looks like an event moves nothing."""

    def _window_us(self) -> int:
        return self.policy.reopen_window // ONE_US

    def _in_window(self, at_us: int) -> bool:
        """Whether a closed case may still be reopened at `at_us`."""
        return at_us - self.closed_us <= self._window_us()

    def _check_remedy(self, event: Resolved) -> None:
        if not event.substantiated:
            return
        problems = ViolationCollector()
        remedy = _has_remedy(event.remedy, event.compensation) or self.offered_remedy
        if not remedy:
            problems.add(
                "remedy",
                "remedy_required",
                "a substantiated complaint is resolved only with a recorded remedy (not blank) "
                "or a compensation above zero",
            )
        if not (event.apology or self.offered_apology):
            problems.add(
                "apology", "apology_required", "a substantiated complaint needs an apology"
            )
        problems.raise_if_any()

    def _close(self, state: CaseState, at: datetime, at_us: int) -> None:
        self._stop_all(at_us)
        self.state = state
        self.closed_at, self.closed_us = at, at_us

    def _reopen(self, at_us: int) -> None:
        # Management must still be told: its report stops only when the case
        # closes, is withdrawn or merged (an unsatisfied follow-up reopens an
        # open case, so the report may still be running).
        self._stop_all(at_us, keep=_MANAGEMENT_REPORT)
        self.cycle += 1
        self.state = _INVESTIGATING
        self.offered_remedy = self.offered_apology = False
        self._start(_RESOLUTION, at_us)
        self._start(_PROGRESS_UPDATE, at_us)

    def finish(self) -> None:
        if self.registration is None:
            raise ValidationError(
                "a case needs at least its registration event", field="events", rule="empty"
            )
        for run in self.live:  # an ended run has nothing to settle (see `TargetRun.settle`)
            run.settle()


_Plan = dict[TargetKind, tuple[SlaTarget, Clock, bool, int]]
# The plan of the last policy folded, replaced whole: replaying many cases of one
# policy builds it once. Its clocks only memoise readings, so folds may share them.
_last_plan: tuple[SlaPolicy, _Plan] | None = None


def _plan_of(policy: SlaPolicy) -> _Plan:
    """Per target kind: the target, its counting clock, pausable, and budget in microseconds."""
    global _last_plan  # noqa: PLW0603 - a one-entry cache, replaced whole
    last = _last_plan
    if last is not None and last[0] is policy:
        return last[1]
    clocks: dict[tuple[TimeBasis, int], Clock] = {}
    plan: _Plan = {}
    for t in policy.targets:
        clock = clocks.get((t.basis, id(t.calendar)))
        if clock is None:
            clock = clocks[t.basis, id(t.calendar)] = Clock(t.calendar, t.basis)
        plan[t.kind] = (t, clock, t.pauses_for_customer, t.within // ONE_US)
    _last_plan = (policy, plan)
    return plan


_Handler = Callable[[_Fold, Any, datetime, int], None]

# Per event class (dispatched on the exact class, one dict lookup instead of a chain of
# isinstance tests): its action, whether it is a contact with the customer, and its move.
_MOVES: dict[type, tuple[str, bool, _Handler]] = {
    ev.CustomerContacted: (ev.CustomerContacted.action, True, _Fold.on_contacted),
    ev.CustomerReplied: (ev.CustomerReplied.action, False, _Fold.on_replied),
    ev.InvestigationStarted: (ev.InvestigationStarted.action, False, _Fold.on_investigating),
    ev.AwaitingCustomer: (ev.AwaitingCustomer.action, True, _Fold.on_awaiting),
    ev.ResolutionProposed: (ev.ResolutionProposed.action, True, _Fold.on_proposed),
    ev.ProposalDeclined: (ev.ProposalDeclined.action, False, _Fold.on_declined),
    Resolved: (Resolved.action, True, _Fold.on_resolved),
    ev.FollowUpScheduled: (ev.FollowUpScheduled.action, False, _Fold.on_follow_up_scheduled),
    ev.FollowedUp: (ev.FollowedUp.action, True, _Fold.on_followed_up),
    ev.Reopened: (ev.Reopened.action, False, _Fold.on_reopened),
    ev.ClosedUnresolved: (ev.ClosedUnresolved.action, False, _Fold.on_closed_unresolved),
    ev.Withdrawn: (ev.Withdrawn.action, False, _Fold.on_withdrawn),
    ev.Merged: (ev.Merged.action, False, _Fold.on_merged),
    ev.Assigned: (ev.Assigned.action, False, _Fold.on_assigned),
    ev.ReportedToManagement: (ev.ReportedToManagement.action, False, _Fold.on_reported),
}
assert {cls for cls, (_, contact, _) in _MOVES.items() if contact} == set(_CONTACTS)  # noqa: S101


def _moves_to(target: CaseState | None, **only: CaseState) -> dict[CaseState, CaseState]:
    """Per state, the next one: `target` from every state, or `only` the named ones."""
    return {state: target or only.get(state.name.lower(), state) for state in CaseState}


# The event classes whose handler only moves the state, with the table of that move
# (`_Fold.fold` reads it instead of calling the handler; see the handlers above).
_SIMPLE: dict[type, tuple[str, bool, dict[CaseState, CaseState]]] = {
    ev.CustomerContacted: (
        ev.CustomerContacted.action,
        True,
        _moves_to(None, registered=_ACKNOWLEDGED),
    ),
    ev.CustomerReplied: (
        ev.CustomerReplied.action,
        False,
        _moves_to(None, awaiting_customer=_INVESTIGATING),
    ),
    ev.InvestigationStarted: (ev.InvestigationStarted.action, False, _moves_to(_INVESTIGATING)),
    ev.AwaitingCustomer: (ev.AwaitingCustomer.action, True, _moves_to(_AWAITING_CUSTOMER)),
    ev.FollowUpScheduled: (ev.FollowUpScheduled.action, False, _moves_to(_FOLLOW_UP_PENDING)),
}
assert all(_MOVES[cls][:2] == move[:2] for cls, move in _SIMPLE.items())  # noqa: S101


def _move_of(event: object) -> tuple[str, bool, _Handler]:
    """The move of an instance of a subclass of an event class; none for anything else."""
    for cls, move in _MOVES.items():
        if isinstance(event, cls):
            return move
    return ("", False, _Fold.on_other)


def _has_remedy(remedy: str | None, compensation: Money | None) -> bool:
    """Whether a remedy (non-blank text) or a compensation above zero was given."""
    return (isinstance(remedy, str) and bool(remedy.strip())) or (
        compensation is not None and compensation.amount > 0
    )


def register(
    book: PolicyBook,
    *,
    case_id: str,
    at: datetime,
    kind: CaseKind,
    channel: str,
    customer_id: str,
    contact: str,
    content: str,
    severity: Severity = Severity.NORMAL,
    category: str = "general",
    by: str = "front-desk",
    assignee: str | None = None,
    reply_by: datetime | None = None,
) -> Case:
    """Register a new case under the newest policy the book selects for its kind and severity.

    Args:
        book: The club's policies and accepted channels.
        case_id: The new case's id.
        at: When the complaint came in (aware).
        kind: Complaint, safety incident or promised reply.
        channel: Where it came in; checked against the book's channels.
        customer_id: Who complained.
        contact: How to reach them (kept out of `repr` and errors).
        content: What they said (kept out of `repr` and errors).
        severity: Selects the policy together with `kind`.
        category: A label for analysis.
        by: Who registered it.
        assignee: Who owns it, if known.
        reply_by: For a promised reply, the promised time.

    Returns:
        The registered case (version 1).

    Raises:
        ValidationError: a required field is missing or blank, `at` is
            naive, the channel is unknown to a restricting book; all
            problems together.
        NotFoundError: the book has no policy for this kind and severity.
    """
    require_instance(book, PolicyBook, "book")
    book.check_channel(channel)
    policy = book.select(kind, severity)
    event = Registered(
        case_id=case_id,
        at=at,
        kind=kind,
        channel=channel,
        customer_id=customer_id,
        contact=contact,
        content=content,
        policy_id=policy.id,
        policy_version=policy.version,
        severity=severity,
        category=category,
        by=by,
        assignee=assignee,
        reply_by=reply_by,
    )
    return Case(policy, (event,))


def apply(case: Case, event: CaseEvent) -> Case:
    """The case after `event`: a new `Case`; `case` is unchanged.

    Raises:
        IllegalTransitionError: the event's action is not allowed in the
            case's state (the error lists the allowed ones), or a guard
            refuses it (a reopen after the window).
        ValidationError: the event is dated before the registration
            (`before_registration`) or before the previous event
            (`out_of_order`), or a substantiated complaint is resolved
            without a remedy or compensation (`remedy_required`) or without
            an apology (`apology_required`).
    """
    require_instance(case, Case, "case")
    return Case(case.policy, (*case.events, event))


_SEQUENCES = (list, tuple)


def replay(events: Iterable[CaseEvent], book: PolicyBook) -> Case:
    """Rebuild a case from its stored log, under the policy version it was registered with.

    Raises:
        NotFoundError: the book lacks the recorded policy version.
        ValidationError, IllegalTransitionError: the log is not a valid history.
    """
    require_instance(book, PolicyBook, "book")
    # A list or tuple is iterable and holds objects: `require_items(events, object, ...)`
    # would only copy it (decoded logs are lists).
    log = cast(
        "tuple[CaseEvent, ...]",
        tuple(events) if type(events) in _SEQUENCES else require_items(events, object, "events"),
    )
    first = log[0] if log else None
    if not isinstance(first, Registered):
        raise ValidationError(
            "a case log starts with its Registered event", field="events", rule="no_registration"
        )
    return Case(book.get(first.policy_id, first.policy_version), log)
