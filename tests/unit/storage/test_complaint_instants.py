"""A stored complaint instant decodes to the datetime `decode_at` gives, `fold` included.

The complaint reader builds zoned instants with the zone's `fromutc` on the
epoch carrying the zone; the oracle is `decode_at` (a UTC instant, then
`astimezone`). Checked across DST changes (the repeated and the skipped
hour), fixed offsets, UTC (no zone) and a zone unknown to this machine.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.storage.sql._codecs import decode_at
from clubrules.storage.sql._complaints import _instant

_ZONES = [
    None,
    "Asia/Shanghai",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # a half-hour DST change
    "+08:00",
    "-03:30",
    "+05:45:30.5",
    "Nowhere/Unknown",
]
_LO = to_epoch_us(datetime(1900, 1, 1, tzinfo=UTC))
_HI = to_epoch_us(datetime(2200, 1, 1, tzinfo=UTC))
# Around the DST changes of 2026 in London and New York, to the microsecond.
_CHANGES = [
    to_epoch_us(datetime(2026, 3, 29, 1, tzinfo=UTC)),
    to_epoch_us(datetime(2026, 10, 25, 1, tzinfo=UTC)),
    to_epoch_us(datetime(2026, 3, 8, 7, tzinfo=UTC)),
    to_epoch_us(datetime(2026, 11, 1, 6, tzinfo=UTC)),
]
_near_changes = st.builds(
    lambda at, delta: at + delta,
    st.sampled_from(_CHANGES),
    st.integers(-7_200_000_000, 7_200_000_000),
)


@given(us=st.one_of(st.integers(_LO, _HI), _near_changes), zone=st.sampled_from(_ZONES))
def test_as_decode_at(us: int, zone: str | None) -> None:
    got, want = _instant([us, zone]), decode_at(us, zone)
    assert got == want
    assert (got.utcoffset(), got.fold, got.tzinfo) == (want.utcoffset(), want.fold, want.tzinfo)
    assert got.replace(tzinfo=None) == want.replace(tzinfo=None)  # the same wall time
