"""The status of one SLA target run at an instant, and how it is computed.

`sla_status` reads these for a running case. The status of an ended run
never changes: it is built once, when first asked for, and kept with the run.
"""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from datetime import datetime, timedelta, tzinfo  # noqa: TC003
from typing import TYPE_CHECKING

import attrs

from clubrules._checks import require_flag
from clubrules._time import ONE_US, from_epoch_us
from clubrules.complaints._model import TargetKind, TargetStatusKind, TimeBasis
from clubrules.words import message, time_left, when

if TYPE_CHECKING:
    from clubrules.complaints._runs import TargetRun

__all__ = ["TargetStatus", "paused_due_us", "status_of"]

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
        seq: Its index among all the case's runs of this kind, from 0,
            counted across cycles (not restarted at a reopen): the
            resolution owed after the first reopen is `seq` 1 of `cycle` 1.
            So `(kind, seq)` alone names a run; progress updates have many.
        status: Active, paused, achieved, breached or cancelled.
        breached: Whether it is past its due time (also while paused) or
            was met late.
        basis: Calendar or business time.
        started_us: When it started.
        due_us: Its due time. A paused target's clock is stopped, so its
            due time is read as if it resumed at the instant asked about
            (the time left is fixed; the due time moves with `now`), unless
            it breached before the pause. `Alert.due_at` means the same.
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

    def __attrs_post_init__(self) -> None:
        require_flag(self.breached, "breached")

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

    def describe(self, locale: str | None = None) -> str:
        """One line for the desk, in `locale` (the locale in force by default).

        Such as "resolution active, due Tue 3 Mar 13:00, 75 business hours
        left" or "resolution breached, due Wed 18 Mar 11:00, 15 business
        hours overdue": instants in the case's zone, time left in business hours on a
        business-time target, and "overdue" rather than a negative duration.

        Raises:
            ValidationError: an unknown locale (rule `unknown_locale`).
        """
        business = self.basis is TimeBasis.BUSINESS
        return message(
            "sla.status_line",
            locale=locale,
            kind=message(f"sla.kind.{self.kind.value}", locale=locale),
            status=message(f"sla.status.{self.status.value}", locale=locale),
            due=when(self.due_at, self.zone, locale=locale),
            left=time_left(self.remaining, business=business, locale=locale),
        )

    def __repr__(self) -> str:
        return (
            f"TargetStatus({self.case_id!r}, {self.kind.value}#{self.cycle}.{self.seq}, "
            f"{self.status.value}{', breached' if self.breached else ''}, "
            f"due={self.due_at.isoformat()})"
        )


def status_of(
    case_id: str, zone: tzinfo, run: TargetRun, now_us: int, readings: dict[int, int]
) -> TargetStatus:
    """The status of `run` of case `case_id` at `now_us`; `readings` caches readings by clock."""
    if run.final is not None:
        return run.final  # type: ignore[return-value]  # set below, only ever a TargetStatus
    budget = run.budget
    if run.end_us is not None:
        counted = run.counted_end
        due = run.fixed_due_us()
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
            due = paused_due_us(run, now_us)
            status = PAUSED
            paused_us = run.paused_us + now_us - run.pause_start_us
        achieved_us = None
    status_value = TargetStatus(
        case_id,
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
        zone,
    )
    if run.end_us is not None:
        # Kept whole, in one store: a reader in another thread finds it or builds an equal one.
        run.final = status_value
    return status_value


def paused_due_us(run: TargetRun, now_us: int) -> int:
    """The due time of a paused run read at `now_us`: as if it resumed at `now_us`.

    A paused run's clock is stopped, so its time left is fixed and its due
    time moves with `now`: the last instant at which the time left, counted
    from `now_us`, runs out. A run that breached before the pause keeps its
    due time in the past. `sla_status` and `check_alerts` both read it here.
    """
    counted = run.pause_start_c - run.start_c - run.paused_c
    if counted > run.budget:
        return run.due_us
    clock = run.clock
    return clock.last_at_or_below(clock.read(now_us) + run.budget - counted)
