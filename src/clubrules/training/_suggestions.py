"""Feedback-driven training: topics and attendees suggested from complaints and surveys.

The gym's rule (002) trains staff "according to customer feedback"; the
leisure club's monthly training covers "complaint case analysis" (001).
`suggest_training` reads the period's complaint analysis and survey results
and proposes topics, the staff to attend, and the figures behind each.
"""

from __future__ import annotations

import enum

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

import attrs

from clubrules._checks import (
    check_choice,
    check_count,
    check_text,
    raise_collected,
    require_items,
    require_mapping,
    require_zone,
    to_choice,
)
from clubrules._time import require_aware, require_order, to_epoch_us
from clubrules.care import SurveyStats
from clubrules.complaints import Case, CaseKind, Resolved, analyse, case_facts
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.training._records import TrainingKind
from clubrules.words import message

__all__ = [
    "Evidence",
    "EvidenceSource",
    "FeedbackRules",
    "TrainingSuggestion",
    "suggest_training",
]

# How `clubrules.complaints.analyse` names the owner of a case without one.
UNASSIGNED = "(unassigned)"


class EvidenceSource(enum.Enum):
    """Where a suggestion's evidence comes from.

    - `COMPLAINTS`: complaints of a category registered in the period.
    - `SUBSTANTIATED`: complaints found substantiated (投訴屬實) in the period.
    - `SLA_BREACHES`: complaint SLA targets a staff member breached.
    - `SURVEY`: a survey dimension rated below the floor for a staff member.
    """

    COMPLAINTS = "complaints"
    SUBSTANTIATED = "substantiated"
    SLA_BREACHES = "sla_breaches"
    SURVEY = "survey"


@attrs.frozen(kw_only=True)
class Evidence:
    """One figure behind a suggestion.

    Attributes:
        source: An [EvidenceSource][clubrules.training.EvidenceSource].
        subject: What the figure is about: a complaint category, a staff
            id, or `"staff id / dimension"` for a survey.
        count: The count (complaints, breaches, survey responses).
        detail: The figure in words, for the person who decides.
    """

    source: EvidenceSource
    subject: str
    count: int
    detail: str


@attrs.frozen(kw_only=True)
class TrainingSuggestion:
    """A suggested training: its topic, who should attend, and why.

    Attributes:
        topic: The topic, such as `"hygiene standards"`.
        kind: The training kind to plan it as (special training by default).
        attendees: The staff suggested, the most concerned first.
        evidence: The figures that led to it.
    """

    topic: str
    kind: TrainingKind
    attendees: tuple[str, ...]
    evidence: tuple[Evidence, ...]

    def explain(self, locale: str | None = None) -> str:
        """The suggestion and its evidence as text, in `locale` (the locale in force by default).

        The evidence lines were worded when the suggestion was made.

        Raises:
            ValidationError: an unknown locale (rule `unknown_locale`).
        """
        who = (
            message("list.sep", locale=locale).join(self.attendees)
            if self.attendees
            else message("training.everyone", locale=locale)
        )
        kind = message(f"training.kind.{self.kind.value}", locale=locale)
        lines = [
            message("training.suggestion", locale=locale, topic=self.topic, kind=kind, who=who)
        ]
        lines.extend(f"  - {e.detail}" for e in self.evidence)
        return "\n".join(lines)


def _pairs(value: object) -> object:
    """A mapping or a list of pairs, as a tuple of items (checked and sorted after)."""
    if isinstance(value, Mapping):
        return tuple(value.items())
    if isinstance(value, list | tuple):
        return tuple(tuple(p) if isinstance(p, list) else p for p in value)
    return value


def _checked_pairs(problems: ViolationCollector, field: str, pairs: object) -> object:
    """`pairs` sorted by name if each is a (name, topic) pair of text, names distinct."""
    if not isinstance(pairs, tuple):
        problems.add(field, "not_a_mapping", "must map names to topics")
        return pairs
    before = len(problems)
    names = set()
    for i, pair in enumerate(pairs):
        if not isinstance(pair, tuple) or len(pair) != 2:
            problems.add(f"{field}[{i}]", "not_a_pair", "must be a (name, topic) pair")
            continue
        name, topic = pair
        check_text(problems, f"{field}[{i}]", name, sensitive=False)
        if isinstance(name, str):
            if name in names:
                problems.add(f"{field}[{i}]", "duplicate_name", "names a category twice")
            names.add(name)
            check_text(problems, f"{field}[{name}]", topic)
    return tuple(sorted(pairs)) if len(problems) == before else pairs


def _to_kind(value: object) -> TrainingKind:
    return to_choice(TrainingKind, value)


def _to_decimal(value: object) -> object:
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


