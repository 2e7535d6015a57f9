"""Complaints, staff and training against slow, obvious oracles in awkward zones.

Each property computes the answer a second way, from `zoneinfo` and plain
date arithmetic only: a local month starts at the first instant whose local
date is the 1st (found by bisection on the instant); a local opening time is
the first instant whose wall time is at or after it (found piece by piece
between the zone's offset changes); open time is summed over those
intervals in UTC. The zones are the awkward ones: DST at midnight (Havana,
Santiago), a 30-minute DST (Lord Howe), a skipped day (Apia, 2011-12-30),
+05:45 (Kathmandu), and the instants are given in another tzinfo than the
club's.
"""

from __future__ import annotations

import functools
import itertools
import math
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.calendar import BusinessCalendar
from clubrules.complaints import (
    CaseFacts,
    CaseKind,
    Escalation,
    PolicyBook,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TimeBasis,
    analyse,
    apply,
    check_alerts,
    percentile,
    register,
    sla_status,
)
from clubrules.errors import IllegalTransitionError, ValidationError
from clubrules.staff import (
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Criterion,
    EvaluationScoring,
    Kpi,
    KpiScoring,
    LinearScale,
    ManualScore,
    MissingCycle,
    Rubric,
    ScoreSheet,
    Step,
    SteppedScale,
    SubItem,
    assess,
    decide_outcome,
)
from clubrules.training import (
    Attendance,
    Cadence,
    Completion,
    ObligationStatus,
    StaffMember,
    TrainingRequirement,
    TrainingSession,
    compliance_report,
)

from .complaints.test_metrics_oracle import _facts, _plain
from .complaints.test_sla_oracle import _events, awaiting_periods

US = timedelta(microseconds=1)
US_PER_DAY = 86_400_000_000
ZONE_NAMES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "Asia/Kathmandu",
    "Pacific/Apia",
    "Asia/Shanghai",
    "UTC",
]
# A few days before a DST change (or Apia's skipped day) in each zone.
NEAR_A_CHANGE = {
    "America/New_York": date(2026, 3, 5),
    "Europe/London": date(2026, 10, 22),
    "Australia/Lord_Howe": date(2026, 4, 1),
    "America/Santiago": date(2026, 4, 1),
    "America/Havana": date(2026, 3, 5),
    "Asia/Kathmandu": date(2026, 12, 28),
    "Pacific/Apia": date(2011, 12, 26),
    "Asia/Shanghai": date(2026, 12, 28),
    "UTC": date(2026, 12, 28),
}
OTHER_ZONES: list[tzinfo] = [
    UTC,
    timezone(timedelta(hours=-3, minutes=-30)),
    ZoneInfo("Asia/Tokyo"),
]
SLOW = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


# --- the oracle's time arithmetic ---------------------------------------------------


def _local_date(us: int, tz: tzinfo) -> date:
    return (datetime(1970, 1, 1, tzinfo=UTC) + us * US).astimezone(tz).date()


def _local_ordinal(us: int, tz: tzinfo) -> int:
    """The local date's ordinal; 0 before year 1 and past any date after year 9999."""
    try:
        return _local_date(us, tz).toordinal()
    except OverflowError:
        return 0 if us < 0 else date.max.toordinal() + 1


@functools.cache
def _first_of_date(day: date, name: str) -> int:
    """The first instant (epoch microseconds) whose local date in `name` is `day` or later."""
    tz = ZoneInfo(name)
    lo = to_epoch_us(datetime(day.year, day.month, day.day, tzinfo=UTC)) - 3 * US_PER_DAY
    hi = lo + 6 * US_PER_DAY
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _local_ordinal(mid, tz) >= day.toordinal():
            hi = mid
        else:
            lo = mid
    return hi


def _offset_us(us: int, tz: tzinfo) -> int:
    offset = from_epoch_us(us, tz).utcoffset()
    assert offset is not None
    return offset // US


@functools.cache
def _first_at_or_after(wall: datetime, name: str) -> int:
    """The first instant whose local wall time in `name` is at or after the naive `wall`.

    The day around `wall` is cut into pieces of one offset each (the changes
    found by bisection); in a piece the wall time is the instant plus the
    offset, so the first instant at or after `wall` is read off directly.
    """
    tz = ZoneInfo(name)
    target = to_epoch_us(wall.replace(tzinfo=UTC))
    hour = 3_600_000_000
    cuts = [target - 16 * hour]
    for k in range(32):
        a, b = target + (k - 16) * hour, target + (k - 15) * hour
        if _offset_us(a, tz) != _offset_us(b, tz):
            while b - a > 1:
                mid = (a + b) // 2
                a, b = (mid, b) if _offset_us(mid, tz) == _offset_us(a, tz) else (a, mid)
            cuts.append(b)
    cuts.append(target + 16 * hour)
    for begin, end in itertools.pairwise(cuts):
        first = max(begin, target - _offset_us(begin, tz))
        if first < end:
            return first
    raise AssertionError(wall)  # pragma: no cover


