"""SLA policies: versioned values naming their targets, and the book that selects them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Final, TypeVar

import attrs

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from clubrules._checks import (
    TEXT_MAX_CHARS,
    check_enum,
    check_flag,
    check_int_range,
    check_storable_text,
    is_finite,
    require_choice,
    require_instance,
    require_int,
    revision,
    shown,
)
from clubrules.calendar import BusinessCalendar
from clubrules.complaints._model import (
    MANAGEMENT,
    SUPERVISOR,
    CaseKind,
    Severity,
    TargetKind,
    TimeBasis,
    check_channel,
)
from clubrules.errors import NotFoundError, ValidationError, ViolationCollector

__all__ = [
    "DEFAULT_REOPEN_WINDOW",
    "Escalation",
    "PolicyBook",
    "SlaPolicy",
    "SlaTarget",
    "default_book",
    "default_policy",
]

DEFAULT_REOPEN_WINDOW = timedelta(days=30)
"""How long after resolution (or closing) a case may still be reopened, by default."""

# Targets that stop while the case awaits the customer, unless a target says otherwise.
_PAUSES_BY_DEFAULT = frozenset({TargetKind.PROGRESS_UPDATE, TargetKind.RESOLUTION})
_ROLE_MAX = 40


_C = TypeVar("_C", tuple[str, ...], frozenset[str])


def _names(value: object, collect: Callable[[Iterable[str]], _C]) -> _C:
    """One string as a one-element collection, any other iterable collected; else passed on."""
    if isinstance(value, str):
        return collect((value,))
    if isinstance(value, Iterable):
        return collect(value)
    return value  # type: ignore[return-value]  # reported by the validator


def _roles(value: object) -> tuple[str, ...]:
    return _names(value, tuple)


_ESCALATION_AT_MAX: Final = 1_000
"""The largest `Escalation.at`: a thousand times a target's time."""


@attrs.frozen
class Escalation:
    """Who is told when a target runs late, and when.

    Attributes:
        notify: The roles told, such as `SUPERVISOR` or `MANAGEMENT` (any
            non-blank strings; a single string is accepted).
        at: The fraction of the target's time after which the escalation
            fires: `1.0` (the default) fires as the target breaches, `1.5`
            when half its time again has passed. It is read as the decimal
            it is written as, and `at * within` is exact, with no float
            rounding: the escalation fires at the first microsecond of
            counted time past it.

    Raises:
        ValidationError: no roles, a blank role, or `at` below 1 or above
            1,000 (rule `too_large`).
    """

    notify: tuple[str, ...] = attrs.field(converter=_roles)
    at: float = 1.0

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        notify: object = self.notify
        if not isinstance(notify, tuple) or not notify:
            problems.add("notify", "empty", "must name at least one role")
        else:
            for i, role in enumerate(notify):
                if not isinstance(role, str) or not role.strip() or len(role) > _ROLE_MAX:
                    problems.add(f"notify[{i}]", "bad_role", "must be a non-blank role name")
        at: object = self.at
        if isinstance(at, bool) or not isinstance(at, int | float) or not is_finite(at):
            problems.add("at", "not_a_number", "must be a finite number")
        elif at < 1:
            problems.add("at", "too_small", "must be at least 1.0 (escalations follow a breach)")
        elif at > _ESCALATION_AT_MAX:
            # The threshold is `at` times a target's time: far past any clock.
            problems.add("at", "too_large", f"must be at most {_ESCALATION_AT_MAX:,}")
        problems.raise_if_any()


