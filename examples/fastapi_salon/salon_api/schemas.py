"""The JSON the API takes and gives: request bodies (pydantic) and the library's values as JSON.

Request bodies carry plain JSON types; every rule about their values
(a naive start, an unknown service, a headcount above the maximum, a blank
channel) is the library's, checked when the values are built.
"""

from __future__ import annotations

import email.message
import functools
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import attrs
import pydantic
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from clubrules.complaints import CaseKind, Severity
from salon_api.seed import ZONE

if TYPE_CHECKING:
    from clubrules.booking import Booking
    from clubrules.complaints import Case, CaseEvent, TargetStatus

__all__ = [
    "BookingIn",
    "BookingOut",
    "ComplaintIn",
    "ErrorOut",
    "EventIn",
    "MoveIn",
    "booking_in",
    "booking_json",
    "case_json",
    "event_json",
    "instant",
    "sla_json",
]


class BookingIn(BaseModel):
    """`POST /bookings`: what the customer asks for.

    Attributes:
        service: The service id (`facial`, `mask`, `massage`).
        start: The start, ISO 8601 with an offset (`2026-03-02T10:00:00+08:00`).
        headcount: How many people.
        customer_id: Who books.
        resources: Chosen resources by role (`{"beautician": "li"}`); other
            roles are filled from their pools.
        status: `held` (blocks the slot for the policy's hold time, until
            confirmed) or `confirmed`.
        taken_by: The staff member taking the booking, if any.
    """

    model_config = ConfigDict(extra="forbid")

    service: str
    start: datetime
    headcount: int = 1
    customer_id: str | None = None
    resources: dict[str, str] = Field(default_factory=dict)
    status: Literal["held", "confirmed"] = "held"
    taken_by: str | None = None


_UNREADABLE = object()


