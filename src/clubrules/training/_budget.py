"""Training costs: a budget per quarter (per training kind, or for all), and spend against it."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable  # noqa: TC003
from datetime import tzinfo  # noqa: TC003

import attrs

from clubrules._checks import (
    check_count,
    raise_collected,
    require_items,
    require_zone,
    shown,
    to_choice,
)
from clubrules._time import local_time, to_epoch_us
from clubrules.errors import InvalidMoneyError, ValidationError, ViolationCollector
from clubrules.money import Money
from clubrules.training._records import TrainingKind, TrainingSession, index_sessions
from clubrules.words import message

__all__ = ["BudgetLine", "QuarterBudget", "spend_against_budget"]

_Key = tuple[int, int, TrainingKind | None]


def _to_optional_kind(value: object) -> TrainingKind | None:
    return None if value is None else to_choice(TrainingKind, value)


def _quarter_label(year: int, quarter: int, kind: TrainingKind | None) -> str:
    return f"{year:04d}-Q{quarter}" + ("" if kind is None else f" {kind.value}")


def _check_quarter(problems: ViolationCollector, year: object, quarter: object) -> None:
    """A year of at least 1 (an int, not a bool) and a quarter 1 to 4."""
    check_count(problems, "year", year, minimum=1)
    check_count(problems, "quarter", quarter, minimum=1)
    if isinstance(quarter, int) and not isinstance(quarter, bool) and quarter > 4:
        problems.add("quarter", "too_large", f"must be 1 to 4, not {shown(quarter)}")


@attrs.frozen(kw_only=True)
class QuarterBudget:
    """The money set aside for training in one quarter, for one kind or for all.

    The gym's plan (002) sets one budget per quarter for service training and
    one for safety training; a budget without a kind covers the sessions of
    every kind that has no budget of its own that quarter.

    Attributes:
        year: The year.
        quarter: The quarter, 1 to 4 (local calendar quarters).
        amount: The budget, a non-negative `Money`.
        kind: The [TrainingKind][clubrules.training.TrainingKind] it is for,
            or None for every kind without its own budget.

    Raises:
        ValidationError: a quarter outside 1-4, a year that is not an int,
            a kind that is not a training kind.
        InvalidMoneyError: the amount is not `Money`, or is negative.
    """

    year: int
    quarter: int
    amount: Money
    kind: TrainingKind | None = attrs.field(default=None, converter=_to_optional_kind)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_quarter(problems, self.year, self.quarter)
        amount: object = self.amount
        if not isinstance(amount, Money):
            problems.add("amount", "not_money", "must be a Money value")
        elif amount.amount < 0:
            problems.add("amount", "negative_amount", "must not be negative")
        kind: object = self.kind
        if kind is not None and not isinstance(kind, TrainingKind):
            problems.add("kind", "unknown_choice", "must be a TrainingKind or None")
        raise_collected(problems)

    @property
    def label(self) -> str:
        """`"2026-Q1"`, or `"2026-Q1 safety"` for a kind's own budget."""
        return _quarter_label(self.year, self.quarter, self.kind)


@attrs.frozen(kw_only=True)
class BudgetLine:
    """Spend against one quarter's budget.

    Attributes:
        year: The year.
        quarter: The quarter, 1 to 4.
        kind: The training kind of the budget, or None for the budget of
            every kind without its own.
        budget: The budget, or None for sessions that no budget covers.
        spent: The costs of the sessions counted (a session without a cost
            counts as nothing).
        sessions: The ids of the sessions counted, by start then id.

    Raises:
        ValidationError: a year below 1, a quarter outside 1-4 (bools and
            ints beyond 2**63 - 1 refused), or a kind that is not a
            training kind.
        InvalidMoneyError: `budget` or `spent` is not `Money`.
    """

    year: int
    quarter: int
    kind: TrainingKind | None
    budget: Money | None
    spent: Money
    sessions: tuple[str, ...]

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_quarter(problems, self.year, self.quarter)
        kind: object = self.kind
        if kind is not None and not isinstance(kind, TrainingKind):
            problems.add("kind", "unknown_choice", "must be a TrainingKind or None")
        for field, amount in (("budget", self.budget), ("spent", self.spent)):
            if not isinstance(amount, Money) and not (field == "budget" and amount is None):
                problems.add(field, "not_money", "must be a Money value")
        raise_collected(problems)

    @property
    def label(self) -> str:
        """`"2026-Q1"` or `"2026-Q1 safety"`."""
        return _quarter_label(self.year, self.quarter, self.kind)

    @property
    def remaining(self) -> Money | None:
        """The budget left (negative when overspent), or None without a budget."""
        return None if self.budget is None else self.budget - self.spent

    @property
    def over_budget(self) -> bool:
        """Whether more was spent than budgeted (spend without a budget counts as over)."""
        if self.budget is None:
            return self.spent.amount > 0
        return self.spent > self.budget

    def describe(self, locale: str | None = None) -> str:
        """One line for reports, such as `2026-Q1 safety: spent 1500.00 CNY of 3000 CNY`.

        Worded in `locale`, the locale in force by default (see
        [clubrules.words.use_locale][clubrules.words.use_locale]).

        Raises:
            ValidationError: an unknown locale (rule `unknown_locale`).
        """
        count = len(self.sessions)
        if self.budget is None:
            return message(
                "training.budget.none",
                locale=locale,
                label=self.label,
                spent=self.spent,
                count=count,
            )
        state = (
            message("training.budget.over", locale=locale)
            if self.over_budget
            else message("training.budget.left", locale=locale, remaining=self.remaining)
        )
        return message(
            "training.budget",
            locale=locale,
            label=self.label,
            spent=self.spent,
            budget=self.budget,
            count=count,
            state=state,
        )


