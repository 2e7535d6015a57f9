"""The vocabulary of complaint cases: kinds, severities, states, targets, channels."""

from __future__ import annotations

import enum
import re

from clubrules._checks import require_names, shown
from clubrules.errors import ValidationError

__all__ = [
    "MANAGEMENT",
    "SEED_CHANNELS",
    "SUPERVISOR",
    "CaseKind",
    "CaseState",
    "Severity",
    "TargetKind",
    "TargetStatusKind",
    "TimeBasis",
    "check_channel",
]


class CaseKind(enum.Enum):
    """What a case is about; each kind has its own default SLA policy.

    - `COMPLAINT`: a customer complaint (投诉).
    - `SAFETY_INCIDENT`: an injury, fire or equipment failure, reported to
      management at once (安全事件).
    - `PROMISED_REPLY`: a question the staff could not answer at once, with a
      promised reply time (a consultation callback).
    """

    COMPLAINT = "complaint"
    SAFETY_INCIDENT = "safety_incident"
    PROMISED_REPLY = "promised_reply"


class Severity(enum.Enum):
    """How serious a case is; together with the kind it selects the policy."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class CaseState(enum.Enum):
    """The states of the case lifecycle (see `TRANSITIONS` for the moves)."""

    REGISTERED = "registered"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    AWAITING_CUSTOMER = "awaiting_customer"
    RESOLUTION_PROPOSED = "resolution_proposed"
    RESOLVED = "resolved"
    FOLLOW_UP_PENDING = "follow_up_pending"
    CLOSED_SATISFIED = "closed_satisfied"
    CLOSED_UNRESOLVED = "closed_unresolved"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"

    # Members are singletons compared by identity: a C-level hash for the fold's lookups.
    __hash__ = object.__hash__

    @property
    def is_open(self) -> bool:
        """Whether the case is still being worked (not closed, withdrawn or merged)."""
        return self not in _NOT_OPEN

    @property
    def is_terminal(self) -> bool:
        """Whether no move at all leaves this state (withdrawn, merged)."""
        return self in (CaseState.WITHDRAWN, CaseState.MERGED)


_NOT_OPEN = frozenset(
    {
        CaseState.CLOSED_SATISFIED,
        CaseState.CLOSED_UNRESOLVED,
        CaseState.WITHDRAWN,
        CaseState.MERGED,
    }
)


class TargetKind(enum.Enum):
    """The SLA targets a policy can set.

    - `FIRST_RESPONSE`: the customer hears back (any channel) after registration.
    - `PROGRESS_UPDATE`: the customer hears of progress again within an interval
      after each contact, until the case is resolved.
    - `RESOLUTION`: the case is resolved; a reopened case owes a new one.
    - `FOLLOW_UP`: the follow-up visit after resolution.
    - `MANAGEMENT_REPORT`: management is told (safety incidents).
    """

    FIRST_RESPONSE = "first_response"
    PROGRESS_UPDATE = "progress_update"
    RESOLUTION = "resolution"
    FOLLOW_UP = "follow_up"
    MANAGEMENT_REPORT = "management_report"

    # Members are singletons compared by identity: a C-level hash for the fold's lookups.
    __hash__ = object.__hash__


class TimeBasis(enum.Enum):
    """What a target counts: every hour of the clock, or only the club's open hours."""

    CALENDAR = "calendar"
    BUSINESS = "business"


class TargetStatusKind(enum.Enum):
    """The status of one SLA target at an instant.

    - `ACTIVE`: running, not yet met.
    - `PAUSED`: stopped while the case awaits the customer. A paused target
      may also be breached (`TargetStatus.breached`).
    - `ACHIEVED`: met on time.
    - `BREACHED`: running past its due time, or met late, or ended unmet
      after its due time.
    - `CANCELLED`: the case ended (closed, withdrawn, merged, or resolved for
      a progress update) before the target was due; it counts neither way.
    """

    ACTIVE = "active"
    PAUSED = "paused"
    ACHIEVED = "achieved"
    BREACHED = "breached"
    CANCELLED = "cancelled"


SUPERVISOR = "cs_supervisor"
"""The escalation role of the customer-service supervisor."""

MANAGEMENT = "management"
"""The escalation role of the club's management."""

SEED_CHANNELS = (
    "complaint_box",
    "email",
    "on_site",
    "phone",
    "social_media",
    "website_form",
    "wechat",
)
"""The channels the club documents name (phone, email, social media, website form,
on site, WeChat, complaint box). Channels are an open set: any slug works
unless a `PolicyBook` restricts them."""

_SLUG = re.compile(r"[a-z][a-z0-9_]{0,39}")


def check_channel(value: object, allowed: frozenset[str] | None = None) -> str:
    """Return `value` if it is a channel slug (and allowed, when channels are restricted).

    Args:
        value: The channel, a lower-case slug such as `"wechat"`.
        allowed: The permitted channels, or None for the open set.

    Raises:
        ValidationError: not a slug (rule `bad_channel`), or not in `allowed`
            (rule `unknown_channel`).
    """
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise ValidationError(
            f"{shown(value)} is not a channel (a lower-case slug such as 'wechat')",
            field="channel",
            rule="bad_channel",
        )
    if allowed is not None:
        allowed = require_names(allowed, "allowed")
    if allowed is not None and value not in allowed:
        raise ValidationError(
            f"{shown(value)} is not one of the allowed channels: {', '.join(sorted(allowed))}",
            field="channel",
            rule="unknown_channel",
        )
    return value
