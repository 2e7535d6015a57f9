"""The events of a case's append-only log: one frozen value per thing that happened.

Every event has `at`, the aware instant it happened. Each channel produces
the same events: a call, a WeChat message and a note typed into the website
form are all a `CustomerContacted` (or `CustomerReplied`) with a different
`channel`, so none is missed by an SLA target.
"""

from __future__ import annotations

from collections.abc import Sequence  # noqa: TC003 - check_new_stream's annotations resolve at run time
from datetime import datetime
from typing import ClassVar, TypeAlias

import attrs

from clubrules._checks import (
    ID_MAX_CHARS,
    NAIVE_RULES,
    check_enum,
    check_flag,
    check_int_range,
    check_storable,
    raise_collected,
)
from clubrules._time import canonical_instant, instants_compared, to_epoch_us
from clubrules.complaints._model import MANAGEMENT, CaseKind, Severity, check_channel
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.money import Money

__all__ = [
    "Assigned",
    "AwaitingCustomer",
    "CaseEvent",
    "ClosedUnresolved",
    "CustomerContacted",
    "CustomerReplied",
    "FollowUpScheduled",
    "FollowedUp",
    "InvestigationStarted",
    "Merged",
    "ProposalDeclined",
    "Registered",
    "Reopened",
    "ReportedToManagement",
    "ResolutionProposed",
    "Resolved",
    "Withdrawn",
    "check_new_stream",
]

# Field checks, by name. Fields not named here are checked by their class.
_TEXT = frozenset({"by", "case_id", "customer_id", "policy_id", "to", "into"})
_SENSITIVE_TEXT = frozenset({"contact", "content"})
_OPTIONAL_TEXT = frozenset({"note", "question", "reason", "remedy", "category", "assignee"})
_INSTANTS = frozenset({"at", "reply_by", "planned_for"})
_BOOLS = frozenset({"apology", "substantiated", "satisfied"})
_TEXT_MAX = 4000
# Ids and short labels: the case id is a primary key, the others are ids too.
_SHORT = frozenset(
    {"by", "case_id", "customer_id", "policy_id", "to", "into", "category", "assignee"}
)


def _limit(name: str) -> int:
    return ID_MAX_CHARS if name in _SHORT else _TEXT_MAX


def _check_fields(event: attrs.AttrsInstance, problems: ViolationCollector) -> None:
    """Check each field of `event` by its name (see the sets above)."""
    for field in attrs.fields(type(event)):
        name = field.name
        value = getattr(event, name)
        if name in _INSTANTS:
            if value is None and field.default is None:
                continue  # an optional instant not given
            try:
                # Canonical, so a skipped wall time equals itself read back.
                object.__setattr__(event, name, canonical_instant(value, name))
            except ValidationError as error:
                problems.absorb(error)
        elif name in _TEXT or name in _SENSITIVE_TEXT:
            if not isinstance(value, str) or not value.strip():
                problems.add(name, "required", "is required (a non-blank string)")
            else:
                check_storable(problems, name, value, limit=_limit(name))
        elif name in _OPTIONAL_TEXT:
            if value is None and isinstance(field.default, str):
                # Text typed `str` left out as None: its default, as an adapter reads it back.
                object.__setattr__(event, name, field.default)
            elif value is not None and not isinstance(value, str):
                problems.add(name, "not_text", f"must be a string of at most {_limit(name)} chars")
            else:
                check_storable(problems, name, value, limit=_limit(name))
        elif name in _BOOLS:
            check_flag(problems, name, value)
        elif name == "channel":
            try:
                check_channel(value)
            except ValidationError as error:
                problems.absorb(error)
        elif name == "compensation" and value is not None:
            if not isinstance(value, Money):
                problems.add(name, "not_money", "must be Money or None")
            elif value.amount < 0:
                problems.add(name, "negative_compensation", "must not be negative")


@attrs.frozen(kw_only=True)
class _Event:
    """What every event does on creation: check its fields by name, then its own rules.

    All problems are reported together: `NaiveDatetimeError` if every one is
    about a naive or missing datetime, `ValidationError` otherwise. The base
    has no fields; the bases below hold the fields that several events share,
    first in each event's order. Equality, repr and pickling are per class;
    instants compare as instants (epoch microseconds), never as wall times.
    """

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_fields(self, problems)
        self._check_own(problems)
        raise_collected(problems, NAIVE_RULES)

    def _check_own(self, problems: ViolationCollector) -> None:
        """Add the problems particular to this kind of event (none by default)."""


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class _StaffEvent(_Event):
    """An event a staff member recorded: when, and who."""

    at: datetime
    by: str


@attrs.frozen(kw_only=True)
class _StaffContact(_StaffEvent):
    """A staff member's contact with the customer: when, who, and through which channel."""

    channel: str


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class _CustomerAnswer(_Event):
    """The customer's answer: when, through which channel, and what they said."""

    at: datetime
    channel: str
    note: str = attrs.field(default="", repr=False)


