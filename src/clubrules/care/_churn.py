"""Churn early warning: the drop from a baseline window to a recent window."""

from __future__ import annotations

import enum

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Mapping, Sequence  # noqa: TC003
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction

import attrs

from clubrules._checks import (
    NARROW_EXCEPT_INTERVAL,
    check_count,
    check_enum,
    check_flag,
    check_text,
    raise_collected,
    require_choice,
    require_column,
    require_instance,
    require_items,
    require_mapping,
    require_real,
    require_zone,
    shown,
    to_choice,
    to_decimal_or_int,
)
from clubrules._time import (
    instants_compared,
    local_time,
    require_aware,
    shift_days,
    to_epoch_us,
)
from clubrules.errors import InvalidIntervalError, ValidationError, ViolationCollector
from clubrules.tiering import ActivitySummary
from clubrules.tiering._activity import US_PER_DAY
from clubrules.words import message

__all__ = [
    "CareAction",
    "ChurnRule",
    "ChurnWarning",
    "Severity",
    "SingleVisitRule",
    "scan_churn",
    "scan_churn_columns",
    "scan_single_visits",
]


class Severity(enum.Enum):
    """How steep a decline is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class CareAction(enum.Enum):
    """The personal care a warning suggests."""

    CALL = "call"
    """A personal call from the customer's trainer or beautician."""
    TRIAL_CLASS = "trial_class"
    """Invite the customer to a free trial class or session."""
    OFFER = "offer"
    """A retention offer: a discount, a gift session."""


def _fraction(value: object) -> object:
    return to_decimal_or_int(value)


def _bands(value: object) -> object:
    if isinstance(value, tuple | list):
        return tuple(_band(b) for b in value)
    return value


def _band(value: object) -> object:
    if isinstance(value, tuple | list) and len(value) == 2:
        bound, severity = value
        return (to_decimal_or_int(bound), to_choice(Severity, severity))
    return value


def _actions(value: object) -> object:
    if isinstance(value, dict):
        pairs = [(to_choice(Severity, s), to_choice(CareAction, a)) for s, a in value.items()]
        if all(_is_action(p) for p in pairs):
            return tuple(sorted(pairs, key=lambda kv: list(Severity).index(kv[0])))
        return tuple(pairs)
    return value


def _is_action(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], Severity)
        and isinstance(value[1], CareAction)
    )


def _is_band(value: object) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Severity)


