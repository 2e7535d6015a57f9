"""What the contract suites are built on: the fixture to provide, the settings, the machines."""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Generic, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from clubrules._time import to_epoch_us
from clubrules.testing.contracts._asserts import Identified
from clubrules.testing.contracts._values import next_serial

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

__all__ = [
    "SUITE_SETTINGS",
    "RepositoryContract",
    "RepositoryMachine",
    "by_instant",
    "run_machine",
]

_Repository = TypeVar("_Repository")
_Item = TypeVar("_Item", bound=Identified)


SUITE_SETTINGS = settings(
    # Each adapter's test class subclasses the suites, so the same @given
    # method runs under several executors, by design, on the one repository
    # that the function-scoped fixture gave the test.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)
"""The health checks a property of a contract suite runs without; the parent of its settings."""


class RepositoryContract:
    """The base of the contract suites: a subclass provides the `repository` fixture.

    Its suite's docstring says what the fixture returns; the package
    docstring of `clubrules.testing.contracts` shows a subclass.
    """

    @pytest.fixture
    def repository(self) -> object:
        """A fresh, empty repository of the port the suite checks."""
        raise NotImplementedError


class RepositoryMachine(RuleBasedStateMachine, Generic[_Repository]):
    """A state machine on the repository the test got, which every one of its runs shares.

    Each run keeps to its own ids: they start with its `prefix`.
    """

    def __init__(self, repository: _Repository) -> None:
        super().__init__()
        self.repository = repository
        self.prefix = f"m{next_serial()}-"


def run_machine(
    machine: Callable[[], RuleBasedStateMachine],
    *,
    max_examples: int,
    steps: int,
    timed: bool = True,
) -> None:
    """Run a state machine as a test, with `max_examples` runs of up to `steps` steps.

    The machine drives the one repository that the `repository` fixture gave
    the test, so the health check on function-scoped fixtures is off.
    `timed=False` lifts hypothesis' deadline, for machines whose steps do
    enough work that a slow database would miss it.
    """
    options = settings(
        max_examples=max_examples,
        stateful_step_count=steps,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    if not timed:
        options = settings(options, deadline=None)
    # Any factory works; the stub only names the class form.
    run_state_machine_as_test(machine, settings=options)  # type: ignore[arg-type]


def by_instant(
    values: Iterable[_Item], at: str, *, start: datetime | None = None, end: datetime | None = None
) -> list[_Item]:
    """A machine's model of a window read: `values` whose instant `at` is in `[start, end)`.

    `at` names the attribute that holds the instant; None leaves a side of
    the window open. Ordered by that instant, then id, as the ports order
    their reads (wall times of one zone can mislead).
    """
    read = attrgetter(at)
    lo = None if start is None else to_epoch_us(start)
    hi = None if end is None else to_epoch_us(end)

    def instant(value: _Item) -> int:
        return to_epoch_us(read(value))

    return sorted(
        (v for v in values if (lo is None or lo <= instant(v)) and (hi is None or instant(v) < hi)),
        key=lambda v: (instant(v), v.id),
    )
