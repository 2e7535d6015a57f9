"""Complaints suite: SLA status of open cases, and the monthly analysis of closed ones.

- SLA status for 100,000 open cases on business-hours policies, with logs of
  about 10 events each (goal: under 2 s). Anchor: the same statuses computed
  per target through the calendar's datetime API (`business_time_between`,
  `add_business_time`), the obvious way, timed on 10,000 cases.
- Monthly analysis over 1,000,000 closed cases (goal: no slower than the
  anchor). Anchor: pandas, building its frames from the same `CaseFacts` and
  computing the same figures: cases, open breaches, achieved, breached,
  timeliness rate, median and p90 of both response times, overall and by
  month, staff, channel and category, and the repeat complainants (customers
  with at least two complaints, most first, then by id). The groupby alone,
  on frames built beforehand, is a second row.
- Replaying the same 100,000 open-case logs (about 10.5 events each) into
  cases (goal: at least 4x the anchor). Anchor: the same case as an
  `eventsourcing` aggregate, with the same events, transition table and
  guards, in its POPO application, read back with `repository.get` from its
  recorder; clubrules replays from `InMemoryComplaintRepository`. A second
  row times the folds alone, on events decoded beforehand. Both sides' final
  states (state, assignee, version, cycle, instants, waits) are checked
  equal before timing. The clubrules case also keeps its SLA target runs,
  which the anchor does not.
"""

# The anchor aggregate's commands take every field of their event, used or not.
# ruff: noqa: ARG002

from __future__ import annotations

import importlib.metadata
import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import pandas as pd
from eventsourcing.application import Application, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.domain import event as es_event

from benchmarks._harness import Row, best_of, best_of_pair
from clubrules._time import to_epoch_us
from clubrules.calendar import BusinessCalendar
from clubrules.complaints import (
    SEED_CHANNELS,
    TRANSITIONS,
    AwaitingCustomer,
    Case,
    CaseEvent,
    CaseFacts,
    CaseKind,
    CaseState,
    ClosedUnresolved,
    CustomerContacted,
    CustomerReplied,
    Escalation,
    InvestigationStarted,
    Merged,
    PolicyBook,
    Registered,
    Reopened,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TimeBasis,
    Withdrawn,
    analyse,
    replay,
    sla_status,
)
from clubrules.complaints._metrics import _month_starts
from clubrules.money import Money
from clubrules.storage.memory import InMemoryComplaintRepository

if TYPE_CHECKING:
    from collections.abc import Sequence
    from decimal import Decimal

SUITE = "complaints"
TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)
HOUR_US = 3_600_000_000


def club_calendar() -> BusinessCalendar:
    return BusinessCalendar(
        "Asia/Shanghai",
        weekly=dict.fromkeys(range(6), "10:00-14:00, 15:00-22:00") | {6: "10:00-18:00"},
        holidays={date(2026, 2, 16) + timedelta(days=i): "Spring Festival" for i in range(7)},
        extra_working_days={date(2026, 2, 14)},
        holiday_years=frozenset(),
    )


def business_policy(calendar: BusinessCalendar) -> SlaPolicy:
    def target(kind: TargetKind, hours: int) -> SlaTarget:
        return SlaTarget(
            kind,
            timedelta(hours=hours),
            TimeBasis.BUSINESS,
            calendar,
            escalation=Escalation("cs_supervisor"),
        )

    return SlaPolicy(
        "bench",
        1,
        CaseKind.COMPLAINT,
        [
            target(TargetKind.FIRST_RESPONSE, 24),
            target(TargetKind.PROGRESS_UPDATE, 24),
            target(TargetKind.RESOLUTION, 7 * 11),
            target(TargetKind.FOLLOW_UP, 36),
        ],
    )


