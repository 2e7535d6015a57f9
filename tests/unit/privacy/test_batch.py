"""`FieldCipher.seal_many` and `open_many`: one field over many records, whole or not at all."""

from __future__ import annotations

import pickle
import threading
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.customers import Sealed
from clubrules.errors import DecryptionError, KeyringError, KeyUsageWarning, ValidationError
from clubrules.privacy import (
    FieldCipher,
    Keyring,
    KeyVersion,
    sealed_from_bytes,
    sealed_to_bytes,
    sealed_to_text,
)
from tests.unit.privacy.test_format import _forge, _slow_open, archive_values

FIELD = {"record_type": "customer", "field": "allergies"}
PRIVATE = "青霉素过敏 and more private text"


def _batch(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> tuple[list[Any], list[str]]:
    items = draw(st.lists(values, max_size=8))
    ids = draw(st.lists(st.text(min_size=1), min_size=len(items), max_size=len(items)))
    return items, ids


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[Any], list[str]]:
    return _batch(draw, archive_values)


@st.composite
def text_batches(draw: st.DrawFn) -> tuple[list[Any], list[str]]:
    return _batch(draw, st.text())


@settings(max_examples=120)
@given(batch=st.one_of(batches(), text_batches()))
def test_seal_many_opens_as_seal_would(batch: tuple[list[Any], list[str]]) -> None:
    values, ids = batch
    key = KeyVersion.generate(3)
    cipher = FieldCipher(Keyring([key]))
    sealed = cipher.seal_many(values, record_ids=ids, **FIELD)
    assert len(sealed) == len(values)
    assert all(type(s) is Sealed for s in sealed)
    for value, record_id, one in zip(values, ids, sealed, strict=True):
        single = cipher.seal(value, record_id=record_id, **FIELD)
        expected = cipher.open(single, record_id=record_id, **FIELD)
        # The batch's values open one at a time, and through a reader of the
        # documented format written independently of the library.
        assert cipher.open(one, record_id=record_id, **FIELD) == expected
        place = (FIELD["record_type"], record_id, FIELD["field"])
        assert _slow_open(key.material, sealed_to_bytes(one), *place) == expected
    # Every value got its own nonce.
    assert len({sealed_to_bytes(s)[5:17] for s in sealed}) == len(sealed)


@settings(max_examples=120)
@given(batch=st.one_of(batches(), text_batches()))
def test_open_many_gives_back_what_seal_many_sealed(batch: tuple[list[Any], list[str]]) -> None:
    values, ids = batch
    cipher = FieldCipher(Keyring.generate())
    sealed = cipher.seal_many(values, record_ids=ids, **FIELD)
    opened = cipher.open_many(sealed, record_ids=ids, **FIELD)
    expected = [list(v) if isinstance(v, tuple) else v for v in values]
    assert opened == expected
    assert [type(v) for v in opened] == [type(v) for v in expected]
    # Binary and text forms open too, and so do values sealed one at a time.
    assert cipher.open_many([sealed_to_text(s) for s in sealed], record_ids=ids, **FIELD) == (
        expected
    )
    singles = [cipher.seal(v, record_id=i, **FIELD) for v, i in zip(values, ids, strict=True)]
    assert cipher.open_many(singles, record_ids=iter(ids), **FIELD) == expected


def test_a_batch_accepts_any_iterables_and_counts_each_value_once() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    sealed = cipher.seal_many(
        (f"value {i}" for i in range(5)), record_ids=(f"c-{i}" for i in range(5)), **FIELD
    )
    assert ring.usage(1) == 5
    assert cipher.open_many(iter(sealed), record_ids=[f"c-{i}" for i in range(5)], **FIELD) == [
        f"value {i}" for i in range(5)
    ]
    assert cipher.seal_many([], record_ids=[], **FIELD) == []
    assert cipher.open_many([], record_ids=[], **FIELD) == []
    assert ring.usage(1) == 5


def test_a_mixed_batch_keeps_every_type() -> None:
    cipher = FieldCipher(Keyring.generate())
    values: list[object] = ["花粉", b"\x00\xff", ["pollen", "青霉素"], {"level": 2}, ("a",)]
    ids = [f"c-{i}" for i in range(len(values))]
    opened = cipher.open_many(
        cipher.seal_many(values, record_ids=ids, **FIELD), record_ids=ids, **FIELD
    )
    assert opened == ["花粉", b"\x00\xff", ["pollen", "青霉素"], {"level": 2}, ["a"]]


def test_values_built_by_a_batch_behave_like_any_sealed_value() -> None:
    cipher = FieldCipher(Keyring.generate())
    (one,) = cipher.seal_many(["x"], record_ids=["c-1"], **FIELD)
    copy = Sealed(sealed_to_bytes(one))
    assert one == copy
    assert hash(one) == hash(copy)
    assert repr(one) == repr(copy) == f"Sealed(<{len(copy)} bytes>)"
    assert pickle.loads(pickle.dumps(one)) == one  # noqa: S301 - our own bytes
    assert sealed_from_bytes(sealed_to_bytes(one)) == one


