"""The activity: its kind, its audience, its seats and its time."""

from __future__ import annotations

import enum

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Callable, Iterable  # noqa: TC003
from datetime import datetime, tzinfo  # noqa: TC003
from operator import attrgetter
from typing import TypeVar

import attrs

from clubrules._checks import (
    check_count,
    check_instant_field,
    check_optional_text,
    check_tags,
    check_text,
    raise_collected,
    require_instance,
    require_items,
    require_zone,
    texts_checked,
    to_frozenset,
)
from clubrules._time import instants_compared, local_time, to_epoch_us
from clubrules.customers import Customer
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.tiering import RfmScore, TagClass, TierStatus

__all__ = [
    "Activity",
    "ActivityKind",
    "Audience",
    "Candidate",
    "audience_candidates",
]


class ActivityKind(enum.Enum):
    """The kinds of activity the club documents name; a club may use its own names too."""

    MEMBER = "member"
    """A member event (会員活動 / 会员活动): for members, often one tier or segment."""
    HOLIDAY = "holiday"
    """A holiday event (節日活動 / 节日活动): around a festival."""
    TRIAL = "trial"
    """A trial or experience event (體驗活動 / 体验活动): a service tried for free or cheaply."""


def _to_kind(value: object) -> object:
    """A known kind's value or name as the `ActivityKind`; a club's own name as it is."""
    if isinstance(value, ActivityKind):
        return value
    for member in ActivityKind:
        if value in (member.value, member.name):
            return member
    return value


def _check_kind(problems: ViolationCollector, value: object) -> None:
    if isinstance(value, ActivityKind):
        return
    check_text(problems, "kind", value)


@attrs.frozen(kw_only=True)
class Candidate:
    """What an audience rule looks at for one customer: tier, RFM segment and tags.

    Build them from the tiering results with
    [audience_candidates][clubrules.activities.audience_candidates].

    Attributes:
        customer_id: The customer's id.
        tier: The customer's tier name (`TierStatus.tier`), if known.
        segment: The customer's RFM segment (`RfmScore.segment`), if known.
        tags: The customer's preference and needs tags.
    """

    customer_id: str
    tier: str | None = None
    segment: str | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "customer_id", self.customer_id)
        check_optional_text(problems, "tier", self.tier)
        check_optional_text(problems, "segment", self.segment)
        check_tags(problems, "tags", self.tags)
        raise_collected(problems)


@attrs.frozen(kw_only=True)
class Audience:
    """Who an activity is for: tier, segment and tag rules from `clubrules.tiering`.

    Every rule given must hold (tiers AND segments AND tags); within a rule
    one match is enough (gold OR silver). An audience with no rule admits
    everyone, as a trial event open to all may.

    Attributes:
        tiers: Tier names (from a `TierProgram`), such as `{"gold"}`.
        segments: RFM segment names (from a `SegmentScheme`), such as `{"Champions"}`.
        tags: A [TagClass][clubrules.tiering.TagClass] the customer's tags must match.

    Examples:
        >>> gold = Audience(tiers={"gold"})
        >>> gold.admits(Candidate(customer_id="c-9", tier="gold"))
        True
        >>> gold.admits(Candidate(customer_id="c-2", tier="silver"))
        False
    """

    tiers: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    segments: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    tags: TagClass | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_tags(problems, "tiers", self.tiers)
        check_tags(problems, "segments", self.segments)
        tags: object = self.tags
        if tags is not None and not isinstance(tags, TagClass):
            problems.add("tags", "not_a_tag_class", "must be a TagClass or None")
        raise_collected(problems)

    def admits(self, candidate: Candidate) -> bool:
        """Whether the customer described by `candidate` belongs to this audience."""
        require_instance(candidate, Candidate, "candidate")
        if self.tiers and candidate.tier not in self.tiers:
            return False
        if self.segments and candidate.segment not in self.segments:
            return False
        return self.tags is None or self.tags.matches(candidate.tags)

    def select(self, candidates: Iterable[Candidate]) -> list[Candidate]:
        """The candidates this audience admits, in the order given."""
        candidates = require_items(candidates, Candidate, "candidates")
        return [c for c in candidates if self.admits(c)]


_R = TypeVar("_R")
_CUSTOMER_ID = attrgetter("customer_id")
_ID = attrgetter("id")


