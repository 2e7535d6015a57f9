"""Spend against the quarterly training budgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clubrules.errors import InvalidMoneyError, ValidationError
from clubrules.money import Money
from clubrules.training import (
    QuarterBudget,
    TrainingKind,
    TrainingSession,
    spend_against_budget,
)

TZ = ZoneInfo("Asia/Shanghai")


def _session(
    session_id: str, kind: str, start: datetime, cost: Money | None = None
) -> TrainingSession:
    return TrainingSession(
        id=session_id,
        kind=kind,
        topic=kind,
        method="external",
        start=start,
        end=start + timedelta(hours=2),
        cost=cost,
    )


def test_each_kind_spends_from_its_own_budget_then_from_the_general_one() -> None:
    budgets = [
        QuarterBudget(year=2026, quarter=1, amount=Money(3000), kind="safety"),
        QuarterBudget(year=2026, quarter=1, amount=Money(3000)),
        QuarterBudget(year=2026, quarter=2, amount=Money(3000), kind=TrainingKind.SAFETY),
    ]
    sessions = [
        _session("first-aid", "safety", datetime(2026, 3, 12, 14, tzinfo=TZ), Money("1800.00")),
        _session("fire", "safety", datetime(2026, 2, 3, 14, tzinfo=TZ), Money("1500.00")),
        _session("etiquette", "periodic", datetime(2026, 1, 20, 14, tzinfo=TZ), Money("800")),
        _session("in-house", "periodic", datetime(2026, 1, 27, 14, tzinfo=TZ)),
        _session("campaign", "special", datetime(2026, 4, 2, 14, tzinfo=TZ), Money("600")),
    ]
    lines = spend_against_budget(budgets, sessions, zone=TZ)
    assert [line.describe() for line in lines] == [
        "2026-Q1: spent 800 CNY of 3000 CNY on 2 session(s); 2200 CNY left",
        "2026-Q1 safety: spent 3300.00 CNY of 3000 CNY on 2 session(s); over budget",
        "2026-Q2 safety: spent 0 CNY of 3000 CNY on 0 session(s); 3000 CNY left",
        "2026-Q2 special: spent 600 CNY on 1 session(s), with no budget",
    ]
    safety = lines[1]
    assert safety.sessions == ("fire", "first-aid")
    assert safety.remaining == Money("-300.00")
    assert safety.over_budget
    assert lines[3].over_budget  # spent with no budget at all


def test_a_session_belongs_to_the_local_quarter_it_starts_in() -> None:
    # 1 April 00:30 in Shanghai is still 31 March in UTC.
    early = _session("t", "safety", datetime(2026, 4, 1, 0, 30, tzinfo=TZ), Money(100))
    (line,) = spend_against_budget([], [early], zone=TZ)
    assert (line.year, line.quarter) == (2026, 2)
    (line,) = spend_against_budget([], [early], zone=UTC)
    assert (line.year, line.quarter) == (2026, 1)


def test_a_session_given_twice_is_spent_once() -> None:
    session = _session("t", "safety", datetime(2026, 3, 1, 10, tzinfo=TZ), Money(100))
    (line,) = spend_against_budget([], [session, session], zone=TZ)
    assert line.spent == Money(100)
    assert line.sessions == ("t",)


def test_bad_budgets_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        QuarterBudget(year=2026, quarter=5, amount=Money(-1), kind="yoga")
    assert set(caught.value.fields) == {"quarter", "amount", "kind"}
    twice = [QuarterBudget(year=2026, quarter=1, amount=Money(1))] * 2
    with pytest.raises(ValidationError) as caught:
        spend_against_budget(twice, [], zone=TZ)
    assert caught.value.rule == "duplicate_budget"
    dollars = QuarterBudget(year=2026, quarter=1, amount=Money(1, "USD"))
    with pytest.raises(InvalidMoneyError):
        spend_against_budget([dollars], [], zone=TZ)
    costly = _session("t", "safety", datetime(2026, 3, 1, 10, tzinfo=TZ), Money(1, "HKD"))
    with pytest.raises(InvalidMoneyError):
        spend_against_budget([], [costly], zone=TZ)
