"""Hypothesis strategies for the staff area: KPIs, scales, rubrics and assessment inputs."""

# No `from __future__ import annotations` here: `st.composite` builds each
# strategy's signature in hypothesis's own module, where a name in a string
# annotation would not resolve, so the annotations are evaluated at once.

from decimal import Decimal

from hypothesis import strategies as st

from clubrules import staff
from clubrules._checks import require_flag, require_int, require_real
from clubrules.errors import ValidationError

__all__ = ["assessment_inputs", "points_up_to", "rubrics", "staff_rates"]

_CENT = Decimal("0.01")
_MAX_DIGITS = 20  # the staff rules refuse points of 10**20 or more


def staff_kpis(*, max_events: int = 1_000, no_events: bool = True) -> st.SearchStrategy[staff.Kpi]:
    """KPIs: `numerator` of `denominator` events, including 0 of 0 if `no_events`.

    Raises:
        ValidationError: `max_events` is not an int of at least 1, or
            `no_events` is not True or False (rule `not_a_bool`).
    """
    require_int(max_events, "max_events", minimum=1)
    require_flag(no_events, "no_events")

    @st.composite
    def build(draw: st.DrawFn) -> staff.Kpi:
        low = 0 if no_events else 1
        events = draw(st.integers(low, max_events))
        return staff.Kpi(draw(st.integers(0, events)), events)

    return build()


def staff_rates(*, places: int = 4) -> st.SearchStrategy[Decimal]:
    """Rates from 0 to 1 as Decimals with at most `places` (0 to 28) decimal places."""
    require_int(places, "places", minimum=0)
    if places > 28:
        raise ValidationError("must be at most 28", field="places", rule="too_large")
    scale = 10**places
    return st.integers(0, scale).map(lambda n: Decimal(n) / scale)


def points_up_to(maximum: Decimal) -> st.SearchStrategy[Decimal]:
    """Points from 0 to `maximum` on the 0.01 grid.

    Raises:
        ValidationError: `maximum` is not an int or a finite Decimal, is
            negative, or is 10**20 or more (as the staff rules refuse).
    """
    top = Decimal(require_real(maximum, "maximum"))
    if top < 0:
        raise ValidationError("must be at least 0", field="maximum", rule="negative")
    if top.adjusted() >= _MAX_DIGITS:
        raise ValidationError(f"must be below 10**{_MAX_DIGITS}", field="maximum", rule="too_large")
    return st.integers(0, int(top / _CENT)).map(lambda n: Decimal(n) * _CENT)


def _partition(total_cents: int, parts: int) -> st.SearchStrategy[list[Decimal]]:
    """`parts` positive amounts on the 0.01 grid summing to `total_cents` hundredths."""
    if parts == 1:
        return st.just([Decimal(total_cents) * _CENT])
    cuts = st.lists(
        st.integers(1, total_cents - 1), min_size=parts - 1, max_size=parts - 1, unique=True
    )
    return cuts.map(
        lambda c: [
            Decimal(b - a) * _CENT
            for a, b in zip([0, *sorted(c)], [*sorted(c), total_cents], strict=True)
        ]
    )


@st.composite
def _scale(draw: st.DrawFn, maximum: Decimal) -> staff.LinearScale | staff.SteppedScale:
    if draw(st.booleans()):
        floor, target = sorted(draw(st.lists(staff_rates(), min_size=2, max_size=2, unique=True)))
        return staff.LinearScale(floor=floor, target=target)
    rates = draw(st.lists(staff_rates(places=2), min_size=0, max_size=3, unique=True))
    rates = sorted({Decimal(0), *rates})
    points = sorted(draw(st.lists(points_up_to(maximum), min_size=len(rates), max_size=len(rates))))
    return staff.SteppedScale(
        [staff.Step(min_rate=r, points=p) for r, p in zip(rates, points, strict=True)]
    )


@st.composite
def _item(draw: st.DrawFn, key: str, maximum: Decimal) -> staff.SubItem:
    kind = draw(st.sampled_from(["manual", "kpi", "evaluations"]))
    rule = draw(st.sampled_from(staff.NoEventsRule))
    neutral = draw(st.none() | points_up_to(maximum))
    if kind == "manual":
        method: staff.ManualScoring | staff.KpiScoring | staff.EvaluationScoring = (
            staff.ManualScoring()
        )
    elif kind == "kpi":
        method = staff.KpiScoring(
            kpi=f"kpi_{key}",
            scale=draw(_scale(maximum)),
            no_events=rule,
            neutral_points=neutral,
        )
    else:
        method = staff.EvaluationScoring(
            min_count=draw(st.integers(1, 3)), no_events=rule, neutral_points=neutral
        )
    return staff.SubItem(key=key, name=key.replace("_", " "), max_points=maximum, method=method)


@st.composite
def rubrics(draw: st.DrawFn, *, max_criteria: int = 4, max_items: int = 4) -> staff.Rubric:
    """Valid rubrics: weights on the 0.01 grid summing to exactly 100, random methods.

    Customer evaluations use the 1-5 scale in every rubric drawn, so that one
    list of ratings suits all its evaluation items.
    """
    weights = draw(_partition(10_000, draw(st.integers(1, max_criteria))))
    criteria = []
    for c, weight in enumerate(weights):
        cents = int(weight / _CENT)
        count = draw(st.integers(1, min(max_items, cents)))
        maxima = draw(_partition(cents, count))
        items = [draw(_item(f"c{c}_i{i}", m)) for i, m in enumerate(maxima)]
        criteria.append(
            staff.Criterion(key=f"c{c}", name=f"criterion {c}", max_points=weight, sub_items=items)
        )
    return staff.Rubric(
        id="drawn",
        criteria=criteria,
        missing_cycle=draw(st.sampled_from(staff.MissingCycle)),
        ad_hoc_in_chain=draw(st.booleans()),
    )


def assessment_inputs(
    rubric: staff.Rubric, *, max_events: int = 200
) -> st.SearchStrategy[staff.AssessmentInputs]:
    """Valid inputs for `rubric`: every manual score and KPI it needs, ratings 1-5."""

    @st.composite
    def build(draw: st.DrawFn) -> staff.AssessmentInputs:
        manual = {}
        kpi_values = {}
        for _, item in rubric.all_items():
            if isinstance(item.method, staff.ManualScoring):
                manual[item.key] = staff.ManualScore(
                    points=draw(points_up_to(item.max_points)), by="sup-1"
                )
            elif isinstance(item.method, staff.KpiScoring):
                kpi_values[item.method.kpi] = draw(staff_kpis(max_events=max_events))
        ratings = draw(st.lists(st.integers(1, 5), max_size=8))
        return staff.AssessmentInputs(manual=manual, kpis=kpi_values, evaluations=ratings)

    return build()
