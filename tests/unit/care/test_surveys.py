from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.care import Question, Questionnaire, SurveyResponse, aggregate_surveys
from clubrules.errors import ValidationError

TZ = ZoneInfo("Asia/Shanghai")
Q = Questionnaire(
    "q-2026",
    [
        Question("staff-attitude", "service"),
        Question("skill", "service"),
        Question("products", "product"),
        Question("cleanliness", "environment"),
    ],
    weights={"service": 5, "product": 3, "environment": 2},
)


def response(
    rid: str,
    answers: dict[str, int],
    *,
    staff: str | None = "st-1",
    nps: int | None = None,
    at: datetime = datetime(2026, 2, 1, 12, tzinfo=TZ),
) -> SurveyResponse:
    return SurveyResponse(
        id=rid,
        questionnaire_id="q-2026",
        customer_id=f"c-{rid}",
        at=at,
        answers=answers,
        nps=nps,
        staff_id=staff,
    )


ALL5 = {"staff-attitude": 5, "skill": 5, "products": 5, "cleanliness": 5}
ALL1 = {"staff-attitude": 1, "skill": 1, "products": 1, "cleanliness": 1}


def test_csat_weighted_score_and_nps_per_period() -> None:
    rs = [
        response("1", ALL5, nps=10),
        response("2", {"staff-attitude": 4, "skill": 3, "products": 2, "cleanliness": 5}, nps=7),
        response("3", ALL1, nps=3),
    ]
    [(key, stats)] = aggregate_surveys(Q, rs, zone=TZ).items()
    assert key == ("2026-Q1",)
    assert stats.responses == 3
    # Top two boxes: 4 of 4, 2 of 4 (the 4 and the 5), 0 of 4: 6 of 12.
    assert stats.csat == Decimal("50.00")
    # One promoter, one passive, one detractor.
    assert stats.nps == Decimal("0.00")
    means = dict(stats.dimension_means)
    assert means["service"] == Decimal("3.17")  # (5+5+4+3+1+1)/6
    # Each dimension scaled to 0-100 ((rating - 1) / 4), weighted 5/3/2.
    service = Decimal(4 + 4 + 3 + 2 + 0 + 0) / 24
    product = Decimal(4 + 1 + 0) / 12
    environment = Decimal(4 + 4 + 0) / 12
    expected = (100 * (5 * service + 3 * product + 2 * environment) / 10).quantize(Decimal("0.01"))
    assert stats.score == expected


def test_grouping_by_staff_and_dimension_and_local_quarters() -> None:
    # 31 March 20:00 UTC is 1 April 04:00 in Shanghai: the second quarter.
    late = datetime(2026, 3, 31, 20, tzinfo=UTC)
    rs = [
        response("1", ALL5, staff="st-1"),
        response("2", ALL1, staff="st-2", at=late),
        response("3", {"skill": 4}, staff=None),
    ]
    got = aggregate_surveys(Q, rs, zone=TZ, by=("staff", "period", "dimension"))
    assert list(got) == [
        ("2026-Q1", "-", "service"),
        ("2026-Q1", "st-1", "environment"),
        ("2026-Q1", "st-1", "product"),
        ("2026-Q1", "st-1", "service"),
        ("2026-Q2", "st-2", "environment"),
        ("2026-Q2", "st-2", "product"),
        ("2026-Q2", "st-2", "service"),
    ]
    assert got[("2026-Q1", "st-1", "service")].score == Decimal("100.00")
    assert got[("2026-Q2", "st-2", "product")].csat == Decimal("0.00")
    by_staff = aggregate_surveys(Q, rs, zone=TZ, by=("staff",))
    assert by_staff[("st-2",)].score == Decimal("0.00")
    assert by_staff[("-",)].nps is None


