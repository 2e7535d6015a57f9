"""Satisfaction surveys: weighted dimensions, CSAT and NPS, aggregated for assessment."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo  # noqa: TC003
from decimal import Decimal
from fractions import Fraction

import attrs

from clubrules._checks import (
    DECIMALS,
    check_flag,
    check_instant_field,
    check_int_range,
    check_number,
    check_storable,
    check_text,
    raise_collected,
    require_instance,
    require_items,
    require_zone,
    shown,
    texts_checked,
    to_decimal_or_int,
)
from clubrules._time import instants_compared, local_time
from clubrules.errors import ValidationError, ViolationCollector

__all__ = [
    "GROUPINGS",
    "Question",
    "Questionnaire",
    "SurveyResponse",
    "SurveyStats",
    "aggregate_surveys",
]

GROUPINGS = ("period", "staff", "dimension")
"""The keys `aggregate_surveys` can group by, in key order."""

_WEIGHT_LIMIT = 10**18

# By scale, the least rating that counts as satisfied for CSAT: the top two
# boxes (4 and 5 of 5, 9 and 10 of 10), but only boxes above the middle of
# the scale, so the top box alone on a scale of 2 or 3 (of 1-2, every rating
# was in the top two; of 1-3, the neutral 2 was).
_SATISFIED_FROM = tuple(max(scale - 1, (scale + 1) // 2 + 1) for scale in range(11))
"""Weights are below this: a weighted mean of larger ones would leave Decimal's exponent range."""


@attrs.frozen
class Question:
    """One rated question.

    Attributes:
        id: The question's id within its questionnaire.
        dimension: What it rates, such as `"service"`, `"product"`, `"environment"`.
        scale: The top of the rating scale (1 to `scale`; 5 by default).
    """

    id: str
    dimension: str
    scale: int = 5

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "dimension")
        scale: object = self.scale
        if not isinstance(scale, int) or not 2 <= scale <= 10:
            problems.add("scale", "range", "must be an int from 2 to 10")
        raise_collected(problems)


def _questions(questions: Iterable[Question]) -> tuple[Question, ...]:
    return require_items(questions, Question, "questions")


def _weights(value: object) -> object:
    if isinstance(value, Mapping):
        pairs: tuple[object, ...] = tuple(value.items())
        field = "weights"
    else:
        pairs = require_items(value, object, "weights")
        field = ""
    out = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, tuple | list) or len(pair) != 2 or not isinstance(pair[0], str):
            raise ValidationError(
                "must map dimension names to weights, or be (dimension, weight) pairs",
                field=field or f"weights[{i}]",
                rule="wrong_type",
            )
        out.append((pair[0], to_decimal_or_int(pair[1])))
    return tuple(sorted(out, key=lambda kv: kv[0])) if field else tuple(out)


