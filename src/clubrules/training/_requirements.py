"""Training requirements as rules: who must be trained in what, how often, by when."""

from __future__ import annotations

import enum

# Run-time import (noqa: TC003) so that typing.get_type_hints() resolves public annotations.
from datetime import datetime  # noqa: TC003
from typing import TypeVar

import attrs

from clubrules._checks import (
    check_choice,
    check_count,
    check_instant_field,
    check_tags,
    raise_collected,
    require_choice,
    require_str,
    texts_checked,
    to_choice,
    to_frozenset,
)
from clubrules._time import instants_compared, to_epoch_us
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.training._records import TrainingKind, TrainingMethod

__all__ = [
    "SERVICE_ROLES",
    "Cadence",
    "StaffMember",
    "TrainingRequirement",
    "seed_requirements",
]

E = TypeVar("E", bound=enum.Enum)

SERVICE_ROLES = frozenset({"service_supervisor", "service_specialist"})
"""The customer-service roles of the leisure club's rules (客服主管, 客服專員)."""


class Cadence(enum.Enum):
    """How often a requirement falls due.

    - `ON_HIRE`: once, within a number of business days of the hire date
      (the induction).
    - `MONTHLY`, `QUARTERLY`, `YEARLY`: in every local calendar month,
      quarter or year of the club's business calendar, which is due at its
      end. A session counts in the cycle in which it ends; a missed cycle
      cannot be made up by the next one's sessions.
    - `AS_NEEDED`: no schedule (special training): never overdue.
    """

    ON_HIRE = "on_hire"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    AS_NEEDED = "as_needed"


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class StaffMember:
    """A staff member as training sees them: a role, and when they joined and left.

    Attributes:
        id: The staff id, as the staff area's score sheets name them.
        role: The role (position), such as `"service_specialist"` or
            `"beautician"`: requirements name the roles they apply to.
        hired_at: When they joined (timezone-aware); the induction falls
            due from here, and only cycles that start at or after it are owed.
        left_at: When they left, if they did; cycles that end after it are
            not owed.

    Raises:
        NaiveDatetimeError: a naive instant.
        ValidationError: a blank id or role, or `left_at` before `hired_at`.
    """

    id: str
    role: str
    hired_at: datetime
    left_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "role")
        hired_ok = check_instant_field(problems, self, "hired_at")
        if self.left_at is not None:
            left_ok = check_instant_field(problems, self, "left_at")
            if hired_ok and left_ok and to_epoch_us(self.left_at) < to_epoch_us(self.hired_at):
                problems.add("left_at", "left_before_hired", "must not be before hired_at")
        raise_collected(problems)


def _members(kind: type[E], value: object) -> frozenset[E]:
    """A member, a name or value, or a collection of them, as a frozenset of `kind`'s members.

    Anything else, or a collection holding an unhashable value, is passed on
    whole for the checks to report.
    """
    if isinstance(value, kind | str):
        value = (value,)
    if not isinstance(value, frozenset | set | list | tuple):
        return value  # type: ignore[return-value]  # reported by the checks
    try:
        return frozenset(to_choice(kind, v) for v in value)
    except TypeError:  # an unhashable item, such as a list in the list
        return value  # type: ignore[return-value]  # reported by the checks


def _to_kinds(value: object) -> frozenset[TrainingKind]:
    return _members(TrainingKind, value)


def _to_methods(value: object) -> frozenset[TrainingMethod]:
    return _members(TrainingMethod, value)


def _to_cadence(value: object) -> Cadence:
    return to_choice(Cadence, value)


