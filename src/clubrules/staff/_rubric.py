"""Assessment rubrics: criteria, sub-items, scoring methods, KPI scales, and the seed rubric."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Self

import attrs

from clubrules._checks import (
    DECIMALS,
    TEXT_MAX_CHARS,
    check_choice,
    check_distinct,
    check_flag,
    check_int_range,
    check_storable_text,
    check_text,
    check_tuple_of,
    require_int,
    require_reals,
    revision,
    shown,
    texts_checked,
    to_choice,
    to_tuple,
)
from clubrules.errors import InvalidRubricError, ViolationCollector
from clubrules.staff._bands import DEFAULT_BANDS, BandScheme, ordered_by
from clubrules.staff._numbers import (
    HUNDRED,
    ZERO,
    check_decimal,
    exact_mul,
    exact_sub,
    exact_sum,
    round_ratio,
    to_decimal,
)
from clubrules.words import message

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "BOOKING_SUCCESS_RATE",
    "COMPLAINT_TIMELINESS_RATE",
    "SATISFACTION_RATE",
    "Criterion",
    "EvaluationScoring",
    "KpiScoring",
    "LinearScale",
    "ManualScoring",
    "MissingCycle",
    "NoEventsRule",
    "Rubric",
    "Step",
    "SteppedScale",
    "SubItem",
    "seed_rubric",
]

BOOKING_SUCCESS_RATE = "booking_success_rate"
"""The KPI name of the booking success rate (bookings honoured / bookings taken)."""
COMPLAINT_TIMELINESS_RATE = "complaint_timeliness_rate"
"""The KPI name of the complaint-handling timeliness rate (cases on time / cases due)."""
SATISFACTION_RATE = "satisfaction_rate"
"""The KPI name of customer satisfaction (satisfied responses / survey responses)."""

ONE = Decimal(1)


class NoEventsRule(enum.Enum):
    """What a rate scores in a period with no events (no bookings, no complaints, no surveys).

    - `NEUTRAL`: the sub-item gets its stated neutral points, as a share of
      its maximum: 6 of 10 is 60%. When an excluded item's points are shared
      out and this item's maximum grows (to 15, say), it keeps that share
      (9.00 of 15), as every other line of the criterion is scaled too.
    - `FULL_MARKS`: the sub-item gets its maximum (nothing went wrong).
    - `EXCLUDE`: the sub-item is left out, and its points are shared among
      the other sub-items of its criterion in proportion to their maxima (or
      among the other criteria, when a whole criterion is left out).

    The score sheet line says which rule was applied.
    """

    NEUTRAL = "neutral"
    FULL_MARKS = "full_marks"
    EXCLUDE = "exclude"


class MissingCycle(enum.Enum):
    """How a periodic cycle without an assessment (leave, a new hire) counts.

    - `SKIPPED`: the chain of failures looks through it. A fail in March, no
      assessment in April, and a fail in May are two consecutive failed
      completed cycles.
    - `BREAKS_CHAIN`: a missing cycle ends the chain, as a pass would. The
      May failure above starts a new chain.
    """

    SKIPPED = "skipped"
    BREAKS_CHAIN = "breaks_chain"


def _to_no_events(value: object) -> NoEventsRule:
    return to_choice(NoEventsRule, value)


def _to_missing(value: object) -> MissingCycle:
    return to_choice(MissingCycle, value)


def _check_rate(problems: ViolationCollector, field: str, value: object) -> bool:
    return check_decimal(
        problems,
        field,
        value,
        low=ZERO,
        high=ONE,
        grid=None,
        low_rule="rate_out_of_range",
        high_rule="rate_out_of_range",
    )


@attrs.frozen(kw_only=True)
class LinearScale:
    """Points that grow linearly with a rate between a floor and a target.

    A rate at or below `floor` scores 0; at or above `target`, the full
    maximum; in between, the maximum times `(rate - floor) / (target - floor)`,
    computed exactly and rounded half up to 0.01.

    Attributes:
        floor: The rate that scores nothing (0 to 1, a Decimal).
        target: The rate that scores full marks (above `floor`, at most 1).

    Raises:
        InvalidRubricError: a bound is not a Decimal in 0-1, or `floor` is not
            below `target`.
    """

    floor: Decimal = attrs.field(converter=to_decimal)
    target: Decimal = attrs.field(converter=to_decimal)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        ok = _check_rate(problems, "floor", self.floor)
        ok = _check_rate(problems, "target", self.target) and ok
        if ok and self.floor >= self.target:
            problems.add("target", "floor_not_below_target", "must be above floor")
        problems.raise_if_any(InvalidRubricError)

    def share(
        self,
        hits: int,
        events: int,
        max_points: Decimal,  # noqa: ARG002 - the same signature as SteppedScale.share
    ) -> tuple[Decimal, Decimal]:
        """The exact fraction of `max_points` earned, as (numerator, denominator)."""
        require_int(hits, "hits")
        require_int(events, "events")
        low = exact_mul(self.floor, events)
        high = exact_mul(self.target, events)
        got = Decimal(hits)
        if got <= low:
            return ZERO, ONE
        if got >= high:
            return ONE, ONE
        return exact_sub(got, low), exact_sub(high, low)

    def describe(self) -> str:
        """A short text for score sheets."""
        return message(
            "staff.linear", floor=_as_percent(self.floor), target=_as_percent(self.target)
        )


@attrs.frozen(kw_only=True)
class Step:
    """One step of a stepped scale: a rate from `min_rate` up scores `points`.

    Attributes:
        min_rate: The lowest rate of the step (0 to 1).
        points: The points the step gives, on the 0.01 grid.

    Raises:
        InvalidRubricError: a value is not a Decimal, or out of range.
    """

    min_rate: Decimal = attrs.field(converter=to_decimal)
    points: Decimal = attrs.field(converter=to_decimal)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_rate(problems, "min_rate", self.min_rate)
        check_decimal(problems, "points", self.points, low=ZERO)
        problems.raise_if_any(InvalidRubricError)


@attrs.frozen
class SteppedScale:
    """Points in steps: a rate in `[min_rate, next min_rate)` scores that step's points.

    Give the steps in any order; they are kept sorted by `min_rate`. The
    lowest step must start at rate 0 so that every rate scores something.

    Attributes:
        steps: The steps, sorted by `min_rate`.

    Raises:
        InvalidRubricError: no steps, no step at rate 0, or two steps at the
            same rate.
    """

    steps: tuple[Step, ...] = attrs.field(converter=to_tuple)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        ordered = ordered_by(problems, "steps", self.steps, Step, key=lambda s: s.min_rate)
        if not ordered or ordered[0].min_rate != 0:
            problems.add("steps", "gap_at_zero", "the lowest step must start at rate 0")
        rates = [s.min_rate for s in ordered]
        check_distinct(problems, "steps", rates, "overlap", "two steps start at the same rate")
        problems.raise_if_any(InvalidRubricError)
        object.__setattr__(self, "steps", ordered)

    def share(self, hits: int, events: int, max_points: Decimal) -> tuple[Decimal, Decimal]:
        """The exact fraction of `max_points` earned, as (numerator, denominator)."""
        require_int(hits, "hits")
        require_int(events, "events")
        points = ZERO
        for step in self.steps:
            # min_rate <= hits / events, compared without dividing.
            if exact_mul(step.min_rate, events) > hits:
                break
            points = step.points
        return points, max_points

    def describe(self) -> str:
        """A short text for score sheets."""
        parts = ", ".join(f">={_as_percent(s.min_rate)}: {s.points}" for s in reversed(self.steps))
        return message("staff.stepped", steps=parts)


def _as_percent(rate: Decimal) -> str:
    """A rate in [0, 1] as an exact percentage, such as `"87.5%"`."""
    return f"{DECIMALS.normalize(DECIMALS.multiply(rate, 100)):f}%"


@attrs.frozen
class ManualScoring:
    """A supervisor scores the sub-item by hand, from 0 to its maximum.

    Attributes:
        guidance: What the supervisor should look at, shown on score sheets
            (at most 100,000 characters).

    Raises:
        InvalidRubricError: guidance that no storage can hold (a NUL
            character, a lone surrogate, or too long).
    """

    guidance: str = ""

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_storable_text(problems, "guidance", self.guidance, limit=TEXT_MAX_CHARS)
        problems.raise_if_any(InvalidRubricError)

    @property
    def method(self) -> str:
        """The method's name on score sheets: `"manual"`."""
        return "manual"