@attrs.frozen
class SlaTarget:
    """One target of a policy: what must happen, within how long, counted how.

    Attributes:
        kind: Which target (first response, progress update, resolution,
            follow-up, management report).
        within: The time allowed, counted on `basis`. For a progress update,
            the interval between two contacts with the customer.
        basis: `TimeBasis.CALENDAR` counts every hour of the clock;
            `TimeBasis.BUSINESS` counts only the open hours of `calendar`.
            Nothing is ever converted through "hours per day".
        calendar: The `BusinessCalendar` of a business-time target (required
            then). On a calendar-time target it is optional and only moves
            warnings and escalations into opening hours; leave it out for
            targets that must alert at any hour (safety incidents).
        warn_at: The fraction of `within` elapsed at which a warning fires
            (0 < warn_at <= 1; 0.8 by default). It is read as the decimal
            it is written as (0.07 is seven hundredths) and the threshold
            `warn_at * within` is exact, with no float rounding: the warning
            fires at the first microsecond of counted time at or past it.
        escalation: Who is told when the target runs late, or None.
        pauses: Whether the target stops while the case awaits the customer.
            None (the default) means yes for progress updates and resolution,
            no for the others.

    Raises:
        ValidationError: every problem found, together.
    """

    kind: TargetKind
    within: timedelta
    basis: TimeBasis = TimeBasis.CALENDAR
    calendar: BusinessCalendar | None = attrs.field(default=None, hash=False)
    warn_at: float = 0.8
    escalation: Escalation | None = None
    pauses: bool | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_enum(problems, "kind", self.kind, TargetKind)
        within: object = self.within
        if not isinstance(within, timedelta):
            problems.add("within", "not_a_timedelta", "must be a timedelta")
        elif within <= timedelta(0):
            problems.add("within", "not_positive", "must be longer than zero")
        basis: object = self.basis
        if not isinstance(basis, TimeBasis):
            problems.add("basis", "unknown_choice", "must be a TimeBasis")
        elif basis is TimeBasis.BUSINESS and self.calendar is None:
            problems.add(
                "calendar",
                "calendar_required",
                "a business-time target needs the BusinessCalendar it counts on",
            )
        warn: object = self.warn_at
        if isinstance(warn, bool) or not isinstance(warn, int | float) or not 0 < warn <= 1:
            problems.add("warn_at", "out_of_range", "must be a fraction with 0 < warn_at <= 1")
        calendar: object = self.calendar
        if calendar is not None and not isinstance(calendar, BusinessCalendar):
            problems.add("calendar", "wrong_type", "must be a BusinessCalendar or None")
        escalation: object = self.escalation
        if escalation is not None and not isinstance(escalation, Escalation):
            problems.add("escalation", "not_an_escalation", "must be an Escalation or None")
        if self.pauses is not None:
            check_flag(problems, "pauses", self.pauses)
        problems.raise_if_any()

    @property
    def pauses_for_customer(self) -> bool:
        """Whether this target stops while the case awaits the customer."""
        if self.pauses is not None:
            return self.pauses
        return self.kind in _PAUSES_BY_DEFAULT


def _targets(value: object) -> tuple[SlaTarget, ...]:
    if isinstance(value, Iterable) and not isinstance(value, str):
        return tuple(value)
    return value  # type: ignore[return-value]  # reported by the validator


def _severities(value: object) -> frozenset[Severity]:
    if isinstance(value, Severity):
        return frozenset({value})
    if isinstance(value, Iterable) and not isinstance(value, str):
        return frozenset(value)
    return value  # type: ignore[return-value]  # reported by the validator


@attrs.frozen
class SlaPolicy:
    """A versioned SLA policy: the targets a case of one kind runs under.

    A case records the id and version of its policy at registration, and is
    always replayed under exactly that version: publishing version 2 never
    rewrites a case registered under version 1. Make a new version with
    `revise`.

    Attributes:
        id: The policy's identifier, such as `"complaint-default"`.
        version: Its version, from 1.
        kind: The case kind it applies to.
        targets: Its targets, at most one per `TargetKind`.
        severities: The severities it applies to; empty means any severity
            (a policy naming the severity wins over one that does not).
        reopen_window: How long after resolution (or closing) an unsatisfied
            customer's case may be reopened; later, it closes unresolved.
        name: A label for people.

    Raises:
        ValidationError: every problem found, together.
    """

    id: str
    version: int
    kind: CaseKind
    targets: tuple[SlaTarget, ...] = attrs.field(converter=_targets)
    severities: frozenset[Severity] = attrs.field(default=frozenset(), converter=_severities)
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW
    name: str = ""

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        policy_id: object = self.id
        if not isinstance(policy_id, str) or not policy_id.strip():
            problems.add("id", "empty", "must be a non-blank string")
        version: object = self.version
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            problems.add("version", "not_positive", "must be an integer >= 1")
        else:
            check_int_range(problems, "version", version)
        check_enum(problems, "kind", self.kind, CaseKind)
        check_storable_text(problems, "name", self.name, limit=TEXT_MAX_CHARS)
        targets: object = self.targets
        if not isinstance(targets, tuple):
            problems.add("targets", "not_a_sequence", "must be a sequence of SlaTarget")
        else:
            seen: set[TargetKind] = set()
            for i, target in enumerate(targets):
                if not isinstance(target, SlaTarget):
                    problems.add(f"targets[{i}]", "not_a_target", "must be an SlaTarget")
                elif target.kind in seen:
                    problems.add(
                        f"targets[{i}]", "duplicate_target", f"{target.kind.value} is set twice"
                    )
                else:
                    seen.add(target.kind)
        severities: object = self.severities
        if not isinstance(severities, frozenset) or not all(
            isinstance(s, Severity) for s in severities
        ):
            problems.add("severities", "unknown_choice", "must be a set of Severity")
        window: object = self.reopen_window
        if not isinstance(window, timedelta) or window < timedelta(0):
            problems.add("reopen_window", "negative", "must be a timedelta >= 0")
        problems.raise_if_any()

    def target(self, kind: TargetKind) -> SlaTarget | None:
        """The policy's target of this kind, or None if it sets none."""
        for target in self.targets:
            if target.kind is kind:
                return target
        return None

    def revise(self, **changes: Any) -> SlaPolicy:  # noqa: ANN401 - attrs.evolve's field values
        """A new version of this policy with `changes` applied.

        The version is `version + 1` unless `changes` names one, which must
        then be above the current version.

        Raises:
            ValidationError: an unknown field (`unknown_field`), a version
                not above the current one (`version_not_after`), or any
                problem of the changed policy.
        """
        return attrs.evolve(self, **revision(self, self.version, changes))


