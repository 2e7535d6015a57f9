from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.calendar import BusinessCalendar
from clubrules.care import (
    CareAction,
    CareKind,
    CareTask,
    ChurnWarning,
    LeapDayPolicy,
    ReturnVisitRule,
    Severity,
    SurveySchedule,
    assign_tasks,
    follow_up_tasks,
    greeting_holidays,
    plan_care,
)
from clubrules.customers import ServiceRecord
from clubrules.errors import NaiveDatetimeError, ValidationError

TZ = ZoneInfo("Asia/Shanghai")
# Open 10:00-21:00 Monday to Saturday; closed Sundays and on National Day.
CAL = BusinessCalendar(
    TZ,
    weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
    holidays={date(2026, 10, 1): "National Day"},
    on_missing_holiday_data="ignore",
)
# Monday 28 September 2026, 08:00 local.
AS_OF = datetime(2026, 9, 28, 8, tzinfo=TZ)


def visit(cid: str, service: str, day: date, rid: str = "s-1") -> ServiceRecord:
    return ServiceRecord(
        id=rid,
        customer_id=cid,
        at=datetime(day.year, day.month, day.day, 15, tzinfo=TZ),
        service=service,
        staff_id="st-1",
    )


def test_birthday_on_the_day_at_opening_or_earlier_when_closed() -> None:
    tasks = plan_care(
        as_of=AS_OF,
        horizon_days=7,
        calendar=CAL,
        birthdays={
            "open-day": date(1990, 9, 29),
            "sunday": date(1988, 10, 4),
            "later": date(1990, 12, 1),
        },
    )
    got = {t.customer_id: (t.due, t.at) for t in tasks}
    assert got["open-day"] == (date(2026, 9, 29), datetime(2026, 9, 29, 10, tzinfo=TZ))
    # 4 October 2026 is a Sunday: the greeting goes out on Saturday the 3rd, not late.
    assert got["sunday"][0] == date(2026, 10, 3)
    assert "later" not in got
    assert all(t.kind is CareKind.BIRTHDAY for t in tasks)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(LeapDayPolicy.FEB_28, date(2027, 2, 27)), (LeapDayPolicy.MAR_1, date(2027, 3, 1))],
)
def test_a_29_february_birthday_follows_the_stated_policy(
    policy: LeapDayPolicy, expected: date
) -> None:
    # 28 February 2027 is a Sunday (closed): FEB_28 greets on Saturday the 27th.
    tasks = plan_care(
        as_of=datetime(2027, 2, 20, 8, tzinfo=TZ),
        horizon_days=14,
        calendar=CAL,
        birthdays={"leap": date(2000, 2, 29)},
        leap_day=policy,
    )
    assert [t.due for t in tasks] == [expected]


def test_a_leap_year_greets_on_29_february_itself() -> None:
    tasks = plan_care(
        as_of=datetime(2028, 2, 20, 8, tzinfo=TZ),
        horizon_days=14,
        calendar=CAL,
        birthdays={"leap": date(2000, 2, 29)},
    )
    assert [t.due for t in tasks] == [date(2028, 2, 29)]


def test_holiday_greetings_go_out_before_a_closed_holiday() -> None:
    tasks = plan_care(
        as_of=AS_OF,
        horizon_days=7,
        calendar=CAL,
        holidays={date(2026, 10, 1): "国庆节"},
        greet=["c-1", "c-2"],
    )
    assert [(t.customer_id, t.due, t.rule) for t in tasks] == [
        ("c-1", date(2026, 9, 30), "国庆节"),
        ("c-2", date(2026, 9, 30), "国庆节"),
    ]


def test_return_visits_follow_per_service_rules_on_business_days() -> None:
    rules = [
        ReturnVisitRule("facial", 3),
        ReturnVisitRule("membership", 30, note="how is it going?"),
    ]
    visits = [
        visit("c-1", "facial", date(2026, 9, 26)),  # +3 = 29 Sep (Tue)
        visit("c-2", "facial", date(2026, 9, 28)),  # +3 = 1 Oct (closed): 2 Oct
        visit("c-3", "membership", date(2026, 9, 1), "s-3"),  # +30 = 1 Oct: 2 Oct
        visit("c-4", "massage", date(2026, 9, 27)),  # no rule
        visit("c-1", "facial", date(2026, 9, 26), "s-9"),  # same task again: deduplicated
    ]
    tasks = plan_care(as_of=AS_OF, horizon_days=7, calendar=CAL, visits=visits, return_rules=rules)
    assert [(t.customer_id, t.due, t.note) for t in tasks] == [
        ("c-1", date(2026, 9, 29), "return visit 3 days after facial"),
        ("c-2", date(2026, 10, 2), "return visit 3 days after facial"),
        ("c-3", date(2026, 10, 2), "how is it going?"),
    ]