def open_cases(n: int, policy: SlaPolicy, seed: int = 7) -> list[Case]:
    """`n` open cases with logs of about 10 events, registered over 8 weeks."""
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        at = T0 + timedelta(minutes=rng.randrange(8 * 7 * 24 * 60))
        events: list[CaseEvent] = [
            Registered(
                case_id=f"k-{i}",
                at=at,
                kind=CaseKind.COMPLAINT,
                channel=rng.choice(SEED_CHANNELS),
                customer_id=f"c-{rng.randrange(n // 3 + 1)}",
                contact="x",
                content="y",
                policy_id=policy.id,
                policy_version=policy.version,
                assignee=f"s-{rng.randrange(20)}",
            )
        ]

        def tick() -> datetime:
            nonlocal at
            at = at + timedelta(minutes=rng.randrange(10, 600))
            return at

        events.append(CustomerContacted(at=tick(), by="s-1", channel="phone"))
        events.append(InvestigationStarted(at=tick(), by="s-1"))
        for _ in range(3):
            events.append(AwaitingCustomer(at=tick(), by="s-1", channel="wechat"))
            events.append(CustomerReplied(at=tick(), channel="wechat"))
        events.append(CustomerContacted(at=tick(), by="s-1", channel="phone"))
        if rng.random() < 0.5:
            events.append(AwaitingCustomer(at=tick(), by="s-1", channel="wechat"))
        cases.append(Case(policy, tuple(events)))
    return cases


def anchor_status(case: Case, now: datetime) -> list[tuple[Any, ...]]:
    """The obvious way: per target, datetime arithmetic on the calendar for every pause."""
    out = []
    awaiting = []
    start = None
    for event in case.events:
        if isinstance(event, AwaitingCustomer):
            start = event.at
        elif isinstance(event, CustomerReplied) and start is not None:
            awaiting.append((start, event.at))
            start = None
    if start is not None:
        awaiting.append((start, now))
    first_contact = next(e.at for e in case.events if isinstance(e, CustomerContacted))
    for target in case.policy.targets:
        calendar = target.calendar
        assert calendar is not None
        if target.kind is TargetKind.FIRST_RESPONSE:
            begin, end = case.registered_at, first_contact
        elif target.kind is TargetKind.RESOLUTION:
            begin, end = case.registered_at, now
        else:
            continue
        paused = timedelta(0)
        for a, b in awaiting:
            if target.pauses_for_customer and a < end:
                paused += calendar.business_time_between(max(a, begin), min(b, end))
        elapsed = calendar.business_time_between(begin, end) - paused
        due = calendar.add_business_time(begin, target.within + paused)
        out.append((target.kind, elapsed, due, elapsed > target.within))
    return out


def _status_rows(n: int, anchor_n: int) -> list[Row]:
    calendar = club_calendar()
    policy = business_policy(calendar)
    cases = open_cases(n, policy)
    now = max(c.events[-1].at for c in cases) + timedelta(hours=1)
    logs = [c.events for c in cases]

    def run_status() -> None:
        for case in cases:
            sla_status(case, now)

    sample = cases[:anchor_n]

    def run_sample() -> None:
        for case in sample:
            sla_status(case, now)

    def run_anchor() -> None:
        for case in sample:
            anchor_status(case, now)

    events = sum(len(log) for log in logs) / n
    return [
        Row(
            SUITE,
            "SLA status, open cases (goal < 2 s)",
            n,
            best_of(run_status),
            "-",
            None,
            f"{events:.1f} events/case, 4 business-time targets",
        ),
        Row(
            SUITE,
            "SLA status (vs datetime API)",
            anchor_n,
            best_of(run_sample),
            "BusinessCalendar datetime API",
            best_of(run_anchor, repeat=1),
            "anchor: first response + resolution only",
        ),
        *_replay_rows(policy, logs),
    ]


