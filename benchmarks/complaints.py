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
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from benchmarks._harness import Row, best_of
from clubrules._time import to_epoch_us
from clubrules.calendar import BusinessCalendar
from clubrules.complaints import (
    SEED_CHANNELS,
    AwaitingCustomer,
    Case,
    CaseEvent,
    CaseFacts,
    CaseKind,
    CaseState,
    CustomerContacted,
    CustomerReplied,
    Escalation,
    InvestigationStarted,
    Registered,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TimeBasis,
    analyse,
    sla_status,
)
from clubrules.complaints._metrics import _month_starts

if TYPE_CHECKING:
    from collections.abc import Sequence

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

    def run_replay() -> None:
        for log in logs:
            Case(policy, log)

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
        Row(
            SUITE,
            "replay event logs into cases",
            n,
            best_of(run_replay, repeat=1),
            "-",
            None,
            "fold + state machine + target runs",
        ),
    ]


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
