"""Training compliance: what each staff member owes, what they did, and who is overdue by how much.

Every attended session and every completion record is a credit of one staff
member, keyed by the session it belongs to (or by the completion's own id),
so a session attended and also certified, or recorded twice, is one credit.
For each requirement, a credit counts toward at most one obligation: the
cycles of a cadence do not overlap, and an on-hire rule has one obligation.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Sequence  # noqa: TC003
from datetime import date, datetime, timedelta, tzinfo

import attrs

from clubrules._checks import require_items
from clubrules._time import (
    from_epoch_us,
    instant_range,
    instants_compared,
    local_month_start,
    local_time,
    require_aware,
    require_order,
    to_epoch_us,
)
from clubrules.calendar import BusinessCalendar
from clubrules.errors import NotFoundError, ValidationError
from clubrules.staff import Kpi
from clubrules.training._records import (
    Attendance,
    Completion,
    Credit,
    TrainingSession,
    collect_credits,
    index_sessions,
)
from clubrules.training._requirements import Cadence, StaffMember, TrainingRequirement
from clubrules.words import business_time, message, when

__all__ = [
    "TRAINING_COMPLETION_RATE",
    "ComplianceReport",
    "Obligation",
    "ObligationStatus",
    "StaffCompliance",
    "compliance_report",
]

TRAINING_COMPLETION_RATE = "training_completion_rate"
"""The KPI name a rubric can score training completion under (see `StaffCompliance.kpi`)."""


class ObligationStatus(enum.Enum):
    """Where one obligation stands at `as_of`.

    - `MET`: the sessions needed were done by the due time.
    - `MET_LATE`: done, but after the due time (only an on-hire rule can be
      made up late; a missed cycle stays overdue).
    - `OPEN`: not done yet, and not yet due.
    - `OVERDUE`: not done, and past its due time.
    """

    MET = "met"
    MET_LATE = "met_late"
    OPEN = "open"
    OVERDUE = "overdue"


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class Obligation:
    """One staff member's obligation under one requirement: one cycle, or the induction.

    Attributes:
        staff_id: Who owes it.
        requirement_id: The requirement.
        label: Which obligation: `"on hire"`, or the cycle (`"2026-03"`,
            `"2026-Q1"`, `"2026"`).
        opens: From when sessions count (the hire, or the cycle's start).
        due: When it is due (the hire plus the business days, or the
            cycle's end).
        required: The sessions needed.
        completed: The sessions (or completion records) counted, in the
            order they were done, each once.
        status: An [ObligationStatus][clubrules.training.ObligationStatus].
        done_at: When the last needed session was done, if it was.
        business_days_late: For an overdue obligation, the business days
            from its due date up to the as-of date (the due date counts,
            the as-of date does not); for one met late, up to the date it
            was done. None otherwise.
        business_time_late: The opening time of the club between the due
            time and the as-of time (or the time it was done), or None.
    """

    staff_id: str
    requirement_id: str
    label: str
    opens: datetime
    due: datetime
    required: int
    completed: tuple[str, ...]
    status: ObligationStatus
    done_at: datetime | None
    business_days_late: int | None
    business_time_late: timedelta | None

    @property
    def missing(self) -> int:
        """How many more sessions are needed (0 once met)."""
        return max(0, self.required - len(self.completed))

    def describe(self, locale: str | None = None) -> str:
        """One line for reports, such as `cs-07 service 2026-03: 1 of 2 session(s); overdue ...`.

        Worded in `locale`, the locale in force by default (see
        [clubrules.words.use_locale][clubrules.words.use_locale]).

        Raises:
            ValidationError: an unknown locale (rule `unknown_locale`).
        """
        label = message("training.on_hire", locale=locale) if self.label == _ON_HIRE else self.label
        head = message(
            "training.head",
            locale=locale,
            staff=self.staff_id,
            requirement=self.requirement_id,
            label=label,
            done=min(len(self.completed), self.required),
            required=self.required,
        )
        if self.status is ObligationStatus.OVERDUE:
            return message("training.overdue", locale=locale, head=head, late=_late(self, locale))
        if self.status is ObligationStatus.MET_LATE:
            return message("training.met_late", locale=locale, head=head, late=_late(self, locale))
        if self.status is ObligationStatus.OPEN:
            due = when(self.due, year=True, locale=locale)
            return message("training.open", locale=locale, head=head, due=due)
        return message("training.met", locale=locale, head=head)


def _late(obligation: Obligation, locale: str | None) -> str:
    days = obligation.business_days_late
    time = obligation.business_time_late
    return message(
        "training.late",
        locale=locale,
        days=days,
        hours=business_time(time or timedelta(0), locale=locale),
    )


_ON_HIRE = "on hire"

_DECIDED = frozenset({ObligationStatus.MET, ObligationStatus.MET_LATE, ObligationStatus.OVERDUE})


@attrs.frozen(kw_only=True)
class StaffCompliance:
    """One staff member's obligations in a report.

    Attributes:
        staff_id: The staff member.
        role: Their role.
        obligations: Their obligations, in the order of the requirements
            given, then by `opens`.
    """

    staff_id: str
    role: str
    obligations: tuple[Obligation, ...]

    @property
    def overdue(self) -> tuple[Obligation, ...]:
        """The obligations past due and not done."""
        return tuple(o for o in self.obligations if o.status is ObligationStatus.OVERDUE)

    @property
    def compliant(self) -> bool:
        """Whether nothing is overdue."""
        return not self.overdue

    def kpi(self) -> Kpi:
        """Training completion as assessment input: obligations met on time, of those decided.

        Open obligations (not yet due) are left out; one done late counts in
        the denominator only. No decided obligation gives `Kpi.no_events()`,
        for the rubric's [NoEventsRule][clubrules.staff.NoEventsRule] to decide.
        """
        decided = [o for o in self.obligations if o.status in _DECIDED]
        met = sum(o.status is ObligationStatus.MET for o in decided)
        return Kpi(met, len(decided))


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class ComplianceReport:
    """Who owed which training in a period, and who is overdue by how much, at `as_of`.

    Attributes:
        start: The period's start (inclusive).
        end: The period's end (exclusive).
        as_of: The instant the report looks from: sessions done after it
            do not count yet.
        staff: One [StaffCompliance][clubrules.training.StaffCompliance]
            per staff member, by staff id.
    """

    start: datetime
    end: datetime
    as_of: datetime
    staff: tuple[StaffCompliance, ...]

    def member(self, staff_id: str) -> StaffCompliance:
        """The lines of one staff member.

        Raises:
            NotFoundError: the report has no such staff member.
        """
        for line in self.staff:
            if line.staff_id == staff_id:
                return line
        raise NotFoundError("staff member", staff_id)

    @property
    def overdue(self) -> tuple[Obligation, ...]:
        """Every overdue obligation, the longest overdue first (then by staff and requirement)."""
        found = [o for line in self.staff for o in line.overdue]
        found.sort(
            key=lambda o: (
                -(o.business_time_late or timedelta(0)),
                o.staff_id,
                o.requirement_id,
                to_epoch_us(o.opens),
            )
        )
        return tuple(found)

    def kpis(self) -> dict[str, Kpi]:
        """Each staff member's [StaffCompliance.kpi][clubrules.training.StaffCompliance.kpi]."""
        return {line.staff_id: line.kpi() for line in self.staff}

    def explain(self) -> str:
        """The report as text, one line per obligation."""
        head = (
            f"Training compliance {self.start.isoformat()} - {self.end.isoformat()}, "
            f"as of {self.as_of.isoformat()}"
        )
        lines = [head]
        for line in self.staff:
            lines.append(f"  {line.staff_id} ({line.role})")
            lines.extend(f"    {o.describe()}" for o in line.obligations)
        return "\n".join(lines)


_MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.YEARLY: 12}


def _label(cadence: Cadence, year: int, month: int) -> str:
    if cadence is Cadence.MONTHLY:
        return f"{year:04d}-{month:02d}"
    if cadence is Cadence.QUARTERLY:
        return f"{year:04d}-Q{(month - 1) // 3 + 1}"
    return f"{year:04d}"


def _local_midnight(year: int, month: int, zone: tzinfo, field: str) -> datetime:
    return local_month_start(year, month, zone, field)


def cycles(
    cadence: Cadence, start_us: int, end_us: int, zone: tzinfo
) -> list[tuple[str, datetime, datetime]]:
    """The local cycles of `cadence` overlapping `[start_us, end_us)`: label, start, end."""
    months = _MONTHS[cadence]
    first = local_time(from_epoch_us(start_us), zone, "start")
    index = first.year * 12 + (first.month - 1) // months * months
    found: list[tuple[str, datetime, datetime]] = []
    while True:
        year, month0 = divmod(index, 12)
        opens = _local_midnight(year, month0 + 1, zone, "start")
        if to_epoch_us(opens) >= end_us:
            break
        closes = _local_midnight(year, month0 + 1 + months, zone, "end")
        if to_epoch_us(closes) > start_us:
            found.append((_label(cadence, year, month0 + 1), opens, closes))
        index += months
    return found


class _Lateness:
    """Business days and time between two instants, with a cache of business dates per report."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.zone = calendar.zone
        self.days: dict[date, bool] = {}

    def measure(self, due: datetime, until: datetime) -> tuple[int, timedelta]:
        # First, as it refuses a span beyond the calendar's horizon (100 years)
        # with a typed error: the walk below is then at most that many days.
        time = self.calendar.business_time_between(due, until)
        first = local_time(due, self.zone, "as_of").date()
        last = local_time(until, self.zone, "as_of").date()
        count = 0
        day = first
        while day < last:
            known = self.days.get(day)
            if known is None:
                known = self.days[day] = self.calendar.is_business_day(day)
            count += known
            day += timedelta(days=1)
        return count, time


def _obligation(  # noqa: PLR0917 - one per part of the obligation
    member: StaffMember,
    requirement: TrainingRequirement,
    label: str,
    opens: datetime,
    due: datetime,
    times: list[int],
    owned: list[Credit],
    as_of: datetime,
    lateness: _Lateness,
) -> Obligation:
    opens_us, due_us, as_of_us = to_epoch_us(opens), to_epoch_us(due), to_epoch_us(as_of)
    on_hire = requirement.cadence is Cadence.ON_HIRE
    lo = bisect_left(times, opens_us)
    # A cycle is half-open [opens, due); an induction may be made up late, up to as_of.
    hi = bisect_right(times, as_of_us) if on_hire else bisect_left(times, min(due_us, as_of_us + 1))
    counted = owned[lo : max(lo, hi)]
    needed = requirement.sessions
    done_at: datetime | None = None
    until: datetime | None = None
    if len(counted) >= needed:
        finisher = counted[needed - 1]
        done_at = finisher.at
        if finisher.at_us <= due_us:
            status = ObligationStatus.MET
        else:
            status, until = ObligationStatus.MET_LATE, finisher.at
    elif as_of_us > due_us or (not on_hire and as_of_us == due_us):
        status, until = ObligationStatus.OVERDUE, as_of
    else:
        status = ObligationStatus.OPEN
    days: int | None = None
    time: timedelta | None = None
    if until is not None:
        days, time = lateness.measure(due, until)
    return Obligation(
        staff_id=member.id,
        requirement_id=requirement.id,
        label=label,
        opens=opens,
        due=due,
        required=needed,
        completed=tuple(c.key for c in counted),
        status=status,
        done_at=done_at,
        business_days_late=days,
        business_time_late=time,
    )


def _check_unique(values: Sequence[object], field: str, kind: type, key: str) -> None:
    seen: set[str] = set()
    for value in values:
        if not isinstance(value, kind):
            raise ValidationError(f"must be {kind.__name__} values", field=field, rule="type")
        name = getattr(value, key)
        if name in seen:
            raise ValidationError(f"{name!r} is given twice", field=field, rule="duplicate_id")
        seen.add(name)


def compliance_report(
    requirements: Sequence[TrainingRequirement],
    staff: Sequence[StaffMember],
    *,
    sessions: Iterable[TrainingSession],
    attendance: Iterable[Attendance] = (),
    completions: Iterable[Completion] = (),
    start: datetime,
    end: datetime,
    as_of: datetime,
    calendar: BusinessCalendar,
) -> ComplianceReport:
    """Each staff member's training obligations in `[start, end)`, as they stand at `as_of`.

    For every staff member and every requirement that applies to their role:

    - an on-hire rule (the induction) is one obligation, due the given
      business days after the hire on `calendar`; it is in the report if it
      opens before `end` and is due after `start`, or is still overdue;
    - a monthly, quarterly or yearly rule is one obligation per local
      calendar cycle (in the calendar's zone) that overlaps the period, due
      at the cycle's end, owed if the member was hired by the cycle's start
      and had not left before its end;
    - an as-needed rule owes nothing.

    A session counts when it ends (a completion when it was completed),
    and only if that is at or before `as_of`; each session counts once per
    staff member and requirement, however many records name it. How late an
    obligation is counts on `calendar`: business days and opening time.

    Args:
        requirements: The rules (unique ids).
        staff: The staff members (unique ids).
        sessions: The sessions that attendance records and completions may name.
        attendance: Who attended which session (only `ATTENDED` counts).
        completions: Completion records.
        start: The period's start (aware, inclusive).
        end: The period's end (aware, exclusive).
        as_of: The instant the report looks from (aware).
        calendar: The club's business calendar: its zone sets the cycles,
            its days and hours measure lateness.

    Raises:
        NaiveDatetimeError: a naive bound or `as_of`.
        InvalidIntervalError: `end` is not after `start`.
        ValidationError: a repeated requirement or staff id, two different
            sessions under one id, or attendance of an unknown session; or
            `as_of` has no local date in the calendar's zone (`out_of_range`).
        MissingHolidayDataError: the calendar lacks holiday data for a year
            the report needs and is configured to raise.
    """
    requirements = require_items(requirements, TrainingRequirement, "requirements")
    staff = require_items(staff, StaffMember, "staff")
    sessions = require_items(sessions, TrainingSession, "sessions")
    attendance = require_items(attendance, Attendance, "attendance")
    completions = require_items(completions, Completion, "completions")
    require_aware(start, "start")
    require_aware(end, "end")
    require_aware(as_of, "as_of")
    require_order(start, end, start_field="start", end_field="end")
    if not isinstance(calendar, BusinessCalendar):
        raise ValidationError("must be a BusinessCalendar", field="calendar", rule="type")
    with instant_range("as_of"):
        as_of.astimezone(calendar.zone)  # lateness is counted in local days up to as_of
    rules = list(requirements)
    members = list(staff)
    _check_unique(rules, "requirements", TrainingRequirement, "id")
    _check_unique(members, "staff", StaffMember, "id")
    members.sort(key=lambda m: m.id)
    by_staff = collect_credits(index_sessions(sessions), attendance, completions)
    start_us, end_us = to_epoch_us(start), to_epoch_us(end)
    zone = calendar.zone
    lateness = _Lateness(calendar)
    periods = {
        cadence: cycles(cadence, start_us, end_us, zone)
        for cadence in _MONTHS
        if any(r.cadence is cadence for r in rules)
    }
    lines: list[StaffCompliance] = []
    for member in members:
        mine = sorted(by_staff.get(member.id, {}).values(), key=lambda c: (c.at_us, c.key))
        hired_us = to_epoch_us(member.hired_at)
        left_us = None if member.left_at is None else to_epoch_us(member.left_at)
        obligations: list[Obligation] = []
        for rule in rules:
            if rule.cadence is Cadence.AS_NEEDED or not rule.applies_to(member.role):
                continue
            owned = [c for c in mine if rule.counts(c.kind, c.method, c.topic)]
            times = [c.at_us for c in owned]
            if rule.cadence is Cadence.ON_HIRE:
                if hired_us >= end_us:
                    continue
                days = rule.within_business_days or 0
                due = calendar.add_business_days(member.hired_at, days)
                due_us = to_epoch_us(due)
                if left_us is not None and left_us < due_us:
                    continue
                found = _obligation(
                    member, rule, _ON_HIRE, member.hired_at, due, times, owned, as_of, lateness
                )
                if due_us > start_us or found.status is ObligationStatus.OVERDUE:
                    obligations.append(found)
                continue
            for label, opens, closes in periods[rule.cadence]:
                if hired_us > to_epoch_us(opens):
                    continue
                if left_us is not None and left_us < to_epoch_us(closes):
                    continue
                obligations.append(
                    _obligation(member, rule, label, opens, closes, times, owned, as_of, lateness)
                )
        lines.append(
            StaffCompliance(staff_id=member.id, role=member.role, obligations=tuple(obligations))
        )
    return ComplianceReport(start=start, end=end, as_of=as_of, staff=tuple(lines))
