"""Rubrics: weights in exact Decimal, sub-items, scoring methods, and the seed rubric."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

from clubrules.errors import InvalidRubricError, ValidationError
from clubrules.staff import (
    BOOKING_SUCCESS_RATE,
    COMPLAINT_TIMELINESS_RATE,
    SATISFACTION_RATE,
    Band,
    BandOutcome,
    BandScheme,
    Criterion,
    EvaluationScoring,
    KpiScoring,
    LinearScale,
    ManualScoring,
    MissingCycle,
    NoEventsRule,
    Rubric,
    Step,
    SteppedScale,
    SubItem,
    seed_rubric,
)
from clubrules.testing.strategies import rubrics


def _criterion(key: str, weight: str, parts: tuple[str, ...] | None = None) -> Criterion:
    parts = parts or (weight,)
    return Criterion(
        key=key,
        name=key,
        max_points=Decimal(weight),
        sub_items=[
            SubItem(key=f"{key}_{i}", name=f"{key} {i}", max_points=Decimal(p))
            for i, p in enumerate(parts)
        ],
    )


def test_the_seed_rubric_is_30_40_30() -> None:
    rubric = seed_rubric()
    assert [(c.key, str(c.max_points)) for c in rubric.criteria] == [
        ("attitude", "30"),
        ("capability", "40"),
        ("performance", "30"),
    ]
    assert sum(c.max_points for c in rubric.criteria) == 100
    performance = rubric.criteria[2]
    assert [i.key for i in performance.sub_items] == [
        "satisfaction",
        "booking_success",
        "complaint_timeliness",
    ]
    assert rubric.kpis == {SATISFACTION_RATE, BOOKING_SUCCESS_RATE, COMPLAINT_TIMELINESS_RATE}
    methods = {i.key: i.method.method for _, i in rubric.all_items()}
    assert methods["service_awareness"] == "evaluations"
    assert methods["teamwork"] == "manual"
    # Each no-events rule appears once in the seed, so the docs can show all three.
    rules = {
        i.key: i.method.no_events for _, i in rubric.all_items() if isinstance(i.method, KpiScoring)
    }
    assert rules == {
        "satisfaction": NoEventsRule.NEUTRAL,
        "booking_success": NoEventsRule.EXCLUDE,
        "complaint_timeliness": NoEventsRule.FULL_MARKS,
    }
    assert rubric.missing_cycle is MissingCycle.SKIPPED
    assert rubric.ad_hoc_in_chain is False


@pytest.mark.parametrize(("last", "total"), [("29.99", "99.99"), ("30.01", "100.01")])
def test_weights_off_by_one_hundredth_are_refused(last: str, total: str) -> None:
    with pytest.raises(InvalidRubricError) as caught:
        Rubric(
            id="r",
            criteria=[
                _criterion("a", "30"),
                _criterion("b", "40"),
                _criterion("c", last),
            ],
        )
    assert caught.value.rule == "weights_sum"
    assert total in str(caught.value)
    assert isinstance(caught.value, ValidationError)


def test_float_weights_are_refused_even_when_they_look_right() -> None:
    with pytest.raises(InvalidRubricError) as caught:
        SubItem(key="x", name="x", max_points=0.1)
    assert caught.value.rule == "not_exact"


def test_sub_items_must_sum_to_their_criterion() -> None:
    with pytest.raises(InvalidRubricError) as caught:
        _criterion("a", "30", ("10", "10", "9.99"))
    assert caught.value.rule == "weights_sum"
    assert "29.99" in str(caught.value)


def test_every_rubric_problem_is_reported_together() -> None:
    with pytest.raises(InvalidRubricError) as caught:
        Rubric(
            id=" ",
            version=0,
            criteria=[_criterion("a", "50"), _criterion("a", "49")],
            improvement_days=0,
        )
    rules = {v.rule for v in caught.value.violations}
    assert {"empty", "not_positive", "weights_sum", "duplicate_key"} <= rules


def test_keys_must_be_unique_across_criteria_and_items() -> None:
    with pytest.raises(InvalidRubricError) as caught:
        Rubric(
            id="r",
            criteria=[
                _criterion("a", "50"),
                Criterion(
                    key="b",
                    name="b",
                    max_points=Decimal(50),
                    sub_items=[SubItem(key="a_0", name="again", max_points=Decimal(50))],
                ),
            ],
        )
    assert caught.value.rule == "duplicate_key"


def test_scales_are_checked() -> None:
    with pytest.raises(InvalidRubricError) as caught:
        LinearScale(floor=Decimal("0.9"), target=Decimal("0.9"))
    assert caught.value.rule == "floor_not_below_target"
    with pytest.raises(InvalidRubricError) as caught:
        LinearScale(floor=Decimal("-0.1"), target=Decimal("1.1"))
    assert {v.rule for v in caught.value.violations} == {"rate_out_of_range"}
    with pytest.raises(InvalidRubricError) as caught:
        SteppedScale([Step(min_rate=Decimal("0.5"), points=Decimal(5))])
    assert caught.value.rule == "gap_at_zero"
    with pytest.raises(InvalidRubricError):
        SteppedScale([Step(min_rate=0, points=0), Step(min_rate=0, points=1)])


def test_a_step_above_the_items_maximum_is_refused() -> None:
    scale = SteppedScale([Step(min_rate=0, points=0), Step(min_rate="0.9", points="10.5")])
    with pytest.raises(InvalidRubricError) as caught:
        SubItem(key="x", name="x", max_points=10, method=KpiScoring(kpi="k", scale=scale))
    assert caught.value.field == "method.scale.steps[1].points"
    assert caught.value.rule == "above_maximum"


def test_evaluation_scoring_is_checked() -> None:
    with pytest.raises(InvalidRubricError) as caught:
        EvaluationScoring(scale_min=5, scale_max=1, min_count=0)
    assert {v.rule for v in caught.value.violations} == {"empty_scale", "not_positive"}


def test_the_neutral_points_default_to_half_the_maximum() -> None:
    item = SubItem(
        key="x",
        name="x",
        max_points=Decimal("7.25"),
        method=KpiScoring(kpi="k", scale=LinearScale(floor=0, target=1)),
    )
    assert item.neutral_points == Decimal("3.63")  # 3.625 rounded half up
    assert SubItem(key="m", name="m", max_points=10, method=ManualScoring()).neutral_points == 5


def test_the_seed_rubric_can_be_fully_reconfigured() -> None:
    rubric = seed_rubric()
    bands = BandScheme(
        [
            Band(name="A", lower=85, outcome=BandOutcome.REWARD),
            Band(name="B", lower=70),
            Band(name="C", lower=0, outcome="warning"),
        ]
    )
    revised = rubric.revise(
        criteria=[
            _criterion("attitude", "20"),
            _criterion("capability", "50"),
            *rubric.criteria[2:],
        ],
        bands=bands,
        missing_cycle="breaks_chain",
        ad_hoc_in_chain=True,
        improvement_days=14,
    )
    assert revised.version == 2
    assert revised.id == rubric.id
    assert [c.max_points for c in revised.criteria] == [20, 50, 30]
    assert revised.bands.band_for(Decimal("84.99")).name == "B"
    assert revised.missing_cycle is MissingCycle.BREAKS_CHAIN
    assert rubric.version == 1  # the original is a value, unchanged
    with pytest.raises(InvalidRubricError):
        rubric.revise(criteria=rubric.criteria[:2])


@given(rubrics())
def test_drawn_rubrics_always_weigh_exactly_100(rubric: Rubric) -> None:
    assert sum(c.max_points for c in rubric.criteria) == 100
    for criterion in rubric.criteria:
        assert sum(i.max_points for i in criterion.sub_items) == criterion.max_points