@attrs.frozen(kw_only=True)
class _StaffDecision(_StaffEvent):
    """A staff member's step on the case with an optional reason."""

    reason: str = ""


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class Registered(_Event):
    """A case was registered: always the first event of a log.

    The club documents require the time, the customer, the contact and the
    content. `contact` and `content` may hold personal data and are never
    shown in `repr` or error messages.

    Attributes:
        case_id: The integrator's identifier of the case.
        at: When the case was registered; every SLA target starts here.
        kind: The `CaseKind`.
        channel: Where it came in (`"phone"`, `"wechat"`, ...).
        customer_id: Who complained.
        contact: How to reach them (a phone number, a WeChat id).
        content: What they said.
        policy_id: The id of the SLA policy the case runs under.
        policy_version: Its version; the case keeps it for life.
        severity: The `Severity` that selected the policy.
        category: A label for analysis, such as `"service"` or `"hygiene"`.
        by: The staff member who registered it.
        assignee: The staff member who owns it, if already known.
        reply_by: For a promised reply: the promised time, which becomes the
            first-response deadline (counted in calendar time).
    """

    action: ClassVar[str] = "register"

    case_id: str
    at: datetime
    kind: CaseKind
    channel: str
    customer_id: str
    contact: str = attrs.field(repr=False)
    content: str = attrs.field(repr=False)
    policy_id: str
    policy_version: int
    severity: Severity = Severity.NORMAL
    category: str = "general"
    by: str = "front-desk"
    assignee: str | None = None
    reply_by: datetime | None = None

    def _check_own(self, problems: ViolationCollector) -> None:
        check_enum(problems, "kind", self.kind, CaseKind)
        check_enum(problems, "severity", self.severity, Severity)
        version: object = self.policy_version
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            problems.add("policy_version", "not_positive", "must be an integer >= 1")
        else:
            check_int_range(problems, "policy_version", version)
        at: object = self.at
        if (
            isinstance(self.reply_by, datetime)
            and isinstance(at, datetime)
            and self.reply_by.utcoffset() is not None
            and at.utcoffset() is not None
            # As instants: one zone's datetimes compare by wall time, fold ignored.
            and to_epoch_us(self.reply_by) <= to_epoch_us(at)
        ):
            problems.add("reply_by", "not_after_registration", "must be after `at`")


@attrs.frozen(kw_only=True)
class CustomerContacted(_StaffContact):
    """Staff reached the customer through any channel (a reply, a progress update).

    The first contact acknowledges a registered case and meets the first
    response target; each later one meets the running progress-update target.

    Attributes:
        at: When.
        by: The staff member.
        channel: Through which channel.
        note: What was said (optional).
    """

    action: ClassVar[str] = "contact_customer"

    note: str = attrs.field(default="", repr=False)


@attrs.frozen(kw_only=True)
class CustomerReplied(_CustomerAnswer):
    """The customer wrote or called back, through any channel.

    It ends a wait for the customer (the case goes back to investigating).

    Attributes:
        at: When.
        channel: Through which channel.
        note: What they said (optional).
    """

    action: ClassVar[str] = "customer_replied"


@attrs.frozen(kw_only=True)
class InvestigationStarted(_StaffEvent):
    """Staff started looking into the case.

    Attributes:
        at: When.
        by: The staff member.
    """

    action: ClassVar[str] = "start_investigation"


@attrs.frozen(kw_only=True)
class AwaitingCustomer(_StaffContact):
    """Staff asked the customer something and now waits: pausable targets stop.

    Asking is itself a contact with the customer.

    Attributes:
        at: When.
        by: The staff member.
        channel: Through which channel the question went.
        question: What was asked (optional).
    """

    action: ClassVar[str] = "await_customer"

    question: str = attrs.field(default="", repr=False)


@attrs.frozen(kw_only=True)
class ResolutionProposed(_StaffContact):
    """Staff proposed a resolution to the customer (a contact).

    A remedy, compensation and apology proposed here count for the guard on
    resolving a substantiated complaint, if the customer accepts (a blank
    remedy or a zero compensation alone does not; a negative compensation
    is refused, rule `negative_compensation`).

    Attributes:
        at: When.
        by: The staff member.
        channel: Through which channel.
        remedy: The proposed remedy, if any.
        compensation: The proposed compensation, if any.
        apology: Whether an apology was made.
    """

    action: ClassVar[str] = "propose_resolution"

    remedy: str | None = None
    compensation: Money | None = None
    apology: bool = False


@attrs.frozen(kw_only=True)
class ProposalDeclined(_CustomerAnswer):
    """The customer declined the proposed resolution; the case goes back to investigating.

    Attributes:
        at: When.
        channel: Through which channel the customer answered.
        note: Why (optional).
    """

    action: ClassVar[str] = "decline_proposal"


