"""`AsyncCustomerKeys`: the promises of `CustomerKeys`, kept over an async data-key store.

Two `AsyncCustomerKeys` on one store stand for two app servers (or two
workers of one); the tasks of one event loop interleave at every store call.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING

import pytest

from clubrules.errors import (
    DuplicateError,
    ErasureNotFinalError,
    KeyringError,
    ValidationError,
)
from clubrules.privacy import AsyncCustomerKeys, CustomerKeys, FieldCipher, Keyring, KeyStatus
from clubrules.storage.memory import InMemoryDataKeyStore

from ._async_stores import AsyncDataKeys

if TYPE_CHECKING:
    from clubrules.customers import Sealed

PLACE = {"record_type": "customer", "field": "allergies"}


def place(customer_id: str) -> dict[str, str]:
    return {**PLACE, "record_id": customer_id}


class Timer:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kek() -> Keyring:
    return Keyring.generate()


@pytest.fixture
def store() -> AsyncDataKeys:
    return AsyncDataKeys()


async def _sealed(keys: AsyncCustomerKeys, customer_id: str = "c-1") -> Sealed:
    cipher = await keys.cipher_for(customer_id, create=True)
    return cipher.seal(["青霉素过敏"], **place(customer_id))


async def _opens(keys: AsyncCustomerKeys, sealed: Sealed, customer_id: str = "c-1") -> bool:
    cipher = await keys.cipher_for(customer_id)
    return bool(cipher.open(sealed, **place(customer_id)))


def test_each_customer_has_their_own_data_key(kek: Keyring, store: AsyncDataKeys) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store)
        one = await keys.cipher_for("c-1", create=True)
        two = await keys.cipher_for("c-2", create=True)
        sealed = one.seal("x", **place("c-1"))
        assert (await keys.cipher_for("c-1")).open(sealed, **place("c-1")) == "x"
        assert sorted(store.inner.customer_ids()) == ["c-1", "c-2"]
        assert isinstance(two, FieldCipher)

    asyncio.run(main())


def test_a_customer_without_a_key_is_refused_unless_creating(
    kek: Keyring, store: AsyncDataKeys
) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store)
        with pytest.raises(KeyringError, match="has no data key"):
            await keys.cipher_for("c-1")
        assert list(store.inner.customer_ids()) == []

    asyncio.run(main())


def test_sync_and_async_keys_share_one_store(kek: Keyring) -> None:
    memory = InMemoryDataKeyStore()
    sealed_by_sync = (
        CustomerKeys(kek, memory).cipher_for("c-1", create=True).seal("from sync", **place("c-1"))
    )

    async def main() -> Sealed:
        keys = AsyncCustomerKeys(kek, AsyncDataKeys(memory))
        assert (await keys.cipher_for("c-1")).open(sealed_by_sync, **place("c-1")) == "from sync"
        return (await keys.cipher_for("c-2", create=True)).seal("from async", **place("c-2"))

    sealed_by_async = asyncio.run(main())
    opened = CustomerKeys(kek, memory).cipher_for("c-2").open(sealed_by_async, **place("c-2"))
    assert opened == "from async"


def test_an_erasure_through_one_instance_is_seen_by_another_at_once(
    kek: Keyring, store: AsyncDataKeys, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        here, there = AsyncCustomerKeys(kek, store), AsyncCustomerKeys(kek, store)
        sealed = await _sealed(here)
        assert await _opens(there, sealed)  # cached there now
        with caplog.at_level(logging.INFO, logger="clubrules.privacy"):
            assert await here.erase("c-1") is True
            assert await here.erase("c-1") is False
        for keys in (here, there):
            with pytest.raises(KeyringError):
                await keys.cipher_for("c-1")

    asyncio.run(main())
    assert "customer 'c-1' erased: data key destroyed" in caplog.text
    assert "customer 'c-1' erased: no data key was stored" in caplog.text


def test_with_revalidate_after_an_erasure_elsewhere_takes_effect_within_the_window(
    kek: Keyring, store: AsyncDataKeys
) -> None:
    async def main() -> None:
        timer = Timer()
        here = AsyncCustomerKeys(kek, store, revalidate_after=30, timer=timer)
        there = AsyncCustomerKeys(kek, store)
        sealed = await _sealed(here)
        assert await _opens(here, sealed)  # read back: a key it created is trusted from here
        assert await there.erase("c-1")
        timer.now += 29  # within the window: the cached key still answers
        assert await _opens(here, sealed)
        timer.now += 2
        with pytest.raises(KeyringError):
            await here.cipher_for("c-1")

    asyncio.run(main())


def test_with_revalidate_after_an_erasure_through_the_same_instance_is_immediate(
    kek: Keyring, store: AsyncDataKeys
) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
        await _sealed(keys)
        assert keys.revalidate_after == 3600
        await keys.erase("c-1")
        with pytest.raises(KeyringError):
            await keys.cipher_for("c-1")

    asyncio.run(main())


def test_many_tasks_creating_one_customers_key_end_with_one_key(
    kek: Keyring, store: AsyncDataKeys
) -> None:
    async def main() -> None:
        instances = [AsyncCustomerKeys(kek, store) for _ in range(5)]
        ciphers = await asyncio.gather(
            *(instances[i % 5].cipher_for("c-1", create=True) for i in range(40))
        )
        assert list(store.inner.customer_ids()) == ["c-1"]
        sealed = [c.seal(f"v{i}", **place("c-1")) for i, c in enumerate(ciphers)]
        # Every task got the one stored key: each opens what every other sealed.
        for cipher in ciphers:
            assert [cipher.open(s, **place("c-1")) for s in sealed] == [f"v{i}" for i in range(40)]

    asyncio.run(main())


class _VanishingKeys(AsyncDataKeys):
    """A store where another writer's key is gone again by the time the loser reads it."""

    async def add(self, customer_id: str, wrapped: Sealed) -> None:
        raise DuplicateError(f"customer {customer_id!r} already has a data key")


