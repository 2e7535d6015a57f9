"""Results do not depend on the thread's `decimal` context, which the library never changes.

An application that lowers the precision (`decimal.getcontext().prec = 6`),
narrows the exponent range, rounds down or traps `Inexact` must get the
same scores, totals, rates, drops, means and texts as under Python's
defaults (the oracle), and must find its context as it left it: the same
object with the same settings.

Also found on the way, and wrong under the defaults too:

- a churn warning's spend drop took `decimal.InvalidOperation` once spend
  grew so much that the drop had more than 28 digits (it is exact now);
- `percentile` of Decimal values raised `TypeError` (a float times a
  Decimal), and of values beyond a float's range `OverflowError`;
- a survey weight of 10**18 or more overflowed Decimal's exponent range in
  the weighted score (`decimal.Overflow`): refused now (rule `too_large`).
"""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal, getcontext, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar, cast

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.care import (
    ChurnRule,
    ChurnWarning,
    Question,
    Questionnaire,
    SurveyResponse,
    aggregate_surveys,
    scan_churn,
    scan_churn_columns,
)
from clubrules.complaints import percentile
from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    spend_by_customer,
    total_spend,
)
from clubrules.errors import ValidationError
from clubrules.money import Money
from clubrules.staff import (
    AssessmentInputs,
    AssessmentPeriod,
    Kpi,
    KpiScoring,
    LinearScale,
    Rubric,
    assess,
    seed_rubric,
    team_report,
)
from clubrules.testing.strategies import assessment_inputs, consumption_records, rubrics
from clubrules.tiering import (
    ActivitySummary,
    QualificationWindow,
    ReviewSchedule,
    TierMetric,
    TierProgram,
    TierStatus,
    quantile_scores,
    summarize_activity,
)
from clubrules.training import QuarterBudget, TrainingKind, TrainingSession, spend_against_budget
from clubrules.words import message

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

T = TypeVar("T")

HOSTILE_TRAPS = [decimal.Inexact, decimal.Rounded, decimal.Subnormal, decimal.Underflow]