def _replay_rows(policy: SlaPolicy, logs: list[tuple[CaseEvent, ...]]) -> list[Row]:
    """Replay the same logs with clubrules and with an `eventsourcing` aggregate."""
    book = PolicyBook([policy])
    repo = InMemoryComplaintRepository()
    app = EsComplaints()
    case_ids = []
    es_ids = []
    for log in logs:
        first = log[0]
        assert isinstance(first, Registered)
        repo.append(first.case_id, 0, log)
        case_ids.append(first.case_id)
        es_ids.append(app.record(policy, log))
    es_logs = [list(app.events.get(uid)) for uid in es_ids]

    def run_club_store() -> None:
        for case_id in case_ids:
            replay(repo.events(case_id), book)

    def run_es_store() -> None:
        get = app.repository.get
        for uid in es_ids:
            get(uid)

    def run_club_fold() -> None:
        for log in logs:
            replay(log, book)

    def run_es_fold() -> None:
        for events in es_logs:
            project_aggregate(None, events)

    # Equal final states, from both stores and from both folds, before any timing.
    for case_id, uid, log, events in zip(case_ids, es_ids, logs, es_logs, strict=True):
        ours = case_state(replay(repo.events(case_id), book))
        assert ours == case_state(replay(log, book))
        theirs: EsCase = app.repository.get(uid)
        assert isinstance(theirs, EsCase)
        assert ours == es_state(theirs), case_id
        folded: EsCase | None = project_aggregate(None, events)
        assert isinstance(folded, EsCase)
        assert ours == es_state(folded), case_id
    n = len(logs)
    anchor = f"eventsourcing {_es_version()} aggregate"
    # Alternating rounds, so that both sides meet the same load on a shared machine.
    t_club_store, t_es_store = best_of_pair(run_club_store, run_es_store, repeat=2)
    t_club_fold, t_es_fold = best_of_pair(run_club_fold, run_es_fold, repeat=2)
    return [
        Row(
            SUITE,
            "replay from the in-memory store",
            n,
            t_club_store,
            f"{anchor}, POPO application",
            t_es_store,
            "InMemoryComplaintRepository vs repository.get from the POPO recorder",
        ),
        Row(
            SUITE,
            "replay, fold of decoded events only",
            n,
            t_club_fold,
            f"{anchor}, project_aggregate",
            t_es_fold,
            "clubrules also keeps 4 business-time SLA target runs",
        ),
    ]


def _es_version() -> str:
    return importlib.metadata.version("eventsourcing")


# -- the event-sourcing anchor ---------------------------------------------------------------
# The same case as an `eventsourcing` aggregate, as an integrator would write it: the same
# events with the same fields, the same transition table, order check and guards (reopen
# window, remedy and apology, self-merge). It keeps the case's state, not its SLA target runs.

_ES_ALLOWED = {state.value: actions for state, actions in TRANSITIONS.items()}
_ES_AWAITING = CaseState.AWAITING_CUSTOMER.value
_ES_OPEN_WORK = frozenset(
    s.value
    for s in (
        CaseState.ACKNOWLEDGED,
        CaseState.INVESTIGATING,
        CaseState.RESOLUTION_PROPOSED,
    )
)


def _us(at: datetime) -> int:
    return to_epoch_us(at)


