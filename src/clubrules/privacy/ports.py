"""The ports of the privacy area: where keys, data keys, consents and access events live.

Each port is a `typing.Protocol`; the in-memory adapters are in
`clubrules.storage.memory`, and `clubrules.testing.contracts` holds the
suites that an implementation must pass. `AsyncDataKeyStore`,
`AsyncConsentStore` and `AsyncAccessLog` are the stores' twins for an event
loop, used by `AsyncPrivacyVault`.

Ids, in every store and method alike:

- an id argument that is not a `str` (None, an int, bytes) raises
  `ValidationError` naming the argument, read or write, and reaches no
  storage: `get(None)` is refused, not answered with None. Only the
  `field` of `AccessLog.for_customer` may be None (every field). The
  contract suites check this, and that a `str` subclass is the same id as
  its text;
- a string that no stored id can equal (a NUL character, a lone surrogate,
  more than 200 characters) is an unknown id to a read of the library's
  adapters (None, `NotFoundError` or an empty list, as for any id not
  stored), and their writes (`add`, `replace`, `delete`, `withdraw`)
  refuse it with `ValidationError` and store nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import datetime  # noqa: TC003 - resolved at runtime by get_type_hints
from typing import Protocol

from clubrules.customers import Sealed  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.privacy._consent import ConsentRecord  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.privacy._events import AccessEvent  # noqa: TC001 - resolved at runtime by get_type_hints
from clubrules.privacy._keys import KeyVersion  # noqa: TC001 - resolved at runtime by get_type_hints

__all__ = [
    "AccessLog",
    "AsyncAccessLog",
    "AsyncConsentStore",
    "AsyncDataKeyStore",
    "ConsentStore",
    "DataKeyStore",
    "KeyProvider",
]


class KeyProvider(Protocol):
    """Where a keyring's key versions come from: a file, the environment, a KMS.

    Both methods are required. `save_keys` replaces the whole set atomically:
    a reader sees the old set or the new one, never a mix. A read-only
    provider raises `KeyringError` from `save_keys`.

    One more method is optional, and not part of this protocol:
    `update_keys(change) -> list[KeyVersion]` calls `change` with the stored
    key versions (an empty list if there are none yet), writes what it
    returns as `save_keys` would, and returns that; no other `update_keys`
    on the same store, in any process, runs between its read and its write
    (a lock, or a compare-and-swap that calls `change` again on a conflict).
    If `change` raises, nothing is written. `Keyring.save` uses it to merge
    with the stored keys as one step; without it, `save` calls `load_keys`
    then `save_keys`, and two processes saving at the same moment may lose
    one's update. `FileKeyProvider` has it.
    """

    def load_keys(self) -> Sequence[KeyVersion]:
        """Every stored key version. Raises `KeyringError` if they cannot be loaded."""
        ...

    def save_keys(self, keys: Sequence[KeyVersion]) -> None:
        """Replace the stored key versions with `keys`, atomically."""
        ...


class DataKeyStore(Protocol):
    """The customers' wrapped data keys (ciphertext only; never a raw key).

    Every method is required. `add` is an atomic check-and-write; `replace` is
    an atomic compare-and-swap; `delete` removes the key for good: an adapter
    must not keep a soft-deleted or versioned copy, or crypto-shredding fails.

    Reads are fresh: once `delete` has returned (or raised
    `ErasureNotFinalError`), `get` returns None for that customer through
    every handle on the same store, in every process. `CustomerKeys` relies
    on this to make an erasure reach every running vault, and reads `get`
    on every use of a data key, so `get` should be cheap (one indexed read).

    One more method is optional, and not part of this protocol:
    `erase_all() -> int` destroys every wrapped key the store holds (a
    tenant-bound handle: every key of its tenant, and no other tenant's), with
    the same promises as `delete`, and returns how many there were.
    `CustomerKeys.erase_tenant` calls it, and raises `StorageError` for a
    store without it; every other use of the store works without it. The
    in-memory, SQLite and PostgreSQL stores have it.

    Another optional method, `in_transaction() -> bool` (plain, never a
    coroutine, and no I/O), says whether what the store reads and writes now
    may still be rolled back: a unit of work, or the caller's transaction, is
    open. `CustomerKeys` with `revalidate_after` never lets its window answer
    with a key created, or read, while it is true. A key it created itself
    is read again before the window trusts it in any case. The SQLite and
    PostgreSQL stores have it.
    """

    def get(self, customer_id: str) -> Sealed | None:
        """The customer's wrapped data key, or None."""
        ...

    def add(self, customer_id: str, wrapped: Sealed) -> None:
        """Store a new wrapped key. Raises `DuplicateError` if the customer has one."""
        ...

    def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        """Swap the stored key for `wrapped` if it still equals `expected`; say whether it did."""
        ...

    def delete(self, customer_id: str) -> bool:
        """Destroy the customer's wrapped key; say whether there was one.

        When it returns, the key's bytes are gone from the store's own files
        as far as the adapter can make sure, or its documentation says what
        remains and until when. An adapter that deleted the key but could not
        yet purge its bytes raises `ErasureNotFinalError`; a later `delete`
        of the same customer retries the purge (and returns False).
        """
        ...

    def customer_ids(self) -> Iterator[str]:
        """Every customer that has a data key, in no particular order."""
        ...


class ConsentStore(Protocol):
    """Consent records: kept as evidence, never deleted, withdrawn in place.

    Every method is required. `add` is an atomic check-and-write on the
    record id; `withdraw` is atomic and idempotent (a second withdrawal keeps
    the first time).
    """

    def add(self, record: ConsentRecord) -> None:
        """Store a new record. Raises `DuplicateError` if its id is taken."""
        ...

    def get(self, consent_id: str) -> ConsentRecord:
        """The record with this id. Raises `NotFoundError`."""
        ...

    def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        """Mark the record withdrawn at `at` and return it. Raises `NotFoundError`."""
        ...

    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """The customer's records, oldest first (by given time, then id)."""
        ...


class AccessLog(Protocol):
    """An append-only log of reads of sensitive data, allowed and refused.

    Every method is required. `append` is durable when it returns: the vault
    hands out no plaintext before the append of its event has returned.
    Queries return events in the order they were appended.
    """

    def append(self, event: AccessEvent) -> None:
        """Record one access event."""
        ...

    def for_customer(
        self,
        customer_id: str,
        *,
        field: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AccessEvent]:
        """The customer's events, optionally of one field, in `[since, until)`.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `until` is before `since`.
        """
        ...

    def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        """The events of one actor, in `[since, until)`.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `until` is before `since`.
        """
        ...

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the events before `cutoff` (past their retention); return how many."""
        ...


class AsyncDataKeyStore(Protocol):
    """`DataKeyStore` for an event loop: the same methods, as coroutines.

    Every promise of `DataKeyStore` holds unchanged (atomic add, compare-
    and-swap replace, fresh reads, a delete that removes the key for
    good). `customer_ids` returns a list. The optional `erase_all` of
    `DataKeyStore`, if the store has it, is a coroutine here
    (`AsyncCustomerKeys.erase_tenant` awaits it); the optional
    `in_transaction` stays a plain method.
    """

    async def get(self, customer_id: str) -> Sealed | None:
        """As `DataKeyStore.get`."""
        ...

    async def add(self, customer_id: str, wrapped: Sealed) -> None:
        """As `DataKeyStore.add`."""
        ...

    async def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        """As `DataKeyStore.replace`."""
        ...

    async def delete(self, customer_id: str) -> bool:
        """As `DataKeyStore.delete`."""
        ...

    async def customer_ids(self) -> list[str]:
        """Every customer that has a data key, in no particular order."""
        ...


class AsyncConsentStore(Protocol):
    """`ConsentStore` for an event loop: the same methods, as coroutines."""

    async def add(self, record: ConsentRecord) -> None:
        """As `ConsentStore.add`."""
        ...

    async def get(self, consent_id: str) -> ConsentRecord:
        """As `ConsentStore.get`."""
        ...

    async def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        """As `ConsentStore.withdraw`."""
        ...

    async def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """As `ConsentStore.for_customer`."""
        ...


class AsyncAccessLog(Protocol):
    """`AccessLog` for an event loop: the same methods, as coroutines.

    `append` is durable when its coroutine returns.
    """

    async def append(self, event: AccessEvent) -> None:
        """As `AccessLog.append`."""
        ...

    async def for_customer(
        self,
        customer_id: str,
        *,
        field: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AccessEvent]:
        """As `AccessLog.for_customer`."""
        ...

    async def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        """As `AccessLog.by_actor`."""
        ...

    async def purge_before(self, cutoff: datetime) -> int:
        """As `AccessLog.purge_before`."""
        ...