class _ScoredFromEvents:
    """What the event-based methods share: the no-events rule's checks (no fields of its own).

    On creation, a method checks its own fields, then `no_events` and
    `neutral_points`, and raises `InvalidRubricError` with every problem.
    """

    __slots__ = ()

    no_events: NoEventsRule
    neutral_points: Decimal | None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        self._check_own(problems)
        check_choice(problems, "no_events", self.no_events, NoEventsRule)
        if self.neutral_points is not None:
            check_decimal(problems, "neutral_points", self.neutral_points, low=ZERO)
        problems.raise_if_any(InvalidRubricError)

    def _check_own(self, problems: ViolationCollector) -> None:
        raise NotImplementedError


@attrs.frozen(kw_only=True)
class KpiScoring(_ScoredFromEvents):
    """The sub-item is scored from a KPI (a rate of 0 to 1) through a scale.

    Attributes:
        kpi: The KPI's name in the assessment inputs, such as
            `"booking_success_rate"`.
        scale: A [LinearScale][clubrules.staff.LinearScale] or a
            [SteppedScale][clubrules.staff.SteppedScale].
        no_events: What a period with no events scores (a
            [NoEventsRule][clubrules.staff.NoEventsRule]).
        neutral_points: The points of `NoEventsRule.NEUTRAL`; None means
            half the sub-item's maximum.

    Raises:
        InvalidRubricError: a blank KPI name, an unknown scale or rule.
    """

    kpi: str
    scale: LinearScale | SteppedScale
    no_events: NoEventsRule = attrs.field(default=NoEventsRule.EXCLUDE, converter=_to_no_events)
    neutral_points: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_decimal)
    )

    def _check_own(self, problems: ViolationCollector) -> None:
        check_text(problems, "kpi", self.kpi)
        scale: object = self.scale
        if not isinstance(scale, LinearScale | SteppedScale):
            problems.add("scale", "not_a_scale", "must be a LinearScale or a SteppedScale")

    @property
    def method(self) -> str:
        """The method's name on score sheets: `"kpi"`."""
        return "kpi"


