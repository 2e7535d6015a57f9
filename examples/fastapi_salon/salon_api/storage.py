"""The salon's storage in one of two modes, behind the library's async ports.

- `"async"`: the library's asyncio adapters (`AsyncPostgresDatabase` and
  the `AsyncPostgres*` repositories), on the app's event loop.
- `"threads"`: the sync adapters (`PostgresDatabase` and the `Postgres*`
  repositories) called through `anyio.to_thread`, one worker thread per
  call in flight: the way to use a sync library from an async app, kept
  for comparison.

Either way the routes see the async ports (`AsyncBookingRepository`,
`AsyncCustomerRepository`, `AsyncComplaintRepository`) and an async vault
(`Vault.open`), so they do not know the mode. In `"async"` mode the audited
reads go through `AsyncPrivacyVault` on the async stores; in `"threads"`
mode through the sync `PrivacyVault`, in a worker thread.

Migrations are sync and run once at start-up: `PostgresDatabase(url).migrate()`.
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

import anyio.to_thread
import attrs

from clubrules.privacy import (
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    CustomerKeys,
    EnvKeyProvider,
    Keyring,
    PrivacyVault,
)
from clubrules.storage.postgres import (
    AsyncPostgresAccessLog,
    AsyncPostgresBookingRepository,
    AsyncPostgresComplaintRepository,
    AsyncPostgresConsentStore,
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    AsyncPostgresDataKeyStore,
    PostgresAccessLog,
    PostgresBookingRepository,
    PostgresComplaintRepository,
    PostgresConsentStore,
    PostgresCustomerRepository,
    PostgresDatabase,
    PostgresDataKeyStore,
)
from salon_api.seed import role_policy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Sequence
    from datetime import datetime

    from clubrules.booking import Booking
    from clubrules.booking.ports import AsyncBookingRepository
    from clubrules.clock import Clock
    from clubrules.complaints import CaseEvent
    from clubrules.complaints.ports import AsyncComplaintRepository
    from clubrules.customers import Customer, PhoneNumber, Sealed
    from clubrules.customers.ports import AsyncCustomerRepository
    from clubrules.privacy import Purpose, Sensitive
    from salon_api.config import Mode, Settings

__all__ = ["Storage", "Vault", "in_thread", "open_storage"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


async def in_thread(function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Run a blocking call in a worker thread (anyio's), without blocking the event loop."""
    return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs))


class _ThreadedBookings:
    """`AsyncBookingRepository` over the sync PostgreSQL adapter, one worker thread per call."""

    def __init__(self, sync: PostgresBookingRepository) -> None:
        self._sync = sync

    async def add(self, booking: Booking, *, now: datetime) -> Booking:
        return await in_thread(self._sync.add, booking, now=now)

    async def get(self, booking_id: str) -> Booking:
        return await in_thread(self._sync.get, booking_id)

    async def save(self, booking: Booking, *, now: datetime) -> None:
        await in_thread(self._sync.save, booking, now=now)

    async def find(
        self,
        *,
        resource: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Booking]:
        return await in_thread(self._sync.find, resource=resource, start=start, end=end)


class Vault(Protocol):
    """What the allergy route needs: an audited open, as a coroutine."""

    async def open(
        self,
        sealed: Sealed,
        *,
        customer_id: str,
        field: str,
        actor: str,
        role: str,
        purpose: Purpose,
    ) -> Sensitive[Any]:
        """Check, log and decrypt one field for one reader (see `PrivacyVault.open`)."""
        ...


class _ThreadedVault:
    """`Vault` over the sync `PrivacyVault`, one worker thread per open."""

    def __init__(self, sync: PrivacyVault) -> None:
        self._sync = sync

    async def open(
        self,
        sealed: Sealed,
        *,
        customer_id: str,
        field: str,
        actor: str,
        role: str,
        purpose: Purpose,
    ) -> Sensitive[Any]:
        return await in_thread(
            self._sync.open,
            sealed,
            customer_id=customer_id,
            field=field,
            actor=actor,
            role=role,
            purpose=purpose,
        )


