"""The salon's HTTP API: bookings, availability, complaints and audited allergy reads.

`create_app()` builds the FastAPI app; its lifespan migrates the database,
opens it in the chosen mode and closes it on shutdown. Every rule comes
from clubrules (`BookingRules`, `find_alternatives`, the booking lifecycle,
`register` / `apply` / `sla_status`, `PrivacyVault`); the routes parse
JSON, call the library, and answer JSON. Errors are answered in one place,
`salon_api.errors`.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import logging
import operator
import secrets
from collections.abc import AsyncIterator  # noqa: TC003 - FastAPI resolves annotations
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import attrs
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    BookingStatus,
    Schedule,
    find_alternatives,
    new_confirmation_code,
)
from clubrules.clock import Clock, SystemClock
from clubrules.complaints import (
    Assigned,
    AwaitingCustomer,
    Case,
    CaseEvent,
    ClosedUnresolved,
    CustomerContacted,
    CustomerReplied,
    FollowedUp,
    FollowUpScheduled,
    InvestigationStarted,
    Merged,
    PolicyBook,
    ProposalDeclined,
    Reopened,
    ReportedToManagement,
    ResolutionProposed,
    Resolved,
    Withdrawn,
    apply,
    register,
    sla_status,
)
from clubrules.complaints.ports import load_case_async, save_case_async
from clubrules.errors import (
    DuplicateError,
    NotFoundError,
    SlotConflictError,
    StaleVersionError,
    ValidationError,
    ViolationCollector,
)
from clubrules.money import Money
from clubrules.privacy import Purpose  # noqa: TC001 - FastAPI resolves the header annotation
from clubrules.words import current_locale
from salon_api.config import Mode, Settings
from salon_api.errors import (
    BookingRefusedError,
    install_error_handlers,
    refusal_body,
    to_response,
)
from salon_api.limits import MAX_BODY_BYTES, BodyLimit, checked_limit
from salon_api.schemas import (
    BookingIn,
    BookingOut,
    ComplaintIn,
    ErrorOut,
    EventIn,
    MoveIn,
    booking_in,
    booking_json,
    case_json,
    instant,
    sla_json,
)
from salon_api.seed import SLOT_STEP, ZONE, booking_rules, complaint_book
from salon_api.storage import Storage, open_storage

__all__ = ["Salon", "create_app"]

logger = logging.getLogger("salon_api")

# How far around a requested start the schedule is read: the alternatives
# search looks a day each side, and a booking's busy time reaches past its start.
_AROUND = timedelta(days=2)
# How far the alternatives search looks each side of it (within `_AROUND`, with a day to spare).
_WINDOW = timedelta(days=1)
# A request that loses a race for its slot is checked again against the
# winner; after this many lost rounds it is refused with the latest reasons.
_ROUNDS = 3
_KEY_MAX = 200
REPLAYED = "Idempotent-Replayed"
"""The response header that marks an answer replayed for a retried Idempotency-Key."""

_EVENTS: dict[str, type[Any]] = {
    cls.action: cls
    for cls in (
        CustomerContacted,
        CustomerReplied,
        InvestigationStarted,
        AwaitingCustomer,
        ResolutionProposed,
        ProposalDeclined,
        Resolved,
        FollowUpScheduled,
        FollowedUp,
        Reopened,
        ClosedUnresolved,
        Withdrawn,
        Merged,
        Assigned,
        ReportedToManagement,
    )
}
_EVENT_INSTANTS = frozenset({"reply_by", "planned_for"})


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_REFUSALS_KEPT = 4096


def _us(delta: timedelta) -> int:
    return delta // _ONE_US


def _epoch_us(value: datetime) -> int:
    """An aware instant as microseconds since the epoch (an instant, not a wall time)."""
    return (value - _EPOCH) // _ONE_US


class _LastRead:
    """The schedule of the last bookings read, and the refusals answered on it since.

    On a busy day most requests read a day that has not changed since the
    last one, and the repository hands back the very booking values it
    decoded then (`group_bookings` keeps them): one identity check of the
    list replaces building the index again, and a request refused on it
    before is refused again with the same reasons and alternatives, already
    rendered, while the answer cannot have changed. A refusal is a function
    of the request, the schedule and `now`, and `now` counts only through
    the policy's notice and horizon (for the starts the check and the
    search look at, all within `_WINDOW` of the request's) and the holds'
    expiries: an answer is reused at a later `now` only when none of those
    lies between the two. The routes run on the event loop's one thread.
    """

    __slots__ = ("bookings", "lapses", "refusals", "schedule")

    def __init__(self) -> None:
        self.bookings: list[Booking] = []
        self.schedule = Schedule()
        self.lapses: list[int] = []
        # key -> (made at, valid before, reasons, alternatives, the rendered 409 body)
        self.refusals: dict[tuple[object, ...], tuple[int, int, Any, Any, bytes | None]] = {}

    def of(self, bookings: list[Booking]) -> Schedule:
        """A schedule of `bookings`: the last one if they are the same values, in order."""
        last = self.bookings
        if len(last) == len(bookings) and all(map(operator.is_, last, bookings)):
            return self.schedule
        schedule = Schedule(bookings)
        self.bookings, self.schedule, self.refusals = bookings, schedule, {}
        # When a booking may stop blocking: a hold's expiry (the rest block or not for good).
        self.lapses = sorted({_epoch_us(b.expires_at) for b in bookings if b.expires_at})
        return schedule

    def refusal(self, key: tuple[object, ...], now_us: int) -> BookingRefusedError | None:
        """The refusal kept for `key` if it still holds at `now_us`, else None."""
        kept = self.refusals.get(key)
        if kept is None:
            return None
        since, until, reasons, alternatives, answer = kept
        if not since <= now_us < until:
            return None
        lapses = self.lapses
        i = bisect.bisect_right(lapses, since)
        if i < len(lapses) and lapses[i] <= now_us:
            return None  # a hold lapsed since: its slot may be free
        return BookingRefusedError(reasons, alternatives, answer=answer)

    def keep(
        self,
        key: tuple[object, ...],
        error: BookingRefusedError,
        *,
        now_us: int,
        start_us: int,
        policy: BookingPolicy,
    ) -> None:
        """Keep the refusal of `key` made at `now_us` for as long as `policy` lets it hold."""
        around = _us(_WINDOW + SLOT_STEP)
        # Until the notice reaches the first start looked at; only if the horizon covers the last.
        until = start_us - around - _us(policy.min_notice) + 1
        if now_us >= until or (
            policy.horizon is not None and now_us + _us(policy.horizon) < start_us + around
        ):
            return
        if len(self.refusals) >= _REFUSALS_KEPT:
            self.refusals.clear()
        self.refusals[key] = (now_us, until, error.reasons, error.alternatives, error.answer)


@attrs.frozen
class Salon:
    """What the routes share: the rules, the policy book, the clock and the storage.

    Attributes:
        rules: The booking rules (`salon_api.seed.booking_rules()`).
        book: The complaint SLA policies.
        clock: The source of "now".
        storage: The database, in the app's mode.
        last_read: The schedule of the last booking read and its refusals, for the next ones.
    """

    rules: BookingRules
    book: PolicyBook
    clock: Clock
    storage: Storage
    last_read: _LastRead = attrs.field(factory=_LastRead, eq=False, repr=False)


async def _salon(request: Request) -> Salon:
    # A coroutine: FastAPI would run a plain function in a worker thread, per request.
    salon: Salon = request.app.state.salon
    return salon


SalonDep = Annotated[Salon, Depends(_salon)]
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key")]


# The Idempotency-Key header in the OpenAPI schema of a route that reads it itself.
_KEY_PARAMETER: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": _KEY_MAX},
        }
    ]
}

# `POST /bookings` in the OpenAPI schema: the route reads its body itself (`booking_in`).
_BOOKING_OPENAPI: dict[str, Any] = {
    **_KEY_PARAMETER,
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": BookingIn.model_json_schema()}},
    },
}


def _checked_key(key: str | None) -> str | None:
    """The Idempotency-Key, if given: 1 to 200 characters, no surrounding spaces."""
    if key is None:
        return None
    if not key.strip() or key != key.strip() or len(key) > _KEY_MAX or not key.isprintable():
        raise ValidationError(
            f"must be 1 to {_KEY_MAX} printable characters without surrounding spaces",
            field="Idempotency-Key",
            rule="invalid_key",
        )
    return key


def in_salon_zone(value: datetime, field: str = "start") -> datetime:
    """An aware instant shown in the salon's zone; a naive one is left for the library to refuse.

    Times are answered in the salon's zone whatever offset a client sent,
    and stored with it, so that every booking reads back in the salon's
    IANA zone (DST rules and all) rather than in a client's fixed offset.

    Raises:
        ValidationError: the instant's wall time in the salon's zone falls
            outside years 1-9999 (rule `out_of_range`, naming `field`), as
            `9999-12-31T23:59:59-23:59` does: no datetime can hold it.
    """
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(ZONE)
    except OverflowError:
        raise ValidationError(
            "must be an instant whose date in the salon's zone is within years 1-9999",
            field=field,
            rule="out_of_range",
        ) from None


def _answer(body: dict[str, Any], status: int, *, replayed: bool) -> JSONResponse:
    """A success: 200 with `Idempotent-Replayed: true` for a replay, else `status`."""
    if replayed:
        return JSONResponse(body, status_code=200, headers={REPLAYED: "true"})
    return JSONResponse(body, status_code=status)


# --- bookings ----------------------------------------------------------------------


_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)


async def _schedule(salon: Salon, start: datetime, end: datetime) -> list[Booking]:
    """The bookings from `_AROUND` before `start` to `_AROUND` after `end` (clamped to datetime)."""
    try:
        lo = start - _AROUND
    except OverflowError:
        lo = _FIRST
    try:
        hi = end + _AROUND
    except OverflowError:
        hi = _LAST
    return await salon.storage.bookings.find(start=lo, end=hi)


async def book(salon: Salon, body: BookingIn, key: str | None) -> tuple[Booking, bool]:
    """Check the request, write the booking; the stored booking and whether it is a replay.

    A retry with the same Idempotency-Key finds the booking stored under
    it: the check ignores that booking, and the repository's `add`
    returns it instead of writing another (or raises `DuplicateError` if
    the key was used for a different request).

    Raises:
        BookingRefusedError: the check failed (every reason, and alternatives).
        ValidationError: the request itself is invalid.
    """
    rules, now = salon.rules, salon.clock.now()
    request = BookingRequest(
        service=body.service,
        start=in_salon_zone(body.start),
        headcount=body.headcount,
        customer_id=body.customer_id,
        resources=body.resources,
    )
    status = BookingStatus(body.status)
    now_us, start_us = _epoch_us(now), _epoch_us(request.start)
    last = salon.last_read
    for attempt in itertools.count(1):
        stored = await _schedule(salon, request.start, request.start)
        schedule = last.of(stored)
        own = tuple(b.id for b in stored if key is not None and b.idempotency_key == key)
        asked = (
            request.service,
            start_us,
            request.start.tzinfo,
            request.headcount,
            request.customer_id,
            request.resources,
            own,
            current_locale(),
        )
        # A request refused on this very schedule before is answered the same, already rendered.
        refused = last.refusal(asked, now_us)
        if refused is not None:
            raise refused
        result = rules.check(request, schedule, now=now, exclude=own)
        if not result.ok:
            alternatives = find_alternatives(
                rules,
                request,
                schedule,
                now=now,
                limit=3,
                window=_WINDOW,
                step=SLOT_STEP,
                exclude=own,
            )
            refused = BookingRefusedError(result.reasons, alternatives)
            refused.answer = refusal_body(refused)
            last.keep(asked, refused, now_us=now_us, start_us=start_us, policy=rules.policy)
            raise refused
        booking = rules.book(
            result,
            booking_id=f"bk-{secrets.token_hex(8)}",
            now=now,
            status=status,
            confirmation_code=new_confirmation_code(),
            idempotency_key=key,
            taken_by=body.taken_by,
        )
        try:
            written = await salon.storage.bookings.add(booking, now=now)
        except SlotConflictError:
            # Another request took the slot since it was read: check again.
            if attempt == _ROUNDS:
                raise
            continue
        if written.id == booking.id:
            logger.info("booking %s stored", written.id)
        return written, written.id != booking.id
    raise AssertionError("unreachable")  # pragma: no cover


async def move(
    salon: Salon, booking_id: str, expected: int, key: str | None, action: str
) -> tuple[Booking, bool]:
    """Confirm or cancel a booking read at version `expected`; the result and whether replayed.

    Raises:
        StaleVersionError: the booking is no longer at `expected`.
        IllegalTransitionError: the move is not allowed from its status.
    """
    repo, now = salon.storage.bookings, salon.clock.now()
    target = BookingStatus.CONFIRMED if action == "confirm" else BookingStatus.CANCELLED

    def replay(stored: Booking) -> bool:
        return key is not None and stored.version == expected + 1 and stored.status is target

    stored = await repo.get(booking_id)
    if stored.version != expected:
        if replay(stored):
            return stored, True
        raise StaleVersionError(booking_id, expected, stored.version)
    if action == "confirm":
        moved = stored.confirm(now=now)
    else:
        moved = stored.cancel(now=now, policy=salon.rules.policy)
    try:
        await repo.save(moved, now=now)
    except StaleVersionError:
        again = await repo.get(booking_id)
        if replay(again):
            return again, True
        raise
    return moved, False


# --- complaints --------------------------------------------------------------------


def _case_id(key: str | None) -> str:
    """A new case's id: derived from the Idempotency-Key, so that a retry names the same case."""
    if key is None:
        return f"case-{secrets.token_hex(12)}"
    return f"case-{hashlib.sha256(f'complaint:{key}'.encode()).hexdigest()[:24]}"