@attrs.frozen(kw_only=True)
class ChurnRule:
    """Warn when activity drops by more than `threshold` from a baseline window.

    The recent window is the last `recent_days` before `as_of`; the
    baseline is the `baseline_days` just before it. The drop in visits is
    `1 - (recent visits per day) / (baseline visits per day)`, and likewise
    in spend (when `use_spend`). A warning fires when either drop is above
    `threshold`, only for customers with at least `min_baseline_visits` in
    the baseline whose first visit is on or before the baseline's start,
    and not within `cooldown_days` of the rule's last warning to the same
    customer.

    Attributes:
        name: The rule's name: the cooldown is per (customer, rule).
        baseline_days: The baseline window's length in days.
        recent_days: The recent window's length (not longer than the baseline).
        threshold: The drop that fires a warning, exclusive (0.30: above 30%).
        severity_bands: `(drop, severity)` pairs, ascending: a drop above a
            band's bound gets at least its severity.
        min_baseline_visits: The least baseline activity worth judging.
        cooldown_days: Days after a warning before the rule warns the customer again.
        use_spend: Whether a drop in spend alone also fires.
        actions: The care action suggested for each severity.

    Raises:
        InvalidIntervalError: the recent window is longer than the baseline
            (`recent_longer_than_baseline`).
        ValidationError: a threshold outside (0, 1), unordered bands, a
            negative count, actions naming one severity twice (`duplicate_key`).

    Examples:
        >>> from decimal import Decimal
        >>> rule = ChurnRule()
        >>> rule.threshold, rule.severity_of(Decimal("0.55"))
        (Decimal('0.30'), <Severity.MEDIUM: 'medium'>)
    """

    name: str = "activity-drop"
    baseline_days: int = 90
    recent_days: int = 30
    threshold: Decimal = attrs.field(default=Decimal("0.30"), converter=_fraction)
    severity_bands: tuple[tuple[Decimal, Severity], ...] = attrs.field(
        default=(
            (Decimal("0.30"), Severity.LOW),
            (Decimal("0.50"), Severity.MEDIUM),
            (Decimal("0.70"), Severity.HIGH),
        ),
        converter=_bands,
    )
    min_baseline_visits: int = 4
    cooldown_days: int = 30
    use_spend: bool = True
    actions: tuple[tuple[Severity, CareAction], ...] = attrs.field(
        default=(
            (Severity.LOW, CareAction.CALL),
            (Severity.MEDIUM, CareAction.TRIAL_CLASS),
            (Severity.HIGH, CareAction.OFFER),
        ),
        converter=_actions,
    )

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "name", self.name)
        check_count(problems, "baseline_days", self.baseline_days, minimum=1)
        check_count(problems, "recent_days", self.recent_days, minimum=1)
        check_count(problems, "min_baseline_visits", self.min_baseline_visits, minimum=1)
        check_count(problems, "cooldown_days", self.cooldown_days)
        check_flag(problems, "use_spend", self.use_spend)
        threshold: object = self.threshold
        if not isinstance(threshold, Decimal) or not threshold.is_finite() or not 0 < threshold < 1:
            problems.add("threshold", "range", "must be a Decimal above 0 and below 1")
        bands: object = self.severity_bands
        if not isinstance(bands, tuple) or not bands:
            problems.add("severity_bands", "empty", "needs at least one (drop, severity) band")
        elif not all(_is_band(b) for b in bands):
            problems.add("severity_bands", "not_a_band", "each band is a (Decimal, Severity) pair")
        else:
            bounds: list[object] = [b for b, _ in self.severity_bands]
            if any(
                not isinstance(b, Decimal) or not b.is_finite() or not 0 <= b < 1 for b in bounds
            ):
                problems.add("severity_bands", "range", "bounds are Decimals from 0 below 1")
            elif bounds != sorted({b for b, _ in self.severity_bands}):
                problems.add("severity_bands", "unordered_thresholds", "bounds must increase")
        actions: object = self.actions
        if not isinstance(actions, tuple) or not all(_is_action(a) for a in actions):
            problems.add("actions", "not_an_action", "each action is a (Severity, CareAction) pair")
        elif len({s for s, _ in self.actions}) != len(self.actions):
            # Pairs naming one severity twice: the first would win, by the order given.
            repeated = sorted(
                {s.value for s, _ in self.actions if [t for t, _ in self.actions].count(s) > 1}
            )
            problems.add("actions", "duplicate_key", f"names severity {repeated} twice")
        missing = (
            set()
            if problems
            else {s for _, s in self.severity_bands} - {s for s, _ in self.actions}
        )
        if missing:
            names = sorted(s.value for s in missing)
            problems.add("actions", "missing_action", f"no care action for severity {names}")
        if not problems and self.recent_days > self.baseline_days:
            problems.add(
                "recent_days",
                "recent_longer_than_baseline",
                f"the recent window ({shown(self.recent_days)} days) is longer than the baseline "
                f"({shown(self.baseline_days)} days)",
            )
        if len(problems) == 1 and problems.violations[0].rule == "recent_longer_than_baseline":
            problems.raise_if_any(InvalidIntervalError)
        raise_collected(problems)

    def severity_of(self, drop: Decimal) -> Severity:
        """The severity of a drop: the highest band whose bound it is above."""
        require_real(drop, "drop", floats=True)
        found = self.severity_bands[0][1]
        for bound, severity in self.severity_bands:
            if drop > bound:
                found = severity
        return found

    def action_for(self, severity: Severity) -> CareAction:
        """The care action suggested for `severity`.

        Raises:
            ValidationError: `severity` is not a `Severity` (rule `unknown_choice`).
        """
        severity = require_choice(Severity, severity, "severity")
        for known, action in self.actions:
            if known is severity:
                return action
        raise ValidationError(  # pragma: no cover - the constructor refuses a missing action
            f"no care action for severity {severity.value!r}",
            field="severity",
            rule="missing_action",
        )

    def windows(self, as_of: datetime) -> tuple[datetime, datetime, datetime]:
        """`(baseline_start, recent_start, as_of)`: baseline `[b, r)`, recent `[r, as_of)`.

        Days are 24 hours, counted on the instant: the same `as_of` gives the
        same windows in any zone, across a DST change too.
        """
        require_aware(as_of, "as_of")
        recent_start = shift_days(as_of, -self.recent_days, "as_of")
        return shift_days(recent_start, -self.baseline_days, "as_of"), recent_start, as_of


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class ChurnWarning:
    """One early warning, with the care it suggests.

    Attributes:
        customer_id: The customer's id.
        rule: The rule that fired.
        at: When the scan ran (`as_of`).
        severity: How steep the decline is.
        action: The suggested care.
        visit_drop: The drop in visits per day (0.4 is 40%), or None if not judged.
        spend_drop: The drop in spend per day, or None if not judged.
        baseline_visits: Visits in the baseline window.
        recent_visits: Visits in the recent window.
        message: The warning in words, in the locale in force when the
            scan ran (see [clubrules.words.use_locale][clubrules.words.use_locale]).
    """

    customer_id: str
    rule: str
    at: datetime
    severity: Severity
    action: CareAction
    visit_drop: Decimal | None
    spend_drop: Decimal | None
    baseline_visits: int
    recent_visits: int
    message: str