class EsCase(Aggregate):
    """A complaint case as an `eventsourcing` aggregate (the anchor of the replay rows)."""

    @staticmethod
    def create_id(case_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, case_id)

    @es_event("Registered")
    def __init__(
        self,
        *,
        case_id: str,
        at: datetime,
        kind: str,
        channel: str,
        customer_id: str,
        contact: str,
        content: str,
        policy_id: str,
        policy_version: int,
        severity: str,
        category: str,
        by: str,
        assignee: str | None,
        reopen_window_us: int,
    ) -> None:
        self.case_id = case_id
        self.kind = kind
        self.channel = channel
        self.customer_id = customer_id
        self.category = category
        self.severity = severity
        self.registered_us = _us(at)
        self.reopen_window_us = reopen_window_us
        self.state = CaseState.REGISTERED.value
        self.assignee = assignee
        self.cycle = 0
        self.resolved_us: int | None = None
        self.closed_us: int | None = None
        self.last_us = self.registered_us
        self.awaiting: list[tuple[int, int | None]] = []
        self.offered_remedy = False
        self.offered_apology = False

    def _move(self, action: str, at: datetime) -> int:
        at_us = _us(at)
        if at_us < self.last_us:
            raise ValueError(f"{action} is earlier than the previous event")
        if action not in _ES_ALLOWED[self.state]:
            raise ValueError(f"{action} is not allowed in {self.state}")
        self.last_us = at_us
        return at_us

    def _enter(self, state: str, at_us: int) -> None:
        if self.state == _ES_AWAITING and state != _ES_AWAITING:
            self.awaiting[-1] = (self.awaiting[-1][0], at_us)
        elif state == _ES_AWAITING and self.state != _ES_AWAITING:
            self.awaiting.append((at_us, None))
        self.state = state

    def _close(self, state: CaseState, at_us: int) -> None:
        self._enter(state.value, at_us)
        self.closed_us = at_us

    def _reopen(self, at_us: int) -> None:
        self._enter(CaseState.INVESTIGATING.value, at_us)
        self.cycle += 1
        self.offered_remedy = self.offered_apology = False

    @es_event("CustomerContacted")
    def contact_customer(self, *, at: datetime, by: str, channel: str, note: str) -> None:
        at_us = self._move("contact_customer", at)
        if self.state == CaseState.REGISTERED.value:
            self._enter(CaseState.ACKNOWLEDGED.value, at_us)

    @es_event("CustomerReplied")
    def customer_replied(self, *, at: datetime, channel: str, note: str) -> None:
        at_us = self._move("customer_replied", at)
        if self.state == _ES_AWAITING:
            self._enter(CaseState.INVESTIGATING.value, at_us)

    @es_event("InvestigationStarted")
    def start_investigation(self, *, at: datetime, by: str) -> None:
        self._enter(CaseState.INVESTIGATING.value, self._move("start_investigation", at))

    @es_event("AwaitingCustomer")
    def await_customer(self, *, at: datetime, by: str, channel: str, question: str) -> None:
        self._enter(_ES_AWAITING, self._move("await_customer", at))

    @es_event("ResolutionProposed")
    def propose_resolution(
        self,
        *,
        at: datetime,
        by: str,
        channel: str,
        remedy: str | None,
        compensation: Decimal | None,
        apology: bool,
    ) -> None:
        at_us = self._move("propose_resolution", at)
        self.offered_remedy = _es_remedy(remedy, compensation)
        self.offered_apology = apology
        self._enter(CaseState.RESOLUTION_PROPOSED.value, at_us)

    @es_event("ProposalDeclined")
    def decline_proposal(self, *, at: datetime, channel: str, note: str) -> None:
        at_us = self._move("decline_proposal", at)
        self.offered_remedy = self.offered_apology = False
        self._enter(CaseState.INVESTIGATING.value, at_us)

    @es_event("Resolved")
    def resolve(
        self,
        *,
        at: datetime,
        by: str,
        channel: str,
        substantiated: bool,
        remedy: str | None,
        compensation: Decimal | None,
        apology: bool,
    ) -> None:
        at_us = self._move("resolve", at)
        if substantiated and not (_es_remedy(remedy, compensation) or self.offered_remedy):
            raise ValueError("a substantiated complaint needs a remedy")
        if substantiated and not (apology or self.offered_apology):
            raise ValueError("a substantiated complaint needs an apology")
        self._enter(CaseState.RESOLVED.value, at_us)
        self.resolved_us = at_us

    @es_event("FollowUpScheduled")
    def schedule_follow_up(self, *, at: datetime, by: str, planned_for: datetime) -> None:
        self._enter(CaseState.FOLLOW_UP_PENDING.value, self._move("schedule_follow_up", at))

    @es_event("FollowedUp")
    def follow_up(self, *, at: datetime, by: str, channel: str, satisfied: bool, note: str) -> None:
        at_us = self._move("follow_up", at)
        assert self.resolved_us is not None
        if satisfied:
            self._close(CaseState.CLOSED_SATISFIED, at_us)
        elif at_us - self.resolved_us <= self.reopen_window_us:
            self._reopen(at_us)
        else:
            self._close(CaseState.CLOSED_UNRESOLVED, at_us)

    @es_event("Reopened")
    def reopen(self, *, at: datetime, by: str, reason: str) -> None:
        at_us = self._move("reopen", at)
        assert self.closed_us is not None
        if at_us - self.closed_us > self.reopen_window_us:
            raise ValueError("the reopen window has passed")
        self._reopen(at_us)

    @es_event("ClosedUnresolved")
    def close_unresolved(self, *, at: datetime, by: str, reason: str) -> None:
        self._close(CaseState.CLOSED_UNRESOLVED, self._move("close_unresolved", at))

    @es_event("Withdrawn")
    def withdraw(self, *, at: datetime, by: str, reason: str) -> None:
        self._close(CaseState.WITHDRAWN, self._move("withdraw", at))

    @es_event("Merged")
    def merge(self, *, at: datetime, by: str, into: str) -> None:
        at_us = self._move("merge", at)
        if into == self.case_id:
            raise ValueError("a case cannot be merged into itself")
        self._close(CaseState.MERGED, at_us)

    @es_event("Assigned")
    def assign(self, *, at: datetime, by: str, to: str) -> None:
        self._move("assign", at)
        self.assignee = to

    @es_event("ReportedToManagement")
    def report_to_management(self, *, at: datetime, by: str, to: str, note: str) -> None:
        self._move("report_to_management", at)


