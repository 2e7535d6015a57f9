"""Many clubs in one database: values and data keys are bound to their tenant.

A value or a wrapped data key copied from one tenant's record to the same
record of another tenant fails to open, even when both tenants use the same
keys; the tenant "default" (or none) seals exactly as before tenants, so the
published vectors still open; `erase_tenant` shreds one tenant at once.
"""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.errors import (
    DecryptionError,
    KeyringError,
    StorageError,
    ValidationError,
)
from clubrules.privacy import (
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    ConsentRecord,
    CustomerKeys,
    FieldCipher,
    Keyring,
    KeyStatus,
    KeyVersion,
    PrivacyVault,
    Purpose,
    RolePolicy,
    sealed_to_bytes,
)
from clubrules.privacy._format import associated_data, encode_value
from clubrules.storage.memory import InMemoryAccessLog, InMemoryConsentStore, InMemoryDataKeyStore
from clubrules.testing import ManualClock

from ._async_stores import AsyncConsents, AsyncDataKeys, AsyncLog

if TYPE_CHECKING:
    from clubrules.customers import Sealed

VECTORS = json.loads((Path(__file__).parent / "vectors" / "v1.json").read_text("utf-8"))
PLACE = {"record_type": "customer", "field": "allergies"}
T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
SERVICE = Purpose.SERVICE_DELIVERY
CUSTOMERS = ["c-001", "c-002", "c-003"]

tenants = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}", fullmatch=True)
names = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12)
values = st.one_of(
    st.text(max_size=20),
    st.binary(max_size=20),
    st.lists(st.text(max_size=6), max_size=4),
    st.dictionaries(st.text(max_size=6), st.integers() | st.text(max_size=6), max_size=3),
)


def _opens(cipher: FieldCipher, sealed: Sealed, record_id: str, **place: str) -> bool:
    try:
        cipher.open(sealed, record_id=record_id, **place)
    except DecryptionError:
        return False
    return True


# --- FieldCipher ---------------------------------------------------------------------


def test_a_cipher_names_its_tenant() -> None:
    ring = Keyring.generate()
    assert FieldCipher(ring).tenant == "default"
    assert FieldCipher(ring, tenant=None).tenant == "default"
    assert FieldCipher(ring, tenant="default").tenant == "default"
    assert FieldCipher(ring, tenant="club-a").tenant == "club-a"


@pytest.mark.parametrize(
    "tenant", ["", " ", "a b", "club'a", '"a"', "-a", "_a", ".", "a" * 64, "é", "a\x00", 7, b"a"]
)
def test_a_bad_tenant_is_refused(tenant: object) -> None:
    with pytest.raises(ValidationError) as caught:
        FieldCipher(Keyring.generate(), tenant=tenant)  # type: ignore[arg-type]
    [violation] = caught.value.violations
    assert (violation.field, violation.rule) == ("tenant", "tenant_id")


@pytest.mark.parametrize("tenant", ["a", "A", "0", "a" * 63, "club_a.b:c-d", "6f1c2e0a-9b7d-4c1e"])
def test_a_good_tenant_is_taken(tenant: str) -> None:
    assert FieldCipher(Keyring.generate(), tenant=tenant).tenant == tenant


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["description"])
@pytest.mark.parametrize("tenant", [None, "default"])
def test_the_default_tenant_opens_what_was_sealed_before_tenants(
    vector: dict[str, Any], tenant: str | None
) -> None:
    # The published vectors were sealed by the format before tenants existed.
    key = KeyVersion(vector["key_id"], bytes.fromhex(vector["key_hex"]), KeyStatus.PRIMARY)
    place = {k: vector[k] for k in ("record_type", "record_id", "field")}
    expected = vector["value"]
    if vector["value_type"] == "bytes":
        expected = base64.b64decode(expected)
    cipher = FieldCipher(Keyring([key]), tenant=tenant)
    assert cipher.open(vector["sealed_text"], **place) == expected
    assert cipher.open_many(
        [vector["sealed_text"]], record_ids=[place.pop("record_id")], **place
    ) == [expected]
    other = FieldCipher(Keyring([key]), tenant="club-a")
    with pytest.raises(DecryptionError):
        other.open(vector["sealed_text"], record_id=vector["record_id"], **place)