def _to_roles(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    return to_frozenset(value)


_ALL_METHODS = frozenset(TrainingMethod)


def _check_members(
    problems: ViolationCollector, field: str, value: object, kind: type[enum.Enum]
) -> None:
    if not isinstance(value, frozenset):
        problems.add(field, f"not_{field}", f"must be a set of {kind.__name__} values")
        return
    for member in sorted(value, key=repr):
        check_choice(problems, field, member, kind)


@attrs.frozen(kw_only=True)
class TrainingRequirement:
    """A training rule: which sessions count, how many, how often, and for which roles.

    Attributes:
        id: The rule's id, such as `"induction"`.
        name: What it is called in reports.
        kinds: The training kinds whose sessions count (one kind, or a set).
        cadence: How often it falls due (a [Cadence][clubrules.training.Cadence]).
        sessions: How many sessions are needed in each cycle (for `ON_HIRE`,
            in all); at least 1.
        within_business_days: For `ON_HIRE` only, and needed there: the
            business days after the hire by which the sessions must be done,
            on the club's business calendar.
        roles: The roles it applies to; empty for every role.
        methods: The methods that count; every method by default.
        topics: The topics that count; empty for any topic.

    Raises:
        ValidationError: a blank id or name, no kinds, an unknown kind,
            method or cadence, a count below 1, `within_business_days`
            missing for `ON_HIRE` or given for another cadence, a blank role
            or topic; every problem is reported at once.

    Examples:
        >>> safety = TrainingRequirement(id="safety", name="Safety training", kinds="safety",
        ...                              cadence="quarterly")
        >>> safety.applies_to("beautician"), safety.sessions
        (True, 1)
    """

    id: str
    name: str
    kinds: frozenset[TrainingKind] = attrs.field(converter=_to_kinds)
    cadence: Cadence = attrs.field(converter=_to_cadence)
    sessions: int = 1
    within_business_days: int | None = None
    roles: frozenset[str] = attrs.field(factory=frozenset, converter=_to_roles)
    methods: frozenset[TrainingMethod] = attrs.field(default=_ALL_METHODS, converter=_to_methods)
    topics: frozenset[str] = attrs.field(factory=frozenset, converter=_to_roles)

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "name")
        _check_members(problems, "kinds", self.kinds, TrainingKind)
        kinds: object = self.kinds
        if isinstance(kinds, frozenset) and not kinds:
            problems.add("kinds", "empty", "needs at least one training kind")
        check_choice(problems, "cadence", self.cadence, Cadence)
        check_count(problems, "sessions", self.sessions, minimum=1)
        within: object = self.within_business_days
        if self.cadence is Cadence.ON_HIRE:
            if within is None:
                problems.add(
                    "within_business_days", "missing", "an on-hire requirement needs a deadline"
                )
            else:
                check_count(problems, "within_business_days", within, minimum=1)
        elif within is not None:
            problems.add(
                "within_business_days", "not_on_hire", "only an on-hire requirement has one"
            )
        check_tags(problems, "roles", self.roles)
        _check_members(problems, "methods", self.methods, TrainingMethod)
        methods: object = self.methods
        if isinstance(methods, frozenset) and not methods:
            problems.add("methods", "empty", "needs at least one method")
        check_tags(problems, "topics", self.topics)
        raise_collected(problems)

    def applies_to(self, role: str) -> bool:
        """Whether the rule applies to staff in `role`.

        Raises:
            ValidationError: `role` is not a string (`not_a_string`).
        """
        require_str(role, "role")
        return not self.roles or role in self.roles

    def counts(self, kind: TrainingKind, method: TrainingMethod, topic: str) -> bool:
        """Whether a training of this kind, method and topic counts for the rule.

        Raises:
            ValidationError: `kind` or `method` is no member (`unknown_choice`),
                or `topic` is not a string (`not_a_string`).
        """
        try:
            return (
                kind in self.kinds
                and method in self.methods
                and (not self.topics or topic in self.topics)
            )
        except TypeError:  # an unhashable argument: say which, at no cost to the happy path
            require_choice(TrainingKind, kind, "kind")
            require_choice(TrainingMethod, method, "method")
            require_str(topic, "topic")
            raise


# The seed's rules for every role, one session a cycle: id, name, kind, cadence.
_FOR_EVERY_ROLE = (
    ("safety", "Safety training", TrainingKind.SAFETY, Cadence.QUARTERLY),
    ("privacy", "Privacy-awareness training", TrainingKind.PRIVACY, Cadence.YEARLY),
    ("special", "Special training", TrainingKind.SPECIAL, Cadence.AS_NEEDED),
)


def seed_requirements(
    *,
    induction_days: int,
    sessions_per_month: int,
    service_roles: frozenset[str] = SERVICE_ROLES,
) -> tuple[TrainingRequirement, ...]:
    """The training rules of the club documents, with the numbers they leave blank.

    - Induction (入職培訓) for every new staff member, within
      `induction_days` business days of the hire (001 leaves the number as [X]).
    - Periodic service training (定期培訓), `sessions_per_month` times a
      month, for the customer-service roles (001 leaves the number as [X]).
    - Safety training (安全培訓: first aid, fire safety) every quarter, for
      every role (002).
    - Privacy-awareness training (隱私保護意識培訓) every year, for every role
      (000: beauticians and the other staff).
    - Special training (專項培訓) as the business needs, for every role: never
      overdue; see [suggest_training][clubrules.training.suggest_training].

    Every method (internal, external, online) counts for every rule. Build
    your own `TrainingRequirement` values to change any of this.

    Args:
        induction_days: The business days after the hire by which the
            induction must be done.
        sessions_per_month: The periodic sessions needed every month.
        service_roles: The roles the periodic service training applies to.

    Raises:
        ValidationError: a count below 1.

    Examples:
        >>> rules = seed_requirements(induction_days=5, sessions_per_month=2)
        >>> [(r.id, r.cadence.value, r.sessions) for r in rules]
        [('induction', 'on_hire', 1), ('service', 'monthly', 2), ('safety', 'quarterly', 1), ('privacy', 'yearly', 1), ('special', 'as_needed', 1)]
    """  # noqa: E501 - a doctest output line
    problems = ViolationCollector()
    check_count(problems, "induction_days", induction_days, minimum=1)
    check_count(problems, "sessions_per_month", sessions_per_month, minimum=1)
    if problems:
        raise ValidationError(violations=problems.violations)
    return (
        TrainingRequirement(
            id="induction",
            name="Induction training",
            kinds=TrainingKind.INDUCTION,
            cadence=Cadence.ON_HIRE,
            within_business_days=induction_days,
        ),
        TrainingRequirement(
            id="service",
            name="Periodic service training",
            kinds=TrainingKind.PERIODIC,
            cadence=Cadence.MONTHLY,
            sessions=sessions_per_month,
            roles=service_roles,
        ),
        *(
            TrainingRequirement(id=rule_id, name=name, kinds=kind, cadence=cadence)
            for rule_id, name, kind, cadence in _FOR_EVERY_ROLE
        ),
    )