def _es_remedy(remedy: str | None, compensation: Decimal | None) -> bool:
    return (isinstance(remedy, str) and bool(remedy.strip())) or (
        compensation is not None and compensation > 0
    )


class EsComplaints(Application[UUID]):
    """The POPO (in-memory) `eventsourcing` application holding the anchor's cases."""

    def record(self, policy: SlaPolicy, log: Sequence[CaseEvent]) -> UUID:
        """Store `log` as an `EsCase`: one command per event, then one save."""
        first = log[0]
        assert isinstance(first, Registered)
        case = EsCase(
            case_id=first.case_id,
            at=first.at,
            kind=first.kind.value,
            channel=first.channel,
            customer_id=first.customer_id,
            contact=first.contact,
            content=first.content,
            policy_id=first.policy_id,
            policy_version=first.policy_version,
            severity=first.severity.value,
            category=first.category,
            by=first.by,
            assignee=first.assignee,
            reopen_window_us=policy.reopen_window // timedelta(microseconds=1),
        )
        for e in log[1:]:
            fields = attrs.asdict(e, recurse=False)
            if isinstance(fields.get("compensation"), Money):
                fields["compensation"] = fields["compensation"].amount
            if isinstance(e, Merged | Withdrawn | ClosedUnresolved | Reopened):
                fields.setdefault("reason", "")
            getattr(case, e.action)(**fields)
        self.save(case)
        return case.id


def es_state(case: EsCase) -> tuple[Any, ...]:
    """The anchor's final state, comparable with `case_state`."""
    return (
        case.case_id,
        case.kind,
        case.state,
        case.version,
        case.registered_us,
        case.customer_id,
        case.channel,
        case.category,
        case.severity,
        case.assignee,
        case.cycle,
        case.resolved_us,
        case.closed_us,
        tuple(case.awaiting),
    )


def case_state(case: Case) -> tuple[Any, ...]:
    """A clubrules case's final state, comparable with `es_state`."""
    return (
        case.id,
        case.kind.value,
        case.state.value,
        case.version,
        to_epoch_us(case.registered_at),
        case.customer_id,
        case.channel,
        case.category,
        case.severity.value,
        case.assignee,
        case.cycle,
        None if case.resolved_at is None else to_epoch_us(case.resolved_at),
        None if case.closed_at is None else to_epoch_us(case.closed_at),
        case.awaiting,
    )


