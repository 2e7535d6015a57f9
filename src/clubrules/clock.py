"""Where rules get "now" from: the `Clock` protocol and `SystemClock`.

No rule in clubrules reads the wall clock by itself. Rules take `now` or
`as_of` explicitly, or a `Clock`; tests use
`clubrules.testing.ManualClock`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """Return the current instant as a timezone-aware datetime."""
        ...


class SystemClock:
    """The real clock: the operating system's time, in UTC."""

    __slots__ = ()

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"
