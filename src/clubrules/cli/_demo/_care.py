"""Demo chapter: the churn scan of the month-end run, and the first week of April's care."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from clubrules.care import (
    ChurnRule,
    ReturnVisitRule,
    assign_tasks,
    follow_up_tasks,
    plan_care,
    scan_churn,
)
from clubrules.cli._demo._salon import DESK, at
from clubrules.cli._demo._tiering import MONTH_END

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]


def run(story: Story, salon: Salon) -> None:
    """Warn about customers whose visits fell by more than 30%, then plan the week's care."""
    story.chapter("Care: churn early warning and the week's care tasks")
    rule = ChurnRule()
    b_start, r_start, _ = rule.windows(MONTH_END)
    baseline = {s.customer_id: s for s in salon.activity.summaries(start=b_start, end=r_start)}
    recent = {s.customer_id: s for s in salon.activity.summaries(start=r_start, end=MONTH_END)}
    warnings = scan_churn(
        rule,
        baseline=baseline,
        recent=recent,
        as_of=MONTH_END,
        last_warned=salon.care_tasks.last_issued(rule.name),
    )
    story.line(
        f"The {rule.name} rule compares the last {rule.recent_days} days with the "
        f"{rule.baseline_days} before them ({len(baseline)} customers with a baseline)."
    )
    for warning in warnings:
        story.line(
            f"{warning.customer_id}: {warning.baseline_visits} visits, then "
            f"{warning.recent_visits}: {warning.message}"
        )
        story.line(f"  severity {warning.severity.value}; suggested care: {warning.action.value}")
    tasks = assign_tasks(
        follow_up_tasks(warnings, calendar=salon.calendar), owners={}, staff=[DESK, "cs-02"]
    )
    stored = sum(salon.care_tasks.add(task) for task in tasks)
    later = MONTH_END + timedelta(hours=1)
    b_later, r_later, _ = rule.windows(later)
    again = scan_churn(
        rule,
        baseline={s.customer_id: s for s in salon.activity.summaries(start=b_later, end=r_later)},
        recent={s.customer_id: s for s in salon.activity.summaries(start=r_later, end=later)},
        as_of=later,
        last_warned=salon.care_tasks.last_issued(rule.name),
    )
    story.line(
        f"{stored} follow-up task(s) stored; run again an hour later: {len(again)} warnings "
        f"({rule.cooldown_days}-day cooldown, read back from SQLite)."
    )
    customers = list(salon.customers.customers())
    week = plan_care(
        as_of=MONTH_END,
        horizon_days=7,
        calendar=salon.calendar,
        birthdays={c.id: c.birthday for c in customers if c.birthday is not None},
        greet=[c.id for c in customers],
        visits=salon.ledger.records(start=at(3, 20, 0), end=MONTH_END),
        return_rules=[
            ReturnVisitRule("hydrating facial", 10, note="skin check after the facial"),
            ReturnVisitRule("colour", 14, note="colour check"),
        ],
    )
    week = assign_tasks(week, owners={"c-001": "st-wang"}, staff=[DESK, "cs-02"])
    for task in week:
        salon.care_tasks.add(task)
    story.line("The first week of April, read back from SQLite (closed on Sundays: a greeting")
    story.line("due on one moves to the Saturday before):")
    first, last = MONTH_END.date(), MONTH_END.date() + timedelta(days=7)
    for task in salon.care_tasks.tasks(start=first, end=last):
        story.line(
            f"  {task.due} {task.at:%H:%M} {task.kind.value:<15} {task.customer_id} "
            f"-> {task.assignee}: {task.note}"
        )