def _drop(
    baseline: int | Decimal, baseline_days: int, recent: int | Decimal, recent_days: int
) -> Decimal:
    """`1 - (recent / recent_days) / (baseline / baseline_days)`, to four places.

    Worked out exactly in fractions and rounded half to even once, so the
    drop never depends on the thread's decimal context (nor on its precision:
    a spend that grew a billionfold has a drop of many digits).
    """
    b_num, b_den = (baseline, 1) if isinstance(baseline, int) else baseline.as_integer_ratio()
    r_num, r_den = (recent, 1) if isinstance(recent, int) else recent.as_integer_ratio()
    per = b_num * r_den * recent_days  # the drop is (per - r_num * b_den * baseline_days) / per
    ten_thousandths, rest = divmod((per - r_num * b_den * baseline_days) * 10_000, per)
    if 2 * rest > per or (2 * rest == per and ten_thousandths % 2):
        ten_thousandths += 1  # half to even
    return Decimal(f"{ten_thousandths}E-4")  # exact: a string is read digit for digit


def _percent(drop: Decimal) -> str:
    """`drop` as a whole percentage (`"55%"`), rounded half to even in any thread's context."""
    numerator, denominator = drop.as_integer_ratio()
    percent, rest = divmod(numerator * 100, denominator)
    if 2 * rest > denominator or (2 * rest == denominator and percent % 2):
        percent += 1  # half to even
    return f"{percent}%"


def _cooldown(
    cooldown_days: int, as_of: datetime, last_warned: Mapping[str, datetime] | None
) -> tuple[Mapping[str, datetime], int, int]:
    """What `_cooled` needs: the last warnings, `as_of` and the cooldown (in microseconds).

    Raises:
        ValidationError: `last_warned` is not a mapping of ids to datetimes
            (`not_a_mapping`, `wrong_type`).
    """
    if last_warned is not None:
        require_mapping(last_warned, "last_warned", keys=str, values=datetime)
    return last_warned or {}, to_epoch_us(as_of), cooldown_days * US_PER_DAY


def _ratios(rule: ChurnRule) -> tuple[Fraction, int, int, int, int]:
    """The rule's threshold, its numerator and denominator, and its baseline and recent days.

    The scans test visits in integers first: a drop above `t` is
    `(bv * rd - rv * bd) * den > num * bv * rd`.
    """
    threshold = Fraction(rule.threshold)
    num, den = threshold.numerator, threshold.denominator
    return threshold, num, den, rule.baseline_days, rule.recent_days


