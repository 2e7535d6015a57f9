"""Access control and audit: the role policy, access events, the vault and the access report."""

from __future__ import annotations

import logging
from collections.abc import Iterable  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import UTC, datetime
from typing import Any

import attrs

from clubrules._checks import (
    require_choice,
    require_items,
    require_names,
    require_port,
    require_str,
)
from clubrules._time import require_aware
from clubrules.clock import Clock  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.customers import Sealed  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.errors import AccessDeniedError, ConsentRequiredError, DecryptionError, KeyringError
from clubrules.privacy._consent import SENSITIVE_FIELDS, Purpose, active_consent
from clubrules.privacy._envelope import CustomerKeys  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.privacy._events import AccessEvent
from clubrules.privacy._sensitive import Sensitive
from clubrules.privacy.ports import AccessLog, ConsentStore  # noqa: TC001 - resolved at runtime by get_type_hints

_logger = logging.getLogger("clubrules.privacy")  # ids, roles and fields, never values

__all__ = [
    "AccessReport",
    "Grant",
    "PrivacyVault",
    "RolePolicy",
    "access_report",
]


def _frozen_strs(values: Iterable[str]) -> frozenset[str]:
    return require_names(values, "fields")


def _grants(values: Iterable[Grant]) -> tuple[Grant, ...]:
    return require_items(values, Grant, "grants")


def _frozen_purposes(values: Iterable[Purpose | str]) -> frozenset[Purpose]:
    given = require_items(values, object, "purposes")
    return frozenset(require_choice(Purpose, v, "purposes") for v in given)


@attrs.frozen
class Grant:
    """A role may read some fields for some purposes.

    Attributes:
        role: The role, for example `"beautician"`.
        fields: The fields it may read.
        purposes: The purposes it may read them for.
    """

    role: str
    fields: frozenset[str] = attrs.field(converter=_frozen_strs)
    purposes: frozenset[Purpose] = attrs.field(converter=_frozen_purposes)


@attrs.frozen
class RolePolicy:
    """Which role may read which sensitive field for which purpose; everything else is refused.

    Attributes:
        grants: The grants; a read is allowed if one grant covers its role,
            field and purpose.

    Examples:
        >>> policy = RolePolicy.salon_default()
        >>> policy.allows("beautician", "allergies", Purpose.SERVICE_DELIVERY)
        True
        >>> policy.allows("front_desk", "allergies", Purpose.SERVICE_DELIVERY)
        False
    """

    grants: tuple[Grant, ...] = attrs.field(converter=_grants)

    @classmethod
    def salon_default(cls) -> RolePolicy:
        """Beauticians and store managers may read health and allergies to serve the customer."""
        return cls(
            (
                Grant("beautician", SENSITIVE_FIELDS, {Purpose.SERVICE_DELIVERY}),
                Grant("store_manager", SENSITIVE_FIELDS, {Purpose.SERVICE_DELIVERY}),
            )
        )

    def allows(self, role: str, field: str, purpose: Purpose) -> bool:
        """Whether a grant lets `role` read `field` for `purpose`."""
        require_str(field, "field")
        try:
            return any(
                g.role == role and field in g.fields and purpose in g.purposes for g in self.grants
            )
        except TypeError:  # an unhashable purpose
            require_choice(Purpose, purpose, "purpose")
            raise


