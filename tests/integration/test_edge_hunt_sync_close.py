"""A sync pooled database closed while calls wait for a connection: the closed database's error.

The async twin is in `test_edge_hunt_async.py`. A call waiting on the pool
when another thread closes the database gets psycopg_pool's `PoolClosed`;
that is a closed database, which no retry fixes, not a
`RetryableStorageError`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from clubrules.errors import RetryableStorageError, StorageError
from clubrules.storage.postgres import PostgresCustomerRepository, PostgresDatabase

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres


def test_calls_waiting_on_the_pool_get_the_closed_databases_error(
    postgres_cluster: PostgresCluster,
) -> None:
    url = postgres_cluster.create_database("sync_close")
    db = PostgresDatabase(url, pool_size=1, timeout=30)
    db.migrate()
    customers = PostgresCustomerRepository(db)
    held = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        with db.connection():
            held.set()
            release.wait(30)

    def borrow() -> None:
        with db.connection():
            pass

    def unit() -> None:
        with db.unit_of_work():
            pass

    calls = [lambda: customers.get("c-1"), borrow, unit]

    def wait_for_a_connection(call: Callable[[], object]) -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - sorted below
            errors.append(error)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    # A one-statement call, a borrowed connection and a unit of work, each waiting.
    waiters = [threading.Thread(target=wait_for_a_connection, args=(c,)) for c in calls]
    for waiter in waiters:
        waiter.start()
    threading.Event().wait(0.5)  # the waiters queue on the pool
    closer = threading.Thread(target=db.close)
    closer.start()
    for waiter in waiters:
        waiter.join(30)
    release.set()
    holder.join(30)
    closer.join(30)
    assert len(errors) == 3
    for error in errors:
        assert isinstance(error, StorageError)
        assert not isinstance(error, RetryableStorageError), repr(error)
        assert "closed" in str(error)
