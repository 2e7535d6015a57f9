"""Shared timing helpers and the result row of every benchmark suite."""

from __future__ import annotations

import gc
import statistics
import time
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable


@attrs.frozen
class Row:
    """One timed case: clubrules against its anchor at the same size `n`."""

    suite: str
    case: str
    n: int
    clubrules_s: float
    anchor: str
    anchor_s: float | None
    note: str = ""

    @property
    def speedup(self) -> float | None:
        """How many times faster clubrules is than the anchor (None without an anchor)."""
        if self.anchor_s is None or self.clubrules_s <= 0:
            return None
        return self.anchor_s / self.clubrules_s

    def as_json(self) -> dict[str, Any]:
        """The row as the JSON object that `--json` writes."""
        return {
            "suite": self.suite,
            "case": self.case,
            "n": self.n,
            "clubrules_s": self.clubrules_s,
            "anchor": self.anchor,
            "anchor_s": self.anchor_s,
            "speedup": self.speedup,
            "note": self.note,
        }


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The best wall time of `repeat` calls of `fn`, in seconds, with GC paused."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times)


def median_per_call(fn: Callable[[], object], calls: int, repeat: int = 5) -> float:
    """The median over `repeat` runs of the mean time of one call, in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def best_of_pair(
    fn: Callable[[], object], anchor: Callable[[], object], repeat: int = 15
) -> tuple[float, float]:
    """The best wall times of `fn` and `anchor`, timed in alternating rounds, with GC paused.

    For short calls whose time the machine's load moves from second to
    second (a round trip to a server process): alternating the two, and
    which goes first, in many short rounds lets both meet the same quiet
    moments, which two back-to-back `best_of` blocks do not.
    """
    best = [float("inf"), float("inf")]
    for i in range(repeat):
        order = ((0, fn), (1, anchor)) if i % 2 == 0 else ((1, anchor), (0, fn))
        for slot, call in order:
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                call()
                best[slot] = min(best[slot], time.perf_counter() - start)
            finally:
                gc.enable()
    return best[0], best[1]
