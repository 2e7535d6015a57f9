"""Access events: the audit record of one attempt to read a sensitive field."""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - resolved at runtime by get_type_hints

import attrs

from clubrules._checks import check_flag, check_storable_text, require_choice, texts_checked
from clubrules._time import canonical_instant, instants_compared
from clubrules.privacy._consent import Purpose

__all__ = ["AccessEvent"]


def _at(value: object) -> datetime:
    return canonical_instant(value, "at")


def _purpose(value: object) -> Purpose:
    return require_choice(Purpose, value, "purpose")


@attrs.frozen(field_transformer=instants_compared)
class AccessEvent:
    """One attempt to read a sensitive field, allowed or refused.

    Attributes:
        at: When (aware).
        actor: Who (a staff id).
        role: In which role.
        purpose: For which purpose.
        customer_id: Whose data.
        field: Which field.
        allowed: Whether the value was handed out.
        reason: `"allowed"`, or why not: `"role_policy"`, `"no_consent"`,
            `"decryption_failed"`.

    Raises:
        ValidationError: a text field that is not a string (rule
            `not_a_string`), or text that no storage can hold (a NUL
            character, a lone surrogate, more than 200 characters), naming
            the field.
    """

    at: datetime = attrs.field(converter=_at)
    actor: str
    role: str
    purpose: Purpose = attrs.field(converter=_purpose)
    customer_id: str
    field: str
    allowed: bool
    reason: str

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(
            self, "actor", "role", "customer_id", "field", "reason", check=check_storable_text
        )
        check_flag(problems, "allowed", self.allowed)
        problems.raise_if_any()
