"""Alternatives: a free slot offered instead of a refused request."""

from __future__ import annotations

from datetime import datetime, timedelta  # noqa: TC003 - resolved at runtime by get_type_hints

import attrs

__all__ = ["Slot"]


@attrs.frozen(kw_only=True)
class Slot:
    """A free slot offered instead of the requested one.

    Attributes:
        start: The start of the customer's time (in the request's zone).
        end: The end of the customer's time.
        assignment: The resource for each role, as `(role, resource)` pairs.
        same_resources: Whether it keeps the resources the customer asked for.
        offset: How far it is from the requested start (negative: earlier).
    """

    start: datetime
    end: datetime
    assignment: tuple[tuple[str, str], ...]
    same_resources: bool
    offset: timedelta

    @property
    def resources(self) -> dict[str, str]:
        """The resource chosen for each role."""
        return dict(self.assignment)
