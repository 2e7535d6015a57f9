"""Envelope encryption: one data key per customer, wrapped by the key-encryption key."""

from __future__ import annotations

import logging
import secrets
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator  # noqa: TC003 - resolved at runtime by get_type_hints
from typing import Any, NoReturn

from clubrules._checks import (
    DEFAULT_TENANT,
    SECONDS_MAX,
    check_tenant,
    is_finite,
    refuse_pickle,
    require_flag,
    require_instance,
    require_port,
    require_str,
)
from clubrules.customers import Sealed  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.errors import (
    DecryptionError,
    DuplicateError,
    KeyringError,
    LeakRefusedError,
    StorageError,
    ValidationError,
)
from clubrules.privacy._format import MAX_KEY_ID
from clubrules.privacy._keyring import Keyring
from clubrules.privacy._keys import KEY_SIZE, KeyStatus, KeyVersion
from clubrules.privacy._seal import FieldCipher, sealed_key_id
from clubrules.privacy.ports import (  # noqa: TC001 - resolved at runtime by get_type_hints
    AsyncDataKeyStore,
    DataKeyStore,
)

_logger = logging.getLogger("clubrules.privacy")  # customer ids and counts, never keys
# How many data keys a rewrap checks between two progress lines.
_PROGRESS_EVERY = 1000

__all__ = ["AsyncCustomerKeys", "CustomerKeys"]

# The place a wrapped data key is sealed for: the KEK's associated data binds
# each wrapped key to its customer, so wrapped keys cannot be swapped.
DATA_KEY_RECORD = "clubrules.data_key"
DATA_KEY_FIELD = "data_key"
_KEY_ID = struct.Struct(">I")
# How often `cipher_for(create=True)` tries again when the key that beat its
# own to the store was erased before it could be read.
_CREATE_ATTEMPTS = 3
# The methods of `DataKeyStore` (and `AsyncDataKeyStore`) that `CustomerKeys` calls.
_STORE_METHODS = ("get", "add", "replace", "delete", "customer_ids")


class _Cached:
    """A data key unwrapped from `wrapped`, and when the store last showed that same `wrapped`.

    `settled` says whether the store showed it outside any transaction that
    may still roll back: only then does `revalidate_after` let it through
    without reading the store. A key this instance created is not settled
    until a later read finds it kept.
    """

    __slots__ = ("checked", "cipher", "kek_id", "settled", "wrapped")

    def __init__(self, wrapped: Sealed, cipher: FieldCipher, checked: float, settled: bool) -> None:
        self.wrapped = wrapped
        self.cipher = cipher
        self.kek_id = sealed_key_id(wrapped)
        self.checked = checked
        self.settled = settled