@attrs.frozen(kw_only=True)
class Resolved(_StaffContact):
    """The case was resolved and the customer told (a contact).

    A substantiated complaint (投诉属实) may only be resolved with a remedy or
    compensation and an apology, given here or in the accepted proposal. A
    blank remedy is no remedy, and a compensation of zero alone is none
    either (zero with a real remedy is fine); a negative compensation is
    refused when the event is made (rule `negative_compensation`).

    Attributes:
        at: When.
        by: The staff member.
        channel: Through which channel the customer was told.
        substantiated: Whether the complaint was found to be justified.
        remedy: The remedy given, if any.
        compensation: The compensation given, if any.
        apology: Whether an apology was made.
    """

    action: ClassVar[str] = "resolve"

    substantiated: bool = False
    remedy: str | None = None
    compensation: Money | None = None
    apology: bool = False


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class FollowUpScheduled(_StaffEvent):
    """A follow-up visit was planned after resolution.

    Attributes:
        at: When it was planned.
        by: The staff member.
        planned_for: When the visit is planned.
    """

    action: ClassVar[str] = "schedule_follow_up"

    planned_for: datetime


@attrs.frozen(kw_only=True)
class FollowedUp(_StaffContact):
    """The follow-up visit after resolution (回访) took place (a contact).

    A satisfied customer closes the case. An unsatisfied one reopens it when
    the visit falls within the policy's reopen window after resolution;
    later than that, the case closes unresolved.

    Attributes:
        at: When.
        by: The staff member.
        channel: Through which channel.
        satisfied: Whether the customer is satisfied.
        note: What they said (optional).
    """

    action: ClassVar[str] = "follow_up"

    satisfied: bool
    note: str = attrs.field(default="", repr=False)


@attrs.frozen(kw_only=True)
class Reopened(_StaffDecision):
    """A closed case was reopened, within the policy's reopen window after closing.

    Attributes:
        at: When.
        by: The staff member.
        reason: Why (optional).
    """

    action: ClassVar[str] = "reopen"


@attrs.frozen(kw_only=True)
class ClosedUnresolved(_StaffDecision):
    """The case was closed without the customer being satisfied.

    Attributes:
        at: When.
        by: The staff member (usually a manager).
        reason: Why (optional).
    """

    action: ClassVar[str] = "close_unresolved"


@attrs.frozen(kw_only=True)
class Withdrawn(_StaffDecision):
    """The customer withdrew the complaint before it was resolved.

    Attributes:
        at: When.
        by: The staff member who recorded it.
        reason: Why (optional).
    """

    action: ClassVar[str] = "withdraw"


@attrs.frozen(kw_only=True)
class Merged(_StaffEvent):
    """The case was merged into another case about the same matter.

    Attributes:
        at: When.
        by: The staff member.
        into: The id of the case it was merged into.
    """

    action: ClassVar[str] = "merge"

    into: str


@attrs.frozen(kw_only=True)
class Assigned(_StaffEvent):
    """The case was given to a staff member (whose figures it then counts in).

    Attributes:
        at: When.
        by: Who assigned it.
        to: The new owner.
    """

    action: ClassVar[str] = "assign"

    to: str


@attrs.frozen(kw_only=True)
class ReportedToManagement(_StaffEvent):
    """The case was reported to management (required at once for a safety incident).

    Attributes:
        at: When.
        by: Who reported it.
        to: To whom (`MANAGEMENT` by default).
        note: What was reported (optional).
    """

    action: ClassVar[str] = "report_to_management"

    to: str = MANAGEMENT
    note: str = attrs.field(default="", repr=False)


CaseEvent: TypeAlias = (
    Registered
    | CustomerContacted
    | CustomerReplied
    | InvestigationStarted
    | AwaitingCustomer
    | ResolutionProposed
    | ProposalDeclined
    | Resolved
    | FollowUpScheduled
    | FollowedUp
    | Reopened
    | ClosedUnresolved
    | Withdrawn
    | Merged
    | Assigned
    | ReportedToManagement
)
"""Any event of a case log."""

EVENT_TYPES: tuple[type[CaseEvent], ...] = (
    Registered,
    CustomerContacted,
    CustomerReplied,
    InvestigationStarted,
    AwaitingCustomer,
    ResolutionProposed,
    ProposalDeclined,
    Resolved,
    FollowUpScheduled,
    FollowedUp,
    Reopened,
    ClosedUnresolved,
    Withdrawn,
    Merged,
    Assigned,
    ReportedToManagement,
)


def check_new_stream(case_id: str, events: Sequence[CaseEvent]) -> Registered:
    """The registration that must open a new stream of `case_id`.

    Raises:
        ValidationError: the first event is not the `Registered` of `case_id`
            (rule `no_registration`).
    """
    first = events[0]
    if not isinstance(first, Registered) or first.case_id != case_id:
        raise ValidationError(
            f"a new case's log starts with the Registered event of {case_id!r}",
            field="events",
            rule="no_registration",
        )
    return first