def _open_intervals(
    name: str, weekly: dict[int, str], holidays: frozenset[date], first: date, last: date
) -> list[tuple[int, int]]:
    """The calendar's open intervals, in epoch microseconds, of the local dates first..last."""
    found = []
    day = first
    while day <= last:
        hours = weekly.get(day.weekday())
        if hours is not None and day not in holidays:
            opens, closes = ((int(x) for x in t.split(":")) for t in hours.split("-"))
            oh, om = opens
            ch, cm = closes
            start = datetime.combine(day, time(oh, om))
            close_day = day if (ch, cm) > (oh, om) else day + timedelta(days=1)
            end = datetime.combine(close_day, time(0)) + timedelta(hours=ch, minutes=cm)
            found.append((_first_at_or_after(start, name), _first_at_or_after(end, name)))
        day += timedelta(days=1)
    return found


def _open_us(intervals: list[tuple[int, int]], start: int, end: int) -> int:
    return sum(max(0, min(b, end) - max(a, start)) for a, b in intervals)


DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HOURS = ["00:00-02:30", "01:00-03:00", "22:00-02:00", "09:00-17:00", "23:00-24:00", "02:00-04:00"]


@st.composite
def _clubs(draw: st.DrawFn) -> tuple[str, dict[int, str], frozenset[date], BusinessCalendar]:
    name = draw(st.sampled_from(ZONE_NAMES))
    days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=5))
    weekly = {d: draw(st.sampled_from(HOURS)) for d in sorted(days)}
    near = NEAR_A_CHANGE[name]
    holidays = frozenset(near + timedelta(days=i) for i in draw(st.sets(st.integers(0, 9))))
    # Hours past midnight may not run into the next day's first range.
    assume(all(weekly[d] != "22:00-02:00" or weekly.get((d + 1) % 7, "09") >= "02" for d in weekly))
    calendar = BusinessCalendar(
        name,
        weekly={DAY_NAMES[d]: hours for d, hours in weekly.items()},
        holidays=dict.fromkeys(holidays, "closed"),
        holiday_years=frozenset(range(2005, 2035)),
    )
    return name, weekly, holidays, calendar


# --- complaints: SLA on a calendar that crosses DST nights and closures -------------------


@st.composite
def _sla_policies(draw: st.DrawFn, calendar: BusinessCalendar) -> SlaPolicy:
    targets = []
    for kind in TargetKind:
        if kind is TargetKind.FIRST_RESPONSE or draw(st.booleans()):
            basis = draw(st.sampled_from(TimeBasis))
            targets.append(
                SlaTarget(
                    kind,
                    timedelta(minutes=draw(st.integers(1, 8 * 60))),
                    basis,
                    calendar if basis is TimeBasis.BUSINESS or draw(st.booleans()) else None,
                    warn_at=draw(st.sampled_from([0.5, 0.75, 1.0])),
                    escalation=draw(st.none() | st.just(Escalation("boss", at=1.5))),
                    pauses=draw(st.none() | st.booleans()),
                )
            )
    return SlaPolicy("oracle", 1, CaseKind.COMPLAINT, targets, reopen_window=timedelta(days=3))


