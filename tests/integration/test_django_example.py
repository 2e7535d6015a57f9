"""The Django example project runs its own tests, and `manage.py migrate` sets up everything.

`examples/django_salon` runs under Django's test runner against a database
on the throwaway PostgreSQL cluster of the test fixtures: its booking view
writes the app's `Order` and the library's booking in one
`transaction.atomic()`, and a taken slot or a declined card rolls back both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from clubrules.storage.migrations import latest_version, schema_version

if TYPE_CHECKING:
    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_salon"


@pytest.fixture
def database_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.create_database("django_salon")


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SALON_DATABASE_URL": database_url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(  # noqa: S603 - our own interpreter and the example's manage.py
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_example_passes_its_django_tests(database_url: str) -> None:
    result = manage(database_url, "test", "--noinput", "-v", "2")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Ran 7 tests" in output
    assert "test_a_conflict_rolls_back_the_order " in output
    assert "test_a_declined_card_rolls_back_the_order_and_the_booking " in output
    assert "\nOK\n" in output


def test_manage_py_migrate_sets_up_the_app_and_the_library(database_url: str) -> None:
    first = manage(database_url, "migrate", "--noinput")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Applying salon.0002_clubrules_schema... OK" in first.stdout
    with psycopg.connect(database_url) as conn:
        assert schema_version(conn) == latest_version("postgres")
        assert conn.execute("SELECT to_regclass('salon_order')").fetchone() == ("salon_order",)
    again = manage(database_url, "migrate", "--noinput")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No migrations to apply." in again.stdout