class _ThreadedCustomers:
    """`AsyncCustomerRepository` over the sync PostgreSQL adapter."""

    def __init__(self, sync: PostgresCustomerRepository) -> None:
        self._sync = sync

    async def add(self, customer: Customer) -> None:
        await in_thread(self._sync.add, customer)

    async def get(self, customer_id: str) -> Customer:
        return await in_thread(self._sync.get, customer_id)

    async def update(self, customer: Customer) -> None:
        await in_thread(self._sync.update, customer)

    async def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        return await in_thread(self._sync.find_by_phone, phone)

    async def customers(self) -> list[Customer]:
        return await in_thread(lambda: list(self._sync.customers()))


class _ThreadedComplaints:
    """`AsyncComplaintRepository` over the sync PostgreSQL adapter."""

    def __init__(self, sync: PostgresComplaintRepository) -> None:
        self._sync = sync

    async def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        return await in_thread(self._sync.append, case_id, expected_version, events)

    async def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        return await in_thread(self._sync.events, case_id, after=after)

    async def version(self, case_id: str) -> int:
        return await in_thread(self._sync.version, case_id)

    async def case_ids(self) -> list[str]:
        return await in_thread(self._sync.case_ids)


@attrs.frozen
class Storage:
    """What the routes use: the async ports, and the vault for audited reads.

    Attributes:
        mode: `"async"` or `"threads"`.
        bookings: The bookings.
        customers: The customer profiles.
        complaints: The complaint case logs.
        vault: The audited door to the sealed archive fields.
    """

    mode: Mode
    bookings: AsyncBookingRepository
    customers: AsyncCustomerRepository
    complaints: AsyncComplaintRepository
    vault: Vault


def _sync_database(settings: Settings, pool_size: int) -> PostgresDatabase:
    return PostgresDatabase(
        settings.database_url,
        pool_size=pool_size,
        schema=settings.schema,
        pool_check=settings.pool_check,
    )


def _keyring(settings: Settings) -> Keyring:
    return Keyring.from_provider(EnvKeyProvider(settings.keyring_variable, settings.environ))


def _vault(db: PostgresDatabase, settings: Settings, clock: Clock) -> PrivacyVault:
    return PrivacyVault(
        keys=CustomerKeys(_keyring(settings), PostgresDataKeyStore(db)),
        policy=role_policy(),
        consents=PostgresConsentStore(db),
        log=PostgresAccessLog(db),
        clock=clock,
    )


def _async_vault(db: AsyncPostgresDatabase, settings: Settings, clock: Clock) -> AsyncPrivacyVault:
    return AsyncPrivacyVault(
        keys=AsyncCustomerKeys(_keyring(settings), AsyncPostgresDataKeyStore(db)),
        policy=role_policy(),
        consents=AsyncPostgresConsentStore(db),
        log=AsyncPostgresAccessLog(db),
        clock=clock,
    )


def migrate(settings: Settings) -> None:
    """Create or update the clubrules tables (sync, once, before serving)."""
    db = PostgresDatabase(settings.database_url, schema=settings.schema)
    try:
        db.migrate()
    finally:
        db.close()


@contextlib.asynccontextmanager
async def open_storage(settings: Settings, mode: Mode, clock: Clock) -> AsyncIterator[Storage]:
    """Migrate, open the database in `mode`, and close it when the block ends."""
    await in_thread(migrate, settings)
    if mode == "async":
        async with _open_async(settings, clock) as storage:
            yield storage
        return
    db = await in_thread(_sync_database, settings, settings.pool_size)
    try:
        yield Storage(
            mode="threads",
            bookings=_ThreadedBookings(PostgresBookingRepository(db)),
            customers=_ThreadedCustomers(PostgresCustomerRepository(db)),
            complaints=_ThreadedComplaints(PostgresComplaintRepository(db)),
            vault=_ThreadedVault(_vault(db, settings, clock)),
        )
    finally:
        await in_thread(db.close)


@contextlib.asynccontextmanager
async def _open_async(settings: Settings, clock: Clock) -> AsyncIterator[Storage]:
    """The async adapters and the async vault, on the app's loop."""
    db = await AsyncPostgresDatabase.open(
        settings.database_url,
        pool_size=settings.pool_size,
        schema=settings.schema,
        pool_check=settings.pool_check,
    )
    async with db:
        yield Storage(
            mode="async",
            bookings=AsyncPostgresBookingRepository(db),
            customers=AsyncPostgresCustomerRepository(db),
            complaints=AsyncPostgresComplaintRepository(db),
            vault=_async_vault(db, settings, clock),
        )
