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
  `counted(t) > escalation.at * within`, both products exact (the fraction
  read as the decimal its `repr` writes, never multiplied as a float).
  Alerts of business-time targets fall in opening hours by construction;
  those of calendar-time targets with a calendar are moved to the next
  opening.
"""

from __future__ import annotations

import enum

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable  # noqa: TC003
from datetime import datetime  # noqa: TC003

import attrs

from clubrules._time import from_epoch_us, instants_compared, require_aware, to_epoch_us
from clubrules.complaints._case import Case
from clubrules.complaints._model import SUPERVISOR, TargetKind, TimeBasis
from clubrules.complaints._runs import TargetRun  # noqa: TC001
from clubrules.complaints._status import TargetStatus, paused_due_us, status_of
from clubrules.errors import ValidationError
from clubrules.words import message, when

__all__ = ["Alert", "AlertLevel", "TargetStatus", "check_alerts", "sla_status"]
from clubrules._checks import require_instance, require_items


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
    require_instance(case, Case, "case")
    now_us = _now_us(case, now)
    readings: dict[int, int] = {}
    return tuple(status_of(case.id, case.zone, run, now_us, readings) for run in case.runs)


class AlertLevel(enum.Enum):
    """What an alert says: the target nears its due time, is past it, or goes up the line."""

    WARNING = "warning"
    BREACHED = "breached"
    ESCALATION = "escalation"


@attrs.frozen(slots=True, field_transformer=instants_compared)
class Alert:
    """A reminder or escalation that is due for one target of one case.

    Attributes:
        case_id: The case.
        kind: The target kind.
        cycle: The target's cycle.
        seq: The run's index among the case's runs of this kind, counted
            across cycles (see `TargetStatus.seq`).
        level: Warning, breached or escalation.
        fire_at: When the alert became due (in opening hours where the
            target has a calendar). Alerts compare `fire_at` and `due_at`
            as instants, never as wall times.
        due_at: The target's due time, as `sla_status` gives it at the
            same `now`: for a paused target, the due time if it resumed at
            `now` (see `TargetStatus.due_us`).
        notify: Who is told. Warnings and breaches go to the case's
            assignee; when the case is unassigned, to the target's
            escalation roles (management, for a safety incident's report),
            or to the customer-service supervisor (`SUPERVISOR`) when the
            target has no escalation. Escalations go to the escalation's
            roles.
    """

    case_id: str
    kind: TargetKind
    cycle: int
    seq: int
    level: AlertLevel
    fire_at: datetime
    due_at: datetime
    notify: tuple[str, ...]

    def describe(self, locale: str | None = None) -> str:
        """The alert as one line for the person told, in `locale` (the locale in force by default).

        Such as "warning on resolution (crossed Sun 1 Mar 19:36), due Tue 3
        Mar 13:00, to cs-07"; instants are shown in the zone they carry
        (the case's zone).

        Raises:
            ValidationError: an unknown locale (rule `unknown_locale`).
        """
        return message(
            f"sla.alert.{self.level.value}",
            locale=locale,
            kind=message(f"sla.kind.{self.kind.value}", locale=locale),
            fired=when(self.fire_at, locale=locale),
            due=when(self.due_at, locale=locale),
            notify=message("list.sep", locale=locale).join(self.notify),
        )


def check_alerts(cases: Iterable[Case], now: datetime) -> list[Alert]:
    """The warnings, breaches and escalations due at `now` for the running targets of `cases`.

    The check is stateless: it lists every alert whose time has come and
    whose target is still running; the caller sends each
    (case, kind, cycle, seq, level) once. A target warns until it breaches,
    then reports the breach; its escalation is listed besides. Nothing is
    listed for a target whose calendar is closed at `now`: reminders never
    fire while the club is closed. A paused target's clock is stopped, so it
    alerts only for thresholds crossed before the pause.

    Returns:
        The alerts in the order of `cases` (the same cases in another order
        give the same alerts in that order); a case's by target run, as
        `sla_status` lists them, a run's warning or breach before its
        escalation.

    Raises:
        NaiveDatetimeError: `now` is naive.
        ValidationError: `now` is before a case's last event.
    """
    cases = require_items(cases, Case, "cases")
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
            warn_us, escalate_us = run.alert_marks()
            if warn_us > horizon and (escalate_us is None or escalate_us > horizon):
                continue
            calendar = run.target.calendar
            if calendar is not None:
                key = id(calendar)
                is_open = open_now.get(key)
                if is_open is None:
                    is_open = open_now[key] = calendar.is_open(now)
                if not is_open:
                    continue
            escalation = run.target.escalation
            if case.assignee:
                owner: tuple[str, ...] = (case.assignee,)
            else:
                owner = (SUPERVISOR,) if escalation is None else escalation.notify
            due_us = run.due_us if run.pause_start_us is None else paused_due_us(run, now_us)
            if run.due_us < horizon:
                breach_us = _breach_alert_us(run, escalate_us)
                alerts.append(
                    _alert(case, run, AlertLevel.BREACHED, breach_us, owner, due_us=due_us)
                )
            elif warn_us <= horizon:
                alerts.append(_alert(case, run, AlertLevel.WARNING, warn_us, owner, due_us=due_us))
            if escalation is not None and escalate_us is not None and escalate_us <= horizon:
                alerts.append(
                    _alert(
                        case,
                        run,
                        AlertLevel.ESCALATION,
                        escalate_us,
                        escalation.notify,
                        due_us=due_us,
                    )
                )
    return alerts


def _alert(
    case: Case,
    run: TargetRun,
    level: AlertLevel,
    fire_us: int,
    notify: tuple[str, ...],
    *,
    due_us: int,
) -> Alert:
    """The `level` alert of `run` of `case`, fired at `fire_us`, shown in the case's zone."""
    return Alert(
        case.id,
        run.kind,
        run.cycle,
        run.seq,
        level,
        from_epoch_us(fire_us, case.zone),
        from_epoch_us(due_us, case.zone),
        notify,
    )


def _breach_alert_us(run: TargetRun, escalate_us: int | None) -> int:
    escalation = run.target.escalation
    if escalate_us is not None and escalation is not None and escalation.at == 1:
        return escalate_us
    breach = run.due_us + 1
    calendar = run.target.calendar
    if calendar is None or run.basis is TimeBasis.BUSINESS:
        return breach
    return to_epoch_us(calendar.next_opening(from_epoch_us(breach, calendar.zone)))