@SLOW
@given(_clubs(), st.data())
def test_sla_counts_open_time_across_dst_nights_as_the_oracle_does(
    club: tuple[str, dict[int, str], frozenset[date], BusinessCalendar], data: st.DataObject
) -> None:
    name, weekly, holidays, calendar = club
    zone = ZoneInfo(name)
    near = NEAR_A_CHANGE[name]
    intervals = _open_intervals(
        name, weekly, holidays, near - timedelta(days=2), near + timedelta(days=70)
    )
    policy = data.draw(_sla_policies(calendar))
    base = datetime(near.year, near.month, near.day, tzinfo=UTC)
    at = base + timedelta(minutes=data.draw(st.integers(0, 8 * 24 * 60)))
    case = register(
        PolicyBook([policy]),
        case_id="k-1",
        at=at.astimezone(zone),
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
    )
    steps = st.tuples(st.integers(0, 20 * 60), st.sampled_from([0, 7]), st.integers(0, 15))
    for minutes, extra_us, choice in data.draw(st.lists(steps, max_size=8)):
        at = at + timedelta(minutes=minutes) + extra_us * US
        events = _events(at.astimezone(data.draw(st.sampled_from([zone, *OTHER_ZONES]))), choice)
        try:
            case = apply(case, events[choice % len(events)])
        except IllegalTransitionError:
            continue
    now = case.events[-1].at + timedelta(seconds=data.draw(st.integers(0, 3 * 24 * 3600)))
    now_us = to_epoch_us(now)
    waits = [(to_epoch_us(a), to_epoch_us(b)) for a, b in awaiting_periods(case, now)]

    def counted(start: int, end: int, basis: TimeBasis, pausable: bool, stop: int) -> int:
        """Open (or plain) time in [start, end), less the time spent awaiting before `stop`."""
        if end <= start:
            return 0
        pieces = [(start, end)] if basis is TimeBasis.CALENDAR else intervals
        total = _open_us(pieces, start, end)
        if pausable:
            for began, ended in waits:
                a, b = max(began, start), min(ended, end, stop)
                if b > a:
                    total -= _open_us(pieces, a, b)
        return total

    for status in sla_status(case, now):
        target = case.policy.target(status.kind)
        assert target is not None
        end = now_us if status.ended_us is None else status.ended_us
        budget = status.elapsed_us + status.remaining_us
        pausable = target.pauses_for_customer
        elapsed = counted(status.started_us, end, status.basis, pausable, end)
        assert status.elapsed_us == elapsed, status
        assert status.breached == (elapsed > budget), status
        # The due time: the last instant at which the counted time is within budget (a
        # paused target's as if it resumed now: its pause then ends at `now`).
        due = status.due_us
        assert counted(status.started_us, due, status.basis, pausable, end) <= budget, status
        assert counted(status.started_us, due + 1, status.basis, pausable, end) > budget, status
    is_open = any(a <= now_us < b for a, b in intervals)
    for alert in check_alerts([case], now):
        target = case.policy.target(alert.kind)
        assert target is not None
        if target.calendar is not None:
            # Reminders never fire while the club is closed, and fire at an opening time.
            assert is_open
            fired = to_epoch_us(alert.fire_at)
            assert any(a <= fired < b for a, b in intervals), alert
        assert to_epoch_us(alert.fire_at) <= now_us


# --- complaints: the analysis by local month ---------------------------------------


@SLOW
@given(st.data())
def test_analysis_buckets_by_the_local_month_in_any_zone(data: st.DataObject) -> None:
    zone: tzinfo = ZoneInfo(data.draw(st.sampled_from(ZONE_NAMES)))
    year = data.draw(st.sampled_from([2, 1969, 2011, 2016, 2026, 9998]))
    start_utc = datetime(year, 12, 1, tzinfo=UTC) + timedelta(
        minutes=data.draw(st.integers(0, 40 * 24 * 60))
    )
    span_us = data.draw(st.integers(60_000_000, 200 * US_PER_DAY))
    end = start_utc + span_us * US
    facts: list[CaseFacts] = data.draw(
        st.lists(_facts(span_us, ["s-1", "s-2"]), max_size=25).map(
            # `_facts` draws around the metrics test's START; move them to this period.
            lambda found: [_moved(f, to_epoch_us(start_utc) - to_epoch_us(_START)) for f in found]
        )
    )
    start = start_utc.astimezone(data.draw(st.sampled_from(OTHER_ZONES)))
    got = analyse(facts, start=start, end=end, zone=zone)
    assert got == _plain(facts, start, end, zone, 2)


_START = datetime(2026, 1, 1, tzinfo=UTC)


def _moved(facts: CaseFacts, by_us: int) -> CaseFacts:
    return attrs.evolve(
        facts,
        registered_us=facts.registered_us + by_us,
        outcomes=tuple((ended + by_us, breached) for ended, breached in facts.outcomes),
    )


# --- staff: cycle bounds, and the chain of failures ------------------------------------


