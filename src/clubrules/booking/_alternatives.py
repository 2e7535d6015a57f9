"""Alternatives: the nearest free slots around a requested time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from clubrules._time import from_epoch_us, require_aware, to_epoch_us
from clubrules.booking._model import us
from clubrules.errors import ValidationError

if TYPE_CHECKING:
    from clubrules.booking._check import BookingRequest, BookingRules
    from clubrules.booking._schedule import Schedule

__all__ = ["Slot", "find_alternatives"]


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


def find_alternatives(
    rules: BookingRules,
    request: BookingRequest,
    schedule: Schedule,
    *,
    now: datetime,
    limit: int = 3,
    window: timedelta = timedelta(days=1),
    step: timedelta = timedelta(minutes=15),
) -> list[Slot]:
    """The nearest free slots before and after the requested start.

    Candidate starts are the requested start plus or minus whole `step`s,
    within `window` on each side, tried nearest first (on a tie, the
    earlier one). Each candidate must pass every rule of a full check
    (hours, shifts, notice, horizon, conflicts, capacity). The resources the
    customer chose are tried first; when they are not free, any member of
    the roles' pools is allowed, and the slot says `same_resources=False`.
    When the customer chose resources, the requested time itself with other
    resources is the first candidate.

    Args:
        rules: The club's rules.
        request: The refused request.
        schedule: The existing bookings.
        now: The current instant.
        limit: At most this many slots.
        window: How far to search on each side.
        step: The spacing of candidate starts.

    Returns:
        Up to `limit` slots, nearest first.

    Raises:
        ValidationError: a non-positive `step` or `limit`, a negative
            `window`, or a request the catalog cannot serve.
    """
    if step <= timedelta(0) or limit < 1 or window < timedelta(0):
        raise ValidationError(
            "step and limit must be positive and window not negative",
            field="step",
            rule="invalid_search",
        )
    plan = rules._validate(request)  # noqa: SLF001 - the package's own rules
    now_us = to_epoch_us(require_aware(now, "now"))
    origin = to_epoch_us(request.start)
    step_us, reach = us(step), us(window) // us(step)
    pins = request.pinned
    zone = request.start.tzinfo
    schedules = (schedule,)
    found: list[Slot] = []
    # The requested time itself comes first, with other resources (when some were chosen).
    offsets = [0] if pins else []
    for k in range(1, reach + 1):
        offsets += (-k * step_us, k * step_us)
    for offset in offsets:
        start_us = origin + offset
        slot = None
        for same, chosen in ((True, pins), (False, {})):
            if same and not offset:
                continue
            if not same and not pins:
                break
            reasons, assignment, _ = rules._evaluate(  # noqa: SLF001
                plan,
                start_us,
                request.headcount,
                chosen,
                schedules,
                now_us=now_us,
                exclude=None,
                full=False,
            )
            if not reasons:
                start = from_epoch_us(start_us, zone or UTC)
                slot = Slot(
                    start=start,
                    end=from_epoch_us(start_us + plan.duration_us, zone or UTC),
                    assignment=tuple(assignment),
                    same_resources=same,
                    offset=timedelta(microseconds=offset),
                )
                break
        if slot is not None:
            found.append(slot)
            if len(found) == limit:
                return found
    return found
