"""Tools for testing code built on clubrules: clocks, strategies and contract suites.

- `ManualClock` is a clock that moves only when told to.
- `LoopThread` runs an event loop in a thread of its own and drives async
  code (an async repository) from blocking code.
- `clubrules.testing.strategies` holds hypothesis strategies for the
  value types (needs the `testing` extra).
- `clubrules.testing.contracts` holds the contract suites that every
  repository implementation must pass (needs the `testing` extra).
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.testing._clock import ManualClock
from clubrules.testing._loop import LoopThread

__all__ = ["LoopThread", "ManualClock"]

publish(__name__)