def test_the_default_tenant_seals_as_before_tenants() -> None:
    # What a default-tenant cipher seals opens under the format's associated
    # data with no tenant: byte-compatible with values sealed before tenants.
    key = KeyVersion.generate(1)
    sealed = FieldCipher(Keyring([key]), tenant="default").seal("x", record_id="c-001", **PLACE)
    data = sealed_to_bytes(sealed)
    aad = associated_data("customer", "c-001", "allergies")
    assert AESGCM(key.material).decrypt(data[5:17], data[17:], aad) == b"tx"


@settings(max_examples=60, deadline=None)
@given(
    tenant=tenants,
    other=tenants | st.just("default"),
    record_type=names,
    record_id=names,
    field=names,
    value=values,
)
def test_a_value_opens_under_its_tenant_and_under_no_other(
    *, tenant: str, other: str, record_type: str, record_id: str, field: str, value: object
) -> None:
    key = KeyVersion.generate(7)
    ring = Keyring([key])
    place = {"record_type": record_type, "field": field}
    mine = FieldCipher(ring, tenant=tenant)
    sealed = mine.seal(value, record_id=record_id, **place)
    [batch] = mine.seal_many([value], record_ids=[record_id], **place)
    expected = value if not isinstance(value, tuple) else list(value)
    # The same tenant, in this cipher or another one: it opens.
    again = FieldCipher(ring, tenant=tenant)
    for cipher in (mine, again):
        assert cipher.open(sealed, record_id=record_id, **place) == expected
        assert cipher.open_many([sealed, batch], record_ids=[record_id] * 2, **place) == [
            expected,
            expected,
        ]
        assert (
            cipher.open(
                cipher.rewrap(sealed, record_id=record_id, **place), record_id=record_id, **place
            )
            == expected
        )
    # The slow, obvious oracle: the documented associated data, with the tenant.
    data = sealed_to_bytes(sealed)
    aad = associated_data(record_type, record_id, field, tenant)
    assert AESGCM(key.material).decrypt(data[5:17], data[17:], aad) == encode_value(value)
    # Any other tenant, the default one included: it does not.
    if other == tenant:
        return
    theirs = FieldCipher(ring, tenant=other)
    for bad in (sealed, batch):
        with pytest.raises(DecryptionError):
            theirs.open(bad, record_id=record_id, **place)
        with pytest.raises(DecryptionError):
            theirs.open_many([bad], record_ids=[record_id], **place)
        with pytest.raises(DecryptionError):
            theirs.rewrap(bad, record_id=record_id, **place)
    with pytest.raises(DecryptionError):
        FieldCipher(ring).open(sealed, record_id=record_id, **place)


def test_a_value_copied_to_another_tenants_record_fails_under_the_same_keyring() -> None:
    ring = Keyring.generate()
    club_a, club_b = FieldCipher(ring, tenant="club-a"), FieldCipher(ring, tenant="club-b")
    sealed = club_a.seal(["penicillin"], record_id="c-001", **PLACE)
    assert not _opens(club_b, sealed, "c-001", **PLACE)
    assert _opens(club_a, sealed, "c-001", **PLACE)
    with pytest.raises(DecryptionError) as caught:
        club_b.open(sealed, record_id="c-001", **PLACE)
    assert str(caught.value) == "decryption failed"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


def test_a_ciphers_repr_names_its_tenant_and_no_key() -> None:
    ring = Keyring.generate()
    material = ring.keys[0].material
    text = repr(FieldCipher(ring, tenant="club-a"))
    assert "club-a" in text
    assert material.hex() not in text
    assert repr(FieldCipher(ring)) == f"FieldCipher({ring!r})"


# --- CustomerKeys and the vaults --------------------------------------------------------