def spend_against_budget(
    budgets: Iterable[QuarterBudget],
    sessions: Iterable[TrainingSession],
    *,
    zone: tzinfo,
    currency: str = "CNY",
) -> list[BudgetLine]:
    """Each quarter's training spend against its budget.

    A session belongs to the local quarter (in `zone`) in which it starts,
    and to its kind's budget for that quarter, else to that quarter's budget
    without a kind, else to a line without a budget. Every budget gets a
    line, spent or not. A session given twice counts once.

    Args:
        budgets: The budgets; at most one per quarter and kind.
        sessions: The sessions, with their costs.
        zone: The club's zone, whose calendar quarters count.
        currency: The currency of every budget and cost.

    Returns:
        The lines by year, quarter, then kind (the budget without a kind first).

    Raises:
        ValidationError: two budgets for one quarter and kind, or two
            different sessions under one id.
        InvalidMoneyError: a budget or cost in another currency.

    Examples:
        >>> from datetime import datetime
        >>> from zoneinfo import ZoneInfo
        >>> from clubrules import Money
        >>> tz = ZoneInfo("Asia/Shanghai")
        >>> first_aid = TrainingSession(id="t-1", kind="safety", topic="first aid",
        ...     method="external", start=datetime(2026, 3, 12, 14, tzinfo=tz),
        ...     end=datetime(2026, 3, 12, 17, tzinfo=tz), cost=Money("1800.00"))
        >>> [line] = spend_against_budget(
        ...     [QuarterBudget(year=2026, quarter=1, kind="safety", amount=Money(3000))],
        ...     [first_aid], zone=tz)
        >>> line.describe()
        '2026-Q1 safety: spent 1800.00 CNY of 3000 CNY on 1 session(s); 1200.00 CNY left'
    """
    budgets = require_items(budgets, QuarterBudget, "budgets")
    sessions = require_items(sessions, TrainingSession, "sessions")
    require_zone(zone, "zone")
    planned: dict[_Key, QuarterBudget] = {}
    for given in budgets:
        budget: object = given
        if not isinstance(budget, QuarterBudget):
            raise ValidationError("must be QuarterBudget values", field="budgets", rule="type")
        if budget.amount.currency != currency:
            raise InvalidMoneyError(
                f"{budget.label} is in {budget.amount.currency}, not {shown(currency)}",
                field="budgets",
                rule="currency_mismatch",
            )
        taken = (budget.year, budget.quarter, budget.kind)
        if taken in planned:
            raise ValidationError(
                f"two budgets for {budget.label}", field="budgets", rule="duplicate_budget"
            )
        planned[taken] = budget
    spent: dict[_Key, list[TrainingSession]] = {key: [] for key in planned}
    for session in index_sessions(sessions).values():
        if session.cost is not None and session.cost.currency != currency:
            raise InvalidMoneyError(
                f"session {session.id!r} cost is in {session.cost.currency}, not {shown(currency)}",
                field="sessions",
                rule="currency_mismatch",
            )
        local = local_time(session.start, zone, "sessions")
        year, quarter = local.year, (local.month - 1) // 3 + 1
        key: _Key = (year, quarter, session.kind)
        if key not in planned and (year, quarter, None) in planned:
            key = (year, quarter, None)
        spent.setdefault(key, []).append(session)
    lines: list[BudgetLine] = []
    for line in sorted(spent, key=lambda k: (k[0], k[1], "" if k[2] is None else k[2].value)):
        chosen = sorted(spent[line], key=lambda s: (to_epoch_us(s.start), s.id))
        planned_budget = planned.get(line)
        lines.append(
            BudgetLine(
                year=line[0],
                quarter=line[1],
                kind=line[2],
                budget=None if planned_budget is None else planned_budget.amount,
                spent=Money.total((s.cost for s in chosen if s.cost is not None), currency),
                sessions=tuple(s.id for s in chosen),
            )
        )
    return lines
