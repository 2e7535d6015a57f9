"""The straight-run paths of `seal` and `open`, and the key's use counter, against slow oracles.

`seal` and `open` take a text value for a place seen before in one straight
run, and a key counts some of its uses ahead so that a seal takes one
without its lock. These tests hold them to obvious implementations: the
documented format written and read with `AESGCM` directly, and a counter
that is a plain integer.
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.customers import Sealed
from clubrules.errors import DecryptionError, KeyringError, KeyUsageWarning, ValidationError
from clubrules.privacy import (
    FieldCipher,
    Keyring,
    KeyStatus,
    KeyVersion,
    _format,
    _seal,
    sealed_to_bytes,
)

FIELD = {"record_type": "customer", "field": "health"}


def _lp(text: str) -> bytes:
    raw = text.encode()
    return len(raw).to_bytes(4, "big") + raw


def _aad(record_type: str, record_id: str, field: str, tenant: str | None) -> bytes:
    """The documented associated data, built from scratch."""
    aad = b"\x01" + _lp(record_type) + _lp(record_id) + _lp(field)
    if tenant is not None and tenant != "default":
        aad += _lp(tenant)
    return aad


def _reference_seal(
    key: KeyVersion, text: str, place: tuple[str, str, str], tenant: str | None
) -> bytes:
    nonce = bytes(range(12))
    body = AESGCM(key.material).encrypt(nonce, b"t" + text.encode(), _aad(*place, tenant))
    return b"\x01" + key.key_id.to_bytes(4, "big") + nonce + body


def _reference_open(
    key: KeyVersion, data: bytes, place: tuple[str, str, str], tenant: str | None
) -> str:
    assert data[:5] == b"\x01" + key.key_id.to_bytes(4, "big")
    typed = AESGCM(key.material).decrypt(data[5:17], data[17:], _aad(*place, tenant))
    assert typed[:1] == b"t"
    return typed[1:].decode()


# Short and long parts (a record id of 256 UTF-8 bytes or more has a length
# prefix that is not precomputed), non-ASCII text included.
parts = st.text(min_size=1, max_size=12) | st.text(min_size=80, max_size=300)
tenants = st.sampled_from([None, "default", "club-a", "c.9:x_y"])


@settings(max_examples=150)
@given(
    texts=st.lists(st.text(), min_size=1, max_size=4),
    place=st.tuples(parts, parts, parts),
    tenant=tenants,
)
def test_seal_and_open_agree_with_aesgcm_used_directly(
    texts: list[str], place: tuple[str, str, str], tenant: str | None
) -> None:
    key = KeyVersion.generate(5)
    cipher = FieldCipher(Keyring([key]), tenant=tenant)
    record_type, record_id, field = place
    kwargs = {"record_type": record_type, "record_id": record_id, "field": field}
    # The first call for a place takes the checked path, the later ones the
    # straight run: every one agrees with the reference.
    for text in texts:
        sealed = cipher.seal(text, **kwargs)
        assert type(sealed) is Sealed
        assert sealed == Sealed(sealed_to_bytes(sealed))
        assert _reference_open(key, sealed_to_bytes(sealed), place, tenant) == text
        written = _reference_seal(key, text, place, tenant)
        for form in (written, Sealed(written)):
            opened = cipher.open(form, **kwargs)
            assert opened == text
            assert type(opened) is str
        assert cipher.open(sealed, **kwargs) == text
        with pytest.raises(DecryptionError):
            cipher.open(sealed, **{**kwargs, "record_id": record_id + "x"})


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except ValidationError as error:
        return "invalid", [(v.field, v.rule) for v in error.violations]
    except DecryptionError:
        return "does not open", None


class _Text(str):
    __slots__ = ()

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return b"not what the text says"


odd_ids = st.sampled_from(["", "\ud800", "c-\udfff-1", _Text("c-1"), b"c-1", 7, None, "é" * 300])
odd_values = st.sampled_from(["\ud800", "ok \udc80", _Text("text"), "", "花粉", 3.5, None])


@settings(max_examples=100)
@given(value=odd_values | st.text(), record_id=odd_ids | st.text(min_size=1))
def test_a_cipher_that_has_seen_the_place_behaves_as_a_fresh_one(
    value: Any,
    record_id: Any,
) -> None:
    ring = Keyring.generate()
    seen, fresh = FieldCipher(ring), FieldCipher(ring)
    seen.open(seen.seal("warm", record_id="c-0", **FIELD), record_id="c-0", **FIELD)
    (status, result), (fresh_status, fresh_result) = (
        _outcome(lambda c=c: c.seal(value, record_id=record_id, **FIELD)) for c in (seen, fresh)
    )
    assert status == fresh_status
    if status == "ok":
        # Each opens what either sealed, to the value sealed.
        for sealed in (result, fresh_result):
            for cipher in (seen, fresh):
                assert cipher.open(sealed, record_id=record_id, **FIELD) == value
    else:
        assert result == fresh_result
    # A value opened for an odd place: both refuse it the same way.
    good = seen.seal("x", record_id="c-0", **FIELD)
    assert _outcome(lambda: seen.open(good, record_id=record_id, **FIELD)) == _outcome(
        lambda: fresh.open(good, record_id=record_id, **FIELD)
    )


def test_private_text_never_reaches_the_errors_of_the_straight_run() -> None:
    cipher = FieldCipher(Keyring.generate())
    cipher.seal("warm", record_id="c-1", **FIELD)
    for value, record_id in (("青霉素 \ud800 private", "c-1"), ("青霉素", "c-\ud800 private")):
        with pytest.raises(ValidationError) as caught:
            cipher.seal(value, record_id=record_id, **FIELD)
        error: BaseException | None = caught.value
        while error is not None:
            assert "private" not in str(error)
            assert error.__context__ is None or error.__suppress_context__
            error = error.__context__


# The use counter: an operation is a single seal, a batch of n, or a seal
# refused before anything is sealed (a bad value: never counted).
operations = st.lists(
    st.one_of(
        st.just(("seal", 1)),
        st.just(("seal", 1)),
        st.tuples(st.just("batch"), st.integers(0, 8) | st.integers(0, 150)),
        st.just(("bad", 1)),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    ops=operations,
    warn_at=st.integers(1, 600) | st.integers(1, 30),
    extra=st.integers(0, 300),
    loaded=st.integers(0, 400),
)
def test_the_use_counter_is_an_exact_integer(
    ops: list[tuple[str, int]], warn_at: int, extra: int, loaded: int
) -> None:
    limit = warn_at + extra
    key = KeyVersion(1, bytes(range(32)), KeyStatus.PRIMARY, loaded)
    ring = Keyring([key], warn_at=warn_at, limit=limit)
    cipher = FieldCipher(ring)
    count, warned = loaded, False  # the model: a plain integer, and a flag
    for number, (kind, size) in enumerate(ops):
        taken = size if kind == "batch" else 0 if kind == "bad" else 1
        refused = taken > 0 and count + taken > limit
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if kind == "seal":
                    cipher.seal(f"v{number}", record_id=f"c-{number}", **FIELD)
                elif kind == "batch":
                    ids = [f"c-{number}-{i}" for i in range(size)]
                    cipher.seal_many(["v"] * size, record_ids=ids, **FIELD)
                else:
                    with pytest.raises(ValidationError):
                        cipher.seal(object(), record_id="c-1", **FIELD)
            except KeyringError:
                assert refused
            else:
                assert not refused
                count += taken
        usage_warnings = [w for w in caught if issubclass(w.category, KeyUsageWarning)]
        if not refused and taken and count >= warn_at and not warned:
            warned = True
            assert len(usage_warnings) == 1
            assert f"has sealed {count} values" in str(usage_warnings[0].message)
        else:
            assert usage_warnings == []
        assert ring.usage(1) == count
    assert ring.keys[0].uses == count


def test_uses_counted_ahead_are_never_reported() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    for n in range(1, 300):
        cipher.seal("x", record_id=f"c-{n}", **FIELD)
        assert ring.usage(1) == n
    cipher.seal_many(["x"] * 7, record_ids=[f"b-{i}" for i in range(7)], **FIELD)
    assert ring.usage(1) == ring.keys[0].uses == 306
    # A rotation keeps the old key's count, ahead or not, and starts the new one at 0.
    new = ring.rotate().key_id
    assert ring.usage(1) == 306
    assert ring.usage(new) == 0
    cipher.seal("x", record_id="c-1", **FIELD)
    assert (ring.usage(1), ring.usage(new)) == (306, 1)


@pytest.mark.parametrize("batch", [False, True])
def test_threads_seal_exactly_up_to_the_limit(batch: bool) -> None:
    limit = 1500
    ring = Keyring.generate(warn_at=1000, limit=limit)
    cipher = FieldCipher(ring)
    done: list[list[tuple[str, Sealed]]] = [[] for _ in range(4)]
    refused = [0] * 4
    start = threading.Barrier(4)

    def work(number: int) -> None:
        start.wait()
        for round_ in range(600):
            ids = [f"{number}-{round_}-{i}" for i in range(3 if batch and round_ % 2 else 1)]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", KeyUsageWarning)
                    if len(ids) == 1:
                        done[number].append(
                            (ids[0], cipher.seal(ids[0], record_id=ids[0], **FIELD))
                        )
                    else:
                        sealed = cipher.seal_many(ids, record_ids=ids, **FIELD)
                        done[number].extend(zip(ids, sealed, strict=True))
            except KeyringError:
                refused[number] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [pair for out in done for pair in out]
    assert ring.usage(1) == len(every)
    # A batch of 3 may not fit the last uses, but a single seal takes them.
    assert len(every) == limit
    assert sum(refused) > 0
    for record_id, sealed in every:
        assert cipher.open(sealed, record_id=record_id, **FIELD) == record_id


# Record ids from a small pool, so that ids of one length meet under one
# place and under others: ASCII and not, 255 and 256 UTF-8 bytes (the last
# length whose place ends are kept, and the first whose are not).
pool_ids = st.sampled_from(["c-1", "c-2", "c-10", "é-1", "客-1", "x" * 255, "y" * 255, "z" * 256])
pool_types = st.sampled_from(["customer", "staff", "客户"])
pool_fields = st.sampled_from(["health", "allergies", "备注"])


@settings(max_examples=150)
@given(
    calls=st.lists(
        st.tuples(pool_types, pool_ids, pool_fields, st.text(max_size=20), st.booleans()),
        min_size=1,
        max_size=25,
    ),
    tenant=tenants,
)
def test_the_place_ends_kept_per_id_length_give_the_documented_associated_data(
    calls: list[tuple[str, str, str, str, bool]], tenant: str | None
) -> None:
    key = KeyVersion.generate(3)
    cipher = FieldCipher(Keyring([key]), tenant=tenant)
    for record_type, record_id, field, text, by_reference in calls:
        place = (record_type, record_id, field)
        kwargs = {"record_type": record_type, "record_id": record_id, "field": field}
        if by_reference:  # opened first: `open` keeps the ends as well
            assert cipher.open(_reference_seal(key, text, place, tenant), **kwargs) == text
        sealed = sealed_to_bytes(cipher.seal(text, **kwargs))
        assert _reference_open(key, sealed, place, tenant) == text
    # Every kept end joins into the associated data built from scratch, and
    # only ids of 1 to 255 bytes, of places whose parts are kept, have one.
    cache = cipher._aad
    for record_type, fields in cache.ends.items():
        for field, by_length in fields.items():
            assert field in cache.parts[record_type]
            for size, ends in by_length.items():
                assert 0 < size < 256
                raw = bytes(size)
                expected = _aad(record_type, "\0" * size, field, tenant)
                assert raw.join(ends) == expected


def test_each_seal_draws_its_own_nonce_from_the_operating_system(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[bytes] = []

    def draw(size: int) -> bytes:
        drawn.append(os.urandom(size))
        return drawn[-1]

    monkeypatch.setattr(_seal, "_random", draw)
    cipher = FieldCipher(Keyring.generate())
    sealed = [cipher.seal("花粉", record_id=f"c-{i}", **FIELD) for i in range(3)]
    sealed += [cipher.seal(["a"], record_id="c-9", **FIELD)]
    sealed += cipher.seal_many(["x", "y"], record_ids=["c-1", "c-2"], **FIELD)
    sealed += cipher.seal_many(["x", b"y"], record_ids=["c-1", "c-2"], **FIELD)
    assert [len(n) for n in drawn] == [12] * len(sealed)
    assert [sealed_to_bytes(s)[5:17] for s in sealed] == drawn


def test_the_nonce_source_is_getrandom_where_it_works_else_urandom(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(size: int) -> bytes:
        raise OSError(38, "Function not implemented")

    def short(size: int) -> bytes:
        return bytes(size - 1)

    def whole(size: int) -> bytes:
        return bytes(size)

    for getrandom, expected in ((refused, os.urandom), (short, os.urandom)):
        monkeypatch.setattr(os, "getrandom", getrandom, raising=False)
        assert _seal._nonce_source() is expected
    monkeypatch.setattr(os, "getrandom", whole, raising=False)
    assert _seal._nonce_source() is whole
    monkeypatch.delattr(os, "getrandom", raising=False)
    assert _seal._nonce_source() is os.urandom


@pytest.mark.parametrize("budget", [4096, 10])
def test_the_place_ends_kept_stay_within_their_budget_and_ids_of_any_length_seal(
    budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_format, "_MAX_ENDS", budget)
    key = KeyVersion.generate(4)
    cipher = FieldCipher(Keyring([key]))
    ids = ["c" * size for size in (*range(1, 40), 255, 256, 1000)]
    fields = ("health", "allergies")
    for _ in range(2):  # the second round takes the straight run where it can
        for record_id in ids:
            for field in fields:
                place = ("customer", record_id, field)
                kwargs = {"record_type": "customer", "record_id": record_id, "field": field}
                sealed = sealed_to_bytes(cipher.seal("花粉", **kwargs))
                assert _reference_open(key, sealed, place, None) == "花粉"
                written = _reference_seal(key, "青霉素", place, None)
                assert cipher.open(written, **kwargs) == "青霉素"
    kept = cipher._aad.ends["customer"]
    if budget == 10:
        assert sorted(kept["health"]) == [1, 2, 3, 4, 5]
        assert sorted(kept["allergies"]) == [1, 2, 3, 4, 5]
    else:
        for field in fields:
            assert sorted(kept[field]) == [*range(1, 40), 255]
    assert cipher._aad.kept == sum(map(len, kept.values()))


def test_threads_keeping_place_ends_at_once_count_every_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_format, "_MAX_ENDS", 50)
    key = KeyVersion.generate(6)
    cipher = FieldCipher(Keyring([key]))
    failures: list[str] = []

    def work(field: str) -> None:
        for size in range(1, 60):
            record_id = "é" * size  # 2 bytes a character: lengths 2 to 118
            place = ("customer", record_id, field)
            sealed = cipher.seal("x", record_type="customer", record_id=record_id, field=field)
            try:
                opened = _reference_open(key, sealed_to_bytes(sealed), place, None)
            except Exception:  # noqa: BLE001 - reported by the main thread
                opened = None
            if opened != "x":
                failures.append(record_id)

    threads = [threading.Thread(target=work, args=(f,)) for f in ("a", "b", "a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    kept = cipher._aad.ends["customer"]
    assert cipher._aad.kept == sum(map(len, kept.values())) == 50