def test_quarterly_surveys_and_issued_keys_are_skipped() -> None:
    schedule = SurveySchedule("q-2026")
    tasks = plan_care(
        as_of=AS_OF,
        horizon_days=14,
        calendar=CAL,
        surveys=schedule,
        survey_customers=["c-1", "c-2"],
        issued={("c-2", "survey", date(2026, 10, 2))},
    )
    # 1 October is closed: the survey goes out on the 2nd.
    assert [(t.customer_id, t.due, t.kind) for t in tasks] == [
        ("c-1", date(2026, 10, 2), CareKind.SURVEY)
    ]
    assert schedule.dates(date(2026, 1, 1), date(2026, 12, 31)) == [
        date(2026, 1, 1),
        date(2026, 4, 1),
        date(2026, 7, 1),
        date(2026, 10, 1),
    ]


def test_bad_inputs_get_typed_errors() -> None:
    with pytest.raises(NaiveDatetimeError):
        plan_care(as_of=datetime(2026, 9, 28), horizon_days=7, calendar=CAL)  # noqa: DTZ001
    with pytest.raises(ValidationError):
        plan_care(as_of=AS_OF, horizon_days=0, calendar=CAL)
    with pytest.raises(ValidationError):
        plan_care(
            as_of=AS_OF,
            horizon_days=3,
            calendar=CAL,
            return_rules=[ReturnVisitRule("facial", 3), ReturnVisitRule("facial", 5)],
        )
    with pytest.raises(ValidationError):
        ReturnVisitRule("facial", 0)
    with pytest.raises(ValidationError):
        SurveySchedule("q", months=(13,))


def test_tasks_are_assigned_to_owners_then_balanced() -> None:
    tasks = plan_care(
        as_of=AS_OF,
        horizon_days=7,
        calendar=CAL,
        holidays={date(2026, 10, 1): "国庆节"},
        greet=["c-1", "c-2", "c-3", "c-4"],
    )
    assigned = assign_tasks(tasks, owners={"c-1": "st-owner"}, staff=["st-a", "st-b"])
    assert [t.assignee for t in assigned] == ["st-owner", "st-a", "st-b", "st-a"]
    with pytest.raises(ValidationError):
        assign_tasks(tasks, staff=["st-a", "st-a"])


def test_tasks_already_assigned_count_in_the_balance() -> None:
    tasks = plan_care(
        as_of=AS_OF,
        horizon_days=7,
        calendar=CAL,
        holidays={date(2026, 10, 1): "国庆节"},
        greet=["c-1", "c-2", "c-3"],
    )
    tasks = [attrs.evolve(tasks[0], assignee="st-a"), *tasks[1:]]
    # st-a already holds one task: the next goes to st-b, then the tie to st-a.
    assigned = assign_tasks(tasks, staff=["st-a", "st-b"])
    assert [t.assignee for t in assigned] == ["st-a", "st-b", "st-a"]


@settings(max_examples=200)
@given(
    given_to=st.lists(st.sampled_from([None, None, "st-a", "st-b", "st-c", "st-x"]), max_size=12),
    owned=st.sets(st.integers(0, 11)),
    pool=st.lists(st.sampled_from(["st-a", "st-b", "st-c"]), unique=True),
)
def test_the_pool_is_balanced_by_every_task_each_member_holds(
    given_to: list[str | None], owned: set[int], pool: list[str]
) -> None:
    at = datetime(2026, 9, 28, 10, tzinfo=TZ)
    tasks = [
        CareTask(
            customer_id=f"c-{i}",
            kind=CareKind.BIRTHDAY,
            due=at.date(),
            at=at,
            rule="birthday",
            assignee=who,
        )
        for i, who in enumerate(given_to)
    ]
    owners = {f"c-{i}": "st-owner" if i % 2 else "st-b" for i in owned}
    assigned = assign_tasks(tasks, owners=owners, staff=pool)
    # The slow reading: count what each member holds or gets as a customer's
    # own, then hand out the rest one by one to the least loaded, the earlier
    # name on a tie.
    load = {
        name: sum((t.assignee or owners.get(t.customer_id)) == name for t in tasks) for name in pool
    }
    expected: list[str | None] = []
    for task in tasks:
        who = task.assignee or owners.get(task.customer_id)
        if who is None and pool:
            who = min(pool, key=lambda name: (load[name], pool.index(name)))
            load[who] += 1
        expected.append(who)
    assert [t.assignee for t in assigned] == expected


