"""Oracle hunt (privacy): each computation against a slow, obvious oracle.

- Deletion deadlines: `keep_for` was added to the wall time of the consent's
  end, so one withdrawal written in New York and in UTC gave deadlines an
  hour apart across a DST change (30 days after 1 March 10:00 New York was
  31 March 10:00 EDT, or 11:00 EDT when written in UTC). It is now elapsed
  time from the end's instant, against an oracle that scans every record in
  epoch microseconds. A deadline past year 9999 raised a bare
  `OverflowError`; it is a `ValidationError` (`keep_for`, `out_of_range`).
- Leak notices: an offset with seconds (local mean time before 1900, a
  fixed offset to the second) read "UTC+08:0543"; the detection line is
  read back here and must give the wall time and the offset of the instant,
  worked out from its epoch microseconds.
- Masked phones: a `+86` typed with a full-width plus (U+FF0B, as a Chinese
  keyboard gives it) was not dropped, so "+86 12345" so typed showed
  `*****45` where it is hidden whole; the mask now matches the documented
  table for every spelling.
- `ConsentRecord.covers` compared the purpose by identity, so a purpose
  given by its value ("marketing", as `active_consent` takes it) was never
  covered; an unknown one now raises `ValidationError` (`unknown_choice`).
- `LeakIncident` took a cause, harm, contact or id given as None for filled
  in (`str(None)` is "None", and the notice read "Cause: None"), and any
  other non-text value; they are refused (`required`, `not_a_string`).
- Consent lookups, access reports over [since, until) and phone blind
  indexes (every spelling, full-width digits, country prefixes) agree with a
  plain filter, a plain count and a hand normalisation: nothing to fix.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.errors import ValidationError
from clubrules.privacy import (
    AccessEvent,
    BlindIndex,
    ConsentRecord,
    IndexKind,
    LeakIncident,
    Purpose,
    RetentionRule,
    access_report,
    active_consent,
    deletion_schedule,
    mask_phone,
    render_leak_notice,
)
from clubrules.storage.memory import InMemoryAccessLog
from tests._zones import EDGE_ZONE_NAMES, EDGE_ZONES

# Days near which the zones change their clocks, end a year or hold 29 February.
AWKWARD_DAYS = (
    date(2026, 1, 1),
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 9, 6),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 12, 31),
    date(2024, 2, 29),
    date(2027, 2, 28),
    date(2011, 12, 30),
)
US_PER_MINUTE = 60_000_000
US_PER_DAY = 86_400_000_000


@st.composite
def walls(draw: st.DrawFn) -> datetime:
    """A wall time near an awkward day in an edge zone, either fold, skipped ones included."""
    zone = draw(st.sampled_from(EDGE_ZONES))
    day = draw(st.sampled_from(AWKWARD_DAYS))
    minutes = draw(st.integers(-24 * 60, 48 * 60))
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=zone, fold=draw(st.integers(0, 1)))


@st.composite
def written(draw: st.DrawFn, instant: datetime) -> datetime:
    """`instant` as the caller may write it: as given, in UTC, a fixed offset, a zone, pendulum."""
    us = to_epoch_us(instant)
    how = draw(st.sampled_from(("as given", "utc", "fixed", "zone", "pendulum")))
    if how == "as given":
        return instant
    if how == "utc":
        return from_epoch_us(us)
    if how == "fixed":
        minutes = draw(st.integers(-14 * 60 + 1, 14 * 60 - 1))
        return from_epoch_us(us, timezone(timedelta(minutes=minutes)))
    name = draw(st.sampled_from(EDGE_ZONE_NAMES))
    if how == "zone":
        return from_epoch_us(us, ZoneInfo(name))
    return pendulum.from_timestamp(0, tz="UTC").add(microseconds=us).in_timezone(name)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """An instant near an awkward day, written any way the caller may."""
    return draw(written(draw(walls())))


@st.composite
def later(draw: st.DrawFn, start: datetime) -> datetime:
    """An instant at or after `start` (within about 40 days), written any way."""
    step = draw(
        st.one_of(
            st.integers(0, 3 * 60).map(lambda m: m * US_PER_MINUTE),
            st.integers(0, 40).map(lambda d: d * US_PER_DAY),
            st.integers(0, 40 * US_PER_DAY),
        )
    )
    return draw(written(from_epoch_us(to_epoch_us(start) + step, ZoneInfo("UTC"))))


def _us(value: datetime | None) -> int | None:
    return None if value is None else to_epoch_us(value)


# --- consent ------------------------------------------------------------------------------

PURPOSES = (Purpose.SERVICE_DELIVERY, Purpose.MARKETING)
FIELDS = ("phone", "email")


@st.composite
def consents(draw: st.DrawFn, customer_ids: tuple[str, ...] = ("c-1",)) -> list[ConsentRecord]:
    """A few consents of the customers, for two purposes and fields, ended or not."""
    records = []
    for n in range(draw(st.integers(1, 5))):
        given_at = draw(instants())
        ends = [draw(st.none() | later(given_at)) for _ in range(2)]
        records.append(
            ConsentRecord(
                id=f"k-{n}",
                customer_id=draw(st.sampled_from(customer_ids)),
                purpose=draw(st.sampled_from(PURPOSES)),
                scope=draw(st.sets(st.sampled_from(FIELDS), min_size=1)),
                given_at=given_at,
                withdrawn_at=ends[0],
                expires_at=ends[1],
            )
        )
    return records


def _holds(record: ConsentRecord, at_us: int) -> bool:
    """given_at <= at < the earlier of withdrawal and expiry, in epoch microseconds."""
    ends = [us for us in (_us(record.withdrawn_at), _us(record.expires_at)) if us is not None]
    return to_epoch_us(record.given_at) <= at_us and (not ends or at_us < min(ends))


@settings(max_examples=200)
@given(records=consents(), at=instants(), field=st.sampled_from(FIELDS))
def test_active_consent_is_the_first_record_a_plain_filter_keeps(
    records: list[ConsentRecord], at: datetime, field: str
) -> None:
    at_us = to_epoch_us(at)
    for purpose in PURPOSES:
        kept = [r for r in records if r.purpose is purpose and field in r.scope]
        expected = next((r for r in kept if _holds(r, at_us)), None)
        assert active_consent(records, field=field, purpose=purpose, at=at) is expected
        for record in kept:
            assert record.is_active(at) is _holds(record, at_us)
        for record in records:
            covered = record in kept and _holds(record, at_us)
            assert record.covers(field, purpose, at) is covered
            # A purpose given by its value means the same (it was never covered).
            assert record.covers(field, purpose.value, at) is covered  # type: ignore[arg-type]


# --- deletion schedule --------------------------------------------------------------------


@st.composite
def keeps(draw: st.DrawFn) -> timedelta:
    return draw(
        st.one_of(
            st.just(timedelta(0)),
            st.integers(1, 400).map(lambda d: timedelta(days=d)),
            st.integers(1, 100).map(lambda h: timedelta(hours=h)),
            st.integers(1, 60 * US_PER_DAY).map(lambda us: timedelta(microseconds=us)),
        )
    )


def _deadlines(
    records: list[ConsentRecord], keep: dict[tuple[str, Purpose], timedelta], as_of_us: int
) -> list[tuple[int, str, str]]:
    """(deadline, customer, field) by scanning every record in epoch microseconds."""
    due = []
    places = {(r.customer_id, f) for r in records for f in r.scope}
    for customer_id, field in sorted(places):
        held = [
            r
            for r in records
            if r.customer_id == customer_id
            and field in r.scope
            and (field, r.purpose) in keep
            and to_epoch_us(r.given_at) <= as_of_us
        ]
        if not held or any(_holds(r, as_of_us) for r in held):
            continue
        ends = []
        for r in held:
            end = min(us for us in (_us(r.withdrawn_at), _us(r.expires_at)) if us is not None)
            ends.append(end + keep[field, r.purpose] // timedelta(microseconds=1))
        due.append((max(ends), customer_id, field))
    return sorted(due)


@settings(max_examples=200)
@given(
    records=consents(("c-1", "c-2")),
    keep=st.dictionaries(st.tuples(st.sampled_from(FIELDS), st.sampled_from(PURPOSES)), keeps()),
    as_of=st.one_of(instants(), later(datetime(2027, 6, 1, tzinfo=UTC))),
)
def test_deletion_is_due_keep_for_of_elapsed_time_after_the_latest_end(
    records: list[ConsentRecord], keep: dict[tuple[str, Purpose], timedelta], as_of: datetime
) -> None:
    rules = [RetentionRule(f, p, k) for (f, p), k in keep.items()]
    schedule = deletion_schedule(records, rules, as_of=as_of)
    got = [(to_epoch_us(d.due_at), d.customer_id, d.field) for d in schedule]
    assert got == _deadlines(records, keep, to_epoch_us(as_of))


NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("written_in", [NEW_YORK, UTC, timezone(timedelta(hours=-5))])
def test_one_withdrawal_written_in_any_zone_gives_one_deadline(written_in: tzinfo) -> None:
    ended = datetime(2026, 3, 1, 10, tzinfo=NEW_YORK).astimezone(written_in)
    record = ConsentRecord(
        id="k",
        customer_id="c",
        purpose=Purpose.MARKETING,
        scope={"phone"},
        given_at=ended - timedelta(days=1),
        withdrawn_at=ended,
    )
    rule = RetentionRule("phone", Purpose.MARKETING, timedelta(days=30))
    (due,) = deletion_schedule([record], [rule], as_of=ended + timedelta(days=1))
    # 720 hours after 15:00 UTC, across the spring-forward change of 8 March.
    assert to_epoch_us(due.due_at) == to_epoch_us(datetime(2026, 3, 31, 15, tzinfo=UTC))
    assert due.due_at.tzinfo is written_in


@pytest.mark.parametrize("keep", [timedelta(days=60), timedelta.max])
def test_a_deadline_past_year_9999_is_refused_typed(keep: timedelta) -> None:
    ended = datetime(9999, 12, 1, tzinfo=UTC)
    record = ConsentRecord(
        id="k",
        customer_id="c",
        purpose=Purpose.MARKETING,
        scope={"phone"},
        given_at=ended - timedelta(days=1),
        withdrawn_at=ended,
    )
    rule = RetentionRule("phone", Purpose.MARKETING, keep)
    with pytest.raises(ValidationError) as caught:
        deletion_schedule([record], [rule], as_of=ended + timedelta(days=1))
    assert (caught.value.field, caught.value.rule) == ("keep_for", "out_of_range")


# --- leak notices -------------------------------------------------------------------------

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DETECTED = re.compile(
    r"Detected: (\w{3}) (\d+) (\w{3}) (\d+) (\d\d):(\d\d) "
    r"\(UTC(?:([+-])(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{6}))?)?)?\)"
)
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - naive on purpose: the oracle's own arithmetic


def _incident(detected_at: datetime) -> LeakIncident:
    return LeakIncident(
        id="inc-1",
        detected_at=detected_at,
        data_types=("phone numbers",),
        cause="a lost laptop",
        possible_harm="spam calls",
        remedies=("keys rotated",),
        individual_steps=("ignore unknown callers",),
        contact="privacy@example.com",
    )


@st.composite
def detections(draw: st.DrawFn) -> datetime:
    """A detection time: near a DST change or a year end, or in a zone's local mean time."""
    kind = draw(st.sampled_from(("near a change", "old", "seconds", "year ends")))
    if kind == "near a change":
        return draw(instants())
    if kind == "old":  # before standard time: offsets to the second (Shanghai +08:05:43)
        zone = draw(st.sampled_from(EDGE_ZONES))
        minutes = draw(st.integers(0, 10_000))
        return datetime(1890, 6, 1, 12, tzinfo=zone) + timedelta(minutes=minutes)
    if kind == "year ends":  # years 1 and 9999, shown up to 14 hours either side of UTC
        start = draw(
            st.sampled_from((datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 29, tzinfo=UTC)))
        )
        us = to_epoch_us(start) + draw(st.integers(0, 2 * US_PER_DAY))
        return from_epoch_us(us, timezone(timedelta(minutes=draw(st.integers(-840, 840)))))
    offset = timedelta(microseconds=draw(st.integers(-86_399_999_999, 86_399_999_999)))
    wall = datetime(2026, 1, 1) + timedelta(minutes=draw(st.integers(-3000, 3000)))  # noqa: DTZ001
    return wall.replace(tzinfo=timezone(offset))


