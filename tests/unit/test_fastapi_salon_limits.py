"""The example service's cap on request bodies (`salon_api.limits.BodyLimit`), no database needed.

The app under test is the service's own error handling around a route that
reads its body, driven straight through ASGI so that the body can arrive in
any number of chunks, with or without a `Content-Length`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.errors import ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "fastapi_salon"))

from salon_api.app import create_app
from salon_api.errors import install_error_handlers
from salon_api.limits import MAX_BODY_BYTES, BodyLimit, checked_limit

if TYPE_CHECKING:
    from collections.abc import MutableMapping

LIMIT = 100


def _app(limit: int = LIMIT) -> tuple[FastAPI, list[bytes]]:
    """An app in the service's error shape whose route records every body it read whole."""
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=limit)
    seen: list[bytes] = []

    @app.post("/echo")
    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        seen.append(body)
        return JSONResponse({"size": len(body)})

    @app.get("/ping")
    async def ping() -> JSONResponse:
        return JSONResponse({"ok": True})

    return app, seen


def _serve(
    app: FastAPI,
    chunks: list[bytes],
    *,
    length: int | None,
    method: str = "POST",
    path: str = "/echo",
) -> tuple[int, dict[str, Any], int]:
    """(status, JSON body, how many body messages the app asked for) of one request."""
    headers = [(b"content-type", b"application/octet-stream")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    pending = list(chunks) or [b""]
    asked = 0
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if pending:
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending)}
        await asyncio.sleep(3600)  # a client that sends nothing more
        raise AssertionError  # pragma: no cover

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), asked


@st.composite
def _chunked(draw: st.DrawFn) -> list[bytes]:
    # The sizes at the cap are drawn often: an off-by-one there is the likely bug.
    size = draw(st.sampled_from([LIMIT - 1, LIMIT, LIMIT + 1]) | st.integers(0, 3 * LIMIT))
    cuts = sorted(draw(st.lists(st.integers(0, size), max_size=6)))
    body = bytes(i % 251 for i in range(size))
    bounds = [0, *cuts, size]
    return [body[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=150, deadline=None)
@given(chunks=_chunked(), declared=st.booleans())
def test_a_body_is_taken_whole_up_to_the_cap_and_refused_past_it(
    chunks: list[bytes], declared: bool
) -> None:
    app, seen = _app()
    size = sum(map(len, chunks))
    status, body, _ = _serve(app, chunks, length=size if declared else None)
    if size <= LIMIT:
        assert status == 200
        assert body == {"size": size}
        assert seen == [b"".join(chunks)]
    else:
        assert status == 413
        assert body["error"]["code"] == "payload_too_large"
        assert str(LIMIT) in body["error"]["message"]
        assert seen == []  # the route never got a body


def test_a_declared_length_over_the_cap_is_refused_before_any_of_the_body_is_read() -> None:
    app, seen = _app()
    status, body, asked = _serve(app, [b"x" * 10], length=LIMIT + 1)
    assert (status, body["error"]["code"], asked, seen) == (413, "payload_too_large", 0, [])


def test_a_route_that_reads_no_body_is_not_refused_for_its_length() -> None:
    app, _ = _app()
    status, body, _ = _serve(app, [], length=10 * LIMIT, method="GET", path="/ping")
    assert (status, body) == (200, {"ok": True})


def test_the_cap_is_a_positive_integer() -> None:
    assert checked_limit(1) == 1
    assert MAX_BODY_BYTES == 64 * 1024
    for bad in (0, -1, True, 1.5, "10", None):
        with pytest.raises(ValidationError) as caught:
            checked_limit(bad)
        assert caught.value.violations[0].field == "max_body_bytes"
    with pytest.raises(ValidationError):
        create_app(max_body_bytes=0)