def test_an_owned_task_counts_in_the_balance_wherever_it_comes() -> None:
    at = datetime(2026, 9, 29, 10, tzinfo=TZ)
    free, owned = (
        CareTask(customer_id=c, kind=CareKind.BIRTHDAY, due=at.date(), at=at, rule="birthday")
        for c in ("c-free", "c-owned")
    )
    # st-a gets c-owned's task as its own: the free one goes to st-b, first or last.
    for tasks in ([free, owned], [owned, free]):
        assigned = assign_tasks(tasks, owners={"c-owned": "st-a"}, staff=["st-a", "st-b"])
        assert {t.customer_id: t.assignee for t in assigned} == {
            "c-free": "st-b",
            "c-owned": "st-a",
        }
    assert [attrs.evolve(t, assignee=None) for t in assigned] == [
        attrs.evolve(t, assignee=None) for t in tasks
    ]


def test_churn_warnings_become_follow_up_tasks() -> None:
    w = ChurnWarning(
        customer_id="c-1",
        rule="activity-drop",
        at=datetime(2026, 10, 1, 9, tzinfo=TZ),
        severity=Severity.MEDIUM,
        action=CareAction.TRIAL_CLASS,
        visit_drop=None,
        spend_drop=None,
        baseline_visits=12,
        recent_visits=2,
        message="visits down",
    )
    [task] = follow_up_tasks([w], calendar=CAL)
    assert (task.kind, task.due, task.rule) == (
        CareKind.CHURN_FOLLOW_UP,
        date(2026, 10, 2),
        "activity-drop",
    )
    assert task.note.startswith("trial class (medium)")


def test_greeting_holidays_of_an_unknown_country_is_a_typed_error() -> None:
    pytest.importorskip("holidays")
    for country in ("", "XX", "cn"):
        with pytest.raises(ValidationError) as caught:
            greeting_holidays([2026], country=country)
        assert (caught.value.field, caught.value.rule) == ("country", "unknown_country")


def test_greeting_holidays_from_the_holidays_extra() -> None:
    pytest.importorskip("holidays")
    got = greeting_holidays([2026])
    assert got[date(2026, 2, 17)] == "Chinese New Year (Spring Festival)"
    assert got[date(2026, 9, 25)] == "Mid-Autumn Festival"
    assert date(2026, 2, 18) not in got  # only the first day of a multi-day holiday
    assert greeting_holidays([2026], language="zh_CN")[date(2026, 2, 17)] == "春节"


@settings(max_examples=40, deadline=None)
@given(
    births=st.dictionaries(
        st.sampled_from(["c-1", "c-2", "c-3"]),
        st.dates(min_value=date(1980, 1, 1), max_value=date(2004, 12, 31)),
    ),
    visits_days=st.lists(
        st.tuples(st.sampled_from(["c-1", "c-2", "c-3"]), st.integers(-40, 0)), max_size=12
    ),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 1)),
    horizon=st.integers(1, 40),
)
def test_care_tasks_are_unique_per_customer_kind_and_date_and_on_business_days(
    births: dict[str, date], visits_days: list[tuple[str, int]], start: date, horizon: int
) -> None:
    as_of = datetime(start.year, start.month, start.day, 12, tzinfo=TZ)
    visits = [
        visit(cid, "facial", start + timedelta(days=d), f"s-{i}")
        for i, (cid, d) in enumerate(visits_days)
    ]
    tasks = plan_care(
        as_of=as_of,
        horizon_days=horizon,
        calendar=CAL,
        birthdays=births,
        holidays={date(2026, 10, 1): "国庆节", date(2026, 2, 17): "春节"},
        greet=["c-1", "c-2"],
        visits=visits,
        return_rules=[ReturnVisitRule("facial", 3)],
        surveys=SurveySchedule("q"),
        survey_customers=["c-3"],
    )
    keys = Counter(t.key for t in tasks)
    assert all(n == 1 for n in keys.values())
    for t in tasks:
        assert CAL.is_open(t.at)
        assert t.at >= as_of
        assert t.at.astimezone(TZ).date() == t.due
        assert start <= t.due < start + timedelta(days=horizon)
