"""Demo chapter: a churn warning with its suggested care, and the week's care tasks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from clubrules.calendar import BusinessCalendar
from clubrules.care import (
    ChurnRule,
    ReturnVisitRule,
    assign_tasks,
    follow_up_tasks,
    plan_care,
    scan_churn,
)
from clubrules.customers import ConsumptionRecord
from clubrules.money import Money
from clubrules.storage.memory import InMemoryActivityRepository, InMemoryCareTaskRepository

if TYPE_CHECKING:
    from clubrules._demo import Story

__all__ = ["run"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(story: Story) -> None:
    """Warn about a member whose visits fell by more than 30%, then plan the week's care."""
    story.chapter("Care: churn early warning and the week's care tasks")
    gym = BusinessCalendar(
        SHANGHAI,
        weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "07:00-22:00"),
        holidays={date(2026, 10, 1): "国庆节"},
    )
    activity = InMemoryActivityRepository(zone=SHANGHAI)
    as_of = datetime(2026, 9, 28, 6, tzinfo=SHANGHAI)
    rule = ChurnRule()
    b_start, r_start, _ = rule.windows(as_of)
    # A member since before the baseline: three visits a week, then one a week lately.
    day, n = b_start - timedelta(days=13, hours=-12), 0
    while day < as_of:
        per_week = 3 if day < r_start else 1
        if day.weekday() < per_week * 2 and day.weekday() % 2 == 0:
            n += 1
            activity.add(
                ConsumptionRecord(
                    id=f"v-{n}",
                    customer_id="m-007",
                    at=day,
                    service="gym visit",
                    amount=Money("30.00"),
                )
            )
        day += timedelta(days=1)
    baseline = {s.customer_id: s for s in activity.summaries(start=b_start, end=r_start)}
    recent = {s.customer_id: s for s in activity.summaries(start=r_start, end=as_of)}
    tasks = InMemoryCareTaskRepository()
    [warning] = scan_churn(
        rule,
        baseline=baseline,
        recent=recent,
        as_of=as_of,
        last_warned=tasks.last_issued(rule.name),
    )
    story.line(
        f"m-007: {warning.baseline_visits} visits in {rule.baseline_days} days, then "
        f"{warning.recent_visits} in {rule.recent_days}: {warning.message}"
    )
    story.line(f"Severity {warning.severity.value}; suggested care: {warning.action.value}")
    for task in follow_up_tasks([warning], calendar=gym):
        tasks.add(task)
    # The next run, an hour later on the same data: the cooldown keeps it quiet.
    later = as_of + timedelta(hours=1)
    b2, r2, _ = rule.windows(later)
    again = scan_churn(
        rule,
        baseline={s.customer_id: s for s in activity.summaries(start=b2, end=r2)},
        recent={s.customer_id: s for s in activity.summaries(start=r2, end=later)},
        as_of=later,
        last_warned=tasks.last_issued(rule.name),
    )
    story.line(
        f"Scanning again an hour later: {len(again)} warnings ({rule.cooldown_days}-day cooldown)"
    )
    week = plan_care(
        as_of=as_of,
        horizon_days=7,
        calendar=gym,
        birthdays={"m-007": date(1991, 10, 4), "m-011": date(1988, 9, 30)},
        holidays={date(2026, 10, 1): "国庆节"},
        greet=["m-007", "m-011"],
        visits=[
            ConsumptionRecord(
                id="t-88",
                customer_id="m-011",
                at=datetime(2026, 9, 1, 19, tzinfo=SHANGHAI),
                service="annual membership",
                amount=Money("3888.00"),
            )
        ],
        return_rules=[ReturnVisitRule("annual membership", 30, note="first-month check-in")],
    )
    week = assign_tasks(week, owners={"m-007": "coach-li"}, staff=["front-desk"])
    story.line("The week's care tasks (closed Sundays and on National Day):")
    for task in week:
        tasks.add(task)
        story.line(
            f"  {task.due} {task.at:%H:%M} {task.kind.value:<13} {task.customer_id} "
            f"-> {task.assignee}: {task.note}"
        )
