"""The example service's fast paths against the slow, obvious ones (no database needed).

- `POST /bookings` reads its body from the bytes (`booking_in`) rather than
  through a FastAPI body parameter: every body, valid or not, must get the
  answer the body parameter gives (the oracle is a route declared the usual way).
- The booking route reuses the schedule of the last read while a read
  returns the same booking values (`_LastSchedule`): every check and every
  list of alternatives must be what a schedule built afresh gives.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
from fastapi import FastAPI, Request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.booking import (
    Booking,
    BookingRequest,
    BookingStatus,
    Schedule,
    find_alternatives,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "fastapi_salon"))

from salon_api.app import _LastSchedule
from salon_api.errors import install_error_handlers
from salon_api.schemas import BookingIn, booking_in
from salon_api.seed import SLOT_STEP, ZONE, booking_rules

# --- the body, read from its bytes ---------------------------------------------------


def _reference_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/b")
    async def read(body: BookingIn) -> dict[str, Any]:
        return body.model_dump(mode="json")

    return app


def _fast_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/b")
    async def read(request: Request) -> dict[str, Any]:
        body = booking_in(await request.body(), request.headers.get("content-type"))
        return body.model_dump(mode="json")

    return app


_APPS = (_reference_app(), _fast_app())

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(
        [
            "facial",
            "sauna",
            "held",
            "confirmed",
            "2026-03-04T10:00:00+08:00",
            "2026-03-04T10:00:00",
            "2026-03-04",
            "0001-01-01T00:00:00+08:06",
            "10:00",
        ]
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["beautician", "room", ""]), st.text(max_size=4), max_size=2),
)
_FIELDS = ["service", "start", "headcount", "customer_id", "resources", "status", "taken_by"]
_objects = st.dictionaries(st.sampled_from([*_FIELDS, "price", "Service"]), _values, max_size=8)
_bodies = st.one_of(
    _objects.map(lambda d: json.dumps(d).encode()),
    st.sampled_from(
        [b"", b"null", b"[]", b"3", b'"x"', b"{", b'{"service": }', b"\xff\xfe{}", b"{} {}"]
    ),
    st.binary(max_size=12),
)
_content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/problem+json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "json",
    ]
)


async def _answers(body: bytes, content_type: str | None) -> list[tuple[int, Any]]:
    headers = {} if content_type is None else {"content-type": content_type}
    out = []
    for app in _APPS:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/b", content=body, headers=headers)
        out.append((response.status_code, response.json()))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_bodies, content_type=_content_types)
def test_the_booking_body_gets_the_answer_of_a_fastapi_body_parameter(
    body: bytes, content_type: str | None
) -> None:
    reference, fast = asyncio.run(_answers(body, content_type))
    assert fast == reference
    assert fast[0] in {200, 400, 422}


def test_a_valid_body_is_read_and_a_bad_one_is_422_naming_the_field() -> None:
    good = json.dumps({"service": "facial", "start": "2026-03-04T10:00:00+08:00"}).encode()
    assert asyncio.run(_answers(good, "application/json"))[1][0] == 200
    status, answer = asyncio.run(_answers(b'{"start": "soon"}', "application/json"))[1]
    assert status == 422
    fields = [v["field"] for v in answer["error"]["details"]["violations"]]
    assert fields == ["service", "start"]
    assert "soon" not in json.dumps(answer)  # the input is never answered back


# --- the schedule of the last read ---------------------------------------------------

RULES = booking_rules()
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=ZONE)
DAY = NOW.replace(hour=10) + timedelta(days=2)


def _day_bookings(slots: list[int]) -> list[Booking]:
    """The facials booked in turn at these quarter-hours of DAY (the refused ones left out)."""
    schedule = Schedule()
    for n, slot in enumerate(slots):
        request = BookingRequest(service="facial", start=DAY + slot * SLOT_STEP)
        result = RULES.check(request, schedule, now=NOW)
        if result.ok:
            schedule.add(
                RULES.book(result, booking_id=f"bk-{n}", now=NOW, status=BookingStatus.CONFIRMED)
            )
    return sorted(schedule, key=lambda b: (b.start, b.id))


def _answers_of(schedule: Schedule, starts: list[int]) -> list[object]:
    out: list[object] = []
    for slot in starts:
        request = BookingRequest(service="facial", start=DAY + slot * SLOT_STEP)
        out.append(RULES.check(request, schedule, now=NOW).reasons)
        out.append(find_alternatives(RULES, request, schedule, now=NOW, limit=3, step=SLOT_STEP))
    return out


# One read: which bookings it returns, and for each whether it is the same value (0),
# an equal copy (1) or the booking cancelled since (2).
_reads = st.lists(st.lists(st.sampled_from([0, 0, 0, 1, 2, 3]), min_size=24, max_size=24))


@settings(max_examples=60, deadline=None)
@given(
    slots=st.lists(st.integers(0, 39), min_size=1, max_size=24),
    reads=_reads.filter(lambda r: len(r) <= 6),
    asked=st.lists(st.integers(-8, 47), min_size=1, max_size=3),
)
def test_the_last_schedule_answers_as_a_schedule_built_afresh(
    slots: list[int], reads: list[list[int]], asked: list[int]
) -> None:
    stored = _day_bookings(slots)
    last = _LastSchedule()
    for read in [[0] * 24, *reads, [0] * 24]:
        bookings: list[Booking] = []
        for booking, how in zip(stored, read, strict=False):
            if how == 1:
                bookings.append(attrs.evolve(booking))
            elif how == 2:
                bookings.append(booking.cancel(now=NOW, policy=RULES.policy))
            elif how != 3:
                bookings.append(booking)
        assert _answers_of(last.of(bookings), asked) == _answers_of(Schedule(bookings), asked)


def test_a_booking_cancelled_since_the_last_read_frees_its_slot() -> None:
    stored = _day_bookings([16])  # 14:00
    last = _LastSchedule()
    request = BookingRequest(
        service="facial", start=DAY + 16 * SLOT_STEP, resources={"room": "room-1"}
    )
    assert not RULES.check(request, last.of(stored), now=NOW).ok
    freed = [b.cancel(now=NOW, policy=RULES.policy) for b in stored]
    assert RULES.check(request, last.of(freed), now=NOW).ok
