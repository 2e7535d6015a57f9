"""Complaint events and outcomes shared by the complaint-adapter tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from clubrules.complaints import Assigned, CaseKind, Registered
from clubrules.errors import NotFoundError, StaleVersionError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.complaints import CaseEvent

T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)


def registered(case_id: str) -> Registered:
    """A complaint's registration at `T0`."""
    return Registered(
        case_id=case_id,
        at=T0,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
        policy_id="complaint-default",
        policy_version=1,
    )


def assigned(minute: int = 1) -> Assigned:
    """An assignment `minute` minutes after `T0`."""
    return Assigned(at=T0 + timedelta(minutes=minute), by="lead", to=f"s-{minute}")


def log_of(case_id: str, length: int) -> list[CaseEvent]:
    """A log of `length` events: the registration, then assignments."""
    return [registered(case_id), *(assigned(i) for i in range(1, length))]


# One append: the case (of three), the version asked for relative to the stored one
# (None: 0, a new stream), how many events, and whether they open with the registration.
attempts = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from([None, -1, 0, 1]),
        st.integers(1, 2),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


def append_outcome(append: Callable[..., int], *args: Any, **kwargs: Any) -> object:
    """The new version, or the error as a comparable tuple."""
    try:
        return append(*args, **kwargs)
    except StaleVersionError as error:
        return ("stale", error.stream, error.expected, error.actual)
    except ValidationError as error:
        return ("invalid", error.field, error.rule)


def read_outcome(read: Callable[[], list[CaseEvent]]) -> list[CaseEvent] | str:
    """What `read` returns, or "not found"."""
    try:
        return read()
    except NotFoundError:
        return "not found"
