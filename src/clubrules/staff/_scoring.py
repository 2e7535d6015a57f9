"""Score sheets: every criterion's points and where they came from, computed from the inputs."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from datetime import datetime  # noqa: TC003
from decimal import Decimal

import attrs

from clubrules._checks import (
    TEXT_MAX_CHARS,
    check_choice,
    check_count,
    check_items,
    check_number,
    check_storable_text,
    check_text,
    require_instance,
    shown,
    to_tuple,
)
from clubrules._time import canonical_instant, instants_compared, require_aware, to_epoch_us
from clubrules.errors import (
    NotFoundError,
    PeriodNotEndedError,
    ValidationError,
    ViolationCollector,
)
from clubrules.staff._bands import BandOutcome
from clubrules.staff._inputs import AssessmentInputs, AssessmentKind, AssessmentPeriod
from clubrules.staff._numbers import (
    HUNDRED,
    ZERO,
    apportion,
    exact_mul,
    exact_sum,
    on_grid,
    round_ratio,
)
from clubrules.staff._rubric import (
    Criterion,
    EvaluationScoring,
    KpiScoring,
    ManualScoring,
    NoEventsRule,
    Rubric,
    SubItem,
)
from clubrules.words import message

__all__ = ["CriterionScore", "ScoreLine", "ScoreSheet", "assess"]

_ONE = Decimal(1)
_NO_POINTS = Decimal("0.00")


@attrs.frozen(kw_only=True)
class ScoreLine:
    """One sub-item's line on a score sheet.

    Attributes:
        criterion: The criterion's key.
        item: The sub-item's key.
        name: The sub-item's name.
        method: `"manual"`, `"kpi"` or `"evaluations"`.
        max_points: The sub-item's maximum in the rubric.
        effective_max: Its maximum on this sheet: `max_points`, unless an
            excluded item's points were shared out (then more), or this item
            was excluded (then 0).
        points: The points earned, from 0 to `effective_max`.
        source: Where the points came from, in words: the supervisor and
            their note, the KPI's counts and scale, or the evaluations.
        no_events: The [NoEventsRule][clubrules.staff.NoEventsRule] applied
            when the period had no events for this item, else None.
    """

    criterion: str
    item: str
    name: str
    method: str
    max_points: Decimal
    effective_max: Decimal
    points: Decimal
    source: str
    no_events: NoEventsRule | None = None

    @property
    def excluded(self) -> bool:
        """Whether the item was left out (no events, and the rule is `EXCLUDE`)."""
        return self.no_events is NoEventsRule.EXCLUDE


@attrs.frozen(kw_only=True)
class CriterionScore:
    """A criterion's subtotal on a score sheet: the sum of its lines.

    Attributes:
        key: The criterion's key.
        name: The criterion's name.
        max_points: Its weight in the rubric.
        effective_max: Its weight on this sheet (0 if all its items were
            excluded; more if another criterion's weight was shared out).
        points: The sum of its lines' points.
    """

    key: str
    name: str
    max_points: Decimal
    effective_max: Decimal
    points: Decimal


def _check_stored_text(
    problems: ViolationCollector, lines: tuple[object, ...], criteria: tuple[object, ...]
) -> None:
    """The lines' and criteria's text is storable: labels as ids, a line's source as free text."""
    for i, line in enumerate(lines):
        for name in ("criterion", "item", "name", "method"):
            check_storable_text(problems, f"lines[{i}].{name}", getattr(line, name, None))
        source = getattr(line, "source", None)
        check_storable_text(problems, f"lines[{i}].source", source, limit=TEXT_MAX_CHARS)
    for i, criterion in enumerate(criteria):
        for name in ("key", "name"):
            check_storable_text(problems, f"criteria[{i}].{name}", getattr(criterion, name, None))


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class ScoreSheet:
    """A complete, explainable assessment of one staff member for one period.

    The total is the sum of the criteria's points, and each criterion's
    points are the sum of its lines: checked when the sheet is built, so a
    sheet read back from storage is as sound as one just computed. Build
    sheets with [assess][clubrules.staff.assess].

    Attributes:
        id: The integrator's identifier of the assessment.
        staff_id: Who was assessed.
        kind: Periodic or ad hoc ([AssessmentKind][clubrules.staff.AssessmentKind]).
        period: The [AssessmentPeriod][clubrules.staff.AssessmentPeriod].
        assessed_at: When it was scored (timezone-aware, not before the
            period's end).
        rubric_id: The rubric it was scored with.
        rubric_version: That rubric's version.
        lines: One [ScoreLine][clubrules.staff.ScoreLine] per sub-item.
        criteria: One [CriterionScore][clubrules.staff.CriterionScore] per criterion.
        total: The score out of 100.
        band: The name of the band the total falls in.
        outcome: The band's [BandOutcome][clubrules.staff.BandOutcome].

    Raises:
        ValidationError: the parts do not add up, the total is outside
            0-100, or an instant is naive (rule `inconsistent_sheet` for sums).
    """

    id: str
    staff_id: str
    kind: AssessmentKind
    period: AssessmentPeriod
    assessed_at: datetime
    rubric_id: str
    rubric_version: int
    lines: tuple[ScoreLine, ...] = attrs.field(converter=to_tuple)
    criteria: tuple[CriterionScore, ...] = attrs.field(converter=to_tuple)
    total: Decimal
    band: str
    outcome: BandOutcome

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        # The parts' types first: the sums below read their attributes.
        given: tuple[tuple[str, object, type], ...] = (
            ("lines", self.lines, ScoreLine),
            ("criteria", self.criteria, CriterionScore),
        )
        for name, parts, kind in given:
            if isinstance(parts, tuple):
                check_items(problems, name, parts, kind, rule="wrong_type")
            else:
                problems.add(name, "not_a_list", f"must be a list, not {type(parts).__name__}")
        problems.raise_if_any()
        check_text(problems, "id", self.id)
        check_text(problems, "staff_id", self.staff_id)
        check_text(problems, "rubric_id", self.rubric_id)  # as the rubric's own id
        check_count(problems, "rubric_version", self.rubric_version, minimum=1)
        check_storable_text(problems, "band", self.band)
        _check_stored_text(problems, self.lines, self.criteria)
        object.__setattr__(self, "assessed_at", canonical_instant(self.assessed_at, "assessed_at"))
        check_choice(problems, "kind", self.kind, AssessmentKind)
        check_choice(problems, "outcome", self.outcome, BandOutcome)
        period: object = self.period
        if not isinstance(period, AssessmentPeriod):
            problems.add("period", "not_a_period", "must be an AssessmentPeriod")
        sums: dict[str, Decimal] = {}
        for line in self.lines:
            sums[line.criterion] = exact_sum((sums.get(line.criterion, ZERO), line.points))
            if not ZERO <= line.points <= line.effective_max:
                problems.add(f"lines.{line.item}", "inconsistent_sheet", "points outside 0-max")
        for criterion in self.criteria:
            if sums.pop(criterion.key, ZERO) != criterion.points:
                problems.add(
                    f"criteria.{criterion.key}", "inconsistent_sheet", "is not its lines' sum"
                )
        if sums:
            problems.add("lines", "inconsistent_sheet", "a line names no criterion of the sheet")
        total = self.total
        found = len(problems)
        check_number(problems, "total", total, minimum=None)  # an exact, finite number
        if len(problems) == found:
            if exact_sum(c.points for c in self.criteria) != total:
                problems.add("total", "inconsistent_sheet", "is not the sum of the criteria")
            if not ZERO <= total <= HUNDRED:
                problems.add("total", "inconsistent_sheet", "is outside 0-100")
        problems.raise_if_any()

    @property
    def failed(self) -> bool:
        """Whether the total is in a failing band (one whose outcome is `WARNING`)."""
        return self.outcome is BandOutcome.WARNING

    def line(self, item: str) -> ScoreLine:
        """The line of the sub-item `item`.

        Raises:
            NotFoundError: the sheet has no such line (a `LookupError`).
        """
        for line in self.lines:
            if line.item == item:
                return line
        key: object = item
        raise NotFoundError("score line", key if isinstance(key, str) else shown(key))

    def explain(self, locale: str | None = None) -> str:
        """The sheet as text: one line per sub-item, criterion subtotals, the total and band.

        The frame is worded in `locale` (the locale in force by default, see
        [clubrules.words.use_locale][clubrules.words.use_locale]); criterion
        and band names are the rubric's own, and each line's source was
        worded when the sheet was assessed.

        Raises:
            ValidationError: an unknown locale (rule `unknown_locale`).
        """
        out = [
            message(
                "staff.sheet.title",
                locale=locale,
                id=self.id,
                staff=self.staff_id,
                period=self.period.label,
                kind=message(f"staff.kind.{self.kind.value}", locale=locale),
                rubric=self.rubric_id,
                version=self.rubric_version,
            )
        ]
        for criterion in self.criteria:
            weight = (
                message("staff.sheet.weight", locale=locale, weight=criterion.max_points)
                if criterion.effective_max != criterion.max_points
                else ""
            )
            out.append(_scored("staff.sheet.criterion", criterion, locale, weight=weight))
            out.extend(
                _scored("staff.sheet.line", line, locale, source=line.source)
                for line in self.lines
                if line.criterion == criterion.key
            )
        out.append(message("staff.sheet.total", locale=locale, total=self.total, band=self.band))
        return "\n".join(out)


def _scored(key: str, item: ScoreLine | CriterionScore, locale: str | None, **extra: str) -> str:
    """The message `key` for a line or a criterion: its name, points and maximum, and `extra`."""
    return message(
        key, locale=locale, name=item.name, points=item.points, max=item.effective_max, **extra
    )


# What one sub-item earned: (numerator, denominator) of its maximum, or None if excluded.
_Share = tuple[Decimal, Decimal] | None


def _ratio_as_percent(numerator: int, denominator: int) -> str:
    """`numerator / denominator` as a percentage rounded half up to 0.01, such as `"66.67%"`."""
    return f"{round_ratio(exact_mul(Decimal(numerator), 100), Decimal(denominator))}%"


def _no_events_share(item: SubItem, rule: NoEventsRule) -> tuple[_Share, str]:
    if rule is NoEventsRule.FULL_MARKS:
        return (_ONE, _ONE), message("staff.no_events.full")
    if rule is NoEventsRule.NEUTRAL:
        neutral = item.neutral_points
        text = message("staff.no_events.neutral", neutral=neutral, max=item.max_points)
        return (neutral, item.max_points), text
    return None, message("staff.no_events.excluded")


def _share_of(
    item: SubItem, scale_text: str, inputs: AssessmentInputs, problems: ViolationCollector
) -> tuple[_Share, str, NoEventsRule | None]:
    method = item.method
    if isinstance(method, ManualScoring):
        score = inputs.manual.get(item.key)
        if score is None:
            problems.add(f"manual.{item.key}", "missing_score", "has no supervisor's score")
            return None, "", None
        if score.points > item.max_points:
            problems.add(
                f"manual.{item.key}",
                "above_maximum",
                f"{shown(score.points)} is above the maximum {item.max_points}",
            )
            return None, "", None
        note = f": {score.note}" if score.note else ""
        text = message("staff.manual", by=score.by, note=note)
        return (score.points, item.max_points), text, None
    if isinstance(method, KpiScoring):
        kpi = inputs.kpis.get(method.kpi)
        if kpi is None:
            problems.add(
                f"kpis.{method.kpi}",
                "missing_kpi",
                "is not given; pass Kpi.no_events() for a period without events",
            )
            return None, "", None
        if not kpi.denominator:
            share, text = _no_events_share(item, method.no_events)
            return share, message("staff.kpi_none", kpi=method.kpi, text=text), method.no_events
        share = method.scale.share(kpi.numerator, kpi.denominator, item.max_points)
        rate = _ratio_as_percent(kpi.numerator, kpi.denominator)
        text = message(
            "staff.kpi",
            kpi=method.kpi,
            numerator=kpi.numerator,
            denominator=kpi.denominator,
            rate=rate,
            scale=scale_text,
        )
        return share, text, None
    return _evaluation_share(item, method, inputs.evaluations, problems)


def _evaluation_share(
    item: SubItem,
    method: EvaluationScoring,
    ratings: tuple[int, ...],
    problems: ViolationCollector,
) -> tuple[_Share, str, NoEventsRule | None]:
    bad = [r for r in ratings if not method.scale_min <= r <= method.scale_max]
    if bad:
        problems.add(
            "evaluations",
            "rating_out_of_range",
            f"{len(bad)} rating(s) outside {method.scale_min}-{method.scale_max}",
        )
        return None, "", None
    if len(ratings) < method.min_count:
        share, text = _no_events_share(item, method.no_events)
        text = message("staff.evaluations_none", count=len(ratings), text=text)
        return share, text, method.no_events
    mean = round_ratio(exact_sum(ratings), Decimal(len(ratings)))
    text = message(
        "staff.evaluations",
        count=len(ratings),
        mean=mean,
        low=method.scale_min,
        high=method.scale_max,
    )
    return method.share(ratings), text, None


def assess(
    rubric: Rubric,
    inputs: AssessmentInputs,
    *,
    sheet_id: str,
    staff_id: str,
    period: AssessmentPeriod,
    as_of: datetime,
    kind: AssessmentKind = AssessmentKind.PERIODIC,
) -> ScoreSheet:
    """Score one staff member's assessment with `rubric`: a complete score sheet.

    Each sub-item earns a fraction of its maximum: the supervisor's score,
    the KPI through its scale, or the mean customer evaluation. A KPI with
    no events, or too few evaluations, follows its
    [NoEventsRule][clubrules.staff.NoEventsRule]; an excluded item's points
    go to the other items of its criterion in proportion to their maxima
    (largest remainder on 0.01, so the maxima still sum to the criterion's
    weight), or, if the whole criterion is excluded, to the other criteria.
    Points are exact Decimals, rounded half up to 0.01 per line; the total is
    the sum of the lines and never exceeds 100. Results do not depend on the
    thread's decimal context (a lower precision never rounds a score).

    Args:
        rubric: The rubric to score with.
        inputs: Manual scores, KPIs and customer evaluations.
        sheet_id: The integrator's identifier for the sheet.
        staff_id: Who is assessed.
        period: The period assessed; a periodic assessment needs a period
            from [AssessmentPeriod.monthly][clubrules.staff.AssessmentPeriod.monthly]
            with the rubric's `cycle_months` (or one rebuilt from its bounds,
            cycle and `time_zone`).
        as_of: When the sheet is scored (timezone-aware), at or after the
            period's end.
        kind: Periodic (the default) or ad hoc.

    Returns:
        The [ScoreSheet][clubrules.staff.ScoreSheet].

    Raises:
        PeriodNotEndedError: `as_of` is before the end of `period`.
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: every problem of the inputs at once: a missing or
            above-maximum manual score (`missing_score`, `above_maximum`), a
            missing KPI (`missing_kpi`), a rating outside the scale, a
            manual score for an unknown item (`unknown_item`), a periodic
            assessment of a period that is not a cycle, or nothing left to
            score (`nothing_to_score`).
    """
    require_aware(as_of, "as_of")
    require_instance(rubric, Rubric, "rubric")
    require_instance(inputs, AssessmentInputs, "inputs")
    require_instance(period, AssessmentPeriod, "period")
    # As instants: one zone's datetimes compare by wall time, fold ignored.
    if to_epoch_us(as_of) < to_epoch_us(period.end):
        raise PeriodNotEndedError(
            f"{period.label} ends at {period.end.isoformat()}, after as_of {as_of.isoformat()}",
            field="period",
        )
    problems = ViolationCollector()
    if kind is AssessmentKind.PERIODIC and (
        period.cycle_months != rubric.cycle_months or not period.is_whole_cycle
    ):
        problems.add(
            "period",
            "not_a_cycle",
            f"a periodic assessment needs a {rubric.cycle_months}-month cycle "
            "from AssessmentPeriod.monthly (rebuilt from stored bounds, give it "
            "its time_zone)",
        )
    plan, manual = _plan(rubric)
    for key in sorted(set(inputs.manual) - manual):
        problems.add(f"manual.{key}", "unknown_item", "is not a manual item of the rubric")
    found = [
        _share_of(item, text, inputs, problems)
        for _, _, items in plan
        for item, _, _, text in items
    ]
    problems.raise_if_any()
    lines, criteria = _lines(plan, found)
    total = on_grid(exact_sum(c.points for c in criteria))
    band = rubric.bands.band_for(total)
    return ScoreSheet(
        id=sheet_id,
        staff_id=staff_id,
        kind=kind,
        period=period,
        assessed_at=as_of,
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        lines=lines,
        criteria=criteria,
        total=total,
        band=band.name,
        outcome=band.outcome,
    )


# A rubric's layout, worked out once: per criterion, its weight and its items
# with their method names and maxima. Keyed by id(); the rubric itself is kept
# so that an id is never reused while its entry lives.
_Plan = tuple[tuple[Criterion, Decimal, tuple[tuple[SubItem, str, Decimal, str], ...]], ...]
_PLANS: dict[int, tuple[Rubric, _Plan, frozenset[str]]] = {}


def _plan(rubric: Rubric) -> tuple[_Plan, frozenset[str]]:
    hit = _PLANS.get(id(rubric))
    if hit is not None and hit[0] is rubric:
        return hit[1], hit[2]
    plan = tuple(
        (
            criterion,
            on_grid(criterion.max_points),
            tuple(
                (
                    item,
                    item.method.method,
                    on_grid(item.max_points),
                    item.method.scale.describe() if isinstance(item.method, KpiScoring) else "",
                )
                for item in criterion.sub_items
            ),
        )
        for criterion in rubric.criteria
    )
    manual = frozenset(
        item.key for _, item in rubric.all_items() if isinstance(item.method, ManualScoring)
    )
    if len(_PLANS) >= 64:
        _PLANS.clear()
    _PLANS[id(rubric)] = (rubric, plan, manual)
    return plan, manual


def _lines(
    plan: _Plan,
    found: list[tuple[_Share, str, NoEventsRule | None]],
) -> tuple[list[ScoreLine], list[CriterionScore]]:
    groups: list[
        tuple[
            Criterion,
            Decimal,
            tuple[tuple[SubItem, str, Decimal, str], ...],
            list[tuple[_Share, str, NoEventsRule | None]],
        ]
    ] = []
    index = 0
    for criterion, weight, items in plan:
        entries = found[index : index + len(items)]
        index += len(items)
        groups.append((criterion, weight, items, entries))
    live = [g for g in groups if any(e[0] is not None for e in g[3])]
    if not live:
        raise ValidationError(
            "every item was excluded for lack of events", field="inputs", rule="nothing_to_score"
        )
    weights = [g[1] for g in groups]
    if len(live) != len(groups):
        shared = iter(apportion(HUNDRED, [g[1] for g in live]))
        weights = [next(shared) if g in live else ZERO for g in groups]
    lines: list[ScoreLine] = []
    criteria: list[CriterionScore] = []
    for (criterion, nominal, items, entries), weight in zip(groups, weights, strict=True):
        kept = [i for i, e in enumerate(entries) if e[0] is not None]
        if weight == nominal and len(kept) == len(entries):
            maxima = [maximum for _, _, maximum, _ in items]
        else:
            maxima = [_NO_POINTS] * len(items)
            if kept:
                spread = apportion(weight, [items[i][2] for i in kept])
                for i, part in zip(kept, spread, strict=True):
                    maxima[i] = part
        subtotal = ZERO
        for (item, method, maximum, _), (share, source, rule), effective in zip(
            items, entries, maxima, strict=True
        ):
            if share is None:
                points = ZERO
            elif share[1] == effective:
                # A manual score or a step is on the grid already; a linear share may not be
                # (rate 1/5 from floor 0.175 over 0.4, of 2 points: 0.125), and rounds half up.
                points = share[0]
                if points != on_grid(points):
                    points = round_ratio(points, _ONE)
            else:
                points = round_ratio(share[0], share[1], times=effective)
            if points.as_tuple().exponent != -2:
                points = on_grid(points)
            subtotal = exact_sum((subtotal, points))
            lines.append(
                ScoreLine(
                    criterion=criterion.key,
                    item=item.key,
                    name=item.name,
                    method=method,
                    max_points=maximum,
                    effective_max=effective,
                    points=points,
                    source=source,
                    no_events=rule,
                )
            )
        criteria.append(
            CriterionScore(
                key=criterion.key,
                name=criterion.name,
                max_points=nominal,
                effective_max=on_grid(weight),
                points=subtotal,
            )
        )
    return lines, criteria