@attrs.frozen
class Questionnaire:
    """A satisfaction questionnaire: rated questions in weighted dimensions, and NPS.

    Attributes:
        id: The questionnaire's id.
        questions: The rated questions.
        weights: The weight of each dimension (a mapping or pairs); every
            question's dimension needs one.
        asks_nps: Whether it asks "how likely are you to recommend us" (0-10).

    Raises:
        ValidationError: no questions, repeated question ids, a dimension
            without a weight or weighed twice in pairs (`duplicate_name`), or
            a weight that is negative, float or all zero, or 10**18 or more
            (rule `too_large`).

    Examples:
        >>> q = Questionnaire("q-2026", [Question("q1", "service"), Question("q2", "product"),
        ...                    Question("q3", "environment")],
        ...                   weights={"service": 5, "product": 3, "environment": 2})
        >>> q.dimensions
        ('environment', 'product', 'service')
    """

    id: str
    questions: tuple[Question, ...] = attrs.field(converter=_questions)
    weights: tuple[tuple[str, int | Decimal], ...] = attrs.field(converter=_weights)
    asks_nps: bool = True

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "id", self.id)
        check_flag(problems, "asks_nps", self.asks_nps)
        if not self.questions:
            problems.add("questions", "empty", "needs at least one question")
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            problems.add("questions", "duplicate_name", "question ids must be unique")
        weights = dict(self.weights)
        if len(weights) != len(self.weights):  # pairs: the later one would win silently
            repeated = sorted(
                {n for n, _ in self.weights if [m for m, _ in self.weights].count(n) > 1}
            )
            problems.add("weights", "duplicate_name", f"weighs dimensions {repeated} twice")
        for name, weight in self.weights:
            found = len(problems)
            check_number(problems, f"weights[{name}]", weight)
            if len(problems) == found and weight >= _WEIGHT_LIMIT:
                problems.add(f"weights[{name}]", "too_large", "must be below 10**18")
        missing = sorted({q.dimension for q in self.questions} - set(weights))
        if missing:
            problems.add("weights", "missing_weight", f"no weight for {missing}")
        if not problems and not any(w > 0 for w in weights.values()):
            problems.add("weights", "all_zero", "at least one weight must be positive")
        raise_collected(problems)

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions rated, sorted."""
        return tuple(sorted({q.dimension for q in self.questions}))

    def question(self, question_id: str) -> Question:
        """The question with this id.

        Raises:
            ValidationError: no such question.
        """
        for q in self.questions:
            if q.id == question_id:
                return q
        raise ValidationError(
            f"{shown(question_id)} is not a question of {self.id!r}",
            field="answers",
            rule="unknown",
        )

    def check(self, response: SurveyResponse) -> None:
        """Check that a response answers this questionnaire within its scales.

        Raises:
            ValidationError: another questionnaire, an unknown question, a
                rating outside the scale, or an NPS score it does not ask.
        """
        require_instance(response, SurveyResponse, "response")
        problems = ViolationCollector()
        if response.questionnaire_id != self.id:
            problems.add("questionnaire_id", "mismatch", "answers another questionnaire")
        by_id = {q.id: q for q in self.questions}
        for qid, rating in response.answers:
            question = by_id.get(qid)
            if question is None:
                problems.add(f"answers[{qid}]", "unknown", "is not a question here")
            elif not 1 <= rating <= question.scale:
                problems.add(f"answers[{qid}]", "range", f"must be 1 to {question.scale}")
        if response.nps is not None and not self.asks_nps:
            problems.add("nps", "not_asked", "this questionnaire does not ask NPS")
        problems.raise_if_any()


def _answers(value: object) -> object:
    """A mapping, or pairs, as `(question_id, rating)` pairs sorted by question id."""
    pairs: list[object]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list | tuple):
        pairs = list(value)
    else:
        return value  # reported by the check
    checked = [p for p in pairs if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)]
    if len(checked) == len(pairs):
        return tuple(sorted(checked, key=lambda p: str(p[0])))
    return value


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class SurveyResponse:
    """One customer's answers to a questionnaire.

    Attributes:
        id: The integrator's id; a repository stores each id once.
        questionnaire_id: The questionnaire answered.
        customer_id: Who answered.
        at: When (aware).
        answers: Ratings by question id, each at least 1, given as a mapping
            (or as `(question_id, rating)` pairs) and kept as a tuple of
            pairs sorted by question id: frozen, hashable, and equal however
            the mapping was ordered. Read one rating with `rating(...)`, or
            all as a dict with `dict(response.answers)`; a question
            answered twice is refused (`duplicate_answer`).
        nps: The 0-10 recommendation score, if asked and answered.
        staff_id: The staff member the response rates, if any.
    """

    id: str
    questionnaire_id: str
    customer_id: str
    at: datetime
    answers: tuple[tuple[str, int], ...] = attrs.field(converter=_answers)
    nps: int | None = None
    staff_id: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "questionnaire_id", "customer_id")
        check_instant_field(problems, self, "at")
        answers: object = self.answers
        if not isinstance(answers, tuple) or not all(
            isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in answers
        ):
            problems.add("answers", "not_a_mapping", "must map question ids to ratings")
        else:
            ids = [qid for qid, _ in self.answers]
            for qid in sorted({q for q in ids if ids.count(q) > 1}):
                problems.add(f"answers[{qid}]", "duplicate_answer", "is answered twice")
            for qid, given in self.answers:
                if not check_storable(problems, "answers", qid):
                    continue
                rating: object = given
                if isinstance(rating, bool) or not isinstance(rating, int) or rating < 1:
                    problems.add(f"answers[{qid}]", "not_a_rating", "must be an int of at least 1")
                else:
                    check_int_range(problems, f"answers[{qid}]", rating)
        nps: object = self.nps
        if nps is not None and (
            isinstance(nps, bool) or not isinstance(nps, int) or not 0 <= nps <= 10
        ):
            problems.add("nps", "range", "must be an int from 0 to 10")
        if self.staff_id is not None:
            check_text(problems, "staff_id", self.staff_id, sensitive=False)
        raise_collected(problems)

    def rating(self, question_id: str) -> int | None:
        """The rating given to `question_id`, or None if it was not answered."""
        for qid, given in self.answers:
            if qid == question_id:
                return given
        return None


@attrs.frozen(kw_only=True)
class SurveyStats:
    """Aggregated survey results for one group.

    Attributes:
        key: The group's key, by the requested groupings (such as
            `("2026-Q1", "st-7")`).
        responses: How many responses.
        csat: The share of ratings in the top two boxes (4 or 5 of 5, 9 or
            10 of 10), as a percentage with two places; None without
            ratings. A box counts only if it lies above the middle of its
            question's scale: on a scale of 2 or 3, only the top box (2 of
            2, 3 of 3) counts as satisfied.
        score: The weighted score, 0 to 100: for each dimension, the mean of
            its ratings, each scaled to 0-100 on its own question's scale
            (1 is 0, the top of the scale 100); those means weighted by the
            questionnaire's weights (one dimension only when grouped by
            dimension); None without ratings.
        dimension_means: The mean rating of each dimension (two places).
        nps: Promoters (9-10) minus detractors (0-6), as a percentage of
            NPS answers; None without any.
    """

    key: tuple[str, ...]
    responses: int
    csat: Decimal | None
    score: Decimal | None
    dimension_means: tuple[tuple[str, Decimal], ...]
    nps: Decimal | None


def _quarter(at: datetime, zone: tzinfo) -> str:
    local = local_time(at, zone, "responses")
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def _share_percent(part: int, whole: int) -> Decimal:
    """`part` of `whole` in percent, rounded half to even to 0.01."""
    return _cents(Fraction(100 * part, whole))


def _cents(value: Fraction) -> Decimal:
    """`value` rounded half to even to 0.01, from its exact value (no decimal context counts)."""
    return DECIMALS.scaleb(Decimal(round(value * 100)), -2)


class _Tally:
    """One group's ratings of one dimension, kept as whole numbers."""

    __slots__ = ("above_one", "count", "ratings", "top")

    def __init__(self) -> None:
        self.count = 0
        self.top = 0
        self.ratings = 0
        self.above_one: dict[int, int] = {}  # scale -> sum of (rating - 1)

    def scaled_mean(self) -> Fraction:
        """The mean of the ratings, each scaled to 0-1 on its own question's scale."""
        return (
            sum(
                (Fraction(total, scale - 1) for scale, total in self.above_one.items()), Fraction(0)
            )
            / self.count
        )


