"""PostgreSQL adapter of the activities port: activities, invitations and rosters."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._activities import SQLClubActivityRepository
from clubrules.storage.sql._dialect import POSTGRES

__all__ = ["PostgresClubActivityRepository"]


@keys_checked("ClubActivityRepository")
class PostgresClubActivityRepository(SQLClubActivityRepository[PostgresDatabase]):
    """Activities, invitations and rosters in PostgreSQL; the audience as `jsonb`.

    Implements [ClubActivityRepository][clubrules.activities.ports.ClubActivityRepository].
    Each roster change (sign-up, cancellation, attendance) is one
    transaction that first locks the activity's row (`SELECT ... FOR
    UPDATE`), then reads the roster, applies the `Roster` rules and writes
    the result, so two app servers signing customers up for the last seat
    never both get it. A unique `(tenant, activity_id, customer_id)` key
    makes invitations first-wins.

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES
