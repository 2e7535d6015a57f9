"""Score sheets: complete, explainable, exact, and checked against a slow Fraction oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import NaiveDatetimeError, PeriodNotEndedError, ValidationError
from clubrules.staff import (
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Criterion,
    EvaluationScoring,
    Kpi,
    KpiScoring,
    LinearScale,
    ManualScore,
    ManualScoring,
    NoEventsRule,
    Rubric,
    ScoreSheet,
    SteppedScale,
    SubItem,
    assess,
    seed_rubric,
)
from clubrules.testing.strategies import assessment_inputs, rubrics

MARCH = AssessmentPeriod.monthly(2026, 3)
AFTER = datetime(2026, 4, 2, 10, tzinfo=UTC)
MANUAL = (
    "responsibility",
    "teamwork",
    "service_knowledge",
    "answer_accuracy",
    "booking_handling",
    "complaint_handling",
)


def seed_inputs(**changes: object) -> AssessmentInputs:
    fields: dict[str, object] = {
        "manual": {key: ManualScore(points=Decimal(8), by="sup-1") for key in MANUAL},
        "kpis": {
            "satisfaction_rate": Kpi(40, 45),
            "booking_success_rate": Kpi(47, 50),
            "complaint_timeliness_rate": Kpi(9, 10),
        },
        "evaluations": (5, 4, 5),
    }
    fields.update(changes)
    return AssessmentInputs(**fields)


def score(rubric: Rubric | None = None, inputs: AssessmentInputs | None = None) -> ScoreSheet:
    return assess(
        rubric or seed_rubric(),
        inputs or seed_inputs(),
        sheet_id="a-1",
        staff_id="s-1",
        period=MARCH,
        as_of=AFTER,
    )


def half_up(value: Fraction) -> Decimal:
    return Decimal((value * 100 + Fraction(1, 2)).__floor__()) / 100


def test_a_seed_sheet_line_by_line() -> None:
    sheet = score()
    points = {line.item: line.points for line in sheet.lines}
    assert points == {
        "service_awareness": Decimal("9.17"),  # mean 4.67 of 1-5: 11/12 of 10
        "responsibility": 8,
        "teamwork": 8,
        "service_knowledge": 8,
        "answer_accuracy": 8,
        "booking_handling": 8,
        "complaint_handling": 8,
        "satisfaction": Decimal("8.25"),  # 40/45 on 60%-95%: 0.8254 of 10
        "booking_success": Decimal("9.60"),  # 47/50 on 70%-95%: 0.96 of 10
        "complaint_timeliness": 8,  # 90% reaches the 8-point step
    }
    assert [(c.key, str(c.points)) for c in sheet.criteria] == [
        ("attitude", "25.17"),
        ("capability", "32.00"),
        ("performance", "25.85"),
    ]
    assert sheet.total == Decimal("83.02")
    assert sheet.band == "good"
    assert not sheet.failed
    assert sheet.rubric_id == "customer-service"
    assert sheet.rubric_version == 1
    line = sheet.line("booking_success")
    assert line.source.startswith("KPI booking_success_rate 47/50 = 94.00%")
    assert "linear from 70% (0) to 95% (full)" in line.source
    assert sheet.line("teamwork").source == "manual, by sup-1"
    assert "3 customer evaluation(s), mean 4.67" in sheet.line("service_awareness").source


def test_explain_prints_every_line_and_the_total() -> None:
    text = score().explain()
    assert "Score sheet a-1: s-1, 2026-03 (periodic), rubric customer-service v1" in text
    assert "Booking success rate: 9.60 / 10.00  <- KPI booking_success_rate 47/50" in text
    assert "Work performance: 25.85 / 30.00" in text
    assert text.endswith("Total: 83.02 / 100 -> good")


def test_no_events_neutral_gives_the_stated_points_and_says_so() -> None:
    kpis = {**seed_inputs().kpis, "satisfaction_rate": Kpi.no_events()}
    line = score(inputs=seed_inputs(kpis=kpis)).line("satisfaction")
    assert line.points == 6
    assert line.no_events is NoEventsRule.NEUTRAL
    assert "no events in the period: neutral 6" in line.source


def test_no_events_full_marks_gives_the_maximum_and_says_so() -> None:
    kpis = {**seed_inputs().kpis, "complaint_timeliness_rate": Kpi.no_events()}
    line = score(inputs=seed_inputs(kpis=kpis)).line("complaint_timeliness")
    assert line.points == 10
    assert line.no_events is NoEventsRule.FULL_MARKS
    assert "full marks" in line.source


def test_no_events_exclude_shares_the_weight_within_the_criterion() -> None:
    kpis = {**seed_inputs().kpis, "booking_success_rate": Kpi.no_events()}
    sheet = score(inputs=seed_inputs(kpis=kpis))
    excluded = sheet.line("booking_success")
    assert excluded.excluded
    assert excluded.points == excluded.effective_max == 0
    assert "excluded" in excluded.source
    assert sheet.line("satisfaction").effective_max == 15
    assert sheet.line("complaint_timeliness").effective_max == 15
    assert sheet.line("complaint_timeliness").points == 12  # 8 of 10 -> 12 of 15
    performance = sheet.criteria[2]
    assert performance.effective_max == performance.max_points == 30


def test_too_few_evaluations_follow_the_items_rule() -> None:
    sheet = score(inputs=seed_inputs(evaluations=()))
    assert sheet.line("service_awareness").excluded
    assert "0 customer evaluation(s)" in sheet.line("service_awareness").source
    assert sheet.line("responsibility").effective_max == 15
    assert sheet.line("responsibility").points == 12


def _all_kpi_rubric() -> Rubric:
    def kpi_item(key: str, weight: int) -> SubItem:
        return SubItem(
            key=key,
            name=key,
            max_points=weight,
            method=KpiScoring(kpi=key, scale=LinearScale(floor=0, target=1)),
        )

    return Rubric(
        id="kpi-only",
        criteria=[
            Criterion(key="a", name="A", max_points=30, sub_items=[kpi_item("a1", 30)]),
            Criterion(
                key="b", name="B", max_points=70, sub_items=[kpi_item("b1", 35), kpi_item("b2", 35)]
            ),
        ],
    )


def test_a_whole_criterion_excluded_shares_its_weight_with_the_others() -> None:
    rubric = _all_kpi_rubric()
    inputs = AssessmentInputs(kpis={"a1": Kpi.no_events(), "b1": Kpi(1, 2), "b2": Kpi(1, 1)})
    sheet = score(rubric, inputs)
    assert [(c.key, str(c.effective_max)) for c in sheet.criteria] == [
        ("a", "0.00"),
        ("b", "100.00"),
    ]
    assert sheet.line("b1").effective_max == sheet.line("b2").effective_max == 50
    assert sheet.total == 75


def test_nothing_left_to_score_is_an_error() -> None:
    rubric = _all_kpi_rubric()
    inputs = AssessmentInputs(kpis={k: Kpi.no_events() for k in ("a1", "b1", "b2")})
    with pytest.raises(ValidationError) as caught:
        score(rubric, inputs)
    assert caught.value.rule == "nothing_to_score"


def test_a_sub_item_above_its_maximum_is_refused() -> None:
    manual = {**seed_inputs().manual, "teamwork": ManualScore(points=Decimal("10.01"), by="s")}
    with pytest.raises(ValidationError) as caught:
        score(inputs=seed_inputs(manual=manual))
    assert (caught.value.field, caught.value.rule) == ("manual.teamwork", "above_maximum")


def test_a_negative_score_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        ManualScore(points=Decimal("-0.5"), by="sup-1")
    assert (caught.value.field, caught.value.rule) == ("points", "negative")


def test_scores_finer_than_a_hundredth_or_floats_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        ManualScore(points=Decimal("7.125"), by="sup-1")
    assert caught.value.rule == "too_precise"
    with pytest.raises(ValidationError) as caught:
        ManualScore(points=7.5, by="sup-1")
    assert caught.value.rule == "not_exact"


def test_an_assessment_of_a_period_that_has_not_ended_is_refused() -> None:
    with pytest.raises(PeriodNotEndedError) as caught:
        assess(
            seed_rubric(),
            seed_inputs(),
            sheet_id="a-1",
            staff_id="s-1",
            period=MARCH,
            as_of=MARCH.end - timedelta(microseconds=1),
        )
    assert (caught.value.field, caught.value.rule) == ("period", "period_not_ended")
    # At the very end instant, the period is over.
    assess(seed_rubric(), seed_inputs(), sheet_id="a", staff_id="s", period=MARCH, as_of=MARCH.end)


def test_a_naive_as_of_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        assess(
            seed_rubric(),
            seed_inputs(),
            sheet_id="a-1",
            staff_id="s-1",
            period=MARCH,
            as_of=datetime(2026, 4, 2),  # noqa: DTZ001 - the point of the test
        )


def test_every_input_problem_is_reported_together() -> None:
    manual = dict(seed_inputs().manual)
    del manual["teamwork"]
    manual["team_work"] = ManualScore(points=Decimal(5), by="sup-1")
    manual["responsibility"] = ManualScore(points=Decimal(11), by="sup-1")
    kpis = dict(seed_inputs().kpis)
    del kpis["booking_success_rate"]
    inputs = seed_inputs(manual=manual, kpis=kpis, evaluations=(5, 6, 0))
    with pytest.raises(ValidationError) as caught:
        score(inputs=inputs)
    found = {(v.field, v.rule) for v in caught.value.violations}
    assert found == {
        ("manual.team_work", "unknown_item"),
        ("manual.teamwork", "missing_score"),
        ("manual.responsibility", "above_maximum"),
        ("kpis.booking_success_rate", "missing_kpi"),
        ("evaluations", "rating_out_of_range"),
    }


def test_a_periodic_assessment_needs_a_cycle() -> None:
    start = datetime(2026, 3, 10, tzinfo=UTC)
    spot = AssessmentPeriod(start=start, end=start + timedelta(days=3), label="spot check")
    with pytest.raises(ValidationError) as caught:
        assess(seed_rubric(), seed_inputs(), sheet_id="a", staff_id="s", period=spot, as_of=AFTER)
    assert caught.value.rule == "not_a_cycle"
    ad_hoc = assess(
        seed_rubric(),
        seed_inputs(),
        sheet_id="a",
        staff_id="s",
        period=spot,
        as_of=AFTER,
        kind=AssessmentKind.AD_HOC,
    )
    assert ad_hoc.kind is AssessmentKind.AD_HOC


def test_a_sheet_that_does_not_add_up_cannot_exist() -> None:
    sheet = score()
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(sheet, total=sheet.total + Decimal("0.01"))
    assert caught.value.rule == "inconsistent_sheet"


def test_monthly_periods() -> None:
    march = AssessmentPeriod.monthly(2026, 3, "Asia/Shanghai")
    assert march.start.isoformat() == "2026-03-01T00:00:00+08:00"
    assert march.end.isoformat() == "2026-04-01T00:00:00+08:00"
    december = AssessmentPeriod.monthly(2026, 12)
    assert december.end.year == 2027
    assert AssessmentPeriod.monthly(2027, 1).cycle == december.cycle + 1  # type: ignore[operator]
    quarter = AssessmentPeriod.monthly(2026, 4, months=3)
    assert (quarter.label, quarter.end.month) == ("2026-04+3m", 7)
    with pytest.raises(ValidationError):
        AssessmentPeriod.monthly(2026, 5, months=3)
    with pytest.raises(ValidationError):
        AssessmentPeriod.monthly(2026, 13)


# --- the oracle --------------------------------------------------------------


def _oracle_share(item: SubItem, inputs: AssessmentInputs) -> Fraction | None:
    """The exact fraction of the item's maximum earned, or None if excluded: the slow way."""
    method = item.method
    maximum = Fraction(item.max_points)
    if isinstance(method, ManualScoring):
        return Fraction(inputs.manual[item.key].points) / maximum
    if isinstance(method, KpiScoring):
        kpi = inputs.kpis[method.kpi]
        if kpi.denominator == 0:
            rule = method.no_events
        else:
            rate = Fraction(kpi.numerator, kpi.denominator)
            if isinstance(method.scale, SteppedScale):
                steps = [s for s in method.scale.steps if Fraction(s.min_rate) <= rate]
                return Fraction(steps[-1].points) / maximum
            floor, target = Fraction(method.scale.floor), Fraction(method.scale.target)
            return min(max((rate - floor) / (target - floor), Fraction(0)), Fraction(1))
    else:
        assert isinstance(method, EvaluationScoring)
        ratings = inputs.evaluations
        if len(ratings) >= method.min_count:
            mean = Fraction(sum(ratings), len(ratings))
            return (mean - method.scale_min) / (method.scale_max - method.scale_min)
        rule = method.no_events
    if rule is NoEventsRule.FULL_MARKS:
        return Fraction(1)
    if rule is NoEventsRule.NEUTRAL:
        return Fraction(item.neutral_points) / maximum
    return None


