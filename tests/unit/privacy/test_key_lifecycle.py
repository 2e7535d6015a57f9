"""Data-key lifecycle edges, sync and async: KEKs lacking or retired, lost create races, fork.

`tests/integration/test_key_lifecycle_processes.py` runs the same races
across two processes on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TYPE_CHECKING, Any

import pytest

from clubrules.errors import DecryptionError, DuplicateError, KeyringError
from clubrules.privacy import AsyncCustomerKeys, CustomerKeys, Keyring
from clubrules.storage.memory import InMemoryDataKeyStore
from tests.unit.privacy._async_stores import AsyncDataKeys

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.customers import Sealed

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}


def _call(keys: CustomerKeys | AsyncCustomerKeys, method: str, *args: Any, **kw: Any) -> Any:
    result = getattr(keys, method)(*args, **kw)
    if isinstance(keys, AsyncCustomerKeys):
        return asyncio.run(result)
    return result


def _keys(
    kek: Keyring, store: InMemoryDataKeyStore, flavour: str
) -> CustomerKeys | AsyncCustomerKeys:
    if flavour == "async":
        return AsyncCustomerKeys(kek, AsyncDataKeys(store))
    return CustomerKeys(kek, store)


FLAVOURS = pytest.mark.parametrize("flavour", ["sync", "async"])


@FLAVOURS
def test_an_older_keyring_names_the_kek_it_lacks_when_opening_and_rewrapping(
    flavour: str,
) -> None:
    store = InMemoryDataKeyStore()
    current = Keyring.generate()
    older = Keyring(current.keys)  # loaded before the rotation, elsewhere
    CustomerKeys(current, store).cipher_for("c-1", create=True)
    new = current.rotate().key_id
    assert CustomerKeys(current, store).rewrap_data_keys() == 1
    keys = _keys(older, store, flavour)
    lacks = f"does not open: it is wrapped under key-encryption key {new}, which this keyring does not hold"  # noqa: E501
    with pytest.raises(KeyringError, match=lacks):
        _call(keys, "cipher_for", "c-1")
    # Not an opaque DecryptionError in the middle of the pass: the key id, typed.
    with pytest.raises(KeyringError, match=lacks):
        _call(keys, "rewrap_data_keys")


@FLAVOURS
def test_a_retired_kek_still_wrapping_a_key_is_named(flavour: str) -> None:
    store = InMemoryDataKeyStore()
    kek = Keyring.generate()
    CustomerKeys(kek, store).cipher_for("c-1", create=True)
    kek.rotate()
    kek.retire(1)  # without rewrap_data_keys
    keys = _keys(kek, store, flavour)
    retired = "key-encryption key 1, which this keyring has retired"
    with pytest.raises(KeyringError, match=retired):
        _call(keys, "cipher_for", "c-1")
    with pytest.raises(KeyringError, match=retired):
        _call(keys, "rewrap_data_keys")


@FLAVOURS
def test_a_tampered_wrapped_key_is_refused_by_rewrap_with_a_keyring_error(flavour: str) -> None:
    store = InMemoryDataKeyStore()
    kek = Keyring.generate()
    CustomerKeys(kek, store).cipher_for("c-1", create=True)
    moved = store.get("c-1")
    store.delete("c-1")
    assert moved is not None
    store.add("c-2", moved)  # another customer's wrapped key: bound to c-1, it does not open
    kek.rotate()
    keys = _keys(kek, store, flavour)
    with pytest.raises(KeyringError, match="customer 'c-2' does not open") as caught:
        _call(keys, "rewrap_data_keys")
    assert caught.value.__suppress_context__
    assert not isinstance(caught.value, DecryptionError)


class _RivalErasedOnce(InMemoryDataKeyStore):
    """A store where, `times` times, a rival key beats A's add and is erased before A reads it."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times = times
        self.erase_next_get = False

    def get(self, customer_id: str) -> Sealed | None:
        if self.erase_next_get:
            self.erase_next_get = False
            super().delete(customer_id)
        return super().get(customer_id)

    def add(self, customer_id: str, wrapped: Sealed) -> None:
        if self.times:
            self.times -= 1
            self.erase_next_get = True
            raise DuplicateError(f"customer {customer_id!r} already has a data key")
        super().add(customer_id, wrapped)


@FLAVOURS
@pytest.mark.parametrize("times", [1, 2])
def test_a_create_whose_rival_was_erased_makes_its_own_key(flavour: str, times: int) -> None:
    store = _RivalErasedOnce(times)
    kek = Keyring.generate()
    cipher = _call(_keys(kek, store, flavour), "cipher_for", "c-1", create=True)
    sealed = cipher.seal("花粉", **PLACE)
    # The key A sealed under is the stored one: a fresh instance opens it.
    assert CustomerKeys(kek, store).cipher_for("c-1").open(sealed, **PLACE) == "花粉"


@FLAVOURS
def test_a_create_that_loses_every_race_is_refused_with_a_keyring_error(flavour: str) -> None:
    store = _RivalErasedOnce(99)
    with pytest.raises(KeyringError, match="every key made for them was erased") as caught:
        _call(_keys(Keyring.generate(), store, flavour), "cipher_for", "c-1", create=True)
    assert caught.value.__suppress_context__
    assert list(store.customer_ids()) == []


def _in_child(work: Callable[[], bytes]) -> bytes:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read)
        os.write(write, work())
        os._exit(0)
    os.close(write)
    out = b""
    while chunk := os.read(read, 4096):
        out += chunk
    os.close(read)
    _, status = os.waitpid(pid, 0)
    assert status == 0
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="needs os.fork")
def test_a_forked_child_counts_its_own_uses_from_the_parents_count() -> None:
    store = InMemoryDataKeyStore()
    kek = Keyring.generate()
    keys = CustomerKeys(kek, store)
    keys.cipher_for("c-1", create=True)
    assert kek.usage(1) == 1  # the data key's wrap
    cipher = keys.cipher_for("c-1")
    data_key_uses = cipher.keyring.usage(cipher.keyring.primary_id)

    def child() -> bytes:
        for _ in range(5):
            keys.cipher_for("c-1").seal("x", **PLACE)
        keys.cipher_for("c-2", create=True)
        return f"{kek.usage(1)} {cipher.keyring.usage(cipher.keyring.primary_id)}".encode()

    assert _in_child(child).split() == [b"2", str(data_key_uses + 5).encode()]
    # The parent's counts are its own: the child's seals are not in them.
    assert kek.usage(1) == 1
    assert cipher.keyring.usage(cipher.keyring.primary_id) == data_key_uses
