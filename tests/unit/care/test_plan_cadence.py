"""Every care task is planned exactly once, whatever the cadence of the planning runs.

A task's due date depends on its occasion and the calendar only; a run keeps
the tasks due in its horizon. Runs that together cover a year, daily, weekly
or at random intervals, must plan the same tasks as one run over the year.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.calendar import BusinessCalendar
from clubrules.care import CareKind, CareTask, ReturnVisitRule, SurveySchedule, plan_care
from clubrules.customers import ServiceRecord

TZ = ZoneInfo("Asia/Shanghai")
_SPRING = {date(2026, 2, 17) + timedelta(days=i): "春节" for i in range(7)}
_NATIONAL = {date(2026, 10, 1) + timedelta(days=i): "国庆节" for i in range(7)}
# Open 10:00-21:00 Monday to Saturday; closed Sundays, a week at Spring
# Festival, a week at National Day, and New Year's Day.
SALON = BusinessCalendar(
    TZ,
    weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
    holidays={date(2026, 1, 1): "元旦", **_SPRING, **_NATIONAL},
    on_missing_holiday_data="ignore",
)
GREETINGS = {
    date(2026, 1, 1): "元旦",
    date(2026, 2, 17): "春节",
    date(2026, 9, 25): "中秋节",
    date(2026, 10, 1): "国庆节",
    date(2027, 1, 1): "元旦",
}
RULES = [ReturnVisitRule("facial", 3), ReturnVisitRule("membership", 30)]
START = date(2026, 1, 1)
DAYS = 365


def visit(i: int, cid: str, service: str, day: date) -> ServiceRecord:
    return ServiceRecord(
        id=f"s-{i}",
        customer_id=cid,
        at=datetime(day.year, day.month, day.day, 15, tzinfo=TZ),
        service=service,
        staff_id="st-1",
    )


def plan(
    day: date,
    horizon: int,
    hour: int,
    inputs: dict[str, object],
    issued: set[tuple[str, str, date]] | None = None,
) -> list[CareTask]:
    return plan_care(
        as_of=datetime(day.year, day.month, day.day, hour, tzinfo=TZ),
        horizon_days=horizon,
        calendar=SALON,
        issued=issued or set(),
        **inputs,  # type: ignore[arg-type]
    )


def _facts(tasks: list[CareTask]) -> Counter[tuple[object, ...]]:
    return Counter((t.customer_id, t.kind, t.due, t.rule, t.note) for t in tasks)


# -- the two cases a salon closed on Sundays ran into ------------------------------


def test_a_daily_plan_greets_a_sunday_birthday_on_the_saturday() -> None:
    birthdays = {"c-1": date(1990, 6, 14)}  # Sunday 14 June 2026
    planned = [
        t for n in range(10, 16) for t in plan(date(2026, 6, n), 1, 8, {"birthdays": birthdays})
    ]
    assert [(t.due, t.kind) for t in planned] == [(date(2026, 6, 13), CareKind.BIRTHDAY)]


def test_a_monday_weekly_plan_holds_a_return_visit_moved_off_sunday() -> None:
    # A facial on Thursday 4 June: the 3-day visit falls on Sunday the 7th, due Monday the 8th.
    visits = [visit(1, "c-1", "facial", date(2026, 6, 4))]
    inputs = {"visits": visits, "return_rules": RULES}
    assert plan(date(2026, 6, 1), 7, 8, inputs) == []
    [task] = plan(date(2026, 6, 8), 7, 8, inputs)
    assert (task.due, task.kind, task.at) == (
        date(2026, 6, 8),
        CareKind.RETURN_VISIT,
        datetime(2026, 6, 8, 10, tzinfo=TZ),
    )


def test_a_greeting_within_a_long_closure_goes_out_before_it() -> None:
    # 20 February falls in the Spring Festival week (17-23, closed): the last
    # business day before it is Monday 16 February.
    got = plan(date(2026, 2, 16), 1, 8, {"birthdays": {"c-1": date(1995, 2, 20)}})
    assert [t.due for t in got] == [date(2026, 2, 16)]
    assert plan(date(2026, 2, 20), 10, 8, {"birthdays": {"c-1": date(1995, 2, 20)}}) == []


# -- the property ---------------------------------------------------------------------


@st.composite
def care_inputs(draw: st.DrawFn) -> dict[str, object]:
    people = [f"c-{i}" for i in range(draw(st.integers(1, 5)))]
    born = st.dates(min_value=date(1970, 1, 1), max_value=date(2004, 12, 31))
    birthdays = {cid: draw(born | st.just(date(2000, 2, 29))) for cid in people}
    served = st.dates(min_value=date(2025, 11, 1), max_value=date(2026, 12, 31))
    visits = [
        visit(i, draw(st.sampled_from(people)), draw(st.sampled_from(["facial", "membership"])), d)
        for i, d in enumerate(draw(st.lists(served, max_size=12)))
    ]
    return {
        "birthdays": birthdays,
        "holidays": GREETINGS,
        "greet": people[: draw(st.integers(0, len(people)))],
        "visits": visits,
        "return_rules": RULES,
        "surveys": SurveySchedule("q", day=draw(st.integers(1, 31))),
        "survey_customers": people[:2],
    }


def _cuts(data: st.DataObject, cadence: str) -> list[int]:
    """The day offsets at which the runs start, the first at 0."""
    if cadence == "daily":
        return list(range(DAYS))
    if cadence == "weekly":
        return list(range(0, DAYS, 7))
    gaps = data.draw(st.lists(st.integers(1, 45), min_size=1, max_size=60), label="gaps")
    cuts = [0]
    for gap in gaps:
        if cuts[-1] + gap >= DAYS:
            break
        cuts.append(cuts[-1] + gap)
    return cuts


@settings(max_examples=25, deadline=None)
@given(
    inputs=care_inputs(),
    data=st.data(),
    cadence=st.sampled_from(["daily", "weekly", "random"]),
)
def test_any_cadence_plans_the_tasks_of_one_run_over_the_year(
    inputs: dict[str, object], data: st.DataObject, cadence: str
) -> None:
    whole = plan(START, DAYS, 8, inputs)
    assert all(n == 1 for n in _facts(whole).values())
    cuts = _cuts(data, cadence)
    pieces: list[CareTask] = []
    for begin, end in zip(cuts, [*cuts[1:], DAYS], strict=True):
        hour = data.draw(st.integers(0, 23), label="hour")
        pieces += plan(START + timedelta(days=begin), end - begin, hour, inputs)
    assert _facts(pieces) == _facts(whole)


@settings(max_examples=15, deadline=None)
@given(inputs=care_inputs(), data=st.data())
def test_overlapping_runs_with_issued_keys_plan_each_task_once(
    inputs: dict[str, object], data: st.DataObject
) -> None:
    # Every few days, a run planning the next fortnight; the store's keys are passed as issued.
    whole = plan(START, DAYS, 8, inputs)
    issued: set[tuple[str, str, date]] = set()
    pieces: list[CareTask] = []
    day = 0
    while day < DAYS:
        horizon = min(14, DAYS - day)
        got = plan(START + timedelta(days=day), horizon, 9, inputs, issued)
        issued.update(t.key for t in got)
        pieces += got
        day += data.draw(st.integers(1, 10), label="step")
    assert _facts(pieces) == _facts(whole)
