"""In-memory adapter of the complaints port: case event logs in a dict, thread-safe."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, cast

from clubrules._checks import require_int, require_items, require_str
from clubrules.complaints._events import check_new_stream
from clubrules.errors import NotFoundError, StaleVersionError, ValidationError
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._store import TenantSiblings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clubrules.complaints import CaseEvent

__all__ = ["InMemoryComplaintRepository"]


@keys_checked("ComplaintRepository")
class InMemoryComplaintRepository(TenantSiblings):
    """Case event logs in a dict of lists, behind one lock (see `ComplaintRepository`)."""

    def __init__(self) -> None:
        self._streams: dict[str, list[CaseEvent]] = {}
        self._lock = threading.Lock()

    def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        """Append `events` if the stream is at `expected_version`; the new version."""
        require_str(case_id, "case_id")
        require_int(expected_version, "expected_version")
        new = list(cast("Sequence[CaseEvent]", require_items(events, object, "events")))
        if not new:
            raise ValidationError("must hold at least one event", field="events", rule="empty")
        with self._lock:
            stream = self._streams.get(case_id)
            actual = 0 if stream is None else len(stream)
            if actual != expected_version:
                raise StaleVersionError(case_id, expected_version, actual)
            if stream is None:
                check_new_stream(case_id, new)
                stream = self._streams[case_id] = []
            stream.extend(new)
            return len(stream)

    def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        """The stream's events after the first `after`; `NotFoundError` if unknown."""
        require_str(case_id, "case_id")
        require_int(after, "after")
        with self._lock:
            stream = self._streams.get(case_id)
            if stream is None:
                raise NotFoundError("case", case_id)
            return stream[max(after, 0) :]

    def version(self, case_id: str) -> int:
        """The number of events stored for the case (0 if unknown)."""
        require_str(case_id, "case_id")
        with self._lock:
            return len(self._streams.get(case_id, ()))

    def case_ids(self) -> list[str]:
        """Every stored case id, sorted."""
        with self._lock:
            return sorted(self._streams)

    def __len__(self) -> int:
        return len(self._streams)