@settings(max_examples=200)
@given(detected_at=detections())
def test_the_notice_shows_the_wall_time_and_offset_of_the_instant(detected_at: datetime) -> None:
    us = to_epoch_us(detected_at)
    tz = detected_at.tzinfo
    assert tz is not None
    # The oracle: the offset the zone gives that UTC instant, and wall = UTC + offset.
    utc_wall = _EPOCH + timedelta(microseconds=us)
    offset = tz.fromutc(utc_wall.replace(tzinfo=tz)).utcoffset()
    assert offset is not None
    wall = utc_wall + offset
    text = render_leak_notice(_incident(detected_at), language="en")
    found = _DETECTED.fullmatch(text.splitlines()[2])
    assert found is not None, text.splitlines()[2]
    wd, d, mon, y, hh, mm, sign, oh, om, os_, ous = found.groups()
    assert (wd, int(d), mon, int(y)) == (
        DAYS[wall.weekday()],
        wall.day,
        MONTHS[wall.month - 1],
        wall.year,
    )
    assert (int(hh), int(mm)) == (wall.hour, wall.minute)
    shown = timedelta(0)
    if sign is not None:
        magnitude = timedelta(
            hours=int(oh), minutes=int(om), seconds=int(os_ or 0), microseconds=int(ous or 0)
        )
        shown = -magnitude if sign == "-" else magnitude
    assert shown == offset
    offset_text = text.splitlines()[2].rsplit("(", 1)[1].rstrip(")")
    assert (
        render_leak_notice(_incident(detected_at))
        .splitlines()[2]
        .endswith(
            f"（{offset_text}）"  # noqa: RUF001 - Chinese parentheses
        )
    )


