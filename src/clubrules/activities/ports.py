"""The storage port of the activities area: `ClubActivityRepository`.

Implement it over your own storage and prove the implementation with
`clubrules.testing.contracts.ClubActivityRepositoryContract`. The in-memory
adapter `clubrules.storage.memory.InMemoryClubActivityRepository` is the
reference. (It is not `tiering.ports.ActivityRepository`, which summarises
customers' visits.)
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - resolved at runtime by get_type_hints
from typing import Protocol

from clubrules.activities._invitations import Invitation  # noqa: TC001 - as above
from clubrules.activities._model import Activity  # noqa: TC001 - as above
from clubrules.activities._roster import SignUp  # noqa: TC001 - as above

__all__ = ["ClubActivityRepository"]


class ClubActivityRepository(Protocol):
    """Activities, their invitations and their rosters.

    Every method is required, and each is atomic on its own.

    **Activities** are stored once and never changed: `add` is idempotent
    by id (the same activity again returns False; another one under a taken
    id raises `DuplicateError`).

    **Invitations** are one per activity and customer: the first stored wins.

    **Rosters** change only through `sign_up`, `cancel` and
    `record_attendance`, which apply the rules of
    [Roster][clubrules.activities.Roster] to the stored roster and write
    the result in one step. Concurrent calls on one activity are
    serialised: two sign-ups racing for the last seat never both get it,
    the seats held never exceed the capacity, and the waitlist is served
    in sign-up order. (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a row lock on
    the activity, `SELECT ... FOR UPDATE`.)
    """

    def add(self, activity: Activity) -> bool:
        """Store an activity; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another activity is stored under this id.
        """
        ...

    def get(self, activity_id: str) -> Activity:
        """The activity with this id.

        Raises:
            NotFoundError: no activity has this id.
        """
        ...

    def invite(self, invitation: Invitation) -> bool:
        """Record an invitation; False (and nothing stored) if the customer was invited.

        Raises:
            NotFoundError: the activity is not stored.
        """
        ...

    def invitations(self, activity_id: str) -> list[Invitation]:
        """The activity's invitations, by customer id."""
        ...

    def sign_up(self, activity_id: str, customer_id: str, *, at: datetime) -> SignUp:
        """Sign a customer up (a seat, else the waitlist); the customer's sign-up.

        Signing up again while signed up returns the stored sign-up unchanged.

        Raises:
            NotFoundError: the activity is not stored.
            ActivityFullError: no seat, and the waitlist is full or not kept.
            ValidationError: `at` is at or after the start.
        """
        ...

    def cancel(self, activity_id: str, customer_id: str, *, at: datetime) -> list[SignUp]:
        """Cancel a sign-up; the sign-ups changed (the customer's, then any promoted).

        Raises:
            NotFoundError: the activity is not stored, or the customer never signed up.
            ValidationError: `at` is at or after the start.
            IllegalTransitionError: attendance is already recorded.
        """
        ...

    def record_attendance(
        self, activity_id: str, customer_id: str, *, attended: bool, at: datetime
    ) -> SignUp:
        """Mark a seat holder attended or a no-show; the customer's sign-up.

        Raises:
            NotFoundError: the activity is not stored, or the customer never signed up.
            ValidationError: `at` is before the start.
            IllegalTransitionError: the customer holds no seat.
        """
        ...

    def roster(self, activity_id: str) -> list[SignUp]:
        """The activity's sign-ups, by position (empty for an unknown activity)."""
        ...

    def participation(self, customer_id: str) -> list[SignUp]:
        """The customer's sign-ups for every activity, by sign-up time then activity id."""
        ...
