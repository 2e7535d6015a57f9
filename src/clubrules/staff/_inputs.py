"""The inputs of an assessment: KPIs, manual scores, customer evaluations, and the period."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import MAXYEAR, MINYEAR, datetime, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import cast
from zoneinfo import ZoneInfo

import attrs

from clubrules._checks import DECIMALS, check_int_range, check_storable, check_text, shown
from clubrules._time import (
    canonical_instant,
    from_epoch_us,
    instants_compared,
    require_aware,
    require_order,
    to_epoch_us,
    zone,
)
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.staff._numbers import ZERO, check_decimal, to_decimal

__all__ = ["AssessmentInputs", "AssessmentKind", "AssessmentPeriod", "Kpi", "ManualScore"]


class AssessmentKind(enum.Enum):
    """A periodic assessment (one per cycle, monthly by default) or an ad hoc one."""

    PERIODIC = "periodic"
    AD_HOC = "ad_hoc"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@attrs.frozen
class Kpi:
    """A rate computed elsewhere, kept as its counts: `numerator` of `denominator` events.

    Keeping the counts makes "no events in the period" explicit: a KPI with
    a denominator of 0 has no rate, and the rubric's
    [NoEventsRule][clubrules.staff.NoEventsRule] decides what it scores.

    Attributes:
        numerator: The events that count for the rate (bookings honoured,
            complaints handled on time, satisfied answers).
        denominator: All events of the period (bookings taken, complaints
            due, survey answers).

    Raises:
        ValidationError: a count that is not an int, negative, or a
            numerator above the denominator (a rate above 1); the rule is
            `kpi_out_of_range`.

    Examples:
        >>> Kpi(47, 50).rate
        Decimal('0.94')
        >>> Kpi.no_events().has_events
        False
        >>> Kpi.from_rate("0.935")
        Kpi(numerator=187, denominator=200)
    """

    numerator: int
    denominator: int

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        for field in ("numerator", "denominator"):
            value: object = getattr(self, field)
            if not _is_int(value):
                problems.add(field, "not_an_int", f"must be an int, not {type(value).__name__}")
            elif value < 0:  # type: ignore[operator]
                problems.add(field, "kpi_out_of_range", f"{shown(value)} is a negative count")
        if not problems and self.numerator > self.denominator:
            problems.add(
                "numerator",
                "kpi_out_of_range",
                f"{shown(self.numerator)} of {shown(self.denominator)} is a rate above 1",
            )
        problems.raise_if_any()

    @classmethod
    def from_rate(cls, rate: Decimal | str | int) -> Kpi:
        """A KPI from a rate of 0 to 1 (a Decimal or a numeric string), as an exact fraction.

        Raises:
            ValidationError: the rate is a float, not a number, or outside 0-1
                (rule `kpi_out_of_range`), or above 0 and below 10**-100
                (rule `too_precise`).
        """
        value = to_decimal(rate)
        problems = ViolationCollector()
        if not check_decimal(
            problems,
            "rate",
            value,
            low=ZERO,
            high=Decimal(1),
            grid=None,
            low_rule="kpi_out_of_range",
            high_rule="kpi_out_of_range",
        ):
            problems.raise_if_any()
        rate = cast("Decimal", value)
        # Its exact fraction holds 10**places: 1E-999999999 would take hours to build.
        if rate and rate.adjusted() < -_RATE_PLACES:
            raise ValidationError(
                f"must not be below 10**-{_RATE_PLACES} (unless 0)",
                field="rate",
                rule="too_precise",
            )
        exact = Fraction(rate)
        return cls(exact.numerator, exact.denominator)

    @classmethod
    def no_events(cls) -> Kpi:
        """The KPI of a period with no events: 0 of 0."""
        return cls(0, 0)

    @property
    def has_events(self) -> bool:
        """Whether the period had any events."""
        return self.denominator > 0

    @property
    def rate(self) -> Decimal | None:
        """The rate as a Decimal (to 28 significant digits), or None without events."""
        if not self.denominator:
            return None
        return DECIMALS.divide(Decimal(self.numerator), Decimal(self.denominator))


# The smallest nonzero rate `Kpi.from_rate` takes is 10**-_RATE_PLACES.
_RATE_PLACES = 100

_NOTE_MAX = 4000  # a few words; a score line's source quotes it


@attrs.frozen(kw_only=True)
class ManualScore:
    """A supervisor's score for one manual sub-item.

    Attributes:
        points: The score, a Decimal of at least 0 on the 0.01 grid (the
            rubric checks it against the sub-item's maximum).
        by: Who scored it (the supervisor's id).
        note: Why, in a few words, for the score sheet (at most 4,000 characters).

    Raises:
        ValidationError: a negative score (rule `negative`), a float, or a
            score finer than 0.01.
    """

    points: Decimal = attrs.field(converter=to_decimal)
    by: str
    note: str = ""

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_decimal(problems, "points", self.points, low=ZERO)
        check_text(problems, "by", self.by)
        note: object = self.note
        if not isinstance(note, str):
            problems.add("note", "not_a_string", "must be a string")
        check_storable(problems, "note", note, limit=_NOTE_MAX)
        problems.raise_if_any()


def _to_dict(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _to_ratings(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


@attrs.frozen(kw_only=True)
class AssessmentInputs:
    """Everything a score sheet is computed from.

    Attributes:
        manual: Supervisor scores by sub-item key.
        kpis: KPIs by name (see `Rubric.kpis` for the names a rubric needs).
            A KPI the rubric needs must be given, even with no events
            (`Kpi.no_events()`), so that a missing figure is never mistaken
            for a quiet month. Extra KPIs are ignored.
        evaluations: Customer evaluations of the period, as whole ratings.

    Raises:
        ValidationError: a value of the wrong type.
    """

    manual: dict[str, ManualScore] = attrs.field(factory=dict, converter=_to_dict)
    kpis: dict[str, Kpi] = attrs.field(factory=dict, converter=_to_dict)
    evaluations: tuple[int, ...] = attrs.field(default=(), converter=_to_ratings)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        manual: object = self.manual
        if not isinstance(manual, dict) or not all(
            isinstance(v, ManualScore) for v in manual.values()
        ):
            problems.add("manual", "not_manual_scores", "must map sub-item keys to ManualScore")
        kpis: object = self.kpis
        if not isinstance(kpis, dict) or not all(isinstance(v, Kpi) for v in kpis.values()):
            problems.add("kpis", "not_kpis", "must map KPI names to Kpi values")
        ratings: object = self.evaluations
        if not isinstance(ratings, tuple) or not all(_is_int(r) for r in ratings):
            problems.add("evaluations", "not_ratings", "must be a list of int ratings")
        problems.raise_if_any()


def _in_zone(value: datetime, tz: tzinfo, field: str) -> datetime:
    try:
        return from_epoch_us(to_epoch_us(value), tz)
    except ValidationError:
        raise ValidationError(
            "is an instant whose wall time in time_zone falls outside years 1-9999",
            field=field,
            rule="out_of_range",
        ) from None


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class AssessmentPeriod:
    """The half-open span `[start, end)` an assessment covers.

    Periodic assessments use [AssessmentPeriod.monthly][clubrules.staff.AssessmentPeriod.monthly],
    which numbers the cycle so that consecutive cycles can be recognised. An
    ad hoc assessment may cover any span; build it with
    [AssessmentPeriod.ad_hoc][clubrules.staff.AssessmentPeriod.ad_hoc] so
    that it knows the cycle it falls in (needed only when a rubric counts
    ad hoc assessments in the chain of failures and breaks it on a missing
    cycle).

    Attributes:
        start: The first instant (timezone-aware).
        end: The first instant after the period (timezone-aware, after `start`).
        label: A name for reports, such as `"2026-03"`.
        cycle: The number of the cycle (months since year 0, divided by
            `cycle_months`) the period is, or for an ad hoc period the cycle
            it ends in; None if unknown.
        cycle_months: The months in one cycle, with `cycle`, else None.
        time_zone: The club's IANA zone, in which a cycle runs from local
            midnight on the 1st. Given, the bounds are shown in it (the same
            instants): pass it when rebuilding a period from bounds read
            back in UTC or at a fixed offset, as an ORM or an ISO string
            returns them. Left out, it is the IANA zone of `start` if it
            has one (as a period of `monthly` has), else None, and a cycle
            runs in the zone of `start`.

    Raises:
        NaiveDatetimeError: a bound is naive.
        InvalidIntervalError: `end` is not after `start`.
        UnknownTimeZoneError: `time_zone` is not a known IANA zone.
        ValidationError: a blank label, a cycle without `cycle_months`, a
            `cycle` that is not an int (rule `not_an_int`), or a
            `cycle_months` that is not an int (`not_an_int`) or does not
            divide a year (`not_a_divisor_of_12`); a bound whose wall time
            in `time_zone` falls outside years 1-9999 (`out_of_range`).

    Examples:
        >>> from datetime import UTC
        >>> march = AssessmentPeriod.monthly(2026, 3, "Europe/London")
        >>> stored = AssessmentPeriod(
        ...     start=march.start.astimezone(UTC),
        ...     end=march.end.astimezone(UTC),
        ...     label=march.label,
        ...     cycle=march.cycle,
        ...     cycle_months=march.cycle_months,
        ...     time_zone="Europe/London",
        ... )
        >>> stored == march, stored.is_whole_cycle
        (True, True)
    """

    start: datetime
    end: datetime
    label: str
    cycle: int | None = None
    cycle_months: int | None = None
    time_zone: str | None = None

    def __attrs_post_init__(self) -> None:
        start = canonical_instant(self.start, "start")
        end = canonical_instant(self.end, "end")
        name: object = self.time_zone
        if name is None:
            tz = start.tzinfo
            name = tz.key if isinstance(tz, ZoneInfo) and tz.key else None
        else:
            tz = zone(name, "time_zone")
            start = _in_zone(start, tz, "start")
            end = _in_zone(end, tz, "end")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "time_zone", name)
        require_order(self.start, self.end, start_field="start", end_field="end")
        problems = ViolationCollector()
        check_text(problems, "label", self.label)
        cycle: object = self.cycle
        months: object = self.cycle_months
        if (cycle is None) != (months is None):
            problems.add("cycle", "incomplete_cycle", "cycle and cycle_months go together")
        if cycle is not None and not _is_int(cycle):
            problems.add("cycle", "not_an_int", f"must be an int, not {type(cycle).__name__}")
        check_int_range(problems, "cycle", cycle)
        if months is not None and not _is_int(months):
            problems.add(
                "cycle_months", "not_an_int", f"must be an int, not {type(months).__name__}"
            )
        elif isinstance(months, int) and (months < 1 or 12 % months):
            problems.add("cycle_months", "not_a_divisor_of_12", "must divide a year (1-4, 6, 12)")
        problems.raise_if_any()

    @classmethod
    def monthly(
        cls, year: int, month: int, time_zone: str = "Asia/Shanghai", *, months: int = 1
    ) -> AssessmentPeriod:
        """The periodic cycle of `months` months starting on the 1st of `month`, local time.

        Args:
            year: The cycle's year.
            month: Its first month (1-12); for a cycle of several months it
                must start one (January, April, ... for quarters).
            time_zone: The club's IANA zone: the cycle runs from local
                midnight on the 1st.
            months: The months in one cycle (1: monthly).

        Raises:
            ValidationError: a month outside 1-12 (rule `month`), or not the
                first month of a cycle (rule `not_a_cycle_start`); `months`
                does not divide a year (rule `not_a_divisor_of_12`); or the
                cycle does not lie within years 1-9999 (rule `out_of_range`,
                field `year`).
            UnknownTimeZoneError: `time_zone` is not a known zone.

        Examples:
            >>> march = AssessmentPeriod.monthly(2026, 3)
            >>> march.label, march.start.isoformat(), march.end.isoformat()
            ('2026-03', '2026-03-01T00:00:00+08:00', '2026-04-01T00:00:00+08:00')
        """
        tz = zone(time_zone, "time_zone")
        if not (_is_int(month) and 1 <= month <= 12 and _is_int(year)):
            raise ValidationError("must be a month from 1 to 12", field="month", rule="month")
        if not (_is_int(months) and months >= 1 and 12 % months == 0):
            raise ValidationError("must divide a year", field="months", rule="not_a_divisor_of_12")
        if (month - 1) % months:
            raise ValidationError(
                f"a {months}-month cycle cannot start in month {month}",
                field="month",
                rule="not_a_cycle_start",
            )
        end_year, end_month = _shift_month(year, month, months)
        if not 1 <= year <= end_year <= 9999:
            raise ValidationError(
                "must be a year from 1 to 9999", field="year", rule="out_of_range"
            )
        label = f"{year}-{month:02d}" if months == 1 else f"{year}-{month:02d}+{months}m"
        return cls(
            start=datetime(year, month, 1, tzinfo=tz),
            end=datetime(end_year, end_month, 1, tzinfo=tz),
            label=label,
            cycle=(year * 12 + month - 1) // months,
            cycle_months=months,
        )

    @classmethod
    def ad_hoc(
        cls,
        start: datetime,
        end: datetime,
        *,
        label: str,
        time_zone: str = "Asia/Shanghai",
        cycle_months: int = 1,
    ) -> AssessmentPeriod:
        """An ad hoc period `[start, end)`, numbered with the cycle it ends in.

        Args:
            start: The first instant (timezone-aware).
            end: The first instant after the period (timezone-aware).
            label: A name for reports, such as `"spot check 2026-03-15"`.
            time_zone: The club's IANA zone, in which cycles run; the
                period carries it, its bounds shown in it.
            cycle_months: The months in one periodic cycle.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is not after `start`.
            UnknownTimeZoneError: `time_zone` is not a known zone.

        Examples:
            >>> from datetime import datetime, timedelta
            >>> from zoneinfo import ZoneInfo
            >>> at = datetime(2026, 3, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
            >>> spot = AssessmentPeriod.ad_hoc(at, at.replace(hour=12), label="spot check")
            >>> spot.cycle == AssessmentPeriod.monthly(2026, 3).cycle
            True
        """
        tz = zone(time_zone, "time_zone")
        require_aware(end, "end")
        if not (_is_int(cycle_months) and cycle_months >= 1 and 12 % cycle_months == 0):
            raise ValidationError(
                "must divide a year", field="cycle_months", rule="not_a_divisor_of_12"
            )
        # The instant before `end`: wall arithmetic would drop a fold=1 end's fold.
        last = from_epoch_us(to_epoch_us(end) - 1, tz)
        return cls(
            start=start,
            end=end,
            label=label,
            cycle=(last.year * 12 + last.month - 1) // cycle_months,
            cycle_months=cycle_months,
            time_zone=time_zone,
        )

    @property
    def is_whole_cycle(self) -> bool:
        """Whether the period is exactly one cycle, as `AssessmentPeriod.monthly` makes it.

        The cycle runs from local midnight on the 1st in `time_zone`, or in
        the zone of `start` when the period has no `time_zone`.
        """
        if self.cycle is None or self.cycle_months is None:
            return False
        tz = self.start.tzinfo if self.time_zone is None else ZoneInfo(self.time_zone)
        first = self.cycle * self.cycle_months
        year, month = divmod(first, 12)
        end_year, end_month = _shift_month(year, month + 1, self.cycle_months)
        if year < MINYEAR or end_year > MAXYEAR:
            return False  # a cycle reaching outside years 1-9999 is no period's
        # As instants: a canonical bound equals a local midnight skipped by DST.
        return to_epoch_us(self.start) == to_epoch_us(
            datetime(year, month + 1, 1, tzinfo=tz)
        ) and to_epoch_us(self.end) == to_epoch_us(datetime(end_year, end_month, 1, tzinfo=tz))
