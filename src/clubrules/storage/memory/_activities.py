"""In-memory adapter of the activities port: activities, invitations and rosters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules._checks import require_str
from clubrules._time import to_epoch_us
from clubrules.activities import Activity, Invitation, Roster
from clubrules.errors import NotFoundError
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._store import Table, TenantSiblings

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.activities import SignUp

__all__ = ["InMemoryClubActivityRepository"]


@keys_checked("ClubActivityRepository")
class InMemoryClubActivityRepository(TenantSiblings):
    """Activities, invitations and rosters in dicts behind one lock; thread-safe.

    Implements [ClubActivityRepository][clubrules.activities.ports.ClubActivityRepository].
    Each roster change reads the roster, applies the `Roster` rules and
    writes the changes under the lock, so racing sign-ups are serialised.
    """

    def __init__(self) -> None:
        self._table: Table[str, Activity] = Table("activity")
        self._lock = self._table.lock
        self._activities = self._table.rows
        self._invitations: dict[tuple[str, str], Invitation] = {}
        self._rosters: dict[str, dict[str, SignUp]] = {}

    def add(self, activity: Activity) -> bool:
        """Store an activity; False if stored as is, `DuplicateError` if the id is taken."""
        return self._table.add_once(activity.id, activity)

    def _activity(self, activity_id: str) -> Activity:
        try:
            return self._activities[activity_id]
        except KeyError:
            raise NotFoundError("activity", activity_id) from None

    def get(self, activity_id: str) -> Activity:
        """The activity with this id; `NotFoundError` if there is none."""
        require_str(activity_id, "activity_id")
        with self._lock:
            return self._activity(activity_id)

    def invite(self, invitation: Invitation) -> bool:
        """Record an invitation; False if the customer was already invited."""
        key = (invitation.activity_id, invitation.customer_id)
        with self._lock:
            self._activity(invitation.activity_id)
            if key in self._invitations:
                return False
            self._invitations[key] = invitation
            return True

    def invitations(self, activity_id: str) -> list[Invitation]:
        """The activity's invitations, by customer id."""
        with self._lock:
            chosen = [i for (a, _c), i in self._invitations.items() if a == activity_id]
        return sorted(chosen, key=lambda i: i.customer_id)

    def _change(
        self, activity_id: str, act: str, customer_id: str, **options: object
    ) -> list[SignUp]:
        """Apply one `Roster` rule to the stored roster; store and return the changes (locked)."""
        activity = self._activity(activity_id)
        entries = self._rosters.setdefault(activity_id, {})
        roster = Roster(activity, tuple(entries.values()))
        changes: list[SignUp] = getattr(roster, act)(customer_id, **options)
        for change in changes:
            entries[change.customer_id] = change
        return changes

    def sign_up(self, activity_id: str, customer_id: str, *, at: datetime) -> SignUp:
        """Sign a customer up (a seat, else the waitlist); the customer's sign-up."""
        require_str(activity_id, "activity_id")
        with self._lock:
            self._change(activity_id, "sign_up", customer_id, at=at)
            return self._rosters[activity_id][customer_id]

    def cancel(self, activity_id: str, customer_id: str, *, at: datetime) -> list[SignUp]:
        """Cancel a sign-up; the sign-ups changed (the customer's, then any promoted)."""
        require_str(activity_id, "activity_id")
        with self._lock:
            return self._change(activity_id, "cancel", customer_id, at=at)

    def record_attendance(
        self, activity_id: str, customer_id: str, *, attended: bool, at: datetime
    ) -> SignUp:
        """Mark a seat holder attended or a no-show; the customer's sign-up."""
        require_str(activity_id, "activity_id")
        with self._lock:
            self._change(activity_id, "record_attendance", customer_id, attended=attended, at=at)
            return self._rosters[activity_id][customer_id]

    def roster(self, activity_id: str) -> list[SignUp]:
        """The activity's sign-ups, by position."""
        require_str(activity_id, "activity_id")
        with self._lock:
            entries = list(self._rosters.get(activity_id, {}).values())
        return sorted(entries, key=lambda s: s.position)

    def participation(self, customer_id: str) -> list[SignUp]:
        """The customer's sign-ups, by sign-up time then activity id."""
        with self._lock:
            chosen = [
                e
                for roster in self._rosters.values()
                for e in roster.values()
                if e.customer_id == customer_id
            ]
        return sorted(chosen, key=lambda s: (to_epoch_us(s.signed_up_at), s.activity_id))

    def __repr__(self) -> str:
        return f"InMemoryClubActivityRepository({len(self._activities)} activities)"
