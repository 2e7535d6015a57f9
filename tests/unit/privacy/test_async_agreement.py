"""The async privacy classes agree with the sync ones, operation by operation.

Two worlds, each with its own KEK, stores, `CustomerKeys`/`PrivacyVault`
(sync) or `AsyncCustomerKeys`/`AsyncPrivacyVault` (async), and a second
keys instance standing for another app server, get the same operations:
seal, open (by any role, for any purpose, of a value moved or not), give
and withdraw consent, let time pass, erase through either instance or the
store, erase the whole tenant, rotate, rewrap and retire the KEK; the
worlds serve the tenant "default" or another one. Each operation must give the same
result or the same error (type and message) in both, log the same lines,
and leave the same access log and data-key customers. The keys differ
(each world draws its own), so only what a caller can see is compared.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from clubrules.errors import ClubRulesError
from clubrules.privacy import (
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    ConsentRecord,
    CustomerKeys,
    Keyring,
    KeyStatus,
    PrivacyVault,
    Purpose,
    RolePolicy,
)
from clubrules.storage.memory import InMemoryAccessLog, InMemoryConsentStore, InMemoryDataKeyStore
from clubrules.testing import ManualClock

from ._async_stores import AsyncConsents, AsyncDataKeys, AsyncLog

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterator

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
CUSTOMERS = ("c-1", "c-2", "c-3")
FIELDS = ("allergies", "health")
ROLES = ("beautician", "store_manager", "front_desk")
PURPOSES = (Purpose.SERVICE_DELIVERY, Purpose.MARKETING)
VALUES = st.one_of(
    st.text(max_size=8), st.lists(st.text(max_size=4), max_size=3), st.integers(), st.none()
)


class Timer:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelname, record.getMessage()))


@contextmanager
def _logged() -> Iterator[list[tuple[str, str]]]:
    logger = logging.getLogger("clubrules.privacy")
    handler = _Lines()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    """What a caller sees: the result, or the library error's type and message."""
    try:
        result = call()
    except ClubRulesError as error:
        return ("error", type(error).__name__, str(error))
    reveal = getattr(result, "reveal", None)
    return ("ok", reveal() if reveal is not None else result)


