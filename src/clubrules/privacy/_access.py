"""Access control and audit: the role policy, access events, the vault and the access report."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import UTC, datetime
from typing import Any, NoReturn

import attrs

from clubrules._checks import (
    DEFAULT_TENANT,
    check_names,
    check_text,
    refuse_pickle,
    require_choice,
    require_instance,
    require_items,
    require_names,
    require_port,
    require_str,
    shown,
    texts_checked,
)
from clubrules._time import require_aware
from clubrules.clock import Clock  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.customers import Sealed  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.errors import (
    AccessDeniedError,
    ConsentRequiredError,
    DecryptionError,
    KeyringError,
    LeakRefusedError,
    ViolationCollector,
)
from clubrules.privacy._consent import (
    SENSITIVE_FIELDS,
    ConsentRecord,
    Purpose,
    active_consent,
)
from clubrules.privacy._envelope import (
    AsyncCustomerKeys,
    CustomerKeys,
    check_same_tenant,
)
from clubrules.privacy._events import AccessEvent
from clubrules.privacy._seal import FieldCipher  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.privacy._sensitive import Sensitive
from clubrules.privacy.ports import (  # noqa: TC001 - resolved at runtime by get_type_hints
    AccessLog,
    AsyncAccessLog,
    AsyncConsentStore,
    ConsentStore,
)

_logger = logging.getLogger("clubrules.privacy")  # ids, roles and fields, never values

__all__ = [
    "AccessReport",
    "AsyncPrivacyVault",
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

    Raises:
        ValidationError: `role` is not a non-blank name, a field is not a
            name, or a purpose is not a `Purpose`; text that no storage can
            hold (a NUL character, a lone surrogate, more than 200
            characters) in `role` or a field, named by field, never echoed.
    """

    role: str
    fields: frozenset[str] = attrs.field(converter=_frozen_strs)
    purposes: frozenset[Purpose] = attrs.field(converter=_frozen_purposes)

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "role")
        check_names(problems, "fields", self.fields)
        problems.raise_if_any()


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


class _Attempt:
    """One `open` in progress: who reads what, and why it is refused (None while it is not).

    Every decision of an open lives here; the vaults only make the store
    calls between them, then append `event()` and return `outcome()`.
    """

    __slots__ = ("actor", "customer_id", "field", "now", "purpose", "reason", "role", "value")

    def __init__(  # noqa: PLR0917 - one call site per vault, on the hot path
        self,
        policy: RolePolicy,
        clock: Clock,
        customer_id: str,
        field: str,
        actor: str,
        role: str,
        purpose: Purpose,
    ) -> None:
        require_str(field, "field")
        # Who reads, in which role: named, or the access log could not say who it was.
        problems = ViolationCollector()
        check_text(problems, "actor", actor)
        check_text(problems, "role", role)
        problems.raise_if_any()
        self.purpose = purpose = require_choice(Purpose, purpose, "purpose")
        self.now = require_aware(clock.now(), "clock.now()")
        self.customer_id = customer_id
        self.field = field
        self.actor = actor
        self.role = role
        self.value: Sensitive[Any] | None = None
        self.reason: str | None = None
        if not policy.allows(role, field, purpose):
            self.reason = "role_policy"

    def check_consent(self, consents: Sequence[ConsentRecord]) -> None:
        """Refuse unless an active consent covers the field and purpose now."""
        if active_consent(consents, field=self.field, purpose=self.purpose, at=self.now) is None:
            self.reason = "no_consent"

    def decrypt(self, cipher: FieldCipher | None, sealed: Sealed, record_type: str) -> None:
        """Open the value under the customer's cipher (None: their key did not open)."""
        if cipher is None:
            self.reason = "decryption_failed"
            return
        try:
            # Wrapped at once: while the event is appended, only a Sensitive is held.
            self.value = Sensitive(
                cipher.open(
                    sealed, record_type=record_type, record_id=self.customer_id, field=self.field
                ),
                label=self.field,
            )
        except (DecryptionError, KeyringError):
            self.reason = "decryption_failed"

    def event(self) -> AccessEvent:
        """The access event to append, allowed or refused."""
        allowed = self.reason is None
        return AccessEvent(
            self.now,
            self.actor,
            self.role,
            self.purpose,
            self.customer_id,
            self.field,
            allowed,
            self.reason or "allowed",
        )

    def outcome(self) -> Sensitive[Any]:
        """The value, once its event is appended; or the refusal, logged and raised."""
        if self.value is not None and self.reason is None:
            return self.value
        reason = self.reason
        _logger.warning(
            "read refused (%s): actor %r, role %r, customer %r, field %s, purpose %s",
            reason,
            self.actor,
            self.role,
            self.customer_id,
            shown(self.field),
            self.purpose.value,
        )
        if reason == "role_policy":
            raise AccessDeniedError(self.actor, self.role, self.purpose.value, "role_policy")
        if reason == "no_consent":
            raise ConsentRequiredError(self.actor, self.role, self.purpose.value, "no_consent")
        raise DecryptionError


