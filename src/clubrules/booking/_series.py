"""Recurring series: the repeat rule, and the outcome of checking every occurrence."""

from __future__ import annotations

import enum
import itertools
from datetime import UTC, date, datetime, timedelta, tzinfo

import attrs

from clubrules._checks import check_count, check_enum, raise_collected
from clubrules._time import instant_range, require_aware
from clubrules.booking._request import CheckResult  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.errors import ViolationCollector

__all__ = ["Frequency", "Recurrence", "SeriesCheck"]


class Frequency(enum.Enum):
    """How often a series repeats, in the club's local time."""

    DAILY = "daily"
    WEEKLY = "weekly"


_DAYS = {Frequency.DAILY: 1, Frequency.WEEKLY: 7}
# The most days between two datetimes: 0001-01-01 to 9999-12-31.
_MAX_DAYS = (date.max - date.min).days


@attrs.frozen(kw_only=True)
class Recurrence:
    """A repeat rule: every `interval` days or weeks, `count` times, at the same local time.

    Occurrences keep the local wall-clock time across DST changes (a 10:00
    class stays at 10:00). A local time that does not exist on a
    spring-forward day moves forward by the gap, as wall clocks do. A local
    time that happens twice on an autumn day takes the same pass as the
    first start (its `fold`): the first occurrence is always the given
    start itself, as an instant, even at the second 02:30 of the night. A
    first start given as a wall time that does not exist (02:30 on a
    spring-forward night) is the instant it names (03:30), and every later
    occurrence keeps that wall time, 03:30.

    A date the zone skipped whole has no occurrence, and is not counted:
    Pacific/Apia went from 29 to 31 December 2011 (Pacific/Kiritimati
    skipped 31 December 1994), so a daily series over those days goes from
    the 29th to the 31st and still has `count` occurrences, and a weekly
    one on Fridays from 23 December to 6 January. RFC 5545 skips dates that
    do not exist the same way; moving such an occurrence on by the skipped
    day would put it on the next one's instant. Every occurrence is at a
    later instant than the one before.

    Attributes:
        frequency: A [Frequency][clubrules.booking.Frequency].
        count: How many occurrences, the first included (1 to 520).
        interval: Every how many days or weeks.
        zone: The zone whose local time is kept; None uses the club
            calendar's zone in [check_series][clubrules.booking.check_series]
            (else the first start's zone).

    Raises:
        ValidationError: a count or interval out of range (an interval that
            puts the last occurrence more than 9998 years after the first,
            past any datetime, is rule `too_large`); a `zone` that is
            not a tzinfo (rule `not_a_zone`; pass `ZoneInfo("Asia/Shanghai")`,
            not the name).
    """

    frequency: Frequency = Frequency.WEEKLY
    count: int = 4
    interval: int = 1
    zone: tzinfo | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        count: object = self.count
        check_enum(problems, "frequency", self.frequency, Frequency)
        check_count(problems, "count", count, minimum=1, wording="integer")
        if isinstance(count, int) and count > 520:
            problems.add("count", "too_large", "must be at most 520")
        check_count(problems, "interval", self.interval, minimum=1, wording="integer")
        interval: object = self.interval
        if (
            not problems
            and isinstance(interval, int)
            and interval * _DAYS[self.frequency] * (self.count - 1) > _MAX_DAYS
        ):
            # No start has a last occurrence within years 1-9999: refused when made.
            problems.add(
                "interval",
                "too_large",
                "puts the last occurrence more than 9998 years after the first",
            )
        zone: object = self.zone
        if zone is not None and not isinstance(zone, tzinfo):
            problems.add(
                "zone", "not_a_zone", "must be a tzinfo, such as ZoneInfo('Asia/Shanghai'), or None"
            )
        raise_collected(problems)

    def starts(self, first: datetime) -> list[datetime]:
        """The starts of every occurrence, as aware datetimes in the zone.

        The first is `first` itself (the same instant, shown in the zone);
        dates the zone skipped whole are passed over (see the class).

        Raises:
            NaiveDatetimeError: `first` is naive.
            ValidationError: an occurrence falls after year 9999 (rule
                `out_of_range`).
        """
        require_aware(first, "start")
        with instant_range("start"):
            return self._starts(first)

    def _starts(self, first: datetime) -> list[datetime]:
        zone = self.zone or first.tzinfo or UTC
        # Through UTC: a start given as a wall time that does not exist (in a
        # gap) becomes the instant it stands for, and the fold of a repeated
        # wall time is set. `astimezone` to its own zone would return it as given.
        local = first.astimezone(UTC).astimezone(zone)
        fold = local.fold
        local = local.replace(tzinfo=None, fold=0)
        days = self.interval * _DAYS[self.frequency]
        starts: list[datetime] = []
        # The first start's date exists (it was read from an instant); a later
        # date the zone skipped whole is passed over and not counted. Steps
        # are worked out only towards an occurrence still wanted.
        for i in itertools.count():
            wall = local + timedelta(days=i * days)
            placed = _place(wall, zone, fold)
            if placed.replace(tzinfo=None, fold=0) == wall or not _date_skipped(wall, zone):
                starts.append(placed)
                if len(starts) == self.count:
                    break
        return starts


def _place(wall: datetime, zone: tzinfo, fold: int) -> datetime:
    """The naive local `wall` as an instant in `zone`, shown in `zone`.

    A repeated wall time takes the pass `fold`; a wall time in a gap moves
    forward by the gap (read with the offset before the change, fold 0).
    """
    placed = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC).astimezone(zone)
    if fold and placed.replace(tzinfo=None, fold=0) != wall:
        # In a gap, fold 1 reads the offset after the change and would move back.
        placed = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return placed


def _in_gap(wall: datetime, zone: tzinfo) -> bool:
    """Whether the naive local `wall` is a wall time `zone` skipped (neither pass shows it)."""
    return all(
        wall.replace(tzinfo=zone, fold=fold).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        != wall
        for fold in (0, 1)
    )


def _date_skipped(wall: datetime, zone: tzinfo) -> bool:
    """Whether `zone` skipped the whole date of the naive `wall`: no instant shows that date.

    As Pacific/Apia skipped 2011-12-30 and Pacific/Kiritimati 1994-12-31,
    moving across the date line: the day's first and last wall times both
    fall in the gap.
    """
    midnight = wall.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
    return _in_gap(midnight, zone) and _in_gap(midnight + timedelta(days=1, microseconds=-1), zone)


@attrs.frozen
class SeriesCheck:
    """The outcome of checking a recurring series, occurrence by occurrence.

    Each occurrence is checked against the existing bookings and against the
    series' own earlier occurrences that passed. A clash with one of those
    is a reason whose `booking` is `"series-occurrence-N"`, N being the
    index (from 0) of that earlier occurrence in `results`; these ids name
    no stored booking. (Give stored bookings other ids, so that the two
    cannot be confused.)

    Attributes:
        results: One [CheckResult][clubrules.booking.CheckResult] per
            occurrence, in order.
    """

    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        """Whether every occurrence passes."""
        return all(r.ok for r in self.results)

    @property
    def failing(self) -> tuple[int, ...]:
        """The indexes (from 0) of the occurrences that fail."""
        return tuple(i for i, r in enumerate(self.results) if not r.ok)

    @property
    def passing(self) -> tuple[int, ...]:
        """The indexes (from 0) of the occurrences that pass."""
        return tuple(i for i, r in enumerate(self.results) if r.ok)
