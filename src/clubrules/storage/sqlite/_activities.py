"""SQLite adapter of the activities port: activities, invitations and rosters."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._activities import SQLClubActivityRepository
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sqlite._db import SQLiteDatabase

__all__ = ["SQLiteClubActivityRepository"]


@keys_checked("ClubActivityRepository")
class SQLiteClubActivityRepository(SQLClubActivityRepository[SQLiteDatabase]):
    """Activities, invitations and rosters in SQLite.

    Implements [ClubActivityRepository][clubrules.activities.ports.ClubActivityRepository].
    Each roster change (sign-up, cancellation, attendance) is one
    `BEGIN IMMEDIATE` transaction that reads the roster, applies the
    `Roster` rules and writes the result, so two sign-ups for the last seat,
    from threads or processes sharing the file, never both get it. A unique
    `(tenant, activity_id, customer_id)` key makes invitations first-wins.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE
