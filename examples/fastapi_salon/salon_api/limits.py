"""A cap on request bodies: a client cannot make the server hold an unbounded body.

Neither uvicorn nor Starlette limits the size of a request body; a route that
reads one (every `POST` here) would buffer whatever arrives. `BodyLimit` is a
plain ASGI middleware that counts the body's bytes as the app reads them and,
past the cap, stops the read with a 413 `payload_too_large`, answered by the
app's own error handlers in the one error shape. A `Content-Length` over the
cap is refused at the first read, before any of the body is taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException

from clubrules.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    _Message = MutableMapping[str, Any]
    _Receive = Callable[[], Awaitable[_Message]]
    _Send = Callable[[_Message], Awaitable[None]]
    _App = Callable[[MutableMapping[str, Any], _Receive, _Send], Awaitable[None]]

__all__ = ["MAX_BODY_BYTES", "BodyLimit", "checked_limit"]

MAX_BODY_BYTES = 64 * 1024
"""The default cap: far above any booking, event or complaint the API takes."""


def checked_limit(max_bytes: object) -> int:
    """`max_bytes` if it is a positive integer, else `ValidationError` naming `max_body_bytes`."""
    if type(max_bytes) is not int or max_bytes < 1:
        raise ValidationError(
            "must be a positive integer", field="max_body_bytes", rule="not_positive"
        )
    return max_bytes


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is larger than {limit} bytes")


def _declared_length(scope: MutableMapping[str, Any]) -> int | None:
    """The request's `Content-Length`, or None when it has none (or not a number)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class BodyLimit:
    """ASGI middleware: request bodies of at most `max_bytes` bytes, else 413.

    Args:
        app: The ASGI app to wrap.
        max_bytes: The most bytes a request body may have (a positive integer).

    Raises:
        ValidationError: `max_bytes` is not a positive integer.
    """

    def __init__(self, app: _App, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = checked_limit(max_bytes)

    async def __call__(
        self, scope: MutableMapping[str, Any], receive: _Receive, send: _Send
    ) -> None:
        """Serve `scope`, reading its body through the cap."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = _declared_length(scope)
        received = 0

        async def limited() -> _Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise _too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, limited, send)