@attrs.frozen(kw_only=True)
class EvaluationScoring(_ScoredFromEvents):
    """The sub-item is scored from the average of customer evaluations.

    Each evaluation is a whole rating from `scale_min` to `scale_max` (1 to 5
    stars by default). The average maps linearly to points: `scale_min`
    scores 0 and `scale_max` full marks. Fewer than `min_count` evaluations
    count as a period with no events.

    Attributes:
        scale_min: The lowest rating.
        scale_max: The highest rating.
        min_count: How many evaluations are needed for an average.
        no_events: What too few evaluations score.
        neutral_points: The points of `NoEventsRule.NEUTRAL`; None means half
            the sub-item's maximum.

    Raises:
        InvalidRubricError: `scale_min` is not below `scale_max`, or
            `min_count` is below 1.
    """

    scale_min: int = 1
    scale_max: int = 5
    min_count: int = 1
    no_events: NoEventsRule = attrs.field(default=NoEventsRule.EXCLUDE, converter=_to_no_events)
    neutral_points: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_decimal)
    )

    def _check_own(self, problems: ViolationCollector) -> None:
        values: tuple[object, ...] = (self.scale_min, self.scale_max, self.min_count)
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        if not ints:
            problems.add("scale_min", "not_an_int", "scale_min, scale_max, min_count are ints")
        else:
            names = ("scale_min", "scale_max", "min_count")
            stored = [check_int_range(problems, n, v) for n, v in zip(names, values, strict=True)]
            if not all(stored):
                return
            if self.scale_min >= self.scale_max:
                problems.add("scale_max", "empty_scale", "must be above scale_min")
            if self.min_count < 1:
                problems.add("min_count", "not_positive", "must be at least 1")

    @property
    def method(self) -> str:
        """The method's name on score sheets: `"evaluations"`."""
        return "evaluations"

    def share(self, ratings: tuple[int, ...]) -> tuple[Decimal, Decimal]:
        """The exact fraction of the maximum that `ratings` earn, as (numerator, denominator)."""
        require_reals(ratings, "ratings")
        count = len(ratings)
        return (
            exact_sub(exact_sum(ratings), count * self.scale_min),
            Decimal(count * (self.scale_max - self.scale_min)),
        )


