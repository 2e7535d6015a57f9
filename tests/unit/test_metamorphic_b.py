"""Metamorphic properties of care, tiering, customers and privacy: no oracle needed.

Each property runs a public computation twice on inputs related in a way
its documentation fixes, and compares the answers:

- permutation: shuffling the input items (with many ties: one instant, one
  score, one customer) changes no answer, or changes it exactly as the
  docstring says (`rfm_scores` breaks quantile ties by input order);
- split: summaries that add (responses per group, total spend over
  customers) agree when the input is split and the parts combined;
- time shift: moving every instant by whole weeks in a zone without DST
  (Asia/Shanghai, UTC), across years and onto 29 February, moves every
  instant of the answer by as much and leaves every count and score alone;
- year boundaries: the club's new year (16:00 UTC on 31 December in
  Shanghai), 29 February anniversaries, years 1 and 9999.

The zone an instant is written in is walked for every callable by
tests/unit/hostile/test_zone_invariance.py and is not repeated here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules import Money
from clubrules._time import to_epoch_us
from clubrules.calendar import BusinessCalendar
from clubrules.care import (
    CareKind,
    CareTask,
    ChurnRule,
    ChurnWarning,
    Question,
    Questionnaire,
    ReturnVisitRule,
    SingleVisitRule,
    SurveyResponse,
    SurveySchedule,
    aggregate_surveys,
    assign_tasks,
    plan_care,
    scan_churn,
    scan_churn_columns,
    scan_single_visits,
)
from clubrules.customers import ConsumptionRecord, ServiceRecord, spend_by_customer, total_spend
from clubrules.privacy import ConsentRecord, RetentionRule, deletion_schedule
from clubrules.tiering import (
    ActivitySummary,
    QualificationWindow,
    RfmThresholds,
    quantile_scores,
    rfm_scores,
    summarize_activity,
)

T = TypeVar("T")

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONES = (SHANGHAI, UTC)
WEEK = timedelta(weeks=1)
# Shifts of whole weeks: a week, a year of 52 weeks, onto 2027/2028 (29 February), back a year.
SHIFTS = st.sampled_from([1, 52, 61, 104, 113, -52, 0]).map(lambda n: n * WEEK)
SETTINGS = settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])

# A few instants in December 2026 / January 2027 around the club's new year,
# and many ties: the strategies pick from few values on purpose.
BASE = datetime(2026, 12, 20, tzinfo=UTC)
INSTANTS = st.integers(0, 24 * 30).map(lambda h: BASE + timedelta(hours=h))
CUSTOMERS = st.sampled_from(["c-1", "c-2", "c-3", "c-4"])
SERVICES = st.sampled_from(["facial", "massage", "peel"])


def _shift(value: T, by: timedelta) -> T:
    """`value` (an attrs instance) with every datetime field moved by `by`."""
    instance: Any = value
    changes = {
        f.name: getattr(instance, f.name) + by
        for f in attrs.fields(type(instance))
        if f.init and isinstance(getattr(instance, f.name), datetime)
    }
    return cast("T", attrs.evolve(instance, **changes))


@st.composite
def records(draw: st.DrawFn) -> list[ConsumptionRecord]:
    items = draw(
        st.lists(
            st.tuples(
                CUSTOMERS,
                INSTANTS,
                SERVICES,
                st.sampled_from(["100", "250.50", "99.9", "0.01"]),
                st.sampled_from(["purchase", "purchase", "refund", "redemption"]),
                st.sampled_from(ZONES),
            ),
            max_size=14,
        )
    )
    return [
        ConsumptionRecord(
            id=f"t-{i}",
            customer_id=cid,
            at=at.astimezone(zone),
            service=service,
            amount=Money(amount),
            kind=kind,
        )
        for i, (cid, at, service, amount, kind, zone) in enumerate(items)
    ]


def _instants(value: object) -> object:
    """`value` with every datetime as epoch microseconds, to compare across zones."""
    if isinstance(value, datetime):
        return to_epoch_us(value)
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_instants(v) for v in value]
    instance: Any = value
    if attrs.has(type(instance)):
        return {f.name: _instants(getattr(instance, f.name)) for f in attrs.fields(type(instance))}
    return value


# --- customers and tiering: summaries --------------------------------------------------------


@SETTINGS
@given(items=records(), data=st.data())
def test_spend_and_activity_do_not_depend_on_the_order_of_the_records(
    items: list[ConsumptionRecord], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(items))
    start, end = BASE + timedelta(days=3), BASE + timedelta(days=25)
    assert spend_by_customer(shuffled, start=start, end=end) == spend_by_customer(
        items, start=start, end=end
    )
    assert total_spend(shuffled) == total_spend(items)
    whole = summarize_activity(items, start=start, end=end, zone=SHANGHAI)
    again = summarize_activity(shuffled, start=start, end=end, zone=SHANGHAI)
    assert _instants(again) == _instants(whole)
    # The zone each visit is shown in, too: ties at one instant go by record id.
    assert [(s.first_visit, s.last_visit) for s in again.values()] == [
        (s.first_visit, s.last_visit) for s in whole.values()
    ]
    assert [
        (getattr(s.first_visit, "tzinfo", None), getattr(s.last_visit, "tzinfo", None))
        for s in again.values()
    ] == [
        (getattr(s.first_visit, "tzinfo", None), getattr(s.last_visit, "tzinfo", None))
        for s in whole.values()
    ]


@SETTINGS
@given(items=records(), split=st.sets(CUSTOMERS))
def test_total_spend_adds_over_disjoint_customers(
    items: list[ConsumptionRecord], split: set[str]
) -> None:
    # Floored per customer, so spend adds over customers (never over periods).
    part = [r for r in items if r.customer_id in split]
    rest = [r for r in items if r.customer_id not in split]
    assert total_spend(part) + total_spend(rest) == total_spend(items)


@SETTINGS
@given(items=records(), by=SHIFTS, zone=st.sampled_from(ZONES))
def test_moving_every_record_by_whole_weeks_moves_the_summaries(
    items: list[ConsumptionRecord], by: timedelta, zone: ZoneInfo
) -> None:
    start, end = BASE + timedelta(days=3), BASE + timedelta(days=25)
    before = summarize_activity(items, start=start, end=end, zone=zone)
    moved = [_shift(r, by) for r in items]
    after = summarize_activity(moved, start=start + by, end=end + by, zone=zone)
    assert after == {cid: _shift(s, by) for cid, s in before.items()}
    assert [(s.visits, s.spend) for s in after.values()] == [
        (s.visits, s.spend) for s in before.values()
    ]


# --- care: churn ---------------------------------------------------------------------------


AS_OF = datetime(2027, 1, 1, 3, tzinfo=UTC)  # 11:00 on 1 January in Shanghai
RULE = ChurnRule(baseline_days=20, recent_days=10, min_baseline_visits=1, cooldown_days=5)


@st.composite
def churn_history(draw: st.DrawFn) -> list[ConsumptionRecord]:
    start = RULE.windows(AS_OF)[0] - timedelta(days=2)
    hours = st.integers(0, 32 * 24 - 1).map(lambda h: start + timedelta(hours=h))
    items = draw(st.lists(st.tuples(CUSTOMERS, hours, st.sampled_from(["100", "40"])), max_size=20))
    return [
        ConsumptionRecord(id=f"t-{i}", customer_id=c, at=at, service="facial", amount=Money(a))
        for i, (c, at, a) in enumerate(items)
    ]


def _churn(
    items: list[ConsumptionRecord], as_of: datetime, warned: dict[str, datetime]
) -> list[ChurnWarning]:
    b_start, r_start, end = RULE.windows(as_of)
    baseline = summarize_activity(items, start=b_start, end=r_start, zone=SHANGHAI)
    recent = summarize_activity(items, start=r_start, end=end, zone=SHANGHAI)
    return scan_churn(RULE, baseline=baseline, recent=recent, as_of=as_of, last_warned=warned)


def _first_us(summary: ActivitySummary) -> int | None:
    first = summary.first_visit
    return None if first is None else to_epoch_us(first)


WARNED = st.dictionaries(CUSTOMERS, st.integers(1, 12).map(lambda d: AS_OF - timedelta(days=d)))


@SETTINGS
@given(items=churn_history(), warned=WARNED, data=st.data())
def test_churn_warnings_do_not_depend_on_the_order_of_customers_or_rows(
    items: list[ConsumptionRecord], warned: dict[str, datetime], data: st.DataObject
) -> None:
    b_start, r_start, end = RULE.windows(AS_OF)
    baseline = summarize_activity(items, start=b_start, end=r_start, zone=SHANGHAI)
    recent = summarize_activity(items, start=r_start, end=end, zone=SHANGHAI)
    expected = scan_churn(RULE, baseline=baseline, recent=recent, as_of=AS_OF, last_warned=warned)
    order = data.draw(st.permutations(sorted(baseline)))
    shuffled_b = {cid: baseline[cid] for cid in order}
    shuffled_r = {cid: recent[cid] for cid in data.draw(st.permutations(sorted(recent)))}
    shuffled_w = {cid: warned[cid] for cid in data.draw(st.permutations(sorted(warned)))}
    got = scan_churn(
        RULE, baseline=shuffled_b, recent=shuffled_r, as_of=AS_OF, last_warned=shuffled_w
    )
    assert got == expected

    # The columns, in any row order, warn the same customers the same way (in row order).
    def column(summaries: dict[str, ActivitySummary], cid: str, attr: str) -> int:
        s = summaries.get(cid)
        if s is None:
            return 0
        return int(s.spend.amount * 100) if attr == "spend" else s.visits

    got_columns = scan_churn_columns(
        RULE,
        as_of=AS_OF,
        customer_ids=order,
        first_visit_us=[_first_us(baseline[c]) for c in order],
        baseline_visits=[column(baseline, c, "visits") for c in order],
        recent_visits=[column(recent, c, "visits") for c in order],
        baseline_spend=[column(baseline, c, "spend") for c in order],
        recent_spend=[column(recent, c, "spend") for c in order],
        last_warned=shuffled_w,
    )
    assert sorted(got_columns, key=lambda w: w.customer_id) == expected


@SETTINGS
@given(items=churn_history(), warned=WARNED, by=SHIFTS)
def test_moving_the_history_by_whole_weeks_moves_the_churn_warnings(
    items: list[ConsumptionRecord], warned: dict[str, datetime], by: timedelta
) -> None:
    before = _churn(items, AS_OF, warned)
    moved = [_shift(r, by) for r in items]
    after = _churn(moved, AS_OF + by, {c: t + by for c, t in warned.items()})
    assert after == [_shift(w, by) for w in before]


@SETTINGS
@given(items=churn_history(), warned=WARNED, by=SHIFTS, data=st.data())
def test_single_visit_warnings_ignore_order_and_move_with_the_clock(
    items: list[ConsumptionRecord], warned: dict[str, datetime], by: timedelta, data: st.DataObject
) -> None:
    rule = SingleVisitRule(after_days=2, give_up_days=20, cooldown_days=3)
    lifetime = list(
        summarize_activity(
            items, start=AS_OF - timedelta(days=60), end=AS_OF, zone=SHANGHAI
        ).values()
    )
    expected = scan_single_visits(rule, lifetime, as_of=AS_OF, zone=SHANGHAI, last_warned=warned)
    shuffled = data.draw(st.permutations(lifetime))
    got = scan_single_visits(rule, shuffled, as_of=AS_OF, zone=SHANGHAI, last_warned=warned)
    assert got == expected
    moved = [_shift(s, by) for s in shuffled]
    later = {c: t + by for c, t in warned.items()}
    after = scan_single_visits(rule, moved, as_of=AS_OF + by, zone=SHANGHAI, last_warned=later)
    assert after == [_shift(w, by) for w in expected]


# --- care: the plan --------------------------------------------------------------------------


# Open every day but Sunday: whole-week shifts keep every weekday.
CALENDAR = BusinessCalendar(
    SHANGHAI,
    weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
    on_missing_holiday_data="ignore",
)
RETURN_RULES = (
    ReturnVisitRule("facial", 3),
    ReturnVisitRule("massage", 2),
    ReturnVisitRule("peel", 4, note="ask about redness"),
)
PLAN_AS_OF = datetime(2026, 12, 28, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai


@st.composite
def service_visits(draw: st.DrawFn) -> list[ServiceRecord]:
    hours = st.integers(-24 * 8, 24 * 6).map(lambda h: PLAN_AS_OF + timedelta(hours=h))
    # Two customers and three services: return visits often collide on one task key.
    who = st.sampled_from(["c-1", "c-2"])
    items = draw(st.lists(st.tuples(who, hours, SERVICES), max_size=12))
    return [
        ServiceRecord(id=f"s-{i}", customer_id=c, at=at, service=s, staff_id="st-1")
        for i, (c, at, s) in enumerate(items)
    ]


@SETTINGS
@given(
    visits=service_visits(),
    birthdays=st.dictionaries(CUSTOMERS, st.dates(date(1960, 1, 1), date(2008, 12, 31))),
    greet=st.lists(CUSTOMERS, max_size=4),
    data=st.data(),
)
def test_the_care_plan_does_not_depend_on_the_order_of_its_inputs(
    visits: list[ServiceRecord],
    birthdays: dict[str, date],
    greet: list[str],
    data: st.DataObject,
) -> None:
    # Holidays 31 December, 1 and 3 January: the Sunday one moves back onto a task of the day.
    holidays = {date(2026, 12, 31): "eve", date(2027, 1, 1): "new year", date(2027, 1, 3): "x"}

    def plan(
        v: list[ServiceRecord],
        b: dict[str, date],
        h: dict[date, str],
        g: list[str],
        rules: tuple[ReturnVisitRule, ...],
    ) -> list[CareTask]:
        return plan_care(
            as_of=PLAN_AS_OF,
            horizon_days=10,
            calendar=CALENDAR,
            birthdays=b,
            holidays=h,
            greet=g,
            visits=v,
            return_rules=rules,
            surveys=SurveySchedule("q", day=1),
            survey_customers=g,
        )

    expected = plan(visits, birthdays, holidays, greet, RETURN_RULES)
    got = plan(
        data.draw(st.permutations(visits)),
        {c: birthdays[c] for c in data.draw(st.permutations(sorted(birthdays)))},
        {d: holidays[d] for d in data.draw(st.permutations(sorted(holidays)))},
        data.draw(st.permutations(greet)),
        tuple(data.draw(st.permutations(RETURN_RULES))),
    )
    assert got == expected


@SETTINGS
@given(visits=service_visits(), by=SHIFTS)
def test_moving_the_visits_by_whole_weeks_moves_the_return_visits(
    visits: list[ServiceRecord], by: timedelta
) -> None:
    def plan(as_of: datetime, v: list[ServiceRecord]) -> list[CareTask]:
        return plan_care(
            as_of=as_of, horizon_days=9, calendar=CALENDAR, visits=v, return_rules=RETURN_RULES
        )

    before = plan(PLAN_AS_OF, visits)
    after = plan(PLAN_AS_OF + by, [_shift(v, by) for v in visits])
    assert after == [attrs.evolve(_shift(t, by), due=t.due + by) for t in before]


def test_return_visits_on_one_task_key_keep_the_earlier_occasion_in_any_order() -> None:
    def visit(rid: str, service: str, day: int) -> ServiceRecord:
        at = datetime(2026, 12, day, 15, tzinfo=SHANGHAI)
        return ServiceRecord(id=rid, customer_id="c", at=at, service=service, staff_id="st-1")

    # A facial on Saturday the 26th (+3: Tuesday) and a massage on Sunday the
    # 27th (+2: Tuesday) give one key; the massage's occasion is as early, its visit later.
    facial, massage = visit("a", "facial", 26), visit("b", "massage", 27)
    peel = visit("c", "peel", 23)  # +4: Sunday the 27th, closed: due Monday the 28th
    plan = partial(
        plan_care,
        as_of=PLAN_AS_OF,
        horizon_days=7,
        calendar=CALENDAR,
        return_rules=RETURN_RULES,
    )
    for visits in ([facial, massage], [massage, facial]):
        (task,) = plan(visits=visits)
        assert (task.due, task.rule) == (date(2026, 12, 29), "facial")
    for visits in ([peel, visit("d", "massage", 26)], [visit("d", "massage", 26), peel]):
        (task,) = plan(visits=visits)
        # The peel's occasion (the 27th, moved on to the 28th) is before the massage's (the 28th).
        assert (task.due, task.rule) == (date(2026, 12, 28), "peel")


class _EveryDay:
    """A club open every day from midnight, in UTC, up to 31 December 9999."""

    zone = ZoneInfo("UTC")

    def is_business_day(self, day: date) -> bool:
        return True

    def next_opening(self, at: datetime) -> datetime:
        return at


def test_a_plan_may_reach_the_last_day_of_year_9999() -> None:
    everyday = _EveryDay()  # a BusinessCalendar answers up to year 9997 only
    as_of = datetime(9999, 12, 25, 8, tzinfo=UTC)
    tasks = plan_care(
        as_of=as_of, horizon_days=7, calendar=everyday, birthdays={"c": date(2000, 12, 31)}
    )
    assert [t.due for t in tasks] == [date(9999, 12, 31)]
    today = plan_care(
        as_of=datetime(9999, 12, 31, 8, tzinfo=UTC),
        horizon_days=1,
        calendar=everyday,
        birthdays={"c": date(2000, 12, 31)},
    )
    assert [t.due for t in today] == [date(9999, 12, 31)]


# --- care: surveys ---------------------------------------------------------------------------


QUESTIONNAIRE = Questionnaire(
    "q",
    [Question("s1", "service"), Question("s2", "service", 10), Question("p", "product", 3)],
    weights={"service": 3, "product": 1},
)


@st.composite
def survey_responses(draw: st.DrawFn) -> list[SurveyResponse]:
    # Around the club's new year: 16:00 UTC on 31 December is 1 January in Shanghai.
    hours = st.integers(-30, 30).map(
        lambda h: datetime(2026, 12, 31, 16, tzinfo=UTC) + timedelta(hours=h)
    )
    answers = st.fixed_dictionaries(
        {}, optional={"s1": st.integers(1, 5), "s2": st.integers(1, 10), "p": st.integers(1, 3)}
    )
    items = draw(
        st.lists(
            st.tuples(
                hours, answers, st.none() | st.integers(0, 10), st.sampled_from([None, "a", "b"])
            ),
            max_size=12,
        )
    )
    return [
        SurveyResponse(
            id=f"r-{i}",
            questionnaire_id="q",
            customer_id="c",
            at=at,
            answers=ans,
            nps=nps,
            staff_id=staff,
        )
        for i, (at, ans, nps, staff) in enumerate(items)
    ]


BY = st.sampled_from([("period",), ("staff",), ("dimension",), ("period", "staff", "dimension")])


@SETTINGS
@given(responses=survey_responses(), by=BY, data=st.data())
def test_survey_stats_ignore_order_and_responses_add_over_a_split(
    responses: list[SurveyResponse], by: tuple[str, ...], data: st.DataObject
) -> None:
    whole = aggregate_surveys(QUESTIONNAIRE, responses, zone=SHANGHAI, by=by)
    shuffled = data.draw(st.permutations(responses))
    assert aggregate_surveys(QUESTIONNAIRE, shuffled, zone=SHANGHAI, by=by) == whole
    cut = data.draw(st.integers(0, len(shuffled)))
    parts = [
        aggregate_surveys(QUESTIONNAIRE, shuffled[:cut], zone=SHANGHAI, by=by),
        aggregate_surveys(QUESTIONNAIRE, shuffled[cut:], zone=SHANGHAI, by=by),
    ]
    combined: dict[tuple[str, ...], int] = {}
    for part in parts:
        for key, stats in part.items():
            combined[key] = combined.get(key, 0) + stats.responses
    assert combined == {key: stats.responses for key, stats in whole.items()}


def test_the_clubs_new_year_opens_its_first_quarter() -> None:
    def at(when: datetime) -> tuple[str, ...]:
        r = SurveyResponse(
            id="r", questionnaire_id="q", customer_id="c", at=when, answers={"s1": 5}
        )
        return next(iter(aggregate_surveys(QUESTIONNAIRE, [r], zone=SHANGHAI)))

    assert at(datetime(2026, 12, 31, 15, 59, 59, 999999, tzinfo=UTC)) == ("2026-Q4",)
    assert at(datetime(2026, 12, 31, 16, tzinfo=UTC)) == ("2027-Q1",)


# --- tiering: RFM and windows ----------------------------------------------------------------


@SETTINGS
@given(values=st.lists(st.integers(0, 4), max_size=30), bins=st.integers(2, 6), data=st.data())
def test_quantile_ties_take_their_scores_in_input_order(
    values: list[int], bins: int, data: st.DataObject
) -> None:
    # Documented: ties are broken by input order. So a permutation gives each
    # value the same multiset of scores, handed out in input order.
    order = data.draw(st.permutations(range(len(values))))
    before = quantile_scores(values, bins)
    after = quantile_scores([values[i] for i in order], bins)

    def by_value(vals: list[int], scores: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for v, s in zip(vals, scores, strict=True):
            out.setdefault(v, []).append(s)
        return out

    expected = by_value(values, before)
    got = by_value([values[i] for i in order], after)
    assert got == expected  # the same scores, each tie group in input order (non-decreasing)
    assert all(group == sorted(group) for group in got.values())


@SETTINGS
@given(items=records(), by=SHIFTS, data=st.data())
def test_rfm_scores_ignore_order_with_thresholds_and_move_with_the_clock(
    items: list[ConsumptionRecord], by: timedelta, data: st.DataObject
) -> None:
    end = BASE + timedelta(days=31)
    summaries = list(summarize_activity(items, start=BASE, end=end, zone=SHANGHAI).values())
    thresholds = RfmThresholds(
        recency_days=(2, 5, 10, 20), frequency=(1, 2, 3, 5), monetary=(50, 100, 200, 400)
    )
    expected = rfm_scores(summaries, as_of=end, thresholds=thresholds)
    order = data.draw(st.permutations(range(len(summaries))))
    got = rfm_scores([summaries[i] for i in order], as_of=end, thresholds=thresholds)
    assert got == [expected[i] for i in order]
    moved = [_shift(s, by) for s in summaries]
    assert rfm_scores(moved, as_of=end + by, thresholds=thresholds) == expected
    assert rfm_scores(moved, as_of=end + by) == rfm_scores(summaries, as_of=end)


def test_a_calendar_year_window_opens_at_the_clubs_new_year() -> None:
    year = QualificationWindow(fixed_months=12)
    quarter = QualificationWindow(fixed_months=3)
    eve = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 on 31 December in Shanghai
    new = datetime(2026, 12, 31, 16, tzinfo=UTC)  # midnight: 2027 in Shanghai
    assert year.window(eve, SHANGHAI)[0] == datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert year.window(new, SHANGHAI)[0] == datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert quarter.window(eve, SHANGHAI)[0] == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    assert quarter.window(new, SHANGHAI)[0] == new


# --- privacy: the deletion schedule ----------------------------------------------------------


@st.composite
def consents(draw: st.DrawFn) -> list[ConsentRecord]:
    days = st.integers(0, 6).map(lambda d: BASE + timedelta(days=d))
    items = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["c-1", "c-2"]),
                st.sampled_from(["marketing", "service_delivery"]),
                st.sampled_from([{"phone"}, {"name"}, {"phone", "name"}]),
                days,
                st.none() | st.integers(0, 4),
                st.none() | st.integers(0, 4),
                st.sampled_from(ZONES),
            ),
            max_size=8,
        )
    )
    out = []
    for i, (cid, purpose, scope, given_day, withdrawn, expires, zone) in enumerate(items):
        given_at = given_day.astimezone(zone)
        out.append(
            ConsentRecord(
                f"k-{i}",
                cid,
                purpose,
                scope,
                given_at,
                withdrawn_at=None if withdrawn is None else given_at + timedelta(days=withdrawn),
                expires_at=None if expires is None else given_at + timedelta(days=expires),
            )
        )
    return out


RETENTION = [
    RetentionRule("phone", "marketing", timedelta(days=5)),
    RetentionRule("phone", "service_delivery", timedelta(days=3)),
    RetentionRule("name", "marketing", timedelta(0)),
]


@SETTINGS
@given(items=consents(), by=SHIFTS, data=st.data())
def test_the_deletion_schedule_ignores_order_and_moves_with_the_clock(
    items: list[ConsentRecord], by: timedelta, data: st.DataObject
) -> None:
    as_of = BASE + timedelta(days=12)
    expected = deletion_schedule(items, RETENTION, as_of=as_of)
    shuffled = data.draw(st.permutations(items))
    got = deletion_schedule(shuffled, data.draw(st.permutations(RETENTION)), as_of=as_of)
    assert got == expected
    assert [d.due_at.tzinfo for d in got] == [d.due_at.tzinfo for d in expected]
    moved = [_shift(c, by) for c in shuffled]
    assert deletion_schedule(moved, RETENTION, as_of=as_of + by) == [
        _shift(d, by) for d in expected
    ]


def test_the_deletion_reason_lists_the_consents_in_the_order_they_ended() -> None:
    t = datetime(2026, 12, 31, 16, tzinfo=UTC)
    late = ConsentRecord("k-1", "c", "marketing", {"phone"}, t, withdrawn_at=t + timedelta(days=2))
    early = ConsentRecord(
        "k-2", "c", "service_delivery", {"phone"}, t, expires_at=t + timedelta(days=1)
    )
    for given_order in ([late, early], [early, late]):
        (due,) = deletion_schedule(given_order, RETENTION, as_of=t + timedelta(days=30))
        assert (
            due.reason == "consent ended: k-2 (service_delivery) expired, k-1 (marketing) withdrawn"
        )
        assert due.due_at == t + timedelta(days=7)


# --- care: assignment ------------------------------------------------------------------------


@SETTINGS
@given(
    cids=st.lists(st.sampled_from(["c-1", "c-2", "c-3", "c-4", "c-5"]), max_size=12),
    given_to=st.lists(st.sampled_from([None, None, None, "st-a", "st-x"]), min_size=12),
    owners=st.dictionaries(st.sampled_from(["c-1", "c-2"]), st.sampled_from(["st-a", "st-b"])),
    data=st.data(),
)
def test_how_many_tasks_each_member_gets_does_not_depend_on_their_order(
    cids: list[str], given_to: list[str | None], owners: dict[str, str], data: st.DataObject
) -> None:
    at = datetime(2026, 12, 31, 2, tzinfo=UTC)
    tasks = [
        CareTask(
            customer_id=c,
            kind=CareKind.BIRTHDAY,
            due=date(2026, 12, 31),
            at=at,
            rule="birthday",
            assignee=who,
        )
        for c, who in zip(cids, given_to, strict=False)
    ]
    staff = ["st-a", "st-b", "st-c"]

    def counts(items: list[CareTask]) -> dict[str | None, int]:
        out: dict[str | None, int] = {}
        for t in assign_tasks(items, owners=owners, staff=staff):
            out[t.assignee] = out.get(t.assignee, 0) + 1
        return out

    assert counts(data.draw(st.permutations(tasks))) == counts(tasks)
