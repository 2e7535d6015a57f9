"""The storage port of the complaints area: cases as append-only event logs.

Implement `ComplaintRepository` over your own storage and prove it with
`clubrules.testing.contracts.ComplaintRepositoryContract`. The in-memory
adapter `clubrules.storage.memory.InMemoryComplaintRepository` is the
reference. `load_case` and `save_case` connect the port to `Case` values;
`AsyncComplaintRepository`, `load_case_async` and `save_case_async` are their
twins for an event loop.
"""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Sequence  # noqa: TC003
from typing import Protocol

from clubrules.complaints._case import Case, replay
from clubrules.complaints._events import CaseEvent  # noqa: TC001
from clubrules.complaints._policy import PolicyBook  # noqa: TC001

__all__ = [
    "AsyncComplaintRepository",
    "ComplaintRepository",
    "load_case",
    "load_case_async",
    "save_case",
    "save_case_async",
]


class ComplaintRepository(Protocol):
    """Case event logs, one stream per case id, with optimistic concurrency.

    All four methods are required. A stream's version is the number of
    events it holds (0 for a case never stored). `append` is atomic: it
    checks the expected version and writes every given event, or writes
    nothing. Two writers that both read version n and append: exactly one
    succeeds, the other gets `StaleVersionError` and must reload, re-apply
    its change to the new case and try again. Events are stored as given and
    come back equal; a repository never rewrites or deletes them (the lifecycle
    rules are checked by `apply` before an append, not by storage).
    """

    def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        """Append `events` to the stream of `case_id` if it is at `expected_version`.

        Args:
            case_id: The case's stream.
            expected_version: The version the writer read (0 for a new case).
            events: The new events, at least one. A new stream's first event
                is the case's `Registered` with this `case_id`.

        Returns:
            The new version.

        Raises:
            StaleVersionError: the stream is not at `expected_version`
                (nothing is written).
            ValidationError: no events, or a new stream that does not start
                with this case's registration (rule `no_registration`).
        """
        ...

    def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        """The events of the stream after the first `after`, in order.

        Raises:
            NotFoundError: no case with this id is stored.
        """
        ...

    def version(self, case_id: str) -> int:
        """The stream's version: its number of events, 0 for an unknown case."""
        ...

    def case_ids(self) -> list[str]:
        """Every stored case id, sorted."""
        ...


def load_case(repository: ComplaintRepository, case_id: str, book: PolicyBook) -> Case:
    """Read a case's log and replay it under the policy version it was registered with.

    Raises:
        NotFoundError: no such case, or the book lacks its policy version.
    """
    return replay(repository.events(case_id), book)


def save_case(repository: ComplaintRepository, case: Case, *, expected_version: int) -> int:
    """Append the events of `case` after `expected_version` (the version it was loaded at).

    Returns:
        The new version (equal to `case.version` on success).

    Raises:
        StaleVersionError: someone else appended since the case was loaded.
    """
    new = case.events[expected_version:]
    if not new:
        return expected_version
    return repository.append(case.id, expected_version, new)


class AsyncComplaintRepository(Protocol):
    """`ComplaintRepository` for an event loop: the same four methods, as coroutines.

    Every promise of `ComplaintRepository` holds unchanged: an append
    checks the expected version and writes every event or none, also
    when the task that awaits it is cancelled.
    """

    async def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        """As `ComplaintRepository.append`."""
        ...

    async def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        """As `ComplaintRepository.events`."""
        ...

    async def version(self, case_id: str) -> int:
        """As `ComplaintRepository.version`."""
        ...

    async def case_ids(self) -> list[str]:
        """As `ComplaintRepository.case_ids`."""
        ...


async def load_case_async(
    repository: AsyncComplaintRepository, case_id: str, book: PolicyBook
) -> Case:
    """`load_case` on an async repository: read the log, replay it.

    Raises:
        NotFoundError: no such case, or the book lacks its policy version.
    """
    return replay(await repository.events(case_id), book)


async def save_case_async(
    repository: AsyncComplaintRepository, case: Case, *, expected_version: int
) -> int:
    """`save_case` on an async repository: append the events after `expected_version`.

    Returns the new version, and raises `StaleVersionError`, as `save_case` does.
    """
    new = case.events[expected_version:]
    if not new:
        return expected_version
    return await repository.append(case.id, expected_version, new)