ScoringMethod = ManualScoring | KpiScoring | EvaluationScoring


@attrs.frozen(kw_only=True)
class SubItem:
    """One scored item of a criterion, such as "teamwork" or "booking success rate".

    Attributes:
        key: The item's identifier, unique in its rubric (manual scores are
            given by this key).
        name: The item's name on score sheets.
        max_points: Its maximum, a positive Decimal on the 0.01 grid.
        method: How it is scored: [ManualScoring][clubrules.staff.ManualScoring],
            [KpiScoring][clubrules.staff.KpiScoring] or
            [EvaluationScoring][clubrules.staff.EvaluationScoring].

    Raises:
        InvalidRubricError: a blank key, a maximum that is not a positive
            Decimal on the grid, an unknown method, or a step or neutral
            value above the maximum.
    """

    key: str
    name: str
    max_points: Decimal = attrs.field(converter=to_decimal)
    method: ScoringMethod = attrs.field(factory=ManualScoring)

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "key", "name")
        ok = check_decimal(problems, "max_points", self.max_points, positive=True)
        method: object = self.method
        if not isinstance(method, ManualScoring | KpiScoring | EvaluationScoring):
            problems.add("method", "not_a_method", "must be Manual-, Kpi- or EvaluationScoring")
        elif ok:
            self._check_method_bounds(problems, method)
        problems.raise_if_any(InvalidRubricError)

    def _check_method_bounds(self, problems: ViolationCollector, method: ScoringMethod) -> None:
        if isinstance(method, ManualScoring):
            return
        if method.neutral_points is not None and method.neutral_points > self.max_points:
            problems.add(
                "method.neutral_points", "above_maximum", f"is above the maximum {self.max_points}"
            )
        if isinstance(method, KpiScoring) and isinstance(method.scale, SteppedScale):
            for i, step in enumerate(method.scale.steps):
                if step.points > self.max_points:
                    problems.add(
                        f"method.scale.steps[{i}].points",
                        "above_maximum",
                        f"{shown(step.points)} is above the maximum {shown(self.max_points)}",
                    )

    @property
    def neutral_points(self) -> Decimal:
        """The points `NoEventsRule.NEUTRAL` gives (half the maximum, rounded, unless stated)."""
        method = self.method
        if isinstance(method, ManualScoring) or method.neutral_points is None:
            return round_ratio(self.max_points, Decimal(2))
        return method.neutral_points


@attrs.frozen(kw_only=True)
class Criterion:
    """A criterion of the rubric, such as work attitude (30 points), with its sub-items.

    Attributes:
        key: The criterion's identifier, unique in its rubric.
        name: Its name on score sheets.
        max_points: Its weight in points; the sub-items' maxima must sum to
            it exactly.
        sub_items: Its [SubItem][clubrules.staff.SubItem] values, in order.

    Raises:
        InvalidRubricError: no sub-items, sub-item maxima that do not sum to
            `max_points`, or duplicate sub-item keys.
    """

    key: str
    name: str
    max_points: Decimal = attrs.field(converter=to_decimal)
    sub_items: tuple[SubItem, ...] = attrs.field(converter=to_tuple)

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "key", "name")
        ok = check_decimal(problems, "max_points", self.max_points, positive=True)
        items_ok = check_tuple_of(problems, "sub_items", self.sub_items, SubItem)
        if items_ok and not self.sub_items:
            problems.add("sub_items", "empty", "needs at least one sub-item")
        elif items_ok:
            keys = [i.key for i in self.sub_items]
            check_distinct(
                problems, "sub_items", keys, "duplicate_key", "two sub-items share a key"
            )
            total = exact_sum(i.max_points for i in self.sub_items)
            if ok and total != self.max_points:
                problems.add(
                    "sub_items",
                    "weights_sum",
                    f"sub-item maxima sum to {shown(total)}, "
                    f"not to the criterion's {shown(self.max_points)}",
                )
        problems.raise_if_any(InvalidRubricError)