def _cooled(
    last_warned: Mapping[str, datetime], customer_id: str, now_us: int, cooldown_us: int
) -> bool:
    last = last_warned.get(customer_id)
    return last is None or now_us - to_epoch_us(last) >= cooldown_us


def scan_churn(
    rule: ChurnRule,
    *,
    baseline: Mapping[str, ActivitySummary],
    recent: Mapping[str, ActivitySummary],
    as_of: datetime,
    last_warned: Mapping[str, datetime] | None = None,
) -> list[ChurnWarning]:
    """Scan customers for an activity drop above the rule's threshold.

    Drops are exact fractions rounded half to even to four places: results
    do not depend on the thread's decimal context.

    Args:
        rule: The churn rule.
        baseline: Summaries over the rule's baseline window, by customer id.
        recent: Summaries over the rule's recent window, by customer id; a
            customer missing here had no recent activity.
        as_of: When the scan runs (aware): the end of the recent window.
        last_warned: When this rule last warned each customer (from the
            care task store); a customer within the cooldown is skipped.

    Returns:
        The warnings, ordered by customer id.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: a summary's window is not the rule's window at
            `as_of` (`window_mismatch`); `last_warned` is not a mapping of
            ids to datetimes (`not_a_mapping`, `wrong_type`).
    """
    require_instance(rule, ChurnRule, "rule")
    require_mapping(baseline, "baseline", values=ActivitySummary)
    require_mapping(recent, "recent", values=ActivitySummary)
    b_start, r_start, end = rule.windows(as_of)
    warned, now_us, cooldown_us = _cooldown(rule.cooldown_days, as_of, last_warned)
    b_start_us = to_epoch_us(b_start)
    threshold, num, den, bd, rd = _ratios(rule)
    # As instants: a summary holds its bounds canonical, and one zone's
    # datetimes compare by wall time, fold ignored.
    r_start_us, end_us = to_epoch_us(r_start), to_epoch_us(end)
    mismatch = [
        s.customer_id
        for s in baseline.values()
        if to_epoch_us(s.start) != b_start_us or to_epoch_us(s.end) != r_start_us
    ] + [
        s.customer_id
        for s in recent.values()
        if to_epoch_us(s.start) != r_start_us or to_epoch_us(s.end) != end_us
    ]
    if mismatch:
        raise ValidationError(
            "summaries must cover the rule's windows at as_of (rule.windows(as_of))",
            field="summaries",
            rule="window_mismatch",
            items=sorted(mismatch)[:10],
        )
    out: list[ChurnWarning] = []
    for cid in sorted(baseline):
        b = baseline[cid]
        bv = b.visits
        if bv < rule.min_baseline_visits:
            continue
        first = b.first_visit
        if first is None or to_epoch_us(first) > b_start_us:
            continue
        r = recent.get(cid)
        rv = 0 if r is None else r.visits
        visits_fire = (bv * rd - rv * bd) * den > num * bv * rd
        spend_fire = False
        spend_drop: Decimal | None = None
        if rule.use_spend and b.spend.amount > 0:
            bs = Fraction(b.spend.amount)
            rs = Fraction(0) if r is None else Fraction(r.spend.amount)
            spend_fire = 1 - (rs * bd) / (bs * rd) > threshold
            spend_drop = _drop(b.spend.amount, bd, Decimal(0) if r is None else r.spend.amount, rd)
        if not (visits_fire or spend_fire):
            continue
        if not _cooled(warned, cid, now_us, cooldown_us):
            continue
        visit_drop = _drop(bv, bd, rv, rd)
        out.append(_warning(rule, as_of, cid, (bv, rv), (visit_drop, spend_drop)))
    return out


