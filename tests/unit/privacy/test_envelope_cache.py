"""The cache of unwrapped data keys never outlives an erasure or a retired KEK.

Two `CustomerKeys` on one store stand for two app servers; the contract
suites and `tests/integration/test_erasure_processes.py` run the same
promise on SQLite and PostgreSQL, and across processes.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clubrules.errors import DecryptionError, KeyringError, ValidationError
from clubrules.privacy import AsyncCustomerKeys, CustomerKeys, Keyring, KeyStatus
from clubrules.storage.memory import InMemoryDataKeyStore
from clubrules.storage.sqlite import SQLiteDatabase, SQLiteDataKeyStore
from tests.unit.privacy._async_stores import AsyncDataKeys

if TYPE_CHECKING:
    from pathlib import Path

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
def store() -> InMemoryDataKeyStore:
    return InMemoryDataKeyStore()


@pytest.fixture
def kek() -> Keyring:
    return Keyring.generate()


def _sealed(keys: CustomerKeys, customer_id: str = "c-1") -> Sealed:
    return keys.cipher_for(customer_id, create=True).seal(["青霉素过敏"], **place(customer_id))


def _opens(keys: CustomerKeys, sealed: Sealed, customer_id: str = "c-1") -> bool:
    return bool(keys.cipher_for(customer_id).open(sealed, **place(customer_id)))


# --- the KEK ----------------------------------------------------------------------


@pytest.mark.parametrize("revalidate_after", [0, 3600])
def test_retiring_the_kek_reaches_data_keys_already_cached(
    kek: Keyring, store: InMemoryDataKeyStore, revalidate_after: float
) -> None:
    keys = CustomerKeys(kek, store, revalidate_after=revalidate_after, timer=Timer())
    sealed = _sealed(keys)
    assert _opens(keys, sealed)
    kek.rotate()
    kek.retire(1)  # without rewrap_data_keys
    with pytest.raises(KeyringError, match="does not open"):
        keys.cipher_for("c-1")
    with pytest.raises(KeyringError, match="does not open"):
        keys.cipher_for("c-1")  # still, and not from a stale cache entry
    with pytest.raises(KeyringError):
        CustomerKeys(kek, store).cipher_for("c-1")  # as a fresh instance does


def test_a_rewrapped_data_key_opens_after_the_old_kek_is_retired(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    keys = CustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
    sealed = _sealed(keys)
    assert _opens(keys, sealed)
    kek.rotate()
    assert CustomerKeys(kek, store).rewrap_data_keys() == 1  # another instance rewraps
    kek.retire(1)
    assert _opens(keys, sealed)  # the cached key's KEK is retired: the store's key is used


# --- revalidate_after: the opt-in window --------------------------------------------


def test_by_default_an_erasure_elsewhere_takes_effect_at_once(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    here, there = CustomerKeys(kek, store), CustomerKeys(kek, store)
    assert here.revalidate_after == 0
    sealed = _sealed(here)
    assert _opens(there, sealed)
    here.erase("c-1")
    with pytest.raises(KeyringError):
        there.cipher_for("c-1")


def test_with_revalidate_after_an_erasure_elsewhere_takes_effect_within_the_window(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    timer = Timer()
    here = CustomerKeys(kek, store)
    there = CustomerKeys(kek, store, revalidate_after=30, timer=timer)
    sealed = _sealed(here)
    assert _opens(there, sealed)  # checked against the store at 1000.0
    timer.now += 20
    assert _opens(there, sealed)  # within the window: not read again
    timer.now += 20
    assert _opens(there, sealed)  # read again at 1040.0: still there
    assert here.erase("c-1") is True
    timer.now += 29.5
    assert _opens(there, sealed)  # the documented window: up to 30 s after the erasure
    timer.now += 0.5
    with pytest.raises(KeyringError):
        there.cipher_for("c-1")


def test_with_revalidate_after_a_store_delete_takes_effect_within_the_window(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    timer = Timer()
    keys = CustomerKeys(kek, store, revalidate_after=5, timer=timer)
    sealed = _sealed(keys)
    store.delete("c-1")
    timer.now += 5
    with pytest.raises(KeyringError):
        keys.cipher_for("c-1")
    with pytest.raises(DecryptionError):
        keys.cipher_for("c-1", create=True).open(sealed, **place("c-1"))


def test_with_revalidate_after_an_erasure_through_the_same_instance_is_immediate(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    keys = CustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
    sealed = _sealed(keys)
    assert _opens(keys, sealed)
    assert keys.erase("c-1") is True
    with pytest.raises(KeyringError):
        keys.cipher_for("c-1")


class _EraseDuringRead(InMemoryDataKeyStore):
    """A store whose next `get` is overtaken by an erasure: it returns the key read before."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: CustomerKeys | None = None

    def get(self, customer_id: str) -> Sealed | None:
        found = super().get(customer_id)
        keys, self.keys = self.keys, None
        if keys is not None:
            assert keys.erase(customer_id) is True
        return found


