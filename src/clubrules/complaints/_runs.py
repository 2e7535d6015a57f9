"""The runs of a case's SLA targets: their counting clocks and their bookkeeping (private).

A run keeps integer instants (epoch microseconds) and clock readings, so
that the status of 100,000 open cases is integer arithmetic.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.complaints._model import TimeBasis

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.calendar import BusinessCalendar
    from clubrules.complaints._model import TargetKind
    from clubrules.complaints._policy import SlaTarget

__all__ = ["Clock", "TargetRun"]


class Clock:
    """The counting clock of one target: business microseconds, or plain ones.

    A business clock remembers its last reading (one tuple, replaced whole,
    so concurrent readers never see a torn pair): a fold reads it at the same
    instant for every run it pauses, resumes or starts.
    """

    __slots__ = ("_business", "_memo", "_table", "at", "calendar", "key", "read")

    read: Callable[[int], int]
    at: Callable[[int], int]

    def __init__(self, calendar: BusinessCalendar | None, basis: TimeBasis) -> None:
        self.calendar = calendar
        self._memo = (-1, 0)
        self._table: tuple[int, int, list[int], list[int], list[int], int] | None = None
        if basis is TimeBasis.BUSINESS and calendar is not None:
            self._business = calendar.business_us
            self.read = self._read_business
            self.at = calendar.instant_at_business_us
            # Runs on one calendar share one reading of "now" per evaluation.
            self.key = id(calendar)
        else:
            self.read = _same
            self.at = _same
            self.key = 0

    def _read_business(self, at_us: int) -> int:
        memo = self._memo
        if memo[0] == at_us:
            return memo[1]
        table = self._table
        if table is not None and table[0] <= at_us < table[1]:
            # `calendar.business_us(at_us)` read from the table of its last snapshot (see
            # `BusinessCalendar._business_table`): a replay reads about once an event.
            _, _, starts, ends, cum0, zero = table
            i = bisect_right(starts, at_us) - 1
            if i < 0:
                reading = -zero
            else:
                end = ends[i]
                # A comparison, not `min`: cheaper than a call.
                reading = cum0[i] + (end if end < at_us else at_us) - starts[i] - zero  # noqa: FURB136
        else:
            reading = self._business(at_us)
            assert self.calendar is not None  # noqa: S101 - a business clock has a calendar
            self._table = self.calendar._business_table()  # noqa: SLF001 - see above
        self._memo = (at_us, reading)
        return reading

    def last_at_or_below(self, reading: int) -> int:
        """The last instant at which the clock reads at most `reading`.

        On a business clock that is the next opening when `reading` is
        reached exactly at a closing: time does not run while closed.
        """
        return self.at(reading + 1) - 1


def _same(value: int) -> int:
    return value


class TargetRun:
    """One run of one SLA target inside a case (private bookkeeping, read-only in use).

    All instants are epoch microseconds; `*_c` values are readings of the
    target's counting clock (business microseconds, or plain ones). A plain
    slotted class with a positional constructor: a replay makes about seven
    runs a case, and this builds one in about half the time of attrs' keyword
    constructor with its default factory.

    Attributes:
        kind: The target kind.
        cycle: 0 for the first handling, n for the n-th reopen.
        seq: The index of this run among the case's runs of `kind`.
        target: The policy target.
        basis: The counting basis (a promised reply counts calendar time).
        budget: The allowed time in clock microseconds.
        start_us: When the run started.
        start_c: The clock at the start.
        clock: The counting clock.
        pausable: Whether it stops while the case awaits the customer.
        paused_c: Clock time spent in closed pauses.
        paused_us: Wall time spent in closed pauses.
        pauses: The closed pauses, as (start, end) clock readings.
        pause_start_us: The start of the open pause, or None.
        pause_start_c: The clock at the start of the open pause.
        end_us: When the run ended (achieved or stopped), or None.
        achieved: Whether it ended by being met.
        due_us: The due instant of a running run, computed when the case is
            folded (`settle`).
        marks: Its warning and escalation instants, when first asked for
            (`alert_marks`).
        counted_end: The counted time at the end of an ended run.
        final: The status of an ended run never changes: built when first
            asked for, then kept here.
    """

    __slots__ = (
        "achieved",
        "basis",
        "budget",
        "clock",
        "counted_end",
        "cycle",
        "due_us",
        "end_us",
        "final",
        "kind",
        "marks",
        "pausable",
        "pause_start_c",
        "pause_start_us",
        "paused_c",
        "paused_us",
        "pauses",
        "seq",
        "start_c",
        "start_us",
        "target",
    )

    def __init__(  # noqa: PLR0917 - the run's identity and start, positional for speed
        self,
        kind: TargetKind,
        cycle: int,
        seq: int,
        target: SlaTarget,
        basis: TimeBasis,
        budget: int,
        start_us: int,
        start_c: int,
        clock: Clock,
        pausable: bool = False,
    ) -> None:
        self.kind = kind
        self.cycle = cycle
        self.seq = seq
        self.target = target
        self.basis = basis
        self.budget = budget
        self.start_us = start_us
        self.start_c = start_c
        self.clock = clock
        self.pausable = pausable
        self.paused_c = 0
        self.paused_us = 0
        self.pauses: list[tuple[int, int]] = []
        self.pause_start_us: int | None = None
        self.pause_start_c = 0
        self.end_us: int | None = None
        self.achieved = False
        self.due_us = 0
        self.marks: tuple[int, int | None] | None = None
        self.counted_end = 0
        self.final: object = None

    def __repr__(self) -> str:
        return (
            f"TargetRun(kind={self.kind.value}, cycle={self.cycle}, seq={self.seq}, "
            f"start_us={self.start_us}, end_us={self.end_us}, achieved={self.achieved})"
        )

    def pause(self, at_us: int) -> None:
        if self.pause_start_us is None and self.end_us is None:
            self.pause_start_us = at_us
            self.pause_start_c = self.clock.read(at_us)

    def resume(self, at_us: int) -> None:
        if self.pause_start_us is not None:
            end_c = self.clock.read(at_us)
            self.pauses.append((self.pause_start_c, end_c))
            self.paused_c += end_c - self.pause_start_c
            self.paused_us += at_us - self.pause_start_us
            self.pause_start_us = None

    def end(self, at_us: int, *, achieved: bool) -> None:
        if self.end_us is None:
            if self.pause_start_us is not None:
                self.resume(at_us)
            self.end_us = at_us
            self.achieved = achieved
            # Read now, when the fold has just read this instant (a memo hit), not at settle.
            self.counted_end = self.clock.read(at_us) - self.start_c - self.paused_c

    def _reading_at(self, counted: int, *, before_pause: bool) -> int:
        """The clock reading at which the counted time reaches `counted`, pauses skipped.

        With `before_pause`, a reading equal to a pause's start is taken
        before the pause (the first instant it is reached); otherwise after
        it (the last instant the counted time still equals `counted`).
        """
        reading = self.start_c + counted
        for start_c, end_c in self.pauses:
            if reading < start_c or (before_pause and reading == start_c):
                break
            reading += end_c - start_c
        return reading

    def fixed_due_us(self) -> int:
        """The last instant at which meeting the target is on time, from the pauses so far."""
        budget = self.budget
        # Without pauses the reading is the start plus the budget: no call to `_reading_at`.
        reading = (
            self._reading_at(budget, before_pause=False) if self.pauses else self.start_c + budget
        )
        return self.clock.at(reading + 1) - 1  # clock.last_at_or_below(reading)

    def settle(self) -> None:
        """Compute a running run's due instant from its pauses (at the end of the fold).

        An ended run alerts no more: its due time is read once, with its fixed
        status, when that is first asked for (see `status_of`); a running
        run's warning and escalation instants when alerts are first checked
        (see `alert_marks`).
        """
        if self.end_us is None:
            self.due_us = self.fixed_due_us()

    def alert_marks(self) -> tuple[int, int | None]:
        """The instants of the warning and of the escalation (None without one), computed once."""
        marks = self.marks
        if marks is not None:
            return marks
        clock = self.clock
        budget = self.budget
        numerator, denominator = _share(self.target.warn_at, budget)
        warn = -(-numerator // denominator)  # rounded up: counted >= warn_at * within
        warn_us = _in_hours(self, clock.last_at_or_below(self._reading_at(warn, before_pause=True)))
        escalation = self.target.escalation
        escalate_us = None
        if escalation is not None:
            # The first instant at which the counted time exceeds the threshold.
            numerator, denominator = _share(escalation.at, budget)
            threshold = numerator // denominator  # rounded down: counted > at * within
            reading = self._reading_at(threshold, before_pause=False)
            escalate_us = _in_hours(self, clock.last_at_or_below(reading) + 1)
        # Stored whole, in one store: a reader in another thread finds both or computes equal ones.
        self.marks = marks = (warn_us, escalate_us)
        return marks

    @property
    def running(self) -> bool:
        return self.end_us is None


def _share(fraction: float, budget: int) -> tuple[int, int]:
    """`fraction * budget` exactly, as a numerator and a positive denominator.

    A float fraction is read as the decimal it is written as (its `repr`,
    the shortest that gives the float): 0.07 of an hour is 252 seconds to
    the microsecond, where the float product is 252.00000000000003 seconds
    and rounding it up would give one microsecond more.
    """
    # The plain type's repr: a subclass's own repr (or hash, for the cache) has no say.
    text = int.__repr__(fraction) if isinstance(fraction, int) else float.__repr__(fraction)
    numerator, denominator = _ratio(text)
    return numerator * budget, denominator


@lru_cache(maxsize=256)  # a few fractions serve every case: read each once
def _ratio(text: str) -> tuple[int, int]:
    return Decimal(text).as_integer_ratio()


def _in_hours(run: TargetRun, at_us: int) -> int:
    """Move an alert instant of a calendar-time target into its calendar's opening hours."""
    calendar = run.target.calendar
    if calendar is None or run.basis is TimeBasis.BUSINESS:
        return at_us  # business clocks only cross thresholds while open
    at = from_epoch_us(at_us, calendar.zone)
    return to_epoch_us(calendar.next_opening(at))
