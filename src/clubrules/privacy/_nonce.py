"""Random 96-bit nonces, drawn from `os.urandom` in batches.

One `os.urandom` call per nonce costs about half as much as the AES-GCM
encryption of a short field. So the process draws 4 KiB at a time and hands
out 12-byte slices of it, each exactly once:

- a slice's index comes from `itertools.count`, whose `next` is atomic, so
  two threads never get the same slice;
- an exhausted pool is replaced by a new one with fresh random bytes (if
  two threads race to replace it, the loser's pool is simply never used);
- a forked child starts with a fresh pool (`os.register_at_fork`), so a
  child never hands out the parent's remaining slices.
"""

from __future__ import annotations

import itertools
import os
from typing import Final

__all__: list[str] = []

NONCE_SIZE: Final = 12
_COUNT: Final = 512  # nonces per pool: 6 KiB of random bytes


class _Pool:
    __slots__ = ("buf", "counter")

    def __init__(self) -> None:
        self.buf = os.urandom(NONCE_SIZE * _COUNT)
        self.counter = itertools.count()


_pool = _Pool()


def _renew() -> None:
    global _pool  # noqa: PLW0603 - one process-wide pool, replaced whole
    _pool = _Pool()


os.register_at_fork(after_in_child=_renew)


def random_nonce() -> bytes:
    """A fresh random 12-byte nonce, never handed out before in this process."""
    pool = _pool
    i = next(pool.counter)
    if i < _COUNT:
        start = i * NONCE_SIZE
        return pool.buf[start : start + NONCE_SIZE]
    _renew()
    return os.urandom(NONCE_SIZE)
