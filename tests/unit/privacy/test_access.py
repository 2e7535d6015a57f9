from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clubrules.errors import (
    AccessDeniedError,
    ConsentRequiredError,
    DecryptionError,
    ValidationError,
)
from clubrules.privacy import (
    AccessEvent,
    ConsentRecord,
    CustomerKeys,
    Grant,
    Keyring,
    PrivacyVault,
    Purpose,
    RolePolicy,
    Sensitive,
    access_report,
)
from clubrules.storage.memory import InMemoryAccessLog, InMemoryConsentStore, InMemoryDataKeyStore
from clubrules.testing import ManualClock

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
SERVICE = Purpose.SERVICE_DELIVERY


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.log = InMemoryAccessLog()
        self.consents = InMemoryConsentStore()
        self.store = InMemoryDataKeyStore()
        self.vault = PrivacyVault(
            keys=CustomerKeys(Keyring.generate(), self.store),
            policy=RolePolicy.salon_default(),
            consents=self.consents,
            log=self.log,
            clock=self.clock,
        )
        self.consents.add(
            ConsentRecord(
                id="k-1",
                customer_id="c-1",
                purpose=SERVICE,
                scope={"allergies"},
                given_at=T0 - timedelta(days=1),
                separate=True,
            )
        )
        self.sealed = self.vault.seal("c-1", "allergies", ["penicillin", "花粉"])

    def read(self, role: str, actor: str = "st-7", **kw: object) -> Sensitive[object]:
        options: dict[str, object] = {
            "customer_id": "c-1",
            "field": "allergies",
            "purpose": SERVICE,
            **kw,
        }
        return self.vault.open(self.sealed, actor=actor, role=role, **options)  # type: ignore[arg-type]


@pytest.fixture
def world() -> World:
    return World()


def test_a_beautician_reads_allergies_for_service_and_it_is_logged(world: World) -> None:
    value = world.read("beautician")
    assert isinstance(value, Sensitive)
    assert value.reveal() == ["penicillin", "花粉"]
    [event] = world.log.for_customer("c-1")
    assert event == AccessEvent(
        T0, "st-7", "beautician", SERVICE, "c-1", "allergies", allowed=True, reason="allowed"
    )


def test_the_front_desk_is_refused_and_the_refusal_is_logged(world: World) -> None:
    with pytest.raises(AccessDeniedError) as caught:
        world.read("front_desk", actor="fd-1")
    assert not isinstance(caught.value, ConsentRequiredError)
    assert (caught.value.actor, caught.value.role, caught.value.reason) == (
        "fd-1",
        "front_desk",
        "role_policy",
    )
    assert "penicillin" not in str(caught.value)
    [event] = world.log.for_customer("c-1")
    assert not event.allowed
    assert event.reason == "role_policy"


@pytest.mark.parametrize(
    ("actor", "role", "field"),
    [
        ("", "beautician", "actor"),
        ("   ", "beautician", "actor"),
        (" st-7", "beautician", "actor"),
        ("st\x007", "beautician", "actor"),
        (None, "beautician", "actor"),
        ("st-7", "", "role"),
        ("st-7", "\t", "role"),
        ("st-7", 7, "role"),
    ],
)
def test_a_read_by_nobody_in_particular_is_refused_before_anything_is_read_or_logged(
    world: World, actor: object, role: object, field: str
) -> None:
    # The access log must say who read and in which role: a blank name says nothing.
    with pytest.raises(ValidationError) as caught:
        world.read(role, actor=actor)  # type: ignore[arg-type]
    assert [v.field for v in caught.value.violations] == [field]
    assert world.log.for_customer("c-1") == []


def test_a_beautician_may_not_read_for_marketing(world: World) -> None:
    with pytest.raises(AccessDeniedError):
        world.read("beautician", purpose=Purpose.MARKETING)


def test_without_consent_the_read_is_refused(world: World) -> None:
    world.consents.withdraw("k-1", T0 + timedelta(hours=1))
    world.read("beautician")
    world.clock.advance(hours=2)
    with pytest.raises(ConsentRequiredError) as caught:
        world.read("beautician")
    assert caught.value.reason == "no_consent"
    assert [e.reason for e in world.log.for_customer("c-1")] == ["allowed", "no_consent"]


def test_health_needs_its_own_consent(world: World) -> None:
    sealed = world.vault.seal("c-1", "health", {"pregnant": True})
    with pytest.raises(ConsentRequiredError):
        world.vault.open(
            sealed,
            customer_id="c-1",
            field="health",
            actor="st-7",
            role="beautician",
            purpose=SERVICE,
        )


def test_a_value_moved_to_another_customer_is_refused_and_logged(world: World) -> None:
    world.consents.add(
        ConsentRecord(
            id="k-2",
            customer_id="c-2",
            purpose=SERVICE,
            scope={"allergies"},
            given_at=T0 - timedelta(days=1),
            separate=True,
        )
    )
    world.vault.seal("c-2", "allergies", ["none"])
    with pytest.raises(DecryptionError):
        world.read("beautician", customer_id="c-2")
    assert world.log.for_customer("c-2")[-1].reason == "decryption_failed"


def test_an_erased_customer_cannot_be_read(world: World) -> None:
    assert world.vault.erase("c-1")
    with pytest.raises(DecryptionError):
        world.read("beautician")
    assert world.log.for_customer("c-1")[-1].reason == "decryption_failed"


def test_no_plaintext_is_handed_out_if_the_log_fails(world: World) -> None:
    class BrokenLog(InMemoryAccessLog):
        def append(self, event: AccessEvent) -> None:
            raise OSError("disk full")

    vault = PrivacyVault(
        keys=world.vault._keys,
        policy=RolePolicy.salon_default(),
        consents=world.consents,
        log=BrokenLog(),
        clock=world.clock,
    )
    with pytest.raises(OSError, match="disk full"):
        vault.open(
            world.sealed,
            customer_id="c-1",
            field="allergies",
            actor="st-7",
            role="beautician",
            purpose=SERVICE,
        )


def test_the_report_says_who_read_when_and_why(world: World) -> None:
    world.read("beautician", actor="st-7")
    world.clock.advance(minutes=30)
    with pytest.raises(AccessDeniedError):
        world.read("front_desk", actor="fd-1")
    world.clock.advance(minutes=30)
    world.read("store_manager", actor="mg-1")
    world.vault.seal("c-1", "health", "x")
    report = access_report(world.log, "c-1", field="allergies")
    assert report.readers == ("st-7", "mg-1")
    assert [(e.at, e.actor, e.purpose, e.allowed) for e in report.events] == [
        (T0, "st-7", SERVICE, True),
        (T0 + timedelta(minutes=30), "fd-1", SERVICE, False),
        (T0 + timedelta(hours=1), "mg-1", SERVICE, True),
    ]
    text = report.render()
    assert (
        "2026-03-01 10:00:00 UTC  st-7 (beautician)  allergies  for service_delivery: read" in text
    )
    assert "fd-1 (front_desk)  allergies  for service_delivery: REFUSED (role_policy)" in text
    assert "penicillin" not in text
    later = access_report(world.log, "c-1", since=T0 + timedelta(minutes=1))
    assert [e.actor for e in later.events] == ["fd-1", "mg-1"]


def test_custom_policies() -> None:
    policy = RolePolicy([Grant("nurse", {"health"}, {"service_delivery"})])
    assert policy.allows("nurse", "health", SERVICE)
    assert not policy.allows("nurse", "allergies", SERVICE)
    assert not policy.allows("beautician", "health", SERVICE)