class Club:
    """One tenant's vault, on its handles of shared stores and a KEK of its own (or shared)."""

    def __init__(
        self,
        tenant: str,
        kek: Keyring,
        store: InMemoryDataKeyStore,
        consents: InMemoryConsentStore,
        log: InMemoryAccessLog,
    ) -> None:
        self.store = store.for_tenant(tenant)
        self.consents = consents.for_tenant(tenant)
        self.keys = CustomerKeys(kek, self.store, tenant=tenant)
        self.vault = PrivacyVault(
            keys=self.keys,
            policy=RolePolicy.salon_default(),
            consents=self.consents,
            log=log.for_tenant(tenant),
            clock=ManualClock(T0),
        )

    def consent(self, customer_id: str) -> None:
        self.consents.add(
            ConsentRecord(
                id=f"k-{customer_id}",
                customer_id=customer_id,
                purpose=SERVICE,
                scope={"allergies"},
                given_at=T0 - timedelta(days=1),
                separate=True,
            )
        )

    def read(self, sealed: Sealed, customer_id: str) -> object:
        return self.vault.open(
            sealed,
            customer_id=customer_id,
            field="allergies",
            actor="st-1",
            role="beautician",
            purpose=SERVICE,
        ).reveal()


@pytest.fixture
def stores() -> tuple[InMemoryDataKeyStore, InMemoryConsentStore, InMemoryAccessLog]:
    return InMemoryDataKeyStore(), InMemoryConsentStore(), InMemoryAccessLog()


def _clubs(
    stores: tuple[InMemoryDataKeyStore, InMemoryConsentStore, InMemoryAccessLog],
    kek_a: Keyring,
    kek_b: Keyring,
) -> tuple[Club, Club]:
    a, b = Club("club-a", kek_a, *stores), Club("club-b", kek_b, *stores)
    for club in (a, b):
        for customer in CUSTOMERS:
            club.consent(customer)
    return a, b


def test_keys_and_vaults_name_their_tenant(
    stores: tuple[InMemoryDataKeyStore, InMemoryConsentStore, InMemoryAccessLog],
) -> None:
    a, _ = _clubs(stores, Keyring.generate(), Keyring.generate())
    assert a.keys.tenant == "club-a"
    assert a.vault.tenant == "club-a"
    assert CustomerKeys(Keyring.generate(), InMemoryDataKeyStore()).tenant == "default"
    assert "club-a" in repr(a.keys)
    assert "club-a" in repr(a.vault)
    material = a.keys.cipher_for("c-001", create=True).keyring.keys[0].material
    for shown in (repr(a.keys), repr(a.vault), repr(a.keys.kek)):
        assert material.hex() not in shown
        assert a.keys.kek.keys[0].material.hex() not in shown


def test_a_value_copied_to_the_same_customer_of_another_tenant_fails_under_the_same_kek(
    stores: tuple[InMemoryDataKeyStore, InMemoryConsentStore, InMemoryAccessLog],
) -> None:
    kek = Keyring.generate()
    a, b = _clubs(stores, kek, kek)
    sealed_a = a.vault.seal("c-001", "allergies", ["penicillin"])
    sealed_b = b.vault.seal("c-001", "allergies", ["pollen"])
    assert a.read(sealed_a, "c-001") == ["penicillin"]
    assert b.read(sealed_b, "c-001") == ["pollen"]
    with pytest.raises(DecryptionError):
        b.read(sealed_a, "c-001")
    with pytest.raises(DecryptionError):
        a.read(sealed_b, "c-001")
    # The refusals are logged in the reader's tenant, and only there.
    log = stores[2]
    assert [e.reason for e in log.for_tenant("club-b").for_customer("c-001")] == [
        "allowed",
        "decryption_failed",
    ]
    assert log.for_customer("c-001") == []


def test_a_wrapped_data_key_copied_to_another_tenant_does_not_open_under_the_same_kek(
    stores: tuple[InMemoryDataKeyStore, InMemoryConsentStore, InMemoryAccessLog],
) -> None:
    kek = Keyring.generate()
    a, b = _clubs(stores, kek, kek)
    sealed = a.vault.seal("c-001", "allergies", ["penicillin"])
    wrapped = a.store.get("c-001")
    assert wrapped is not None
    # Both the value and its wrapped key are copied into tenant B.
    b.store.add("c-001", wrapped)
    with pytest.raises(KeyringError) as caught:
        b.keys.cipher_for("c-001")
    assert str(caught.value) == "the data key of customer 'c-001' does not open"
    with pytest.raises(DecryptionError):
        b.read(sealed, "c-001")
    # The same copy between two handles of one tenant opens: the tenant is what refuses it.
    twin = CustomerKeys(kek, InMemoryDataKeyStore().for_tenant("club-a"), tenant="club-a")
    twin._store.add("c-001", wrapped)  # the twin's own store
    assert twin.cipher_for("c-001").open(sealed, record_id="c-001", **PLACE) == ["penicillin"]