def _hostile(prec: int, emax: int, rounding: str, strict: bool, capitals: int) -> Context:
    traps = [decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
    return Context(
        prec=prec,
        rounding=rounding,
        Emax=emax,
        Emin=-emax,
        capitals=capitals,
        traps=traps + (HOSTILE_TRAPS if strict else []),
    )


CONTEXTS = st.builds(
    _hostile,
    prec=st.integers(min_value=1, max_value=8),
    emax=st.sampled_from([2, 3, 5, 10, decimal.MAX_EMAX]),
    rounding=st.sampled_from(
        [decimal.ROUND_DOWN, decimal.ROUND_CEILING, decimal.ROUND_FLOOR, decimal.ROUND_UP]
    ),
    strict=st.booleans(),
    capitals=st.sampled_from([0, 1]),
)
NASTIEST = _hostile(1, 2, decimal.ROUND_DOWN, strict=True, capitals=0)


def _settings(context: Context) -> tuple[object, ...]:
    traps = frozenset(signal for signal, on in context.traps.items() if on)
    return (context.prec, context.rounding, context.Emin, context.Emax, context.capitals, traps)


def under(context: Context, call: Callable[[], T]) -> T:
    """`call()` in `context`, which must still be the thread's, with the same settings, after."""
    with localcontext(context) as inner:
        before = _settings(inner)
        result = call()
        assert getcontext() is inner
        assert _settings(inner) == before
    return result


def oracle(call: Callable[[], T]) -> T:
    """`call()` under Python's default context."""
    with localcontext(Context()):
        return call()


# --- staff: rubrics, scores, reports, rates --------------------------------

MARCH = AssessmentPeriod.monthly(2026, 3)
APRIL = AssessmentPeriod.monthly(2026, 4)


@st.composite
def _rubric_and_inputs(draw: st.DrawFn) -> tuple[Rubric, AssessmentInputs, AssessmentInputs]:
    rubric = draw(rubrics())
    return rubric, draw(assessment_inputs(rubric)), draw(assessment_inputs(rubric))


@settings(max_examples=60)
@given(drawn=_rubric_and_inputs(), context=CONTEXTS)
def test_staff_scores_and_reports_ignore_the_thread_context(
    drawn: tuple[Rubric, AssessmentInputs, AssessmentInputs], context: Context
) -> None:
    rubric, march_inputs, april_inputs = drawn

    def run() -> object:
        # Rebuilding runs every check again (weights summing to 100 included).
        again = attrs.evolve(rubric)
        sheets = [
            assess(again, inputs, sheet_id=f"a-{i}", staff_id="s-1", period=period, as_of=end)
            for i, (inputs, period, end) in enumerate(
                [
                    (march_inputs, MARCH, datetime(2026, 4, 2, tzinfo=UTC)),
                    (april_inputs, APRIL, datetime(2026, 5, 2, tzinfo=UTC)),
                ]
            )
        ]
        return sheets, team_report(sheets)

    def outcome() -> object:
        try:
            return run()
        except ValidationError as error:  # every item excluded: the same error in any context
            return str(error)

    assert under(context, outcome) == oracle(outcome)


@given(context=CONTEXTS)
def test_the_seed_rubric_and_its_texts_ignore_the_thread_context(context: Context) -> None:
    def run() -> object:
        rubric = seed_rubric()
        texts = [
            item.method.scale.describe()
            for _, item in rubric.all_items()
            if isinstance(item.method, KpiScoring)
        ]
        return rubric, texts, LinearScale(floor="0.8125", target="0.9375").describe()

    assert under(context, run) == oracle(run)


@given(
    numerator=st.integers(0, 10**12),
    extra=st.integers(0, 10**12),
    context=CONTEXTS,
)
def test_a_kpi_rate_has_28_digits_in_any_context(
    numerator: int, extra: int, context: Context
) -> None:
    kpi = Kpi(numerator, numerator + extra + 1)
    assert under(context, lambda: kpi.rate) == oracle(lambda: kpi.rate)
    rate = oracle(lambda: kpi.rate)
    assert rate is not None
    assert under(context, lambda: Kpi.from_rate(rate)) == Kpi.from_rate(rate)


# --- customers and tiering: spend totals --------------------------------------

BIG_AMOUNTS = st.decimals(
    min_value=0, max_value=Decimal(10**14), places=10, allow_nan=False, allow_infinity=False
)
RECORDS = st.lists(
    st.tuples(consumption_records(), BIG_AMOUNTS).map(
        lambda pair: attrs.evolve(pair[0], amount=Money(pair[1]))
    ),
    max_size=12,
)
START = datetime(1990, 1, 1, tzinfo=UTC)
END = datetime(2100, 1, 1, tzinfo=UTC)


@settings(max_examples=60)
@given(records=RECORDS, context=CONTEXTS)
def test_spend_totals_ignore_the_thread_context(
    records: list[ConsumptionRecord], context: Context
) -> None:
    def run() -> tuple[dict[str, Money], Money, dict[str, ActivitySummary]]:
        return (
            spend_by_customer(records),
            total_spend(records),
            summarize_activity(records, start=START, end=END, zone=UTC),
        )

    result = under(context, run)
    assert result == oracle(run)
    by_customer, total, summaries = result
    # Exact: the total is every purchase less every refund, customer by customer.
    net: dict[str, Decimal] = {}
    for r in records:
        if r.kind is not ConsumptionKind.REDEMPTION:
            sign = 1 if r.kind is ConsumptionKind.PURCHASE else -1
            net[r.customer_id] = net.get(r.customer_id, Decimal(0)) + sign * r.amount.amount
    assert {c: m.amount for c, m in by_customer.items()} == {
        c: max(v, Decimal(0)) for c, v in net.items()
    }
    assert total.amount == sum((max(v, Decimal(0)) for v in net.values()), Decimal(0))
    assert {c: s.spend for c, s in summaries.items() if c in by_customer} == by_customer


@given(
    values=st.lists(BIG_AMOUNTS, min_size=1, max_size=30),
    context=CONTEXTS,
)
def test_rfm_scores_and_tiers_of_decimal_spend_ignore_the_thread_context(
    values: list[Decimal], context: Context
) -> None:
    program = TierProgram(
        tiers=[("basic", 0), ("silver", Decimal("1000.5"), 800), ("gold", 10**9, 10**8)],
        metric=TierMetric.SPEND,
        window=QualificationWindow(trailing_days=365),
        reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=12),
        zone=UTC,
    )
    status = TierStatus(customer_id="c-1", tier="basic", since=datetime(2025, 1, 1, tzinfo=UTC))
    as_of = datetime(2026, 3, 1, tzinfo=UTC)

    def run() -> object:
        decisions = [program.decide(status, v, as_of=as_of) for v in values]
        batch = program.decide_many([0] * len(values), values, review=True)
        return quantile_scores(values), decisions, list(batch.tiers)

    assert under(context, run) == oracle(run)


