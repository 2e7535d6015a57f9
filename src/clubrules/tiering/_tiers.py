"""Tier programs: half-open thresholds, upgrade at once, downgrade only at a review."""

from __future__ import annotations

import calendar as _cal
import enum
from bisect import bisect_right
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from clubrules._checks import (
    DECIMALS,
    EXACT_DECIMALS,
    check_count,
    check_enum,
    check_flag,
    check_instant_field,
    check_number,
    check_text,
    raise_collected,
    require_date,
    require_flag,
    require_instance,
    require_items,
    require_real,
    require_zone,
    texts_checked,
    to_decimal_or_int,
    unpack_items,
)
from clubrules._time import (
    instants_compared,
    local_month_start,
    local_time,
    require_aware,
    shift_days,
)
from clubrules._time import zone as _zone
from clubrules.errors import NotFoundError, ValidationError, ViolationCollector
from clubrules.tiering._activity import ActivitySummary
from clubrules.tiering._classify import check_thresholds

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


__all__ = [
    "QualificationWindow",
    "ReviewSchedule",
    "Tier",
    "TierBatch",
    "TierChange",
    "TierDecision",
    "TierMetric",
    "TierProgram",
    "TierReason",
    "TierStatus",
]

Number = int | Decimal


class TierMetric(enum.Enum):
    """What a tier program measures: net spend, visits, or points the integrator keeps."""

    SPEND = "spend"
    VISITS = "visits"
    POINTS = "points"


class TierChange(enum.Enum):
    """The direction of a tier decision."""

    UPGRADE = "upgrade"
    KEEP = "keep"
    DOWNGRADE = "downgrade"


class TierReason(enum.Enum):
    """Why a tier decision came out as it did (a stable code; the decision has a message too)."""

    QUALIFIED = "qualified"
    """The value reached a higher tier's qualify threshold: upgraded at once."""
    NO_REVIEW_DUE = "no_review_due"
    """No review is due, so the tier is kept whatever the value (no downgrade between reviews)."""
    RETAINED = "retained"
    """At a review, the value met the current tier's retain threshold."""
    DOWNGRADED = "downgraded"
    """At a review, the value was below the retain threshold: dropped to the tier it retains."""
    ONE_STEP_CAP = "one_step_cap"
    """At a review, the drop was limited to one tier."""
    MANUAL_FLOOR = "manual_floor"
    """A manually granted tier held the customer up."""


def _to_zone(value: object) -> tzinfo:
    if isinstance(value, str):
        return _zone(value)
    return value  # type: ignore[return-value]  # checked below


def _add_months(day: date, months: int, anchor_day: int) -> date | None:
    """`anchor_day` of the month `months` after `day`'s (clamped), or None outside 1-9999."""
    index = day.year * 12 + (day.month - 1) + months
    if not 12 <= index < 12 * 10_000:  # no int overflow either: ints are checked first
        return None
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(anchor_day, _cal.monthrange(year, month)[1]))


@attrs.frozen
class ReviewSchedule:
    """Review dates: `anchor` and every `every_months` months before and after it.

    A day of month beyond a short month's end falls on its last day.

    Attributes:
        anchor: One review date.
        every_months: Months between reviews (12 for yearly, 3 for quarterly).

    Examples:
        >>> from datetime import date
        >>> s = ReviewSchedule(anchor=date(2026, 1, 1), every_months=3)
        >>> s.latest_on_or_before(date(2026, 5, 20)), s.next_after(date(2026, 5, 20))
        (datetime.date(2026, 4, 1), datetime.date(2026, 7, 1))
    """

    anchor: date
    every_months: int = 12

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        anchor: object = self.anchor
        if not isinstance(anchor, date) or isinstance(anchor, datetime):
            problems.add("anchor", "not_a_date", "must be a date")
        check_count(problems, "every_months", self.every_months, minimum=1)
        raise_collected(problems)

    def _around(self, day: date) -> tuple[date | None, date | None]:
        """The reviews in the last review month on or before `day`'s month, and the next one."""
        require_date(day, "day")
        months = (day.year - self.anchor.year) * 12 + (day.month - self.anchor.month)
        k = months // self.every_months
        # Review k falls in a month no later than day's; review k + 1 in a later month.
        return (
            _add_months(self.anchor, k * self.every_months, self.anchor.day),
            _add_months(self.anchor, (k + 1) * self.every_months, self.anchor.day),
        )

    def _latest(self, day: date) -> date | None:
        """The last review on or before `day`, or None if it would fall before year 1."""
        review, _ = self._around(day)
        if review is not None and review > day:  # the same month, a later day
            months = (review.year - self.anchor.year) * 12 + (review.month - self.anchor.month)
            review = _add_months(self.anchor, months - self.every_months, self.anchor.day)
        return review

    def latest_on_or_before(self, day: date) -> date:
        """The last review date on or before `day`.

        Raises:
            ValidationError: `day` is not a date (a datetime, say), or no
                review falls on or before it in year 1 or later (rule
                `out_of_range`).
        """
        review = self._latest(day)
        if review is None:
            raise ValidationError(
                "has no review on or before it after year 1", field="day", rule="out_of_range"
            )
        return review

    def next_after(self, day: date) -> date:
        """The first review date after `day`.

        Raises:
            ValidationError: `day` is not a date, or the next review falls
                after year 9999 (rule `out_of_range`).
        """
        review, later = self._around(day)
        if review is not None and review > day:  # the same month, a later day
            return review
        if later is None:
            raise ValidationError(
                "has no review after it before year 10000", field="day", rule="out_of_range"
            )
        return later


