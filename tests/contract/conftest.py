"""The databases the contract tests of the SQLite and PostgreSQL adapters run on."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import psycopg
import pytest

from clubrules.storage.postgres import PostgresDatabase
from clubrules.storage.sqlite import SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

_names = itertools.count()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    """A migrated SQLite database in a file of its own."""
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        yield db


@pytest.fixture(scope="module")
def postgres_pool_size() -> int:
    """How many connections `postgres_database` pools, so that races reach the server together.

    A module whose races use more threads than the default eight asks for more.
    """
    return 8


@pytest.fixture(scope="module")
def postgres_tables() -> tuple[str, ...]:
    """The `clubrules` tables that `empty_postgres` empties: each module names its own."""
    return ()


@pytest.fixture(scope="class")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The URL of a fresh PostgreSQL database for each test class."""
    name = f"contract_{next(_names)}"
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return postgres_cluster.url_for(name)


@pytest.fixture(scope="class")
def postgres_database(postgres_url: str, postgres_pool_size: int) -> Iterator[PostgresDatabase]:
    """The class's fresh PostgreSQL database, migrated."""
    with PostgresDatabase(postgres_url, pool_size=postgres_pool_size) as db:
        db.migrate()
        yield db


@pytest.fixture
def empty_postgres(
    postgres_database: PostgresDatabase, postgres_tables: tuple[str, ...]
) -> PostgresDatabase:
    """The class's PostgreSQL database, with the module's `postgres_tables` emptied for the test."""
    if postgres_tables:
        with postgres_database.connection() as conn:
            conn.execute(f"TRUNCATE {', '.join(f'clubrules.{t}' for t in postgres_tables)}")
    return postgres_database