def test_a_store_of_another_tenant_is_refused() -> None:
    kek = Keyring.generate()
    store = InMemoryDataKeyStore()
    for tenant, handle in [
        ("club-a", store.for_tenant("club-b")),
        ("club-a", store),
        ("default", store.for_tenant("club-b")),
    ]:
        with pytest.raises(ValidationError) as caught:
            CustomerKeys(kek, handle, tenant=tenant)
        [violation] = caught.value.violations
        assert (violation.field, violation.rule) == ("tenant", "tenant_mismatch")
        with pytest.raises(ValidationError):
            AsyncCustomerKeys(kek, AsyncOfTenant(handle), tenant=tenant)
    # A store of the same tenant is taken, and so is one that names no tenant.
    assert CustomerKeys(kek, store.for_tenant("x"), tenant="x").tenant == "x"
    assert AsyncCustomerKeys(kek, AsyncOfTenant(store.for_tenant("x")), tenant="x").tenant == "x"
    assert AsyncCustomerKeys(kek, AsyncDataKeys(), tenant="club-a").tenant == "club-a"


class AsyncOfTenant(AsyncDataKeys):
    """An async store that names the tenant of the store it wraps."""

    @property
    def tenant(self) -> str:
        return self.inner.tenant


def test_a_vault_refuses_consents_or_a_log_of_another_tenant() -> None:
    keys = CustomerKeys(Keyring.generate(), InMemoryDataKeyStore(), tenant="default")
    consents, log = InMemoryConsentStore(), InMemoryAccessLog()
    for bad in ({"consents": consents.for_tenant("b")}, {"log": log.for_tenant("b")}):
        parts: dict[str, Any] = {"consents": consents, "log": log, **bad}
        with pytest.raises(ValidationError) as caught:
            PrivacyVault(
                keys=keys, policy=RolePolicy.salon_default(), clock=ManualClock(T0), **parts
            )
        [violation] = caught.value.violations
        assert (violation.field, violation.rule) == ("tenant", "tenant_mismatch")
        assert violation.message == f"{next(iter(bad))} is bound to another tenant than the keys"


def test_a_bad_tenant_for_the_keys_is_refused() -> None:
    for tenant in ["", "a b", "x'--"]:
        with pytest.raises(ValidationError):
            CustomerKeys(Keyring.generate(), InMemoryDataKeyStore(), tenant=tenant)
        with pytest.raises(ValidationError):
            AsyncCustomerKeys(Keyring.generate(), AsyncDataKeys(), tenant=tenant)


# --- Erasing a tenant ---------------------------------------------------------------


def test_erasing_a_tenant_shreds_every_value_of_it_and_nothing_of_another(
    stores: tuple[InMemoryDataKeyStore, InMemoryConsentStore, InMemoryAccessLog],
) -> None:
    kek = Keyring.generate()
    a, b = _clubs(stores, kek, kek)
    sealed_a = {c: a.vault.seal(c, "allergies", [f"a-{c}"]) for c in CUSTOMERS}
    sealed_b = {c: b.vault.seal(c, "allergies", [f"b-{c}"]) for c in CUSTOMERS}
    default_keys = CustomerKeys(kek, stores[0])
    default_sealed = default_keys.cipher_for("c-001", create=True).seal(
        "d", record_id="c-001", **PLACE
    )
    # Another app server of tenant A, its cache warm.
    other_a = CustomerKeys(kek, a.store, tenant="club-a")
    assert other_a.cipher_for("c-001").open(sealed_a["c-001"], record_id="c-001", **PLACE)

    assert a.keys.erase_tenant() == 3

    for customer, sealed in sealed_a.items():
        with pytest.raises(KeyringError):
            a.keys.cipher_for(customer)
        with pytest.raises(KeyringError):
            other_a.cipher_for(customer)
        with pytest.raises(DecryptionError):
            a.read(sealed, customer)
        # A new key for the customer does not open the old values either.
        a.keys.cipher_for(customer, create=True)
        with pytest.raises(DecryptionError):
            a.read(sealed, customer)
    for customer, sealed in sealed_b.items():
        assert b.read(sealed, customer) == [f"b-{customer}"]
    assert default_keys.cipher_for("c-001").open(default_sealed, record_id="c-001", **PLACE) == "d"
    assert sorted(b.store.customer_ids()) == CUSTOMERS
    assert a.keys.erase_tenant() == 3  # the new keys made above
    assert a.keys.erase_tenant() == 0