@attrs.frozen
class QualificationWindow:
    """Over which activity a tier is earned: a trailing window, or a fixed period.

    Give exactly one of `trailing_days` or `fixed_months`. A fixed period
    is a block of `fixed_months` months starting on 1 January (12 is the
    calendar year, 3 the quarter); qualification counts activity from the
    start of the current block up to `as_of`.

    Attributes:
        trailing_days: The trailing window's length in days.
        fixed_months: The fixed period's length in months (dividing 12).

    Examples:
        >>> from datetime import UTC, datetime
        >>> w = QualificationWindow(fixed_months=12)
        >>> w.window(datetime(2026, 5, 20, 9, tzinfo=UTC), UTC)[0]
        datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """

    trailing_days: int | None = None
    fixed_months: int | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        if (self.trailing_days is None) == (self.fixed_months is None):
            problems.add(
                "trailing_days", "one_of", "give exactly one of trailing_days, fixed_months"
            )
        if self.trailing_days is not None:
            check_count(problems, "trailing_days", self.trailing_days, minimum=1)
        if self.fixed_months is not None:
            check_count(problems, "fixed_months", self.fixed_months, minimum=1)
            if not problems and 12 % self.fixed_months:
                problems.add("fixed_months", "divides_year", "must divide 12 (1, 2, 3, 4, 6, 12)")
        raise_collected(problems)

    def window(self, as_of: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
        """The `[start, end)` window that counts for qualification at `as_of` (aware).

        Raises:
            NaiveDatetimeError: `as_of` is naive.
            ValidationError: `zone` is not a tzinfo (rule `wrong_type`), or
                the window would start before year 1 (rule `out_of_range`).
        """
        require_aware(as_of, "as_of")
        require_zone(zone, "zone")
        if self.fixed_months is None:
            # Days of 24 hours on the instant: the same in any zone `as_of` is given in.
            return shift_days(as_of, -(self.trailing_days or 0), "as_of"), as_of
        local = local_time(as_of, zone, "as_of").date()
        month = (local.month - 1) // self.fixed_months * self.fixed_months + 1
        # The first instant of the month, as a wall time that exists (a
        # midnight skipped by DST is 01:00), and never before year 1 in UTC.
        return local_month_start(local.year, month, zone, "as_of"), as_of


def _benefits(benefits: Iterable[str]) -> tuple[str, ...]:
    return require_items(benefits, str, "benefits")


@attrs.frozen
class Tier:
    """One tier of a program.

    A tier is reached at `qualify` (half-open: `[qualify, next tier's
    qualify)`), and kept at a review with at least `retain`, which is lower
    than `qualify` so that a customer near the boundary does not flap.

    Attributes:
        name: The tier's name, such as `"gold"`.
        qualify: The value that reaches the tier (an int or Decimal).
        retain: The value that keeps the tier at a review; defaults to `qualify`.
        benefits: What the tier gives, for display (differentiated service).
    """

    name: str
    qualify: Number = attrs.field(converter=to_decimal_or_int)
    retain: Number | None = attrs.field(default=None, converter=to_decimal_or_int)
    benefits: tuple[str, ...] = attrs.field(default=(), converter=_benefits)

    @property
    def keep_at(self) -> Number:
        """The retain threshold (the qualify threshold when no retain is set)."""
        return self.qualify if self.retain is None else self.retain


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class TierStatus:
    """A customer's standing in a tier program, the input and output of a decision.

    Attributes:
        customer_id: The customer's id.
        tier: The current tier's name.
        since: When the current tier began (aware).
        last_review: The last review date applied to this customer, if any.
        manual_floor: A manually granted tier: the customer never drops below it.

    Raises:
        ValidationError: an id or tier name is not non-blank text,
            `last_review` is not a date (rule `not_a_date`), or `since` is
            not an instant within years 1-9999.
        NaiveDatetimeError: `since` is naive.
    """

    customer_id: str
    tier: str
    since: datetime
    last_review: date | None = None
    manual_floor: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "customer_id", "tier")
        check_instant_field(problems, self, "since")
        review: object = self.last_review
        if review is not None and (not isinstance(review, date) or isinstance(review, datetime)):
            wrong = type(review).__name__
            problems.add("last_review", "not_a_date", f"must be a date, not {wrong}")
        if self.manual_floor is not None:
            check_text(problems, "manual_floor", self.manual_floor, sensitive=False)
        raise_collected(problems)


