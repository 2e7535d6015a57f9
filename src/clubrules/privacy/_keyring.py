"""Keys: key versions, the keyring (primary, decrypt-only, retired) and key providers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path
from typing import Any, Final, NoReturn

import attrs
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clubrules._checks import (
    refuse_pickle,
    require_flag,
    require_int,
    require_items,
    require_port,
    shown,
)
from clubrules._logs import warn_caller
from clubrules.errors import KeyringError, KeyUsageWarning, LeakRefusedError, ValidationError
from clubrules.privacy._format import MAX_KEY_ID, header
from clubrules.privacy._keys import KEY_SIZE, KeyStatus, KeyVersion
from clubrules.privacy.ports import KeyProvider  # noqa: TC001 - resolved at runtime by get_type_hints

_logger = logging.getLogger("clubrules.privacy")  # key ids only, never key material

__all__ = [
    "DEFAULT_USAGE_LIMIT",
    "DEFAULT_USAGE_WARNING",
    "EnvKeyProvider",
    "FileKeyProvider",
    "Keyring",
]

# NIST SP 800-38D: random 96-bit nonces keep the collision risk below 2^-32
# for at most 2^32 encryptions under one key.
DEFAULT_USAGE_LIMIT: Final = 2**32
DEFAULT_USAGE_WARNING: Final = 2**32 - 2**30

_Encrypt = Callable[[bytes, bytes, bytes | None], bytes]
_Take = Callable[[], None]


# Uses a slot counts ahead at most, once its primary seals in bulk: one seal in
# `_MAX_AHEAD` takes the lock, and the deque stays a few kilobytes.
_FIRST_AHEAD: Final = 64
_MAX_AHEAD: Final = 1024


class _Slot:
    """A usable key: its cached cipher, header and usage count.

    The count is exact and safe under threads without relying on the GIL:
    `used` changes only under `lock`, and counts the uses handed out
    `ahead` as well. A seal takes one of those with a single `popleft`,
    which `collections.deque` documents as thread-safe, instead of taking
    the lock; the key's count is `used - len(ahead)`. Uses are counted
    ahead only below `warn_at`, so every use from `warn_at` on is counted
    under the lock, where it warns or is refused.
    """

    __slots__ = (
        "aead",
        "ahead",
        "block",
        "header",
        "key_id",
        "limit",
        "lock",
        "used",
        "warn_at",
        "warned",
    )

    def __init__(self, version: KeyVersion, warn_at: int, limit: int) -> None:
        self.key_id = version.key_id
        self.aead = AESGCM(version.material)
        self.header = header(version.key_id)
        self.used = version.uses
        self.ahead: deque[None] = deque()
        self.block = _FIRST_AHEAD
        self.lock = threading.Lock()
        self.warn_at = warn_at
        self.limit = limit
        self.warned = False

    def use(self, count: int = 1) -> int:
        """Count `count` more values sealed under this key; the count, these included.

        Below `warn_at` the returned count may already be stale (other
        threads keep taking uses ahead); from `warn_at` on, no use is
        counted ahead and it is exact.
        """
        ahead = self.ahead
        # acquire/release rather than `with`: half the cost on the sealing path.
        lock = self.lock
        lock.acquire()
        try:
            # The uses counted ahead are taken first, so none is counted twice.
            while count:
                try:
                    ahead.popleft()
                except IndexError:
                    break
                count -= 1
            self.used += count
            used = self.used - len(ahead)
            room = self.warn_at - 1 - self.used
            if room > 0 and not ahead:
                block = self.block
                self.block = min(2 * block, _MAX_AHEAD)
                block = min(block, room)
                ahead.extend(repeat(None, block))
                self.used += block
        finally:
            lock.release()
        return used

    def count(self) -> int:
        """How many values this key has sealed, exactly."""
        with self.lock:
            return self.used - len(self.ahead)

    def add_uses(self, extra: int) -> None:
        """Count `extra` uses made elsewhere (other processes' seals, learnt from a provider).

        The uses counted ahead are given back first, so the next seal takes
        the lock and sees the new count: it warns or is refused if the count
        has reached `warn_at` or `limit`.
        """
        if extra <= 0:
            return
        with self.lock:
            # One popleft per use given back: a seal that takes one at the same
            # moment keeps it, and it stays counted.
            while True:
                try:
                    self.ahead.popleft()
                except IndexError:
                    break
                self.used -= 1
            self.used += extra


class Keyring:
    """A set of key versions: one primary, any number of decrypt-only and retired keys.

    The primary seals new values. Decrypt-only keys open the values sealed
    under them until they are rewrapped. Retired keys are refused. The
    keyring counts the values each key seals, warns with `KeyUsageWarning`
    at `warn_at` and refuses to seal at `limit` (2^32 by default, the safe
    limit for random 96-bit nonces).

    A keyring does not pickle or copy (`LeakRefusedError`): a pickle would put
    key material wherever the app keeps pickles, and two processes counting
    from one copied count could together pass `limit`. Load the keys from
    their `KeyProvider` in each process.

    Args:
        keys: The key versions; exactly one must be primary.
        warn_at: The usage count at which a key starts to warn.
        limit: The usage count at which a key refuses to seal.

    Raises:
        KeyringError: no primary, several primaries, a repeated key id, or
            two key ids with the same material.
        ValidationError: `keys` is not a list, or `warn_at` or `limit` is
            not an int.

    Examples:
        >>> ring = Keyring.generate()
        >>> old = ring.primary_id
        >>> new = ring.rotate().key_id
        >>> ring.status(old), ring.status(new)
        (<KeyStatus.DECRYPT_ONLY: 'decrypt_only'>, <KeyStatus.PRIMARY: 'primary'>)
    """

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(
            self,
            "it holds key material and counts each key's uses, which must not fork; "
            "load the keys from their KeyProvider in each process",
            LeakRefusedError,
        )

    def __init__(
        self,
        keys: Iterable[KeyVersion],
        *,
        warn_at: int = DEFAULT_USAGE_WARNING,
        limit: int = DEFAULT_USAGE_LIMIT,
    ) -> None:
        require_int(warn_at, "warn_at")
        require_int(limit, "limit")
        if not 0 < warn_at <= limit:
            raise KeyringError("need 0 < warn_at <= limit")
        self._warn_at = warn_at
        self._limit = limit
        self._lock = threading.Lock()
        self._versions: dict[int, KeyVersion] = {}
        for version in require_items(keys, object, "keys"):
            if not isinstance(version, KeyVersion):
                raise KeyringError(f"expected KeyVersion, got {type(version).__name__}")
            if version.key_id in self._versions:
                raise KeyringError(f"key id {version.key_id} appears twice")
            self._refuse_known_material(version.material, version.key_id)
            self._versions[version.key_id] = version
        primaries = [v.key_id for v in self._versions.values() if v.status is KeyStatus.PRIMARY]
        if len(primaries) != 1:
            raise KeyringError(f"a keyring needs exactly one primary key, found {len(primaries)}")
        # Per key: the count the provider held when this keyring last read or
        # wrote it (for keys given to the constructor: their `uses`). A save
        # adds this process's uses since then to the provider's count.
        self._baseline: dict[int, int] = {k: v.uses for k, v in self._versions.items()}
        self._slots: dict[int, _Slot] = {}
        self._build()

    def _build(self) -> None:
        slots = {}
        for key_id, version in self._versions.items():
            if version.status is KeyStatus.RETIRED:
                old = self._slots.get(key_id)
                if old is not None:
                    # A retired key keeps the count it reached here.
                    self._versions[key_id] = attrs.evolve(version, uses=old.count())
                continue
            slot = self._slots.get(key_id) or _Slot(version, self._warn_at, self._limit)
            slots[key_id] = slot
        self._slots = slots
        # Looked up by the 5 leading bytes of a value: version and key id at once.
        self._by_header: dict[bytes, AESGCM] = {s.header: s.aead for s in slots.values()}
        primary = next(v for v in self._versions.values() if v.status is KeyStatus.PRIMARY)
        slot = self._primary = slots[primary.key_id]
        # What a seal needs of the primary, read in one step: a rotation
        # replaces the whole tuple, so a seal never mixes two keys.
        self._sealer: tuple[bytes, _Encrypt, _Take, _Slot] = (
            slot.header,
            slot.aead.encrypt,
            slot.ahead.popleft,
            slot,
        )

    @classmethod
    def generate(
        cls,
        *,
        key_id: int = 1,
        warn_at: int = DEFAULT_USAGE_WARNING,
        limit: int = DEFAULT_USAGE_LIMIT,
    ) -> Keyring:
        """A keyring with one fresh random primary key."""
        require_int(warn_at, "warn_at")
        require_int(limit, "limit")
        return cls([KeyVersion.generate(key_id)], warn_at=warn_at, limit=limit)

    @classmethod
    def from_provider(cls, provider: KeyProvider, **options: int) -> Keyring:
        """The keyring that `provider` holds (options as for the constructor)."""
        require_port(provider, "KeyProvider", ("load_keys", "save_keys"), "provider")
        return cls(provider.load_keys(), **options)

    @property
    def primary_id(self) -> int:
        """The id of the primary key."""
        return self._primary.key_id

    def status(self, key_id: int) -> KeyStatus:
        """The status of a key version.

        Raises:
            KeyringError: the keyring has no key with this id.
        """
        require_int(key_id, "key_id")
        version = self._versions.get(key_id)
        if version is None:
            raise KeyringError(f"unknown key id {shown(key_id)}")
        return version.status

    def _refuse_known_material(self, material: bytes, key_id: int) -> None:
        """Refuse material that another key version of this keyring already has."""
        for other in self._versions.values():
            if hmac.compare_digest(other.material, material):
                raise KeyringError(
                    f"key {key_id} has the same material as key {other.key_id}; "
                    "every key version needs its own"
                )

    def usage(self, key_id: int) -> int:
        """How many values the key has sealed (loaded uses plus this process's).

        Seals refused at the usage limit are not counted.
        """
        require_int(key_id, "key_id")
        slot = self._slots.get(key_id)
        if slot is None:
            return self._versions[key_id].uses if key_id in self._versions else 0
        return slot.count()

    @property
    def keys(self) -> tuple[KeyVersion, ...]:
        """Every key version, with its current usage count, in key id order."""
        with self._lock:
            return self._current()

    def _current(self) -> tuple[KeyVersion, ...]:
        """`keys`, for a caller that holds the lock."""
        return tuple(
            attrs.evolve(v, uses=self.usage(v.key_id)) for _, v in sorted(self._versions.items())
        )

    def rotate(self, material: bytes | None = None) -> KeyVersion:
        """Make a new primary key; the old primary becomes decrypt-only.

        Args:
            material: The new key's 32 bytes; fresh random bytes by default.

        Returns:
            The new primary key version.

        Raises:
            KeyringError: `material` is not 32 bytes, or is the material of a
                key already in the keyring (primary, decrypt-only or retired):
                that would keep the same key under a new id and restart its
                usage count.
        """
        with self._lock:
            new_id = max(self._versions) + 1
            if new_id > MAX_KEY_ID:
                raise KeyringError("no key ids left")
            new = (
                KeyVersion.generate(new_id)
                if material is None
                else KeyVersion(new_id, material, KeyStatus.PRIMARY)
            )
            self._refuse_known_material(new.material, new_id)
            old = self._primary.key_id
            self._versions[old] = attrs.evolve(self._versions[old], status=KeyStatus.DECRYPT_ONLY)
            self._versions[new_id] = new
            self._baseline[new_id] = 0
            self._build()
        _logger.info("key %d is the new primary; key %d is now decrypt-only", new_id, old)
        return new

    def retire(self, key_id: int) -> None:
        """Refuse a key from now on: values still sealed under it no longer open.

        Raises:
            KeyringError: the key is unknown or is the primary.
        """
        require_int(key_id, "key_id")
        with self._lock:
            if self.status(key_id) is KeyStatus.PRIMARY:
                raise KeyringError(f"key {key_id} is the primary; rotate before retiring it")
            self._versions[key_id] = attrs.evolve(self._versions[key_id], status=KeyStatus.RETIRED)
            self._build()
        _logger.info("key %d retired", key_id)

    def save(self, provider: KeyProvider) -> None:
        """Merge this keyring with what `provider` holds, write the result, and keep it here.

        Other processes may share the provider and save too: nothing one of
        them saved is lost. A key that only one side holds is kept; a key
        both hold must have the same material, and keeps its later status
        (primary, then decrypt-only, then retired); the highest key id that
        is still primary is the one primary, the others become
        decrypt-only. A key's count is the provider's plus the values
        sealed here since this keyring last read or wrote it, so every
        process's seals add up (a count may come out high, never low).

        Afterwards this keyring holds the merged set: keys rotated elsewhere
        open values here, and the merged primary seals from now on.

        With a provider that has `update_keys` (as `FileKeyProvider` does),
        the read, merge and write are one atomic step across processes.
        Otherwise `save` calls `load_keys`, merges and calls `save_keys`: two
        processes saving at the same moment may lose one's update. A
        provider whose `load_keys` fails is written this keyring's keys alone.

        Raises:
            KeyringError: a key id has other material in the provider than
                here (another process rotated first: call
                `refresh(provider, drop_conflicting=True)`, then `save`, to
                keep this process's counts), the merged keys have no
                primary, or the provider cannot be read or written. Nothing
                is written, and this keyring is left as it was.
            ValidationError: `provider` is not a key provider.
        """
        require_port(provider, "KeyProvider", ("load_keys", "save_keys"), "provider")
        self._sync(provider, write=True)

    def refresh(self, provider: KeyProvider, *, drop_conflicting: bool = False) -> None:
        """Take in what `provider` holds now, without writing anything.

        The merge is the one `save` makes: keys rotated or retired in
        another process take effect here (the merged primary seals from
        now on; a key retired elsewhere is refused here), and the counts
        of this process's seals not yet saved are kept for the next `save`.

        A key id that the provider holds with other material than this
        keyring is a conflict: another process rotated first, and this
        keyring made its own key under the same id. By default the refresh
        is then refused. With `drop_conflicting=True` this keyring drops
        its own key of that id and takes the provider's in its place:
        values sealed here under the dropped key no longer open (the
        provider does not hold it, so no process can open them). Every other
        key merges as usual, so the uses this process made of the keys both
        sides agree on stay counted, and the next `save` adds them to the
        provider's counts; the dropped key is never written. This is how a
        process whose `save` was refused recovers without losing counts
        (building a new keyring with `from_provider` would lose them).

        Args:
            provider: Where the keys are kept.
            drop_conflicting: Replace this keyring's keys that conflict
                with the provider's by the provider's, instead of refusing.

        Raises:
            KeyringError: a key id has other material in the provider than
                here (without `drop_conflicting`), the merged keys have no
                primary, or the provider cannot be read. This keyring is
                then left as it was.
            ValidationError: `provider` is not a key provider, or
                `drop_conflicting` is not True or False (rule `not_a_bool`).
        """
        require_port(provider, "KeyProvider", ("load_keys",), "provider")
        require_flag(drop_conflicting, "drop_conflicting")
        self._sync(provider, write=False, drop_conflicting=drop_conflicting)

    def _sync(self, provider: KeyProvider, *, write: bool, drop_conflicting: bool = False) -> None:
        with self._lock:
            local = self._current()
            baseline = dict(self._baseline)
            merged: list[KeyVersion] = []
            stored_uses: dict[int, int] = {}
            dropped: set[int] = set()

            def change(stored: list[KeyVersion]) -> list[KeyVersion]:
                dropped.clear()
                merged[:] = _merge(
                    stored, local, baseline, drop=dropped if drop_conflicting else None
                )
                stored_uses.clear()
                stored_uses.update((v.key_id, v.uses) for v in stored)
                return list(merged)

            update = getattr(provider, "update_keys", None) if write else None
            if callable(update):
                update(change)
            else:
                try:
                    stored = list(provider.load_keys())
                except KeyringError:
                    if not write:
                        raise
                    # As before merging existed: a provider that cannot be read
                    # yet (one that holds no keys) gets this keyring's keys.
                    _logger.warning("cannot read the key provider; writing this keyring's keys")
                    stored = []
                change(stored)
                if write:
                    provider.save_keys(list(merged))
            self._adopt(merged, local, stored_uses, wrote=write, dropped=dropped)

    def _adopt(
        self,
        merged: Sequence[KeyVersion],
        local: Sequence[KeyVersion],
        stored_uses: Mapping[int, int],
        *,
        wrote: bool,
        dropped: Iterable[int] = (),
    ) -> None:
        """Hold `merged` from now on (under the lock).

        `local` is the keys as they were when the merge began; uses made
        since then stay counted on top. The new baselines are the merged
        counts if they were written, else (a refresh) the provider's counts,
        `stored_uses`: this process's unsaved uses stay unsaved. The keys
        of `dropped` had other material here: their slots (cipher, count)
        go, and the provider's keys of those ids get new ones.
        """
        counted = {v.key_id: v.uses for v in local}
        old_primary = self._primary.key_id
        for key_id in dropped:
            self._slots.pop(key_id, None)
            _logger.warning(
                "key %d here had other material than in the key provider; dropped, "
                "the provider's key %d takes its place",
                key_id,
                key_id,
            )
        for version in merged:
            key_id = version.key_id
            slot = self._slots.get(key_id)
            if slot is not None:
                # The slot keeps counting on: the uses made since `local` stay on top.
                slot.add_uses(version.uses - counted[key_id])
            self._versions[key_id] = version
            if wrote:
                self._baseline[key_id] = version.uses
            elif key_id in stored_uses:
                self._baseline[key_id] = stored_uses[key_id]
        self._build()
        if self._primary.key_id != old_primary:
            _logger.info(
                "key %d, rotated in by another process, is now the primary here",
                self._primary.key_id,
            )

    def _exceeded(self, slot: _Slot, count: int, taken: int = 1) -> None:
        """Called when a key's usage (`count`, the `taken` new uses included) reaches `warn_at`."""
        if count > slot.limit:
            # The refused seals are not counted: give their uses back.
            with slot.lock:
                slot.used -= taken
            raise KeyringError(
                f"key {slot.key_id} has sealed {slot.limit} values, its safe limit; "
                "rotate the keyring"
            )
        if not slot.warned:
            slot.warned = True
            warn_caller(
                f"key {slot.key_id} has sealed {count} values, near its safe limit of "
                f"{slot.limit}; rotate the keyring",
                KeyUsageWarning,
            )

    def __repr__(self) -> str:
        by_status: dict[KeyStatus, list[int]] = {s: [] for s in KeyStatus}
        for key_id, version in sorted(self._versions.items()):
            by_status[version.status].append(key_id)
        return (
            f"Keyring(primary={self.primary_id}, "
            f"decrypt_only={by_status[KeyStatus.DECRYPT_ONLY]}, "
            f"retired={by_status[KeyStatus.RETIRED]})"
        )


_LATER: Final = {KeyStatus.PRIMARY: 0, KeyStatus.DECRYPT_ONLY: 1, KeyStatus.RETIRED: 2}


def _merge(
    stored: Sequence[KeyVersion],
    local: Sequence[KeyVersion],
    baseline: Mapping[int, int],
    *,
    drop: set[int] | None = None,
) -> list[KeyVersion]:
    """The keys a provider holds (`stored`) merged with a keyring's (`local`), by key id.

    A key id on both sides must have the same material; with `drop` given,
    a key id with other material locally takes the stored key as it is,
    and its id is added to `drop`. Its status is the
    later of the two; its count, the stored one plus the uses made locally
    since `baseline` (never below the local count). Of the keys that come
    out primary, the highest id stays primary and the others only decrypt.

    Raises:
        KeyringError: the stored keys are malformed, a key id has two
            materials (without `drop`), two key ids have one material, or
            no key is primary.
    """
    theirs: dict[int, KeyVersion] = {}
    for version in stored:
        if not isinstance(version, KeyVersion):
            raise KeyringError(
                f"the key provider returned a {type(version).__name__}, not a KeyVersion"
            )
        if version.key_id in theirs:
            raise KeyringError(f"the key provider holds key id {version.key_id} twice")
        theirs[version.key_id] = version
    out = dict(theirs)
    for mine in local:
        key_id = mine.key_id
        other = theirs.get(key_id)
        if other is None:
            out[key_id] = mine
            continue
        if not hmac.compare_digest(other.material, mine.material):
            if drop is not None:
                drop.add(key_id)  # the stored key stays in `out` as it is
                continue
            raise KeyringError(
                f"key id {key_id} has other material in the key provider than in this "
                "keyring: another process rotated first. Call refresh(provider, "
                "drop_conflicting=True) to take the provider's key instead and keep this "
                "keyring's counts, then save; nothing was written"
            )
        status = max(other.status, mine.status, key=_LATER.__getitem__)
        uses = max(other.uses + mine.uses - baseline.get(key_id, 0), mine.uses)
        out[key_id] = KeyVersion(key_id, mine.material, status, uses)
    primaries = sorted(k for k, v in out.items() if v.status is KeyStatus.PRIMARY)
    if not primaries:
        raise KeyringError("the merged keyring has no primary key; nothing was written")
    for key_id in primaries[:-1]:
        out[key_id] = attrs.evolve(out[key_id], status=KeyStatus.DECRYPT_ONLY)
    merged = [out[k] for k in sorted(out)]
    for i, version in enumerate(merged):
        for other in merged[i + 1 :]:
            if hmac.compare_digest(version.material, other.material):
                raise KeyringError(
                    f"key {other.key_id} has the same material as key {version.key_id}; "
                    "every key version needs its own"
                )
    return merged


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]*={0,2}")


def _unb64(text: object) -> bytes | None:
    """The bytes of unpadded base64url text (`=` padding tolerated), or None."""
    if type(text) is not str or not _BASE64URL.fullmatch(text):
        return None
    body = text.rstrip("=")
    if len(body) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    # One text per key: no stray bits in the last character.
    return raw if _b64(raw) == body else None


def _check_writable(keys: Sequence[KeyVersion]) -> None:
    """Refuse key versions that make no keyring: every reader would refuse the document.

    The rules of the keyring file (see the ciphertext-format page): at
    least one key, unique ids, unique material, exactly one primary. The
    messages name key ids only, never material.

    Raises:
        KeyringError: a rule is broken; nothing is written.
    """
    if not keys:
        raise KeyringError("a keyring needs at least one key; nothing was written")
    seen: dict[int, KeyVersion] = {}
    for version in keys:
        if version.key_id in seen:
            raise KeyringError(f"key id {version.key_id} appears twice; nothing was written")
        for other in seen.values():
            if hmac.compare_digest(other.material, version.material):
                raise KeyringError(
                    f"key {version.key_id} has the same material as key {other.key_id}; "
                    "nothing was written"
                )
        seen[version.key_id] = version
    primaries = sum(v.status is KeyStatus.PRIMARY for v in keys)
    if primaries != 1:
        raise KeyringError(
            f"a keyring needs exactly one primary key, found {primaries}; nothing was written"
        )


def _dump_keys(keys: Sequence[KeyVersion]) -> str:
    _check_writable(keys)
    return json.dumps(
        {
            "format": "clubrules-keyring",
            "version": 1,
            "keys": [
                {
                    "id": k.key_id,
                    "status": k.status.value,
                    "material": _b64(k.material),
                    "uses": k.uses,
                }
                for k in keys
            ],
        },
        indent=2,
    )


def _load_keys(text: str, source: str) -> list[KeyVersion]:
    """The key versions of a keyring document (see the ciphertext-format page).

    Every error names the source, the entry and the member, never a value:
    key material must not reach a message or an exception's context.
    """
    try:
        document: Any = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
        document = None
    if (
        type(document) is not dict
        or document.get("format") != "clubrules-keyring"
        or document.get("version") != 1
        or type(document.get("version")) is not int
    ):
        raise KeyringError(f"{source} is not a clubrules keyring (format version 1)")
    entries = document.get("keys")
    if type(entries) is not list or not entries:
        raise KeyringError(f"{source} holds a malformed keyring: 'keys' must be a non-empty list")
    return [_load_entry(entry, number, source) for number, entry in enumerate(entries, start=1)]


def _load_entry(entry: object, number: int, source: str) -> KeyVersion:
    def bad(what: str) -> KeyringError:
        return KeyringError(f"{source} holds a malformed keyring: key number {number}: {what}")

    if type(entry) is not dict:
        raise bad("must be a JSON object")
    key_id, status, uses = entry.get("id"), entry.get("status"), entry.get("uses", 0)
    if type(key_id) is not int or not 1 <= key_id <= MAX_KEY_ID:
        raise bad(f"'id' must be an integer from 1 to {MAX_KEY_ID}")
    if status not in tuple(s.value for s in KeyStatus):
        raise bad(f"'status' must be one of {', '.join(s.value for s in KeyStatus)}")
    if type(uses) is not int or uses < 0:
        raise bad("'uses' must be a non-negative integer")
    material = _unb64(entry.get("material"))
    if material is None or len(material) != KEY_SIZE:
        raise bad(f"'material' must be {KEY_SIZE} bytes in unpadded base64url")
    return KeyVersion(key_id, material, KeyStatus(status), uses)


class FileKeyProvider:
    """Keys kept in a local JSON file, readable by its owner only.

    `save_keys` writes a new file next to the old one and renames it into
    place, so a crash never leaves half a keyring. `update_keys` reads,
    changes and writes the file as one step across processes. Both hold an
    exclusive lock on a file next to the keyring (its name plus `.lock`,
    removed again when the lock is released) while they work. The lock is
    `flock` on POSIX systems and `msvcrt.locking` on Windows (where the lock
    file stays); on a network file system that does not honour these locks,
    keep the keyring file to one host.

    The new file is written as `.keyring-<16 hex digits>-<random>` in the
    keyring's folder (mode 0600); the hex digits name the keyring file
    (they are the start of the SHA-256 of its name). A writer that dies
    before renaming it leaves that file behind, with key material in it.
    Every writer holds the lock, so the next writer of the same keyring
    removes such leftovers once it holds the lock, before it writes;
    the temporary files of other keyrings in the folder are left alone.

    Args:
        path: The keyring file.

    Raises:
        ValidationError: `path` is not a string or a path (rule `wrong_type`),
            or holds a NUL character or a character the file system cannot
            encode (rule `invalid_path`).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not isinstance(path, str | os.PathLike):
            raise ValidationError(
                f"must be a path, not {type(path).__name__}", field="path", rule="wrong_type"
            )
        self._path = Path(path)
        try:
            raw: bytes | None = os.fsencode(self._path)
        except UnicodeEncodeError:  # raised below, outside the handler
            raw = None
        if raw is None or b"\0" in raw:
            # The system refuses such a name at every open; refused here once,
            # typed, rather than as a ValueError from each read and write.
            raise ValidationError(
                "must be a path the file system can name (no NUL character, no lone surrogate)",
                field="path",
                rule="invalid_path",
            )

    def load_keys(self) -> list[KeyVersion]:
        """Read the key versions from the file."""
        try:
            text: str | None = self._path.read_text(encoding="utf-8")
        except OSError as error:
            raise KeyringError(
                f"cannot read keyring file {str(self._path)!r}: {error.strerror}"
            ) from None
        except UnicodeDecodeError:
            text = None  # raised below, outside the handler: the error holds the file's bytes
        if text is None:
            raise self._not_utf8()
        return _load_keys(text, f"keyring file {str(self._path)!r}")

    def save_keys(self, keys: Sequence[KeyVersion]) -> None:
        """Replace the file's key versions atomically (mode 0600), holding the file's lock.

        Raises:
            KeyringError: the keys make no keyring (none, a repeated key id
                or material, not exactly one primary), or the file cannot be
                locked or written (its directory is missing or not writable,
                the disk is full); the file is left as it was.
            ValidationError: `keys` is not a list of `KeyVersion`.
        """
        keys = require_items(keys, KeyVersion, "keys")
        text = _dump_keys(keys)
        with self._locked():
            self._write(text)

    def update_keys(
        self, change: Callable[[list[KeyVersion]], Sequence[KeyVersion]]
    ) -> list[KeyVersion]:
        """Replace the file's key versions with `change(current)`, as one step.

        No other `update_keys` or `save_keys` on the same file, in any
        process, runs between the read and the write. A missing file holds
        no keys (`change` gets an empty list). The file is written as by
        `save_keys`, and only if `change` returns. `change` must not write
        the same file itself: it would wait for the lock held for it.

        Args:
            change: Given the key versions the file holds, returns those
                to write.

        Returns:
            The key versions written.

        Raises:
            KeyringError: the file cannot be read, locked or written,
                `change` returned keys that make no keyring (as for
                `save_keys`), or `change` raised it; the file is then left
                as it was.
            ValidationError: `change` is not callable, or returned something
                other than a list of `KeyVersion`.
        """
        if not callable(change):
            raise ValidationError(
                f"must be callable, not {type(change).__name__}", field="change", rule="wrong_type"
            )
        with self._locked():
            undecodable = False
            try:
                text: str | None = self._path.read_text(encoding="utf-8")
            except FileNotFoundError:
                text = None
            except OSError as error:
                raise KeyringError(
                    f"cannot read keyring file {str(self._path)!r}: {error.strerror}"
                ) from None
            except UnicodeDecodeError:
                text, undecodable = None, True  # raised below, outside the handler
            if undecodable:
                raise self._not_utf8()
            current = [] if text is None else _load_keys(text, f"keyring file {str(self._path)!r}")
            keys = list(require_items(change(current), KeyVersion, "keys"))
            self._write(_dump_keys(keys))
        return keys

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the exclusive lock of the keyring file; remove writes left by dead writers."""
        lock_path = self._path.with_name(self._path.name + ".lock")
        try:
            fd = _lock_file(lock_path)
        except OSError as error:
            # Names the keyring file, not its lock file.
            raise self._unwritable(error) from None
        try:
            self._remove_leftovers()
            yield
        finally:
            _unlock_file(fd, lock_path)

    @property
    def _temp_prefix(self) -> str:
        """The name start of this keyring's temporary files: its own, no other keyring's."""
        digest = hashlib.sha256(os.fsencode(self._path.name)).hexdigest()[:16]
        return f".keyring-{digest}-"

    def _remove_leftovers(self) -> None:
        """Remove this keyring's temporary files (under the lock: their writers died).

        Every writer of this keyring holds its lock while its temporary file
        exists, so under the lock any such file is one a writer left when it
        died. Files of other keyrings (another digest) are not touched.
        """
        prefix = self._temp_prefix
        try:
            entries = list(os.scandir(self._path.parent))
        except OSError:
            return  # the write that follows reports the folder
        for entry in entries:
            if not entry.name.startswith(prefix):
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    Path(entry.path).unlink()
            except OSError as error:
                _logger.warning(
                    "cannot remove a temporary file left by a keyring writer that died, "
                    "next to %r: %s",
                    str(self._path),
                    error.strerror,
                )
            else:
                _logger.info("removed a temporary keyring file left by a writer that died")

    def _write(self, text: str) -> None:
        """Write `text` to a temporary file and rename it into place (under the lock)."""
        try:
            fd, tmp = tempfile.mkstemp(prefix=self._temp_prefix, dir=self._path.parent)
        except OSError as error:
            raise self._unwritable(error) from None
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            Path(tmp).replace(self._path)
        except OSError as error:
            Path(tmp).unlink(missing_ok=True)
            raise self._unwritable(error) from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _not_utf8(self) -> KeyringError:
        # Raised outside the decoding error's handler: that error holds the
        # file's bytes, key material among them.
        return KeyringError(f"keyring file {str(self._path)!r} is not UTF-8 text")

    def _unwritable(self, error: OSError) -> KeyringError:
        # Names the keyring file, not the temporary file the error was about.
        return KeyringError(
            f"cannot write keyring file {str(self._path)!r}: {error.strerror or 'write failed'}"
        )

    def __repr__(self) -> str:
        return f"FileKeyProvider({str(self._path)!r})"


# How long `msvcrt.locking` waits in all for a lock held by another process.
_WINDOWS_LOCK_SECONDS: Final = 60


def _lock_file(lock_path: Path) -> int:
    """Open and lock `lock_path` exclusively, waiting for it; the descriptor."""
    if sys.platform == "win32":
        import msvcrt  # noqa: PLC0415 - Windows only

        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + _WINDOWS_LOCK_SECONDS
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise
                time.sleep(0.05)
            else:
                return fd
    import fcntl  # noqa: PLC0415 - POSIX only

    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # The holder before us removes the file as it unlocks: our lock
            # counts only if the file we locked is still the one at the path.
            held = os.fstat(fd)
            try:
                now = lock_path.stat()
            except FileNotFoundError:
                now = None
        except BaseException:
            os.close(fd)
            raise
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            return fd
        os.close(fd)


def _unlock_file(fd: int, lock_path: Path) -> None:
    """Release the lock of `_lock_file` (removing the lock file first, on POSIX)."""
    if sys.platform == "win32":
        import msvcrt  # noqa: PLC0415 - Windows only

        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)
        return
    try:
        lock_path.unlink(missing_ok=True)
    finally:
        os.close(fd)  # closing releases the flock


class EnvKeyProvider:
    """Keys read from an environment variable that holds the keyring JSON (read-only).

    The caller names the variable and may pass the environment mapping; the
    library never looks up a variable by itself.

    Args:
        variable: The variable's name.
        environ: The environment; `os.environ` by default.

    Raises:
        ValidationError: `variable` is not a string, or `environ`
            is not a mapping (rule `wrong_type`).
    """

    def __init__(self, variable: str, environ: Mapping[str, str] | None = None) -> None:
        if type(variable) is not str:
            raise ValidationError(
                f"must be a string, not {type(variable).__name__}",
                field="variable",
                rule="wrong_type",
            )
        if environ is not None and not isinstance(environ, Mapping):
            raise ValidationError(
                f"must be a mapping of names to values, not {type(environ).__name__}",
                field="environ",
                rule="wrong_type",
            )
        self._variable = variable
        self._environ = environ

    def load_keys(self) -> list[KeyVersion]:
        """Read the key versions from the variable.

        Raises:
            KeyringError: the variable is not set, its value is not text, or
                the text is not a keyring (the message never quotes it).
        """
        environ = os.environ if self._environ is None else self._environ
        source = f"environment variable {self._variable!r}"
        text: object = environ.get(self._variable)
        if text is None:
            raise KeyringError(f"{source} is not set")
        if type(text) is not str:
            raise KeyringError(f"{source} holds a {type(text).__name__}, not the keyring's text")
        return _load_keys(text, source)

    def save_keys(self, keys: Sequence[KeyVersion]) -> None:  # noqa: ARG002 - the port's signature
        """Refuse: an environment variable cannot be written back."""
        raise KeyringError(
            f"environment variable {self._variable!r} is read-only; "
            "store rotated keys with another provider"
        )

    @staticmethod
    def render(keys: Sequence[KeyVersion]) -> str:
        """The value to put into the variable for these key versions.

        Raises:
            KeyringError: the keys make no keyring (none, a repeated key id
                or material, not exactly one primary).
            ValidationError: `keys` is not a list of `KeyVersion`.
        """
        keys = require_items(keys, KeyVersion, "keys")
        return _dump_keys(keys)

    def __repr__(self) -> str:
        return f"EnvKeyProvider({self._variable!r})"