@given(st.data())
def test_sheets_agree_with_the_oracle_and_add_up(data: st.DataObject) -> None:
    rubric = data.draw(rubrics())
    inputs = data.draw(assessment_inputs(rubric))
    shares = {item.key: _oracle_share(item, inputs) for _, item in rubric.all_items()}
    if all(share is None for share in shares.values()):
        with pytest.raises(ValidationError):
            score(rubric, inputs)
        return
    sheet = score(rubric, inputs)

    # The total always equals the sum of its parts, and stays within 0-100.
    assert (
        sheet.total
        == sum(c.points for c in sheet.criteria)
        == sum(line.points for line in sheet.lines)
    )
    for subtotal in sheet.criteria:
        own = [line for line in sheet.lines if line.criterion == subtotal.key]
        assert subtotal.points == sum(line.points for line in own)
        assert sum(line.effective_max for line in own) == subtotal.effective_max
    assert Decimal(0) <= sheet.total <= 100
    assert sum(c.effective_max for c in sheet.criteria) == 100
    assert sheet.band == rubric.bands.band_for(sheet.total).name

    # Each effective maximum is within a cent of the exact proportional share,
    # and each line's points are its exact share of it, rounded half up.
    live = [c for c in rubric.criteria if any(shares[i.key] is not None for i in c.sub_items)]
    live_weight = sum(Fraction(c.max_points) for c in live)
    for criterion in rubric.criteria:
        weight = Fraction(criterion.max_points) * 100 / live_weight if criterion in live else 0
        kept = [i for i in criterion.sub_items if shares[i.key] is not None]
        kept_max = sum(Fraction(i.max_points) for i in kept)
        for item in criterion.sub_items:
            line = sheet.line(item.key)
            share = shares[item.key]
            assert line.points <= line.effective_max
            if share is None:
                assert line.excluded
                assert line.effective_max == line.points == 0
                continue
            exact_max = weight * Fraction(item.max_points) / kept_max
            # A cent per apportionment: one for the item, one more if criteria were reweighted.
            tolerance = Fraction(1 if len(live) == len(rubric.criteria) else 2, 100)
            assert abs(Fraction(line.effective_max) - exact_max) < tolerance
            assert line.points == half_up(share * Fraction(line.effective_max))