def test_bad_questionnaires_and_responses_get_typed_errors() -> None:
    with pytest.raises(ValidationError, match="no weight"):
        Questionnaire("q", [Question("a", "service")], weights={"product": 1})
    with pytest.raises(ValidationError):
        Questionnaire(
            "q", [Question("a", "service"), Question("a", "service")], weights={"service": 1}
        )
    with pytest.raises(ValidationError):
        Questionnaire("q", [Question("a", "service")], weights={"service": 0.5})
    with pytest.raises(ValidationError):
        response("x", {"skill": 0})
    with pytest.raises(ValidationError):
        response("x", {"skill": 3}, nps=11)
    with pytest.raises(ValidationError, match="not a question"):
        aggregate_surveys(Q, [response("x", {"unknown": 3})], zone=TZ)
    with pytest.raises(ValidationError):
        aggregate_surveys(Q, [response("x", {"skill": 6})], zone=TZ)
    with pytest.raises(ValidationError):
        aggregate_surveys(Q, [], zone=TZ, by=("month",))
    assert aggregate_surveys(Q, [], zone=TZ) == {}
    assert Q.question("skill").dimension == "service"


# -- answers: a mapping in, sorted pairs out ---------------------------------------------


def test_answers_are_kept_as_pairs_sorted_by_question_id() -> None:
    def response(answers: object) -> SurveyResponse:
        return SurveyResponse(
            id="r-1",
            questionnaire_id="q",
            customer_id="c-1",
            at=datetime(2026, 2, 1, tzinfo=UTC),
            answers=answers,
        )

    by_mapping = response({"skill": 4, "attitude": 5})
    by_pairs = response([("attitude", 5), ("skill", 4)])
    assert by_mapping.answers == (("attitude", 5), ("skill", 4))
    assert by_mapping == by_pairs
    assert hash(by_mapping) == hash(by_pairs)
    assert dict(by_mapping.answers) == {"attitude": 5, "skill": 4}
    assert by_mapping.rating("skill") == 4
    assert by_mapping.rating("room") is None
    with pytest.raises(ValidationError) as caught:
        response([("skill", 4), ("skill", 5)])
    assert caught.value.rule == "duplicate_answer"
    with pytest.raises(ValidationError) as caught:
        response([1, 2])
    assert caught.value.rule == "not_a_mapping"


def test_a_dimension_of_mixed_scales_averages_each_rating_on_its_own_scale() -> None:
    # A 5-point question at its top (100) and a 10-point one at its bottom (0):
    # the dimension's mean is 50, whatever the scales' sizes.
    q = Questionnaire(
        "q-mixed",
        [Question("five", "service"), Question("ten", "service", scale=10)],
        weights={"service": 1},
    )
    r = SurveyResponse(
        id="r1",
        questionnaire_id="q-mixed",
        customer_id="c-1",
        at=datetime(2026, 2, 1, tzinfo=UTC),
        answers={"five": 5, "ten": 1},
    )
    assert aggregate_surveys(q, [r], zone=UTC)[("2026-Q1",)].score == Decimal("50.00")