# --- care: churn drops and survey means ----------------------------------------

AS_OF = datetime(2026, 6, 1, 9, tzinfo=UTC)
RULE = ChurnRule(baseline_days=90, recent_days=30, min_baseline_visits=1)


def _pair(bv: int, rv: int, bs: Decimal, rs: Decimal) -> tuple[ActivitySummary, ActivitySummary]:
    b_start, r_start, end = RULE.windows(AS_OF)
    first = b_start - timedelta(days=30)
    b = ActivitySummary(
        customer_id="c-1",
        start=b_start,
        end=r_start,
        visits=bv,
        spend=Money(bs),
        first_visit=first,
        last_visit=r_start - timedelta(hours=1),
    )
    r = ActivitySummary(
        customer_id="c-1",
        start=r_start,
        end=end,
        visits=rv,
        spend=Money(rs),
        first_visit=first,
        last_visit=end - timedelta(hours=1) if rv else b.last_visit,
    )
    return b, r


SPENDS = st.one_of(
    BIG_AMOUNTS,
    st.decimals(min_value=0, max_value=Decimal(10**18) - 1, places=0),
    st.sampled_from([Decimal("1E-10"), Decimal("0.0000000003"), Decimal(0)]),
)


@settings(max_examples=80)
@given(
    bv=st.integers(1, 60),
    rv=st.integers(0, 60),
    bs=SPENDS,
    rs=SPENDS,
    context=CONTEXTS,
)
def test_churn_drops_ignore_the_thread_context_and_are_exact(
    bv: int, rv: int, bs: Decimal, rs: Decimal, context: Context
) -> None:
    b, r = _pair(bv, rv, bs, rs)

    def run() -> list[ChurnWarning]:
        return scan_churn(RULE, baseline={"c-1": b}, recent={"c-1": r}, as_of=AS_OF)

    warnings = under(context, run)
    assert warnings == oracle(run)
    for w in warnings:
        # The oracle: the exact fraction, rounded half to even to four places.
        exact = 1 - (Fraction(rv) * 90) / (bv * 30)
        assert w.visit_drop == Decimal(round(exact * 10_000)) / 10_000
        if bs > 0:
            assert w.spend_drop is not None
            spend = 1 - (Fraction(rs) * 90) / (Fraction(bs) * 30)
            assert w.spend_drop == Decimal(round(spend * 10_000)).scaleb(-4, Context(prec=60))
        else:
            assert w.spend_drop is None


