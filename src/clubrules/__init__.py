"""clubrules: the management rules that salons, spas, gyms and leisure clubs run on.

The top-level package holds only what every area shares: the version, the
error tree and the clock. Each area is a package of its own:
`clubrules.calendar`, `clubrules.customers`, and the area packages
built on them.
"""

from __future__ import annotations

import logging

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

# A library stays quiet until the application configures logging: the
# per-area loggers (`clubrules.storage`, `clubrules.privacy`) are children of
# this one, and their records reach no handler of the library's own.
logging.getLogger("clubrules").addHandler(logging.NullHandler())
