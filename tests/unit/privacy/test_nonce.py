"""Every seal draws a fresh 96-bit nonce from the operating system."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from clubrules.privacy import FieldCipher, Keyring, sealed_to_bytes

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "notes"}


def _nonce(cipher: FieldCipher) -> bytes:
    return sealed_to_bytes(cipher.seal("x", **PLACE))[5:17]


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(Keyring.generate())


def test_nonces_are_twelve_bytes_and_never_repeat(cipher: FieldCipher) -> None:
    nonces = [_nonce(cipher) for _ in range(2560)]
    assert {len(n) for n in nonces} == {12}
    assert len(set(nonces)) == len(nonces)


def test_threads_never_share_a_nonce(cipher: FieldCipher) -> None:
    found: list[list[bytes]] = [[] for _ in range(4)]

    def draw(out: list[bytes]) -> None:
        out.extend(_nonce(cipher) for _ in range(3000))

    threads = [threading.Thread(target=draw, args=(out,)) for out in found]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [n for out in found for n in out]
    assert len(set(every)) == len(every) == 12000


@pytest.mark.skipif(sys.platform == "win32", reason="needs os.fork")
def test_a_forked_child_does_not_repeat_the_parents_nonces(cipher: FieldCipher) -> None:
    _nonce(cipher)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read)
        os.write(write, b"".join(_nonce(cipher) for _ in range(8)))
        os._exit(0)
    os.close(write)
    child = b""
    while chunk := os.read(read, 4096):
        child += chunk
    os.close(read)
    os.waitpid(pid, 0)
    parent = b"".join(_nonce(cipher) for _ in range(8))
    child_nonces = {child[i : i + 12] for i in range(0, len(child), 12)}
    parent_nonces = {parent[i : i + 12] for i in range(0, len(parent), 12)}
    assert len(child_nonces) == 8
    assert not child_nonces & parent_nonces