def test_a_spend_that_grew_a_billionfold_has_an_exact_drop() -> None:
    b, r = _pair(10, 1, Decimal("1E-10"), Decimal(10**18 - 1))
    [warning] = scan_churn(RULE, baseline={"c-1": b}, recent={"c-1": r}, as_of=AS_OF)
    assert warning.spend_drop == Decimal("-29999999999999999969999999999.0000")
    assert "70%" in warning.message


@given(context=CONTEXTS)
def test_the_column_scan_ignores_the_thread_context(context: Context) -> None:
    def run() -> object:
        return scan_churn_columns(
            RULE,
            as_of=AS_OF,
            customer_ids=["c-1", "c-2"],
            first_visit_us=[0, 0],
            baseline_visits=[30, 12],
            recent_visits=[1, 0],
            baseline_spend=[12_345_678_901, 7],
            recent_spend=[3, 10**15],
        )

    assert under(context, run) == oracle(run)


Q = Questionnaire(
    "q",
    [Question("s1", "service"), Question("s2", "service"), Question("p", "product", scale=10)],
    weights={"service": Decimal("0.333333333333"), "product": 7},
)
ANSWERS = st.fixed_dictionaries(
    {"s1": st.integers(1, 5), "s2": st.integers(1, 5), "p": st.integers(1, 10)}
)


@given(
    answers=st.lists(st.tuples(ANSWERS, st.none() | st.integers(0, 10)), min_size=1, max_size=9),
    context=CONTEXTS,
)
def test_survey_means_and_scores_ignore_the_thread_context(
    answers: list[tuple[dict[str, int], int | None]], context: Context
) -> None:
    responses = [
        SurveyResponse(
            id=f"r{i}",
            questionnaire_id="q",
            customer_id=f"c-{i}",
            at=datetime(2026, 2, 1, tzinfo=UTC),
            answers=given_answers,
            nps=nps,
            staff_id="st-1" if i % 2 else None,
        )
        for i, (given_answers, nps) in enumerate(answers)
    ]

    def run() -> object:
        return aggregate_surveys(Q, responses, zone=UTC, by=("period", "staff", "dimension"))

    assert under(context, run) == oracle(run)


@pytest.mark.parametrize(
    "weight", [10**18, Decimal("9E+999999"), 10**1_000_000], ids=["1e18", "9E+999999", "1e1000000"]
)
def test_a_survey_weight_of_10_to_the_18_or_more_is_refused(weight: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Questionnaire("q", [Question("s", "service")], weights={"service": weight})
    assert caught.value.violations[0].rule == "too_large"
    assert caught.value.violations[0].field == "weights[service]"


def test_the_largest_survey_weights_score_without_overflow() -> None:
    q = Questionnaire(
        "q",
        [Question("s", "service"), Question("p", "product")],
        weights={"service": Decimal(10**18 - 1), "product": Decimal("1E-999999")},
    )
    r = SurveyResponse(
        id="r1",
        questionnaire_id="q",
        customer_id="c-1",
        at=datetime(2026, 2, 1, tzinfo=UTC),
        answers={"s": 4, "p": 2},
    )
    [stats] = aggregate_surveys(q, [r], zone=UTC).values()
    assert stats.score == Decimal("75.00")


# --- complaints: percentiles of Decimals ---------------------------------------


@given(
    values=st.lists(
        st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False),
        min_size=1,
        max_size=20,
    ),
    fraction=st.sampled_from([0, 0.1, 0.5, 0.9, 1, Decimal("0.25")]),
    context=CONTEXTS,
)
def test_a_percentile_of_decimals_is_a_float_in_any_context(
    values: list[Decimal], fraction: float, context: Context
) -> None:
    ordered = sorted(values)
    floats = cast("list[float]", ordered)  # percentile takes Decimals too
    result = under(context, lambda: percentile(floats, fraction))
    assert isinstance(result, float)
    as_floats = percentile([float(v) for v in ordered], fraction)
    assert as_floats is not None
    assert result == pytest.approx(as_floats, rel=1e-9, abs=1e-6)
    assert float(ordered[0]) <= result <= float(ordered[-1])