class _VaultCore:
    """What `PrivacyVault` and `AsyncPrivacyVault` share: their parts and every decision.

    The two public classes are thin shells: each makes the same store calls
    in the same order (plain or awaited) and leaves every decision between
    them to `_Attempt` and `_check_place`, which never touch a store. A test
    drives both with the same operations and checks that they agree.
    """

    # Sync or async keys and ports: each shell narrows them.
    _keys: Any
    _consents: Any
    _log: Any

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(
            self,
            "it holds customer keys and live stores; build one in each process",
            LeakRefusedError,
        )

    def __init__(
        self,
        *,
        keys: object,
        policy: RolePolicy,
        consents: object,
        log: object,
        clock: Clock,
        record_type: str,
    ) -> None:
        # Refused here, typed, rather than as an AttributeError at the first read.
        require_port(keys, "CustomerKeys", ("cipher_for", "erase"), "keys")
        require_instance(policy, RolePolicy, "policy")
        require_port(consents, "consent store", ("for_customer",), "consents")
        require_port(log, "access log", ("append",), "log")
        require_port(clock, "Clock", ("now",), "clock")
        require_str(record_type, "record_type")
        tenant = getattr(keys, "tenant", DEFAULT_TENANT)
        self._tenant = tenant if isinstance(tenant, str) else DEFAULT_TENANT
        check_same_tenant(consents, self._tenant, "consents")
        check_same_tenant(log, self._tenant, "log")
        self._keys = keys
        self._policy = policy
        self._consents = consents
        self._log = log
        self._clock = clock
        self._record_type = record_type

    @property
    def tenant(self) -> str:
        """The tenant of the vault's keys, whose customers it serves (`"default"`: one club)."""
        return self._tenant

    def _seal_with(
        self, cipher: FieldCipher, customer_id: str, field: str, value: object
    ) -> Sealed:
        return cipher.seal(value, record_type=self._record_type, record_id=customer_id, field=field)

    def __repr__(self) -> str:
        if self._tenant == DEFAULT_TENANT:
            return f"{type(self).__name__}(record_type={self._record_type!r})"
        return f"{type(self).__name__}(record_type={self._record_type!r}, tenant={self._tenant!r})"


def _check_place(customer_id: str, field: str) -> None:
    require_str(customer_id, "customer_id")
    require_str(field, "field")


