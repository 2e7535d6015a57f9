"""A failing contract test says what went wrong: pytest rewrites the suites' asserts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# A repository that lists its customers newest first, not by id.
BROKEN_ADAPTER = textwrap.dedent(
    """
    import pytest

    from clubrules.storage.memory import InMemoryCustomerRepository
    from clubrules.testing.contracts import CustomerRepositoryContract


    class ReversedCustomers(InMemoryCustomerRepository):
        def customers(self):
            return reversed(list(super().customers()))


    class TestReversedCustomers(CustomerRepositoryContract):
        @pytest.fixture
        def repository(self):
            return ReversedCustomers()
    """
)


def _run_pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter, as an integrator's run would be: the suites are
    # imported for the first time by the test file pytest collects.
    return subprocess.run(  # noqa: S603 - our own interpreter, a file we wrote
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=directory,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_failing_contract_shows_both_compared_values(tmp_path: Path) -> None:
    (tmp_path / "test_adapter.py").write_text(BROKEN_ADAPTER, encoding="utf-8")
    run = _run_pytest(tmp_path, "-k", "test_customers_lists_everyone_by_id")
    assert run.returncode == 1, run.stdout + run.stderr
    # The comparison, with what the adapter returned and what the contract expected.
    assert "assert ['c-3', 'c-2', 'c-1'] == ['c-1', 'c-2', 'c-3']" in run.stdout, run.stdout
    assert "At index 0 diff: 'c-3' != 'c-1'" in run.stdout, run.stdout


def test_a_passing_adapter_raises_no_rewrite_warning(tmp_path: Path) -> None:
    # Registered before the suites are imported: no "already imported" warning.
    (tmp_path / "test_adapter.py").write_text(
        BROKEN_ADAPTER.replace("return ReversedCustomers()", "return InMemoryCustomerRepository()"),
        encoding="utf-8",
    )
    run = _run_pytest(
        tmp_path, "-W", "error", "-k", "test_customers_lists_everyone_by_id or comes_back_equal"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout, run.stdout