class SyncAsyncAgreement(RuleBasedStateMachine):
    """The same operations on a sync world and an async world: the same outcomes."""

    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.clock = ManualClock(T0)
        self.timer = Timer()
        self.consent_ids: list[str] = []
        # (customer, field) -> (sealed by the sync vault, sealed by the async vault)
        self.sealed: dict[tuple[str, str], tuple[Any, Any]] = {}

    @initialize(
        revalidate_after=st.sampled_from([0.0, 30.0]),
        cache_size=st.sampled_from([0, 2]),
        tenant=st.sampled_from(["default", "club-a"]),
    )
    def build(self, revalidate_after: float, cache_size: int, tenant: str) -> None:
        options: dict[str, Any] = {
            "revalidate_after": revalidate_after,
            "cache_size": cache_size,
            "tenant": tenant,
        }
        self.sync_kek, self.async_kek = Keyring.generate(), Keyring.generate()
        # Each world's stores are its tenant's handles; the other tenant holds nothing.
        self.sync_store = InMemoryDataKeyStore().for_tenant(tenant)
        self.async_store = AsyncDataKeys(InMemoryDataKeyStore().for_tenant(tenant))
        self.sync_consents = InMemoryConsentStore().for_tenant(tenant)
        self.async_consents = AsyncConsents(InMemoryConsentStore().for_tenant(tenant))
        self.sync_log = InMemoryAccessLog().for_tenant(tenant)
        self.async_log = AsyncLog(InMemoryAccessLog().for_tenant(tenant))
        self.sync_keys = CustomerKeys(self.sync_kek, self.sync_store, timer=self.timer, **options)
        self.async_keys = AsyncCustomerKeys(
            self.async_kek, self.async_store, timer=self.timer, **options
        )
        # Another app server on the same stores.
        self.sync_other = CustomerKeys(self.sync_kek, self.sync_store, timer=self.timer, **options)
        self.async_other = AsyncCustomerKeys(
            self.async_kek, self.async_store, timer=self.timer, **options
        )
        policy = RolePolicy.salon_default()
        self.sync_vault = PrivacyVault(
            keys=self.sync_keys,
            policy=policy,
            consents=self.sync_consents,
            log=self.sync_log,
            clock=self.clock,
        )
        self.async_vault = AsyncPrivacyVault(
            keys=self.async_keys,
            policy=policy,
            consents=self.async_consents,
            log=self.async_log,
            clock=self.clock,
        )

    def teardown(self) -> None:
        self.runner.close()

    def both(
        self, sync: Callable[[], Any], async_: Callable[[], Coroutine[Any, Any, Any]]
    ) -> tuple[Any, ...]:
        """Run one operation in each world; assert they agree; return the outcome."""
        with _logged() as sync_lines:
            expected = _outcome(sync)
        with _logged() as async_lines:
            got = _outcome(lambda: self.runner.run(async_()))
        assert got == expected
        assert async_lines == sync_lines
        return got

    # --- the operations ----------------------------------------------------------

    @rule(customer=st.sampled_from(CUSTOMERS), field=st.sampled_from(FIELDS), value=VALUES)
    def seal(self, customer: str, field: str, value: object) -> None:
        try:
            sync = self.sync_vault.seal(customer, field, value)
        except ClubRulesError as error:
            sync_error: tuple[Any, ...] | None = (type(error).__name__, str(error))
        else:
            sync_error = None
        try:
            mine = self.runner.run(self.async_vault.seal(customer, field, value))
        except ClubRulesError as error:
            async_error: tuple[Any, ...] | None = (type(error).__name__, str(error))
        else:
            async_error = None
        assert async_error == sync_error
        if sync_error is None:
            self.sealed[customer, field] = (sync, mine)

    @precondition(lambda self: bool(self.sealed))
    @rule(
        data=st.data(),
        customer=st.sampled_from(CUSTOMERS),
        role=st.sampled_from(ROLES),
        purpose=st.sampled_from(PURPOSES),
        actor=st.sampled_from(["st-1", "st-2"]),
    )
    def open(
        self, data: st.DataObject, customer: str, role: str, purpose: Purpose, actor: str
    ) -> None:
        # A value of this customer's, or one moved here from another customer.
        (owner, field) = data.draw(st.sampled_from(sorted(self.sealed)))
        sync, mine = self.sealed[owner, field]
        options: dict[str, Any] = {
            "customer_id": customer,
            "field": field,
            "actor": actor,
            "role": role,
            "purpose": purpose,
        }
        self.both(
            lambda: self.sync_vault.open(sync, **options),
            lambda: self.async_vault.open(mine, **options),
        )

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        fields=st.sets(st.sampled_from(FIELDS), min_size=1),
        purpose=st.sampled_from(PURPOSES),
    )
    def give_consent(self, customer: str, fields: set[str], purpose: Purpose) -> None:
        consent_id = f"k-{len(self.consent_ids)}"
        record = ConsentRecord(
            id=consent_id,
            customer_id=customer,
            purpose=purpose,
            scope=fields,
            given_at=self.clock.now(),
            separate=True,
        )
        self.both(lambda: self.sync_consents.add(record), lambda: self.async_consents.add(record))
        self.consent_ids.append(consent_id)

    @precondition(lambda self: bool(self.consent_ids))
    @rule(data=st.data())
    def withdraw_consent(self, data: st.DataObject) -> None:
        consent_id = data.draw(st.sampled_from(self.consent_ids))
        now = self.clock.now()
        self.both(
            lambda: self.sync_consents.withdraw(consent_id, now),
            lambda: self.async_consents.withdraw(consent_id, now),
        )

    @rule(minutes=st.integers(min_value=1, max_value=60))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.timer.now += minutes * 60 / 4  # seconds: sometimes within revalidate_after

    @rule(customer=st.sampled_from(CUSTOMERS), create=st.booleans(), other=st.booleans())
    def cipher_for(self, customer: str, create: bool, other: bool) -> None:
        sync_keys = self.sync_other if other else self.sync_keys
        async_keys = self.async_other if other else self.async_keys

        def sync() -> str:
            sync_keys.cipher_for(customer, create=create)
            return "a cipher"

        async def async_() -> str:
            await async_keys.cipher_for(customer, create=create)
            return "a cipher"

        self.both(sync, async_)

    @rule(customer=st.sampled_from(CUSTOMERS), how=st.sampled_from(["vault", "other", "store"]))
    def erase(self, customer: str, how: str) -> None:
        if how == "vault":
            self.both(
                lambda: self.sync_vault.erase(customer),
                lambda: self.async_vault.erase(customer),
            )
        elif how == "other":
            self.both(
                lambda: self.sync_other.erase(customer),
                lambda: self.async_other.erase(customer),
            )
        else:
            self.both(
                lambda: self.sync_store.delete(customer),
                lambda: self.async_store.delete(customer),
            )

    @rule(other=st.booleans())
    def erase_tenant(self, other: bool) -> None:
        self.both(
            (self.sync_other if other else self.sync_keys).erase_tenant,
            (self.async_other if other else self.async_keys).erase_tenant,
        )

    @rule()
    def rotate(self) -> None:
        self.both(
            lambda: self.sync_kek.rotate().key_id, lambda: _now(self.async_kek.rotate().key_id)
        )

    @rule(other=st.booleans())
    def rewrap(self, other: bool) -> None:
        self.both(
            (self.sync_other if other else self.sync_keys).rewrap_data_keys,
            (self.async_other if other else self.async_keys).rewrap_data_keys,
        )

    @rule(data=st.data())
    def retire(self, data: st.DataObject) -> None:
        old = [v.key_id for v in self.sync_kek.keys if v.status is KeyStatus.DECRYPT_ONLY]
        if not old:
            return
        key_id = data.draw(st.sampled_from(old))

        async def retire_async() -> None:
            self.async_kek.retire(key_id)

        self.both(lambda: self.sync_kek.retire(key_id), retire_async)

    # --- what must agree at every step -------------------------------------------

    @invariant()
    def the_logs_and_stores_agree(self) -> None:
        if not hasattr(self, "sync_log"):
            return
        for customer in CUSTOMERS:
            assert self.async_log.inner.for_customer(customer) == self.sync_log.for_customer(
                customer
            )
        assert sorted(self.async_store.inner.customer_ids()) == sorted(
            self.sync_store.customer_ids()
        )


async def _now(value: object) -> object:
    return value


SyncAsyncAgreement.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_sync_and_async_privacy_agree = SyncAsyncAgreement.TestCase