@attrs.frozen(kw_only=True)
class TierDecision:
    """The outcome of one tier decision, with its reason and what the customer needs.

    Attributes:
        customer_id: The customer's id.
        previous: The tier before the decision.
        tier: The tier after the decision.
        change: UPGRADE, KEEP or DOWNGRADE.
        reason: The stable reason code.
        message: The reason in words.
        value: The measured value used.
        review: The review date applied, or None if no review was due.
        next_review: The next review date.
        to_keep: How much more the customer needs by `next_review` to keep
            `tier` (0 when already enough).
        next_tier: The tier above `tier`, or None at the top.
        to_reach_next: How much more reaches `next_tier` (None at the top).
        status: The customer's new status, to store.
    """

    customer_id: str
    previous: str
    tier: str
    change: TierChange
    reason: TierReason
    message: str
    value: Number
    review: date | None
    next_review: date
    to_keep: Number
    next_tier: str | None
    to_reach_next: Number | None
    status: TierStatus


@attrs.frozen
class TierBatch:
    """Tier decisions for a whole customer base, as columns (the fast path).

    Attributes:
        program: The program decided.
        tiers: The new tier index of each customer (0 is the lowest).
        reasons: The reason code of each decision.
    """

    program: TierProgram
    tiers: list[int]
    reasons: list[TierReason]

    def names(self) -> list[str]:
        """The new tier name of each customer."""
        names = [t.name for t in self.program.tiers]
        return [names[i] for i in self.tiers]


def _tiers(value: object) -> tuple[Tier, ...]:
    return unpack_items(value, Tier, "tiers")


