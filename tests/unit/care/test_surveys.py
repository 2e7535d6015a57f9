from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

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
