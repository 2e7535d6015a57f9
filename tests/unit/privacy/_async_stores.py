"""Test-only async privacy stores: the in-memory stores behind coroutines.

Each call first yields to the event loop, so tasks that run side by side
interleave at every store call, as they would over a database. `gate`, when
set, holds every call of the named method until the event is set, so a test
can cancel a task while that call is in flight.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from clubrules.storage.memory import InMemoryAccessLog, InMemoryConsentStore, InMemoryDataKeyStore

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.customers import Sealed
    from clubrules.privacy import AccessEvent, ConsentRecord


class _Gated:
    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Event] = {}
        self.entered: dict[str, asyncio.Event] = {}

    def gate(self, method: str) -> asyncio.Event:
        """Hold every call of `method` until the returned event is set."""
        self.gates[method] = asyncio.Event()
        self.entered[method] = asyncio.Event()
        return self.gates[method]

    async def _turn(self, method: str) -> None:
        await asyncio.sleep(0)
        gate = self.gates.get(method)
        if gate is not None:
            self.entered[method].set()
            await gate.wait()


class AsyncDataKeys(_Gated):
    """`AsyncDataKeyStore` over an `InMemoryDataKeyStore` (shared with sync code if given)."""

    def __init__(self, inner: InMemoryDataKeyStore | None = None) -> None:
        super().__init__()
        self.inner = inner if inner is not None else InMemoryDataKeyStore()

    async def get(self, customer_id: str) -> Sealed | None:
        await self._turn("get")
        return self.inner.get(customer_id)

    async def add(self, customer_id: str, wrapped: Sealed) -> None:
        await self._turn("add")
        self.inner.add(customer_id, wrapped)

    async def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        await self._turn("replace")
        return self.inner.replace(customer_id, expected, wrapped)

    async def delete(self, customer_id: str) -> bool:
        await self._turn("delete")
        return self.inner.delete(customer_id)

    async def customer_ids(self) -> list[str]:
        await self._turn("customer_ids")
        return list(self.inner.customer_ids())

    async def erase_all(self) -> int:
        await self._turn("erase_all")
        return self.inner.erase_all()


class AsyncConsents(_Gated):
    """`AsyncConsentStore` over an `InMemoryConsentStore`."""

    def __init__(self, inner: InMemoryConsentStore | None = None) -> None:
        super().__init__()
        self.inner = inner if inner is not None else InMemoryConsentStore()

    async def add(self, record: ConsentRecord) -> None:
        await self._turn("add")
        self.inner.add(record)

    async def get(self, consent_id: str) -> ConsentRecord:
        await self._turn("get")
        return self.inner.get(consent_id)

    async def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        await self._turn("withdraw")
        return self.inner.withdraw(consent_id, at)

    async def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        await self._turn("for_customer")
        return self.inner.for_customer(customer_id)


class AsyncLog(_Gated):
    """`AsyncAccessLog` over an `InMemoryAccessLog`."""

    def __init__(self, inner: InMemoryAccessLog | None = None) -> None:
        super().__init__()
        self.inner = inner if inner is not None else InMemoryAccessLog()

    async def append(self, event: AccessEvent) -> None:
        await self._turn("append")
        self.inner.append(event)

    async def for_customer(
        self,
        customer_id: str,
        *,
        field: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AccessEvent]:
        await self._turn("for_customer")
        return self.inner.for_customer(customer_id, field=field, since=since, until=until)

    async def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        await self._turn("by_actor")
        return self.inner.by_actor(actor, since=since, until=until)

    async def purge_before(self, cutoff: datetime) -> int:
        await self._turn("purge_before")
        return self.inner.purge_before(cutoff)