@attrs.frozen(kw_only=True)
class Rubric:
    """A versioned assessment rubric: weighted criteria, bands, and the outcome rules.

    The criteria's maxima must sum to exactly 100, checked in Decimal (so
    99.99 and 100.01 are refused). A rubric is a value: to change one, make
    the next version with [revise][clubrules.staff.Rubric.revise]; score
    sheets name the version they were scored with.

    Attributes:
        id: The rubric's identifier, such as `"customer-service"`.
        version: Its version, from 1.
        criteria: The [Criterion][clubrules.staff.Criterion] values.
        bands: The [BandScheme][clubrules.staff.BandScheme] (by default
            excellent, good, pass and fail).
        missing_cycle: How a cycle without an assessment counts in the
            consecutive-failure rule (a [MissingCycle][clubrules.staff.MissingCycle]).
        ad_hoc_in_chain: Whether ad hoc assessments join the chain of
            consecutive failures. By default they do not: "consecutive"
            means consecutive periodic cycles, and a failed ad hoc assessment
            brings its own warning.
        improvement_days: The days a warning gives to improve, each of 24
            hours from the instant of the assessment: the deadline is the
            same instant whatever zone the assessment was given in, and
            across a DST change its wall clock reading moves by an hour.
        cycle_months: The months in one periodic cycle (1: monthly).

    Raises:
        InvalidRubricError: weights that do not sum to 100, keys used twice,
            or a bad version, policy or number of days.
    """

    id: str
    version: int = 1
    criteria: tuple[Criterion, ...] = attrs.field(converter=to_tuple)
    bands: BandScheme = DEFAULT_BANDS
    missing_cycle: MissingCycle = attrs.field(default=MissingCycle.SKIPPED, converter=_to_missing)
    ad_hoc_in_chain: bool = False
    improvement_days: int = 30
    cycle_months: int = 1

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "id", self.id)
        check_flag(problems, "ad_hoc_in_chain", self.ad_hoc_in_chain)
        for field in ("version", "improvement_days", "cycle_months"):
            value: object = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.add(field, "not_positive", "must be an int of at least 1")
            else:
                check_int_range(problems, field, value)
        cycle_months: object = self.cycle_months
        if isinstance(cycle_months, int) and cycle_months >= 1 and 12 % cycle_months:
            problems.add("cycle_months", "not_a_divisor_of_12", "must divide a year (1-4, 6, 12)")
        criteria_ok = check_tuple_of(problems, "criteria", self.criteria, Criterion)
        if criteria_ok and not self.criteria:
            problems.add("criteria", "empty", "needs at least one criterion")
        elif criteria_ok:
            total = exact_sum(c.max_points for c in self.criteria)
            if total != HUNDRED:
                problems.add(
                    "criteria", "weights_sum", f"criterion weights sum to {total}, not to 100"
                )
            keys = [c.key for c in self.criteria] + [k for _, k in self._item_keys()]
            reused = "a criterion or sub-item key is reused"
            check_distinct(problems, "criteria", keys, "duplicate_key", reused)
        bands: object = self.bands
        if not isinstance(bands, BandScheme):
            problems.add("bands", "not_a_band_scheme", "must be a BandScheme")
        check_choice(problems, "missing_cycle", self.missing_cycle, MissingCycle)
        ad_hoc: object = self.ad_hoc_in_chain
        if not isinstance(ad_hoc, bool):
            problems.add("ad_hoc_in_chain", "not_a_bool", "must be True or False")
        problems.raise_if_any(InvalidRubricError)

    def _item_keys(self) -> list[tuple[str, str]]:
        return [(c.key, i.key) for c in self.criteria for i in c.sub_items]

    def all_items(self) -> Iterator[tuple[Criterion, SubItem]]:
        """Every (criterion, sub-item) pair, in rubric order."""
        for criterion in self.criteria:
            for item in criterion.sub_items:
                yield criterion, item

    @property
    def kpis(self) -> frozenset[str]:
        """The names of the KPIs the rubric needs as inputs."""
        return frozenset(
            item.method.kpi for _, item in self.all_items() if isinstance(item.method, KpiScoring)
        )

    def revise(self, **changes: object) -> Self:
        """The next version of this rubric, with `changes` applied.

        The version is `version + 1` unless `changes` names one, which must
        then be above the current version.

        Raises:
            InvalidRubricError: an unknown field (`unknown_field`), a version
                not above the current one (`version_not_after`), or the
                changed rubric is invalid.
        """
        changes = revision(self, self.version, changes, InvalidRubricError)
        return attrs.evolve(self, **changes)  # type: ignore[arg-type]