def test_a_read_overtaken_by_an_erasure_is_not_cached(kek: Keyring) -> None:
    store = _EraseDuringRead()
    sealed = _sealed(CustomerKeys(kek, store))
    keys = CustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
    store.keys = keys
    # This call read the key before the erasure returned, so it may still answer...
    assert _opens(keys, sealed)
    # ...but the erased key was not cached on the way.
    with pytest.raises(KeyringError):
        keys.cipher_for("c-1")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"revalidate_after": -1}, "revalidate_after"),
        ({"revalidate_after": math.nan}, "revalidate_after"),
        ({"revalidate_after": math.inf}, "revalidate_after"),
        ({"revalidate_after": True}, "revalidate_after"),
        ({"revalidate_after": "5"}, "revalidate_after"),
        ({"cache_size": -1}, "cache_size"),
        ({"cache_size": 1.5}, "cache_size"),
    ],
)
def test_bad_options_are_refused(
    kek: Keyring, store: InMemoryDataKeyStore, options: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        CustomerKeys(kek, store, **options)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_without_a_cache_every_call_unwraps(kek: Keyring, store: InMemoryDataKeyStore) -> None:
    keys = CustomerKeys(kek, store, cache_size=0)
    sealed = _sealed(keys)
    assert _opens(keys, sealed)
    assert keys.erase("c-1") is True
    with pytest.raises(KeyringError):
        keys.cipher_for("c-1")


# --- two instances against a model -----------------------------------------------

CUSTOMERS = ("c-1", "c-2", "c-3")


class TwoVaultsMachine(RuleBasedStateMachine):
    """Two `CustomerKeys` on one store and one KEK, against a model of what must open."""

    def __init__(self) -> None:
        super().__init__()
        self.kek = Keyring.generate()
        self.store = InMemoryDataKeyStore()
        self.vaults = (CustomerKeys(self.kek, self.store), CustomerKeys(self.kek, self.store))
        # The model: each live customer's key generation and the KEK it is wrapped under.
        self.live: dict[str, tuple[int, int]] = {}
        self.kek_status = {1: KeyStatus.PRIMARY}
        self.primary = 1
        self.generations = 0
        self.values: list[tuple[str, int, Sealed]] = []

    def _locked(self, customer_id: str) -> bool:
        return self.kek_status[self.live[customer_id][1]] is KeyStatus.RETIRED

    @rule(customer=st.sampled_from(CUSTOMERS), via=st.sampled_from([0, 1]))
    def seal(self, customer: str, via: int) -> None:
        keys = self.vaults[via]
        if customer in self.live and self._locked(customer):
            with pytest.raises(KeyringError):
                keys.cipher_for(customer, create=True)
            return
        if customer not in self.live:
            self.generations += 1
            self.live[customer] = (self.generations, self.primary)
        sealed = keys.cipher_for(customer, create=True).seal([customer], **place(customer))
        self.values.append((customer, self.live[customer][0], sealed))

    @rule(customer=st.sampled_from(CUSTOMERS), via=st.sampled_from([0, 1]))
    def erase(self, customer: str, via: int) -> None:
        assert self.vaults[via].erase(customer) is (self.live.pop(customer, None) is not None)

    @rule(customer=st.sampled_from(CUSTOMERS))
    def delete_through_the_store(self, customer: str) -> None:
        assert self.store.delete(customer) is (self.live.pop(customer, None) is not None)

    @rule()
    def rotate(self) -> None:
        new = self.kek.rotate().key_id
        self.kek_status[self.primary] = KeyStatus.DECRYPT_ONLY
        self.kek_status[new] = KeyStatus.PRIMARY
        self.primary = new

    @precondition(lambda self: not any(self._locked(c) for c in self.live))
    @rule(via=st.sampled_from([0, 1]))
    def rewrap(self, via: int) -> None:
        moved = sum(1 for _, kek_id in self.live.values() if kek_id != self.primary)
        assert self.vaults[via].rewrap_data_keys() == moved
        self.live = {c: (gen, self.primary) for c, (gen, _) in self.live.items()}

    @precondition(lambda self: self.primary != 1)
    @rule(data=st.data())
    def retire(self, data: st.DataObject) -> None:
        usable = [k for k, s in self.kek_status.items() if s is KeyStatus.DECRYPT_ONLY]
        if not usable:
            return
        key_id = data.draw(st.sampled_from(sorted(usable)))
        self.kek.retire(key_id)
        self.kek_status[key_id] = KeyStatus.RETIRED

    @invariant()
    def every_value_opens_exactly_when_its_key_is_live_and_its_kek_usable(self) -> None:
        for customer, generation, sealed in self.values:
            for keys in self.vaults:
                if customer not in self.live or self._locked(customer):
                    with pytest.raises(KeyringError):
                        keys.cipher_for(customer)
                    continue
                cipher = keys.cipher_for(customer)
                if self.live[customer][0] != generation:
                    with pytest.raises(DecryptionError):
                        cipher.open(sealed, **place(customer))
                else:
                    assert cipher.open(sealed, **place(customer)) == [customer]


TwoVaultsMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25)
test_two_vaults_agree_with_the_model = TwoVaultsMachine.TestCase


