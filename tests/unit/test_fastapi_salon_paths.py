"""The example service's fast paths against the slow, obvious ones (no database needed).

- `POST /bookings` reads its body from the bytes (`booking_in`) rather than
  through a FastAPI body parameter: every body, valid or not, must get the
  answer the body parameter gives (the oracle is a route declared the usual way).
- The booking route reuses the schedule of the last read while a read
  returns the same booking values, and the refusals answered on it while
  they hold (`_LastRead`): every check, every list of alternatives and every
  refusal's body must be what a schedule built afresh gives at that `now`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

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
from clubrules.testing import ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "fastapi_salon"))

from salon_api.app import _WINDOW, Salon, _LastRead, book, create_app
from salon_api.config import Settings
from salon_api.errors import BookingRefusedError, install_error_handlers, refusal_body
from salon_api.schemas import BookingIn, booking_in
from salon_api.seed import SLOT_STEP, ZONE, booking_rules, complaint_book

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
    last = _LastRead()
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
    last = _LastRead()
    request = BookingRequest(
        service="facial", start=DAY + 16 * SLOT_STEP, resources={"room": "room-1"}
    )
    assert not RULES.check(request, last.of(stored), now=NOW).ok
    freed = [b.cancel(now=NOW, policy=RULES.policy) for b in stored]
    assert RULES.check(request, last.of(freed), now=NOW).ok


# --- refusals answered again ---------------------------------------------------------


class _Bookings:
    """The booking port in memory, handing back the same values each read (as PostgreSQL's)."""

    def __init__(self) -> None:
        self.stored: list[Booking] = []

    async def find(self, **_bounds: object) -> list[Booking]:
        return sorted(self.stored, key=lambda b: (b.start, b.id))

    async def add(self, booking: Booking, *, now: datetime) -> Booking:
        assert now.tzinfo is not None
        for old in self.stored:
            if (
                booking.idempotency_key is not None
                and old.idempotency_key == booking.idempotency_key
            ):
                return old
        self.stored.append(booking)
        return booking


def _expected(
    bookings: list[Booking], body: BookingIn, key: str | None, now: datetime
) -> bytes | None:
    """The refusal's body from a schedule built afresh (None: the request is accepted)."""
    request = BookingRequest(service=body.service, start=body.start, resources=body.resources)
    schedule = Schedule(bookings)
    own = tuple(b.id for b in bookings if key is not None and b.idempotency_key == key)
    result = RULES.check(request, schedule, now=now, exclude=own)
    if result.ok:
        return None
    alternatives = find_alternatives(
        RULES, request, schedule, now=now, limit=3, window=_WINDOW, step=SLOT_STEP, exclude=own
    )
    return refusal_body(BookingRefusedError(result.reasons, alternatives))


async def _refusal(salon: Salon, body: BookingIn, key: str | None) -> bytes | None:
    """The refusal's body the route answers (None: the booking was stored)."""
    try:
        await book(salon, body, key)
    except BookingRefusedError as refused:
        return refused.answer
    return None


# One call: the clock moved forward by some minutes, a start (a few quarter-hours of two
# days, three days ahead, so that the day fills and its refusals are asked again while
# the clock runs towards the notice), held or confirmed, maybe an idempotency key, and
# maybe chosen resources.
_calls = st.lists(
    st.tuples(
        st.sampled_from([0, 0, 0, 0, 1, 10, 60, 300, 1440, 2880, 3000]),
        st.sampled_from([16, 17, 18, 24, 40, 96 + 16, 96 + 40]),
        st.sampled_from(["held", "confirmed"]),
        st.sampled_from([None, None, "k-1", "k-2"]),
        st.sampled_from([{}, {}, {"room": "room-1"}, {"beautician": "chen"}]),
    ),
    min_size=1,
    max_size=50,
)


@settings(max_examples=150, deadline=None)
@given(calls=_calls)
def test_a_refusal_answered_again_is_the_one_a_fresh_check_gives(
    calls: list[tuple[int, int, Literal["held", "confirmed"], str | None, dict[str, str]]],
) -> None:
    clock = ManualClock(NOW)
    bookings = _Bookings()
    storage: Any = type("Storage", (), {"bookings": bookings})()
    salon = Salon(RULES, complaint_book(), clock, storage)
    first = NOW.replace(hour=10) + timedelta(days=3)

    async def go() -> None:
        for minutes, slot, status, key, resources in calls:
            clock.advance(timedelta(minutes=minutes))
            start = first + timedelta(days=slot // 96) + (slot % 96) * SLOT_STEP
            body = BookingIn(service="facial", start=start, status=status, resources=resources)
            expected = _expected(list(bookings.stored), body, key, clock.now())
            assert await _refusal(salon, body, key) == expected

    asyncio.run(go())


def test_a_refusal_is_not_answered_again_once_a_hold_in_its_way_lapses() -> None:
    clock = ManualClock(NOW)
    bookings = _Bookings()
    storage: Any = type("Storage", (), {"bookings": bookings})()
    salon = Salon(RULES, complaint_book(), clock, storage)
    start = NOW.replace(hour=14) + timedelta(days=3)
    pinned = {"room": "room-1", "beautician": "li"}

    async def go() -> None:
        await book(salon, BookingIn(service="facial", start=start, resources=pinned), None)
        again = BookingIn(service="facial", start=start, resources=pinned, status="confirmed")
        for _ in range(2):  # refused, then refused again from what was kept
            assert await _refusal(salon, again, None) is not None
        clock.advance(RULES.policy.hold_for)
        booked, replayed = await book(salon, again, None)
        assert (booked.start, replayed) == (start, False)

    asyncio.run(go())


def test_a_refusal_is_not_answered_again_once_the_notice_reaches_its_alternatives() -> None:
    clock = ManualClock(NOW)
    bookings = _Bookings()
    storage: Any = type("Storage", (), {"bookings": bookings})()
    salon = Salon(RULES, complaint_book(), clock, storage)
    day = NOW.replace(hour=10) + timedelta(days=3)
    asked = BookingIn(service="facial", start=day, status="confirmed")

    async def go() -> None:
        # Two facials every 70 minutes fill the day: the nearest free starts are the
        # evening before and the morning after.
        for n in range(18):
            start = day + (n // 2) * timedelta(minutes=70)
            await book(salon, BookingIn(service="facial", start=start, status="confirmed"), None)
        first = await _refusal(salon, asked, None)
        assert first == _expected(list(bookings.stored), asked, None, clock.now())
        # The evening before, an hour before its last free start: that start is too soon now.
        clock.set(day - timedelta(hours=15, minutes=10))
        again = await _refusal(salon, asked, None)
        assert again == _expected(list(bookings.stored), asked, None, clock.now())
        assert again != first

    asyncio.run(go())


def test_the_booking_route_keeps_its_body_answers_and_key_in_the_openapi_schema() -> None:
    app = create_app(Settings(database_url="postgresql:///salon"))
    route = app.openapi()["paths"]["/bookings"]["post"]
    body = route["requestBody"]["content"]["application/json"]["schema"]
    assert body["title"] == "BookingIn"
    assert set(body["required"]) == {"service", "start"}
    assert sorted(route["responses"]) == ["201", "409", "422"]
    answer = route["responses"]["201"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/BookingOut"}
    assert [p["name"] for p in route["parameters"]] == ["Idempotency-Key"]
