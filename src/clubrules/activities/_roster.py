"""Sign-ups, the waitlist, cancellations and attendance: the roster of one activity."""

from __future__ import annotations

import enum

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable  # noqa: TC003
from datetime import datetime  # noqa: TC003

import attrs

from clubrules._checks import (
    check_count,
    check_enum,
    check_instant_field,
    require_flag,
    require_instance,
    require_items,
    require_str,
    texts_checked,
)
from clubrules._checks import raise_collected as _raise
from clubrules._time import instants_compared, require_aware, to_epoch_us
from clubrules.activities._model import Activity
from clubrules.errors import (
    ActivityFullError,
    IllegalTransitionError,
    NotFoundError,
    ValidationError,
    ViolationCollector,
)

__all__ = ["SEAT_STATUSES", "Roster", "SignUp", "SignUpStatus"]


class SignUpStatus(enum.Enum):
    """Where a customer's sign-up for an activity stands."""

    CONFIRMED = "confirmed"
    """Holds a seat."""
    WAITLISTED = "waitlisted"
    """Waits for a seat; promoted in sign-up order when one frees up."""
    CANCELLED = "cancelled"
    """Cancelled before the start; holds nothing."""
    ATTENDED = "attended"
    """Came (holds the seat it had)."""
    NO_SHOW = "no_show"
    """Did not come (holds the seat it had: nobody else could use it)."""


SEAT_STATUSES = frozenset({SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW})
"""The statuses that hold a seat: never more of them than the activity's capacity."""

_ACTIONS: dict[SignUpStatus, frozenset[str]] = {
    SignUpStatus.CONFIRMED: frozenset({"cancel", "record_attendance"}),
    SignUpStatus.WAITLISTED: frozenset({"cancel"}),
    SignUpStatus.CANCELLED: frozenset({"sign_up"}),
    SignUpStatus.ATTENDED: frozenset({"record_attendance"}),
    SignUpStatus.NO_SHOW: frozenset({"record_attendance"}),
}


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class SignUp:
    """One customer's place on an activity's roster: the participation record.

    Attributes:
        activity_id: The activity.
        customer_id: The customer.
        status: A [SignUpStatus][clubrules.activities.SignUpStatus].
        position: The order of the (latest) sign-up within the activity,
            from 1; the waitlist is served by it, first come first served.
        signed_up_at: When the customer (last) signed up (aware).
        updated_at: When the status last changed (aware).
    """

    activity_id: str
    customer_id: str
    status: SignUpStatus
    position: int
    signed_up_at: datetime
    updated_at: datetime

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "activity_id", "customer_id")
        check_enum(problems, "status", self.status, SignUpStatus)
        check_count(problems, "position", self.position, minimum=1)
        check_instant_field(problems, self, "signed_up_at")
        check_instant_field(problems, self, "updated_at")
        _raise(problems)

    @property
    def holds_seat(self) -> bool:
        """Whether this sign-up holds one of the activity's seats."""
        return self.status in SEAT_STATUSES


def _entries(value: Iterable[SignUp]) -> tuple[SignUp, ...]:
    return require_items(value, SignUp, "entries")