@pytest.mark.parametrize(
    ("values", "ids", "field", "rule"),
    [
        (["a", "b"], ["c-1"], "record_ids", "length_mismatch"),
        (["a", 7, "c"], ["c-1", "c-2", "c-3"], "values[1]", "unsupported_value"),
        (["a", "b", ["x", 1]], ["c-1", "c-2", "c-3"], "values[2]", "unsupported_value"),
        (["a", {"x": float("nan")}], ["c-1", "c-2"], "values[1]", "unsupported_value"),
        (["a", "b"], ["c-1", ""], "record_ids[1]", "non_empty_string"),
        (["a", "b"], [7, "c-2"], "record_ids[0]", "non_empty_string"),
        (["a", "b"], ["c-1", "c-\ud800"], "record_ids[1]", "invalid_text"),
    ],
)
def test_a_bad_batch_is_refused_whole_with_the_position_named(
    values: list[object], ids: list[Any], field: str, rule: str
) -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    with pytest.raises(ValidationError) as caught:
        cipher.seal_many(values, record_ids=ids, **FIELD)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert ring.usage(1) == 0


@pytest.mark.parametrize("bad", [{"record_type": ""}, {"field": ""}, {"field": 3}])
def test_a_bad_place_is_refused_by_both(bad: dict[str, Any]) -> None:
    cipher = FieldCipher(Keyring.generate())
    with pytest.raises(ValidationError):
        cipher.seal_many(["a"], record_ids=["c-1"], **{**FIELD, **bad})
    with pytest.raises(DecryptionError):
        cipher.open_many(
            [cipher.seal("a", record_id="c-1", **FIELD)], record_ids=["c-1"], **{**FIELD, **bad}
        )


def test_private_text_never_reaches_a_batch_error() -> None:
    cipher = FieldCipher(Keyring.generate())
    for values in (
        ["ok", PRIVATE + "\ud800"],
        [["ok", PRIVATE + "\udfff"]],
        [{PRIVATE + "\ud800": "k"}],
    ):
        ids = [f"c-{i}" for i in range(len(values))]
        with pytest.raises(ValidationError) as caught:
            cipher.seal_many(values, record_ids=ids, **FIELD)
        assert caught.value.__context__ is None
        assert caught.value.__cause__ is None
        assert PRIVATE not in str(caught.value)


def _forged_text(cipher: FieldCipher, record_id: str) -> Sealed:
    """A value sealed under the cipher's key whose text tag holds invalid UTF-8."""
    key = next(k for k in cipher.keyring.keys if k.key_id == cipher.keyring.primary_id)
    return sealed_from_bytes(_forge(key, b"t" + PRIVATE.encode() + b"\xff", record_id=record_id))


def test_open_many_opens_all_or_raises_one_opaque_error() -> None:
    cipher = FieldCipher(Keyring.generate())
    ids = ["c-1", "c-2", "c-3"]
    sealed = cipher.seal_many([PRIVATE, "b", ["c"]], record_ids=ids, **FIELD)
    tampered = bytearray(sealed_to_bytes(sealed[2]))
    tampered[-1] ^= 1
    failing: list[tuple[list[Any], list[Any]]] = [
        ([*sealed[:2], Sealed(bytes(tampered))], ids),  # tampered
        (sealed, ["c-1", "c-3", "c-2"]),  # moved to other records
        (sealed, ["c-1", "c-2", ""]),  # an empty record id
        (sealed, ["c-1", 2, "c-3"]),  # not a string
        (sealed, ["c-1", "c-2", "c-\ud800"]),  # never sealable
        ([*sealed[:2], b"\x01short"], ids),  # truncated
        ([*sealed[:2], "cr:AAAA"], ids),  # a malformed text form
        ([*sealed[:2], 42], ids),  # not a sealed value
        ([*sealed[:2], _forged_text(cipher, "c-3")], ids),  # authentic, but not text
    ]
    for values, record_ids in failing:
        with pytest.raises(DecryptionError) as caught:
            cipher.open_many(values, record_ids=record_ids, **FIELD)
        assert str(caught.value) == "decryption failed"
        seen: BaseException | None = caught.value
        while seen is not None:
            assert PRIVATE not in repr(seen.args)
            assert PRIVATE.encode() not in repr(getattr(seen, "object", b"")).encode()
            seen = seen.__cause__ or seen.__context__
    with pytest.raises(ValidationError) as mismatch:
        cipher.open_many(sealed, record_ids=ids[:2], **FIELD)
    assert mismatch.value.rule == "length_mismatch"


def test_another_keyring_opens_nothing_of_a_batch() -> None:
    ids = ["c-1", "c-2"]
    sealed = FieldCipher(Keyring.generate()).seal_many(["a", "b"], record_ids=ids, **FIELD)
    with pytest.raises(DecryptionError):
        FieldCipher(Keyring.generate()).open_many(sealed, record_ids=ids, **FIELD)


