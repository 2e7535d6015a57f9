"""A customer's window of consumption records decodes to the values the old reader built.

The SQL adapters read a customer's window in its own row layout: without
the customer's id (the statement matched it), and on PostgreSQL with each
instant in its binary form (`timestamptz_send`: a big-endian int64 of
microseconds since 2000-01-01 UTC). An instant in a stored zone is made
with the zone's `fromutc`, not `astimezone`. Whatever the layout, the
records must equal, and print and compare like, those the old reader made
from the full rows with `decode_at` and the validating constructors.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from clubrules._time import EPOCH, ONE_US, to_epoch_us
from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.money import Money
from clubrules.storage.sql._codecs import decode_at, encode_zone
from clubrules.storage.sql._customers import _read_records

# Zone texts as `encode_zone` stores them, an unknown name (read back in UTC) among them.
ZONE_TEXTS = (
    None,
    "Asia/Shanghai",
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",
    "+05:45",
    "-03:00:17",
    "-00:25:21.500000",
    "Mars/Olympus_Mons",
)
Y2K_US = to_epoch_us(datetime(2000, 1, 1, tzinfo=UTC))
# Instants whose wall time in every zone above is a datetime (years 2 to 9998).
instants_us = st.integers(
    min_value=to_epoch_us(datetime(2, 1, 1, tzinfo=UTC)),
    max_value=to_epoch_us(datetime(9998, 12, 31, tzinfo=UTC)),
)
# Around the DST changes of the named zones, where `fold` decides the wall time.
near_changes_us = st.sampled_from(
    [
        to_epoch_us(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # New York, fold 0
        to_epoch_us(datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),  # New York, fold 1
        to_epoch_us(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # Paris, fold 0
        to_epoch_us(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # Paris, fold 1
        to_epoch_us(datetime(2026, 4, 4, 14, 45, tzinfo=UTC)),  # Lord Howe's half hour
        Y2K_US - 1,
        Y2K_US,
        0,
        -1,
    ]
)
rows = st.tuples(
    st.text(alphabet="abc-0123456789", min_size=1, max_size=8),  # id
    instants_us | near_changes_us,
    st.sampled_from(ZONE_TEXTS),
    st.sampled_from(["facial", "massage", "面部护理"]),
    st.sampled_from(["0.00", "288.00", "1288.50", "0.01", "99999999.99"]),
    st.sampled_from(["CNY", "USD"]),
    st.sampled_from([k.value for k in ConsumptionKind]),
)


def _old_record(
    id_: str, customer_id: str, at: int, zone: str | None, *fields: str
) -> ConsumptionRecord:
    """The oracle: the old reader's decoding, through the validating constructors."""
    service, amount, currency, kind = fields
    refund_of = "t-0" if kind == ConsumptionKind.REFUND.value else None
    return ConsumptionRecord(
        id=id_,
        customer_id=customer_id,
        at=decode_at(at, zone),  # `(EPOCH + ONE_US * at).astimezone(zone)`
        service=service,
        amount=Money(Decimal(amount), currency),
        kind=kind,
        refund_of=refund_of,
    )


def _same(got: list[ConsumptionRecord], expected: list[ConsumptionRecord]) -> None:
    assert got == expected
    assert [repr(r) for r in got] == [repr(r) for r in expected]
    # Equal instants may still differ in zone, offset or fold: each shows its wall time.
    assert [(r.at.tzinfo, r.at.utcoffset(), r.at.fold, r.at.isoformat()) for r in got] == [
        (r.at.tzinfo, r.at.utcoffset(), r.at.fold, r.at.isoformat()) for r in expected
    ]


def _refund_of(kind: str) -> str | None:
    return "t-0" if kind == ConsumptionKind.REFUND.value else None


@given(st.lists(rows, max_size=12), st.text(alphabet="cx-0123456789", min_size=1, max_size=6))
def test_a_customer_window_decodes_as_the_old_reader(
    drawn: list[tuple[str, int, str | None, str, str, str, str]], customer_id: str
) -> None:
    expected = [_old_record(i, customer_id, at, zone, *rest) for i, at, zone, *rest in drawn]
    full = [(i, customer_id, at, zone, *rest, _refund_of(rest[-1])) for i, at, zone, *rest in drawn]
    keyed = [(i, at, zone, *rest, _refund_of(rest[-1])) for i, at, zone, *rest in drawn]
    binary = [
        (i, struct.pack("!q", at - Y2K_US), zone, *rest, _refund_of(rest[-1]))
        for i, at, zone, *rest in drawn
    ]
    _same(_read_records(full), expected)
    _same(_read_records(keyed, customer_id), expected)
    _same(_read_records(binary, customer_id, binary_at=True), expected)
    # Every record of the window shares the caller's id.
    assert all(r.customer_id is customer_id for r in _read_records(keyed, customer_id))


@given(instants_us | near_changes_us, st.sampled_from(ZONE_TEXTS))
def test_an_instant_in_its_zone_is_what_astimezone_gives(at: int, zone: str | None) -> None:
    (record,) = _read_records([("t-1", at, zone, "facial", "1.00", "CNY", "purchase", None)], "c")
    expected = decode_at(at, zone)
    # The instant itself (`==` across zones is False in a repeated hour, as PEP 495 says).
    assert to_epoch_us(record.at) == at == to_epoch_us(EPOCH + ONE_US * at)
    assert record.at == expected
    assert record.at.tzinfo is expected.tzinfo
    assert (record.at.fold, record.at.isoformat()) == (expected.fold, expected.isoformat())


def test_a_value_given_in_a_zone_comes_back_in_it() -> None:
    # The ambiguous hour of a DST change, second time round: only `fold` tells it apart.
    given_at = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York"))
    fixed = datetime(2026, 3, 1, 9, 15, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    for value in (given_at, fixed):
        row = ("t-1", to_epoch_us(value), encode_zone(value), "facial", "1.00", "CNY", "purchase")
        (record,) = _read_records([(*row, None)], "c-1")
        assert record.at == value
        assert (record.at.isoformat(), record.at.fold) == (value.isoformat(), value.fold)
