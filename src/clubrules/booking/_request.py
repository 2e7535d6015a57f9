"""What is asked of the booking checks and what they answer: requests, reasons, results."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import datetime  # noqa: TC003 - resolved at runtime by get_type_hints
from typing import cast

import attrs

from clubrules._checks import check_count, check_instant_field, raise_collected
from clubrules._time import instants_compared
from clubrules.booking._model import Occupancy, _check_id
from clubrules.errors import ViolationCollector
from clubrules.words import catalogue, message, placeholders

__all__ = ["BookingRequest", "CheckResult", "Reason", "ReasonCode"]


class ReasonCode(enum.Enum):
    """Why a request fails."""

    CONFLICT = "conflict"
    """A resource is busy with another booking (named in the reason)."""
    OVER_CAPACITY = "over_capacity"
    """The units in use would exceed a resource's capacity (peak and when in the reason)."""
    CLOSED = "closed"
    """The customer's time is not within the club's opening hours."""
    OFF_SHIFT = "off_shift"
    """A staff member is not on shift for their whole busy time (buffers included)."""
    SHORT_NOTICE = "short_notice"
    """Too late to book: the start is sooner than the minimum notice allows."""
    TOO_FAR_AHEAD = "too_far_ahead"
    """The start is beyond the booking horizon."""
    NO_FREE_MEMBER = "no_free_member"
    """Every member of a pool is already taken by another role of the same request."""


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class Reason:
    """One reason a request fails.

    Attributes:
        code: A [ReasonCode][clubrules.booking.ReasonCode].
        message: A sentence for the desk; never holds customer data. It is
            written in the locale in force when the check ran (see
            [clubrules.words.use_locale][clubrules.words.use_locale];
            English by default), with durations in words ("2 hours");
            [describe][clubrules.booking.Reason.describe] renders it again
            in another language.
        role: The service role concerned, if any.
        resource: The resource concerned, if any.
        booking: The conflicting booking's id, for a conflict.
        bookings: The bookings present at the peak, for capacity.
        start: The start of the window concerned (UTC), if any; for short
            notice, the earliest start allowed (None when that falls past
            year 9999).
        end: The end of the window concerned (UTC, exclusive), if any.
        peak: The peak units in use (the request's included), for capacity.
        capacity: The resource's capacity, for capacity.
    """

    code: ReasonCode
    message: str
    role: str | None = None
    resource: str | None = None
    booking: str | None = None
    bookings: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    peak: int | None = None
    capacity: int | None = None
    _words: tuple[tuple[str, object], ...] = attrs.field(
        default=(), repr=False, eq=False, alias="words"
    )
    """Catalogue fields not kept as attributes (such as the minimum notice); internal."""

    def __str__(self) -> str:
        return self.message

    def describe(self, locale: str | None = None) -> str:
        """The reason as a sentence in `locale` (the locale in force by default).

            >>> from clubrules.booking import Reason, ReasonCode
            >>> r = Reason(code=ReasonCode.CONFLICT, message="...", resource="li", booking="bk-1")
            >>> r.describe("zh")
            'li 已被预约 bk-1 占用'

        A reason built by hand without the catalogue's fields (a short-notice
        reason without its notice, say) keeps its own `message`.

        Raises:
            ValidationError: an unknown locale (rule `unknown_locale`).
        """
        fields: dict[str, object] = {
            "resource": self.resource,
            "booking": self.booking,
            "role": self.role,
            "peak": self.peak,
            "capacity": self.capacity,
            **dict(self._words),
        }
        key = f"booking.{self.code.value}"
        template = catalogue(locale).get(key)
        if template is None or any(fields.get(name) is None for name in placeholders(template)):
            return self.message
        return message(key, locale=locale, **fields)


_PINS_SHAPE = 'must map roles to resource ids, such as {"beautician": "chen"}'


def _to_pins(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The chosen resources as sorted `(role, resource)` pairs; other shapes left for the check."""
    raw: object = value
    if isinstance(raw, str):
        return cast("tuple[tuple[str, str], ...]", raw)  # refused by the check, not split
    items = value.items() if hasattr(value, "items") else value
    try:
        pairs = tuple(tuple(p) if isinstance(p, list | tuple) else p for p in items)
    except TypeError:
        return cast("tuple[tuple[str, str], ...]", raw)  # not iterable: refused by the check
    try:
        return tuple(sorted(pairs))
    except TypeError:
        return pairs  # unorderable items are not (str, str) pairs: refused by the check


def _check_pins(problems: ViolationCollector, value: object) -> None:
    if not isinstance(value, tuple) or not all(
        isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value
    ):
        problems.add("resources", "not_role_pairs", f'{_PINS_SHAPE} or [("beautician", "chen")]')
        return
    roles = [role for role, _ in value]
    if len(set(roles)) != len(roles):
        problems.add("resources", "duplicate_role", "names one role twice")


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class BookingRequest:
    """What the customer asks for: a service, a start and a headcount.

    Attributes:
        service: The service id.
        start: The start of the customer's time (aware).
        headcount: How many people (at least 1).
        customer_id: Who asks, if known.
        resources: Chosen resources by role, such as `{"beautician": "li"}`
            (or `(role, resource)` pairs); roles not named are filled from
            their pool. Kept as sorted pairs.

    Raises:
        ValidationError: a naive start (`NaiveDatetimeError`), a headcount
            below 1, a blank service id, or `resources` that are not roles
            mapped to resource ids (rule `not_role_pairs`: a list of names
            such as `["chen"]` says nothing of the role) or that name a role
            twice (`duplicate_role`); a customer id that is not an id.
    """

    service: str
    start: datetime
    headcount: int = 1
    customer_id: str | None = None
    resources: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_to_pins)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        _check_id(problems, "service", self.service)
        check_instant_field(problems, self, "start")
        check_count(problems, "headcount", self.headcount, minimum=1, wording="integer")
        if self.customer_id is not None:
            _check_id(problems, "customer_id", self.customer_id)
        _check_pins(problems, self.resources)
        raise_collected(problems)

    @property
    def pinned(self) -> dict[str, str]:
        """The chosen resources, by role."""
        return dict(self.resources)


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class CheckResult:
    """The outcome of checking a request.

    Attributes:
        request: The request checked.
        start: The start of the customer's time.
        end: The end of the customer's time.
        reasons: Every reason the request fails; empty when it passes.
        assignment: The resource chosen for each role, as `(role, resource)`
            pairs (complete only when the request passes).
        occupancy: What the booking would occupy, buffers included.
    """

    request: BookingRequest
    start: datetime
    end: datetime
    reasons: tuple[Reason, ...]
    assignment: tuple[tuple[str, str], ...]
    occupancy: tuple[Occupancy, ...]

    @property
    def ok(self) -> bool:
        """Whether the request can be booked."""
        return not self.reasons

    def __bool__(self) -> bool:
        return not self.reasons

    @property
    def codes(self) -> tuple[ReasonCode, ...]:
        """The distinct reason codes, in order of first appearance."""
        return tuple(dict.fromkeys(r.code for r in self.reasons))

    @property
    def resources(self) -> dict[str, str]:
        """The resource chosen for each role."""
        return dict(self.assignment)