def _policies(value: object) -> tuple[SlaPolicy, ...]:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return tuple(value)
    return value  # type: ignore[return-value]  # reported by the validator


def _channels(value: object) -> frozenset[str] | None:
    if value is None or isinstance(value, frozenset):
        return value
    return _names(value, frozenset)


@attrs.frozen
class PolicyBook:
    """Every version of a club's SLA policies, and the channels it accepts.

    Attributes:
        policies: Every version of every policy; (id, version) is unique.
        channels: The accepted channels, or None for the open set (any slug).

    Raises:
        ValidationError: a repeated (id, version), two policies of the same
            id for different kinds, an ambiguous selection, or a bad channel.
    """

    policies: tuple[SlaPolicy, ...] = attrs.field(converter=_policies)
    channels: frozenset[str] | None = attrs.field(default=None, converter=_channels)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        seen: dict[tuple[str, int], SlaPolicy] = {}
        kinds: dict[str, CaseKind] = {}
        given: object = self.policies
        if not isinstance(given, tuple):
            problems.add("policies", "not_a_list", "must be a list of SlaPolicy values")
            given = ()
        for i, policy in enumerate(given):
            if not isinstance(policy, SlaPolicy):
                problems.add(f"policies[{i}]", "not_a_policy", "must be an SlaPolicy")
                continue
            key = (policy.id, policy.version)
            if key in seen:
                problems.add(
                    f"policies[{i}]",
                    "duplicate_version",
                    f"{policy.id!r} version {policy.version} is given twice",
                )
            seen[key] = policy
            if kinds.setdefault(policy.id, policy.kind) is not policy.kind:
                problems.add(
                    f"policies[{i}]", "kind_changed", f"{policy.id!r} changes its case kind"
                )
        if not problems:
            self._check_selection(problems)
        channels: object = self.channels
        if channels is not None:
            if not isinstance(channels, frozenset):
                problems.add("channels", "not_a_set", "must be a set of channel slugs or None")
            else:
                for channel in sorted(map(str, channels)):
                    try:
                        check_channel(channel)
                    except ValidationError as error:
                        problems.absorb(error, prefix="channels")
        problems.raise_if_any()

    def _check_selection(self, problems: ViolationCollector) -> None:
        claims: dict[tuple[CaseKind, Severity | None], str] = {}
        for policy in self._latest().values():
            keys: list[tuple[CaseKind, Severity | None]] = [
                (policy.kind, s) for s in policy.severities
            ] or [(policy.kind, None)]
            for key in keys:
                other = claims.setdefault(key, policy.id)
                if other != policy.id:
                    level = key[1].value if key[1] is not None else "any severity"
                    problems.add(
                        "policies",
                        "ambiguous",
                        f"{other!r} and {policy.id!r} both apply to {key[0].value} at {level}",
                    )

    def _latest(self) -> dict[str, SlaPolicy]:
        latest: dict[str, SlaPolicy] = {}
        for policy in self.policies:
            if policy.id not in latest or policy.version > latest[policy.id].version:
                latest[policy.id] = policy
        return latest

    def get(self, policy_id: str, version: int) -> SlaPolicy:
        """The policy `policy_id` at exactly `version`.

        Raises:
            NotFoundError: the book holds no such version.
            ValidationError: `version` is not an int.
        """
        require_int(version, "version")
        for policy in self.policies:
            if policy.id == policy_id and policy.version == version:
                return policy
        raise NotFoundError("policy", f"{policy_id}@{shown(version)}")

    def latest(self, policy_id: str) -> SlaPolicy:
        """The newest version of `policy_id`.

        Raises:
            NotFoundError: the book holds no policy with this id.
            ValidationError: `policy_id` is not a string.
        """
        found = self._latest().get(require_instance(policy_id, str, "policy_id"))
        if found is None:
            raise NotFoundError("policy", policy_id)
        return found

    def select(self, kind: CaseKind, severity: Severity = Severity.NORMAL) -> SlaPolicy:
        """The newest policy for a case of `kind` at `severity`.

        A policy that names `severity` wins over one that applies to any
        severity.

        Raises:
            NotFoundError: no policy applies.
            ValidationError: `kind` or `severity` is not one of its enum's members.
        """
        kind = require_choice(CaseKind, kind, "kind")
        severity = require_choice(Severity, severity, "severity")
        general = None
        for policy in self._latest().values():
            if policy.kind is not kind:
                continue
            if severity in policy.severities:
                return policy
            if not policy.severities:
                general = policy
        if general is None:
            raise NotFoundError("policy", f"{kind.value}/{severity.value}")
        return general

    def publish(self, policy: SlaPolicy) -> PolicyBook:
        """A book that also holds `policy` (usually a new version from `SlaPolicy.revise`)."""
        return attrs.evolve(self, policies=(*self.policies, policy))

    def check_channel(self, channel: object) -> str:
        """Return `channel` if the book accepts it.

        Raises:
            ValidationError: not a channel slug (`bad_channel`), or not among
                the book's channels when they are restricted (`unknown_channel`).
        """
        return check_channel(channel, self.channels)