class WindowedVaultMachine(TwoVaultsMachine):
    """The same, with the second vault on a revalidate window that never ends (a frozen clock).

    Its opens may use an erased key (the documented window), but its seals
    must not: every value it seals opens through the first vault while the
    customer's key lives, so none is sealed under a key erased elsewhere.
    """

    def __init__(self) -> None:
        super().__init__()
        windowed = CustomerKeys(self.kek, self.store, revalidate_after=30, timer=Timer())
        self.vaults = (self.vaults[0], windowed)

    @invariant()
    def every_value_opens_exactly_when_its_key_is_live_and_its_kek_usable(self) -> None:
        strict = self.vaults[0]
        for customer, generation, sealed in self.values:
            if customer not in self.live or self._locked(customer):
                with pytest.raises(KeyringError):
                    strict.cipher_for(customer)
                continue
            cipher = strict.cipher_for(customer)
            if self.live[customer][0] != generation:
                with pytest.raises(DecryptionError):
                    cipher.open(sealed, **place(customer))
            else:
                assert cipher.open(sealed, **place(customer)) == [customer]


WindowedVaultMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25)
test_a_windowed_vault_never_seals_under_an_erased_key = WindowedVaultMachine.TestCase


# --- a key whose write was rolled back ----------------------------------------------


class _RollbackError(Exception):
    """Raised inside a unit of work to roll it back."""


def _sealed_in_a_unit_that_rolls_back(
    db: SQLiteDatabase, keys: CustomerKeys, *, read_back: bool
) -> Sealed:
    """A value sealed (and, if `read_back`, opened) inside a unit of work that then rolls back."""
    made: list[Sealed] = []

    def unit() -> None:
        with db.unit_of_work():
            made.append(_sealed(keys))
            if read_back:
                assert _opens(keys, made[0])  # the unit's own connection shows the key
            raise _RollbackError

    with pytest.raises(_RollbackError):
        unit()
    return made[0]


def test_the_window_does_not_answer_with_a_created_key_before_reading_it_back(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    keys = CustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
    _sealed(keys)
    store.delete("c-1")  # the write did not last (rolled back, or deleted behind our back)
    with pytest.raises(KeyringError, match="has no data key"):
        keys.cipher_for("c-1")


def test_a_created_key_read_back_once_is_trusted_by_the_window(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    keys = CustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
    sealed = _sealed(keys)
    assert _opens(keys, sealed)  # read back: the store kept it
    store.delete("c-1")
    assert _opens(keys, sealed)  # the documented window


@pytest.mark.parametrize("read_back_inside", [False, True], ids=["created", "created_and_read"])
def test_a_key_made_in_a_unit_of_work_that_rolls_back_is_not_cached(
    tmp_path: Path, kek: Keyring, read_back_inside: bool
) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        keys = CustomerKeys(kek, SQLiteDataKeyStore(db), revalidate_after=3600, timer=Timer())
        sealed = _sealed_in_a_unit_that_rolls_back(db, keys, read_back=read_back_inside)
        with pytest.raises(KeyringError, match="has no data key"):
            keys.cipher_for("c-1")
        fresh = _sealed(keys)  # a new key is made, and kept
        assert _opens(keys, fresh)
        with pytest.raises(DecryptionError):
            keys.cipher_for("c-1").open(sealed, **place("c-1"))


def test_a_key_made_in_a_unit_of_work_that_commits_is_trusted_once_read_back(
    tmp_path: Path, kek: Keyring
) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        store = SQLiteDataKeyStore(db)
        keys = CustomerKeys(kek, store, revalidate_after=3600, timer=Timer())
        with db.unit_of_work():
            sealed = _sealed(keys)
        assert _opens(keys, sealed)  # read back outside the unit
        store.delete("c-1")
        assert _opens(keys, sealed)  # the documented window


def test_async_keys_do_not_answer_with_a_created_key_before_reading_it_back(
    kek: Keyring, store: InMemoryDataKeyStore
) -> None:
    async def main() -> None:
        keys = AsyncCustomerKeys(kek, AsyncDataKeys(store), revalidate_after=3600, timer=Timer())
        sealed = (await keys.cipher_for("c-1", create=True)).seal(["x"], **place("c-1"))
        store.delete("c-1")
        with pytest.raises(KeyringError, match="has no data key"):
            await keys.cipher_for("c-1")
        await keys.cipher_for("c-1", create=True)
        with pytest.raises(DecryptionError):
            (await keys.cipher_for("c-1")).open(sealed, **place("c-1"))

    asyncio.run(main())
