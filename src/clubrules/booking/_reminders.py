"""Reminders: X hours before, computed in UTC, kept out of quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

import attrs

from clubrules._checks import raise_collected, require_instance
from clubrules._time import from_epoch_us, instant_range, require_aware, to_epoch_us
from clubrules.booking._model import Booking, BookingStatus, _check_delta, us
from clubrules.errors import ValidationError, ViolationCollector

__all__ = ["ReminderPolicy", "reminder_time"]

_REMINDED = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})
# A reminder moved back goes out in the last minute before quiet hours begin.
_LAST_MINUTE_US = 60_000_000
_ONE_US = timedelta(microseconds=1)
_FIRST_US = to_epoch_us(datetime(1, 1, 1, tzinfo=UTC))
# At most this many quiet periods are joined on each side (a clock change
# can swallow the free hours between two of them; two changes never meet).
_JOINS = 3


def _check_wall_time(problems: ViolationCollector, field: str, value: object) -> None:
    if not isinstance(value, time):
        problems.add(field, "not_a_time", f"must be a datetime.time, not {type(value).__name__}")
    elif value.tzinfo is not None:
        problems.add(
            field, "aware_time", "must be a local wall time without tzinfo; the zone applies"
        )


@attrs.frozen(kw_only=True)
class ReminderPolicy:
    """When to remind a customer: `before` the start, but never in quiet hours.

    Quiet hours are local times in `zone`, `[quiet_start, quiet_end)`, and
    may cross midnight (21:00-09:00, the default). Equal start and end mean
    no quiet hours. A reminder that falls in quiet hours moves to the end of
    the quiet period if that is still at least `min_lead` before the start,
    else back to the last minute before the quiet period begins.

    Quiet hours follow the local clock. Where it jumps forward over
    `quiet_start` (or `quiet_end`), that boundary is the jump itself; where
    a reminder falls in the second pass of a repeated hour, its quiet
    period ends at the second pass of `quiet_end`. Every comparison is
    between instants, never between wall times.

    Attributes:
        zone: The club's zone, for quiet hours.
        before: How long before the start (the seed's "X hours").
        quiet_start: When quiet hours begin (local).
        quiet_end: When quiet hours end (local).
        min_lead: The least time a deferred reminder must leave before the start.

    Raises:
        ValidationError: a negative or non-timedelta duration (rules
            `not_a_timedelta`, `negative`); a zone that is not a tzinfo
            (rule `not_a_zone`); a quiet-hours bound that is not a
            `datetime.time` (rule `not_a_time`) or carries a tzinfo (rule
            `aware_time`: quiet hours are wall times in `zone`).
    """

    zone: tzinfo
    before: timedelta = timedelta(hours=24)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(9, 0)
    min_lead: timedelta = timedelta(hours=1)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_delta(problems, "before", self.before)
        _check_delta(problems, "min_lead", self.min_lead)
        zone: object = self.zone
        if not isinstance(zone, tzinfo):
            problems.add(
                "zone", "not_a_zone", "must be a tzinfo, such as ZoneInfo('Asia/Shanghai')"
            )
        for field in ("quiet_start", "quiet_end"):
            _check_wall_time(problems, field, getattr(self, field))
        raise_collected(problems)

    def _at(self, day: date, clock: time, *, fold: int = 0) -> datetime:
        """The first instant (UTC) at which the local clock reads `clock` or later on `day`.

        A wall time that happens twice takes the pass `fold`. One that does
        not exist (in a spring-forward gap) is reached when the clocks jump
        past it: the boundary is the jump itself.
        """
        wall = datetime.combine(day, clock)
        placed = wall.replace(tzinfo=self.zone, fold=fold).astimezone(UTC)
        if placed.astimezone(self.zone).replace(tzinfo=None) == wall:
            return placed
        # In a gap: fold 1 reads it before the jump, fold 0 after; bisect between.
        lo = to_epoch_us(wall.replace(tzinfo=self.zone, fold=1))
        hi = to_epoch_us(wall.replace(tzinfo=self.zone, fold=0))
        lo, hi = min(lo, hi), max(lo, hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if from_epoch_us(mid, self.zone).replace(tzinfo=None) < wall:
                lo = mid
            else:
                hi = mid
        return from_epoch_us(hi)

    def _end(self, day: date, clock: time, at: datetime) -> datetime:
        """The end of a quiet period holding `at`: after `at`, as instants.

        On a night whose clocks go back, `at` may be in the second pass of
        the repeated hour, after the first pass of the end's wall time.
        """
        end = self._at(day, clock)
        if to_epoch_us(end) <= to_epoch_us(at):
            end = self._at(day, clock, fold=1)
        return end

    def quiet_period(self, at: datetime) -> tuple[datetime, datetime] | None:
        """The quiet period `[start, end)` containing `at` (UTC), or None if `at` is not quiet.

        Quiet hours are local wall times: `at` is quiet when its local
        clock reads from `quiet_start` to before `quiet_end`. The period's
        bounds are the instants the clock reaches them, so it holds `at`,
        also in the repeated hour of an autumn night or around a
        spring-forward gap. Quiet hours that meet because the free hours
        between them were skipped (02:00-02:30 on a night that jumps from
        02:00 to 03:00) make one period.

        Raises:
            NaiveDatetimeError: `at` is naive.
            ValidationError: the period reaches past year 1 or 9999 (rule
                `out_of_range`).
        """
        require_aware(at, "at")
        with instant_range("at"):
            return self._quiet_period(at)

    def _quiet_period(self, at: datetime) -> tuple[datetime, datetime] | None:
        found = self._period(at)
        if found is None:
            return None
        begin, end = found
        for _ in range(_JOINS):  # the next period begins where this one ends: join them
            after = self._period(end)
            if after is None:
                break
            end = after[1]
        for _ in range(_JOINS):
            before = self._period(begin - _ONE_US)
            if before is None:
                break
            begin = before[0]
        return begin, end

    def _period(self, at: datetime) -> tuple[datetime, datetime] | None:
        """The quiet period of `at`'s local day, holding `at`; None if `at` is not quiet."""
        qs, qe = self.quiet_start, self.quiet_end
        if qs == qe:
            return None
        local = require_aware(at, "at").astimezone(self.zone)
        tod, day = local.time().replace(tzinfo=None), local.date()
        one = timedelta(days=1)
        if qs < qe:
            if qs <= tod < qe:
                return self._at(day, qs), self._end(day, qe, at)
            return None
        if tod >= qs:
            return self._at(day, qs), self._end(day + one, qe, at)
        if tod < qe:
            return self._at(day - one, qs), self._end(day, qe, at)
        return None


def _out_of_range() -> ValidationError:
    return ValidationError(
        "puts the reminder, or its quiet hours, outside years 1-9999, counted back "
        "from the booking's start",
        field="before",
        rule="out_of_range",
    )


def reminder_time(
    booking: Booking, policy: ReminderPolicy, *, now: datetime | None = None
) -> datetime | None:
    """When to remind the customer of `booking`, in UTC; None if no reminder is due.

    Derived from the booking each time, so it moves when the booking is
    rescheduled and is gone (None) once the booking is cancelled, expired,
    held only, or finished.

    Args:
        booking: The booking.
        policy: The reminder policy.
        now: If given, a reminder time before `now` gives None (too late).

    Returns:
        The reminder instant in UTC, or None. A reminder that would fall
        before year 1 is before any `now`, so with `now` it is None.

    Raises:
        NaiveDatetimeError: a naive `now`.
        ValidationError: the reminder, or the quiet hours around it, would
            fall outside years 1-9999 (`before` reaches back past year 1, or
            the booking starts within a day of year 1 or 9999; field
            `before`, rule `out_of_range`); with `now`, a reminder before
            year 1 is None instead.
    """
    require_instance(booking, Booking, "booking")
    require_instance(policy, ReminderPolicy, "policy")
    now_us = None if now is None else to_epoch_us(require_aware(now, "now"))
    if booking.status not in _REMINDED:
        return None
    # Arithmetic on instants (epoch microseconds): elapsed time, not wall time,
    # and a `before` or `min_lead` that reaches back past year 1 cannot overflow.
    start_us = to_epoch_us(booking.start)
    at_us = start_us - us(policy.before)
    if at_us >= _FIRST_US:
        try:
            quiet = policy.quiet_period(from_epoch_us(at_us))
        except ValidationError:  # the quiet period's local day leaves years 1-9999
            raise _out_of_range() from None
        if quiet is not None:
            begin, end = quiet
            end_us = to_epoch_us(end)
            at_us = (
                end_us
                if end_us <= start_us - us(policy.min_lead)
                else to_epoch_us(begin) - _LAST_MINUTE_US
            )
    if at_us < _FIRST_US:
        if now_us is not None:
            return None  # before year 1 is before any `now`
        raise _out_of_range()
    if now_us is not None and at_us < now_us:
        return None
    return from_epoch_us(at_us)