def default_policy(kind: CaseKind, *, calendar: BusinessCalendar | None = None) -> SlaPolicy:
    """The built-in policy for a case kind, from the club documents.

    - Complaint: first response within 24 hours, progress update every
      48 hours, resolution within 7 days, follow-up within 3 days of
      resolution; breaches go to the customer-service supervisor, a late
      resolution also to management.
    - Safety incident: reported to management within 1 hour (at any hour,
      warning at half time), first response within 4 hours, resolution
      within 7 days, follow-up within 3 days.
    - Promised reply: the reply by the promised time (24 hours when no time
      was promised), resolution within 7 days.

    All targets count calendar time, as the documents do ("24 小时", "7 天").
    With `calendar`, warnings and escalations wait for opening hours (not for
    the safety report). Configure business-time targets with `SlaTarget`.
    """
    kind = require_choice(CaseKind, kind, "kind")
    day = timedelta(days=1)
    supervisor = Escalation((SUPERVISOR,))
    both = Escalation((SUPERVISOR, MANAGEMENT))
    targets: tuple[SlaTarget, ...]
    if kind is CaseKind.SAFETY_INCIDENT:
        targets = (
            SlaTarget(
                TargetKind.MANAGEMENT_REPORT,
                timedelta(hours=1),
                warn_at=0.5,
                escalation=Escalation((MANAGEMENT,)),
            ),
            SlaTarget(
                TargetKind.FIRST_RESPONSE, timedelta(hours=4), calendar=calendar, escalation=both
            ),
            SlaTarget(TargetKind.RESOLUTION, 7 * day, calendar=calendar, escalation=both),
            SlaTarget(TargetKind.FOLLOW_UP, 3 * day, calendar=calendar, escalation=supervisor),
        )
    elif kind is CaseKind.PROMISED_REPLY:
        targets = (
            SlaTarget(TargetKind.FIRST_RESPONSE, day, calendar=calendar, escalation=supervisor),
            SlaTarget(TargetKind.RESOLUTION, 7 * day, calendar=calendar, escalation=supervisor),
        )
    else:
        targets = (
            SlaTarget(TargetKind.FIRST_RESPONSE, day, calendar=calendar, escalation=supervisor),
            SlaTarget(
                TargetKind.PROGRESS_UPDATE, 2 * day, calendar=calendar, escalation=supervisor
            ),
            SlaTarget(TargetKind.RESOLUTION, 7 * day, calendar=calendar, escalation=both),
            SlaTarget(TargetKind.FOLLOW_UP, 3 * day, calendar=calendar, escalation=supervisor),
        )
    return SlaPolicy(f"{kind.value}-default", 1, kind, targets, name=f"default {kind.value}")


def default_book(
    *, calendar: BusinessCalendar | None = None, channels: Iterable[str] | None = None
) -> PolicyBook:
    """A `PolicyBook` holding the default policy of every case kind."""
    return PolicyBook(
        tuple(default_policy(kind, calendar=calendar) for kind in CaseKind),
        channels=channels,  # the converter makes it a frozenset
    )
