"""A value the library keeps or acts on holds what its annotations say, or is refused.

A value class that takes a field of the wrong type (a number where a name
belongs, a string where a date does) and keeps it fails later, somewhere
else: a rule compares it with a date and raises a plain `TypeError`, or one
storage adapter stores it while another refuses it with its own error. For
every public value class that callers build, each field is given values of
other types in turn (None, numbers, text, bytes, lists, dates, instants,
Decimals, tuples, mappings). The class must refuse each with a
`ClubRulesError`, or hold a value its annotation admits (a converter may
turn a list into a tuple, a mapping into pairs, a name into an enum).

Results the library builds for the caller to read are not checked: they
are listed in `RESULTS`, each with the rule or report that makes them.
"""

from __future__ import annotations

import collections.abc as cabc
import datetime as dt
import decimal
import types
import typing
from typing import Any

import attrs
import pytest

from clubrules.errors import ClubRulesError

from ._walk import NoSampleError, guarded, targets, valid_call

_C = "clubrules."

# Classes the library builds as answers: name -> what makes them.
RESULTS: dict[str, str] = {
    f"{_C}Violation": "a ValidationError's own record of one problem",
    f"{_C}activities.ActivityFigures": "activity_figures",
    f"{_C}activities.InvitationPlan": "plan_invitations",
    f"{_C}activities.ScheduledActivity": "ActivitySchedule.add",
    f"{_C}activities.Skipped": "plan_invitations",
    f"{_C}activities.SpendComparison": "compare_spend",
    f"{_C}booking.CheckResult": "BookingRules.check",
    f"{_C}booking.Conflict": "find_conflicts",
    f"{_C}booking.ConflictReport": "find_conflicts",
    f"{_C}booking.OverCapacity": "find_conflicts",
    f"{_C}booking.Reason": "BookingRules.check",
    f"{_C}booking.SeriesCheck": "check_series",
    f"{_C}booking.Slot": "BookingRules.alternatives",
    f"{_C}booking.SuccessRate": "success_rate",
    f"{_C}calendar.HolidayData": "holiday_data",
    f"{_C}care.ChurnWarning": "scan_churn",
    f"{_C}care.SurveyStats": "aggregate_surveys",
    f"{_C}complaints.Alert": "check_alerts",
    f"{_C}complaints.CaseFacts": "case_facts",
    f"{_C}complaints.ComplaintAnalysis": "analyse",
    f"{_C}complaints.Figures": "analyse",
    f"{_C}complaints.TargetStatus": "sla_status",
    f"{_C}privacy.AccessReport": "access_report",
    f"{_C}privacy.BlindIndexPlan": "plan_blind_index",
    f"{_C}privacy.DeletionDue": "deletion_schedule",
    f"{_C}staff.CriterionDrag": "team_report",
    f"{_C}staff.CriterionScore": "assess (held by the ScoreSheet, which checks its text)",
    f"{_C}staff.DismissalReview": "decide_outcome",
    f"{_C}staff.Outcome": "decide_outcome",
    f"{_C}staff.PeriodSummary": "team_report",
    f"{_C}staff.RewardRecommendation": "decide_outcome",
    f"{_C}staff.ScoreLine": "assess (held by the ScoreSheet, which checks its text)",
    f"{_C}staff.TeamReport": "team_report",
    f"{_C}staff.Trend": "team_report",
    f"{_C}tiering.Classification": "classify",
    f"{_C}tiering.RfmScore": "rfm_scores",
    f"{_C}tiering.Score": "ScoringModel.score",
    f"{_C}tiering.TierBatch": "TierProgram.decide_many",
    f"{_C}tiering.TierDecision": "TierProgram.decide",
    f"{_C}training.BudgetLine": "spend_against_budget",
    f"{_C}training.ComplianceReport": "compliance_report",
    f"{_C}training.Evidence": "suggest_training",
    f"{_C}training.Obligation": "compliance_report",
    f"{_C}training.StaffCompliance": "compliance_report",
    f"{_C}training.TrainingSuggestion": "suggest_training",
}

