"""Reminders: X hours before, computed in UTC, kept out of quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

import attrs

from clubrules._checks import raise_collected, require_instance
from clubrules._time import (
    from_epoch_us,
    instant_range,
    local_time,
    require_aware,
    to_epoch_us,
    worked_out_of_range,
)
from clubrules.booking._model import Booking, BookingStatus, _check_delta, us
from clubrules.errors import ValidationError, ViolationCollector

__all__ = ["ReminderPolicy", "reminder_time"]

_REMINDED = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})
# A reminder moved back goes out in the last minute before quiet hours begin.
_LAST_MINUTE_US = 60_000_000
_ONE_US = timedelta(microseconds=1)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - wall-clock arithmetic
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

    Quiet hours follow the local clock, instant by instant. Where it jumps
    forward over `quiet_start` (or `quiet_end`), that boundary is the jump
    itself; where a reminder falls in the second pass of a repeated hour,
    its quiet period ends at the second pass of `quiet_end`. Where the
    clock goes back out of quiet hours (quiet from 01:30 on a night that
    repeats 01:00-02:00), the quiet period ends at the change; where it
    goes back into them (quiet until 01:30), the second pass of
    01:00-01:30 is a quiet period of its own. Every comparison is between
    instants, never between wall times.

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

    def _offset_us(self, at_us: int) -> int:
        """The zone's UTC offset at the instant `at_us`, in microseconds."""
        return us(from_epoch_us(at_us, self.zone).utcoffset() or timedelta(0))

    def _clock_change(self, lo_us: int, hi_us: int) -> int:
        """The clock change in `(lo_us, hi_us]`: the first instant at `hi_us`'s offset.

        The offset at `lo_us` differs: the change lies between, found by bisection.
        """
        offset_us = self._offset_us(hi_us)
        while hi_us - lo_us > 1:
            mid = (lo_us + hi_us) // 2
            if self._offset_us(mid) == offset_us:
                hi_us = mid
            else:
                lo_us = mid
        return hi_us

    def quiet_period(self, at: datetime) -> tuple[datetime, datetime] | None:
        """The quiet period `[start, end)` containing `at` (UTC), or None if `at` is not quiet.

        Quiet hours are local wall times: `at` is quiet when its local
        clock reads from `quiet_start` to before `quiet_end`. The period is
        the run of quiet instants that holds `at`: its bounds are the
        instants the clock reaches them, or a clock change that jumps
        into or out of quiet hours, also in the repeated hour of an autumn
        night or around a spring-forward gap. Quiet hours that meet because the free hours
        between them were skipped (02:00-02:30 on a night that jumps from
        02:00 to 03:00) make one period.

        Raises:
            NaiveDatetimeError: `at` is naive.
            ValidationError: the period reaches past year 1 or 9999 (field
                `at`, rule `out_of_range`).
        """
        require_aware(at, "at")
        with instant_range("at"):
            try:
                return self._quiet_period(at)
            except ValidationError:  # a bound worked out from `at` leaves years 1-9999
                raise worked_out_of_range("at") from None

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
        """The quiet period of `at`'s local day, holding `at`; None if `at` is not quiet.

        Read at `at`'s own UTC offset: the clock reads `quiet_start` and
        `quiet_end` at the instants those wall times name with that
        offset, unless the clocks change in between; a change cuts the
        period there (the clock jumps in or out of quiet hours), and
        `_quiet_period` joins what lies beyond it if that is quiet too.
        """
        qs, qe = self.quiet_start, self.quiet_end
        if qs == qe:
            return None
        local = local_time(require_aware(at, "at"), self.zone, "at")
        tod, day = local.time().replace(tzinfo=None), local.date()
        one = timedelta(days=1)
        if qs < qe:
            if not qs <= tod < qe:
                return None
            first, last = day, day
        elif tod >= qs:
            first, last = day, day + one
        elif tod < qe:
            first, last = day - one, day
        else:
            return None
        at_us = to_epoch_us(at)
        offset_us = us(local.utcoffset() or timedelta(0))
        begin_us = _wall_us(first, qs) - offset_us
        end_us = _wall_us(last, qe) - offset_us
        if self._offset_us(begin_us) != offset_us:  # the clocks changed since quiet_start
            begin_us = self._clock_change(begin_us, at_us)
        if self._offset_us(end_us - 1) != offset_us:  # they change before quiet_end
            end_us = self._clock_change(at_us, end_us - 1)
        return from_epoch_us(begin_us), from_epoch_us(end_us)


def _wall_us(day: date, clock: time) -> int:
    """The naive local wall time `clock` on `day`, as microseconds from the naive epoch."""
    return (datetime.combine(day, clock) - _NAIVE_EPOCH) // _ONE_US


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
