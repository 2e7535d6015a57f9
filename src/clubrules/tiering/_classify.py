"""Classification: spend and frequency bands, tag classes, and additive scoring."""

from __future__ import annotations

from bisect import bisect_right

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Sequence  # noqa: TC003
from datetime import datetime  # noqa: TC003
from decimal import Decimal

import attrs

from clubrules._checks import (
    check_count,
    check_number,
    check_tags,
    check_text,
    raise_collected,
    require_instance,
    require_int,
    require_items,
    require_names,
    require_real,
    to_decimal_or_int,
    to_frozenset,
    unpack_items,
)
from clubrules._time import require_aware
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.tiering._activity import ActivitySummary, days_since_last_visit

__all__ = [
    "Band",
    "BandScheme",
    "Classification",
    "Score",
    "ScoreRule",
    "ScoringModel",
    "TagClass",
    "classify",
]


@attrs.frozen
class Band:
    """One band of a `BandScheme`: from `min` (inclusive) to the next band's min (exclusive).

    Attributes:
        name: The band's name, such as `"silver"`.
        min: The least value in the band: an `int` or a `Decimal`, never a float.
    """

    name: str
    min: int | Decimal = attrs.field(converter=to_decimal_or_int)


def _to_bands(value: object) -> tuple[Band, ...]:
    if isinstance(value, str | bytes):
        return value  # type: ignore[return-value]  # reported by the checks
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        return value  # type: ignore[return-value]  # reported by the checks
    return unpack_items(items, Band, "bands")


def check_thresholds(
    problems: ViolationCollector, field: str, names: Sequence[object], mins: Sequence[object]
) -> None:
    """Names unique, the first min 0, the mins exact and strictly increasing."""
    if not mins:
        problems.add(field, "empty", "needs at least one band")
        return
    for i, (name, low) in enumerate(zip(names, mins, strict=True)):
        check_text(problems, f"{field}[{i}].name", name)
        check_number(problems, f"{field}[{i}].min", low)
    if problems:
        return
    if mins[0] != 0:
        problems.add(
            f"{field}[0].min",
            "lowest_not_zero",
            f"the lowest band must start at 0, not {mins[0]}",
        )
    for i in range(1, len(mins)):
        low, prev = mins[i], mins[i - 1]
        if low == prev:
            problems.add(
                f"{field}[{i}].min",
                "overlapping_thresholds",
                f"{names[i]!r} starts where {names[i - 1]!r} starts ({low}): bands are [min, next)",
            )
        elif low < prev:  # type: ignore[operator]
            problems.add(
                f"{field}[{i}].min",
                "unordered_thresholds",
                f"{names[i]!r} starts at {low}, below {names[i - 1]!r} at {prev}: "
                "list bands from the lowest up",
            )
    seen: set[object] = set()
    for i, name in enumerate(names):
        if name in seen:
            problems.add(f"{field}[{i}].name", "duplicate_name", f"{name!r} is listed twice")
        seen.add(name)


@attrs.frozen
class BandScheme:
    """Ordered, half-open bands over one measure: `[min, next_min)`, the lowest from 0.

    Attributes:
        bands: `Band` values, or `(name, min)` pairs, from the lowest up.

    Raises:
        ValidationError: no bands, a lowest band that does not start at 0
            (`lowest_not_zero`), two bands with the same min
            (`overlapping_thresholds`), bands out of order
            (`unordered_thresholds`), a float threshold, or a repeated name.

    Examples:
        >>> spend = BandScheme([("light", 0), ("regular", 1000), ("heavy", 5000)])
        >>> spend.name_of(999), spend.name_of(1000), spend.name_of(10**6)
        ('light', 'regular', 'heavy')
    """

    bands: tuple[Band, ...] = attrs.field(converter=_to_bands)
    _mins: tuple[int | Decimal, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        bands: object = self.bands
        if not isinstance(bands, tuple):
            problems.add("bands", "not_a_sequence", "must be a sequence of bands")
            problems.raise_if_any()
        check_thresholds(
            problems, "bands", [b.name for b in self.bands], [b.min for b in self.bands]
        )
        raise_collected(problems)
        object.__setattr__(self, "_mins", tuple(b.min for b in self.bands))

    @property
    def names(self) -> tuple[str, ...]:
        """The band names, from the lowest up."""
        return tuple(b.name for b in self.bands)

    def index_of(self, value: int | Decimal) -> int:
        """The index of the band holding `value` (a value below 0 is in the lowest band).

        Raises:
            ValidationError: `value` is not an int or a finite Decimal.
        """
        if type(value) is not int:
            require_real(value, "value")
        return max(bisect_right(self._mins, value) - 1, 0)

    def band_of(self, value: int | Decimal) -> Band:
        """The band holding `value`."""
        return self.bands[self.index_of(value)]

    def name_of(self, value: int | Decimal) -> str:
        """The name of the band holding `value`."""
        return self.bands[self.index_of(value)].name


@attrs.frozen
class TagClass:
    """A class given by tags: a customer is in it if its tags match.

    Attributes:
        name: The class name, such as `"anti-ageing"`.
        any_of: The customer has at least one of these tags (ignored if empty).
        all_of: The customer has all of these tags (ignored if empty).

    Raises:
        ValidationError: a blank name, or neither `any_of` nor `all_of` given.
    """

    name: str
    any_of: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    all_of: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "name", self.name)
        check_tags(problems, "any_of", self.any_of)
        check_tags(problems, "all_of", self.all_of)
        if not problems and not self.any_of and not self.all_of:
            problems.add("any_of", "empty", "give any_of or all_of (or both)")
        raise_collected(problems)

    def matches(self, tags: frozenset[str]) -> bool:
        """Whether a customer with `tags` is in this class."""
        tags = require_names(tags, "tags")
        if self.any_of and not (self.any_of & tags):
            return False
        return self.all_of <= tags