def test_a_batch_past_the_limit_is_refused_whole_and_not_counted() -> None:
    ring = Keyring.generate(warn_at=4, limit=6)
    cipher = FieldCipher(ring)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cipher.seal_many(["a", "b", "c"], record_ids=["1", "2", "3"], **FIELD)
    assert ring.usage(1) == 3
    with pytest.raises(KeyringError, match="safe limit"):
        cipher.seal_many(["d", "e", "f", "g"], record_ids=["4", "5", "6", "7"], **FIELD)
    assert ring.usage(1) == 3
    with pytest.warns(KeyUsageWarning, match="key 1 has sealed 5 values"):
        cipher.seal_many(["d", "e"], record_ids=["4", "5"], **FIELD)
    assert ring.usage(1) == 5
    cipher.seal("f", record_id="6", **FIELD)
    with pytest.raises(KeyringError, match="safe limit"):
        cipher.seal_many(["g"], record_ids=["7"], **FIELD)
    assert ring.usage(1) == ring.keys[0].uses == 6


def test_threads_sealing_one_at_a_time_and_in_batches_are_all_counted() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    nonces: list[list[bytes]] = [[] for _ in range(4)]

    def work(number: int, out: list[bytes]) -> None:
        for round_ in range(200):
            if number % 2:
                batch = cipher.seal_many(
                    ["x"] * 5, record_ids=[f"{number}-{round_}-{i}" for i in range(5)], **FIELD
                )
                out.extend(sealed_to_bytes(s)[5:17] for s in batch)
            else:
                one = cipher.seal("x", record_id=f"{number}-{round_}", **FIELD)
                out.append(sealed_to_bytes(one)[5:17])

    threads = [threading.Thread(target=work, args=(n, out)) for n, out in enumerate(nonces)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [n for out in nonces for n in out]
    assert len(every) == 2 * 200 + 2 * 200 * 5
    assert len(set(every)) == len(every)
    assert ring.usage(1) == len(every)


def test_batches_longer_than_a_chunk_and_ids_longer_than_255_bytes() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    size = 4096 * 2 + 3  # more than one chunk of either batch path
    ids = [f"c-{i}" if i % 1000 else "长" * 100 + str(i) for i in range(size)]
    values: list[Any] = [f"花粉 {i}" for i in range(size)]
    sealed = cipher.seal_many(values, record_ids=ids, **FIELD)
    assert ring.usage(1) == size
    for i in (0, 1, 4095, 4096, 8191, size - 1):
        assert cipher.open(sealed[i], record_id=ids[i], **FIELD) == values[i]
    assert cipher.open_many(sealed, record_ids=ids, **FIELD) == values
    # A chunk of other types after a chunk of text, one at a time and in a batch.
    values[5000] = ["pollen"]
    mixed = cipher.seal_many(values, record_ids=ids, **FIELD)
    assert cipher.open(mixed[5000], record_id=ids[5000], **FIELD) == ["pollen"]
    assert cipher.open_many(mixed, record_ids=ids, **FIELD) == values
    # A failure in the last chunk: nothing of the earlier chunks comes back.
    with pytest.raises(DecryptionError):
        cipher.open_many(mixed, record_ids=[*ids[:-1], "c-other"], **FIELD)
    # A bad value in the last chunk: nothing sealed, nothing counted.
    before = ring.usage(1)
    with pytest.raises(ValidationError) as caught:
        cipher.seal_many([*values[:-1], "\ud800"], record_ids=ids, **FIELD)
    assert caught.value.field == f"values[{size - 1}]"
    assert ring.usage(1) == before


@pytest.mark.parametrize(
    ("values", "ids", "field"),
    [
        (None, ["c-1"], "values"),
        (7, ["c-1"], "values"),
        ("ab", ["c-1", "c-2"], "values"),
        ({"c-1": "a"}, ["c-1"], "values"),
        (["a", "b"], "ab", "record_ids"),
        (["a"], b"c", "record_ids"),
        (["a"], None, "record_ids"),
    ],
)
def test_batch_arguments_must_be_iterables_of_items(values: Any, ids: Any, field: str) -> None:
    cipher = FieldCipher(Keyring.generate())
    with pytest.raises(ValidationError) as caught:
        cipher.seal_many(values, record_ids=ids, **FIELD)
    assert (caught.value.field, caught.value.rule) == (field, "not_iterable")
    with pytest.raises(ValidationError) as caught:
        cipher.open_many(values, record_ids=ids, **FIELD)
    assert caught.value.field == ("sealed_values" if field == "values" else field)
    assert caught.value.rule == "not_iterable"


@pytest.mark.parametrize("bad", [{"record_type": ["x"]}, {"field": {}}, {"field": None}])
def test_a_place_of_the_wrong_type_is_refused_with_a_library_error(bad: dict[str, Any]) -> None:
    cipher = FieldCipher(Keyring.generate())
    sealed = cipher.seal("a", record_id="c-1", **FIELD)
    with pytest.raises(ValidationError):
        cipher.seal_many(["a"], record_ids=["c-1"], **{**FIELD, **bad})
    with pytest.raises(DecryptionError):
        cipher.open_many([sealed], record_ids=["c-1"], **{**FIELD, **bad})