@attrs.frozen
class Roster:
    """The sign-ups of one activity, and the rules that change them.

    Each method returns the sign-ups it changes (the customer's own first,
    then any customer promoted from the waitlist); an empty list means
    nothing changed. [apply][clubrules.activities.Roster.apply] gives the
    roster with the changes in it. Storage adapters run these same rules
    inside one transaction, so that two sign-ups for the last seat never
    both win.

    The rules:

    - A sign-up before the start takes a seat while seats are free, else a
      place at the end of the waitlist while it has room (`waitlist_limit`),
      else raises `ActivityFullError`. Signing up again while signed up
      changes nothing; after a cancellation it joins at the end.
    - Cancelling before the start frees the seat, and the first waitlisted
      customer (lowest `position`; of equal positions, the earliest
      `signed_up_at`, then the smallest customer id) takes it.
    - From the start on, a seat holder is marked attended or no-show (and
      may be corrected); a waitlisted or cancelled customer cannot be.

    Attributes:
        activity: The activity.
        entries: Its sign-ups, one per customer.

    Raises:
        ValidationError: an entry of another activity, or two of one customer.
    """

    activity: Activity
    entries: tuple[SignUp, ...] = attrs.field(default=(), converter=_entries)

    def __attrs_post_init__(self) -> None:
        require_instance(self.activity, Activity, "activity")
        problems = ViolationCollector()
        ids = [e.customer_id for e in self.entries]
        if len(set(ids)) != len(ids):
            problems.add("entries", "duplicate_customer", "one entry per customer")
        if any(e.activity_id != self.activity.id for e in self.entries):
            problems.add("entries", "other_activity", "every entry must be of this activity")
        problems.raise_if_any()

    def entry(self, customer_id: str) -> SignUp | None:
        """The customer's sign-up, or None.

        Raises:
            ValidationError: `customer_id` is not a string (rule `not_a_string`).
        """
        require_str(customer_id, "customer_id")
        for e in self.entries:
            if e.customer_id == customer_id:
                return e
        return None

    @property
    def seats_taken(self) -> int:
        """How many sign-ups hold a seat."""
        return sum(e.status in SEAT_STATUSES for e in self.entries)

    @property
    def waitlist(self) -> list[SignUp]:
        """The waitlisted sign-ups, first served first.

        By `position`; entries of equal position (a roster put together by
        hand) by `signed_up_at`, then customer id, whatever their order in
        `entries`.
        """
        return sorted(
            (e for e in self.entries if e.status is SignUpStatus.WAITLISTED),
            key=lambda e: (e.position, to_epoch_us(e.signed_up_at), e.customer_id),
        )

    def _refuse(self, entry: SignUp, action: str, reason: str) -> IllegalTransitionError:
        return IllegalTransitionError(
            entry.status.value, action, _ACTIONS[entry.status], reason=reason
        )

    def _before_start(self, at: datetime, action: str) -> None:
        if to_epoch_us(require_aware(at, "at")) >= to_epoch_us(self.activity.start):
            raise ValidationError(
                f"cannot {action} once the activity has started", field="at", rule="started"
            )

    def sign_up(self, customer_id: str, *, at: datetime) -> list[SignUp]:
        """Sign a customer up: a seat if one is free, else the waitlist.

        Raises:
            ValidationError: `at` is at or after the start (rule `started`),
                or a blank customer id.
            ActivityFullError: no seat, and the waitlist is full or not kept.
        """
        self._before_start(at, "sign up")
        held = self.entry(customer_id)
        if held is not None and held.status is not SignUpStatus.CANCELLED:
            return []
        position = max((e.position for e in self.entries), default=0) + 1
        if self.seats_taken < self.activity.capacity and not self.waitlist:
            status = SignUpStatus.CONFIRMED
        else:
            limit = self.activity.waitlist_limit
            if limit is not None and len(self.waitlist) >= limit:
                raise ActivityFullError(self.activity.id, self.activity.capacity, limit)
            status = SignUpStatus.WAITLISTED
        return [
            SignUp(
                activity_id=self.activity.id,
                customer_id=customer_id,
                status=status,
                position=position,
                signed_up_at=at,
                updated_at=at,
            )
        ]

    def _held(self, customer_id: str) -> SignUp:
        held = self.entry(customer_id)
        if held is None:
            raise NotFoundError("sign-up", f"{self.activity.id}/{customer_id}")
        return held

    def cancel(self, customer_id: str, *, at: datetime) -> list[SignUp]:
        """Cancel a customer's sign-up; a freed seat goes to the first on the waitlist.

        Raises:
            NotFoundError: the customer never signed up.
            ValidationError: `at` is at or after the start (rule `started`);
                `customer_id` is not a string (`not_a_string`).
            IllegalTransitionError: the customer was already marked attended
                or no-show.
        """
        held = self._held(customer_id)
        if held.status is SignUpStatus.CANCELLED:
            return []
        if held.status in {SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW}:
            raise self._refuse(held, "cancel", "attendance is already recorded")
        self._before_start(at, "cancel")
        changed = [attrs.evolve(held, status=SignUpStatus.CANCELLED, updated_at=at)]
        waiting = self.waitlist
        if held.status is SignUpStatus.CONFIRMED and waiting:
            changed.append(attrs.evolve(waiting[0], status=SignUpStatus.CONFIRMED, updated_at=at))
        return changed

    def record_attendance(self, customer_id: str, *, attended: bool, at: datetime) -> list[SignUp]:
        """Mark a seat holder attended (or a no-show), from the activity's start on.

        Raises:
            NotFoundError: the customer never signed up.
            ValidationError: `at` is before the start (rule `not_started`);
                `attended` is not True or False (`not_a_bool`); `customer_id`
                is not a string (`not_a_string`).
            IllegalTransitionError: the customer holds no seat (waitlisted
                or cancelled).
        """
        held = self._held(customer_id)
        require_flag(attended, "attended")
        if to_epoch_us(require_aware(at, "at")) < to_epoch_us(self.activity.start):
            raise ValidationError(
                "attendance is recorded from the activity's start on",
                field="at",
                rule="not_started",
            )
        if held.status not in SEAT_STATUSES:
            raise self._refuse(held, "record_attendance", "only a seat holder can attend")
        status = SignUpStatus.ATTENDED if attended else SignUpStatus.NO_SHOW
        if held.status is status:
            return []
        return [attrs.evolve(held, status=status, updated_at=at)]

    def apply(self, changes: Iterable[SignUp]) -> Roster:
        """The roster with `changes` in place of the customers' entries (new ones at the end)."""
        changes = require_items(changes, SignUp, "changes")
        by_customer = {e.customer_id: e for e in self.entries}
        for change in changes:
            by_customer[change.customer_id] = change
        return Roster(self.activity, tuple(by_customer.values()))