def scan_churn_columns(
    rule: ChurnRule,
    *,
    as_of: datetime,
    customer_ids: Sequence[str],
    first_visit_us: Sequence[int | None],
    baseline_visits: Sequence[int],
    recent_visits: Sequence[int],
    baseline_spend: Sequence[int] | None = None,
    recent_spend: Sequence[int] | None = None,
    last_warned: Mapping[str, datetime] | None = None,
) -> list[ChurnWarning]:
    """The same scan as [scan_churn][clubrules.care.scan_churn], on integer columns.

    The fast path for a whole customer base, fed straight from an aggregate
    query: one row per customer, spend in integer minor units (fen), first
    visits in epoch microseconds. The decision uses only integer
    arithmetic; Decimals are built only for the customers who are warned.

    Args:
        rule: The churn rule.
        as_of: When the scan runs (aware): the end of the recent window.
        customer_ids: The customers, one per row, in the order wanted.
        first_visit_us: Each first visit, in epoch microseconds (None if never).
        baseline_visits: Visits in the baseline window.
        recent_visits: Visits in the recent window.
        baseline_spend: Net spend in the baseline window in minor units, or
            None to judge visits only.
        recent_spend: Net spend in the recent window in minor units.
        last_warned: When this rule last warned each customer.

    Returns:
        The warnings, in row order.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: columns of different lengths, a column that is not
            a list (`not_a_list`), or an entry of another type than its
            column's (`wrong_type`, at `column[i]`; a bool is no int);
            `last_warned` is not a mapping of ids to datetimes
            (`not_a_mapping`, `wrong_type`).
    """
    require_instance(rule, ChurnRule, "rule")
    b_start, _, _ = rule.windows(as_of)
    n = len(require_column(customer_ids, "customer_ids", str))
    require_column(first_visit_us, "first_visit_us", int, optional=True)
    require_column(baseline_visits, "baseline_visits", int)
    require_column(recent_visits, "recent_visits", int)
    if baseline_spend is not None:
        require_column(baseline_spend, "baseline_spend", int)
    if recent_spend is not None:
        require_column(recent_spend, "recent_spend", int)
    columns = [first_visit_us, baseline_visits, recent_visits]
    use_spend = rule.use_spend and baseline_spend is not None and recent_spend is not None
    b_spend: Sequence[int] = baseline_spend if use_spend and baseline_spend is not None else ()
    r_spend: Sequence[int] = recent_spend if use_spend and recent_spend is not None else ()
    if use_spend:
        columns += [b_spend, r_spend]
    if any(len(c) != n for c in columns):
        raise ValidationError(
            "columns must have one row per customer", field="columns", rule="length"
        )
    warned, now_us, cooldown_us = _cooldown(rule.cooldown_days, as_of, last_warned)
    b_start_us = to_epoch_us(b_start)
    _, num, den, bd, rd = _ratios(rule)
    minimum = rule.min_baseline_visits
    out: list[ChurnWarning] = []
    # Visit counts are small integers: many rows share a (baseline, recent) pair.
    drops: dict[tuple[int, int], Decimal] = {}
    for i in range(n):
        bv = baseline_visits[i]
        if bv < minimum:
            continue
        first = first_visit_us[i]
        if first is None or first > b_start_us:
            continue
        rv = recent_visits[i]
        fire = (bv * rd - rv * bd) * den > num * bv * rd
        if not fire and use_spend:
            bs = b_spend[i]
            fire = bs > 0 and (bs * rd - r_spend[i] * bd) * den > num * bs * rd
        if not fire:
            continue
        cid = customer_ids[i]
        if warned and not _cooled(warned, cid, now_us, cooldown_us):
            continue
        visit_drop = drops.get((bv, rv))
        if visit_drop is None:
            visit_drop = drops[bv, rv] = _drop(bv, bd, rv, rd)
        spend_drop = _drop(b_spend[i], bd, r_spend[i], rd) if use_spend and b_spend[i] > 0 else None
        out.append(_warning(rule, as_of, cid, (bv, rv), (visit_drop, spend_drop)))
    return out