class PrivacyVault(_VaultCore):
    """The audited door to the customer archive's sensitive fields.

    Sealing uses the customer's own data key. Every open names an actor, a
    role and a purpose; it is checked against the role policy, then against
    the customer's consent, then decrypted; and every attempt, allowed or
    refused, is written to the access log before anything is returned.

    For an event loop, `AsyncPrivacyVault` does the same over the async
    stores.

    Where many clubs share one database, a vault serves the tenant of its
    `keys` (`CustomerKeys(..., tenant=...)`): give it that tenant's consent
    store and access log.

    Args:
        keys: The per-customer data keys.
        policy: The role policy.
        consents: The customers' consent records.
        log: Where access events go.
        clock: The source of "now" for the checks and the events.
        record_type: The record type that sealed fields are bound to.

    Raises:
        ValidationError: `consents` or `log` has a `tenant` other than the
            keys' tenant (field `tenant`); an argument is not what it should
            be (`policy` not a `RolePolicy`, `keys`, `consents`, `log` or
            `clock` without the methods the vault calls: rule `wrong_type`;
            `record_type` not a string: rule `not_a_string`).
    """

    _keys: CustomerKeys
    _consents: ConsentStore
    _log: AccessLog

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
        super().__init__(
            keys=keys,
            policy=policy,
            consents=consents,
            log=log,
            clock=clock,
            record_type=record_type,
        )

    def seal(self, customer_id: str, field: str, value: object) -> Sealed:
        """Seal a field value under the customer's data key (made on first use)."""
        _check_place(customer_id, field)
        cipher = self._keys.cipher_for(customer_id, create=True)
        return self._seal_with(cipher, customer_id, field, value)

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
            ValidationError: `actor` or `role` is not a non-blank string
                without surrounding spaces; nothing is read or logged.
        """
        attempt = _Attempt(self._policy, self._clock, customer_id, field, actor, role, purpose)
        if attempt.reason is None:
            attempt.check_consent(self._consents.for_customer(customer_id))
        if attempt.reason is None:
            try:
                cipher: FieldCipher | None = self._keys.cipher_for(customer_id)
            except (DecryptionError, KeyringError):
                cipher = None
            attempt.decrypt(cipher, sealed, self._record_type)
        # Nothing is handed out before its event is appended.
        self._log.append(attempt.event())
        return attempt.outcome()

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


class AsyncPrivacyVault(_VaultCore):
    """`PrivacyVault` for an event loop: the same checks, log and errors, awaited.

    Over `AsyncCustomerKeys`, an `AsyncConsentStore` and an `AsyncAccessLog`,
    from the same code as `PrivacyVault`: every open is checked against the
    role policy, then the customer's consent, then decrypted, and every
    attempt, allowed or refused, is appended to the access log before
    anything is returned. A task cancelled while the event is appended gets
    no value. The sealed values are `PrivacyVault`'s: either vault opens
    what the other sealed, given the same KEK and stores. It serves the
    tenant of its `keys`, as `PrivacyVault` does.

    It takes the arguments of `PrivacyVault`, in their async kinds, and
    refuses the same ones (`ValidationError`).
    """

    _keys: AsyncCustomerKeys
    _consents: AsyncConsentStore
    _log: AsyncAccessLog

    def __init__(
        self,
        *,
        keys: AsyncCustomerKeys,
        policy: RolePolicy,
        consents: AsyncConsentStore,
        log: AsyncAccessLog,
        clock: Clock,
        record_type: str = "customer",
    ) -> None:
        super().__init__(
            keys=keys,
            policy=policy,
            consents=consents,
            log=log,
            clock=clock,
            record_type=record_type,
        )

    async def seal(self, customer_id: str, field: str, value: object) -> Sealed:
        """Seal a field value under the customer's data key (made on first use)."""
        _check_place(customer_id, field)
        cipher = await self._keys.cipher_for(customer_id, create=True)
        return self._seal_with(cipher, customer_id, field, value)

    async def open(
        self,
        sealed: Sealed,
        *,
        customer_id: str,
        field: str,
        actor: str,
        role: str,
        purpose: Purpose,
    ) -> Sensitive[Any]:
        """Check, log and decrypt one field for one reader (as `PrivacyVault.open`).

        Returns the value wrapped in `Sensitive`, and raises the errors
        `PrivacyVault.open` raises, for the same reasons.
        """
        attempt = _Attempt(self._policy, self._clock, customer_id, field, actor, role, purpose)
        if attempt.reason is None:
            attempt.check_consent(await self._consents.for_customer(customer_id))
        if attempt.reason is None:
            try:
                cipher: FieldCipher | None = await self._keys.cipher_for(customer_id)
            except (DecryptionError, KeyringError):
                cipher = None
            attempt.decrypt(cipher, sealed, self._record_type)
        # Nothing is handed out before its event is appended: a task
        # cancelled while it is appended gets nothing.
        await self._log.append(attempt.event())
        return attempt.outcome()

    async def erase(self, customer_id: str) -> bool:
        """Crypto-shred the customer, as `PrivacyVault.erase`; returns whether there was a key.

        Raises:
            ErasureNotFinalError: as for `PrivacyVault.erase` (see `AsyncCustomerKeys.erase`).
        """
        require_str(customer_id, "customer_id")
        return await self._keys.erase(customer_id)


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
            # isoformat, not strftime: "%Y" drops the leading zeros of years before 1000.
            at = e.at.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat(" ") + " UTC"
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