@attrs.frozen(kw_only=True)
class TierProgram:
    """An ordered tier program with upgrade-now, downgrade-at-review rules.

    Rules, in order:

    1. A value at or above a higher tier's `qualify` upgrades at once (to
       the highest such tier).
    2. Otherwise, between reviews the tier is kept: no downgrade.
    3. At a review, the customer keeps the highest tier, up to the current
       one, whose `retain` the value meets; with `one_step_down` the drop
       is at most one tier per review.
    4. A manual floor is never undercut.

    Attributes:
        tiers: Tiers from the lowest up, or `(name, qualify, retain)` tuples.
            The lowest starts at 0.
        metric: What is measured.
        window: Over which activity the value is measured.
        reviews: When downgrades are considered.
        zone: The club's zone (IANA name or tzinfo): review dates are local.
        one_step_down: Drop at most one tier per review.

    Raises:
        ValidationError: no tiers; a lowest tier that does not start at 0
            (`lowest_not_zero`); qualify thresholds equal (`overlapping_thresholds`)
            or out of order (`unordered_thresholds`); a retain above its
            qualify (`retain_above_qualify`); retain thresholds that decrease
            up the tiers (`unordered_retain`); a float; a repeated name;
            `window` that is not a `QualificationWindow` or `reviews` not a
            `ReviewSchedule` (`wrong_type`).

    Examples:
        >>> from datetime import UTC, date, datetime
        >>> program = TierProgram(
        ...     tiers=[("member", 0), ("silver", 1000, 800), ("gold", 5000, 4000)],
        ...     metric=TierMetric.SPEND, window=QualificationWindow(trailing_days=365),
        ...     reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=12), zone=UTC,
        ... )
        >>> status = TierStatus(customer_id="c-1", tier="member",
        ...                     since=datetime(2025, 1, 1, tzinfo=UTC))
        >>> d = program.decide(status, 1200, as_of=datetime(2026, 3, 1, tzinfo=UTC))
        >>> d.tier, d.reason.value, d.next_tier, d.to_reach_next
        ('silver', 'qualified', 'gold', 3800)
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=_tiers)
    metric: TierMetric
    window: QualificationWindow
    reviews: ReviewSchedule
    zone: tzinfo = attrs.field(converter=_to_zone)
    one_step_down: bool = False
    _qualify: tuple[Number, ...] = attrs.field(init=False, repr=False, eq=False)
    _retain: tuple[Number, ...] = attrs.field(init=False, repr=False, eq=False)
    _index: dict[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        zone: object = self.zone
        if not isinstance(zone, tzinfo):
            problems.add("zone", "not_a_zone", "must be an IANA zone name or a tzinfo")
        check_enum(problems, "metric", self.metric, TierMetric)
        check_flag(problems, "one_step_down", self.one_step_down)
        for field, kind in (("window", QualificationWindow), ("reviews", ReviewSchedule)):
            value: object = getattr(self, field)
            if not isinstance(value, kind):
                wrong = type(value).__name__
                problems.add(field, "wrong_type", f"must be a {kind.__name__}, not {wrong}")
        names = [t.name for t in self.tiers]
        qualify = [t.qualify for t in self.tiers]
        check_thresholds(problems, "tiers", names, qualify)
        for i, tier in enumerate(self.tiers):
            if tier.retain is not None:
                check_number(problems, f"tiers[{i}].retain", tier.retain)
        if not problems:
            retain = [t.keep_at for t in self.tiers]
            if retain[0] != 0:
                problems.add("tiers[0].retain", "lowest_not_zero", "the lowest tier retains at 0")
            for i, tier in enumerate(self.tiers):
                if retain[i] > tier.qualify:
                    problems.add(
                        f"tiers[{i}].retain",
                        "retain_above_qualify",
                        f"{tier.name!r} retains at {retain[i]}, above its qualify {tier.qualify}",
                    )
                if i and retain[i] < retain[i - 1]:
                    problems.add(
                        f"tiers[{i}].retain",
                        "unordered_retain",
                        f"{tier.name!r} retains below the tier under it",
                    )
        raise_collected(problems)

        def fast(values: Sequence[Number]) -> tuple[Number, ...]:
            # Integral thresholds compare as ints: the same answers, faster loops.
            return tuple(int(v) if v == int(v) else v for v in values)

        object.__setattr__(self, "_qualify", fast(qualify))
        object.__setattr__(self, "_retain", fast([t.keep_at for t in self.tiers]))
        object.__setattr__(self, "_index", {n: i for i, n in enumerate(names)})

    def index(self, name: str) -> int:
        """The position of the tier called `name` (0 is the lowest).

        Raises:
            NotFoundError: the program has no such tier.
        """
        try:
            return self._index[name]
        except (KeyError, TypeError):  # TypeError: an unhashable name
            raise NotFoundError("tier", name) from None

    def tier_of(self, value: Number) -> Tier:
        """The tier whose half-open qualify range holds `value`.

        Raises:
            ValidationError: `value` is not an int or a finite Decimal.
        """
        if type(value) is not int:
            require_real(value, "value")
        return self.tiers[max(bisect_right(self._qualify, value) - 1, 0)]

    def value_of(self, summary: ActivitySummary) -> Number:
        """The measured value of a summary: its net spend or its visits.

        Raises:
            ValidationError: the program measures points, which summaries do not hold.
        """
        require_instance(summary, ActivitySummary, "summary")
        if self.metric is TierMetric.SPEND:
            return summary.spend.amount
        if self.metric is TierMetric.VISITS:
            return summary.visits
        raise ValidationError(
            "points are kept by the integrator: pass the value to decide()",
            field="metric",
            rule="points_not_in_summary",
        )

    def _step(
        self, current: int, value: Number, floor: int, review: bool
    ) -> tuple[int, TierReason]:
        qualified = bisect_right(self._qualify, value) - 1
        if qualified > current:
            return max(qualified, floor), TierReason.QUALIFIED
        if not review:
            if floor > current:
                return floor, TierReason.MANUAL_FLOOR
            return current, TierReason.NO_REVIEW_DUE
        kept = min(current, bisect_right(self._retain, value) - 1)
        reason = TierReason.RETAINED if kept == current else TierReason.DOWNGRADED
        if self.one_step_down and kept < current - 1:
            kept, reason = current - 1, TierReason.ONE_STEP_CAP
        if floor > kept:
            kept, reason = floor, TierReason.MANUAL_FLOOR
        return kept, reason

    def _due_review(self, status: TierStatus, today: date) -> date | None:
        review = self.reviews._latest(today)  # noqa: SLF001 - the module's own class
        if review is None:  # no review on or before today: none falls in year 1 or later
            return None
        since = local_time(status.since, self.zone, "status").date()
        if review <= since:
            return None
        if status.last_review is not None and review <= status.last_review:
            return None
        return review

    def decide(self, status: TierStatus, value: Number, *, as_of: datetime) -> TierDecision:
        """Decide a customer's tier from its status and the measured value, at `as_of`.

        A review is due when a review date has passed since the customer
        entered its tier and since its last applied review; it is applied
        once (deciding twice on a review day is safe).

        Args:
            status: The customer's current status.
            value: The measured value over `window.window(as_of, zone)`.
            as_of: When the decision is made (aware).

        Raises:
            NaiveDatetimeError: `as_of` is naive.
            NotFoundError: the status names a tier the program lacks.
            ValidationError: `value` is negative or a float; or no review
                falls after `as_of`'s local date before year 10000, so the
                decision has no `next_review` (field `as_of`, rule
                `out_of_range`).
        """
        require_aware(as_of, "as_of")
        require_instance(status, TierStatus, "status")
        problems = ViolationCollector()
        check_number(problems, "value", value)
        problems.raise_if_any()
        current = self.index(status.tier)
        floor = -1 if status.manual_floor is None else self.index(status.manual_floor)
        today = local_time(as_of, self.zone, "as_of").date()
        next_review = self._next_review(today)
        review = self._due_review(status, today)
        new, reason = self._step(current, value, floor, review is not None)
        tier = self.tiers[new]
        change = (
            TierChange.UPGRADE
            if new > current
            else TierChange.DOWNGRADE
            if new < current
            else TierChange.KEEP
        )
        above = self.tiers[new + 1] if new + 1 < len(self.tiers) else None
        to_keep = max(_minus(tier.keep_at, value), 0)
        to_reach = None if above is None else max(_minus(above.qualify, value), 0)
        new_status = TierStatus(
            customer_id=status.customer_id,
            tier=tier.name,
            since=status.since if new == current else as_of,
            last_review=review if review is not None else status.last_review,
            manual_floor=status.manual_floor,
        )
        return TierDecision(
            customer_id=status.customer_id,
            previous=status.tier,
            tier=tier.name,
            change=change,
            reason=reason,
            message=self._message(reason, status.tier, tier, value),
            value=value,
            review=review,
            next_review=next_review,
            to_keep=to_keep,
            next_tier=None if above is None else above.name,
            to_reach_next=to_reach,
            status=new_status,
        )

    def _next_review(self, today: date) -> date:
        """The first review after `today`, named by `as_of` when it would fall after year 9999."""
        try:
            return self.reviews.next_after(today)
        except ValidationError:
            raise ValidationError(
                "has no review after it before year 10000: the decision has no next review",
                field="as_of",
                rule="out_of_range",
            ) from None

    def _message(self, reason: TierReason, previous: str, tier: Tier, number: Number) -> str:
        metric = self.metric.value
        value = _text(number)
        if reason is TierReason.QUALIFIED:
            return f"{metric} {value} reached {tier.name!r} (qualify at {_text(tier.qualify)})"
        if reason is TierReason.NO_REVIEW_DUE:
            return f"no review due: {previous!r} is kept until the next review"
        if reason is TierReason.RETAINED:
            return f"{metric} {value} meets {tier.name!r}'s retain threshold {_text(tier.keep_at)}"
        if reason is TierReason.DOWNGRADED:
            return f"{metric} {value} is below {previous!r}'s retain threshold: now {tier.name!r}"
        if reason is TierReason.ONE_STEP_CAP:
            return f"{metric} {value} is below retain; dropped one tier only, to {tier.name!r}"
        return f"manual tier {tier.name!r} is a floor"

    def decide_many(
        self,
        current: Sequence[int],
        values: Sequence[Number],
        *,
        review: bool,
        floors: Sequence[int] | None = None,
    ) -> TierBatch:
        """Decide a whole customer base at once: the fast path, on tier indexes.

        The same rules as [decide][clubrules.tiering.TierProgram.decide], with
        the review given explicitly (a batch runs either on a review date or
        not).

        Args:
            current: Each customer's current tier index.
            values: Each customer's measured value.
            review: Whether this run is a review (downgrades considered).
            floors: Each customer's manual floor index, or -1 for none.

        Returns:
            The new tier indexes and reason codes, in input order.

        Raises:
            ValidationError: what `decide` refuses, for every customer: a
                value that is negative, a float or not finite (at
                `values[i]`, with `decide`'s rules); a current tier index
                outside the program, or a floor index that is neither -1
                nor a tier (rule `range`); columns of unequal length (rule
                `length_mismatch`); a `review` that is not True or False
                (rule `not_a_bool`). Up to 20 problems per column are reported.
        """
        qualify = self._qualify
        top = len(qualify)
        require_flag(review, "review")
        _check_columns(current, values, floors, top)
        if floors is None and not review:
            tiers: list[int] = []
            reasons: list[TierReason] = []
            up, stay = TierReason.QUALIFIED, TierReason.NO_REVIEW_DUE
            add_tier, add_reason = tiers.append, reasons.append
            for c, v in zip(current, values, strict=True):
                q = bisect_right(qualify, v) - 1
                if q > c:
                    add_tier(q)
                    add_reason(up)
                else:
                    add_tier(c)
                    add_reason(stay)
            return TierBatch(self, tiers, reasons)
        if floors is None:
            floors = [-1] * len(current)
        step = self._step
        pairs = [step(c, v, f, review) for c, v, f in zip(current, values, floors, strict=True)]
        return TierBatch(self, [p[0] for p in pairs], [p[1] for p in pairs])


def _minus(left: Number, right: Number) -> Number:
    """`left - right`: exact for ints, and for Decimals whatever the thread's decimal context."""
    if isinstance(left, int) and isinstance(right, int):
        return left - right
    return EXACT_DECIMALS.subtract(left, right)


def _text(value: Number) -> str:
    """A value as a message shows it: a Decimal as Python's defaults write it (`E`, never `e`)."""
    return str(value) if isinstance(value, int) else DECIMALS.to_sci_string(value)


_REPORTED = 20  # problems reported per column; a million bad rows make one message


def _length(column: object, field: str, problems: ViolationCollector) -> int | None:
    try:
        return len(column)  # type: ignore[arg-type]
    except TypeError:
        problems.add(field, "not_a_sequence", "must be a sequence")
        return None


def _check_indexes(
    problems: ViolationCollector, field: str, column: Sequence[int], low: int, top: int
) -> None:
    """Every entry is an int (not a bool) from `low` to `top - 1`; the fast path is C-level."""
    if not column or (set(map(type, column)) <= {int} and min(column) >= low and max(column) < top):
        return
    found = 0
    entries: Sequence[object] = column
    for i, index in enumerate(entries):
        if isinstance(index, bool) or not isinstance(index, int) or not low <= index < top:
            problems.add(f"{field}[{i}]", "range", f"must be a tier index within {low}..{top - 1}")
            found += 1
            if found == _REPORTED:
                break


def _check_values(problems: ViolationCollector, values: Sequence[Number]) -> None:
    """What `decide` checks of one value, for each value; the fast path is C-level."""
    if not values or (set(map(type, values)) <= {int} and min(values) >= 0):
        return
    column = ViolationCollector()
    for i, value in enumerate(values):
        check_number(column, f"values[{i}]", value)
        if len(column) == _REPORTED:
            break
    for violation in column.violations:
        problems.add(violation.field, violation.rule, violation.message)


def _check_columns(
    current: Sequence[int], values: Sequence[Number], floors: Sequence[int] | None, top: int
) -> None:
    problems = ViolationCollector()
    n = _length(current, "current", problems)
    m = _length(values, "values", problems)
    f = None if floors is None else _length(floors, "floors", problems)
    if n is not None and m is not None and m != n:
        problems.add("values", "length_mismatch", f"has {m} entries for {n} customers")
    if n is not None and f is not None and f != n:
        problems.add("floors", "length_mismatch", f"has {f} entries for {n} customers")
    problems.raise_if_any()
    _check_indexes(problems, "current", current, 0, top)
    _check_values(problems, values)
    if floors is not None:
        _check_indexes(problems, "floors", floors, -1, top)
    problems.raise_if_any()
