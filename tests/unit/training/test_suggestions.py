"""Training suggested from complaints and surveys, with the evidence behind each."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clubrules.care import Question, Questionnaire, SurveyResponse, aggregate_surveys
from clubrules.complaints import (
    Case,
    CaseKind,
    CustomerContacted,
    Resolved,
    apply,
    default_book,
    register,
)
from clubrules.errors import ValidationError
from clubrules.training import (
    EvidenceSource,
    FeedbackRules,
    TrainingKind,
    suggest_training,
)

TZ = ZoneInfo("Asia/Shanghai")
START, END = datetime(2026, 3, 1, tzinfo=TZ), datetime(2026, 4, 1, tzinfo=TZ)
AS_OF = datetime(2026, 4, 10, tzinfo=TZ)
HOUR = timedelta(hours=1)
RULES = FeedbackRules(
    category_topics={"hygiene": "hygiene standards", "waiting time": "punctual service"},
    dimension_topics={"environment": "keeping the rooms"},
)


def _complaint(
    case_id: str,
    at: datetime,
    category: str,
    assignee: str | None,
    *,
    respond_h: float = 2,
    resolve_h: float | None = 30,
    substantiated: bool = False,
) -> Case:
    case = register(
        default_book(),
        case_id=case_id,
        at=at,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
        category=category,
        assignee=assignee,
    )
    by = assignee or "desk"
    case = apply(case, CustomerContacted(at=at + respond_h * HOUR, by=by, channel="phone"))
    if resolve_h is not None:
        case = apply(
            case,
            Resolved(
                at=at + resolve_h * HOUR,
                by=by,
                channel="phone",
                substantiated=substantiated,
                remedy="redone" if substantiated else None,
                apology=substantiated,
            ),
        )
    return case


def _cases() -> list[Case]:
    march = datetime(2026, 3, 10, 10, tzinfo=TZ)
    return [
        _complaint("k-1", march, "hygiene", "s-1", substantiated=True),
        _complaint("k-2", march + HOUR, "hygiene", "s-2"),
        _complaint("k-3", march + 2 * HOUR, "hygiene", None),
        # Registered in February, found substantiated in March.
        _complaint(
            "k-4",
            datetime(2026, 2, 27, 10, tzinfo=TZ),
            "waiting time",
            "s-2",
            resolve_h=72,
            substantiated=True,
        ),
        # One complaint about noise: below the threshold of two.
        _complaint("k-5", march, "noise", "s-3"),
        # A late first response: s-3 breached its SLA.
        _complaint("k-6", march + 3 * HOUR, "parking", "s-3", respond_h=30, resolve_h=None),
    ]


def test_complaints_suggest_topics_attendees_and_the_evidence() -> None:
    suggestions = suggest_training(
        RULES, cases=_cases(), start=START, end=END, as_of=AS_OF, zone=TZ
    )
    by_topic = {s.topic: s for s in suggestions}
    assert list(by_topic) == [
        "hygiene standards",  # one substantiated, three registered
        "punctual service",  # one substantiated
        "complaint handling on time",
    ]
    hygiene = by_topic["hygiene standards"]
    assert hygiene.kind is TrainingKind.SPECIAL
    # s-1's complaint was substantiated; the unassigned case suggests no one.
    assert hygiene.attendees == ("s-1", "s-2")
    assert [(e.source, e.subject, e.count) for e in hygiene.evidence] == [
        (EvidenceSource.COMPLAINTS, "hygiene", 3),
        (EvidenceSource.SUBSTANTIATED, "hygiene", 1),
    ]
    assert "k-1" in hygiene.evidence[1].detail
    assert by_topic["punctual service"].attendees == ("s-2",)
    sla = by_topic["complaint handling on time"]
    # k-4 took three days (a progress update was late); k-6's first response came after 30 hours.
    assert sla.attendees == ("s-2", "s-3")
    assert [(e.source, e.subject, e.count) for e in sla.evidence] == [
        (EvidenceSource.SLA_BREACHES, "s-2", 1),
        (EvidenceSource.SLA_BREACHES, "s-3", 1),
    ]
    assert sla.explain().splitlines()[2] == "  - s-3: 1 of 4 complaint SLA target(s) breached"
    assert "noise" not in by_topic


def test_low_survey_ratings_suggest_their_dimension() -> None:
    questionnaire = Questionnaire(
        "q",
        [Question("q1", "service"), Question("q2", "environment")],
        weights={"service": 1, "environment": 1},
    )
    responses = [
        SurveyResponse(
            id=f"r-{staff}-{n}",
            questionnaire_id="q",
            customer_id=f"c-{n}",
            at=datetime(2026, 3, 20, tzinfo=TZ),
            answers={"q1": 5, "q2": rating},
            staff_id=staff,
        )
        for staff, ratings in (("s-4", (2, 3, 4)), ("s-5", (1, 1)), ("s-6", (5, 4, 4)))
        for n, rating in enumerate(ratings)
    ]
    stats = aggregate_surveys(questionnaire, responses, zone=TZ, by=("staff",))
    (suggestion,) = suggest_training(
        RULES, cases=[], start=START, end=END, as_of=AS_OF, zone=TZ, surveys=stats
    )
    # s-5 rated lower, but on two responses only (fewer than three).
    assert suggestion.topic == "keeping the rooms"
    assert suggestion.attendees == ("s-4",)
    (evidence,) = suggestion.evidence
    assert evidence.source is EvidenceSource.SURVEY
    assert evidence.subject == "s-4 / environment"
    assert "3.00" in evidence.detail


def test_attendees_are_capped_and_thresholds_configurable() -> None:
    rules = FeedbackRules(min_complaints=1, max_attendees=1)
    suggestions = suggest_training(
        rules, cases=_cases(), start=START, end=END, as_of=AS_OF, zone=TZ
    )
    assert {s.topic for s in suggestions} >= {"noise", "hygiene", "parking"}
    assert all(len(s.attendees) <= 1 for s in suggestions)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        FeedbackRules(min_complaints=0, survey_floor=3.5, sla_topic=" ")
    assert set(caught.value.fields) == {"min_complaints", "survey_floor", "sla_topic"}
    questionnaire = Questionnaire("q", [Question("q1", "service")], weights={"service": 1})
    response = SurveyResponse(
        id="r", questionnaire_id="q", customer_id="c", at=START, answers={"q1": 1}, staff_id="s"
    )
    stats = aggregate_surveys(questionnaire, [response], zone=TZ, by=("period", "staff"))
    with pytest.raises(ValidationError) as caught:
        suggest_training(RULES, cases=[], start=START, end=END, as_of=AS_OF, surveys=stats)
    assert caught.value.rule == "not_by_staff"
    with pytest.raises(ValidationError):
        suggest_training(RULES, cases=[], start=END, end=START, as_of=AS_OF)
    assert Decimal("3.5") == FeedbackRules().survey_floor


@pytest.mark.parametrize(
    ("topics", "field", "rule"),
    [
        (("hygiene",), "category_topics[0]", "not_a_pair"),
        ([("hygiene", "cleaning", "extra")], "category_topics[0]", "not_a_pair"),
        ([("hygiene", "a"), ("hygiene", "b")], "category_topics[1]", "duplicate_name"),
        ([(7, "cleaning")], "category_topics[0]", "not_a_string"),
        ("hygiene", "category_topics", "not_a_mapping"),
        (None, "category_topics", "not_a_mapping"),
    ],
)
def test_topics_that_are_not_name_topic_pairs_are_refused_by_name(
    topics: object, field: str, rule: str
) -> None:
    # A tuple of one name used to escape as a plain ValueError from unpacking.
    with pytest.raises(ValidationError) as caught:
        FeedbackRules(category_topics=topics)
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_topics_given_as_a_list_of_pairs_equal_the_same_mapping() -> None:
    listed = FeedbackRules(category_topics=[["service", "manners"], ("hygiene", "cleaning")])
    mapped = FeedbackRules(category_topics={"hygiene": "cleaning", "service": "manners"})
    assert listed == mapped
    assert listed.category_topics == (("hygiene", "cleaning"), ("service", "manners"))