@pytest.mark.parametrize(
    ("detected_at", "shown"),
    [
        (datetime(1900, 1, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), "(UTC+08:05:43)"),
        (
            datetime(2026, 3, 1, 10, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
            "(UTC-03:30)",
        ),
        (
            datetime(2026, 3, 1, 10, tzinfo=timezone(timedelta(microseconds=1))),
            "(UTC+00:00:00.000001)",
        ),
        (datetime(2026, 3, 1, 10, tzinfo=UTC), "(UTC)"),
    ],
)
def test_offsets_read_as_hours_minutes_and_seconds_when_they_have_them(
    detected_at: datetime, shown: str
) -> None:
    assert render_leak_notice(_incident(detected_at), language="en").splitlines()[2].endswith(shown)


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("cause", None, "required"),
        ("contact", None, "required"),
        ("id", None, "required"),
        ("possible_harm", 5, "not_a_string"),
        ("contact", b"dpo@example.com", "not_a_string"),
    ],
)
def test_an_art_57_entry_given_as_none_or_not_text_is_refused(
    name: str, value: object, rule: str
) -> None:
    """`str(None)` is "None": a missing cause read as filled in, and the notice said "None"."""
    fields = attrs.asdict(_incident(datetime(2026, 3, 1, 10, tzinfo=UTC)), recurse=False)
    with pytest.raises(ValidationError) as caught:
        LeakIncident(**{**fields, name: value})
    assert [(v.field, v.rule) for v in caught.value.violations] == [(name, rule)]