def _cents_of(value: Fraction) -> Decimal:
    """The oracle's rounding: Decimal's own half-even quantize of the exact value."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)  # 28 digits are plenty here
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


_SCALES = st.integers(2, 10)


@st.composite
def _surveys(draw: st.DrawFn) -> tuple[Questionnaire, list[SurveyResponse]]:
    dims = ["service", "product", "environment"][: draw(st.integers(1, 3))]
    questions = [
        Question(f"q{i}", draw(st.sampled_from(dims)), scale=draw(_SCALES))
        for i in range(draw(st.integers(1, 5)))
    ]
    weights = {d: draw(st.integers(0, 9)) for d in dims}
    weights[dims[0]] = draw(st.integers(1, 9))  # at least one weight is positive
    q = Questionnaire("q-x", questions, weights=weights)
    responses = []
    for n in range(draw(st.integers(1, 12))):
        answered = draw(st.lists(st.sampled_from(questions), min_size=1, unique_by=lambda x: x.id))
        responses.append(
            SurveyResponse(
                id=f"r{n}",
                questionnaire_id="q-x",
                customer_id=f"c-{n}",
                at=datetime(2026, 1 + draw(st.integers(0, 11)), 15, tzinfo=UTC),
                answers={x.id: draw(st.integers(1, x.scale)) for x in answered},
                nps=draw(st.none() | st.integers(0, 10)),
            )
        )
    return q, responses


@settings(max_examples=200)
@given(_surveys())
def test_scores_and_shares_are_the_exact_means_rounded_once(
    survey: tuple[Questionnaire, list[SurveyResponse]],
) -> None:
    q, responses = survey
    stats = aggregate_surveys(q, responses, zone=UTC, by=())[()]
    scales = {x.id: x for x in q.questions}
    weights = dict(q.weights)
    ratings: dict[str, list[tuple[int, int]]] = {}
    for r in responses:
        for qid, rating in r.answers:
            ratings.setdefault(scales[qid].dimension, []).append((rating, scales[qid].scale))
    # The obvious reading: each rating on 0-100 of its own scale, a mean per
    # dimension, the means weighted by the questionnaire's weights.
    means = {
        d: sum((Fraction(100 * (r - 1), s - 1) for r, s in v), Fraction(0)) / len(v)
        for d, v in ratings.items()
    }
    total = sum((Fraction(weights[d]) for d in means), Fraction(0))
    expected = (
        _cents_of(sum((Fraction(weights[d]) * m for d, m in means.items()), Fraction(0)) / total)
        if total
        else None
    )
    assert stats.score == expected
    every = [x for v in ratings.values() for x in v]
    # Satisfied: in the top two boxes, and above the middle of the scale.
    satisfied = sum(r >= s - 1 and 2 * r > 1 + s for r, s in every)
    assert stats.csat == _cents_of(Fraction(100 * satisfied, len(every)))
    assert dict(stats.dimension_means) == {
        d: _cents_of(Fraction(sum(r for r, _ in v), len(v))) for d, v in ratings.items()
    }
    nps = [r.nps for r in responses if r.nps is not None]
    assert stats.nps == (
        _cents_of(Fraction(100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)), len(nps)))
        if nps
        else None
    )


def _csat_of(scale: int, *ratings: int) -> Decimal | None:
    q = Questionnaire("q-x", [Question("q", "service", scale=scale)], weights={"service": 1})
    answers = [
        SurveyResponse(
            id=f"r{n}",
            questionnaire_id="q-x",
            customer_id=f"c-{n}",
            at=datetime(2026, 1, 15, tzinfo=UTC),
            answers={"q": rating},
        )
        for n, rating in enumerate(ratings)
    ]
    return aggregate_surveys(q, answers, zone=UTC, by=())[()].csat


@pytest.mark.parametrize(
    ("scale", "satisfied", "not_satisfied"),
    [(2, [2], [1]), (3, [3], [1, 2]), (4, [3, 4], [1, 2]), (5, [4, 5], [1, 2, 3])],
)
def test_csat_on_a_small_scale_counts_only_boxes_above_the_middle(
    scale: int, satisfied: list[int], not_satisfied: list[int]
) -> None:
    for rating in satisfied:
        assert _csat_of(scale, rating) == 100
    for rating in not_satisfied:
        assert _csat_of(scale, rating) == 0
    assert _csat_of(scale, *range(1, scale + 1)) == _cents_of(Fraction(100 * len(satisfied), scale))


@given(scale=_SCALES)
def test_csat_never_counts_the_lowest_or_a_middle_rating_and_always_the_top(scale: int) -> None:
    assert _csat_of(scale, 1) == 0
    assert _csat_of(scale, scale) == 100
    if scale % 2:  # an odd scale has a middle box: neutral, not satisfied
        assert _csat_of(scale, (scale + 1) // 2) == 0


@pytest.mark.parametrize(
    "pairs",
    [
        [("service", 1), ("service", 5), ("product", 1)],
        [("service", 5), ("product", 1), ("service", 1)],
    ],
)
def test_weight_pairs_that_weigh_a_dimension_twice_are_refused(
    pairs: list[tuple[str, int]],
) -> None:
    # Kept, the later pair would win, so the score would follow the pairs' order.
    with pytest.raises(ValidationError) as caught:
        Questionnaire("q", [Question("a", "service"), Question("b", "product")], weights=pairs)
    assert (caught.value.field, caught.value.rule) == ("weights", "duplicate_name")
