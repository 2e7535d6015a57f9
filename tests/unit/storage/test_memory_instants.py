"""The in-memory adapters order and filter by instant, never by wall time.

Two datetimes in one zone compare by wall time in Python, fold ignored: in
the repeated hour of a DST change, 01:45 (first pass) is earlier than 01:15
(second pass). Every window and order here is checked against epoch
microseconds, on instants drawn around such an hour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.booking import Booking, BookingStatus, Occupancy
from clubrules.care import CareKind, CareTask
from clubrules.privacy import AccessEvent, Purpose
from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryBookingRepository,
    InMemoryCareTaskRepository,
)

NY = ZoneInfo("America/New_York")
# 2026-11-01 01:00-02:00 happens twice in New York (05:00-07:00 UTC).
_REPEATED = datetime(2026, 11, 1, 4, tzinfo=UTC)
instants = st.integers(0, 4 * 3600).map(lambda s: (_REPEATED + timedelta(seconds=s)).astimezone(NY))


def _event(at: datetime, n: int) -> AccessEvent:
    return AccessEvent(
        at=at,
        actor="desk",
        role="reception",
        purpose=Purpose.SERVICE_DELIVERY,
        customer_id="c-1",
        field="allergies",
        allowed=True,
        reason=f"allowed {n}",
    )


def test_the_repeated_hour_is_ordered_by_instant() -> None:
    first = datetime(2026, 11, 1, 1, 45, tzinfo=NY)  # 05:45 UTC
    second = datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=NY)  # 06:15 UTC, later
    assert first > second  # what a wall-time comparison would believe
    log = InMemoryAccessLog()
    log.append(_event(first, 0))
    log.append(_event(second, 1))
    assert [e.reason for e in log.for_customer("c-1", since=second)] == ["allowed 1"]
    assert [e.reason for e in log.by_actor("desk", until=second)] == ["allowed 0"]
    assert log.purge_before(second) == 1


@given(st.lists(instants, max_size=8), instants, instants)
def test_access_log_windows_agree_with_instants(
    ats: list[datetime], since: datetime, until: datetime
) -> None:
    if to_epoch_us(until) < to_epoch_us(since):
        since, until = until, since
    log = InMemoryAccessLog()
    for n, at in enumerate(ats):
        log.append(_event(at, n))
    lo, hi = to_epoch_us(since), to_epoch_us(until)
    expected = [f"allowed {n}" for n, at in enumerate(ats) if lo <= to_epoch_us(at) < hi]
    assert [e.reason for e in log.for_customer("c-1", since=since, until=until)] == expected
    kept = sum(1 for at in ats if to_epoch_us(at) >= lo)
    assert log.purge_before(since) == len(ats) - kept


@given(st.lists(instants, min_size=1, max_size=8, unique_by=to_epoch_us))
def test_last_issued_is_the_latest_instant(ats: list[datetime]) -> None:
    tasks = InMemoryCareTaskRepository()
    for n, at in enumerate(ats):
        tasks.add(
            CareTask(
                customer_id="c-1",
                kind=CareKind.RETURN_VISIT,
                due=date(2026, 11, 1) + timedelta(days=n),
                at=at,
                rule="facial",
            )
        )
    latest = max(ats, key=to_epoch_us)
    assert to_epoch_us(tasks.last_issued("facial")["c-1"]) == to_epoch_us(latest)


def _booking(booking_id: str, start: datetime) -> Booking:
    end = from_epoch_us(to_epoch_us(start) + 30 * 60_000_000, NY)
    return Booking(
        id=booking_id,
        service="facial",
        start=start,
        end=end,
        occupancy=[Occupancy.between(f"room-{booking_id}", start, end)],
        status=BookingStatus.CONFIRMED,
        customer_id="c-1",
        confirmation_code="7K3MQ9TZ",
        taken_by="desk-1",
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
    )


@given(one=instants, other=instants)
@example(  # 06:10 UTC, then 05:50 UTC: later by instant, earlier by wall time
    one=datetime(2026, 11, 1, 1, 10, tzinfo=NY, fold=1),
    other=datetime(2026, 11, 1, 1, 50, tzinfo=NY),
)
def test_bookings_are_found_in_start_instant_order(one: datetime, other: datetime) -> None:
    repository = InMemoryBookingRepository()
    now = datetime(2026, 10, 2, tzinfo=UTC)
    repository.add(_booking("b", one), now=now)
    repository.add(_booking("a", other), now=now)
    got = [b.id for b in repository.find()]
    assert got == sorted(["a", "b"], key=lambda i: (to_epoch_us(other if i == "a" else one), i))