@attrs.frozen(kw_only=True)
class FeedbackRules:
    """When feedback suggests a training, on which topic, and for how many people.

    Attributes:
        category_topics: The training topic of each complaint category (a
            mapping or pairs); a category not named is its own topic.
        dimension_topics: The training topic of each survey dimension; a
            dimension not named is its own topic.
        min_complaints: The complaints of one category in the period that
            suggest its topic (one substantiated complaint always does).
        min_breaches: The breached SLA targets that put a staff member on
            the SLA topic.
        sla_topic: The topic for staff who breached complaint SLA targets.
        survey_floor: A staff member whose mean rating of a dimension is
            below this (on the questionnaire's scale) is suggested for it.
        min_responses: The survey responses a staff member needs before
            their ratings count.
        max_attendees: At most this many attendees per suggestion.
        kind: The training kind suggestions are planned as.

    Raises:
        ValidationError: a count below its minimum, a blank topic, a
            survey floor that is not a finite Decimal; topics that are not a
            mapping or pairs (`not_a_mapping`), an item that is not a
            (name, topic) pair (`not_a_pair`), or a name given twice
            (`duplicate_name`).
    """

    category_topics: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    dimension_topics: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    min_complaints: int = 2
    min_breaches: int = 1
    sla_topic: str = "complaint handling on time"
    survey_floor: Decimal = attrs.field(default=Decimal("3.5"), converter=_to_decimal)
    min_responses: int = 3
    max_attendees: int = 5
    kind: TrainingKind = attrs.field(default=TrainingKind.SPECIAL, converter=_to_kind)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        for field in ("category_topics", "dimension_topics"):
            object.__setattr__(self, field, _checked_pairs(problems, field, getattr(self, field)))
        for field in ("min_complaints", "min_breaches", "min_responses", "max_attendees"):
            check_count(problems, field, getattr(self, field), minimum=1)
        check_text(problems, "sla_topic", self.sla_topic)
        floor: object = self.survey_floor
        if not isinstance(floor, Decimal) or not floor.is_finite():
            problems.add("survey_floor", "not_exact", "must be a finite Decimal (never a float)")
        check_choice(problems, "kind", self.kind, TrainingKind)
        raise_collected(problems)


class _Topic:
    """What one topic has gathered: evidence, and each attendee's weight."""

    def __init__(self) -> None:
        self.evidence: list[Evidence] = []
        # Per staff: substantiated, breaches, complaints, low survey dimensions.
        self.weight: dict[str, list[int]] = {}

    def cite(
        self, source: EvidenceSource, subject: str, count: int, key: str, /, **values: object
    ) -> None:
        """Add a figure as evidence, described by the message `key` with `values`."""
        detail = message(key, locale=None, **values)
        self.evidence.append(Evidence(source=source, subject=subject, count=count, detail=detail))

    def cite_cases(
        self, source: EvidenceSource, category: str, cases: list[Case], key: str, /, **values: str
    ) -> None:
        """Cite how many `cases` of `category` there are; `key` gets `count` and `category` too."""
        count = len(cases)
        self.cite(source, category, count, key, count=count, category=category, **values)

    def concern(self, staff_id: str, slot: int, amount: int) -> None:
        if staff_id in {UNASSIGNED, "-"}:
            return
        self.weight.setdefault(staff_id, [0, 0, 0, 0])[slot] += amount

    def strength(self) -> tuple[int, int, int]:
        by = dict.fromkeys(EvidenceSource, 0)
        for e in self.evidence:
            by[e.source] += e.count
        return (
            by[EvidenceSource.SUBSTANTIATED],
            by[EvidenceSource.COMPLAINTS] + by[EvidenceSource.SLA_BREACHES],
            by[EvidenceSource.SURVEY],
        )


_SUBSTANTIATED, _BREACHES, _COMPLAINTS, _SURVEYS = range(4)


def _substantiated_at(case: Case, start_us: int, end_us: int) -> bool:
    """Whether the case was resolved as substantiated within `[start_us, end_us)`."""
    return any(
        isinstance(e, Resolved) and e.substantiated and start_us <= to_epoch_us(e.at) < end_us
        for e in case.events
    )