@attrs.frozen
class ScoreRule:
    """One additive scoring rule: `points` when every given condition holds.

    Conditions left at their default are not checked; a rule with no
    condition at all always scores.

    Attributes:
        name: The rule's name, shown in the score's reasons.
        points: Points added (negative points subtract).
        needs_any: The customer has at least one of these needs tags.
        tags_any: The customer has at least one of these preference tags.
        min_visits: At least this many visits in the summary's window.
        min_spend: At least this net spend in the summary's window.
        max_days_since_visit: The last visit is at most this many days before
            `as_of` (a customer who never visited fails it).

    Raises:
        ValidationError: a blank name, non-integer points, or a negative or
            float condition.
    """

    name: str
    points: int
    needs_any: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    tags_any: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    min_visits: int | None = None
    min_spend: int | Decimal | None = attrs.field(default=None, converter=to_decimal_or_int)
    max_days_since_visit: int | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "name", self.name)
        points: object = self.points
        if isinstance(points, Decimal):
            problems.add("points", "not_an_int", "points are whole numbers")
        else:
            check_number(problems, "points", points, minimum=None)
        check_tags(problems, "needs_any", self.needs_any)
        check_tags(problems, "tags_any", self.tags_any)
        if self.min_visits is not None:
            check_count(problems, "min_visits", self.min_visits)
        if self.min_spend is not None:
            check_number(problems, "min_spend", self.min_spend)
        if self.max_days_since_visit is not None:
            check_count(problems, "max_days_since_visit", self.max_days_since_visit)
        raise_collected(problems)

    def matches(
        self,
        summary: ActivitySummary,
        *,
        tags: frozenset[str],
        needs: frozenset[str],
        days_since_visit: int | None,
    ) -> bool:
        """Whether every condition of the rule holds.

        Raises:
            ValidationError: `summary` is not an `ActivitySummary`, `tags` or
                `needs` is not a set, or `days_since_visit` is neither None
                nor an int from 0 to 2**63 - 1.
        """
        require_instance(summary, ActivitySummary, "summary")
        for field, given in (("tags", tags), ("needs", needs)):
            if not isinstance(given, frozenset | set):
                raise ValidationError(
                    "must be a set of strings (not a single string)", field=field, rule="not_a_set"
                )
        if days_since_visit is not None:
            require_int(days_since_visit, "days_since_visit", minimum=0)
        return self._holds(summary, tags, needs, days_since_visit)

    def _holds(
        self,
        summary: ActivitySummary,
        tags: frozenset[str],
        needs: frozenset[str],
        days_since_visit: int | None,
    ) -> bool:
        if self.needs_any and not (self.needs_any & needs):
            return False
        if self.tags_any and not (self.tags_any & tags):
            return False
        if self.min_visits is not None and summary.visits < self.min_visits:
            return False
        if self.min_spend is not None and summary.spend.amount < self.min_spend:
            return False
        return self.max_days_since_visit is None or (
            days_since_visit is not None and days_since_visit <= self.max_days_since_visit
        )


@attrs.frozen
class Score:
    """An additive score and the class it falls in.

    Attributes:
        total: The sum of the matched rules' points.
        matched: The names of the matched rules, in rule order (the reasons).
        klass: The name of the scoring class of `total` (a negative total is
            in the lowest class).
    """

    total: int
    matched: tuple[str, ...]
    klass: str


def _score_rules(rules: Iterable[ScoreRule]) -> tuple[ScoreRule, ...]:
    return require_items(rules, ScoreRule, "rules")


