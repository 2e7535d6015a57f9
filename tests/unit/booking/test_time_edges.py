"""Issue 16: instants across clock changes, bounded searches, typed errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import Frequency, Recurrence

from .conftest import BERLIN

NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
ZONES = (BERLIN, NEW_YORK, SYDNEY, UTC)
# The clock changes of 2026 in those zones, as UTC instants.
CHANGES = (
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 4, 4, 16, tzinfo=UTC),
    datetime(2026, 10, 3, 16, tzinfo=UTC),
)


@st.composite
def near_changes(draw: st.DrawFn) -> datetime:
    """An instant within three hours of a clock change, shown in a zone (fold=1 included)."""
    change = draw(st.sampled_from(CHANGES))
    minutes = draw(st.integers(-180, 180))
    zone = draw(st.sampled_from(ZONES))
    return (change + timedelta(minutes=minutes)).astimezone(zone)


# --- bug 4: a series starting at the second pass of a repeated hour ---------------


def test_a_series_starting_at_the_second_0230_keeps_its_instant() -> None:
    start = datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(BERLIN)  # 02:30 CET, fold=1
    assert start.fold == 1
    [first] = Recurrence(count=1).starts(start)
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert first.fold == 1


def test_a_start_given_in_the_gap_is_the_instant_it_stands_for() -> None:
    start = datetime(2026, 3, 29, 2, 30, tzinfo=BERLIN)  # no such wall time; 01:30Z
    first, second = Recurrence(count=2).starts(start)
    assert to_epoch_us(first) == to_epoch_us(start)
    assert (first.hour, second.hour) == (3, 3)


def _oracle_place(wall: datetime, zone: tzinfo, fold: int) -> datetime:
    """The instant of the naive `wall` in `zone`, by trying every offset near it."""
    near = [wall + timedelta(hours=h) for h in range(-26, 27, 2)]
    offsets = {n.replace(tzinfo=zone).utcoffset() for n in near}
    found = sorted(
        {
            (wall - off).replace(tzinfo=UTC)
            for off in offsets
            if off is not None
            and (wall - off).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) == wall
        }
    )
    if found:  # once, or twice on a repeated hour: the pass of the first start
        return found[min(fold, len(found) - 1)]
    # A gap: read with the offset in force a day before, as wall clocks move forward.
    before = (wall - timedelta(days=1)).replace(tzinfo=zone).utcoffset()
    assert before is not None
    return (wall - before).replace(tzinfo=UTC)


@settings(max_examples=300)
@given(
    first=near_changes(),
    frequency=st.sampled_from(list(Frequency)),
    interval=st.integers(1, 3),
    count=st.integers(1, 60),
    shift=st.integers(-60, 0),
)
def test_series_starts_match_a_wall_clock_oracle(
    first: datetime, frequency: Frequency, interval: int, count: int, shift: int
) -> None:
    # Start up to 60 periods before the change, so that later occurrences land on it.
    days = interval * (7 if frequency is Frequency.WEEKLY else 1)
    first = (first.astimezone(UTC) + timedelta(days=shift * days)).astimezone(first.tzinfo)
    zone = first.tzinfo
    assert zone is not None
    starts = Recurrence(frequency=frequency, interval=interval, count=count).starts(first)
    assert to_epoch_us(starts[0]) == to_epoch_us(first)
    local = first.astimezone(UTC).astimezone(zone)
    wall = local.replace(tzinfo=None, fold=0)
    for i, got in enumerate(starts):
        expected = _oracle_place(wall + timedelta(days=i * days), zone, local.fold)
        assert to_epoch_us(got) == to_epoch_us(expected), i
        assert got.tzinfo is zone
