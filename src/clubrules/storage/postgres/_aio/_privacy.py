"""The async PostgreSQL adapters of the privacy ports: data keys, consents and the access log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules._time import require_aware
from clubrules.customers import Sealed
from clubrules.errors import NotFoundError
from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._aio._adapter import AsyncPostgresAdapter
from clubrules.storage.sql._privacy import (
    AccessLogSQL,
    ConsentSQL,
    DataKeySQL,
    consent_taken,
    key_taken,
)

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.privacy import AccessEvent, ConsentRecord

__all__ = ["AsyncPostgresAccessLog", "AsyncPostgresConsentStore", "AsyncPostgresDataKeyStore"]


@keys_checked("DataKeyStore")
class AsyncPostgresDataKeyStore(AsyncPostgresAdapter):
    """Wrapped data keys in PostgreSQL, for an event loop.

    Implements [AsyncDataKeyStore][clubrules.privacy.ports.AsyncDataKeyStore]
    on the table of [PostgresDataKeyStore][clubrules.storage.postgres.PostgresDataKeyStore],
    with its guarantees: `add` is an atomic insert, `replace` one
    compare-and-swap `UPDATE`, and `delete` commits before its coroutine
    returns (see that class for what VACUUM and the WAL keep). `erase_all`
    deletes every key of the database handle's tenant in one statement.

    Args:
        database: The migrated database to use.
    """

    _statements = DataKeySQL
    _q: DataKeySQL

    async def get(self, customer_id: str) -> Sealed | None:
        """The customer's wrapped data key, or None."""
        row = await self._db._fetchone(self._q.get, (customer_id,))  # noqa: SLF001
        return None if row is None else Sealed(row[0])

    async def add(self, customer_id: str, wrapped: Sealed) -> None:
        """Store a new wrapped key; `DuplicateError` if the customer has one."""
        params = (customer_id, wrapped.ciphertext)
        if await self._db._write(self._q.add, params) == 0:  # noqa: SLF001
            raise key_taken(customer_id)

    async def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        """Compare-and-swap the customer's wrapped key; say whether it was swapped."""
        params = (wrapped.ciphertext, customer_id, expected.ciphertext)
        return await self._db._write(self._q.replace, params) == 1  # noqa: SLF001

    async def delete(self, customer_id: str) -> bool:
        """Destroy the customer's wrapped key; say whether there was one."""
        return await self._db._write(self._q.delete, (customer_id,)) == 1  # noqa: SLF001

    async def erase_all(self) -> int:
        """Destroy every wrapped key of this store's tenant, in one statement; how many there were.

        The keys of other tenants are untouched. `AsyncCustomerKeys.erase_tenant` awaits it.
        """
        return await self._db._write(self._q.erase_all, ())  # noqa: SLF001

    async def customer_ids(self) -> list[str]:
        """Every customer with a data key, by id (a snapshot)."""
        rows = await self._db._fetchall(self._q.ids, ())  # noqa: SLF001
        return [r[0] for r in rows]

    def in_transaction(self) -> bool:
        """Whether a unit of work or the caller's transaction is open (its writes may roll back)."""
        return not self._db._owns_transaction()  # noqa: SLF001

    @property
    def tenant(self) -> str:
        """The tenant whose data keys this store holds: its database handle's."""
        return self._db.tenant


@keys_checked("ConsentStore")
class AsyncPostgresConsentStore(AsyncPostgresAdapter):
    """Consent records in PostgreSQL, for an event loop; kept forever, withdrawn in place.

    Implements [AsyncConsentStore][clubrules.privacy.ports.AsyncConsentStore]
    on the table of [PostgresConsentStore][clubrules.storage.postgres.PostgresConsentStore]:
    `withdraw` locks the row (`SELECT ... FOR UPDATE`) and writes in the
    same transaction, so two concurrent withdrawals keep the first time.

    Args:
        database: The migrated database to use.
    """

    _statements = ConsentSQL
    _q: ConsentSQL

    async def add(self, record: ConsentRecord) -> None:
        """Store a new record; `DuplicateError` if its id is taken."""
        if await self._db._write(self._q.add, self._q.row(record)) == 0:  # noqa: SLF001
            raise consent_taken(record)

    async def get(self, consent_id: str) -> ConsentRecord:
        """The record with this id; `NotFoundError` if there is none."""
        row = await self._db._fetchone(self._q.select_one, (consent_id,))  # noqa: SLF001
        if row is None:
            raise NotFoundError("consent", consent_id)
        return self._q.read(row)

    async def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        """Mark the record withdrawn at `at` (idempotent) and return it."""
        require_aware(at, "at")
        q = self._q
        async with self._db.transaction() as conn:
            cursor = await conn.execute(q.select_to_update, (consent_id,))
            row = await cursor.fetchone()
            if row is None:
                raise NotFoundError("consent", consent_id)
            stored = q.read(row)
            record = stored.withdraw(at)
            if record is not stored:
                await conn.execute(q.withdraw, q.withdraw_row(consent_id, at))
        return record

    async def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """The customer's records, oldest first (by given time, then id)."""
        rows = await self._db._fetchall(self._q.for_customer, (customer_id,))  # noqa: SLF001
        return [self._q.read(r) for r in rows]

    @property
    def tenant(self) -> str:
        """The tenant whose consent records this store holds: its database handle's."""
        return self._db.tenant


@keys_checked("AccessLog")
class AsyncPostgresAccessLog(AsyncPostgresAdapter):
    """The access log in PostgreSQL, for an event loop: one row per event, in append order.

    Implements [AsyncAccessLog][clubrules.privacy.ports.AsyncAccessLog] on
    the table of [PostgresAccessLog][clubrules.storage.postgres.PostgresAccessLog].
    `append` commits before its coroutine returns.

    Args:
        database: The migrated database to use.
    """

    _statements = AccessLogSQL
    _q: AccessLogSQL

    async def append(self, event: AccessEvent) -> None:
        """Record one access event (one statement)."""
        await self._db._write(self._q.append, self._q.row(event))  # noqa: SLF001

    async def _select(
        self,
        clauses: list[str],
        params: list[object],
        since: datetime | None,
        until: datetime | None,
    ) -> list[AccessEvent]:
        query = self._q.select(clauses, params, since, until)
        rows = await self._db._fetchall(query, params)  # noqa: SLF001
        return [self._q.read(r) for r in rows]

    async def for_customer(
        self,
        customer_id: str,
        *,
        field: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AccessEvent]:
        """The customer's events, optionally of one field, in `[since, until)`."""
        clauses, params = self._q.for_customer(customer_id, field)
        return await self._select(clauses, params, since, until)

    async def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        """The actor's events in `[since, until)`."""
        return await self._select(*self._q.by_actor(actor), since, until)

    async def purge_before(self, cutoff: datetime) -> int:
        """Delete the events before `cutoff`; return how many."""
        query, params = self._q.purge(cutoff)
        return await self._db._write(query, params)  # noqa: SLF001

    @property
    def tenant(self) -> str:
        """The tenant whose access events this log holds: its database handle's."""
        return self._db.tenant
