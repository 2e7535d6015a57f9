"""SLA evaluation at an instant: target statuses, and the clock check for alerts.

Every target counts its time on its own clock (business microseconds of its
calendar, or plain microseconds), minus the time paused while the case
awaited the customer. With `counted(t)` that time at instant `t` and
`within` the target's allowance:

- the target is breached at `t` when `counted(t) > within`;
- its due time is the last instant with `counted(t) <= within`: meeting the
  target exactly at the due time is on time. When the allowance runs out
  exactly at a closing, the due time is the next opening, since no business
  time passes while the club is closed;
- it warns once `counted(t) >= warn_at * within`, and escalates once
  `counted(t) > escalation.at * within`. Alerts of business-time targets fall
  in opening hours by construction; those of calendar-time targets with a
  calendar are moved to the next opening.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, tzinfo  # noqa: TC003  # get_type_hints resolves these at runtime
from typing import TYPE_CHECKING

import attrs

from clubrules._time import ONE_US, from_epoch_us, require_aware, to_epoch_us
from clubrules.complaints._model import TargetKind, TargetStatusKind, TimeBasis
from clubrules.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from clubrules.complaints._case import Case, TargetRun

__all__ = ["Alert", "AlertLevel", "TargetStatus", "check_alerts", "sla_status"]

ACTIVE, PAUSED, ACHIEVED, BREACHED, CANCELLED = (
    TargetStatusKind.ACTIVE,
    TargetStatusKind.PAUSED,
    TargetStatusKind.ACHIEVED,
    TargetStatusKind.BREACHED,
    TargetStatusKind.CANCELLED,
)


@attrs.frozen(slots=True, repr=False)
class TargetStatus:
    """The state of one SLA target run at an instant.

    Instants are stored as epoch microseconds and shown as datetimes in the
    case's zone through the properties.

    Attributes:
        case_id: The case.
        kind: The target kind.
        cycle: 0 for the first handling, n after the n-th reopen.
        seq: Its index among the case's runs of this kind (progress updates
            have many).
        status: Active, paused, achieved, breached or cancelled.
        breached: Whether it is past its due time (also while paused) or
            was met late.
        basis: Calendar or business time.
        started_us: When it started.
        due_us: Its due time (for a paused target: if it resumed now).
        achieved_us: When it was met, or None.
        ended_us: When it was met or stopped, or None while running.
        elapsed_us: Time counted so far (business time on a business
            target), pauses excluded.
        remaining_us: `within - elapsed`; negative when overdue.
        paused_us: Wall time spent paused.
        zone: The zone to show instants in.
    """

    case_id: str
    kind: TargetKind
    cycle: int
    seq: int
    status: TargetStatusKind
    breached: bool
    basis: TimeBasis
    started_us: int
    due_us: int
    achieved_us: int | None
    ended_us: int | None
    elapsed_us: int
    remaining_us: int
    paused_us: int
    zone: tzinfo

    @property
    def started_at(self) -> datetime:
        """When the target started."""
        return from_epoch_us(self.started_us, self.zone)

    @property
    def due_at(self) -> datetime:
        """The last instant at which meeting the target is on time."""
        return from_epoch_us(self.due_us, self.zone)

    @property
    def achieved_at(self) -> datetime | None:
        """When the target was met, or None."""
        return None if self.achieved_us is None else from_epoch_us(self.achieved_us, self.zone)

    @property
    def elapsed(self) -> timedelta:
        """Time counted so far on the target's basis, pauses excluded."""
        return self.elapsed_us * ONE_US

    @property
    def remaining(self) -> timedelta:
        """Time left on the target's basis; negative when overdue."""
        return self.remaining_us * ONE_US

    @property
    def overdue(self) -> timedelta:
        """How far past the allowance the target is (zero when not overdue)."""
        return max(-self.remaining_us, 0) * ONE_US

    @property
    def paused_for(self) -> timedelta:
        """Wall time spent paused while the case awaited the customer."""
        return self.paused_us * ONE_US

    @property
    def completed(self) -> bool:
        """Whether the run has ended (met, or stopped by the case ending)."""
        return self.ended_us is not None

    def __repr__(self) -> str:
        return (
            f"TargetStatus({self.case_id!r}, {self.kind.value}#{self.cycle}.{self.seq}, "
            f"{self.status.value}{', breached' if self.breached else ''}, "
            f"due={self.due_at.isoformat()})"
        )


def _status_of(case: Case, run: TargetRun, now_us: int, readings: dict[int, int]) -> TargetStatus:
    if run.final is not None:
        return run.final  # type: ignore[return-value]  # set below, only ever a TargetStatus
    budget = run.budget
    if run.end_us is not None:
        counted = run.counted_end
        due = run.due_us
        breached = counted > budget
        if run.achieved:
            status = BREACHED if breached else ACHIEVED
        else:
            status = BREACHED if breached else CANCELLED
        paused_us = run.paused_us
        achieved_us = run.end_us if run.achieved else None
    else:
        clock = run.clock
        base = run.start_c + run.paused_c
        if run.pause_start_us is None:
            key = clock.key
            if key == 0:
                reading = now_us
            elif key in readings:
                reading = readings[key]
            else:
                reading = readings[key] = clock.read(now_us)
            counted = reading - base
            due = run.due_us
            breached = counted > budget
            status = BREACHED if breached else ACTIVE
            paused_us = run.paused_us
        else:
            counted = run.pause_start_c - base
            breached = counted > budget
            if breached:
                due = run.due_us
            else:
                due = clock.last_at_or_below(clock.read(now_us) + budget - counted)
            status = PAUSED
            paused_us = run.paused_us + now_us - run.pause_start_us
        achieved_us = None
    status_value = TargetStatus(
        case.id,
        run.kind,
        run.cycle,
        run.seq,
        status,
        breached,
        run.basis,
        run.start_us,
        due,
        achieved_us,
        run.end_us,
        counted,
        budget - counted,
        paused_us,
        case.zone,
    )
    if run.end_us is not None:
        run.final = status_value
    return status_value