@SLOW
@given(
    st.sampled_from(ZONE_NAMES),
    st.sampled_from([1, 2, 1969, 2011, 2016, 2026, 9998, 9999]),
    st.integers(1, 12),
    st.sampled_from([1, 3, 12]),
)
def test_a_cycle_runs_from_the_first_local_instant_of_its_first_month(
    name: str, year: int, month: int, months: int
) -> None:
    month = (month - 1) // months * months + 1
    end_year, end_month0 = divmod(year * 12 + month - 1 + months, 12)
    starts = _first_of_date(date(year, month, 1), name)
    earliest = to_epoch_us(datetime.min.replace(tzinfo=UTC))
    # East of UTC, the local midnight of 1 January of year 1 is before the earliest instant.
    before_year_1 = starts == earliest and from_epoch_us(starts, ZoneInfo(name)).hour != 0
    if end_year > 9999 or before_year_1:
        # A bound outside years 1-9999 (in UTC): refused with the library's own error.
        with pytest.raises(ValidationError) as refused:
            AssessmentPeriod.monthly(year, month, name, months=months)
        assert refused.value.violations[0].rule == "out_of_range"
        return
    period = AssessmentPeriod.monthly(year, month, name, months=months)
    assert to_epoch_us(period.start) == starts
    assert to_epoch_us(period.end) == _first_of_date(date(end_year, end_month0 + 1, 1), name)
    assert period.cycle == (year * 12 + month - 1) // months
    assert period.is_whole_cycle


@SLOW
@given(
    st.sampled_from(ZONE_NAMES),
    st.sampled_from(sorted(set(NEAR_A_CHANGE.values()))),
    st.integers(-60 * US_PER_DAY, 400 * US_PER_DAY),
    st.integers(1, 40 * US_PER_DAY),
    st.sampled_from([1, 2, 3, 4, 6, 12]),
    st.sampled_from([-1, 0, 1, None]),
    st.sampled_from(OTHER_ZONES),
)
def test_an_ad_hoc_period_is_numbered_with_the_cycle_its_last_instant_is_in(  # noqa: PLR0917 - one per strategy
    name: str,
    near: date,
    offset_us: int,
    span_us: int,
    months: int,
    snap: int | None,
    given_in: tzinfo,
) -> None:
    zone = ZoneInfo(name)
    end_us = to_epoch_us(datetime(near.year, near.month, near.day, tzinfo=UTC)) + offset_us
    if snap is not None:  # just before, at or just after a local month start
        local = _local_date(end_us, zone)
        end_us = _first_of_date(date(local.year, local.month, 1), name) + snap
    start_us = end_us - span_us
    period = AssessmentPeriod.ad_hoc(
        from_epoch_us(start_us, given_in),
        from_epoch_us(end_us, given_in),
        label="spot check",
        time_zone=name,
        cycle_months=months,
    )
    last = _local_date(end_us - 1, zone)
    assert period.cycle == (last.year * 12 + last.month - 1) // months
    assert (to_epoch_us(period.start), to_epoch_us(period.end)) == (start_us, end_us)


def _chain_rubric(policy: MissingCycle, ad_hoc_in_chain: bool) -> Rubric:
    return Rubric(
        id="chain",
        criteria=[
            Criterion(
                key="all",
                name="All",
                max_points=100,
                sub_items=[SubItem(key="overall", name="Overall", max_points=100)],
            )
        ],
        missing_cycle=policy,
        ad_hoc_in_chain=ad_hoc_in_chain,
        improvement_days=20,
    )


def _sheet(
    rubric: Rubric, sheet_id: str, period: AssessmentPeriod, kind: AssessmentKind, failed: bool
) -> ScoreSheet:
    points = Decimal(40 if failed else 75)
    return assess(
        rubric,
        AssessmentInputs(manual={"overall": ManualScore(points=points, by="sup")}),
        sheet_id=sheet_id,
        staff_id="s-1",
        period=period,
        as_of=period.end + timedelta(hours=10),
        kind=kind,
    )