def test_a_lost_race_whose_winner_vanished_is_refused(kek: Keyring) -> None:
    async def main() -> None:
        with pytest.raises(KeyringError, match="has no data key") as caught:
            await AsyncCustomerKeys(kek, _VanishingKeys()).cipher_for("c-1", create=True)
        assert caught.value.__suppress_context__

    asyncio.run(main())


def test_retiring_the_kek_reaches_data_keys_already_cached(
    kek: Keyring, store: AsyncDataKeys
) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
        await _sealed(keys)
        kek.rotate()
        kek.retire(1)
        with pytest.raises(KeyringError, match="does not open"):
            await keys.cipher_for("c-1")

    asyncio.run(main())


def test_kek_rotation_rewraps_data_keys_only(
    kek: Keyring, store: AsyncDataKeys, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store)
        sealed = {cid: await _sealed(keys, cid) for cid in ("c-1", "c-2", "c-3")}
        kek.rotate()
        with caplog.at_level(logging.INFO, logger="clubrules.privacy"):
            assert await keys.rewrap_data_keys() == 3
            assert await keys.rewrap_data_keys() == 0
        kek.retire(1)
        assert kek.status(1) is KeyStatus.RETIRED
        for cid, value in sealed.items():
            assert await _opens(keys, value, cid)  # re-read: the rewrapped key opens
            assert await _opens(AsyncCustomerKeys(kek, store), value, cid)

    asyncio.run(main())
    assert "rewrapped 3 of 3 data keys" in caplog.text


class _SwapLost(AsyncDataKeys):
    """A store where every compare-and-swap loses to another writer."""

    async def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        return False


def test_a_rewrap_that_loses_the_swap_is_not_counted(kek: Keyring) -> None:
    async def main() -> None:
        store = _SwapLost()
        keys = AsyncCustomerKeys(kek, store)
        await _sealed(keys)
        kek.rotate()
        assert await keys.rewrap_data_keys() == 0

    asyncio.run(main())


