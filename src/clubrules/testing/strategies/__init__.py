"""Hypothesis strategies for the value types of every area.

Needs the `testing` extra (hypothesis).
"""

from __future__ import annotations

# One import line per area, kept sorted by module name.

__all__: list[str] = []