def suggest_training(
    rules: FeedbackRules,
    *,
    cases: Iterable[Case],
    start: datetime,
    end: datetime,
    as_of: datetime,
    zone: tzinfo = UTC,
    surveys: Mapping[tuple[str, ...], SurveyStats] | None = None,
) -> list[TrainingSuggestion]:
    """Suggest training topics and attendees from the period's complaints and survey results.

    - A complaint category with at least `rules.min_complaints` complaints
      registered in `[start, end)`, or with a complaint resolved as
      substantiated in it, suggests its topic, for the staff its cases are
      assigned to.
    - Staff whose complaint SLA targets breached at least
      `rules.min_breaches` times in the period (as
      [analyse][clubrules.complaints.analyse] counts them) are suggested
      for `rules.sla_topic`.
    - A staff member whose mean rating of a survey dimension is below
      `rules.survey_floor`, over at least `rules.min_responses` responses,
      is suggested for that dimension's topic.

    Suggestions of one topic are merged. Attendees are ordered by their
    substantiated complaints, then breaches, complaints and low survey
    dimensions (most first), then id; suggestions by the same figures,
    summed, then topic. Cases without an assignee and survey responses
    without a staff member count as evidence but suggest no attendee.

    Args:
        rules: The [FeedbackRules][clubrules.training.FeedbackRules].
        cases: The complaint cases to read (any kind; only complaints count
            toward categories).
        start: The period's start (aware, inclusive).
        end: The period's end (aware, exclusive).
        as_of: The instant the cases are read at (for their SLA status).
        zone: The club's zone, for the complaint analysis.
        surveys: Survey results by staff member, as
            `aggregate_surveys(questionnaire, responses, zone=..., by=("staff",))`
            gives them, for the same period; None to leave surveys out.

    Raises:
        NaiveDatetimeError: a naive instant.
        InvalidIntervalError: `end` is not after `start`.
        ValidationError: `surveys` not grouped by staff alone, or `as_of`
            before a case's last event.
    """
    cases = require_items(cases, Case, "cases")
    require_zone(zone, "zone")
    if not isinstance(rules, FeedbackRules):
        raise ValidationError("must be FeedbackRules", field="rules", rule="type")
    require_aware(start, "start")
    require_aware(end, "end")
    require_aware(as_of, "as_of")
    require_order(start, end, start_field="start", end_field="end")
    start_us, end_us = to_epoch_us(start), to_epoch_us(end)
    chosen = list(cases)
    topics: dict[str, _Topic] = {}
    category_topic = dict(rules.category_topics)

    per_category: dict[str, list[Case]] = {}
    substantiated: dict[str, list[Case]] = {}
    for case in chosen:
        if case.kind is not CaseKind.COMPLAINT:
            continue
        if start_us <= to_epoch_us(case.registered_at) < end_us:
            per_category.setdefault(case.category, []).append(case)
        if _substantiated_at(case, start_us, end_us):
            substantiated.setdefault(case.category, []).append(case)
    for category in sorted(set(per_category) | set(substantiated)):
        registered = per_category.get(category, [])
        upheld = substantiated.get(category, [])
        if len(registered) < rules.min_complaints and not upheld:
            continue
        topic = topics.setdefault(category_topic.get(category, category), _Topic())
        if registered:
            topic.cite_cases(
                EvidenceSource.COMPLAINTS, category, registered, "training.evidence.registered"
            )
        if upheld:
            ids = ", ".join(sorted(c.id for c in upheld))
            topic.cite_cases(
                EvidenceSource.SUBSTANTIATED, category, upheld, "training.evidence.upheld", ids=ids
            )
        for case in registered:
            topic.concern(case.assignee or UNASSIGNED, _COMPLAINTS, 1)
        for case in upheld:
            topic.concern(case.assignee or UNASSIGNED, _SUBSTANTIATED, 1)

    analysis = analyse(
        [case_facts(case, as_of) for case in chosen], start=start, end=end, zone=zone
    )
    for staff_id, figures in sorted(analysis.by_staff.items()):
        if staff_id == UNASSIGNED or figures.breached < rules.min_breaches:
            continue
        topic = topics.setdefault(rules.sla_topic, _Topic())
        topic.cite(
            EvidenceSource.SLA_BREACHES,
            staff_id,
            figures.breached,
            "training.evidence.breached",
            staff=staff_id,
            breached=figures.breached,
            ended=figures.achieved + figures.breached,
        )
        topic.concern(staff_id, _BREACHES, figures.breached)

    _survey_evidence(rules, surveys, topics)

    suggestions = []
    for name, topic in topics.items():
        ranked = sorted(
            topic.weight.items(),
            key=lambda item: (
                -item[1][_SUBSTANTIATED],
                -item[1][_BREACHES],
                -item[1][_COMPLAINTS],
                -item[1][_SURVEYS],
                item[0],
            ),
        )
        suggestions.append(
            (
                topic.strength(),
                TrainingSuggestion(
                    topic=name,
                    kind=rules.kind,
                    attendees=tuple(staff for staff, _ in ranked[: rules.max_attendees]),
                    evidence=tuple(topic.evidence),
                ),
            )
        )
    suggestions.sort(key=lambda pair: (tuple(-n for n in pair[0]), pair[1].topic))
    return [suggestion for _, suggestion in suggestions]


def _survey_evidence(
    rules: FeedbackRules,
    surveys: Mapping[tuple[str, ...], SurveyStats] | None,
    topics: dict[str, _Topic],
) -> None:
    if surveys is None:
        return
    require_mapping(surveys, "surveys")
    dimension_topic = dict(rules.dimension_topics)
    for key in sorted(surveys):
        stats: object = surveys[key]
        if not isinstance(stats, SurveyStats) or len(key) != 1:
            raise ValidationError(
                "must be survey results grouped by staff alone (by=('staff',))",
                field="surveys",
                rule="not_by_staff",
            )
        (staff_id,) = key
        if staff_id == "-" or stats.responses < rules.min_responses:
            continue
        for dimension, mean in stats.dimension_means:
            if mean >= rules.survey_floor:
                continue
            topic = topics.setdefault(dimension_topic.get(dimension, dimension), _Topic())
            topic.cite(
                EvidenceSource.SURVEY,
                f"{staff_id} / {dimension}",
                stats.responses,
                "training.evidence.survey",
                staff=staff_id,
                dimension=dimension,
                mean=mean,
                responses=stats.responses,
                floor=rules.survey_floor,
            )
            topic.concern(staff_id, _SURVEYS, 1)