def _warning(
    rule: ChurnRule,
    as_of: datetime,
    cid: str,
    visits: tuple[int, int],
    drops: tuple[Decimal, Decimal | None],
) -> ChurnWarning:
    """The warning for `cid`: its (baseline, recent) visits and (visit, spend) drops."""
    bv, rv = visits
    vd, sd = drops
    severity = rule.severity_of(vd if sd is None else max(vd, sd))
    return ChurnWarning(
        customer_id=cid,
        rule=rule.name,
        at=as_of,
        severity=severity,
        action=rule.action_for(severity),
        visit_drop=vd,
        spend_drop=sd,
        baseline_visits=bv,
        recent_visits=rv,
        message=message(
            "churn.activity_drop",
            visits=_percent(vd),
            spend="" if sd is None else message("churn.spend_drop", spend=_percent(sd)),
            days=rule.baseline_days,
        ),
    )


@attrs.frozen(kw_only=True)
class SingleVisitRule:
    """Follow up customers who came once and did not come back.

    A one-visit customer has no baseline to drop from, so the activity
    rule never judges them; this rule does. It fires when the customer's
    first and last visits fall on one local day (in the scan's `zone`) and
    at least `after_days` but fewer than `give_up_days` whole days (24-hour
    periods, as `days_since_last_visit` counts them) have passed from the
    last visit to `as_of`, outside the cooldown.

    Attributes:
        name: The rule's name (the cooldown is per customer and rule).
        after_days: Days without a return before following up.
        give_up_days: Days after which a one-time visitor is no longer chased.
        cooldown_days: Days between two warnings to the same customer.
        action: The suggested care.

    Raises:
        ValidationError: a blank name, a day count out of range,
            `give_up_days` not after `after_days` (`end_before_start`), or an
            `action` that is not a `CareAction` (`unknown_choice`).
    """

    name: str = "single-visit"
    after_days: int = 14
    give_up_days: int = 90
    cooldown_days: int = 60
    action: CareAction = CareAction.TRIAL_CLASS

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "name", self.name)
        check_count(problems, "after_days", self.after_days, minimum=1)
        check_count(problems, "give_up_days", self.give_up_days, minimum=1)
        check_count(problems, "cooldown_days", self.cooldown_days)
        check_enum(problems, "action", self.action, CareAction)
        if not problems and self.give_up_days <= self.after_days:
            problems.add("give_up_days", "end_before_start", "must be more than after_days")
        raise_collected(problems, NARROW_EXCEPT_INTERVAL)


def scan_single_visits(
    rule: SingleVisitRule,
    summaries: Iterable[ActivitySummary],
    *,
    as_of: datetime,
    zone: tzinfo,
    last_warned: Mapping[str, datetime] | None = None,
) -> list[ChurnWarning]:
    """Warn about customers whose first and last visit are the same local day.

    Args:
        rule: The single-visit rule.
        summaries: Lifetime summaries as of `as_of` (only first and last visit are read).
        as_of: When the scan runs (aware).
        zone: The club's zone: a visit is a local calendar day.
        last_warned: When this rule last warned each customer.

    Returns:
        The warnings (severity LOW), ordered by customer id.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: `last_warned` is not a mapping of ids to datetimes
            (`not_a_mapping`, `wrong_type`).
    """
    require_instance(rule, SingleVisitRule, "rule")
    summaries = require_items(summaries, ActivitySummary, "summaries")
    require_zone(zone, "zone")
    require_aware(as_of, "as_of")
    warned, now_us, cooldown_us = _cooldown(rule.cooldown_days, as_of, last_warned)
    out = []
    for s in sorted(summaries, key=lambda s: s.customer_id):
        if s.first_visit is None or s.last_visit is None:
            continue
        if (
            local_time(s.first_visit, zone, "summaries").date()
            != local_time(s.last_visit, zone, "summaries").date()
        ):
            continue
        days = (now_us - to_epoch_us(s.last_visit)) // US_PER_DAY
        if not rule.after_days <= days < rule.give_up_days:
            continue
        if not _cooled(warned, s.customer_id, now_us, cooldown_us):
            continue
        out.append(
            ChurnWarning(
                customer_id=s.customer_id,
                rule=rule.name,
                at=as_of,
                severity=Severity.LOW,
                action=rule.action,
                visit_drop=None,
                spend_drop=None,
                baseline_visits=1,
                recent_visits=0,
                message=message("churn.single_visit", days=timedelta(days=days)),
            )
        )
    return out
