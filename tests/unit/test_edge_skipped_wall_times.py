"""Wall times the clocks skip, given in the club's own zone, read as the instants they name.

`astimezone` to a datetime's own tzinfo hands it back unchanged, so a rule
that takes `value.astimezone(zone)` for a local date or hour reads a wall
time that never showed on any clock: Pacific/Kiritimati skipped 31 December
1994 (its instants are 1 January 1995), Pacific/Apia 30 December 2011, and
every spring-forward night skips an hour or half an hour. The walk in
tests/unit/hostile/test_zone_invariance.py checks every public callable
with skipped hours; these tests add the skipped days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, local_time, to_epoch_us
from clubrules.complaints import CaseFacts, CaseKind, CaseState, analyse

KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
APIA = ZoneInfo("Pacific/Apia")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")

# (zone, the first instant after a change that skips wall times, the gap).
SKIPS = (
    (KIRITIMATI, datetime(1995, 1, 1, tzinfo=KIRITIMATI), timedelta(days=1)),
    (APIA, datetime(2011, 12, 31, tzinfo=APIA), timedelta(days=1)),
    (NEW_YORK, datetime(2026, 3, 8, 3, tzinfo=NEW_YORK), timedelta(hours=1)),
    (LORD_HOWE, datetime(2026, 10, 4, 2, 30, tzinfo=LORD_HOWE), timedelta(minutes=30)),
)


@st.composite
def _skipped(draw: st.DrawFn) -> tuple[ZoneInfo, datetime, datetime]:
    """A zone, a wall time its clocks skip (either fold), and the instant it names, in UTC."""
    zone, after, gap = draw(st.sampled_from(SKIPS))
    into = timedelta(microseconds=draw(st.integers(0, gap // timedelta(microseconds=1) - 1)))
    fold = draw(st.integers(0, 1))
    wall = (after.replace(tzinfo=None) - gap + into).replace(tzinfo=zone, fold=fold)
    return zone, wall, from_epoch_us(to_epoch_us(wall))


@settings(max_examples=200)
@given(_skipped())
def test_a_skipped_wall_time_shows_the_wall_time_of_its_instant(
    skipped: tuple[ZoneInfo, datetime, datetime],
) -> None:
    zone, wall, instant = skipped
    local = local_time(wall, zone, "at")
    assert to_epoch_us(local) == to_epoch_us(wall)
    # The oracle: the instant, written in UTC, converted to the zone.
    assert local.replace(tzinfo=None) == instant.astimezone(zone).replace(tzinfo=None)
    assert local.replace(tzinfo=None) != wall.replace(tzinfo=None)


def _facts(registered: datetime) -> CaseFacts:
    return CaseFacts(
        case_id="k-1",
        customer_id="c-1",
        kind=CaseKind.COMPLAINT,
        channel="phone",
        category="service",
        assignee="st-1",
        state=CaseState.CLOSED_SATISFIED,
        registered_us=to_epoch_us(registered),
        first_response_us=None,
        resolution_us=None,
        outcomes=(),
        open_breaches=0,
    )


def test_analyse_counts_months_from_the_instant_a_skipped_start_names() -> None:
    # 31 December 1994 12:00 never showed in Kiritimati: it is 1 January 1995 12:00.
    start = datetime(1994, 12, 31, 12, tzinfo=KIRITIMATI)
    end = datetime(1995, 3, 1, tzinfo=KIRITIMATI)
    facts = [_facts(datetime(1995, 1, 20, tzinfo=KIRITIMATI))]
    given_in_zone = analyse(facts, start=start, end=end, zone=KIRITIMATI)
    given_in_utc = analyse(facts, start=start.astimezone(UTC), end=end, zone=KIRITIMATI)
    assert list(given_in_zone.by_month) == list(given_in_utc.by_month) == ["1995-01"]
    assert given_in_zone.by_month == given_in_utc.by_month
    assert given_in_zone.overall == given_in_utc.overall
    assert to_epoch_us(given_in_zone.start) == to_epoch_us(given_in_utc.start)
