"""The async PostgreSQL adapter of the complaints port."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clubrules.errors import DuplicateError, StaleVersionError, StorageError, ValidationError
from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._aio._adapter import AsyncPostgresAdapter
from clubrules.storage.postgres._aio._db import AsyncPostgresDatabase  # noqa: TC001 - get_type_hints
from clubrules.storage.postgres._complaints import events_of
from clubrules.storage.sql._complaints import ComplaintSQL, refused_append

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clubrules.complaints import CaseEvent

__all__ = ["AsyncPostgresComplaintRepository"]


@keys_checked("ComplaintRepository")
class AsyncPostgresComplaintRepository(AsyncPostgresAdapter):
    """Case event logs in PostgreSQL, for an event loop.

    Implements [AsyncComplaintRepository][clubrules.complaints.ports.AsyncComplaintRepository]
    on the tables and codecs of
    [PostgresComplaintRepository][clubrules.storage.postgres.PostgresComplaintRepository]:
    an append of one event outside a transaction is one statement that
    inserts only at the expected version (one round trip); other appends
    read the version and insert the events in one transaction. Two writers
    racing at one version meet the primary key, and the second gets
    `StaleVersionError`.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: AsyncPostgresDatabase) -> None:
        super().__init__(database)
        self._q = ComplaintSQL(self._dialect, "registered_at", opens_in_one=True)

    async def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        """Append `events` if the stream is at `expected_version`; the new version.

        Raises:
            StaleVersionError: the stream is not at `expected_version` (nothing is written).
            ValidationError: no events, or a new stream that does not start
                with this case's registration; text with a NUL character or
                a lone surrogate, naming the field, never the value.
            RetryableStorageError: the connection was lost (nothing was written).
        """
        q = self._q
        new, rows = q.event_rows(case_id, expected_version, events)
        refusal: Exception | None = None
        try:
            # Outside a transaction, one event is one self-checking statement: one round trip.
            statement = (
                q.one_statement(case_id, expected_version, new, rows)
                if self._db._owns_transaction()  # noqa: SLF001 - the database's own question
                else None
            )
            if statement is not None:
                written = await self._db._write(*statement) == 1  # noqa: SLF001
            else:
                written = await self._in_transaction(case_id, expected_version, new, rows)
        except DuplicateError as error:  # a (case_id, version) or case id taken meanwhile
            actual = await self.version(case_id)
            raise StaleVersionError(case_id, expected_version, actual) from error
        except (UnicodeEncodeError, StorageError, ValidationError) as error:
            refused = refused_append(error, case_id, new, refuses_nul=True)
            if refused is None:
                raise
            # Raised below, outside the handler and without a cause: an encoding
            # error holds the whole text, and PostgreSQL's refusal of a NUL quotes
            # the parameter (the event's JSON) in its detail.
            refusal = refused
        if refusal is not None:
            raise refusal
        if not written:  # the one statement found the stream at another version
            raise StaleVersionError(case_id, expected_version, await self.version(case_id))
        return expected_version + len(new)

    async def _in_transaction(
        self,
        case_id: str,
        expected_version: int,
        new: Sequence[CaseEvent],
        rows: list[tuple[Any, ...]],
    ) -> bool:
        """Check the version and insert the rows in one transaction block (True: written).

        Raises:
            StaleVersionError: the stream is not at `expected_version`.
        """
        q = self._q
        async with self._db.transaction() as conn:
            cursor = await conn.execute(q.version, (case_id,))
            found = await cursor.fetchone()
            actual = 0 if found is None else int(found[0])
            if actual != expected_version:
                raise StaleVersionError(case_id, expected_version, actual)
            if actual == 0:
                await conn.execute(q.insert_case, q.case_row(case_id, new))
            if len(rows) == 1:
                await conn.execute(q.insert, rows[0])
            else:
                async with conn.cursor() as cur:
                    await cur.executemany(q.insert, rows)
        return True

    async def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        """The stream's events after the first `after`; `NotFoundError` if unknown."""
        after = max(after, 0)
        # The events alone, along their primary key: no join with the cases, no sort.
        rows = await self._db._fetchall(self._q.log, (case_id, after))  # noqa: SLF001
        if not rows:  # an unknown case, or no event after `after`: one statement tells which
            rows = await self._db._fetchall(self._q.stream, (after, case_id))  # noqa: SLF001
        return events_of(case_id, rows)

    async def version(self, case_id: str) -> int:
        """The number of events stored for the case (0 if unknown)."""
        row = await self._db._fetchone(self._q.version, (case_id,))  # noqa: SLF001
        return int(row[0])

    async def case_ids(self) -> list[str]:
        """Every stored case id, sorted."""
        rows = await self._db._fetchall(self._q.case_ids)  # noqa: SLF001
        return sorted(row[0] for row in rows)

    def __repr__(self) -> str:
        return "AsyncPostgresComplaintRepository()"