def _same_except_time(stored: CaseEvent, asked: CaseEvent) -> bool:
    """Whether two events say the same thing, whenever each was made."""
    if type(stored) is not type(asked):
        return False
    return attrs.evolve(stored, at=asked.at) == asked


async def open_case(salon: Salon, body: ComplaintIn, key: str | None) -> tuple[Case, bool]:
    """Register a complaint; the case and whether it is a replay of the same key."""
    repo, now = salon.storage.complaints, salon.clock.now()
    case = register(
        salon.book,
        case_id=_case_id(key),
        at=now,
        kind=body.kind,
        channel=body.channel,
        customer_id=body.customer_id,
        contact=body.contact,
        content=body.content,
        severity=body.severity,
        category=body.category,
        by=body.by,
        assignee=body.assignee,
        reply_by=None if body.reply_by is None else in_salon_zone(body.reply_by, "reply_by"),
    )
    try:
        await save_case_async(repo, case, expected_version=0)
    except StaleVersionError:
        stored = await load_case_async(repo, case.id, salon.book)
        if _same_except_time(stored.events[0], case.events[0]):
            return stored, True
        raise DuplicateError(
            "the Idempotency-Key was already used for a different complaint"
        ) from None
    return case, False


def _event(body: EventIn, at: datetime) -> CaseEvent:
    """The library's event for `body`, at `at` (the server's clock)."""
    cls = _EVENTS.get(body.action)
    if cls is None:
        raise ValidationError(
            f"must be one of {', '.join(sorted(_EVENTS))}", field="action", rule="unknown_action"
        )
    given = dict(body.model_extra or {})
    fields = [f for f in attrs.fields(cls) if f.name != "at"]
    names = {f.name for f in fields}
    problems = ViolationCollector()
    for name in sorted(set(given) - names):
        problems.add(name, "unknown_field", f"{body.action} takes {', '.join(sorted(names))}")
    for field in fields:
        if field.default is attrs.NOTHING and field.name not in given:
            problems.add(field.name, "required", f"{body.action} needs it")
    compensation = given.get("compensation")
    if isinstance(compensation, dict):
        if set(compensation) - {"amount", "currency"} or "amount" not in compensation:
            problems.add(
                "compensation", "not_money", 'must be {"amount": "50.00", "currency": "CNY"}'
            )
        else:
            given["compensation"] = Money(
                compensation["amount"], compensation.get("currency", "CNY")
            )
    problems.raise_if_any()
    for name in _EVENT_INSTANTS & set(given):
        if isinstance(given[name], str):
            try:
                given[name] = datetime.fromisoformat(given[name])
            except ValueError:
                raise ValidationError(
                    "must be an ISO 8601 instant with an offset", field=name, rule="not_an_instant"
                ) from None
    event: CaseEvent = cls(at=at, **given)
    return event


