"""The http suite's anchor: a booking endpoint written by hand on plain SQL.

What an integrator would write without the library, with the same stack as
the example service (FastAPI, uvicorn, psycopg's async pool): `POST
/bookings` takes a service and a start, and inserts one row per booking
into a table whose exclusion constraint refuses overlaps on a room, trying
the service's rooms in order (`INSERT ... ON CONFLICT DO NOTHING`, which an
exclusion constraint honours). A 201 names the room; a 409 says the slot is
taken, with no reasons and no alternatives. Nothing else: no opening hours,
buffers, holds, idempotency keys or versions.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator  # noqa: TC003 - FastAPI resolves annotations
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE IF NOT EXISTS anchor_bookings (
    id bigserial PRIMARY KEY,
    room text NOT NULL,
    service text NOT NULL,
    during tstzrange NOT NULL,
    EXCLUDE USING gist (room WITH =, during WITH &&)
)
"""

INSERT = (
    "INSERT INTO anchor_bookings (room, service, during)"
    " VALUES (%s, %s, tstzrange(%s, %s, '[)')) ON CONFLICT DO NOTHING RETURNING id"
)


def create_app() -> FastAPI:
    """The anchor app; `ANCHOR_DATABASE_URL`, `ANCHOR_ROOMS` (comma-separated), `ANCHOR_MINUTES`."""
    url = os.environ["ANCHOR_DATABASE_URL"]
    rooms = os.environ.get("ANCHOR_ROOMS", "room-1").split(",")
    minutes = int(os.environ.get("ANCHOR_MINUTES", "60"))
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        pool = AsyncConnectionPool(
            url,
            min_size=4,
            max_size=int(os.environ.get("ANCHOR_POOL", "10")),
            kwargs={"autocommit": True},
            open=False,
        )
        await pool.open(wait=True)
        async with pool.connection() as conn:
            await conn.execute(SCHEMA)
        state["pool"] = pool
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/bookings")
    async def book(request: Request) -> JSONResponse:
        payload = await request.json()
        start = datetime.fromisoformat(payload["start"])
        end = start + timedelta(minutes=minutes)
        async with state["pool"].connection() as conn:
            for room in rooms:
                cursor = await conn.execute(INSERT, (room, payload["service"], start, end))
                row = await cursor.fetchone()
                if row is not None:
                    return JSONResponse({"id": row[0], "room": room}, status_code=201)
        return JSONResponse({"error": "slot_taken"}, status_code=409)

    return app