# --- access reports -----------------------------------------------------------------------


@st.composite
def access_events(draw: st.DrawFn) -> list[AccessEvent]:
    events = []
    for _ in range(draw(st.integers(0, 12))):
        allowed = draw(st.booleans())
        events.append(
            AccessEvent(
                draw(instants()),
                draw(st.sampled_from(("s-1", "s-2", "s-3"))),
                "beautician",
                draw(st.sampled_from(PURPOSES)),
                draw(st.sampled_from(("c-1", "c-2"))),
                draw(st.sampled_from(("allergies", "health"))),
                allowed,
                "allowed" if allowed else "no_consent",
            )
        )
    return events


@settings(max_examples=150)
@given(
    events=access_events(),
    bounds=st.tuples(st.none() | instants(), st.none() | instants()),
    field=st.sampled_from((None, "allergies", "health")),
)
def test_an_access_report_is_a_plain_filter_of_the_log(
    events: list[AccessEvent],
    bounds: tuple[datetime | None, datetime | None],
    field: str | None,
) -> None:
    since, until = bounds
    if since is not None and until is not None:
        assume(to_epoch_us(since) != to_epoch_us(until))
        since, until = sorted((since, until), key=to_epoch_us)
    log = InMemoryAccessLog()
    for event in events:
        log.append(event)
    report = access_report(log, "c-1", field=field, since=since, until=until)
    lo, hi = _us(since), _us(until)
    expected = [
        e
        for e in events
        if e.customer_id == "c-1"
        and field in (None, e.field)
        and (lo is None or lo <= to_epoch_us(e.at))
        and (hi is None or to_epoch_us(e.at) < hi)
    ]
    assert report.events == tuple(expected)
    readers: list[str] = []
    for e in expected:
        if e.allowed and e.actor not in readers:
            readers.append(e.actor)
    assert report.readers == tuple(readers)
    lines = report.render().splitlines()[1:]
    assert [line.split("  ")[0] for line in lines] == [_utc_text(e.at) for e in expected]


def _utc_text(at: datetime) -> str:
    """`at` in UTC to the second, from its epoch microseconds: 'YYYY-MM-DD HH:MM:SS UTC'."""
    t = _EPOCH + timedelta(microseconds=to_epoch_us(at))
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC"


