"""Invitations: care tasks for the audience, only where marketing consent allows."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Container, Iterable
from datetime import date, datetime, time, timedelta
from typing import Final

import attrs

from clubrules._checks import (
    answering_for,
    check_count,
    check_instant_field,
    check_text,
    raise_collected,
    require_instance,
    require_int,
    require_items,
    require_port,
    require_str,
    texts_checked,
)
from clubrules._time import instants_compared, local_time, require_aware, to_epoch_us
from clubrules.activities._model import Activity, Candidate
from clubrules.care import BusinessDays, CareKind, CareTask
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.privacy import ConsentRecord, Purpose

__all__ = [
    "INVITATION_PURPOSE",
    "Invitation",
    "InvitationPlan",
    "Skipped",
    "marketing_consent",
    "plan_invitations",
]

INVITATION_PURPOSE: Final = Purpose.MARKETING
"""The consent purpose an invitation needs: `Purpose.MARKETING` (`"marketing"`).

An invitation to an activity promotes the club, so PIPL treats it as
marketing: it goes only to a customer whose consent for this purpose is
active and covers the contact field it is sent through (`"phone"`,
`"wechat"`, `"email"`).
"""

_SEARCH_DAYS = 31


def marketing_consent(
    records: Iterable[ConsentRecord], *, customer_id: str, channel: str, at: datetime
) -> ConsentRecord | None:
    """The customer's consent that allows an invitation through `channel` at `at`, or None.

    Only records of `customer_id` count; a record counts when it is for
    [INVITATION_PURPOSE][clubrules.activities.INVITATION_PURPOSE], covers
    `channel` and is active at `at` (given, not expired, not withdrawn).
    When several count, the one given last is returned (of records given at
    the same instant, the smallest id), whatever the order of `records`.
    """
    records = require_items(records, ConsentRecord, "records")
    require_str(channel, "channel")
    require_aware(at, "at")
    return _latest(
        r
        for r in records
        if r.customer_id == customer_id and r.covers(channel, INVITATION_PURPOSE, at)
    )


def _latest(records: Iterable[ConsentRecord]) -> ConsentRecord | None:
    """The record given last, the smallest id among those given at that instant; None for none."""
    return min(records, key=lambda r: (-to_epoch_us(r.given_at), r.id), default=None)


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class Invitation:
    """An invitation sent (or due) to one customer, with the consent that allowed it.

    Attributes:
        activity_id: The activity.
        customer_id: The customer.
        at: When it goes out: its care task's due instant (aware).
        channel: The contact field it goes through, such as `"phone"`.
        consent_id: The marketing consent record that allowed it (the evidence).
    """

    activity_id: str
    customer_id: str
    at: datetime
    channel: str
    consent_id: str

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "activity_id", "customer_id", "channel", "consent_id")
        check_instant_field(problems, self, "at")
        raise_collected(problems)


@attrs.frozen
class Skipped:
    """A customer of the audience who gets no invitation, and why.

    Attributes:
        customer_id: The customer.
        reason: `"no_marketing_consent"` (no active consent for marketing
            through the channel) or `"already_invited"`.
    """

    customer_id: str
    reason: str


@attrs.frozen(kw_only=True)
class InvitationPlan:
    """The invitations of one activity, as care tasks for staff.

    Attributes:
        activity_id: The activity.
        tasks: One [CareTask][clubrules.care.CareTask] of kind `INVITATION`
            per invitation, for the care task store and `assign_tasks`.
        invitations: The invitations, to record in the activity store.
        skipped: The customers of the audience left out, and why.
    """

    activity_id: str
    tasks: tuple[CareTask, ...]
    invitations: tuple[Invitation, ...]
    skipped: tuple[Skipped, ...]


def _opening_on(calendar: BusinessDays, day: date, as_of: datetime) -> datetime | None:
    """The first opening on the business `day`, not before `as_of`; None if there is none.

    Raises:
        ValidationError: the calendar cannot answer about `day` (beyond its
            years: a `BusinessCalendar` answers for local years 2-9997),
            naming `activity`, whose date the days searched come from, with
            the calendar's rule.
    """
    zone = calendar.zone
    with answering_for(
        "activity", "is on a day the calendar cannot answer about, to plan invitations"
    ):
        if not calendar.is_business_day(day):
            return None
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        at = calendar.next_opening(max(midnight, as_of, key=to_epoch_us))
    return at if local_time(at, zone, "calendar").date() == day else None


def _send_time(
    activity: Activity, calendar: BusinessDays, as_of: datetime, lead_days: int
) -> tuple[date, datetime]:
    """The business day and opening when invitations go out: `lead_days` before, not before now."""
    zone = calendar.zone
    today = local_time(as_of, zone, "as_of").date()
    event_day = local_time(activity.start, zone, "activity").date()
    # max(event_day - lead_days, today), without leaving the years a date holds.
    gap = (event_day - today).days
    day = today if lead_days >= gap else event_day - timedelta(days=lead_days)
    start_us = to_epoch_us(activity.start)
    for _ in range(_SEARCH_DAYS):
        if day > event_day:
            break
        found = _opening_on(calendar, day, as_of)
        if found is not None and to_epoch_us(found) < start_us:
            return day, found
        if day >= event_day:  # the event's day is the last; date.max has no next day
            break
        day += timedelta(days=1)
    raise ValidationError(
        "no business time is left to invite before the activity starts",
        field="as_of",
        rule="too_late",
    )


def plan_invitations(
    activity: Activity,
    candidates: Iterable[Candidate],
    consents: Iterable[ConsentRecord],
    *,
    as_of: datetime,
    calendar: BusinessDays,
    lead_days: int = 7,
    channel: str = "phone",
    invited: Container[str] = (),
) -> InvitationPlan:
    """Plan an activity's invitations as care tasks, respecting marketing consent (PIPL).

    The audience is the candidates that `activity.audience` admits. Each of
    them is invited only with a consent for
    [INVITATION_PURPOSE][clubrules.activities.INVITATION_PURPOSE] that
    covers `channel` and is active both now (`as_of`) and when the
    invitation goes out; everyone else is listed in `skipped`, never
    invited. The invitation cites the consent given last of those (of
    consents given at the same instant, the smallest id), whatever the
    order of `consents`. Invitations go out at the opening of the business day
    `lead_days` before the activity (or the first one after it, never
    before `as_of`, always before the start).

    Args:
        activity: The activity.
        candidates: The customers to consider (see `audience_candidates`).
        consents: Consent records, of any customers.
        as_of: When the plan is made (aware).
        calendar: The club's business calendar (a `BusinessCalendar`).
        lead_days: How many days before the activity invitations go out.
        channel: The contact field invitations go through.
        invited: Customers already invited (from the activity store): skipped.

    Returns:
        The plan: tasks and invitations ordered by customer id.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: a negative `lead_days`, a blank `channel`, no
            business time left before the start (rule `too_late`), or an
            activity on days the calendar cannot answer about (a
            `BusinessCalendar` answers for local years 2-9997; field
            `activity`, the calendar's rule such as `beyond_horizon`).
    """
    require_instance(activity, Activity, "activity")
    candidates = require_items(candidates, Candidate, "candidates")
    consents = require_items(consents, ConsentRecord, "consents")
    require_port(calendar, "BusinessDays", ("is_business_day", "next_opening"), "calendar")
    require_int(lead_days, "lead_days")
    require_aware(as_of, "as_of")
    if isinstance(invited, str | bytes) or not isinstance(invited, Container):
        raise ValidationError("must be a set of customer ids", field="invited", rule="not_a_set")
    problems = ViolationCollector()
    check_count(problems, "lead_days", lead_days, minimum=0, bounded=False)  # never stored
    check_text(problems, "channel", channel)
    raise_collected(problems)
    due, send_at = _send_time(activity, calendar, as_of, lead_days)
    by_customer: dict[str, list[ConsentRecord]] = {}
    for record in consents:
        by_customer.setdefault(record.customer_id, []).append(record)
    when = local_time(activity.start, calendar.zone, "activity").strftime("%Y-%m-%d %H:%M")
    tasks: list[CareTask] = []
    invitations: list[Invitation] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for candidate in sorted(activity.audience.select(candidates), key=lambda c: c.customer_id):
        cid = candidate.customer_id
        if cid in seen:
            continue
        seen.add(cid)
        if cid in invited:
            skipped.append(Skipped(cid, "already_invited"))
            continue
        consent = _latest(
            r
            for r in by_customer.get(cid, ())
            if r.covers(channel, INVITATION_PURPOSE, as_of) and r.is_active(send_at)
        )
        if consent is None:
            skipped.append(Skipped(cid, "no_marketing_consent"))
            continue
        tasks.append(
            CareTask(
                customer_id=cid,
                kind=CareKind.INVITATION,
                due=due,
                at=send_at,
                rule=f"activity:{activity.id}",
                note=f"invite to {activity.name} ({when}) by {channel}",
            )
        )
        invitations.append(
            Invitation(
                activity_id=activity.id,
                customer_id=cid,
                at=send_at,
                channel=channel,
                consent_id=consent.id,
            )
        )
    return InvitationPlan(
        activity_id=activity.id,
        tasks=tuple(tasks),
        invitations=tuple(invitations),
        skipped=tuple(skipped),
    )
