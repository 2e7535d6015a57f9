"""The customer archive stores health and allergies only sealed, through these recipes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from clubrules.customers import Customer, Gender, Sealed, parse_phone
from clubrules.errors import DecryptionError, ValidationError
from clubrules.privacy import (
    ConsentRecord,
    CustomerKeys,
    Keyring,
    PrivacyVault,
    Purpose,
    RolePolicy,
    sealed_to_bytes,
)
from clubrules.storage import memory
from clubrules.storage.memory import InMemoryAccessLog, InMemoryConsentStore, InMemoryDataKeyStore
from clubrules.testing import ManualClock

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)


def _customer(**changes: object) -> Customer:
    fields: dict[str, object] = {
        "id": "c-001",
        "name": "王芳",
        "phone": parse_phone("138 1234 5678"),
        "gender": Gender.FEMALE,
        "birthday": date(1990, 2, 28),
        "occupation": "teacher",
        "email": None,
        "wechat": None,
        "tags": frozenset({"vip"}),
        "needs": frozenset({"anti-ageing"}),
        "registered_at": T0,
        "health": None,
        "allergies": None,
    }
    fields.update(changes)
    return Customer(**fields)  # type: ignore[arg-type]


@pytest.fixture
def vault() -> PrivacyVault:
    consents = InMemoryConsentStore()
    consents.add(
        ConsentRecord(
            id="k-1",
            customer_id="c-001",
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies", "health"},
            given_at=T0 - timedelta(days=1),
            separate=True,
        )
    )
    return PrivacyVault(
        keys=CustomerKeys(Keyring.generate(), InMemoryDataKeyStore()),
        policy=RolePolicy.salon_default(),
        consents=consents,
        log=InMemoryAccessLog(),
        clock=ManualClock(T0),
    )


@pytest.mark.parametrize(
    "plaintext",
    [["penicillin"], "penicillin", b"penicillin", {"notes": "pregnant"}],
)
@pytest.mark.parametrize("field", ["health", "allergies"])
def test_the_archive_refuses_plaintext(field: str, plaintext: object) -> None:
    with pytest.raises((TypeError, ValidationError)) as caught:
        _customer(**{field: plaintext})
    assert "penicillin" not in str(caught.value)
    assert "pregnant" not in str(caught.value)


def _repository() -> object:
    names = [n for n in memory.__all__ if "Customer" in n and "Repository" in n]
    assert names, "no in-memory customer repository"
    return getattr(memory, names[0])()


def test_sealed_fields_round_trip_through_the_repository(vault: PrivacyVault) -> None:
    customer = _customer(
        allergies=vault.seal("c-001", "allergies", ["penicillin", "花粉"]),
        health=vault.seal("c-001", "health", {"pregnant": True, "bp": "140/90"}),
    )
    assert isinstance(customer.allergies, Sealed)
    assert "penicillin" not in repr(customer)
    repository = _repository()
    repository.add(customer)  # type: ignore[attr-defined]
    stored = repository.get("c-001")  # type: ignore[attr-defined]
    assert "penicillin" not in repr(stored)
    assert b"penicillin" not in sealed_to_bytes(stored.allergies)
    allergies = vault.open(
        stored.allergies,
        customer_id="c-001",
        field="allergies",
        actor="st-7",
        role="beautician",
        purpose=Purpose.SERVICE_DELIVERY,
    )
    assert allergies.reveal() == ["penicillin", "花粉"]


def test_sealed_values_cannot_be_moved_between_fields(vault: PrivacyVault) -> None:
    allergies = vault.seal("c-001", "allergies", ["penicillin"])
    customer = _customer(health=allergies)  # a bug or an attack: the wrong field
    assert customer.health is not None
    with pytest.raises(DecryptionError, match="decryption failed"):
        vault.open(
            customer.health,
            customer_id="c-001",
            field="health",
            actor="st-7",
            role="beautician",
            purpose=Purpose.SERVICE_DELIVERY,
        )


def test_a_customer_copy_keeps_its_sealed_values_sealed(vault: PrivacyVault) -> None:
    customer = _customer(allergies=vault.seal("c-001", "allergies", ["penicillin"]))
    renamed = attrs.evolve(customer, name="王芳芳")
    assert renamed.allergies == customer.allergies