class PrivacyVault:
    """The audited door to the customer archive's sensitive fields.

    Sealing uses the customer's own data key. Every open names an actor, a
    role and a purpose; it is checked against the role policy, then against
    the customer's consent, then decrypted; and every attempt, allowed or
    refused, is written to the access log before anything is returned.

    Args:
        keys: The per-customer data keys.
        policy: The role policy.
        consents: The customers' consent records.
        log: Where access events go.
        clock: The source of "now" for the checks and the events.
        record_type: The record type that sealed fields are bound to.
    """

    def __init__(
        self,
        *,
        keys: CustomerKeys,
        policy: RolePolicy,
        consents: ConsentStore,
        log: AccessLog,
        clock: Clock,
        record_type: str = "customer",
    ) -> None:
        self._keys = keys
        self._policy = policy
        self._consents = consents
        self._log = log
        self._clock = clock
        self._record_type = record_type

    def seal(self, customer_id: str, field: str, value: object) -> Sealed:
        """Seal a field value under the customer's data key (made on first use)."""
        require_str(customer_id, "customer_id")
        require_str(field, "field")
        cipher = self._keys.cipher_for(customer_id, create=True)
        return cipher.seal(value, record_type=self._record_type, record_id=customer_id, field=field)

    def open(
        self,
        sealed: Sealed,
        *,
        customer_id: str,
        field: str,
        actor: str,
        role: str,
        purpose: Purpose,
    ) -> Sensitive[Any]:
        """Check, log and decrypt one field for one reader.

        Returns:
            The value, wrapped in `Sensitive`.

        Raises:
            AccessDeniedError: the role policy refuses (reason `role_policy`).
            ConsentRequiredError: no active consent covers the field and
                purpose (reason `no_consent`).
            DecryptionError: the value does not open (tampered, moved,
                erased customer...).
        """
        require_str(field, "field")
        purpose = require_choice(Purpose, purpose, "purpose")
        now = require_aware(self._clock.now(), "clock.now()")

        def record(allowed: bool, reason: str) -> None:
            self._log.append(
                AccessEvent(now, actor, role, purpose, customer_id, field, allowed, reason)
            )
            if not allowed:
                _logger.warning(
                    "read refused (%s): actor %r, role %r, customer %r, field %r, purpose %s",
                    reason,
                    actor,
                    role,
                    customer_id,
                    field,
                    purpose.value,
                )

        if not self._policy.allows(role, field, purpose):
            record(allowed=False, reason="role_policy")
            raise AccessDeniedError(actor, role, purpose.value, "role_policy")
        consents = self._consents.for_customer(customer_id)
        if active_consent(consents, field=field, purpose=purpose, at=now) is None:
            record(allowed=False, reason="no_consent")
            raise ConsentRequiredError(actor, role, purpose.value, "no_consent")
        try:
            cipher = self._keys.cipher_for(customer_id)
            value = cipher.open(
                sealed, record_type=self._record_type, record_id=customer_id, field=field
            )
        except (DecryptionError, KeyringError):
            record(allowed=False, reason="decryption_failed")
            raise DecryptionError from None
        record(allowed=True, reason="allowed")
        return Sensitive(value, label=field)

    def erase(self, customer_id: str) -> bool:
        """Crypto-shred the customer: destroy their data key. Returns whether there was one.

        Once it returns, no vault sharing the data-key store opens the
        customer's values (see `CustomerKeys.erase`).

        Raises:
            ErasureNotFinalError: the key no longer opens, but the store could
                not yet purge its bytes from its files; erase again later.
        """
        require_str(customer_id, "customer_id")
        return self._keys.erase(customer_id)

    def __repr__(self) -> str:
        return f"PrivacyVault(record_type={self._record_type!r})"


@attrs.frozen
class AccessReport:
    """Who read (or tried to read) a customer's field, when and why.

    Attributes:
        customer_id: Whose data.
        field: Which field, or None for every field.
        events: The events, in order.
    """

    customer_id: str
    field: str | None
    events: tuple[AccessEvent, ...]

    @property
    def readers(self) -> tuple[str, ...]:
        """The actors who were allowed to read, in order of first read, without repeats."""
        return tuple(dict.fromkeys(e.actor for e in self.events if e.allowed))

    def render(self) -> str:
        """The report as text, one line per event, times in UTC."""
        what = self.field or "sensitive fields"
        lines = [f"Access to {what} of customer {self.customer_id}: {len(self.events)} event(s)"]
        for e in self.events:
            at = e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            outcome = "read" if e.allowed else f"REFUSED ({e.reason})"
            lines.append(f"{at}  {e.actor} ({e.role})  {e.field}  for {e.purpose.value}: {outcome}")
        return "\n".join(lines)


def access_report(
    log: AccessLog,
    customer_id: str,
    *,
    field: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AccessReport:
    """Answer "who read this customer's allergies, when and why" from the access log.

    Args:
        log: The access log.
        customer_id: Whose data.
        field: One field (for example `"allergies"`), or None for all.
        since: The start of the period, inclusive (aware), or None.
        until: The end of the period, exclusive (aware), or None.
    """
    require_port(log, "AccessLog", ("for_customer",), "log")
    if since is not None:
        require_aware(since, "since")
    if until is not None:
        require_aware(until, "until")
    events = log.for_customer(customer_id, field=field, since=since, until=until)
    return AccessReport(customer_id, field, tuple(events))