def _one_each(records: Iterable[_R], field: str, whose: Callable[[_R], str]) -> dict[str, _R]:
    """Each customer's record, by customer id; two different records of one customer refused."""
    found: dict[str, _R] = {}
    for record in records:
        held = found.setdefault(whose(record), record)
        if held is not record and held != record:
            raise ValidationError(
                "holds two different records of one customer",
                field=field,
                rule="duplicate_customer",
            )
    return found


def audience_candidates(
    *,
    statuses: Iterable[TierStatus] = (),
    scores: Iterable[RfmScore] = (),
    customers: Iterable[Customer] = (),
) -> list[Candidate]:
    """Candidates for an audience from tier statuses, RFM scores and customer profiles.

    Each customer found in any of the three gets one candidate: its tier
    from `statuses`, its segment from `scores` and its tags (preference and
    needs tags together) from `customers`; what is missing stays empty.

    A record given twice counts once; two different records of one customer
    in one of them are refused, since which one to read would depend on
    their order.

    Returns:
        The candidates, ordered by customer id.

    Raises:
        ValidationError: two different records of one customer in
            `statuses`, `scores` or `customers` (rule `duplicate_customer`,
            naming that argument).
    """
    statuses = require_items(statuses, TierStatus, "statuses")
    scores = require_items(scores, RfmScore, "scores")
    customers = require_items(customers, Customer, "customers")
    tiers = {cid: s.tier for cid, s in _one_each(statuses, "statuses", _CUSTOMER_ID).items()}
    segments = {cid: s.segment for cid, s in _one_each(scores, "scores", _CUSTOMER_ID).items()}
    tags = {cid: c.tags | c.needs for cid, c in _one_each(customers, "customers", _ID).items()}
    ids = sorted(set(tiers) | set(segments) | set(tags))
    return [
        Candidate(
            customer_id=cid,
            tier=tiers.get(cid),
            segment=segments.get(cid),
            tags=tags.get(cid, frozenset()),
        )
        for cid in ids
    ]


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class Activity:
    """A club activity: a member, holiday or trial event, or one of the club's own kinds.

    Make one with [schedule_activity][clubrules.activities.schedule_activity],
    which reserves its rooms and staff through the booking engine; the
    activity's time is then the booking's.

    Attributes:
        id: The integrator's identifier.
        name: What it is called, such as `"春季会员茶话会"`.
        kind: An [ActivityKind][clubrules.activities.ActivityKind], or the
            club's own kind as a non-blank name (`"workshop"`); a known
            kind's value (`"member"`) becomes the `ActivityKind`.
        start: When it starts (aware).
        end: When it ends (aware, after `start`).
        capacity: How many customers it seats (at least 1).
        audience: Who it is for.
        waitlist_limit: How many customers its waitlist holds once every
            seat is taken: None for no limit, 0 for no waitlist.
        booking_id: The booking that holds its rooms and staff, if any.

    Raises:
        ValidationError: every problem at once (blank names, a naive time,
            an end not after the start, a capacity below 1, a negative
            waitlist limit).
    """

    id: str
    name: str
    kind: ActivityKind | str = attrs.field(converter=_to_kind)
    start: datetime
    end: datetime
    capacity: int
    audience: Audience = Audience()
    waitlist_limit: int | None = None
    booking_id: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "name")
        _check_kind(problems, self.kind)
        ok = check_instant_field(problems, self, "start")
        ok = check_instant_field(problems, self, "end") and ok
        if ok and to_epoch_us(self.end) <= to_epoch_us(self.start):
            problems.add("end", "end_before_start", "must be after start")
        check_count(problems, "capacity", self.capacity, minimum=1)
        if self.waitlist_limit is not None:
            check_count(problems, "waitlist_limit", self.waitlist_limit, minimum=0)
        audience: object = self.audience
        if not isinstance(audience, Audience):
            problems.add("audience", "not_an_audience", "must be an Audience")
        if self.booking_id is not None:
            check_text(problems, "booking_id", self.booking_id)
        raise_collected(problems)

    @property
    def kind_name(self) -> str:
        """The kind as stored: an `ActivityKind`'s value, or the club's own name."""
        return self.kind.value if isinstance(self.kind, ActivityKind) else self.kind

    def local_day(self, zone: tzinfo) -> str:
        """The activity's start as a local date and time in `zone`, such as `2026-04-11 14:00`."""
        require_zone(zone, "zone")
        return local_time(self.start, zone, "start").strftime("%Y-%m-%d %H:%M")