@SLOW
@given(
    st.sampled_from(ZONE_NAMES),
    st.sampled_from(MissingCycle),
    st.booleans(),
    st.sampled_from([(2026, 11), (2011, 12), (2026, 2)]),
    st.data(),
)
def test_the_chain_of_failures_agrees_with_a_walk_back_through_the_cycles(
    name: str,
    policy: MissingCycle,
    ad_hoc_in_chain: bool,
    first: tuple[int, int],
    data: st.DataObject,
) -> None:
    rubric = _chain_rubric(policy, ad_hoc_in_chain)
    # The timeline in the documented order: in each cycle its ad hoc sheets (by the end of
    # their periods), then its periodic slot, holding its sheet or None (a missed cycle).
    timeline: list[tuple[str, ScoreSheet | None]] = []
    sheets: list[ScoreSheet] = []
    year, month = first
    for _ in range(data.draw(st.integers(1, 5))):
        cycle = AssessmentPeriod.monthly(year, month, name)
        start_us, end_us = to_epoch_us(cycle.start), to_epoch_us(cycle.end)
        ad_hoc = []
        for _ in range(data.draw(st.integers(0, 2))):
            # Ending inside the cycle, often exactly with it; starting any time before.
            ends = data.draw(
                st.sampled_from([end_us, start_us + 1]) | st.integers(start_us + 1, end_us)
            )
            begins = ends - data.draw(st.integers(1, 40 * US_PER_DAY))
            given_in = data.draw(st.sampled_from([ZoneInfo(name), *OTHER_ZONES]))
            period = AssessmentPeriod.ad_hoc(
                from_epoch_us(begins, given_in),
                from_epoch_us(ends, given_in),
                label="spot check",
                time_zone=name,
            )
            assert period.cycle == cycle.cycle
            sheet_id = f"a{len(sheets):02d}"
            sheet = _sheet(
                rubric, sheet_id, period, AssessmentKind.AD_HOC, data.draw(st.booleans())
            )
            sheets.append(sheet)
            ad_hoc.append(((ends, begins, sheet_id), sheet))
        timeline.extend(("ad hoc", sheet) for _, sheet in sorted(ad_hoc, key=lambda p: p[0]))
        periodic = None
        if data.draw(st.integers(0, 3)):  # else a missed cycle (on leave)
            periodic = _sheet(
                rubric,
                f"a{len(sheets):02d}",
                cycle,
                AssessmentKind.PERIODIC,
                data.draw(st.booleans()),
            )
            sheets.append(periodic)
        timeline.append(("slot", periodic))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    for position, (kind, entry) in enumerate(timeline):
        if entry is None:
            continue
        sheet = entry
        in_chain = kind == "slot" or ad_hoc_in_chain
        expected: tuple[str, int] | None = None
        if sheet.failed and in_chain:
            missing = 0
            for earlier_kind, earlier in reversed(timeline[:position]):
                if earlier_kind == "slot" and earlier is None:
                    missing += 1
                    continue
                if earlier_kind == "ad hoc" and not ad_hoc_in_chain:
                    continue
                assert earlier is not None
                if earlier.failed and not (missing and policy is MissingCycle.BREAKS_CHAIN):
                    expected = (earlier.id, missing)
                break
        outcome = decide_outcome(sheet, rubric, history=sheets)
        review = outcome.dismissal_review
        got = None if review is None else (review.earlier.id, review.missing_cycles)
        assert got == expected, (sheet.id, [(k, s and s.id) for k, s in timeline])


# --- training: cycles, obligations and lateness -----------------------------------------

KINDS = ["safety", "periodic", "privacy"]
_CYCLE_MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.YEARLY: 12}


