from __future__ import annotations

import copy

import pytest

from clubrules.errors import DecryptionError, KeyringError
from clubrules.privacy import CustomerKeys, Keyring, sealed_to_bytes
from clubrules.storage.memory import InMemoryDataKeyStore

PLACE = {"record_type": "customer", "field": "allergies"}


@pytest.fixture
def store() -> InMemoryDataKeyStore:
    return InMemoryDataKeyStore()


@pytest.fixture
def kek() -> Keyring:
    return Keyring.generate()


def test_each_customer_has_their_own_data_key(kek: Keyring, store: InMemoryDataKeyStore) -> None:
    keys = CustomerKeys(kek, store)
    a = keys.cipher_for("c-1", create=True)
    b = keys.cipher_for("c-2", create=True)
    assert a.keyring.primary_id != b.keyring.primary_id or a is not b
    sealed = a.seal("花粉", record_id="c-1", **PLACE)
    with pytest.raises(DecryptionError):
        b.open(sealed, record_id="c-1", **PLACE)
    assert set(store.customer_ids()) == {"c-1", "c-2"}


def test_the_store_holds_only_wrapped_keys(kek: Keyring, store: InMemoryDataKeyStore) -> None:
    keys = CustomerKeys(kek, store)
    material = keys.cipher_for("c-1", create=True).keyring.keys[0].material
    wrapped = store.get("c-1")
    assert wrapped is not None
    assert material not in sealed_to_bytes(wrapped)


def test_a_fresh_process_opens_with_the_same_kek(kek: Keyring, store: InMemoryDataKeyStore) -> None:
    sealed = (
        CustomerKeys(kek, store)
        .cipher_for("c-1", create=True)
        .seal(["penicillin"], record_id="c-1", **PLACE)
    )
    again = CustomerKeys(kek, store).cipher_for("c-1")
    assert again.open(sealed, record_id="c-1", **PLACE) == ["penicillin"]


def test_erasing_a_customer_makes_every_backup_copy_unreadable(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    keys = CustomerKeys(kek, store)
    cipher = keys.cipher_for("c-1", create=True)
    live = {
        "allergies": cipher.seal(["penicillin"], record_id="c-1", **PLACE),
        "health": cipher.seal(
            {"bp": "140/90"}, record_type="customer", record_id="c-1", field="health"
        ),
    }
    backup = copy.deepcopy(live)  # last night's dump of the customer table
    other = keys.cipher_for("c-2", create=True).seal("x", record_id="c-2", **PLACE)

    assert keys.erase("c-1") is True
    assert keys.erase("c-1") is False

    for field, sealed in backup.items():
        for reader in (keys, CustomerKeys(kek, store)):  # this process, and a fresh one
            with pytest.raises(KeyringError):
                reader.cipher_for("c-1")
            # Even a customer re-registered under the same id gets a new key.
            fresh = reader.cipher_for("c-1", create=True)
            with pytest.raises(DecryptionError):
                fresh.open(sealed, record_type="customer", record_id="c-1", field=field)
            reader.erase("c-1")
    # Other customers are untouched.
    assert keys.cipher_for("c-2").open(other, record_id="c-2", **PLACE) == "x"


def test_a_wrapped_key_copied_to_another_customer_does_not_open(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    keys = CustomerKeys(kek, store)
    keys.cipher_for("c-1", create=True)
    stolen = store.get("c-1")
    assert stolen is not None
    store.add("c-evil", stolen)
    with pytest.raises(KeyringError, match="does not open"):
        keys.cipher_for("c-evil")


def test_kek_rotation_rewraps_data_keys_only(kek: Keyring, store: InMemoryDataKeyStore) -> None:
    keys = CustomerKeys(kek, store)
    sealed = {
        cid: keys.cipher_for(cid, create=True).seal(cid, record_id=cid, **PLACE)
        for cid in ("c-1", "c-2", "c-3")
    }
    kek.rotate()
    assert keys.rewrap_data_keys() == 3
    assert keys.rewrap_data_keys() == 0
    kek.retire(1)
    fresh = CustomerKeys(kek, store)  # no cached data keys
    for cid, value in sealed.items():
        assert fresh.cipher_for(cid).open(value, record_id=cid, **PLACE) == cid


def test_retiring_the_kek_without_rewrapping_locks_data_keys(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    CustomerKeys(kek, store).cipher_for("c-1", create=True)
    kek.rotate()
    kek.retire(1)
    with pytest.raises(KeyringError):
        CustomerKeys(kek, store).cipher_for("c-1")


def test_concurrent_creation_keeps_the_first_key(kek: Keyring, store: InMemoryDataKeyStore) -> None:
    first = CustomerKeys(kek, store)
    second = CustomerKeys(kek, store)
    cipher = first.cipher_for("c-1", create=True)
    sealed = cipher.seal("x", record_id="c-1", **PLACE)
    # The second process lost the race: it must use the stored key.
    assert second.cipher_for("c-1", create=True).open(sealed, record_id="c-1", **PLACE) == "x"
