"""clubrules: the management rules that salons, spas, gyms and leisure clubs run on.

The top-level package holds only what every area shares: the version, the
error tree and the clock. Each area is a package of its own:
`clubrules.calendar`, `clubrules.customers`, and the area packages
built on them.
"""

from __future__ import annotations

from clubrules._version import __version__
from clubrules.clock import Clock, SystemClock
from clubrules.errors import (
    ClubRulesError,
    ClubRulesWarning,
    ConflictError,
    NotFoundError,
    ValidationError,
    Violation,
)
from clubrules.money import Money

__all__ = [
    "Clock",
    "ClubRulesError",
    "ClubRulesWarning",
    "ConflictError",
    "Money",
    "NotFoundError",
    "SystemClock",
    "ValidationError",
    "Violation",
    "__version__",
]
