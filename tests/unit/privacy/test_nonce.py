from __future__ import annotations

import os
import sys
import threading

import pytest

from clubrules.privacy import _nonce
from clubrules.privacy._nonce import random_nonce


def test_nonces_are_twelve_bytes_and_never_repeat_across_pool_refills() -> None:
    nonces = [random_nonce() for _ in range(5 * _nonce._COUNT)]
    assert {len(n) for n in nonces} == {12}
    assert len(set(nonces)) == len(nonces)


def test_threads_never_share_a_nonce() -> None:
    found: list[list[bytes]] = [[] for _ in range(4)]

    def draw(out: list[bytes]) -> None:
        out.extend(random_nonce() for _ in range(3000))

    threads = [threading.Thread(target=draw, args=(out,)) for out in found]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [n for out in found for n in out]
    assert len(set(every)) == len(every) == 12000


@pytest.mark.skipif(sys.platform == "win32", reason="needs os.fork")
def test_a_forked_child_does_not_reuse_the_parents_pool() -> None:
    random_nonce()  # the pool is partly used
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read)
        os.write(write, b"".join(random_nonce() for _ in range(8)))
        os._exit(0)
    os.close(write)
    child = b""
    while chunk := os.read(read, 4096):
        child += chunk
    os.close(read)
    os.waitpid(pid, 0)
    parent = b"".join(random_nonce() for _ in range(8))
    child_nonces = {child[i : i + 12] for i in range(0, len(child), 12)}
    parent_nonces = {parent[i : i + 12] for i in range(0, len(parent), 12)}
    assert len(child_nonces) == 8
    assert not child_nonces & parent_nonces