def aggregate_surveys(
    questionnaire: Questionnaire,
    responses: Iterable[SurveyResponse],
    *,
    zone: tzinfo,
    by: Sequence[str] = ("period",),
) -> dict[tuple[str, ...], SurveyStats]:
    """Aggregate responses per quarter, per staff member and/or per dimension.

    Means, scores and percentages are worked out exactly, then rounded half
    to even to 0.01: results do not depend on the thread's decimal context.

    Args:
        questionnaire: The questionnaire answered; every response is checked against it.
        responses: The responses.
        zone: The club's zone: periods are local calendar quarters (`"2026-Q1"`).
        by: Groupings, a subset of `("period", "staff", "dimension")`, in that
            order in the key; a response without staff is grouped under `"-"`.

    Returns:
        Stats by key, sorted by key.

    Raises:
        ValidationError: an unknown grouping, or a response that does not fit
            the questionnaire.

    Examples:
        >>> from datetime import UTC, datetime
        >>> q = Questionnaire("q", [Question("s", "service")], weights={"service": 1})
        >>> r = SurveyResponse(id="r1", questionnaire_id="q", customer_id="c-1",
        ...                    at=datetime(2026, 2, 1, tzinfo=UTC), answers={"s": 4}, nps=10)
        >>> stats = aggregate_surveys(q, [r], zone=UTC)[("2026-Q1",)]
        >>> stats.csat, stats.score, stats.nps
        (Decimal('100.00'), Decimal('75.00'), Decimal('100.00'))
    """
    require_instance(questionnaire, Questionnaire, "questionnaire")
    responses = require_items(responses, SurveyResponse, "responses")
    require_zone(zone, "zone")
    by = require_items(by, str, "by")
    unknown = [g for g in by if g not in GROUPINGS]
    if unknown or len(set(by)) != len(by):
        raise ValidationError(
            f"groupings must be distinct names from {GROUPINGS}", field="by", rule="unknown"
        )
    order = [g for g in GROUPINGS if g in by]
    weights = dict(questionnaire.weights)
    scale = {q.id: q for q in questionnaire.questions}
    # Per group and dimension: [count, top-two count, sum of ratings, and per
    # scale the sum of (rating - 1)], so the score is worked out exactly at the end.
    groups: dict[tuple[str, ...], dict[str, _Tally]] = {}
    seen: dict[tuple[str, ...], set[str]] = {}
    nps: dict[tuple[str, ...], list[int]] = {}
    for response in responses:
        questionnaire.check(response)
        base = {"period": _quarter(response.at, zone), "staff": response.staff_id or "-"}
        dims = {scale[qid].dimension for qid, _ in response.answers}
        keys: list[tuple[tuple[str, ...], str | None]] = (
            [(tuple(base.get(g, d) for g in order), d) for d in sorted(dims)]
            if "dimension" in order
            else [(tuple(base[g] for g in order), None)]
        )
        for key, only in keys:
            seen.setdefault(key, set()).add(response.id)
            bucket = groups.setdefault(key, {})
            for qid, rating in response.answers:
                question = scale[qid]
                if only is not None and question.dimension != only:
                    continue
                tally = bucket.get(question.dimension)
                if tally is None:
                    tally = bucket[question.dimension] = _Tally()
                tally.count += 1
                tally.top += rating >= _SATISFIED_FROM[question.scale]
                tally.ratings += rating
                above = tally.above_one
                above[question.scale] = above.get(question.scale, 0) + rating - 1
            if response.nps is not None:
                nps.setdefault(key, []).append(response.nps)
    out: dict[tuple[str, ...], SurveyStats] = {}
    for key in sorted(seen):
        bucket = groups.get(key, {})
        count = sum(t.count for t in bucket.values())
        top = sum(t.top for t in bucket.values())
        weighted = Fraction(0)
        total_weight = Fraction(0)
        for dim, tally in bucket.items():
            weight = Fraction(weights[dim])
            weighted += weight * tally.scaled_mean()
            total_weight += weight
        score = _cents(100 * weighted / total_weight) if total_weight else None
        means = tuple(
            (dim, _cents(Fraction(tally.ratings, tally.count)))
            for dim, tally in sorted(bucket.items())
        )
        scores = nps.get(key, [])
        promoters = sum(s >= 9 for s in scores)
        detractors = sum(s <= 6 for s in scores)
        out[key] = SurveyStats(
            key=key,
            responses=len(seen[key]),
            csat=_share_percent(top, count) if count else None,
            score=score,
            dimension_means=means,
            nps=_share_percent(promoters - detractors, len(scores)) if scores else None,
        )
    return out
