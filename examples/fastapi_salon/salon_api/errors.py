"""Every error the API answers, in one JSON shape, mapped to HTTP in this one module.

The body of every error response:

```json
{"error": {"code": "stale_version", "message": "...", "details": {...}}}
```

`code` is stable and machine-readable; `message` is a sentence for a
developer (the library's own messages never hold a sensitive value);
`details` depends on the code (see the README's error table). A stack trace
or an exception's text of unknown origin never reaches a client: anything
unexpected is a 500 with a generic message, logged on the server.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from clubrules.booking import Conflict, OverCapacity, Reason, Slot
from clubrules.errors import (
    AccessDeniedError,
    ClubRulesError,
    CommitOutcomeUnknownError,
    ConflictError,
    ConsentRequiredError,
    DuplicateError,
    IllegalTransitionError,
    NotFoundError,
    RetryableStorageError,
    SlotConflictError,
    StaleVersionError,
    ValidationError,
)
from salon_api.schemas import instant

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from fastapi import FastAPI, Request

__all__ = [
    "RETRY_AFTER_SECONDS",
    "BookingRefusedError",
    "error_body",
    "install_error_handlers",
    "reason_json",
    "refusal_body",
    "slot_json",
    "to_response",
]

logger = logging.getLogger("salon_api")

RETRY_AFTER_SECONDS = 1
"""The `Retry-After` of a 503: the storage failure was transient."""


class BookingRefusedError(ConflictError):
    """A booking request failed the salon's rules: every reason, and alternatives.

    Raised by the booking route from the library's check (`BookingRules.check`
    and `find_alternatives`); answered with 409 `booking_refused`.

    Attributes:
        reasons: Every `Reason` the request fails.
        alternatives: Free `Slot`s near the requested start (up to three).
        answer: The 409 body already rendered for them (`refusal_body`), if any.
    """

    def __init__(
        self,
        reasons: Sequence[Reason],
        alternatives: Sequence[Slot],
        *,
        answer: bytes | None = None,
    ) -> None:
        self.reasons = tuple(reasons)
        self.alternatives = tuple(alternatives)
        self.answer = answer
        codes = ", ".join(dict.fromkeys(r.code.value for r in self.reasons))
        super().__init__(f"the requested slot cannot be booked ({codes})", conflicts=self.reasons)


def _instant(value: datetime | None) -> str | None:
    return None if value is None else instant(value)


def reason_json(reason: Reason) -> dict[str, Any]:
    """A booking `Reason` as JSON: its code, message and the fields it names."""
    return {
        "code": reason.code.value,
        "message": reason.message,
        "role": reason.role,
        "resource": reason.resource,
        "booking": reason.booking,
        "bookings": list(reason.bookings),
        "start": _instant(reason.start),
        "end": _instant(reason.end),
        "peak": reason.peak,
        "capacity": reason.capacity,
    }


def slot_json(slot: Slot) -> dict[str, Any]:
    """An alternative `Slot` as JSON."""
    return {
        "start": instant(slot.start),
        "end": instant(slot.end),
        "resources": slot.resources,
        "same_resources": slot.same_resources,
        "offset_minutes": slot.offset.total_seconds() / 60,
    }


def _conflict_json(item: object) -> dict[str, Any]:
    if isinstance(item, Reason):
        return reason_json(item)
    if isinstance(item, Conflict):
        return {
            "resource": item.resource,
            "bookings": [item.first, item.second],
            "start": _instant(item.start),
            "end": _instant(item.end),
        }
    if isinstance(item, OverCapacity):
        return {
            "resource": item.resource,
            "bookings": list(item.bookings),
            "start": _instant(item.start),
            "end": _instant(item.end),
            "peak": item.peak,
            "capacity": item.capacity,
        }
    return {}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error shape: `{"error": {"code", "message", "details"}}`."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


# The bytes JSONResponse renders (compact, UTF-8, no NaN), from one encoder made once.
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = _encode(error_body(code, message, details)).encode()
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def refusal_body(error: BookingRefusedError) -> bytes:
    """The body of a 409 `booking_refused`: the message, every reason and the alternatives."""
    details = {
        "reasons": [reason_json(r) for r in error.reasons],
        "alternatives": [slot_json(s) for s in error.alternatives],
    }
    return _encode(error_body("booking_refused", str(error), details)).encode()


_UNAVAILABLE = {"Retry-After": str(RETRY_AFTER_SECONDS)}
_INTERNAL = "internal error; the request may be retried later"


def to_response(error: Exception) -> Response:
    """The HTTP answer for an error raised while serving a request (the one mapping).

    Most specific first: a subclass is matched before its base.
    """
    if isinstance(error, BookingRefusedError):
        body = error.answer if error.answer is not None else refusal_body(error)
        return Response(body, status_code=409, media_type="application/json")
    if isinstance(error, ValidationError):
        violations = [
            {"field": v.field, "rule": v.rule, "message": v.message} for v in error.violations
        ]
        return _response(
            422, "validation_error", "the request is invalid", {"violations": violations}
        )
    if isinstance(error, NotFoundError):
        return _response(404, "not_found", str(error), {"kind": error.kind, "id": error.key})
    if isinstance(error, StaleVersionError):
        return _response(
            409,
            "stale_version",
            "the item changed since it was read: read it again",
            {"id": error.stream, "expected": error.expected, "actual": error.actual},
        )
    if isinstance(error, SlotConflictError):
        conflicts = [_conflict_json(c) for c in error.conflicts]
        return _response(409, "slot_conflict", "the slot is taken", {"conflicts": conflicts})
    if isinstance(error, DuplicateError):
        return _response(409, "duplicate", str(error))
    if isinstance(error, ConflictError):
        return _response(409, "conflict", str(error))
    if isinstance(error, IllegalTransitionError):
        return _response(
            409,
            "illegal_transition",
            str(error),
            {"state": error.state, "action": error.action, "allowed": list(error.allowed)},
        )
    if isinstance(error, ConsentRequiredError):
        return _response(
            403,
            "consent_required",
            "the customer has not consented to this read",
            {"reason": error.reason},
        )
    if isinstance(error, AccessDeniedError):
        return _response(
            403,
            "access_denied",
            "this role may not read this field for this purpose",
            {"reason": error.reason},
        )
    if isinstance(error, RetryableStorageError):
        logger.warning("storage unavailable: %s", type(error).__name__)
        return _response(
            503,
            "storage_unavailable",
            "the database was unavailable; nothing was stored: retry",
            {"retry_after": RETRY_AFTER_SECONDS},
            _UNAVAILABLE,
        )
    if isinstance(error, CommitOutcomeUnknownError):
        logger.error("commit outcome unknown")
        return _response(
            503,
            "outcome_unknown",
            "the database failed while committing: the outcome is unknown, the request may or"
            " may not be stored; retry with the same Idempotency-Key, or read before writing",
            {"retry_after": RETRY_AFTER_SECONDS},
            _UNAVAILABLE,
        )
    logger.error("unexpected error (%s)", type(error).__name__, exc_info=error)
    return _response(500, "internal_error", _INTERNAL)


def _request_violations(error: RequestValidationError) -> list[dict[str, str]]:
    """FastAPI's request validation errors as violations: where and what, never the input."""
    found = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        found.append(
            {
                "field": where,
                "rule": str(item.get("type", "invalid")),
                "message": str(item.get("msg", "")),
            }
        )
    return found


_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    400: "bad_request",
    415: "unsupported_media_type",
}


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error in the one shape: library errors, request validation, HTTP, the rest."""

    async def on_library_error(request: Request, error: Exception) -> Response:  # noqa: ARG001
        return to_response(error)

    async def on_request_validation(request: Request, error: Exception) -> Response:  # noqa: ARG001
        assert isinstance(error, RequestValidationError)  # noqa: S101 - registered for it
        return _response(
            422,
            "validation_error",
            "the request is invalid",
            {"violations": _request_violations(error)},
        )

    async def on_http_error(request: Request, error: Exception) -> Response:  # noqa: ARG001
        assert isinstance(error, HTTPException)  # noqa: S101 - registered for it
        code = _HTTP_CODES.get(error.status_code, "http_error")
        headers = dict(error.headers) if error.headers else None
        return _response(error.status_code, code, error.detail or code, headers=headers)

    async def on_anything_else(request: Request, error: Exception) -> Response:  # noqa: ARG001
        return to_response(error)

    app.add_exception_handler(ClubRulesError, on_library_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_anything_else)