@pytest.mark.parametrize(
    "at",
    [
        datetime(1, 1, 1, 0, 0, 5, tzinfo=UTC),
        datetime(999, 1, 1, 0, 0, 5, 999, tzinfo=timezone(timedelta(hours=3))),
        datetime(9999, 12, 31, 18, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_a_report_writes_every_year_with_four_digits(at: datetime) -> None:
    log = InMemoryAccessLog()
    log.append(
        AccessEvent(
            at,
            "s-1",
            "beautician",
            Purpose.MARKETING,
            "c-1",
            "phone",
            allowed=True,
            reason="allowed",
        )
    )
    line = access_report(log, "c-1").render().splitlines()[1]
    assert line.startswith(_utc_text(at) + "  s-1 (beautician)")


# --- blind indexes ------------------------------------------------------------------------

KEY = bytes(range(32))
# Chinese mobile prefixes that every numbering plan accepts.
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "138", "139", "150", "158", "186", "188")
_FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")  # noqa: RUF001


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(MOBILE_PREFIXES)) + draw(
        st.text("0123456789", min_size=8, max_size=8)
    )


@st.composite
def spellings(draw: st.DrawFn, digits: str) -> str:
    """`digits` as people type it: a country prefix, separators, full-width characters."""
    prefix = draw(st.sampled_from(("", "+86", "+86 ", "0086 ", "86", "(+86) ", "+86-")))
    sep = draw(st.sampled_from(("", " ", "-", ".", "\u3000")))
    text = prefix + sep.join((digits[:3], digits[3:7], digits[7:]))
    if draw(st.booleans()):
        text = "".join(c.translate(_FULL_WIDTH) if draw(st.booleans()) else c for c in text)
    return draw(st.sampled_from(("", " ", "\t"))) + text + draw(st.sampled_from(("", " ")))


@settings(max_examples=200)
@given(data=st.data(), one=mobiles(), other=mobiles())
def test_a_phone_index_value_is_that_of_the_number_normalised_by_hand(
    data: st.DataObject, one: str, other: str
) -> None:
    index = BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=64)
    written_one = data.draw(spellings(one))
    assert index.normalise(written_one) == "+86" + one
    assert index.of(written_one) == index.of_normalised("+86" + one)
    if other != one:
        assert index.of(data.draw(spellings(other))) != index.of(written_one)


@settings(max_examples=150)
@given(
    data=st.data(),
    one=st.text("0123456789Xx", min_size=15, max_size=18),
    other=st.text("0123456789Xx", min_size=15, max_size=18),
)
def test_an_id_number_index_value_drops_spaces_and_hyphens_and_ignores_case(
    data: st.DataObject, one: str, other: str
) -> None:
    index = BlindIndex(KEY, field="id_number", kind=IndexKind.ID_NUMBER, bits=64)

    def spelled(value: str) -> str:
        return "".join(c + data.draw(st.sampled_from(("", "", " ", "-", " - "))) for c in value)

    assert index.of(spelled(one)) == index.of(one.upper()) == index.of_normalised(one.upper())
    if one.upper() != other.upper():
        assert index.of(spelled(other)) != index.of(one)


# --- masking ------------------------------------------------------------------------------

_TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")  # noqa: RUF001


def _documented_mask(digits: str) -> str:
    """The table of `mask_phone`'s docstring, for a number without its country code."""
    n = len(digits)
    if n < 6:  # 3 to 5 digits: every digit hidden
        lead, tail = 0, 0
    elif n < 8:  # 6 or 7: the last 2
        lead, tail = 0, 2
    elif n < 11:  # 8 to 10: fewer leading digits (none at 8), the last 4
        lead, tail = n - 8, 4
    else:  # 11 or more: the first 3 and the last 4
        lead, tail = 3, 4
    return digits[:lead] + "*" * (n - lead - tail) + digits[n - tail :]


@settings(max_examples=200)
@given(
    data=st.data(),
    digits=st.text("0123456789", min_size=3, max_size=12),
    prefix=st.sampled_from(("", "+86", "+86 ", "＋86", "＋８６ ", " +86-")),  # noqa: RUF001
)
def test_a_masked_phone_shows_what_the_table_says_however_it_is_typed(
    data: st.DataObject, digits: str, prefix: str
) -> None:
    sep = data.draw(st.sampled_from(("", " ", "-", "\u3000")))
    body = sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    if data.draw(st.booleans()):
        body = body.translate(_FULL_WIDTH)
    masked = mask_phone(prefix + body)
    assert masked.translate(_TO_ASCII) == _documented_mask(digits)


def test_covers_refuses_an_unknown_purpose() -> None:
    record = ConsentRecord(
        id="k",
        customer_id="c",
        purpose=Purpose.MARKETING,
        scope={"phone"},
        given_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(ValidationError) as caught:
        record.covers("phone", "nonsense", datetime(2026, 2, 1, tzinfo=UTC))  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("purpose", "unknown_choice")