@pytest.mark.parametrize("values", [[Decimal("1E+400"), Decimal("2E+400")], [10**400]])
def test_a_percentile_beyond_a_float_is_a_validation_error(values: list[object]) -> None:
    with pytest.raises(ValidationError) as caught:
        percentile(values, 0.5)  # type: ignore[arg-type]
    assert caught.value.violations[0].rule == "out_of_range"


# --- training budgets and words -------------------------------------------------


@given(costs=st.lists(BIG_AMOUNTS, max_size=8), context=CONTEXTS)
def test_training_spend_against_budget_ignores_the_thread_context(
    costs: list[Decimal], context: Context
) -> None:
    sessions = [
        TrainingSession(
            id=f"t-{i}",
            kind=TrainingKind.SAFETY,
            topic="first aid",
            method="external",
            start=datetime(2026, 2, 1, 9, tzinfo=UTC),
            end=datetime(2026, 2, 1, 11, tzinfo=UTC),
            cost=Money(cost),
        )
        for i, cost in enumerate(costs)
    ]
    budgets = [QuarterBudget(year=2026, quarter=1, amount=Money("123456789.0123456789"))]

    def run() -> object:
        return spend_against_budget(budgets, sessions, zone=UTC)

    assert under(context, run) == oracle(run)


def test_a_decimal_in_a_message_is_written_as_pythons_defaults_write_it() -> None:
    def run() -> str:
        return message("staff.no_events.neutral", neutral=Decimal("1E+1"), max=Decimal("20.00"))

    assert under(NASTIEST, run) == oracle(run)
    assert "1E+1" in oracle(run)


# --- booking rates, activity figures, SQLite spend sums, CLI amounts ----------------
# Each reruns a scenario of the area's own tests, whose exact expectations are the
# oracle, under the harshest context: nothing may round, trap or change it.


def _harshest() -> Context:
    return _hostile(1, 2, decimal.ROUND_DOWN, strict=True, capitals=0)


def test_booking_success_rates_ignore_the_thread_context() -> None:
    from tests.unit.booking.test_codes_reminders_rate import (  # noqa: PLC0415
        test_success_rate_counts_outcomes as scenario,
    )

    under(_harshest(), scenario)


def test_activity_figures_ignore_the_thread_context() -> None:
    from tests.unit.activities.test_schedule_and_figures import (  # noqa: PLC0415
        test_figures_count_the_roster_and_compare_spend_with_the_uninvited as scenario,
    )

    under(_harshest(), scenario)


def test_sqlite_spend_sums_ignore_the_thread_context(tmp_path: Path) -> None:
    from clubrules.storage.sqlite import (  # noqa: PLC0415
        SQLiteActivityRepository,
        SQLiteConsumptionRepository,
        SQLiteDatabase,
    )

    db = SQLiteDatabase(tmp_path / "club.db")
    db.migrate()
    ledger = SQLiteConsumptionRepository(db)
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    for i, amount in enumerate(["1280.5", "0.0000000001", "999999999999.99", "12.345"]):
        ledger.add(
            ConsumptionRecord(
                id=f"r-{i}", customer_id="c-1", at=at, service="facial", amount=Money(amount)
            )
        )
    activity = SQLiteActivityRepository(db, zone=UTC)
    window = {"start": at - timedelta(days=1), "end": at + timedelta(days=1)}
    expected = oracle(lambda: activity.summary("c-1", **window))
    assert expected.spend == Money("1000000001292.8350000001")
    assert under(_harshest(), lambda: activity.summary("c-1", **window)) == expected
    db.close()


def test_cli_amounts_ignore_the_thread_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.test_cli_customers import (  # noqa: PLC0415
        test_one_customer_and_amounts_echoed_with_two_places as scenario,
    )

    under(_harshest(), lambda: scenario(tmp_path, capsys))
