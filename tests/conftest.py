"""Test-suite configuration shared by every test directory."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from clubrules.testing.postgres import PostgresCluster, PostgresUnavailableError, throwaway_cluster

if TYPE_CHECKING:
    from collections.abc import Iterator

# Deadlines make property tests flaky on a loaded 2-core CI machine; the
# benchmarks, not the tests, watch speed.
settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("default"),
    max_examples=1000,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the whole test session.

    Without the server binaries the PostgreSQL tests skip with a clear
    message, except under `CI=true`, where they must run and fail loudly.
    """
    try:
        with throwaway_cluster() as cluster:
            yield cluster
    except PostgresUnavailableError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {error}")