# Parts checked by the value that holds them, where they are used: name -> holder.
PARTS: dict[str, str] = {
    f"{_C}tiering.Tier": "TierProgram names a bad tier's field (tiers[i].name, tiers[i].min)",
    f"{_C}tiering.Band": "BandScheme names a bad band's field (bands[i].name, bands[i].min)",
}

OTHER_TYPES: tuple[tuple[str, object], ...] = (
    ("None", None),
    ("int", 7),
    ("bool", True),
    ("str", "x"),
    ("bytes", b"x"),
    ("list", ["x"]),
    ("float", 1.5),
    ("date", dt.date(2026, 1, 1)),
    ("datetime", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
    ("Decimal", decimal.Decimal("1.5")),
    ("tuple", ("x",)),
    ("dict", {"x": 1}),
)


def _admits(value: object, hint: Any) -> bool:
    """Whether `value` is of the annotated type (`bool` is no `int`, a datetime no `date`)."""
    if hint is Any or hint is object or isinstance(hint, typing.TypeVar | str):
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_admits(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if origin is typing.Annotated:
        return _admits(value, args[0])
    if hint is type(None):
        return value is None
    if origin is None:
        if not isinstance(hint, type):
            return True
        if hint is int:
            return isinstance(value, int) and not isinstance(value, bool)
        if hint is float:  # an int is a float to a type checker
            return isinstance(value, int | float) and not isinstance(value, bool)
        if hint is dt.date:
            return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        return isinstance(value, hint)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_admits(v, args[0]) for v in value)
        return len(value) == len(args) and all(_admits(v, a) for v, a in zip(value, args))  # noqa: B905
    if origin in (frozenset, set, cabc.Set):
        return isinstance(value, set | frozenset) and all(_admits(v, args[0]) for v in value)
    if origin in (dict, cabc.Mapping):
        return isinstance(value, cabc.Mapping) and all(
            _admits(k, args[0]) and _admits(v, args[1]) for k, v in value.items()
        )
    if origin in (list, cabc.Sequence):
        return (
            isinstance(value, cabc.Sequence)
            and not isinstance(value, str | bytes)
            and all(_admits(v, args[0]) for v in value)
        )
    if origin is cabc.Callable:
        return callable(value)
    return isinstance(value, origin)


def _value_classes() -> dict[str, Any]:
    found = {}
    for target in targets():
        if target.attr is not None or target.owner is None or not attrs.has(target.owner):
            continue
        if target.name in RESULTS or target.name in PARTS:
            continue
        try:
            found[target.name] = valid_call(target)
        except NoSampleError:
            continue  # test_hostile_inputs.py fails for it
    return found


CLASSES = _value_classes()


def test_the_check_covers_the_value_classes() -> None:
    assert len(CLASSES) > 80
    listed = set(RESULTS) | set(PARTS)
    known = {t.name for t in targets() if t.attr is None and t.owner is not None}
    stale = sorted(listed - known)
    assert not stale, f"listed classes that are no public class: {stale}"


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_field_of_another_type_is_refused_or_held_as_its_annotation_says(name: str) -> None:
    call = CLASSES[name]
    owner = call.target.owner
    hints = typing.get_type_hints(owner)
    kept = []
    for field in attrs.fields(owner):
        if not field.init or field.name not in hints:
            continue
        key = field.alias or field.name
        for label, other in OTHER_TYPES:
            values = {**call.values, key: other}
            made: list[Any] = []

            def build(values: dict[str, Any] = values, made: list[Any] = made) -> None:
                made.append(owner(**values))

            error = guarded(build)
            if error is not None:
                assert isinstance(error, ClubRulesError), (
                    f"{name}({key}=<{label}>) raised {type(error).__name__}, not a library error"
                )
                continue
            held = getattr(made[0], field.name)
            if not _admits(held, hints[field.name]):
                kept.append(f"{key}=<{label}>")
    assert not kept, f"{name} keeps values its annotations do not admit: {kept}"
