"""The SQLite complaints adapter passes the contract suite; its event codec round-trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.complaints import (
    Assigned,
    CaseKind,
    CustomerContacted,
    FollowUpScheduled,
    Registered,
    ResolutionProposed,
    Resolved,
    Severity,
)
from clubrules.errors import StaleVersionError, ValidationError
from clubrules.money import Money
from clubrules.storage.sql._complaints import (
    _TYPES,
    _decode_value,
    _encode_value,
    decode_event,
    decode_events,
    encode_event,
)
from clubrules.storage.sqlite import SQLiteComplaintRepository, SQLiteDatabase
from clubrules.testing.contracts import ComplaintRepositoryContract

if TYPE_CHECKING:
    from clubrules.complaints import CaseEvent


class TestSQLiteComplaints(ComplaintRepositoryContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteComplaintRepository:
        return SQLiteComplaintRepository(sqlite_database)


_LO = datetime(1990, 1, 1, tzinfo=UTC).replace(tzinfo=None)
_HI = datetime(2090, 1, 1, tzinfo=UTC).replace(tzinfo=None)
_zones = st.sampled_from(
    [UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/London"), timezone(timedelta(hours=-3))]
)
_instants = st.builds(
    lambda naive, zone, fold: naive.replace(tzinfo=zone, fold=fold),
    st.datetimes(min_value=_LO, max_value=_HI),
    _zones,
    st.integers(0, 1),
)
# Text a value can store: no NUL, no surrogates (no UTF-8 form).
_storable = st.characters(codec="utf-8", exclude_characters="\x00")
_text = st.text(_storable, min_size=1, max_size=20).filter(str.strip)
_money = st.builds(
    Money,
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(Decimal),
    st.sampled_from(["CNY", "USD"]),
)
_events: st.SearchStrategy[CaseEvent] = st.one_of(
    st.builds(
        Registered,
        case_id=_text,
        at=_instants,
        kind=st.sampled_from(CaseKind),
        channel=st.just("wechat"),
        customer_id=_text,
        contact=_text,
        content=_text,
        policy_id=_text,
        policy_version=st.integers(1, 9),
        severity=st.sampled_from(Severity),
        assignee=st.none() | _text,
    ),
    st.builds(
        lambda at, hours, text: Registered(
            case_id=text,
            at=at,
            kind=CaseKind.PROMISED_REPLY,
            channel="phone",
            customer_id=text,
            contact=text,
            content=text,
            policy_id=text,
            policy_version=1,
            reply_by=at + timedelta(hours=hours),
        ),
        _instants,
        st.integers(1, 72),
        _text,
    ),
    st.builds(
        lambda at, by, note: CustomerContacted(at=at, by=by, channel="wechat", note=note),
        _instants,
        _text,
        st.text(_storable, max_size=30),
    ),
    st.builds(Assigned, at=_instants, by=_text, to=_text),
    st.builds(
        lambda at, by, days: FollowUpScheduled(at=at, by=by, planned_for=at + timedelta(days=days)),
        _instants,
        _text,
        st.integers(1, 60),
    ),
    st.builds(
        ResolutionProposed,
        at=_instants,
        by=_text,
        channel=st.just("phone"),
        remedy=st.none() | _text,
        compensation=st.none() | _money,
        apology=st.booleans(),
    ),
    st.builds(
        Resolved,
        at=_instants,
        by=_text,
        channel=st.just("on_site"),
        substantiated=st.booleans(),
        compensation=st.none() | _money,
    ),
)


@given(_events)
def test_the_event_codec_round_trips(event: CaseEvent) -> None:
    back = decode_event(type(event).__name__, encode_event(event))
    assert back == event
    assert back.at.utcoffset() == event.at.utcoffset()


@given(_events)
def test_an_event_is_encoded_as_json_dumps_writes_it(event: CaseEvent) -> None:
    # The prebuilt encoder against the obvious call, field by field.
    document = {f.name: _encode_value(getattr(event, f.name)) for f in attrs.fields(type(event))}
    expected = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert encode_event(event) == expected


def _checked(type_name: str, document: str) -> CaseEvent:
    """The slow, obvious decoder: every field through the event's checking constructor."""
    fields = json.loads(document)
    kwargs: dict[str, Any] = {name: _decode_value(name, value) for name, value in fields.items()}
    return _TYPES[type_name](**kwargs)


@given(st.lists(_events, max_size=6))
def test_a_log_decodes_as_the_checking_constructor_builds_it(events: list[CaseEvent]) -> None:
    rows = [(type(e).__name__, encode_event(e)) for e in events]
    fast = decode_events(rows)
    assert fast == [_checked(t, d) for t, d in rows] == events
    assert [type(e) for e in fast] == [type(e) for e in events]
    assert [e.at.utcoffset() for e in fast] == [e.at.utcoffset() for e in events]


def test_a_document_of_another_shape_goes_through_the_constructor() -> None:
    # An older writer left out a field with a default: the constructor fills it in.
    event = CustomerContacted(at=datetime(2026, 3, 2, 2, tzinfo=UTC), by="lead", channel="phone")
    document = json.loads(encode_event(event))
    del document["note"]
    assert decode_event("CustomerContacted", json.dumps(document)) == event
    # Such a document that is not a valid event is refused, as before.
    document["by"] = " "
    with pytest.raises(ValidationError):
        decode_event("CustomerContacted", json.dumps(document))


def test_a_log_document_of_the_right_size_but_another_field_goes_through_the_constructor() -> None:
    # The unrolled decoder of a short event type checks names, not only the field count.
    event = CustomerContacted(at=datetime(2026, 3, 2, 2, tzinfo=UTC), by="lead", channel="phone")
    good = ("CustomerContacted", encode_event(event))
    document = json.loads(good[1])
    document["channel"] = "phone"
    del document["note"]
    document["newer"] = "x"  # four fields, as the type has, one of them unknown
    with pytest.raises(TypeError):
        decode_event("CustomerContacted", json.dumps(document))
    with pytest.raises(TypeError):
        decode_events([good, ("CustomerContacted", json.dumps(document))])
    del document["newer"]  # three fields: the constructor fills in the note
    assert decode_events([good, ("CustomerContacted", json.dumps(document))]) == [event, event]


def _registration(*, contact: str = "+8613800138000", content: str = "towel") -> Registered:
    return Registered(
        case_id="k-1",
        at=datetime(2026, 3, 2, 2, tzinfo=UTC),
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact=contact,
        content=content,
        policy_id="complaint-default",
        policy_version=1,
    )


@pytest.mark.parametrize(
    ("bad_text", "rule"),
    [("138\ud800 0013 8000", "lone_surrogate"), ("138\x00 0013 8000", "nul_character")],
)
@pytest.mark.parametrize("field", ["contact", "content"])
def test_text_no_adapter_can_hold_is_refused_when_the_event_is_built(
    field: str, bad_text: str, rule: str
) -> None:
    # Refused by the event itself, so that memory, SQLite and PostgreSQL agree.
    with pytest.raises(ValidationError) as caught:
        _registration(**{field: bad_text})
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert "138" not in str(caught.value)


def test_contact_and_content_never_show_in_repr_or_errors(sqlite_database: SQLiteDatabase) -> None:
    repo = SQLiteComplaintRepository(sqlite_database)
    event = _registration()
    repo.append("k-1", 0, [event])
    with pytest.raises(StaleVersionError) as caught:
        repo.append("k-1", 0, [event])
    shown = " ".join([repr(event), str(event), repr(repo.events("k-1")), str(caught.value)])
    assert "13800138000" not in shown
    assert "towel" not in shown