class _EraseDuringRead(AsyncDataKeys):
    """A store whose next `get` is overtaken by an erasure: it returns the key read before."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: AsyncCustomerKeys | None = None

    async def get(self, customer_id: str) -> Sealed | None:
        found = self.inner.get(customer_id)
        keys, self.keys = self.keys, None
        if keys is not None:
            assert await keys.erase(customer_id) is True
        return found


def test_a_read_overtaken_by_an_erasure_is_not_cached(kek: Keyring) -> None:
    async def main() -> None:
        store = _EraseDuringRead()
        sealed = await _sealed(AsyncCustomerKeys(kek, store))
        keys = AsyncCustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
        store.keys = keys
        # This call read the key before the erasure returned, so it may still answer...
        assert await _opens(keys, sealed)
        # ...but the erased key was not cached on the way.
        with pytest.raises(KeyringError):
            await keys.cipher_for("c-1")

    asyncio.run(main())


class _PurgeLater(AsyncDataKeys):
    """A store that deletes the key but cannot purge its bytes yet."""

    async def delete(self, customer_id: str) -> bool:
        self.inner.delete(customer_id)
        raise ErasureNotFinalError(customer_id, "a reader holds the old page")


def test_an_erasure_that_is_not_final_still_locks_the_key(kek: Keyring) -> None:
    async def main() -> None:
        store = _PurgeLater()
        keys = AsyncCustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
        await _sealed(keys)
        with pytest.raises(ErasureNotFinalError):
            await keys.erase("c-1")
        with pytest.raises(KeyringError):
            await keys.cipher_for("c-1")

    asyncio.run(main())


def test_a_cancelled_erasure_leaves_no_cached_key(kek: Keyring, store: AsyncDataKeys) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
        await _sealed(keys)
        store.gate("delete")
        task = asyncio.create_task(keys.erase("c-1"))
        await store.entered["delete"].wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The key may or may not be gone from the store; it is gone from the cache.
        assert keys._cache == {}  # the cache itself is the point

    asyncio.run(main())


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"revalidate_after": -1}, "revalidate_after"),
        ({"revalidate_after": math.nan}, "revalidate_after"),
        ({"revalidate_after": True}, "revalidate_after"),
        ({"cache_size": -1}, "cache_size"),
        ({"cache_size": 1.5}, "cache_size"),
    ],
)
def test_bad_options_are_refused(
    kek: Keyring, store: AsyncDataKeys, options: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        AsyncCustomerKeys(kek, store, **options)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_bad_customer_ids_are_refused_before_the_store_is_read(kek: Keyring) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, AsyncDataKeys())
        for call in (keys.cipher_for, keys.erase):
            with pytest.raises(ValidationError) as caught:
                await call(None)  # type: ignore[arg-type]
            assert caught.value.field == "customer_id"

    asyncio.run(main())


def test_without_a_cache_every_call_unwraps(kek: Keyring, store: AsyncDataKeys) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store, cache_size=0)
        sealed = await _sealed(keys)
        assert await _opens(keys, sealed)
        assert keys._cache == {}  # the cache itself is the point

    asyncio.run(main())


def test_the_cache_keeps_the_most_recent_keys(kek: Keyring, store: AsyncDataKeys) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store, cache_size=2)
        for cid in ("c-1", "c-2", "c-3"):
            await _sealed(keys, cid)
        await keys.cipher_for("c-2")
        assert list(keys._cache) == ["c-3", "c-2"]  # the cache itself is the point

    asyncio.run(main())


def test_repr_names_the_keyring_never_a_key(kek: Keyring, store: AsyncDataKeys) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, store)
        await _sealed(keys)
        text = repr(keys) + str(keys)
        assert text.startswith("AsyncCustomerKeys(kek=Keyring(")
        assert keys.kek is kek
        for version in kek.keys:
            assert version.material.hex() not in text

    asyncio.run(main())
