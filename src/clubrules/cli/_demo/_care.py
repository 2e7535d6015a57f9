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
from clubrules.cli._demo._salon import DESK, at, show
from clubrules.cli._demo._tiering import MONTH_END
from clubrules.words import message

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]


def run(story: Story, salon: Salon) -> None:
    """Warn about customers whose visits fell by more than 30%, then plan the week's care."""
    story.chapter("demo.chapter.care")
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
    story.say(
        "demo.care.rule",
        rule=rule.name,
        recent=timedelta(days=rule.recent_days),
        baseline=timedelta(days=rule.baseline_days),
        count=len(baseline),
    )
    for warning in warnings:
        story.say(
            "demo.care.warning",
            customer=warning.customer_id,
            baseline=warning.baseline_visits,
            recent=warning.recent_visits,
            text=warning.message,
        )
        story.say(
            "demo.care.severity",
            severity=message(f"care.severity.{warning.severity.value}"),
            action=message(f"care.action.{warning.action.value}"),
        )
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
    story.say(
        "demo.care.stored",
        stored=stored,
        again=len(again),
        later=timedelta(hours=1),
        days=rule.cooldown_days,
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
            ReturnVisitRule("hydrating facial", 10, note=message("demo.care.skin_check")),
            ReturnVisitRule("colour", 14, note=message("demo.care.colour_check")),
        ],
    )
    week = assign_tasks(week, owners={"c-001": "st-wang"}, staff=[DESK, "cs-02"])
    for task in week:
        salon.care_tasks.add(task)
    story.say("demo.care.week")
    story.say("demo.care.week_more")
    first, last = MONTH_END.date(), MONTH_END.date() + timedelta(days=7)
    for task in salon.care_tasks.tasks(start=first, end=last):
        story.line(
            f"  {show(task.at)} {task.kind.value:<15} {task.customer_id} "
            f"-> {task.assignee}: {task.note}"
        )