class _KeysCore:
    """The cache and every decision of `CustomerKeys` and `AsyncCustomerKeys`, written once.

    The two public classes are thin shells: each makes the same store calls
    in the same order (plain or awaited) and leaves every decision between
    them to these methods, which never touch the store. A test drives both
    with the same operations and checks that they agree.
    """

    _store: Any  # a DataKeyStore or an AsyncDataKeyStore: each shell narrows it

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(
            self,
            "it holds the keyring that wraps customer keys; build one in each process",
            LeakRefusedError,
        )

    def __init__(
        self,
        kek: Keyring,
        store: object,
        *,
        cache_size: int,
        revalidate_after: float,
        timer: Callable[[], float],
        tenant: str,
    ) -> None:
        self._tenant = check_tenant(tenant)
        require_instance(kek, Keyring, "kek")
        require_port(store, "data key store", _STORE_METHODS, "store")
        if not callable(timer):
            raise ValidationError(
                f"must be callable, not {type(timer).__name__}", field="timer", rule="wrong_type"
            )
        check_same_tenant(store, self._tenant, "store")
        size: object = cache_size
        if isinstance(size, bool) or not (isinstance(size, int) and size >= 0):
            raise ValidationError(
                "must be a whole number, 0 or more", field="cache_size", rule="range"
            )
        ttl: object = revalidate_after
        # At most a year: the timer's reading plus the window stays a finite float.
        if isinstance(ttl, bool) or not (
            isinstance(ttl, int | float) and is_finite(ttl) and 0 <= ttl <= SECONDS_MAX
        ):
            raise ValidationError(
                f"must be a finite number of seconds, from 0 to {SECONDS_MAX}",
                field="revalidate_after",
                rule="range",
            )
        # The KEK binds the tenant into every wrapped key, and each data key's
        # cipher binds it into every value: nothing moves between tenants.
        self._kek = FieldCipher(kek, tenant=self._tenant)
        self._store = store
        # The store's optional `in_transaction()`: whether what it shows now
        # may still be rolled back (see `DataKeyStore`).
        pending: object = getattr(store, "in_transaction", None)
        self._pending: Callable[[], object] | None = pending if callable(pending) else None
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cache_size = cache_size
        self._ttl = float(revalidate_after)
        self._timer = timer
        # Guards the cache: held only between store calls, never across one
        # (so never across an await).
        self._lock = threading.Lock()
        # Counts the erasures through this instance: a key read from the store
        # before an erasure returned is not cached after it.
        self._erasures = 0

    def _wrap(self, customer_id: str, version: KeyVersion) -> Sealed:
        return self._kek.seal(
            _KEY_ID.pack(version.key_id) + version.material,
            record_type=DATA_KEY_RECORD,
            record_id=customer_id,
            field=DATA_KEY_FIELD,
        )

    def _unwrap(self, customer_id: str, wrapped: Sealed) -> FieldCipher:
        _check_kek(self._kek.keyring, customer_id, wrapped)
        try:
            raw = self._kek.open(
                wrapped, record_type=DATA_KEY_RECORD, record_id=customer_id, field=DATA_KEY_FIELD
            )
        except DecryptionError:
            raise _does_not_open(customer_id) from None
        if not isinstance(raw, bytes) or len(raw) != 4 + KEY_SIZE:
            raise KeyringError(f"the data key of customer {customer_id!r} is malformed")
        (key_id,) = _KEY_ID.unpack_from(raw)
        return FieldCipher(
            Keyring([KeyVersion(key_id, raw[4:], KeyStatus.PRIMARY)]), tenant=self._tenant
        )

    def _kek_usable(self, entry: _Cached) -> bool:
        """Whether the KEK that wrapped a cached key still opens it (not retired, not dropped)."""
        try:
            return self._kek.keyring.status(entry.kek_id) is not KeyStatus.RETIRED
        except KeyringError:
            return False

    def _forget(self, customer_id: str, entry: _Cached | None = None) -> None:
        """Drop the customer's cached key (only `entry`, if given and still cached)."""
        with self._lock:
            if entry is None or self._cache.get(customer_id) is entry:
                self._cache.pop(customer_id, None)

    def _remember(self, customer_id: str, entry: _Cached, erasures: int) -> None:
        with self._lock:
            if erasures != self._erasures or self._cache_size == 0:
                return  # an erasure returned since the store was read: do not cache
            self._cache[customer_id] = entry
            self._cache.move_to_end(customer_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _look_up(
        self, customer_id: str, create: bool
    ) -> tuple[FieldCipher | None, _Cached | None, int, float]:
        """The first half of `cipher_for`, before the store is read.

        Returns the cipher if a cached key may be used without reading the
        store (within `revalidate_after`, and not to `create`: a seal never
        trusts the window, or it could seal under a key erased elsewhere,
        and the value would never open), else None; the cached entry still
        usable, if any; the erasure count; and the time now (0.0 when
        `revalidate_after` is 0).
        """
        require_str(customer_id, "customer_id")
        require_flag(create, "create")
        with self._lock:
            entry = self._cache.get(customer_id)
            if entry is not None:
                self._cache.move_to_end(customer_id)
            erasures = self._erasures
        if entry is not None and not self._kek_usable(entry):
            # Its KEK was retired: unwrap again whatever the store holds now
            # (rewrapped elsewhere, it opens; still under the retired KEK, it fails).
            self._forget(customer_id, entry)
            entry = None
        if not self._ttl:
            return None, entry, erasures, 0.0
        now = self._timer()
        if entry is not None and entry.settled and not create and now - entry.checked < self._ttl:
            return entry.cipher, entry, erasures, now
        return None, entry, erasures, now

    def _settle(
        self,
        customer_id: str,
        wrapped: Sealed,
        entry: _Cached | None,
        erasures: int,
        now: float,
        *,
        created: bool = False,
    ) -> FieldCipher:
        """The second half of `cipher_for`: the cipher under the wrapped key the store holds.

        `created`: this call stored `wrapped` itself. Such a key, and any key
        the store shows inside a transaction that may still roll back, is
        cached unsettled: the window never answers with it before a read
        outside such a transaction has found it kept.
        """
        settled = not created and not self._in_transaction()
        if entry is not None and entry.wrapped == wrapped:
            entry.checked = now
            entry.settled = settled
            return entry.cipher
        cipher = self._unwrap(customer_id, wrapped)
        self._remember(customer_id, _Cached(wrapped, cipher, now, settled), erasures)
        return cipher

    def _in_transaction(self) -> bool:
        """Whether the store's answers may still be rolled back (only asked with a window)."""
        return bool(self._ttl and self._pending is not None and self._pending())

    def _new_wrapped(self, customer_id: str, entry: _Cached | None, create: bool) -> Sealed:
        """The store holds no key for the customer: a new wrapped key, if `create`."""
        if entry is not None:
            self._forget(customer_id, entry)
        if not create:
            raise KeyringError(f"customer {customer_id!r} has no data key")
        # A random id: values sealed under an erased key never meet a new key's id.
        version = KeyVersion.generate(secrets.randbelow(MAX_KEY_ID) + 1)
        return self._wrap(customer_id, version)

    def _erasing(self, customer_id: str) -> None:
        """Before the store deletes the key: no cached key, and no read in flight cached after."""
        require_str(customer_id, "customer_id")
        with self._lock:
            self._erasures += 1
            self._cache.pop(customer_id, None)

    def _erased(self, customer_id: str) -> None:
        """After the store's delete returned or failed: the same, once more."""
        with self._lock:
            self._erasures += 1
            self._cache.pop(customer_id, None)

    def _erasing_all(self) -> Callable[[], Any]:
        """Before the store erases every key: the store's `erase_all`, and an empty cache."""
        erase_all: object = getattr(self._store, "erase_all", None)
        if not callable(erase_all):
            raise StorageError(
                f"the data key store ({type(self._store).__name__}) has no erase_all():"
                " it cannot erase a tenant in one call"
            )
        self._cleared()
        return erase_all

    def _cleared(self) -> None:
        """No cached key, and no read in flight cached after (before and after `erase_all`)."""
        with self._lock:
            self._erasures += 1
            self._cache.clear()

    @property
    def tenant(self) -> str:
        """The tenant whose data keys these are (`"default"` for a single club)."""
        return self._tenant

    @property
    def kek(self) -> Keyring:
        """The keyring of key-encryption keys."""
        return self._kek.keyring

    @property
    def revalidate_after(self) -> float:
        """Seconds a cached data key is used without reading the store (0: never)."""
        return self._ttl

    def __repr__(self) -> str:
        if self._tenant == DEFAULT_TENANT:
            return f"{type(self).__name__}(kek={self._kek.keyring!r})"
        return f"{type(self).__name__}(kek={self._kek.keyring!r}, tenant={self._tenant!r})"


def check_same_tenant(store: object, tenant: str, name: str) -> None:
    """Refuse a store bound to another tenant than `tenant` (a store with no `tenant` is not)."""
    theirs = getattr(store, "tenant", None)
    if isinstance(theirs, str) and theirs != tenant:
        raise ValidationError(
            f"{name} is bound to another tenant than the keys",
            field="tenant",
            rule="tenant_mismatch",
        )


class CustomerKeys(_KeysCore):
    """Per-customer data keys, wrapped by a key-encryption key (KEK) and kept in a store.

    Each customer's fields are sealed under their own random data key. The
    store holds that key only wrapped (sealed by the KEK keyring, bound to the
    customer id). Erasing a customer deletes the wrapped key: every copy of
    their sealed fields, in backups too, can no longer be opened
    (crypto-shredding). Rotating the KEK needs only `rewrap_data_keys`, not a
    pass over every field.

    Unwrapped data keys are cached, but by default every `cipher_for` first
    reads the customer's wrapped key from the store and uses the cached key
    only if the store still holds the same wrapped key under a KEK that is
    not retired. So once `erase` has returned, in this process or any other
    that shares the store (or once the key row is deleted through the store
    directly), the next `cipher_for` for that customer fails everywhere. The
    cache then saves only the unwrap, not the store read.

    `revalidate_after` trades that for speed: a cached key checked against
    the store less than that many seconds ago is used without reading the
    store. An erasure made through *another* instance or process then takes
    effect here within that window; an erasure through this instance and a
    retired KEK still take effect at once. `cipher_for(..., create=True)`,
    which sealing uses, reads the store whatever the window, so no value is
    sealed under a key erased elsewhere (it would never open). Nor does the
    window answer with a key this instance created, or read inside a unit
    of work or the caller's open transaction (on a store with
    `in_transaction`, as every shipped one but the in-memory store), until a
    read outside any transaction has found it kept: a key whose write was
    rolled back never outlives it in the cache.

    Where many clubs (tenants) share one database, each has its own
    `CustomerKeys`, built with its `tenant`, its own KEK and a store handle
    on its own data keys. The tenant is bound into every wrapped data key
    and every sealed value, so neither opens when copied to another tenant,
    even one with the same KEK; `erase_tenant` crypto-shreds a whole tenant.

    For an event loop, `AsyncCustomerKeys` does the same over an
    `AsyncDataKeyStore`.

    Args:
        kek: The keyring of key-encryption keys.
        store: Where the wrapped data keys live.
        cache_size: How many unwrapped data keys to keep in memory.
        revalidate_after: Seconds a cached data key may be used without
            reading the store again (at most a year); 0 (the default) reads
            it on every call.
        timer: The monotonic clock, in seconds, that `revalidate_after` is
            measured on.
        tenant: The tenant (club) whose data keys these are, where many
            share one database; `kek` is that tenant's own KEK, and `store`
            a handle on that tenant's data keys.

    Raises:
        ValidationError: `cache_size` or `revalidate_after` is out of range;
            `tenant` is not a tenant id; `kek` is not a `Keyring`, `store`
            lacks a method of `DataKeyStore`, or `timer` is not callable
            (rule `wrong_type`); or `store` has a `tenant` other than
            `tenant` (field `tenant`).
    """

    _store: DataKeyStore

    def __init__(
        self,
        kek: Keyring,
        store: DataKeyStore,
        *,
        cache_size: int = 1024,
        revalidate_after: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
        tenant: str = DEFAULT_TENANT,
    ) -> None:
        super().__init__(
            kek,
            store,
            cache_size=cache_size,
            revalidate_after=revalidate_after,
            timer=timer,
            tenant=tenant,
        )

    def cipher_for(self, customer_id: str, *, create: bool = False) -> FieldCipher:
        """The field cipher under the customer's data key.

        Reads the customer's wrapped key from the store (unless
        `revalidate_after` lets a recently checked cached key through, which
        it never does with `create`), and checks that the KEK it is wrapped
        under is in the keyring and not retired. If another writer stores a
        key first and it is erased before it can be read, a new key is made.

        Args:
            customer_id: The customer.
            create: Make a data key if the customer has none.

        Raises:
            KeyringError: the customer has no data key (never had one, or was
                erased) and `create` is false; or the wrapped key does not open
                under the KEK keyring (its KEK is unknown to this keyring or
                retired: the message names the KEK's key id); or, with
                `create`, every key it met was erased before it could be read
                (the customer is being erased while it creates).
        """
        hit, entry, erasures, now = self._look_up(customer_id, create)
        if hit is not None:
            return hit
        wrapped = self._store.get(customer_id)
        if wrapped is not None:
            return self._settle(customer_id, wrapped, entry, erasures, now)
        for _ in range(_CREATE_ATTEMPTS):
            wrapped = self._new_wrapped(customer_id, entry, create)
            try:
                self._store.add(customer_id, wrapped)
            except DuplicateError:
                # Another writer made one first: use theirs (if not erased since).
                theirs = self._store.get(customer_id)
                if theirs is None:
                    continue
                return self._settle(customer_id, theirs, None, erasures, now)
            return self._settle(customer_id, wrapped, None, erasures, now, created=True)
        raise _no_key_kept(customer_id) from None

    def erase(self, customer_id: str) -> bool:
        """Destroy the customer's data key; returns whether there was one.

        Every value sealed under it, wherever copies of it are kept, can no
        longer be opened: once this returns (or raises
        `ErasureNotFinalError`), the next `cipher_for` for the customer
        fails in every `CustomerKeys` that shares the store (within its
        `revalidate_after` window, if one is set). Erasing is idempotent:
        erasing again retries a purge that was not final. Keep the data-key
        store out of long-lived backups, or the key survives there.

        Raises:
            ErasureNotFinalError: the key is deleted and no longer opens, but
                the store could not yet purge its bytes from its files (a
                SQLite checkpoint waited for another reader); erase again later.
        """
        self._erasing(customer_id)
        try:
            destroyed = self._store.delete(customer_id)
        finally:
            self._erased(customer_id)
        return _report_erasure(customer_id, destroyed)

    def erase_tenant(self) -> int:
        """Destroy every data key of this tenant, in one store call; returns how many.

        Through the store's optional `erase_all` method (see
        `DataKeyStore`). Once it returns, no value sealed for any customer of
        the tenant opens any more, wherever copies of it are kept (as for
        `erase`, every `CustomerKeys` on the tenant's store fails at its next
        `cipher_for`, within its `revalidate_after` window if one is set),
        while the keys of other tenants are untouched. Customers sealed for
        afterwards get new keys.

        Raises:
            StorageError: the store has no `erase_all` method.
            ErasureNotFinalError: the keys are deleted and no longer open,
                but the store could not yet purge their bytes; erase again later.
        """
        erase_all = self._erasing_all()
        try:
            count: int = erase_all()
        finally:
            self._cleared()
        return _report_tenant_erasure(self._tenant, count)

    def rewrap_data_keys(self) -> int:
        """Rewrap every stored data key to the KEK keyring's primary key.

        Run after `kek.rotate()`; then the old KEK may be retired. The data
        keys and the sealed fields themselves do not change. Returns how many
        keys were rewrapped. Each key is swapped on its own (compare-and-swap),
        so a pass that stops early, or races an erasure, leaves every key
        whole; run it again.

        Raises:
            KeyringError: a stored key does not open: its KEK is not in this
                keyring (another process rotated it: load the current one) or
                is retired, named by key id, or the key is damaged.
        """
        rewrap = _Rewrap(self._kek, self._store.customer_ids())
        for customer_id in rewrap.each():
            swap = rewrap.swap(customer_id, self._store.get(customer_id))
            if swap is not None and self._store.replace(customer_id, *swap):
                rewrap.count += 1
        return rewrap.done()


class AsyncCustomerKeys(_KeysCore):
    """`CustomerKeys` for an event loop, over an `AsyncDataKeyStore`.

    The same keys, cache and guarantees as `CustomerKeys`, from the same
    code: by default every `cipher_for` reads the customer's wrapped key from
    the store before it uses a cached key, so an erasure through any instance
    or process that shares the store takes effect at once (or within
    `revalidate_after`, if set); tasks that create a customer's key at the
    same moment end with one key; a retired KEK locks the keys it wraps until
    `rewrap_data_keys` has run. The wrapped keys are the sync class's: the
    two can share one store.

    It takes the arguments of `CustomerKeys`, with an `AsyncDataKeyStore`
    as `store`, and refuses the same ones (`ValidationError`).
    """

    _store: AsyncDataKeyStore

    def __init__(
        self,
        kek: Keyring,
        store: AsyncDataKeyStore,
        *,
        cache_size: int = 1024,
        revalidate_after: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
        tenant: str = DEFAULT_TENANT,
    ) -> None:
        super().__init__(
            kek,
            store,
            cache_size=cache_size,
            revalidate_after=revalidate_after,
            timer=timer,
            tenant=tenant,
        )

    async def cipher_for(self, customer_id: str, *, create: bool = False) -> FieldCipher:
        """The field cipher under the customer's data key (as `CustomerKeys.cipher_for`).

        Args:
            customer_id: The customer.
            create: Make a data key if the customer has none.

        Raises:
            KeyringError: the customer has no data key, or it does not open
                (as for `CustomerKeys.cipher_for`).
        """
        hit, entry, erasures, now = self._look_up(customer_id, create)
        if hit is not None:
            return hit
        wrapped = await self._store.get(customer_id)
        if wrapped is not None:
            return self._settle(customer_id, wrapped, entry, erasures, now)
        for _ in range(_CREATE_ATTEMPTS):
            wrapped = self._new_wrapped(customer_id, entry, create)
            try:
                await self._store.add(customer_id, wrapped)
            except DuplicateError:
                # Another task or process made one first: use theirs (if not erased since).
                theirs = await self._store.get(customer_id)
                if theirs is None:
                    continue
                return self._settle(customer_id, theirs, None, erasures, now)
            return self._settle(customer_id, wrapped, None, erasures, now, created=True)
        raise _no_key_kept(customer_id) from None

    async def erase(self, customer_id: str) -> bool:
        """Destroy the customer's data key; returns whether there was one (as `CustomerKeys.erase`).

        Once it returns (or raises `ErasureNotFinalError`), the next
        `cipher_for` for the customer fails in every `CustomerKeys` and
        `AsyncCustomerKeys` that shares the store.

        Raises:
            ErasureNotFinalError: the key is deleted and no longer opens, but
                the store could not yet purge its bytes; erase again later.
        """
        self._erasing(customer_id)
        try:
            destroyed = await self._store.delete(customer_id)
        finally:
            self._erased(customer_id)
        return _report_erasure(customer_id, destroyed)

    async def erase_tenant(self) -> int:
        """Destroy every data key of this tenant, as `CustomerKeys.erase_tenant`; returns how many.

        Raises:
            StorageError: the store has no `erase_all` method.
            ErasureNotFinalError: the keys are deleted and no longer open,
                but the store could not yet purge their bytes; erase again later.
        """
        erase_all = self._erasing_all()
        try:
            count: int = await erase_all()
        finally:
            self._cleared()
        return _report_tenant_erasure(self._tenant, count)

    async def rewrap_data_keys(self) -> int:
        """Rewrap every stored data key to the KEK keyring's primary key; returns how many.

        Run after `kek.rotate()`; then the old KEK may be retired.

        Raises:
            KeyringError: a stored key does not open (as for `CustomerKeys.rewrap_data_keys`).
        """
        rewrap = _Rewrap(self._kek, await self._store.customer_ids())
        for customer_id in rewrap.each():
            swap = rewrap.swap(customer_id, await self._store.get(customer_id))
            if swap is not None and await self._store.replace(customer_id, *swap):
                rewrap.count += 1
        return rewrap.done()


def _does_not_open(customer_id: str) -> KeyringError:
    return KeyringError(f"the data key of customer {customer_id!r} does not open")


def _check_kek(keyring: Keyring, customer_id: str, wrapped: Sealed) -> None:
    """Refuse a wrapped key whose KEK this keyring lacks or has retired, naming the KEK's id.

    A process whose keyring was loaded before another process rotated it
    meets keys wrapped under a KEK it has never seen; one whose keyring
    retired a KEK meets keys not yet rewrapped. Both are told which key id
    to look for (a key id is not secret), rather than an opaque failure.
    """
    try:
        kek_id = sealed_key_id(wrapped)
    except DecryptionError:
        raise _does_not_open(customer_id) from None
    try:
        status = keyring.status(kek_id)
    except KeyringError:
        raise KeyringError(
            f"the data key of customer {customer_id!r} does not open: it is wrapped under"
            f" key-encryption key {kek_id}, which this keyring does not hold"
            " (load the current keyring)"
        ) from None
    if status is KeyStatus.RETIRED:
        raise KeyringError(
            f"the data key of customer {customer_id!r} does not open: it is wrapped under"
            f" key-encryption key {kek_id}, which this keyring has retired"
            " (rewrap the data keys before retiring a key)"
        )


def _no_key_kept(customer_id: str) -> KeyringError:
    """The error of a create that lost every race: each key it met was erased before it was read."""
    return KeyringError(
        f"customer {customer_id!r} has no data key: every key made for them was erased"
        f" at once, {_CREATE_ATTEMPTS} times (is the customer being erased?)"
    )


def _report_erasure(customer_id: str, destroyed: bool) -> bool:
    _logger.info(
        "customer %r erased: %s",
        customer_id,
        "data key destroyed" if destroyed else "no data key was stored",
    )
    return destroyed


def _report_tenant_erasure(tenant: str, count: int) -> int:
    _logger.info("tenant %r erased: %d data keys destroyed", tenant, count)
    return count


class _Rewrap:
    """One pass of `rewrap_data_keys`: which keys to check, what to swap, and the progress lines."""

    def __init__(self, kek: FieldCipher, customer_ids: Iterable[str]) -> None:
        self.kek = kek
        self.customer_ids = list(customer_ids)
        self.count = 0
        _logger.info("rewrapping data keys: %d to check", len(self.customer_ids))

    def each(self) -> Iterator[str]:
        """The customers in turn, with a progress line every so many."""
        total = len(self.customer_ids)
        for checked, customer_id in enumerate(self.customer_ids, start=1):
            if checked % _PROGRESS_EVERY == 0:
                _logger.info(
                    "rewrapping data keys: %d of %d checked, %d rewrapped",
                    checked,
                    total,
                    self.count,
                )
            yield customer_id

    def swap(self, customer_id: str, wrapped: Sealed | None) -> tuple[Sealed, Sealed] | None:
        """The stored key and its rewrap under the primary KEK, or None if it needs none."""
        if wrapped is None or not self.kek.needs_rewrap(wrapped):
            return None
        _check_kek(self.kek.keyring, customer_id, wrapped)
        try:
            fresh = self.kek.rewrap(
                wrapped, record_type=DATA_KEY_RECORD, record_id=customer_id, field=DATA_KEY_FIELD
            )
        except DecryptionError:
            raise _does_not_open(customer_id) from None
        return wrapped, fresh

    def done(self) -> int:
        _logger.info("rewrapped %d of %d data keys", self.count, len(self.customer_ids))
        return self.count
