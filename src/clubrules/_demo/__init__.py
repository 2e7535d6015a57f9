"""The end-to-end story that `clubrules demo` tells.

Each chapter is a module in this package with a `run(story)` function. The
demo wires everything explicitly: no global registry, no environment lookup.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Story", "run_demo"]


class Story:
    """Prints the demo's chapters, sections and lines to a text stream."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def chapter(self, title: str) -> None:
        """Start a chapter."""
        self._out.write(f"\n== {title} ==\n")

    def line(self, text: str = "") -> None:
        """Print one line of the story."""
        self._out.write(f"  {text}\n" if text else "\n")


def _chapters() -> list[Callable[[Story], None]]:
    # Chapters are imported here so that `clubrules --help` stays fast.
    from clubrules._demo import (  # noqa: PLC0415 - lazy, see above
        _booking,
        _calendar,
        _care,
        _complaints,
        _customers,
        _privacy,
        _staff,
        _tiering,
    )

    return [
        _customers.run,
        _calendar.run,
        _booking.run,
        _complaints.run,
        _tiering.run,
        _care.run,
        _staff.run,
        _privacy.run,
    ]


def run_demo(out: TextIO | None = None) -> None:
    """Run every chapter of the demo, printing to `out` (standard output by default)."""
    story = Story(out if out is not None else sys.stdout)
    story.line("clubrules demo: one day at a salon, rule by rule.")
    for chapter in _chapters():
        chapter(story)
    story.line()
    story.line("Done.")
