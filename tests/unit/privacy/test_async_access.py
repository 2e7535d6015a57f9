"""`AsyncPrivacyVault`: the audited door of `PrivacyVault`, over async stores.

Every attempt, allowed or refused, is in the access log before the caller
gets a value or an error; a task cancelled before its event is appended gets
nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clubrules.errors import (
    AccessDeniedError,
    ConsentRequiredError,
    DecryptionError,
    ValidationError,
)
from clubrules.privacy import (
    AccessEvent,
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    ConsentRecord,
    CustomerKeys,
    Keyring,
    PrivacyVault,
    Purpose,
    RolePolicy,
    Sensitive,
    access_report,
)
from clubrules.testing import ManualClock

from ._async_stores import AsyncConsents, AsyncDataKeys, AsyncLog

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
SERVICE = Purpose.SERVICE_DELIVERY
SECRET = "青霉素过敏-secret"  # noqa: S105 - a plaintext the tests look for, not a password


class World:
    def __init__(self) -> None:
        self.kek = Keyring.generate()
        self.clock = ManualClock(T0)
        self.log = AsyncLog()
        self.consents = AsyncConsents()
        self.store = AsyncDataKeys()
        self.vault = self.new_vault()
        self.consents.inner.add(
            ConsentRecord(
                id="k-1",
                customer_id="c-1",
                purpose=SERVICE,
                scope={"allergies"},
                given_at=T0 - timedelta(days=1),
                separate=True,
            )
        )

    def new_vault(self, log: Any = None) -> AsyncPrivacyVault:
        return AsyncPrivacyVault(
            keys=AsyncCustomerKeys(self.kek, self.store),
            policy=RolePolicy.salon_default(),
            consents=self.consents,
            log=log if log is not None else self.log,
            clock=self.clock,
        )

    def sync_vault(self) -> PrivacyVault:
        return PrivacyVault(
            keys=CustomerKeys(self.kek, self.store.inner),
            policy=RolePolicy.salon_default(),
            consents=self.consents.inner,
            log=self.log.inner,
            clock=self.clock,
        )

    async def read(
        self, role: str = "beautician", *, vault: AsyncPrivacyVault | None = None, **kw: Any
    ) -> Sensitive[object]:
        sealed = kw.pop("sealed", None) or await self.vault.seal("c-1", "allergies", [SECRET])
        options: dict[str, Any] = {
            "customer_id": "c-1",
            "field": "allergies",
            "purpose": SERVICE,
            "actor": "st-7",
            **kw,
        }
        return await (vault or self.vault).open(sealed, role=role, **options)

    def events(self) -> list[AccessEvent]:
        return self.log.inner.for_customer("c-1")


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _assert_no_plaintext(error: BaseException) -> None:
    seen: BaseException | None = error
    while seen is not None:
        assert SECRET not in str(seen)
        assert SECRET not in repr(seen)
        seen = seen.__cause__ or seen.__context__


def test_a_beautician_reads_allergies_for_service_and_it_is_logged() -> None:
    world = World()
    value = run(world.read())
    assert value.reveal() == [SECRET]
    assert SECRET not in repr(value)
    [event] = world.events()
    assert (event.actor, event.role, event.allowed, event.reason) == (
        "st-7",
        "beautician",
        True,
        "allowed",
    )
    assert event.at == T0


@pytest.mark.parametrize(
    ("role", "kw", "error", "reason"),
    [
        ("front_desk", {}, AccessDeniedError, "role_policy"),
        ("beautician", {"purpose": Purpose.MARKETING}, AccessDeniedError, "role_policy"),
        ("beautician", {"customer_id": "c-2"}, ConsentRequiredError, "no_consent"),
        ("beautician", {"field": "health"}, ConsentRequiredError, "no_consent"),
    ],
)
def test_a_refused_read_is_logged_and_warned_before_the_error(
    caplog: pytest.LogCaptureFixture,
    role: str,
    kw: dict[str, Any],
    error: type[Exception],
    reason: str,
) -> None:
    world = World()
    if "customer_id" in kw:  # a value of c-2, not consented
        kw["sealed"] = run(world.vault.seal("c-2", "allergies", [SECRET]))
    with (
        caplog.at_level(logging.WARNING, logger="clubrules.privacy"),
        pytest.raises(error) as caught,
    ):
        run(world.read(role, **kw))
    assert caught.value.reason == reason  # type: ignore[attr-defined]
    _assert_no_plaintext(caught.value)
    customer = kw.get("customer_id", "c-1")
    [event] = world.log.inner.for_customer(customer)
    assert (event.allowed, event.reason, event.role) == (False, reason, role)
    assert f"read refused ({reason})" in caplog.text
    assert SECRET not in caplog.text


class _RefusingLog(AsyncLog):
    """A log that fails every append, as a full disk or a lost connection would."""

    async def append(self, event: AccessEvent) -> None:
        await asyncio.sleep(0)
        raise OSError("disk full")


@pytest.mark.parametrize("role", ["beautician", "front_desk"])
def test_nothing_is_handed_out_or_refused_before_the_event_is_appended(role: str) -> None:
    # The log's failure reaches the caller, not the value nor the refusal:
    # the append comes first, allowed or refused.
    world = World()
    vault = world.new_vault(log=_RefusingLog())
    with pytest.raises(OSError, match="disk full") as caught:
        run(world.read(role, vault=vault))
    _assert_no_plaintext(caught.value)


def test_a_value_moved_to_another_customer_is_refused_and_logged() -> None:
    world = World()

    async def main() -> None:
        theirs = await world.vault.seal("c-2", "allergies", [SECRET])
        await world.vault.seal("c-1", "allergies", ["mine"])
        with pytest.raises(DecryptionError) as caught:
            await world.read(sealed=theirs)
        _assert_no_plaintext(caught.value)
        assert caught.value.__suppress_context__ or caught.value.__context__ is None

    run(main())
    assert world.events()[-1].reason == "decryption_failed"


def test_an_erased_customer_cannot_be_read_through_any_vault() -> None:
    world = World()

    async def main() -> None:
        sealed = await world.vault.seal("c-1", "allergies", [SECRET])
        other = world.new_vault()
        assert (await world.read(sealed=sealed, vault=other)).reveal() == [SECRET]
        assert await world.vault.erase("c-1") is True
        assert await world.vault.erase("c-1") is False
        for vault in (world.vault, other):
            with pytest.raises(DecryptionError):
                await world.read(sealed=sealed, vault=vault)

    run(main())
    assert [e.reason for e in world.events()] == [
        "allowed",
        "decryption_failed",
        "decryption_failed",
    ]


def test_the_sync_and_async_vaults_open_each_others_values() -> None:
    world = World()
    sync = world.sync_vault()
    from_sync = sync.seal("c-1", "allergies", ["from sync"])
    assert run(world.read(sealed=from_sync)).reveal() == ["from sync"]
    from_async = run(world.vault.seal("c-1", "allergies", ["from async"]))
    opened = sync.open(
        from_async,
        customer_id="c-1",
        field="allergies",
        actor="st-7",
        role="beautician",
        purpose=SERVICE,
    )
    assert opened.reveal() == ["from async"]
    assert len(world.events()) == 2


@pytest.mark.parametrize("method", ["for_customer", "get", "append"])
def test_a_task_cancelled_mid_open_gets_nothing(method: str) -> None:
    # Cancelled while reading the consents, the data key, or appending the
    # event: the task ends with CancelledError, never with the value, and no
    # value is ever handed out without its event.
    world = World()

    async def main() -> None:
        sealed = await world.vault.seal("c-1", "allergies", [SECRET])
        store = {"for_customer": world.consents, "get": world.store, "append": world.log}[method]
        store.gate(method)
        task = asyncio.create_task(world.read(sealed=sealed))
        await store.entered[method].wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()

    run(main())
    # The append was held, never done: no event, and no value came out.
    assert world.events() == []


def test_a_task_cancelled_after_its_event_was_appended_still_gets_nothing() -> None:
    world = World()

    class SlowAfterAppend(AsyncLog):
        async def append(self, event: AccessEvent) -> None:
            self.inner.append(event)
            await asyncio.sleep(3600)  # durable, but the call has not returned

    log = SlowAfterAppend(world.log.inner)

    async def main() -> None:
        sealed = await world.vault.seal("c-1", "allergies", [SECRET])
        vault = world.new_vault(log=log)
        task = asyncio.create_task(world.read(sealed=sealed, vault=vault))
        while not world.events():
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    # Logged as read, though the caller got nothing: the log errs on the safe side.
    assert [e.reason for e in world.events()] == ["allowed"]


def test_many_tasks_reading_at_once_are_each_logged() -> None:
    world = World()

    async def main() -> list[Sensitive[object]]:
        sealed = await world.vault.seal("c-1", "allergies", [SECRET])
        return await asyncio.gather(
            *(world.read(sealed=sealed, actor=f"st-{i}") for i in range(20))
        )

    values = run(main())
    assert all(v.reveal() == [SECRET] for v in values)
    assert sorted(e.actor for e in world.events()) == sorted(f"st-{i}" for i in range(20))


def test_the_report_reads_the_async_vaults_events() -> None:
    world = World()
    run(world.read())
    with pytest.raises(AccessDeniedError):
        run(world.read("front_desk", actor="fd-1"))
    report = access_report(world.log.inner, "c-1", field="allergies")
    assert report.readers == ("st-7",)
    assert "REFUSED (role_policy)" in report.render()


def test_bad_input_gets_typed_errors_before_any_store_call() -> None:
    world = World()

    async def main() -> None:
        with pytest.raises(ValidationError):
            await world.vault.seal(None, "allergies", "x")  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            await world.vault.seal("c-1", "", "x")
        with pytest.raises(ValidationError):
            await world.vault.erase(None)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            await world.read(purpose="gossip")
        with pytest.raises(ValidationError):
            await world.read(field=None)
        with pytest.raises(ValidationError):
            await world.read(actor="")
        with pytest.raises(ValidationError):
            await world.read(role="  ")

    run(main())
    assert world.events() == []


def test_the_clock_must_be_aware() -> None:
    world = World()
    world.clock = ManualClock(T0)
    vault = world.new_vault()

    class Naive:
        def now(self) -> datetime:
            return datetime(2026, 3, 1, 10)  # noqa: DTZ001 - the point

    vault._clock = Naive()  # a broken clock
    with pytest.raises(ValidationError):
        run(world.read(vault=vault))
    assert world.events() == []


def test_repr_names_no_value() -> None:
    world = World()
    assert repr(world.vault) == "AsyncPrivacyVault(record_type='customer')"
    assert repr(world.sync_vault()) == "PrivacyVault(record_type='customer')"