def closed_facts(n: int, seed: int = 11) -> list[CaseFacts]:
    """`n` closed cases' facts over 2026, with 2-4 target outcomes each."""
    rng = random.Random(seed)
    start = to_epoch_us(datetime(2026, 1, 1, tzinfo=TZ))
    year = 365 * 24 * HOUR_US
    channels = list(SEED_CHANNELS)
    categories = ["service", "hygiene", "price", "staff", "facility", "booking"]
    staff = [f"s-{i}" for i in range(40)]
    facts = []
    for i in range(n):
        registered = start + rng.randrange(year)
        first = rng.randrange(48 * HOUR_US)
        resolution = first + rng.randrange(10 * 24 * HOUR_US)
        outcomes: tuple[tuple[int, bool], ...] = (
            (registered + first, first > 24 * HOUR_US),
            (registered + resolution, resolution > 7 * 24 * HOUR_US),
        )
        if rng.random() < 0.5:
            outcomes += ((registered + resolution + rng.randrange(96 * HOUR_US), False),)
        facts.append(
            CaseFacts(
                f"k-{i}",
                f"c-{rng.randrange(n // 2)}",
                CaseKind.COMPLAINT,
                rng.choice(channels),
                rng.choice(categories),
                rng.choice(staff),
                CaseState.CLOSED_SATISFIED,
                registered,
                first,
                resolution if rng.random() < 0.95 else None,
                outcomes,
                0,
            )
        )
    return facts


def _frames(facts: Sequence[CaseFacts]) -> tuple[pd.DataFrame, pd.DataFrame]:
    cases = pd.DataFrame(
        {
            "registered": [f.registered_us for f in facts],
            "assignee": [f.assignee for f in facts],
            "channel": [f.channel for f in facts],
            "category": [f.category for f in facts],
            "customer": [f.customer_id for f in facts],
            "kind": [f.kind.value for f in facts],
            "first": [f.first_response_us for f in facts],
            "resolution": [f.resolution_us for f in facts],
            "open": [f.open_breaches for f in facts],
        }
    )
    owner = []
    ended = []
    breached = []
    for i, f in enumerate(facts):
        for e, b in f.outcomes:
            owner.append(i)
            ended.append(e)
            breached.append(b)
    outcomes = pd.DataFrame({"case": owner, "ended": ended, "breached": breached})
    return cases, outcomes


def pandas_groupby(
    cases: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    start_us: int,
    end_us: int,
    bounds: list[int],
    labels: list[str],
) -> dict[str, pd.DataFrame]:
    label_array = np.array(labels)
    reg = cases[(cases["registered"] >= start_us) & (cases["registered"] < end_us)].copy()
    reg["month"] = label_array[np.searchsorted(bounds, reg["registered"], side="right") - 1]
    done = outcomes[(outcomes["ended"] >= start_us) & (outcomes["ended"] < end_us)]
    done = done.join(cases[["assignee", "channel", "category"]], on="case")
    done = done.assign(
        month=label_array[np.searchsorted(bounds, done["ended"], side="right") - 1],
        achieved=~done["breached"],
    )
    achieved, breached = int(done["achieved"].sum()), int(done["breached"].sum())
    result = {
        "all": pd.DataFrame(
            {
                "cases": [len(reg)],
                "open": [reg["open"].sum()],
                "first_median": [reg["first"].median()],
                "first_p90": [reg["first"].quantile(0.9)],
                "resolution_median": [reg["resolution"].median()],
                "resolution_p90": [reg["resolution"].quantile(0.9)],
                "achieved": [achieved],
                "breached": [breached],
                "rate": [achieved / (achieved + breached)],
            },
            index=[""],
        )
    }
    for key in ("assignee", "channel", "category", "month"):
        g = reg.groupby(key)
        figures = pd.DataFrame(
            {
                "cases": g.size(),
                "open": g["open"].sum(),
                "first_median": g["first"].median(),
                "first_p90": g["first"].quantile(0.9),
                "resolution_median": g["resolution"].median(),
                "resolution_p90": g["resolution"].quantile(0.9),
            }
        )
        timely = done.groupby(key)[["achieved", "breached"]].sum()
        figures = figures.join(timely, how="outer")
        figures["rate"] = figures["achieved"] / (figures["achieved"] + figures["breached"])
        result[key] = figures
    counts = reg.loc[reg["kind"] == CaseKind.COMPLAINT.value, "customer"].value_counts()
    # Most complaints first, then by id: sort by id, then stably by count.
    repeat = counts[counts >= 2].sort_index().sort_values(ascending=False, kind="stable")
    result["repeat"] = repeat.to_frame("n")
    return result


