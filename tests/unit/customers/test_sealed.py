"""`Sealed`: opaque ciphertext, shown only by its length."""

from __future__ import annotations

import pickle

import pytest

from clubrules.customers import Sealed
from clubrules.errors import ValidationError


def test_repr_and_str_show_only_the_length() -> None:
    sealed = Sealed(b"\x01not-really-plaintext")
    assert repr(sealed) == "Sealed(<21 bytes>)"
    assert str(sealed) == repr(sealed)
    assert "plaintext" not in f"{sealed} {[sealed]}"
    assert len(sealed) == 21


def test_mutable_buffers_are_copied_into_bytes() -> None:
    buffer = bytearray(b"abc")
    sealed = Sealed(buffer)
    buffer[0] = 0
    assert sealed.ciphertext == b"abc"
    assert Sealed(memoryview(b"abc")) == sealed


def test_equality_and_hash_follow_the_bytes() -> None:
    assert Sealed(b"abc") == Sealed(b"abc")
    assert Sealed(b"abc") != Sealed(b"abd")
    assert len({Sealed(b"abc"), Sealed(b"abc")}) == 1


@pytest.mark.parametrize("value", ["对青霉素过敏", ["penicillin"], None, 5])
def test_non_bytes_are_refused_without_echo(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Sealed(value)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("ciphertext", "not_ciphertext")
    assert "青霉素" not in str(caught.value)
    assert "penicillin" not in str(caught.value)


def test_empty_ciphertext_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Sealed(b"")
    assert caught.value.rule == "empty_ciphertext"


def test_sealed_values_pickle() -> None:
    sealed = Sealed(b"\x00\xff" * 20)
    assert pickle.loads(pickle.dumps(sealed)) == sealed  # noqa: S301 - our own data