async def add_event(
    salon: Salon, case_id: str, body: EventIn, key: str | None
) -> tuple[Case, bool]:
    """Apply one event to a case read at `expected_version`; the case and whether replayed.

    With an Idempotency-Key, a retry whose event is already stored at the
    position it asked for (`expected_version + 1`) gets the case as it was
    right after that event, instead of a stale-version 409.
    """
    repo, now = salon.storage.complaints, salon.clock.now()
    expected = body.expected_version
    event = _event(body, now)

    def replayed(case: Case) -> Case | None:
        if key is None or case.version <= expected or expected < 1:
            return None
        if not _same_except_time(case.events[expected], event):
            return None
        return Case(case.policy, case.events[: expected + 1])

    case = await load_case_async(repo, case_id, salon.book)
    if case.version != expected:
        earlier = replayed(case)
        if earlier is not None:
            return earlier, True
        raise StaleVersionError(case_id, expected, case.version)
    moved = apply(case, event)
    try:
        await save_case_async(repo, moved, expected_version=expected)
    except StaleVersionError:
        earlier = replayed(await load_case_async(repo, case_id, salon.book))
        if earlier is not None:
            return earlier, True
        raise
    return moved, False


# --- the app -----------------------------------------------------------------------


def create_app(
    settings: Settings | None = None,
    *,
    mode: Mode = "async",
    clock: Clock | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The salon API.

    Args:
        settings: Where the database is; `Settings.from_env()` when None
            (read at start-up).
        mode: `"async"` (the library's asyncio adapters, the default) or
            `"threads"` (the sync adapters in worker threads).
        clock: The source of "now"; the system clock by default.
        max_body_bytes: The largest request body taken (64 KiB by default); a
            larger one is answered 413 `payload_too_large`.

    Raises:
        ValidationError: an unknown mode, or `max_body_bytes` not a positive integer.
    """
    if mode not in {"async", "threads"}:
        raise ValidationError("must be 'async' or 'threads'", field="mode", rule="unknown_mode")
    limit = checked_limit(max_body_bytes)
    the_clock: Clock = clock if clock is not None else SystemClock()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings if settings is not None else Settings.from_env()
        async with open_storage(config, mode, the_clock) as storage:
            app.state.salon = Salon(booking_rules(), complaint_book(), the_clock, storage)
            logger.info("salon API started (%s mode)", mode)
            yield

    # No redirect from `/bookings/` to `/bookings`: an unknown path is a 404 in the one error shape.
    app = FastAPI(title="Salon API (clubrules)", lifespan=lifespan, redirect_slashes=False)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=limit)

    # The busiest route, read off the request itself: the body is validated from its
    # bytes by BookingIn (declared in the OpenAPI schema by hand), and a refusal, the
    # common answer on a busy day, is answered here rather than raised through the
    # middleware; FastAPI's parameter resolution and its exception path cost more than
    # a quarter of a refusal's time.
    @app.post(
        "/bookings",
        status_code=201,
        response_model=BookingOut,
        responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
        openapi_extra=_BOOKING_OPENAPI,
    )
    async def post_booking(request: Request) -> Response:
        salon: Salon = request.app.state.salon
        headers = request.headers
        body = booking_in(await request.body(), headers.get("content-type"))
        key = _checked_key(headers.get("idempotency-key"))
        try:
            booking, replayed = await book(salon, body, key)
        except BookingRefusedError as refused:
            return to_response(refused)
        return _answer(booking_json(booking), 201, replayed=replayed)

    @app.post("/bookings/{booking_id}/confirm")
    async def confirm_booking(
        booking_id: str, body: MoveIn, salon: SalonDep, key: KeyHeader = None
    ) -> JSONResponse:
        booking, replayed = await move(
            salon, booking_id, body.version, _checked_key(key), "confirm"
        )
        return _answer(booking_json(booking), 200, replayed=replayed)

    @app.post("/bookings/{booking_id}/cancel")
    async def cancel_booking(
        booking_id: str, body: MoveIn, salon: SalonDep, key: KeyHeader = None
    ) -> JSONResponse:
        booking, replayed = await move(salon, booking_id, body.version, _checked_key(key), "cancel")
        return _answer(booking_json(booking), 200, replayed=replayed)

    @app.get("/bookings/{booking_id}")
    async def get_booking(booking_id: str, salon: SalonDep) -> JSONResponse:
        return JSONResponse(booking_json(await salon.storage.bookings.get(booking_id)))

    @app.get("/availability")
    async def availability(
        salon: SalonDep,
        day: Annotated[date, Query(alias="date")],
        service: str,
        headcount: int = 1,
    ) -> JSONResponse:
        if day == date.max:
            raise ValidationError("must be before 9999-12-31", field="date", rule="out_of_range")
        first = datetime.combine(day, time(0), ZONE)
        last = datetime.combine(day + timedelta(days=1), time(0), ZONE)
        schedule = Schedule(await _schedule(salon, first, last))
        now, slots = salon.clock.now(), []
        start = first
        while start < last:
            request = BookingRequest(service=service, start=start, headcount=headcount)
            result = salon.rules.check(request, schedule, now=now)
            if result.ok:
                slots.append(
                    {
                        "start": instant(result.start),
                        "end": instant(result.end),
                        "resources": result.resources,
                    }
                )
            start += SLOT_STEP
        return JSONResponse({"date": day.isoformat(), "service": service, "slots": slots})

    @app.post("/complaints", status_code=201)
    async def post_complaint(
        body: ComplaintIn, salon: SalonDep, key: KeyHeader = None
    ) -> JSONResponse:
        case, replayed = await open_case(salon, body, _checked_key(key))
        return _answer(case_json(case), 201, replayed=replayed)

    @app.post("/complaints/{case_id}/events", status_code=201)
    async def post_event(
        case_id: str, body: EventIn, salon: SalonDep, key: KeyHeader = None
    ) -> JSONResponse:
        case, replayed = await add_event(salon, case_id, body, _checked_key(key))
        return _answer(case_json(case), 201, replayed=replayed)

    @app.get("/complaints/{case_id}")
    async def get_complaint(case_id: str, salon: SalonDep) -> JSONResponse:
        case = await load_case_async(salon.storage.complaints, case_id, salon.book)
        # Not before the case's last event (another server's clock may run ahead).
        now = salon.clock.now()
        last = case.events[-1].at
        if last.timestamp() > now.timestamp():
            now = last
        body = case_json(case)
        body["sla"] = [sla_json(s) for s in sla_status(case, now)]
        body["sla_at"] = instant(now)
        return JSONResponse(body)

    @app.get("/customers/{customer_id}/allergies")
    async def get_allergies(
        customer_id: str,
        salon: SalonDep,
        actor: Annotated[str, Header(alias="X-Actor")],
        role: Annotated[str, Header(alias="X-Role")],
        purpose: Annotated[Purpose, Header(alias="X-Purpose")],
    ) -> JSONResponse:
        customer = await salon.storage.customers.get(customer_id)
        if customer.allergies is None:
            raise NotFoundError("allergy record", customer_id)
        value = await salon.storage.vault.open(
            customer.allergies,
            customer_id=customer_id,
            field="allergies",
            actor=actor,
            role=role,
            purpose=purpose,
        )
        return JSONResponse(
            {"customer_id": customer_id, "field": "allergies", "value": value.reveal()},
            headers={"Cache-Control": "no-store"},
        )

    return app