@attrs.frozen
class ScoringModel:
    """Additive scoring rules, like CRM lead scoring, and classes over the total.

    Attributes:
        rules: The rules; every matching rule adds its points.
        classes: Bands over the total score, the lowest from 0.

    Raises:
        ValidationError: two rules share a name, or `classes` is not a
            `BandScheme` (`wrong_type`).

    Examples:
        >>> from datetime import UTC, datetime
        >>> from clubrules.tiering import ActivitySummary
        >>> model = ScoringModel(
        ...     rules=[ScoreRule("anti-ageing need", 30, needs_any={"anti-ageing"}),
        ...            ScoreRule("regular", 20, min_visits=4)],
        ...     classes=BandScheme([("cold", 0), ("warm", 25), ("hot", 50)]),
        ... )
        >>> t = datetime(2026, 3, 1, tzinfo=UTC)
        >>> s = ActivitySummary(customer_id="c-1", start=t, end=t)
        >>> model.score(s, needs={"anti-ageing"}, as_of=t)
        Score(total=30, matched=('anti-ageing need',), klass='warm')
    """

    rules: tuple[ScoreRule, ...] = attrs.field(converter=_score_rules)
    classes: BandScheme

    def __attrs_post_init__(self) -> None:
        require_instance(self.classes, BandScheme, "classes")
        names = [r.name for r in self.rules]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValidationError(
                f"rule names must be unique: {repeated}", field="rules", rule="duplicate_name"
            )

    def score(
        self,
        summary: ActivitySummary,
        *,
        as_of: datetime,
        tags: Iterable[str] = (),
        needs: Iterable[str] = (),
    ) -> Score:
        """Score one customer from its summary and tags, as of `as_of` (aware).

        Raises:
            NaiveDatetimeError: `as_of` is naive.
            ValidationError: `as_of` is before the summary's last visit (rule
                `before_last_visit`).
        """
        require_instance(summary, ActivitySummary, "summary")
        require_aware(as_of, "as_of")
        days = days_since_last_visit(summary, as_of)
        tag_set, need_set = require_names(tags, "tags"), require_names(needs, "needs")
        # The arguments are checked above: the unchecked test of each rule.
        holds = [r._holds for r in self.rules]  # noqa: SLF001 - the module's own class
        matched = [
            r for r, h in zip(self.rules, holds, strict=True) if h(summary, tag_set, need_set, days)
        ]
        total = sum(r.points for r in matched)
        return Score(total, tuple(r.name for r in matched), self.classes.name_of(total))


@attrs.frozen
class Classification:
    """How one customer is classified.

    Attributes:
        customer_id: The customer's id.
        spend_band: The name of the spend band.
        frequency_band: The name of the visit-frequency band.
        tag_classes: The names of the matching tag classes, in scheme order.
        score: The additive score, when a scoring model was given.
    """

    customer_id: str
    spend_band: str
    frequency_band: str
    tag_classes: tuple[str, ...]
    score: Score | None = None


def classify(
    summary: ActivitySummary,
    *,
    as_of: datetime,
    spend_bands: BandScheme,
    frequency_bands: BandScheme,
    tag_classes: Sequence[TagClass] = (),
    tags: Iterable[str] = (),
    needs: Iterable[str] = (),
    scoring: ScoringModel | None = None,
) -> Classification:
    """Classify a customer by spend, visit frequency, tags and (optionally) score.

    Args:
        summary: The customer's activity summary.
        as_of: When the classification is made (aware).
        spend_bands: Bands over net spend (the amount, in the summary's currency).
        frequency_bands: Bands over visits in the summary's window.
        tag_classes: Classes by needs and preference tags.
        tags: The customer's preference tags.
        needs: The customer's needs tags (tag classes look at both sets).
        scoring: An additive scoring model, if wanted.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: with `scoring`, `as_of` is before the summary's last
            visit (rule `before_last_visit`).
    """
    require_instance(summary, ActivitySummary, "summary")
    require_instance(spend_bands, BandScheme, "spend_bands")
    require_instance(frequency_bands, BandScheme, "frequency_bands")
    tag_classes = require_items(tag_classes, TagClass, "tag_classes")
    if scoring is not None:
        require_instance(scoring, ScoringModel, "scoring")
    require_aware(as_of, "as_of")
    tag_set, need_set = require_names(tags, "tags"), require_names(needs, "needs")
    both = tag_set | need_set
    return Classification(
        customer_id=summary.customer_id,
        spend_band=spend_bands.name_of(summary.spend.amount),
        frequency_band=frequency_bands.name_of(summary.visits),
        tag_classes=tuple(c.name for c in tag_classes if c.matches(both)),
        score=None
        if scoring is None
        else scoring.score(summary, as_of=as_of, tags=tag_set, needs=need_set),
    )
