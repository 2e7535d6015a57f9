"""Envelope encryption: one data key per customer, wrapped by the key-encryption key."""

from __future__ import annotations

import logging
import secrets
import struct
import threading
from collections import OrderedDict

from clubrules.customers import Sealed  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.errors import DecryptionError, DuplicateError, KeyringError
from clubrules.privacy._format import MAX_KEY_ID
from clubrules.privacy._keyring import Keyring
from clubrules.privacy._keys import KEY_SIZE, KeyStatus, KeyVersion
from clubrules.privacy._seal import FieldCipher
from clubrules.privacy.ports import DataKeyStore  # noqa: TC001 - resolved at runtime by get_type_hints

_logger = logging.getLogger("clubrules.privacy")  # customer ids and counts, never keys
# How many data keys a rewrap checks between two progress lines.
_PROGRESS_EVERY = 1000

__all__ = ["CustomerKeys"]

# The place a wrapped data key is sealed for: the KEK's associated data binds
# each wrapped key to its customer, so wrapped keys cannot be swapped.
DATA_KEY_RECORD = "clubrules.data_key"
DATA_KEY_FIELD = "data_key"
_KEY_ID = struct.Struct(">I")


class CustomerKeys:
    """Per-customer data keys, wrapped by a key-encryption key (KEK) and kept in a store.

    Each customer's fields are sealed under their own random data key. The
    store holds that key only wrapped (sealed by the KEK keyring, bound to the
    customer id). Erasing a customer deletes the wrapped key: every copy of
    their sealed fields, in backups too, can no longer be opened
    (crypto-shredding). Rotating the KEK needs only `rewrap_data_keys`, not a
    pass over every field.

    Args:
        kek: The keyring of key-encryption keys.
        store: Where the wrapped data keys live.
        cache_size: How many unwrapped data keys to keep in memory.
    """

    def __init__(self, kek: Keyring, store: DataKeyStore, *, cache_size: int = 1024) -> None:
        self._kek = FieldCipher(kek)
        self._store = store
        self._cache: OrderedDict[str, FieldCipher] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def kek(self) -> Keyring:
        """The keyring of key-encryption keys."""
        return self._kek.keyring

    def _wrap(self, customer_id: str, version: KeyVersion) -> Sealed:
        return self._kek.seal(
            _KEY_ID.pack(version.key_id) + version.material,
            record_type=DATA_KEY_RECORD,
            record_id=customer_id,
            field=DATA_KEY_FIELD,
        )

    def _unwrap(self, customer_id: str, wrapped: Sealed) -> FieldCipher:
        try:
            raw = self._kek.open(
                wrapped, record_type=DATA_KEY_RECORD, record_id=customer_id, field=DATA_KEY_FIELD
            )
        except DecryptionError:
            raise KeyringError(f"the data key of customer {customer_id!r} does not open") from None
        if not isinstance(raw, bytes) or len(raw) != 4 + KEY_SIZE:
            raise KeyringError(f"the data key of customer {customer_id!r} is malformed")
        (key_id,) = _KEY_ID.unpack_from(raw)
        return FieldCipher(Keyring([KeyVersion(key_id, raw[4:], KeyStatus.PRIMARY)]))

    def _remember(self, customer_id: str, cipher: FieldCipher) -> None:
        self._cache[customer_id] = cipher
        self._cache.move_to_end(customer_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def cipher_for(self, customer_id: str, *, create: bool = False) -> FieldCipher:
        """The field cipher under the customer's data key.

        Args:
            customer_id: The customer.
            create: Make a data key if the customer has none.

        Raises:
            KeyringError: the customer has no data key (never had one, or was
                erased) and `create` is false; or the wrapped key does not open
                under the KEK keyring.
        """
        with self._lock:
            cipher = self._cache.get(customer_id)
            if cipher is not None:
                self._cache.move_to_end(customer_id)
                return cipher
        wrapped = self._store.get(customer_id)
        if wrapped is None:
            if not create:
                raise KeyringError(f"customer {customer_id!r} has no data key")
            # A random id: values sealed under an erased key never meet a new key's id.
            version = KeyVersion.generate(secrets.randbelow(MAX_KEY_ID) + 1)
            wrapped = self._wrap(customer_id, version)
            try:
                self._store.add(customer_id, wrapped)
            except DuplicateError:
                # Another writer made one first: use theirs.
                wrapped = self._store.get(customer_id)
                if wrapped is None:
                    raise KeyringError(f"customer {customer_id!r} has no data key") from None
        cipher = self._unwrap(customer_id, wrapped)
        with self._lock:
            self._remember(customer_id, cipher)
        return cipher

    def erase(self, customer_id: str) -> bool:
        """Destroy the customer's data key; returns whether there was one.

        Every value sealed under it, wherever copies of it are kept, can no
        longer be opened. Keep the data-key store out of long-lived backups,
        or the key survives there.
        """
        with self._lock:
            self._cache.pop(customer_id, None)
        destroyed = self._store.delete(customer_id)
        _logger.info(
            "customer %r erased: %s",
            customer_id,
            "data key destroyed" if destroyed else "no data key was stored",
        )
        return destroyed

    def rewrap_data_keys(self) -> int:
        """Rewrap every stored data key to the KEK keyring's primary key.

        Run after `kek.rotate()`; then the old KEK may be retired. The data
        keys and the sealed fields themselves do not change. Returns how many
        keys were rewrapped.
        """
        count = 0
        customer_ids = list(self._store.customer_ids())
        _logger.info("rewrapping data keys: %d to check", len(customer_ids))
        for checked, customer_id in enumerate(customer_ids, start=1):
            if checked % _PROGRESS_EVERY == 0:
                _logger.info(
                    "rewrapping data keys: %d of %d checked, %d rewrapped",
                    checked,
                    len(customer_ids),
                    count,
                )
            wrapped = self._store.get(customer_id)
            if wrapped is None or not self._kek.needs_rewrap(wrapped):
                continue
            fresh = self._kek.rewrap(
                wrapped, record_type=DATA_KEY_RECORD, record_id=customer_id, field=DATA_KEY_FIELD
            )
            if self._store.replace(customer_id, wrapped, fresh):
                count += 1
        _logger.info("rewrapped %d of %d data keys", count, len(customer_ids))
        return count

    def __repr__(self) -> str:
        return f"CustomerKeys(kek={self._kek.keyring!r})"