def seed_rubric(
    rubric_id: str = "customer-service", version: int = 1, *, locale: str = "en"
) -> Rubric:
    """The leisure club's customer-service rubric from the seed rules: 30 / 40 / 30.

    - Work attitude, 30: service awareness (customer evaluations, 1-5 stars),
      responsibility and teamwork (supervisor), 10 each.
    - Business capability, 40: knowledge of the services, accurate answers,
      handling of bookings, handling of complaints (supervisor), 10 each.
    - Work performance, 30: customer satisfaction (linear from 60% to 95%; no
      survey answers: neutral, 6 points), booking success rate (linear from
      70% to 95%; no bookings: excluded), complaint-handling timeliness
      (stepped: 95% 10, 90% 8, 80% 6, else 0; no complaints: full marks).

    Bands are the defaults (excellent from 90, good from 80, pass from 60);
    missing cycles are skipped; warnings give 30 days. Every part can be
    changed with [Rubric.revise][clubrules.staff.Rubric.revise] or by
    building a `Rubric` of your own.

    `locale` names the criteria and sub-items (`"en"`, or `"zh"` for
    "工作态度", "业务能力", "工作业绩"); keys and points are the same in both.

    Raises:
        ValidationError: an unknown locale (rule `unknown_locale`).

    Examples:
        >>> rubric = seed_rubric()
        >>> [(c.key, c.max_points) for c in rubric.criteria]
        [('attitude', Decimal('30')), ('capability', Decimal('40')), ('performance', Decimal('30'))]
    """
    ten = Decimal(10)

    def n(key: str) -> str:
        return message(f"staff.seed.{key}", locale=locale)

    def item(key: str, method: ScoringMethod | None = None) -> SubItem:
        """A sub-item of 10 points, scored by hand unless `method` says otherwise."""
        return SubItem(key=key, name=n(key), max_points=ten, method=method or ManualScoring())

    def criterion(key: str, *sub_items: SubItem) -> Criterion:
        """A criterion worth the sum of its sub-items."""
        total = exact_sum(i.max_points for i in sub_items)
        return Criterion(key=key, name=n(key), max_points=total, sub_items=sub_items)

    attitude = criterion(
        "attitude",
        item("service_awareness", EvaluationScoring(no_events=NoEventsRule.EXCLUDE)),
        item("responsibility"),
        item("teamwork"),
    )
    capability = criterion(
        "capability",
        item("service_knowledge", ManualScoring(n("knowledge_test"))),
        item("answer_accuracy"),
        item("booking_handling"),
        item("complaint_handling"),
    )
    performance = criterion(
        "performance",
        item(
            "satisfaction",
            _linear_kpi(SATISFACTION_RATE, "0.60", "0.95", NoEventsRule.NEUTRAL, neutral=6),
        ),
        item(
            "booking_success",
            _linear_kpi(BOOKING_SUCCESS_RATE, "0.70", "0.95", NoEventsRule.EXCLUDE),
        ),
        item(
            "complaint_timeliness",
            KpiScoring(
                kpi=COMPLAINT_TIMELINESS_RATE,
                scale=SteppedScale(
                    [
                        Step(min_rate=Decimal("0.95"), points=ten),
                        Step(min_rate=Decimal("0.90"), points=Decimal(8)),
                        Step(min_rate=Decimal("0.80"), points=Decimal(6)),
                        Step(min_rate=Decimal(0), points=Decimal(0)),
                    ]
                ),
                no_events=NoEventsRule.FULL_MARKS,
            ),
        ),
    )
    return Rubric(id=rubric_id, version=version, criteria=[attitude, capability, performance])


def _linear_kpi(
    kpi: str, floor: str, target: str, no_events: NoEventsRule, *, neutral: int | None = None
) -> KpiScoring:
    """A KPI method of the seed rubric, linear from `floor` (0 points) to `target` (full marks)."""
    return KpiScoring(
        kpi=kpi,
        scale=LinearScale(floor=Decimal(floor), target=Decimal(target)),
        no_events=no_events,
        neutral_points=None if neutral is None else Decimal(neutral),
    )
