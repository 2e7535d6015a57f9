"""The activities adapter both SQL databases share: rows, statements and method bodies.

The SQLite and PostgreSQL activity repositories subclass it, naming their
database and `Dialect`. A roster change runs in one transaction of the
database (`BEGIN IMMEDIATE` in SQLite; in PostgreSQL the activity's row is
locked with `FOR UPDATE`): it reads the roster, applies the `Roster` rules
in Python, and writes the rows they changed. Every statement keeps to the
dialect's tenant: activity ids, invitations and sign-up positions are
unique within a tenant.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clubrules.activities import Activity, Audience, Invitation, Roster, SignUp, SignUpStatus
from clubrules.errors import NotFoundError
from clubrules.storage.sql import _layout as field
from clubrules.storage.sql._dialect import DB, SQLAdapter
from clubrules.storage.sql._layout import RowLayout
from clubrules.tiering import TagClass

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from clubrules.storage.sql._dialect import Connection

__all__ = ["SQLClubActivityRepository", "decode_audience", "encode_audience"]

_STATUS = {s.value: s for s in SignUpStatus}


def encode_audience(audience: Audience) -> str:
    """An audience as a JSON object: sorted tiers and segments, and the tag class or null."""
    tags = audience.tags
    return json.dumps(
        {
            "tiers": sorted(audience.tiers),
            "segments": sorted(audience.segments),
            "tags": None
            if tags is None
            else {"name": tags.name, "any_of": sorted(tags.any_of), "all_of": sorted(tags.all_of)},
        },
        ensure_ascii=False,
    )


def decode_audience(value: str) -> Audience:
    """A stored audience (JSON text) as an `Audience`."""
    data = json.loads(value)
    tags = data.get("tags")
    return Audience(
        tiers=data.get("tiers", ()),
        segments=data.get("segments", ()),
        tags=None
        if tags is None
        else TagClass(name=tags["name"], any_of=tags["any_of"], all_of=tags["all_of"]),
    )


_ACTIVITY = RowLayout(
    "activities",
    Activity,
    "id",
    "name",
    field.plain("kind", attr="kind_name"),
    field.instant("start", "starts_at"),
    field.instant("end", "ends_at"),
    "capacity",
    field.json("audience", encode_audience, decode_audience, as_text=True),
    "waitlist_limit",
    "booking_id",
)
_INVITATION = RowLayout(
    "activity_invitations",
    Invitation,
    "activity_id",
    "customer_id",
    field.instant("at"),
    "channel",
    "consent_id",
)
_SIGN_UP = RowLayout(
    "activity_sign_ups",
    SignUp,
    "activity_id",
    "customer_id",
    field.enum("status", _STATUS.__getitem__),
    "position",
    field.instant("signed_up_at"),
    field.instant("updated_at"),
)


class SQLClubActivityRepository(SQLAdapter[DB]):
    """The body of the SQL activity repositories; subclasses set `_dialect`."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        d = self._dialect
        self._activity = _ACTIVITY.bind(d)
        self._invitation = _INVITATION.bind(d)
        self._sign_up = _SIGN_UP.bind(d)
        self._select_activity = (
            f"SELECT {self._activity.reads} FROM {self._activity.table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND id = {d.param}"
        )
        self._select_roster = (
            f"SELECT {self._sign_up.reads} FROM {self._sign_up.table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND activity_id = {d.param} ORDER BY position"
        )

    def add(self, activity: Activity) -> bool:
        """Store an activity; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another activity is stored under this id.
        """
        return self._activity.add(self._db, activity, "activity")

    def _found(self, row: Sequence[Any] | None, activity_id: str) -> Activity:
        if row is None:
            raise NotFoundError("activity", activity_id)
        return self._activity.read(row)

    def _read_activity(self, conn: Connection, activity_id: str, *, lock: bool) -> Activity:
        row = conn.execute(
            f"{self._select_activity}{self._dialect.for_update if lock else ''}", (activity_id,)
        ).fetchone()
        return self._found(row, activity_id)

    def get(self, activity_id: str) -> Activity:
        """The activity with this id.

        Raises:
            NotFoundError: no activity has this id.
        """
        row = self._db._fetchone(self._select_activity, (activity_id,))  # noqa: SLF001
        return self._found(row, activity_id)

    def invite(self, invitation: Invitation) -> bool:
        """Record an invitation; False (and nothing stored) if the customer was invited.

        Raises:
            NotFoundError: the activity is not stored.
        """
        d = self._dialect
        invitations = self._invitation
        with self._db.connection() as conn:
            # Activities are never deleted: once found, it stays.
            self._read_activity(conn, invitation.activity_id, lock=False)
            cursor = conn.execute(
                f"INSERT INTO {invitations.table} (tenant, {invitations.columns})"  # noqa: S608
                f" VALUES ({d.tenant}, {invitations.values})"
                " ON CONFLICT (tenant, activity_id, customer_id) DO NOTHING",
                invitations.row(invitation),
            )
            return cursor.rowcount == 1

    def invitations(self, activity_id: str) -> list[Invitation]:
        """The activity's invitations, by customer id."""
        d = self._dialect
        invitations = self._invitation
        rows = self._db._fetchall(  # noqa: SLF001 - the databases' read helper
            f"SELECT {invitations.reads} FROM {invitations.table}"  # noqa: S608
            f" WHERE tenant = {d.tenant} AND activity_id = {d.param} ORDER BY customer_id",
            (activity_id,),
        )
        return [invitations.read(r) for r in rows]

    def _change(
        self, activity_id: str, action: str, customer_id: str, **options: object
    ) -> tuple[list[SignUp], SignUp | None]:
        """Apply one `Roster` rule in one transaction; the changes and the customer's sign-up."""
        d = self._dialect
        sign_ups = self._sign_up
        with self._db.transaction() as conn:
            activity = self._read_activity(conn, activity_id, lock=True)
            rows = conn.execute(self._select_roster, (activity_id,)).fetchall()
            roster = Roster(activity, tuple(sign_ups.read(r) for r in rows))
            changes: list[SignUp] = getattr(roster, action)(customer_id, **options)
            for change in changes:
                conn.execute(
                    f"INSERT INTO {sign_ups.table} (tenant, {sign_ups.columns})"  # noqa: S608
                    f" VALUES ({d.tenant}, {sign_ups.values})"
                    " ON CONFLICT (tenant, activity_id, customer_id) DO UPDATE"
                    " SET status = excluded.status, position = excluded.position,"
                    f" signed_up_at{d.us} = excluded.signed_up_at{d.us},"
                    " signed_up_at_tz = excluded.signed_up_at_tz,"
                    f" updated_at{d.us} = excluded.updated_at{d.us},"
                    " updated_at_tz = excluded.updated_at_tz",
                    sign_ups.row(change),
                )
            own = next((c for c in changes if c.customer_id == customer_id), None)
            return changes, own if own is not None else roster.entry(customer_id)

    def sign_up(self, activity_id: str, customer_id: str, *, at: datetime) -> SignUp:
        """Sign a customer up (a seat, else the waitlist); the customer's sign-up.

        Raises:
            NotFoundError: the activity is not stored.
            ActivityFullError: no seat, and the waitlist is full or not kept.
            ValidationError: `at` is at or after the start.
        """
        _changes, own = self._change(activity_id, "sign_up", customer_id, at=at)
        assert own is not None  # noqa: S101 - a sign-up that did not raise holds an entry
        return own

    def cancel(self, activity_id: str, customer_id: str, *, at: datetime) -> list[SignUp]:
        """Cancel a sign-up; the sign-ups changed (the customer's, then any promoted).

        Raises:
            NotFoundError: the activity is not stored, or the customer never signed up.
            ValidationError: `at` is at or after the start.
            IllegalTransitionError: attendance is already recorded.
        """
        changes, _own = self._change(activity_id, "cancel", customer_id, at=at)
        return changes

    def record_attendance(
        self, activity_id: str, customer_id: str, *, attended: bool, at: datetime
    ) -> SignUp:
        """Mark a seat holder attended or a no-show; the customer's sign-up.

        Raises as `ClubActivityRepository.record_attendance`.
        """
        _changes, own = self._change(
            activity_id, "record_attendance", customer_id, attended=attended, at=at
        )
        assert own is not None  # noqa: S101 - a marked customer holds an entry
        return own

    def roster(self, activity_id: str) -> list[SignUp]:
        """The activity's sign-ups, by position (empty for an unknown activity)."""
        rows = self._db._fetchall(self._select_roster, (activity_id,))  # noqa: SLF001
        return [self._sign_up.read(r) for r in rows]

    def participation(self, customer_id: str) -> list[SignUp]:
        """The customer's sign-ups for every activity, by sign-up time then activity id."""
        d = self._dialect
        sign_ups = self._sign_up
        rows = self._db._fetchall(  # noqa: SLF001 - the databases' read helper
            f"SELECT {sign_ups.reads} FROM {sign_ups.table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND customer_id = {d.param}"
            f" ORDER BY signed_up_at{d.us}, activity_id",
            (customer_id,),
        )
        return [sign_ups.read(r) for r in rows]