def _label(months: int, year: int, month: int) -> str:
    if months == 1:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-Q{(month - 1) // 3 + 1}" if months == 3 else f"{year:04d}"


def _oracle_cycles(
    months: int, start_us: int, end_us: int, name: str
) -> list[tuple[str, int, int]]:
    """The local cycles overlapping [start, end): label, first instant, first instant after."""
    found: list[tuple[str, int, int]] = []
    local = _local_date(start_us, ZoneInfo(name))
    year, month = local.year, (local.month - 1) // months * months + 1
    while True:
        opens = _first_of_date(date(year, month, 1), name)
        if opens >= end_us:
            return found
        year2, month2 = (
            (year, month + months) if month + months <= 12 else (year + 1, month + months - 12)
        )
        closes = _first_of_date(date(year2, month2, 1), name)
        if closes > start_us:
            found.append((_label(months, year, month), opens, closes))
        year, month = year2, month2


@attrs.frozen
class _World:
    club: tuple[str, dict[int, str], frozenset[date], BusinessCalendar]
    rules: list[TrainingRequirement]
    sessions: list[TrainingSession]
    staff: list[StaffMember]
    attendance: list[Attendance]
    completions: list[Completion]
    start: datetime
    end: datetime
    as_of: datetime


@st.composite
def _trainings(draw: st.DrawFn) -> _World:
    name, weekly, holidays, calendar = draw(_clubs())
    zone = ZoneInfo(name)
    near = NEAR_A_CHANGE[name]
    base = to_epoch_us(datetime(near.year, near.month, near.day, tzinfo=UTC))

    def instant() -> int:
        return base + draw(st.integers(-40 * US_PER_DAY, 200 * US_PER_DAY))

    def shown(us: int) -> datetime:
        return from_epoch_us(us, draw(st.sampled_from([zone, *OTHER_ZONES])))

    rules = []
    for i in range(draw(st.integers(1, 3))):
        cadence = draw(st.sampled_from(["monthly", "quarterly", "yearly", "on_hire"]))
        rules.append(
            TrainingRequirement(
                id=f"r{i}",
                name="rule",
                kinds=draw(st.sampled_from(KINDS)),
                cadence=cadence,
                sessions=draw(st.integers(1, 2)),
                within_business_days=draw(st.integers(1, 5)) if cadence == "on_hire" else None,
            )
        )
    sessions = []
    for i in range(draw(st.integers(0, 8))):
        begins = instant()
        ends = begins + draw(st.integers(1, 300)) * 60_000_000
        sessions.append(
            TrainingSession(
                id=f"s{i}",
                kind=draw(st.sampled_from(KINDS)),
                topic="t",
                method="internal",
                start=shown(begins),
                end=shown(ends),
            )
        )
    staff = []
    for i in range(draw(st.integers(1, 3))):
        hired = instant()
        left = hired + draw(st.integers(0, 200 * US_PER_DAY)) if draw(st.booleans()) else None
        staff.append(
            StaffMember(
                id=f"p{i}",
                role="cs",
                hired_at=shown(hired),
                left_at=None if left is None else shown(left),
            )
        )
    attendance = [
        Attendance(session_id=s.id, staff_id=p.id)
        for s in sessions
        for p in staff
        if draw(st.booleans())
    ]
    completions = [
        Completion(
            id=f"c{i}",
            staff_id=draw(st.sampled_from([p.id for p in staff])),
            kind=draw(st.sampled_from(KINDS)),
            topic="t",
            method="online",
            completed_at=shown(instant()),
            session_id=draw(st.sampled_from([None, "elsewhere", *(s.id for s in sessions)])),
        )
        for i in range(draw(st.integers(0, 4)))
    ]
    start = instant()
    as_of = instant()
    if draw(st.booleans()):  # just before, at or just after a local month start
        local = _local_date(as_of, zone)
        as_of = _first_of_date(date(local.year, local.month, 1), name) + draw(
            st.sampled_from([-1, 0, 1])
        )
    return _World(
        club=(name, weekly, holidays, calendar),
        rules=rules,
        sessions=sessions,
        staff=staff,
        attendance=attendance,
        completions=completions,
        start=shown(start),
        end=shown(start + draw(st.integers(1, 200 * US_PER_DAY))),
        as_of=shown(as_of),
    )


def _credits(world: _World) -> dict[str, list[tuple[int, str, str]]]:
    """Each member's trainings, each session or lone completion once (the earliest)."""
    sessions = {s.id: s for s in world.sessions}
    found: dict[str, dict[tuple[str, str], tuple[int, str]]] = {}

    def put(staff_id: str, key: tuple[str, str], at: datetime, kind: str) -> None:
        mine = found.setdefault(staff_id, {})
        if key not in mine or to_epoch_us(at) < mine[key][0]:
            mine[key] = (to_epoch_us(at), kind)

    for record in world.attendance:
        held = sessions[record.session_id]
        put(record.staff_id, ("session", held.id), held.end, held.kind.value)
    for done in world.completions:
        session = None if done.session_id is None else sessions.get(done.session_id)
        if session is not None:
            put(done.staff_id, ("session", session.id), session.end, session.kind.value)
        elif done.session_id is not None:
            put(done.staff_id, ("session", done.session_id), done.completed_at, done.kind.value)
        else:
            put(done.staff_id, ("completion", done.id), done.completed_at, done.kind.value)
    return {
        staff_id: sorted((at, key[1], kind) for key, (at, kind) in mine.items())
        for staff_id, mine in found.items()
    }


@SLOW
@given(_trainings())
def test_training_obligations_agree_with_a_recount_in_the_club_zone(world: _World) -> None:
    name, weekly, holidays, calendar = world.club
    zone = ZoneInfo(name)
    start_us, end_us, as_of_us = (to_epoch_us(t) for t in (world.start, world.end, world.as_of))
    report = compliance_report(
        world.rules,
        world.staff,
        sessions=world.sessions,
        attendance=world.attendance,
        completions=world.completions,
        start=world.start,
        end=world.end,
        as_of=world.as_of,
        calendar=calendar,
    )
    trainings = _credits(world)
    near = NEAR_A_CHANGE[name]
    intervals = _open_intervals(
        name, weekly, holidays, near - timedelta(days=60), near + timedelta(days=420)
    )
    MET, MET_LATE, OPEN, OVERDUE = (  # noqa: N806 - the statuses, short
        ObligationStatus.MET,
        ObligationStatus.MET_LATE,
        ObligationStatus.OPEN,
        ObligationStatus.OVERDUE,
    )
    for line in report.staff:
        member = next(m for m in world.staff if m.id == line.staff_id)
        hired = to_epoch_us(member.hired_at)
        left = None if member.left_at is None else to_epoch_us(member.left_at)
        expected = []
        for rule in world.rules:
            kinds = {k.value for k in rule.kinds}
            mine = [(at, key) for at, key, kind in trainings.get(member.id, []) if kind in kinds]
            if rule.cadence is Cadence.ON_HIRE:
                due = to_epoch_us(
                    calendar.add_business_days(member.hired_at, rule.within_business_days or 0)
                )
                if hired >= end_us or (left is not None and left < due):
                    continue
                done = [(at, key) for at, key in mine if hired <= at <= as_of_us]
                if len(done) >= rule.sessions:
                    status = MET if done[rule.sessions - 1][0] <= due else MET_LATE
                else:
                    status = OVERDUE if as_of_us > due else OPEN
                if due > start_us or status is OVERDUE:
                    expected.append((rule.id, "on hire", hired, due, done, status))
                continue
            for label, opens, closes in _oracle_cycles(
                _CYCLE_MONTHS[rule.cadence], start_us, end_us, name
            ):
                if hired > opens or (left is not None and left < closes):
                    continue
                done = [(at, key) for at, key in mine if opens <= at < closes and at <= as_of_us]
                if len(done) >= rule.sessions:
                    status = MET
                else:
                    status = OVERDUE if as_of_us >= closes else OPEN
                expected.append((rule.id, label, opens, closes, done, status))
        got = [
            (
                o.requirement_id,
                o.label,
                to_epoch_us(o.opens),
                to_epoch_us(o.due),
                o.completed,
                o.status,
            )
            for o in line.obligations
        ]
        assert got == [
            (r, lab, o, d, tuple(k for _, k in done), s) for r, lab, o, d, done, s in expected
        ]
        for obligation in line.obligations:
            if obligation.status not in {OVERDUE, MET_LATE}:
                assert obligation.business_days_late is None
                continue
            until = obligation.done_at if obligation.status is MET_LATE else world.as_of
            assert isinstance(until, datetime)
            # Business days from the due date (counted) to the date it ended (not counted).
            day, last = obligation.due.astimezone(zone).date(), until.astimezone(zone).date()
            days = 0
            while day < last:
                days += day.weekday() in weekly and day not in holidays
                day += timedelta(days=1)
            assert obligation.business_days_late == days
            late_us = _open_us(intervals, to_epoch_us(obligation.due), to_epoch_us(until))
            assert obligation.business_time_late == late_us * US


# --- staff: the score arithmetic, in fractions ---------------------------------------------


def _half_up(value: Fraction) -> Decimal:
    """`value` (not negative) rounded half up to 0.01."""
    hundredths = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(hundredths).scaleb(-2)


@st.composite
def _scored(draw: st.DrawFn) -> tuple[Rubric, AssessmentInputs, list[Decimal]]:
    """A rubric of a linear KPI, a stepped KPI, evaluations and a manual item, and the points."""
    thousandths = st.integers(0, 1000).map(lambda n: Fraction(n, 1000))
    if draw(st.booleans()):
        floor = draw(thousandths.filter(lambda f: f < 1))
        target = draw(thousandths.filter(lambda t: t > floor))
    else:  # a floor in odd 0.005s and a whole-cent width: shares end in 0.005 (ties)
        floor = Fraction(draw(st.integers(0, 98)) * 10 + 5, 1000)
        target = floor + Fraction(draw(st.integers(1, (1000 - floor * 1000) // 10)), 100)
    events = draw(st.integers(1, 40))
    hits = draw(st.integers(0, events))
    width = (target - floor) * events
    # Often the maximum that equals the scale's own denominator (a shortcut of the scoring).
    if draw(st.booleans()) and (width * 100).denominator == 1 and 0 < width <= 30:
        linear_max = width
    else:
        linear_max = Fraction(draw(st.integers(1, 3000)), 100)
    step_points = sorted(draw(st.lists(st.integers(0, 1000), min_size=1, max_size=3)))
    step_rates = sorted(draw(st.sets(st.integers(1, 999), max_size=len(step_points) - 1)))
    steps = list(zip([0, *step_rates], step_points, strict=False))
    stepped_max = Fraction(max(step_points[-1], 1), 100)
    ratings = draw(st.lists(st.integers(1, 5), min_size=1, max_size=7))
    rated_max = Fraction(draw(st.integers(1, 3000)), 100)
    manual_max = 100 - linear_max - stepped_max - rated_max
    manual = Fraction(draw(st.integers(0, int(manual_max * 100))), 100)

    def dec(value: Fraction) -> Decimal:
        return Decimal(value.numerator) / Decimal(value.denominator)

    rubric = Rubric(
        id="arith",
        criteria=[
            Criterion(
                key="kpi",
                name="KPIs",
                max_points=dec(linear_max + stepped_max),
                sub_items=[
                    SubItem(
                        key="linear",
                        name="Linear",
                        max_points=dec(linear_max),
                        method=KpiScoring(
                            kpi="a", scale=LinearScale(floor=dec(floor), target=dec(target))
                        ),
                    ),
                    SubItem(
                        key="stepped",
                        name="Stepped",
                        max_points=dec(stepped_max),
                        method=KpiScoring(
                            kpi="a",
                            scale=SteppedScale(
                                [
                                    Step(
                                        min_rate=Decimal(r).scaleb(-3), points=Decimal(p).scaleb(-2)
                                    )
                                    for r, p in steps
                                ]
                            ),
                        ),
                    ),
                ],
            ),
            Criterion(
                key="rest",
                name="Rest",
                max_points=dec(rated_max + manual_max),
                sub_items=[
                    SubItem(
                        key="rated",
                        name="Rated",
                        max_points=dec(rated_max),
                        method=EvaluationScoring(),
                    ),
                    SubItem(key="manual", name="Manual", max_points=dec(manual_max)),
                ],
            ),
        ],
    )
    rate = Fraction(hits, events)
    linear = min(max((rate - floor) / (target - floor), Fraction(0)), Fraction(1))
    stepped = [Fraction(p, 100) for r, p in steps if Fraction(r, 1000) <= rate][-1]
    rated = Fraction(sum(ratings) - len(ratings), 4 * len(ratings))
    expected = [
        _half_up(linear * linear_max),
        _half_up(stepped),
        _half_up(rated * rated_max),
        _half_up(manual),
    ]
    inputs = AssessmentInputs(
        kpis={"a": Kpi(hits, events)},
        manual={"manual": ManualScore(points=dec(manual), by="sup")},
        evaluations=ratings,
    )
    return rubric, inputs, expected


@SLOW
@given(_scored())
def test_every_line_is_its_exact_share_rounded_half_up(
    scored: tuple[Rubric, AssessmentInputs, list[Decimal]],
) -> None:
    rubric, inputs, expected = scored
    period = AssessmentPeriod.monthly(2026, 12, "Pacific/Apia")
    sheet = assess(
        rubric,
        inputs,
        sheet_id="a-1",
        staff_id="s-1",
        period=period,
        as_of=period.end + timedelta(hours=1),
    )
    got = [line.points for line in sheet.lines]
    assert got == expected
    assert all(p.as_tuple().exponent == -2 for p in got)
    assert sheet.total == sum(expected)


# --- exact fractions of Decimals: refused with a typed error rather than built for hours ---


@SLOW
@given(
    st.integers(1, 9),
    st.integers(-(10**9), 10**9) | st.integers(-10_010, 10_010),
    st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0]),
)
def test_a_percentile_of_decimals_is_exact_or_refused(
    digit: int, exponent: int, fraction: float
) -> None:
    tiny = Decimal((0, (digit,), exponent))
    values = sorted([tiny, Decimal(1)])
    low = math.floor(fraction)  # the two values it reads: low and the next one
    if abs(tiny.adjusted()) > 10_000 and values.index(tiny) in {low, min(low + 1, 1)}:
        with pytest.raises(ValidationError) as refused:
            percentile(values, fraction)  # type: ignore[arg-type]
        assert refused.value.violations[0].rule == "out_of_range"
        return
    if abs(tiny.adjusted()) > 10_000:
        assert percentile(values, fraction) == 1.0  # type: ignore[arg-type]  # far one not read
        return
    # Two values: the quantile lies between them, `fraction` of the way.
    exact = Fraction(values[0]) + Fraction(fraction) * (Fraction(values[1]) - Fraction(values[0]))
    try:
        expected = float(exact)
    except OverflowError:
        with pytest.raises(ValidationError):
            percentile(values, fraction)  # type: ignore[arg-type]
        return
    assert percentile(values, fraction) == expected  # type: ignore[arg-type]


@SLOW
@given(st.integers(1, 9), st.integers(-(10**9), 0) | st.integers(-110, 0))
def test_a_kpi_from_a_rate_is_its_exact_fraction_or_refused(digit: int, exponent: int) -> None:
    rate = Decimal((0, (digit,), exponent))
    if rate > 1:
        return
    if rate.adjusted() < -100:
        with pytest.raises(ValidationError) as refused:
            Kpi.from_rate(rate)
        assert refused.value.violations[0].rule == "too_precise"
        return
    kpi = Kpi.from_rate(rate)
    assert Fraction(kpi.numerator, kpi.denominator) == Fraction(rate)
