"""PostgreSQL adapter of the complaints port: optimistic appends guarded by a primary key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules.errors import (
    DuplicateError,
    NotFoundError,
    StaleVersionError,
    StorageError,
    ValidationError,
)
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._complaints import (
    SQLComplaintRepository,
    decode_event,
    unstorable_text,
)
from clubrules.storage.sql._dialect import POSTGRES

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clubrules.complaints import CaseEvent

__all__ = ["PostgresComplaintRepository"]


class PostgresComplaintRepository(SQLComplaintRepository[PostgresDatabase]):
    """Case event logs in PostgreSQL.

    Implements [ComplaintRepository][clubrules.complaints.ports.ComplaintRepository].

    One row per case in `clubrules.complaint_cases`, one per event in the
    append-only `clubrules.complaint_events`, keyed by `(case_id, version)`.
    An append reads the version and inserts the events at the versions after
    it, in one transaction and without locks: when two writers race at the
    same version, the primary key makes the second insert fail (after the
    first commits), and that unique violation becomes a `StaleVersionError`,
    exactly as a failed version check. Events are `jsonb` documents.

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES
    _registered_column = "registered_at"

    def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        """Append `events` if the stream is at `expected_version`; the new version.

        Raises:
            StaleVersionError: the stream is not at `expected_version` (nothing is written).
            ValidationError: no events, or a new stream that does not start
                with this case's registration; text with a NUL character
                (rule `nul_character`) or a lone surrogate (`lone_surrogate`),
                naming the field, never the value.
            RetryableStorageError: the connection was lost (nothing was written).
        """
        new, rows = self._event_rows(case_id, expected_version, events)
        try:
            with self._db.transaction() as conn:
                self._check_version(conn, case_id, expected_version, new)
                if len(rows) == 1:  # the common case: one round trip, no cursor
                    conn.execute(self._insert_sql, rows[0])
                else:
                    with conn.cursor() as cur:
                        cur.executemany(self._insert_sql, rows)
        except DuplicateError as error:  # a (case_id, version) or case id taken meanwhile
            raise StaleVersionError(case_id, expected_version, self.version(case_id)) from error
        except UnicodeEncodeError:  # raised by psycopg while sending, before any write
            refused = unstorable_text(case_id, new, nul=False)
            if refused is None:  # pragma: no cover - every sent text is checked
                raise
            raise refused from None
        except (StorageError, ValidationError) as error:
            # 22P05 (a NUL in jsonb) or a NUL in a text column: name the field.
            refused = unstorable_text(case_id, new, nul=True)
            if refused is None or refused.rule != "nul_character":
                raise
            raise refused from error
        return expected_version + len(new)

    def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        """The stream's events after the first `after`; `NotFoundError` if unknown."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT e.type, e.document FROM clubrules.complaint_cases AS c"
                " LEFT JOIN clubrules.complaint_events AS e"
                " ON e.case_id = c.id AND e.version > %s"
                " WHERE c.id = %s ORDER BY e.version",
                (max(after, 0), case_id),
            ).fetchall()
        if not rows:
            raise NotFoundError("case", case_id)
        return [decode_event(type_name, document) for type_name, document in rows if type_name]

    def __repr__(self) -> str:
        return "PostgresComplaintRepository()"