def final_status(case: Case, run: TargetRun) -> TargetStatus:
    """The fixed status of an ended run, computed once when the case is folded."""
    return _status_of(case, run, run.end_us or 0, {})


def _now_us(case: Case, now: datetime) -> int:
    now_us = to_epoch_us(require_aware(now, "now"))
    if now_us < case.last_us:
        raise ValidationError(
            f"must not be before the case's last event ({from_epoch_us(case.last_us).isoformat()})",
            field="now",
            rule="before_last_event",
        )
    return now_us


def sla_status(case: Case, now: datetime) -> tuple[TargetStatus, ...]:
    """Every SLA target run of `case` as it stands at `now`, in the order started.

    Args:
        case: The case.
        now: The instant to evaluate at; not before the case's last event.

    Raises:
        NaiveDatetimeError: `now` is naive.
        ValidationError: `now` is before the case's last event
            (`before_last_event`).
    """
    now_us = _now_us(case, now)
    readings: dict[int, int] = {}
    return tuple(_status_of(case, run, now_us, readings) for run in case.runs)


class AlertLevel(enum.Enum):
    """What an alert says: the target nears its due time, is past it, or goes up the line."""

    WARNING = "warning"
    BREACHED = "breached"
    ESCALATION = "escalation"


@attrs.frozen(slots=True)
class Alert:
    """A reminder or escalation that is due for one target of one case.

    Attributes:
        case_id: The case.
        kind: The target kind.
        cycle: The target's cycle.
        seq: The target's run index.
        level: Warning, breached or escalation.
        fire_at: When the alert became due (in opening hours where the
            target has a calendar).
        due_at: The target's due time.
        notify: Who is told: the case's assignee for warnings and breaches
            (empty when unassigned), the escalation's roles for escalations.
    """

    case_id: str
    kind: TargetKind
    cycle: int
    seq: int
    level: AlertLevel
    fire_at: datetime
    due_at: datetime
    notify: tuple[str, ...]


def check_alerts(cases: Iterable[Case], now: datetime) -> list[Alert]:
    """The warnings, breaches and escalations due at `now` for the running targets of `cases`.

    The check is stateless: it lists every alert whose time has come and
    whose target is still running; the caller sends each
    (case, kind, cycle, seq, level) once. A target warns until it breaches,
    then reports the breach; its escalation is listed besides. Nothing is
    listed for a target whose calendar is closed at `now`: reminders never
    fire while the club is closed. A paused target's clock is stopped, so it
    alerts only for thresholds crossed before the pause.

    Raises:
        NaiveDatetimeError: `now` is naive.
        ValidationError: `now` is before a case's last event.
    """
    now = require_aware(now, "now")
    now_us = to_epoch_us(now)
    open_now: dict[int, bool] = {}
    alerts: list[Alert] = []
    for case in cases:
        if not case.state.is_open:
            continue
        if now_us < case.last_us:
            _now_us(case, now)
        for run in case.runs:
            if run.end_us is not None:
                continue
            horizon = now_us if run.pause_start_us is None else run.pause_start_us
            if run.warn_us > horizon and (run.escalate_us is None or run.escalate_us > horizon):
                continue
            calendar = run.target.calendar
            if calendar is not None:
                key = id(calendar)
                is_open = open_now.get(key)
                if is_open is None:
                    is_open = open_now[key] = calendar.is_open(now)
                if not is_open:
                    continue
            zone = case.zone
            due_at = from_epoch_us(run.due_us, zone)
            owner = (case.assignee,) if case.assignee else ()
            if run.due_us < horizon:
                alerts.append(
                    Alert(
                        case.id,
                        run.kind,
                        run.cycle,
                        run.seq,
                        AlertLevel.BREACHED,
                        from_epoch_us(_breach_alert_us(run), zone),
                        due_at,
                        owner,
                    )
                )
            elif run.warn_us <= horizon:
                alerts.append(
                    Alert(
                        case.id,
                        run.kind,
                        run.cycle,
                        run.seq,
                        AlertLevel.WARNING,
                        from_epoch_us(run.warn_us, zone),
                        due_at,
                        owner,
                    )
                )
            escalation = run.target.escalation
            if (
                escalation is not None
                and run.escalate_us is not None
                and run.escalate_us <= horizon
            ):
                alerts.append(
                    Alert(
                        case.id,
                        run.kind,
                        run.cycle,
                        run.seq,
                        AlertLevel.ESCALATION,
                        from_epoch_us(run.escalate_us, zone),
                        due_at,
                        escalation.notify,
                    )
                )
    return alerts


def _breach_alert_us(run: TargetRun) -> int:
    escalation = run.target.escalation
    if run.escalate_us is not None and escalation is not None and escalation.at == 1:
        return run.escalate_us
    breach = run.due_us + 1
    calendar = run.target.calendar
    if calendar is None or run.basis is TimeBasis.BUSINESS:
        return breach
    return to_epoch_us(calendar.next_opening(from_epoch_us(breach, calendar.zone)))