@functools.lru_cache(maxsize=64)
def _is_json(content_type: str) -> bool:
    """Whether FastAPI reads a body of this Content-Type as JSON (`application/json`, `+json`)."""
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def booking_in(body: bytes, content_type: str | None) -> BookingIn:
    """`POST /bookings`'s body validated from its bytes, as FastAPI validates a body parameter.

    The same steps as FastAPI's (JSON read only under a JSON Content-Type,
    then `BookingIn` validated from it), so the same answers: a body that
    is missing, not JSON or not a valid `BookingIn` raises FastAPI's
    `RequestValidationError` (a 422 naming the fields, never their
    values), and one that is not UTF-8 or is nested too deep for the JSON
    reader an `HTTPException` 400.
    """
    errors: list[dict[str, Any]]
    if not body:
        errors = [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
    else:
        value: object = body
        if content_type is not None and _is_json(content_type):
            try:
                value = json.loads(body)
            except json.JSONDecodeError as error:
                value = error  # answered below, outside this handler
            except (ValueError, RecursionError):  # not UTF-8, or nested too deep to read
                value = _UNREADABLE
        if isinstance(value, json.JSONDecodeError):
            errors = [
                {
                    "type": "json_invalid",
                    "loc": ("body", value.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": value.msg},
                }
            ]
        elif value is _UNREADABLE:
            raise HTTPException(status_code=400, detail="There was an error parsing the body")
        else:
            try:
                return BookingIn.model_validate(value, from_attributes=True)
            except pydantic.ValidationError as error:
                errors = [
                    {**e, "loc": ("body", *e["loc"])}
                    for e in error.errors(include_url=False, include_input=False)
                ]
    # Raised outside any handler: no pydantic or JSON error, which hold the input, as context.
    raise RequestValidationError(errors)


class BookingOut(BaseModel):
    """A booking as the API answers it (`booking_json`): for the OpenAPI schema."""

    id: str
    service: str
    start: str
    end: str
    status: str
    version: int
    confirmation_code: str | None
    customer_id: str | None
    headcount: int
    resources: dict[str, str]
    expires_at: str | None
    late_cancel: bool
    taken_by: str | None
    created_at: str | None


class ErrorBody(BaseModel):
    """An error's code, message and code-specific details."""

    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    """Every error answer: `{"error": {"code", "message", "details"}}` (see `salon_api.errors`)."""

    error: ErrorBody


class MoveIn(BaseModel):
    """`POST /bookings/{id}/confirm` and `/cancel`: the version the client last read."""

    model_config = ConfigDict(extra="forbid")

    version: int


class ComplaintIn(BaseModel):
    """`POST /complaints`: a new case, as the club documents require it.

    `contact` and `content` may hold personal data: the API stores them in
    the case's log and never answers them back.
    """

    model_config = ConfigDict(extra="forbid")

    customer_id: str
    channel: str
    contact: str
    content: str
    kind: CaseKind = CaseKind("complaint")
    severity: Severity = Severity("normal")
    category: str = "general"
    by: str = "front-desk"
    assignee: str | None = None
    reply_by: datetime | None = None


class EventIn(BaseModel):
    """`POST /complaints/{id}/events`: one step on a case.

    Attributes:
        action: The event's action, as in `clubrules.complaints.TRANSITIONS`
            (`contact_customer`, `start_investigation`, `resolve`, ...).
        expected_version: The case version the client read.

    The event's own fields (`by`, `channel`, `note`, `remedy`, `compensation`
    as `{"amount": "50.00", "currency": "CNY"}`, ...) are given beside
    them; `at` is the server's clock.
    """

    model_config = ConfigDict(extra="allow")

    action: str
    expected_version: int


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def instant(value: datetime) -> str:
    """An instant as ISO 8601 in the salon's zone, as the API answers every instant."""
    # By its epoch microseconds: two datetimes that compare equal in one zone may be
    # two instants (a wall time that repeats when clocks go back).
    return _instant_text((value - _EPOCH) // _ONE_US)


# Kept for the instants answered lately: a busy day's refusals name the same
# booking times over and over.
@functools.lru_cache(maxsize=4096)
def _instant_text(epoch_us: int) -> str:
    return (_EPOCH + epoch_us * _ONE_US).astimezone(ZONE).isoformat()


def _instant(value: datetime | None) -> str | None:
    return None if value is None else instant(value)


def booking_json(booking: Booking) -> dict[str, Any]:
    """A booking as the API answers it."""
    return {
        "id": booking.id,
        "service": booking.service,
        "start": instant(booking.start),
        "end": instant(booking.end),
        "status": booking.status.value,
        "version": booking.version,
        "confirmation_code": booking.confirmation_code,
        "customer_id": booking.customer_id,
        "headcount": booking.headcount,
        "resources": {o.role: o.resource for o in booking.occupancy if o.role},
        "expires_at": _instant(booking.expires_at),
        "late_cancel": booking.late_cancel,
        "taken_by": booking.taken_by,
        "created_at": _instant(booking.created_at),
    }


# Event fields never answered back: personal data, free text from the customer.
_PRIVATE_FIELDS = frozenset({"contact", "content", "note", "question"})


def event_json(event: CaseEvent) -> dict[str, Any]:
    """An event of a case log: its action and public fields (no contact, content or notes)."""
    out: dict[str, Any] = {"action": event.action}
    for field in attrs.fields(type(event)):
        name = field.name
        if name in _PRIVATE_FIELDS:
            continue
        value = getattr(event, name)
        if isinstance(value, datetime):
            value = instant(value)
        elif hasattr(value, "value") and not isinstance(value, str | int | float | bool):
            value = value.value  # an enum
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)  # Money
        out[name] = value
    return out


def case_json(case: Case) -> dict[str, Any]:
    """A case as the API answers it (without its SLA, which depends on when it is asked)."""
    return {
        "id": case.id,
        "kind": case.kind.value,
        "state": case.state.value,
        "version": case.version,
        "registered_at": instant(case.registered_at),
        "customer_id": case.customer_id,
        "channel": case.channel,
        "category": case.category,
        "severity": case.severity.value,
        "assignee": case.assignee,
        "allowed_actions": sorted(case.allowed),
        "events": [event_json(e) for e in case.events],
    }


def sla_json(status: TargetStatus) -> dict[str, Any]:
    """One SLA target run at the time asked."""
    return {
        "target": status.kind.value,
        "cycle": status.cycle,
        "seq": status.seq,
        "status": status.status.value,
        "breached": status.breached,
        "basis": status.basis.value,
        "started_at": instant(status.started_at),
        "due_at": instant(status.due_at),
        "achieved_at": _instant(status.achieved_at),
        "remaining_seconds": status.remaining.total_seconds(),
        "summary": status.describe("en"),
    }