def _analysis_rows(n: int) -> list[Row]:
    facts = closed_facts(n)
    start = datetime(2026, 1, 1, tzinfo=TZ)
    end = datetime(2027, 1, 1, tzinfo=TZ)
    start_us, end_us = to_epoch_us(start), to_epoch_us(end)
    bounds, labels = _month_starts(start, end, TZ)

    def run_clubrules() -> None:
        analyse(facts, start=start, end=end, zone=TZ)

    def run_pandas() -> None:
        cases, outcomes = _frames(facts)
        pandas_groupby(
            cases, outcomes, start_us=start_us, end_us=end_us, bounds=bounds, labels=labels
        )

    frames = _frames(facts)

    def run_groupby_only() -> None:
        pandas_groupby(*frames, start_us=start_us, end_us=end_us, bounds=bounds, labels=labels)

    _check_agreement(facts, start=start, end=end, frames=frames, bounds=bounds, labels=labels)
    t_club = best_of(run_clubrules, repeat=2)
    return [
        Row(
            SUITE,
            "monthly analysis, closed cases",
            n,
            t_club,
            "pandas (frames from CaseFacts + groupby)",
            best_of(run_pandas, repeat=2),
            "overall + by month, staff, channel, category; median + p90; repeat complainants",
        ),
        Row(
            SUITE,
            "monthly analysis (vs groupby only)",
            n,
            t_club,
            "pandas groupby on prebuilt frames",
            best_of(run_groupby_only, repeat=2),
            "frames built outside the timing",
        ),
    ]


def _check_agreement(
    facts: list[CaseFacts],
    *,
    start: datetime,
    end: datetime,
    frames: tuple[pd.DataFrame, pd.DataFrame],
    bounds: list[int],
    labels: list[str],
) -> None:
    """Check that both sides compute the same figures on the data they are timed on."""
    ours = analyse(facts, start=start, end=end, zone=TZ)
    theirs = pandas_groupby(
        *frames,
        start_us=to_epoch_us(start),
        end_us=to_epoch_us(end),
        bounds=bounds,
        labels=labels,
    )
    one_us = timedelta(microseconds=1)
    for key, groups in (
        ("all", {"": ours.overall}),
        ("assignee", ours.by_staff),
        ("channel", ours.by_channel),
        ("category", ours.by_category),
        ("month", ours.by_month),
    ):
        table = theirs[key]
        assert sorted(groups) == sorted(table.index), key
        for label, figures in groups.items():
            row = table.loc[label]
            assert figures.cases == int(row["cases"])
            assert figures.open_breaches == int(row["open"])
            assert (figures.achieved, figures.breached) == (row["achieved"], row["breached"])
            assert figures.timeliness_rate == row["rate"]
            for name, column in (
                ("first_response_median", "first_median"),
                ("first_response_p90", "first_p90"),
                ("resolution_median", "resolution_median"),
                ("resolution_p90", "resolution_p90"),
            ):
                value = getattr(figures, name)
                assert value is not None
                assert abs(value / one_us - row[column]) <= 1, (key, label, name)
    repeat = theirs["repeat"]
    assert ours.repeat_complainants == tuple(zip(repeat.index, map(int, repeat["n"]), strict=True))


def run(quick: bool) -> list[Row]:
    """Time the complaints suite; `quick` uses small sizes."""
    rows = _status_rows(2_000 if quick else 100_000, 500 if quick else 10_000)
    rows += _analysis_rows(20_000 if quick else 1_000_000)
    return rows