def test_erasing_a_tenant_is_logged_without_keys(
    caplog: pytest.LogCaptureFixture,
) -> None:
    keys = CustomerKeys(
        Keyring.generate(), InMemoryDataKeyStore().for_tenant("club-a"), tenant="club-a"
    )
    keys.cipher_for("c-1", create=True)
    with caplog.at_level("INFO", logger="clubrules.privacy"):
        assert keys.erase_tenant() == 1
    assert caplog.messages == ["tenant 'club-a' erased: 1 data keys destroyed"]


class _Minimal:
    """A third-party store with the required methods only (no `erase_all`)."""

    def __init__(self) -> None:
        self.inner = InMemoryDataKeyStore()
        self.get = self.inner.get
        self.add = self.inner.add
        self.replace = self.inner.replace
        self.delete = self.inner.delete
        self.customer_ids = self.inner.customer_ids


def test_a_store_without_erase_all_still_works_but_cannot_erase_a_tenant() -> None:
    keys = CustomerKeys(Keyring.generate(), _Minimal(), tenant="club-a")
    cipher = keys.cipher_for("c-1", create=True)
    sealed = cipher.seal("x", record_id="c-1", **PLACE)
    with pytest.raises(StorageError) as caught:
        keys.erase_tenant()
    assert str(caught.value) == (
        "the data key store (_Minimal) has no erase_all(): it cannot erase a tenant in one call"
    )
    # Nothing was erased.
    assert keys.cipher_for("c-1").open(sealed, record_id="c-1", **PLACE) == "x"


def test_async_keys_erase_a_tenant() -> None:
    kek = Keyring.generate()
    shared = InMemoryDataKeyStore()
    keys_a = AsyncCustomerKeys(kek, AsyncDataKeys(shared.for_tenant("a")), tenant="a")
    keys_b = AsyncCustomerKeys(kek, AsyncDataKeys(shared.for_tenant("b")), tenant="b")

    async def scenario() -> None:
        sealed = {}
        for keys in (keys_a, keys_b):
            cipher = await keys.cipher_for("c-1", create=True)
            sealed[keys.tenant] = cipher.seal("v", record_id="c-1", **PLACE)
        assert await keys_a.erase_tenant() == 1
        with pytest.raises(KeyringError):
            await keys_a.cipher_for("c-1")
        cipher_b = await keys_b.cipher_for("c-1")
        assert cipher_b.open(sealed["b"], record_id="c-1", **PLACE) == "v"
        with pytest.raises(DecryptionError):
            cipher_b.open(sealed["a"], record_id="c-1", **PLACE)

        class NoErase:
            def __init__(self) -> None:
                self.inner = AsyncDataKeys()
                self.get, self.add = self.inner.get, self.inner.add
                self.replace, self.delete = self.inner.replace, self.inner.delete
                self.customer_ids = self.inner.customer_ids

        with pytest.raises(StorageError):
            await AsyncCustomerKeys(kek, NoErase()).erase_tenant()

    asyncio.run(scenario())


def test_the_async_vault_serves_its_keys_tenant() -> None:
    kek = Keyring.generate()
    store = InMemoryDataKeyStore()
    keys = AsyncCustomerKeys(kek, AsyncDataKeys(store.for_tenant("club-a")), tenant="club-a")
    consents = AsyncConsents(InMemoryConsentStore().for_tenant("club-a"))
    vault = AsyncPrivacyVault(
        keys=keys,
        policy=RolePolicy.salon_default(),
        consents=consents,
        log=AsyncLog(),
        clock=ManualClock(T0),
    )
    assert vault.tenant == "club-a"
    sealed = asyncio.run(vault.seal("c-1", "allergies", "x"))
    # The sync keys of the same tenant open what the async vault sealed; another tenant's do not.
    same = CustomerKeys(kek, store.for_tenant("club-a"), tenant="club-a").cipher_for("c-1")
    assert same.open(sealed, record_id="c-1", **PLACE) == "x"
    with pytest.raises(ValidationError):
        CustomerKeys(kek, store.for_tenant("club-a"), tenant="club-b")
