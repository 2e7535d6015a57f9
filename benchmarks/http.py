"""HTTP suite: booking requests per second through the example service, against SQL by hand.

A contended day: 32 clients post bookings of one 60-minute service (plus
10 minutes to clean up) at random quarter-hour starts on the same day, for
a bounded time, against a server under uvicorn on the loopback interface
(one worker, one process; the load generator is another process). The
salon has two rooms and two beauticians, so the day fills within the first
requests and most answers are refusals: a 409 naming every reason and
three alternatives from the example service, a bare 409 from the anchor.

- `examples/fastapi_salon` on the async PostgreSQL adapters (`async`), and
  on the sync adapters called in a thread pool (`threads`).
- Anchor: a hand-written FastAPI endpoint on the same stack that inserts one
  row into a table with an exclusion constraint, trying the two rooms in
  turn (`benchmarks._http_anchor`).

Each row reports requests per second (as the time per request, so that
"speed-up" reads as throughput against the anchor's), p50 and p99 latency,
the double bookings found afterwards by a self-join on the stored rows (the
goal: none), and the server process's CPU time per request (on Linux): on a
machine whose cores the load generator, PostgreSQL and other work share, it
is the steadier figure. Neither the anchor's pool nor the example's
(`SALON_POOL_CHECK=0`) checks a connection before lending it. The goal for
`async` is at least 0.75x the anchor's throughput. Needs the PostgreSQL
server binaries.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from benchmarks._harness import Row
from benchmarks._http_client import LoadResult, encode_post, run_load, uvicorn_server
from clubrules.privacy import EnvKeyProvider, Keyring
from clubrules.testing.postgres import PostgresUnavailableError, throwaway_cluster

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clubrules.testing.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parents[1]
SALON = ROOT / "examples" / "fastapi_salon"
ZONE = ZoneInfo("Asia/Shanghai")
CLIENTS = 32
_names = itertools.count()

# Two pairs of overlapping stored rows on one resource: a double booking.
# (Every tenant's: rows of two tenants on one resource name are two clubs' rooms.)
_CLUBRULES_DOUBLES = (
    "SELECT count(*) FROM clubrules.booking_occupancy AS a"
    " JOIN clubrules.booking_occupancy AS b ON a.tenant = b.tenant"
    " AND a.resource = b.resource AND a.booking_id < b.booking_id AND a.during && b.during"
    " JOIN clubrules.bookings AS x ON x.tenant = a.tenant AND x.id = a.booking_id"
    " JOIN clubrules.bookings AS y ON y.tenant = b.tenant AND y.id = b.booking_id"
    " WHERE a.capacity = 1 AND b.capacity = 1"
    " AND x.status IN ('confirmed', 'held', 'pending', 'checked_in', 'completed')"
    " AND y.status IN ('confirmed', 'held', 'pending', 'checked_in', 'completed')"
)
_ANCHOR_DOUBLES = (
    "SELECT count(*) FROM anchor_bookings AS a JOIN anchor_bookings AS b"
    " ON a.room = b.room AND a.id < b.id AND a.during && b.during"
)


@contextlib.contextmanager
def _cluster() -> Iterator[PostgresCluster | None]:
    try:
        with throwaway_cluster(port=54393) as cluster:
            yield cluster
    except PostgresUnavailableError:
        yield None


def _database(cluster: PostgresCluster) -> str:

    return cluster.create_database("http")


def _count(url: str, query: str) -> int:
    import psycopg  # noqa: PLC0415 - the postgres extra

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(query).fetchone()
    return 0 if row is None else int(row[0])


def _starts(day: datetime) -> list[str]:
    """The quarter-hour starts from 10:00 to 19:45 of `day`, as ISO 8601 text."""
    first = day.replace(hour=10, minute=0, second=0, microsecond=0)
    return [(first + timedelta(minutes=15 * n)).isoformat() for n in range(40)]


def _load(port: int, starts: list[str], seconds: float, *, keyed: bool) -> LoadResult:
    rng = random.Random(7)
    serial = itertools.count()
    run = next(_names)  # keys never repeat across runs on one database

    def request(_client: int, _n: int) -> bytes:
        payload = {"service": "facial", "start": rng.choice(starts), "status": "confirmed"}
        headers = {"Idempotency-Key": f"{run}-{next(serial)}"} if keyed else {}
        return encode_post("/bookings", payload, headers)

    def check(status: int, body: bytes) -> None:
        if status not in (201, 409):
            raise RuntimeError(f"unexpected status {status}: {body[:200]!r}")
        if keyed and status == 409:
            error = json.loads(body)["error"]
            if error["code"] == "slot_conflict":
                return  # lost the race for a free slot three times running: retry later
            if error["code"] != "booking_refused" or len(error["details"]["alternatives"]) > 3:
                raise RuntimeError(f"unexpected refusal: {body[:300]!r}")

    return asyncio.run(run_load(port, request, clients=CLIENTS, seconds=seconds, check=check))


def _serve_and_load(
    app: str, env: dict[str, str], starts: list[str], seconds: float, *, keyed: bool
) -> LoadResult:
    with uvicorn_server(app, env=env, pythonpath=[str(ROOT), str(SALON)]) as server:
        _load(server.port, starts[:4], min(1.0, seconds / 4), keyed=keyed)  # warm up
        before = server.cpu_seconds()
        result = _load(server.port, starts, seconds, keyed=keyed)
        after = server.cpu_seconds()
        if before is not None and after is not None:
            result.server_cpu = after - before
        return result


def _row(case: str, result: LoadResult, anchor: LoadResult | None, doubles: int) -> Row:
    cpu = result.cpu_per_request
    note = (
        f"{result.per_second:,.0f} req/s, p50 {result.percentile(50) * 1e3:.1f} ms,"
        f" p99 {result.percentile(99) * 1e3:.1f} ms, {result.statuses.get(201, 0)} booked,"
        f" {result.statuses.get(409, 0)} refused, {doubles} double bookings"
        + ("" if cpu is None else f", server CPU {cpu * 1e3:.2f} ms/request")
    )
    return Row(
        "http",
        case,
        result.requests,
        1 / result.per_second,
        "hand-written SQL endpoint" if anchor is not None else "",
        None if anchor is None else 1 / anchor.per_second,
        note,
    )


def run(quick: bool) -> list[Row]:
    """Serve each variant in turn, load it for a bounded time, and count double bookings."""
    seconds = 3.0 if quick else 10.0
    with _cluster() as cluster:
        if cluster is None:
            return []
        day = (datetime.now(ZONE) + timedelta(days=2)).replace(tzinfo=ZONE)
        starts = _starts(day)
        results: dict[str, tuple[LoadResult, int]] = {}

        keyring = EnvKeyProvider.render(Keyring.generate().keys)
        anchor_url = _database(cluster)
        anchor_env = {
            "ANCHOR_DATABASE_URL": anchor_url,
            "ANCHOR_ROOMS": "room-1,room-2",
            "ANCHOR_MINUTES": "70",
            "ANCHOR_POOL": "10",
        }
        anchor = _serve_and_load(
            "benchmarks._http_anchor:create_app", anchor_env, starts, seconds, keyed=False
        )
        results["anchor"] = (anchor, _count(anchor_url, _ANCHOR_DOUBLES))

        for mode in ("async", "threads"):
            url = _database(cluster)
            env = {
                "SALON_DATABASE_URL": url,
                "SALON_POOL_SIZE": "10",
                "SALON_POOL_CHECK": "0",  # as the anchor's pool: no round trip per checkout
                "SALON_KEYRING": keyring,
            }
            app = f"benchmarks._http_salon:create_{mode}_app"
            result = _serve_and_load(app, env, starts, seconds, keyed=True)
            results[mode] = (result, _count(url, _CLUBRULES_DOUBLES))

    anchor_result, anchor_doubles = results["anchor"]
    rows = [
        _row(
            f"book on a contended day, {mode} adapters, {CLIENTS} clients",
            *results[mode][:1],
            anchor_result,
            results[mode][1],
        )
        for mode in ("async", "threads")
    ]
    rows.append(_row("the anchor alone", anchor_result, None, anchor_doubles))
    return rows
