"""The FastAPI example over real HTTP, against the throwaway PostgreSQL cluster.

`examples/fastapi_salon` is served by uvicorn on a loopback port, in a
thread of this process, on a fresh database per module; the tests drive it
with `httpx.AsyncClient`. Both storage modes serve the functional tests;
the race runs in async mode.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
import uvicorn

from clubrules.booking import is_valid_confirmation_code
from clubrules.errors import CommitOutcomeUnknownError, RetryableStorageError, ValidationError
from clubrules.privacy import CustomerKeys, EnvKeyProvider, Keyring, PrivacyVault
from clubrules.storage.postgres import (
    PostgresAccessLog,
    PostgresBookingRepository,
    PostgresComplaintRepository,
    PostgresConsentStore,
    PostgresCustomerRepository,
    PostgresDatabase,
    PostgresDataKeyStore,
)
from clubrules.testing import ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "fastapi_salon"))

from salon_api import Settings, create_app
from salon_api.limits import MAX_BODY_BYTES
from salon_api.schemas import instant
from salon_api.seed import ZONE, role_policy, seed_customers

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

# The app's "now": a Monday morning before opening. Bookings go days ahead.
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=ZONE)
# Every test books its own slots: (day, hour) pairs never used twice in a module.
_slots = itertools.count()


def fresh_start() -> datetime:
    """A start on the hour, in opening hours, that no other test of the module uses."""
    day, hour = divmod(next(_slots), 5)
    return NOW.replace(hour=10 + 2 * hour) + timedelta(days=1 + day)


class Server:
    """The app under uvicorn on 127.0.0.1, in a daemon thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, log_level="warning", ws="none", lifespan="on", timeout_graceful_shutdown=5
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> Server:
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                msg = "the salon API did not start"
                raise RuntimeError(msg)
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()


@pytest.fixture(scope="module")
def database_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.create_database("fastapi_salon")


@pytest.fixture(scope="module")
def settings(database_url: str) -> Settings:
    keyring = EnvKeyProvider.render(Keyring.generate().keys)
    return Settings(database_url=database_url, pool_size=10, environ={"SALON_KEYRING": keyring})


@pytest.fixture(scope="module")
def db(settings: Settings) -> Iterator[PostgresDatabase]:
    """The sync view of the app's database: migrated and seeded, for the tests' own reads."""
    database = PostgresDatabase(settings.database_url, schema=settings.schema)
    database.migrate()
    keyring = Keyring.from_provider(EnvKeyProvider("SALON_KEYRING", settings.environ))
    vault = PrivacyVault(
        keys=CustomerKeys(keyring, PostgresDataKeyStore(database)),
        policy=role_policy(),
        consents=PostgresConsentStore(database),
        log=PostgresAccessLog(database),
        clock=ManualClock(NOW),
    )
    seed_customers(
        PostgresCustomerRepository(database),
        vault,
        PostgresConsentStore(database),
        now=NOW - timedelta(days=30),
    )
    yield database
    database.close()


def _test_routes(app: FastAPI) -> None:
    """Routes that raise what no real request can be made to raise on demand."""

    async def secret_failure() -> None:
        msg = "password=hunter2 at /srv/app/secret.py line 12"
        raise RuntimeError(msg)

    async def commit_lost() -> None:
        msg = "the connection failed during COMMIT"
        raise CommitOutcomeUnknownError(msg)

    async def unavailable() -> None:
        msg = "57P01 AdminShutdown"
        raise RetryableStorageError(msg)

    app.add_api_route("/_test/boom", secret_failure, methods=["POST"])
    app.add_api_route("/_test/commit-lost", commit_lost, methods=["POST"])
    app.add_api_route("/_test/unavailable", unavailable, methods=["POST"])


@pytest.fixture(scope="module", params=["async", "threads"])
def api(request: pytest.FixtureRequest, settings: Settings, db: PostgresDatabase) -> Iterator[str]:
    """The base URL of the app served in one mode."""
    app = create_app(settings, mode=request.param, clock=ManualClock(NOW))
    _test_routes(app)
    with Server(app) as server:
        yield server.url


@pytest.fixture(scope="module")
def async_api(settings: Settings, db: PostgresDatabase) -> Iterator[str]:
    """The base URL of the app in async mode (for the race)."""
    with Server(create_app(settings, mode="async", clock=ManualClock(NOW))) as server:
        yield server.url


def run(api: str, *calls: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
    """Make the calls one after the other on one client; their responses."""

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=api, timeout=60) as client:
            return [await client.request(method, url, **kw) for method, url, kw in calls]

    return asyncio.run(go())


def call(api: str, method: str, url: str, **kw: Any) -> httpx.Response:
    return run(api, (method, url, kw))[0]


def facial(start: datetime, **more: Any) -> dict[str, Any]:
    return {
        "service": "facial",
        "start": start.isoformat(),
        "customer_id": "c-001",
        "resources": {"beautician": "li", "room": "room-1"},
        **more,
    }


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


def stored_bookings(db: PostgresDatabase, start: datetime) -> list[Any]:
    """The stored bookings starting at `start` (any status)."""
    found = PostgresBookingRepository(db).find(start=start, end=start + timedelta(minutes=1))
    return [b for b in found if b.start == start]


def test_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"SALON_DATABASE_URL": "postgresql://salon@db/salon", "SALON_POOL_SIZE": "4"}
    )
    assert (settings.database_url, settings.schema, settings.pool_size) == (
        "postgresql://salon@db/salon",
        "clubrules",
        4,
    )
    assert "salon@db" not in repr(settings)
    with pytest.raises(ValidationError) as missing:
        Settings.from_env({})
    assert missing.value.field == "SALON_DATABASE_URL"
    with pytest.raises(ValidationError) as bad_size:
        Settings.from_env({"SALON_DATABASE_URL": "postgresql:///salon", "SALON_POOL_SIZE": "0"})
    assert bad_size.value.field == "SALON_POOL_SIZE"
    with pytest.raises(ValidationError):
        create_app(settings, mode="fibers")  # type: ignore[arg-type]


# --- bookings ----------------------------------------------------------------------


def test_a_booking_is_held_then_confirmed_then_cancelled(api: str, db: PostgresDatabase) -> None:
    start = fresh_start()
    made = call(api, "POST", "/bookings", json=facial(start))
    assert made.status_code == 201, made.text
    booking = made.json()
    assert booking["status"] == "held"
    assert booking["version"] == 1
    assert booking["resources"] == {"beautician": "li", "room": "room-1"}
    assert is_valid_confirmation_code(booking["confirmation_code"])
    assert datetime.fromisoformat(booking["start"]) == start
    assert datetime.fromisoformat(booking["expires_at"]) == NOW + timedelta(minutes=10)

    url = f"/bookings/{booking['id']}"
    confirmed = call(api, "POST", f"{url}/confirm", json={"version": 1})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["version"] == 2
    assert confirmed.json()["confirmation_code"] == booking["confirmation_code"]
    assert call(api, "GET", url).json() == confirmed.json()

    cancelled = call(api, "POST", f"{url}/cancel", json={"version": 2})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["late_cancel"] is False
    (stored,) = stored_bookings(db, start)
    assert stored.status.value == "cancelled"
    assert stored.version == 3


def test_a_taken_slot_is_refused_with_every_reason_and_three_alternatives(api: str) -> None:
    start = fresh_start()
    first = call(api, "POST", "/bookings", json=facial(start, status="confirmed"))
    assert first.status_code == 201, first.text
    refused = call(api, "POST", "/bookings", json=facial(start, customer_id="c-002"))
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "booking_refused"
    reasons = error["details"]["reasons"]
    assert {(r["code"], r["resource"], r["booking"]) for r in reasons} == {
        ("conflict", "li", first.json()["id"]),
        ("conflict", "room-1", first.json()["id"]),
    }
    alternatives = error["details"]["alternatives"]
    assert len(alternatives) == 3
    # The requested time with other resources comes first.
    assert datetime.fromisoformat(alternatives[0]["start"]) == start
    assert alternatives[0]["same_resources"] is False
    assert alternatives[0]["resources"] == {"beautician": "chen", "room": "room-2"}


def test_a_request_failing_several_rules_gets_every_reason(api: str) -> None:
    # Too soon (one hour's notice) and before opening: two reasons at once.
    refused = call(api, "POST", "/bookings", json=facial(NOW + timedelta(minutes=30)))
    assert refused.status_code == 409
    error = error_of(refused)
    codes = {r["code"] for r in error["details"]["reasons"]}
    assert codes == {"short_notice", "closed"}
    assert len(error["details"]["alternatives"]) == 3


def test_bad_booking_requests_are_422_with_the_fields_named(api: str) -> None:
    naive, unknown, missing, extra = run(
        api,
        ("POST", "/bookings", {"json": facial(NOW.replace(tzinfo=None) + timedelta(days=3))}),
        ("POST", "/bookings", {"json": {**facial(fresh_start()), "service": "sauna"}}),
        ("POST", "/bookings", {"json": {"start": fresh_start().isoformat()}}),
        ("POST", "/bookings", {"json": {**facial(fresh_start()), "price": 3}}),
    )
    for response in (naive, unknown, missing, extra):
        assert response.status_code == 422, response.text
        assert error_of(response)["code"] == "validation_error"
    assert [(v["field"], v["rule"]) for v in error_of(naive)["details"]["violations"]] == [
        ("start", "naive_datetime")
    ]
    assert [(v["field"], v["rule"]) for v in error_of(unknown)["details"]["violations"]] == [
        ("service", "unknown_service")
    ]
    assert [v["field"] for v in error_of(missing)["details"]["violations"]] == ["service"]
    assert [v["field"] for v in error_of(extra)["details"]["violations"]] == ["price"]


def test_a_body_over_the_cap_is_413_and_writes_nothing(api: str, db: PostgresDatabase) -> None:
    start = fresh_start()
    padding = "x" * MAX_BODY_BYTES
    booking, complaint = run(
        api,
        ("POST", "/bookings", {"json": facial(start, note=padding)}),
        ("POST", "/complaints", {"json": {"kind": "complaint", "content": padding}}),
    )
    for response in (booking, complaint):
        assert response.status_code == 413, response.text
        assert error_of(response)["code"] == "payload_too_large"
    assert stored_bookings(db, start) == []


def test_instants_at_the_ends_of_the_calendar_are_422_not_500(api: str) -> None:
    early, late, first_day, last_day = run(
        api,
        ("POST", "/bookings", {"json": facial(datetime(1, 1, 1, tzinfo=ZONE))}),
        ("POST", "/bookings", {"json": facial(datetime(9999, 12, 31, 20, tzinfo=ZONE))}),
        ("GET", "/availability", {"params": {"date": "0001-01-01", "service": "facial"}}),
        ("GET", "/availability", {"params": {"date": "9999-12-31", "service": "facial"}}),
    )
    for response in (early, late, first_day, last_day):
        assert response.status_code == 422, response.text
        assert error_of(response)["code"] == "validation_error"


def test_a_stale_version_is_409_and_a_missing_booking_404(api: str) -> None:
    made = call(api, "POST", "/bookings", json=facial(fresh_start()))
    url = f"/bookings/{made.json()['id']}"
    stale, missing, missing_get, confirmed, again = run(
        api,
        ("POST", f"{url}/confirm", {"json": {"version": 2}}),
        ("POST", "/bookings/bk-nope/confirm", {"json": {"version": 1}}),
        ("GET", "/bookings/bk-nope", {}),
        ("POST", f"{url}/confirm", {"json": {"version": 1}}),
        ("POST", f"{url}/confirm", {"json": {"version": 1}}),
    )
    assert stale.status_code == 409
    assert error_of(stale) == {
        "code": "stale_version",
        "message": "the item changed since it was read: read it again",
        "details": {"id": made.json()["id"], "expected": 2, "actual": 1},
    }
    assert missing.status_code == 404
    assert error_of(missing)["details"] == {"kind": "booking", "id": "bk-nope"}
    assert missing_get.status_code == 404
    assert confirmed.status_code == 200
    # The same move again, without an idempotency key: the version is stale now.
    assert again.status_code == 409
    assert error_of(again)["code"] == "stale_version"
    cancel_twice = run(
        api,
        ("POST", f"{url}/cancel", {"json": {"version": 2}}),
        ("POST", f"{url}/cancel", {"json": {"version": 3}}),
    )
    assert cancel_twice[0].status_code == 200
    assert cancel_twice[1].status_code == 409
    assert error_of(cancel_twice[1])["code"] == "illegal_transition"
    assert error_of(cancel_twice[1])["details"]["state"] == "cancelled"


def test_a_retried_booking_returns_the_same_booking_and_writes_once(
    api: str, db: PostgresDatabase
) -> None:
    start = fresh_start()
    key = f"key-{start.isoformat()}-{api}"
    first, retry = run(
        api,
        ("POST", "/bookings", {"json": facial(start), "headers": {"Idempotency-Key": key}}),
        ("POST", "/bookings", {"json": facial(start), "headers": {"Idempotency-Key": key}}),
    )
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert retry.status_code == 200, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert [b.id for b in stored_bookings(db, start)] == [first.json()["id"]]
    # The key bound to another request: refused, nothing written.
    other = call(
        api,
        "POST",
        "/bookings",
        json=facial(start + timedelta(days=40)),
        headers={"Idempotency-Key": key},
    )
    assert other.status_code == 409
    assert error_of(other)["code"] == "duplicate"
    assert stored_bookings(db, start + timedelta(days=40)) == []
    # A retried confirm with the key is answered again, not refused as stale.
    url = f"/bookings/{first.json()['id']}/confirm"
    confirm = {"json": {"version": 1}, "headers": {"Idempotency-Key": f"{key}-confirm"}}
    confirmed, replayed = run(api, ("POST", url, confirm), ("POST", url, confirm))
    assert confirmed.status_code == 200
    assert replayed.status_code == 200
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == confirmed.json()
    assert stored_bookings(db, start)[0].version == 2


def test_a_bad_idempotency_key_is_422(api: str) -> None:
    response = call(
        api, "POST", "/bookings", json=facial(fresh_start()), headers={"Idempotency-Key": "k" * 201}
    )
    assert response.status_code == 422
    assert error_of(response)["details"]["violations"][0]["field"] == "Idempotency-Key"


def test_availability_lists_the_free_starts_of_a_day(api: str) -> None:
    start = fresh_start()
    day = start.date().isoformat()
    before = call(api, "GET", "/availability", params={"date": day, "service": "massage"})
    assert before.status_code == 200, before.text
    starts = [datetime.fromisoformat(s["start"]) for s in before.json()["slots"]]
    assert before.json()["date"] == day
    # Li is the only masseur: her other bookings of the day (other tests') block some starts.
    assert all(s.astimezone(ZONE).hour >= 10 for s in starts)
    assert all(s.astimezone(ZONE) + timedelta(minutes=90) <= start.replace(hour=21) for s in starts)
    massage = {"service": "massage", "start": starts[0].isoformat(), "customer_id": "c-003"}
    assert call(api, "POST", "/bookings", json=massage).status_code == 201
    after = call(api, "GET", "/availability", params={"date": day, "service": "massage"})
    left = [datetime.fromisoformat(s["start"]) for s in after.json()["slots"]]
    # Li is busy for the massage and its 15-minute clean-up: 105 minutes of starts go.
    assert starts[0] not in left
    assert all(
        not (starts[0] - timedelta(minutes=90) < s < starts[0] + timedelta(minutes=105))
        for s in left
    )
    unknown, bad_date, missing = run(
        api,
        ("GET", "/availability", {"params": {"date": day, "service": "sauna"}}),
        ("GET", "/availability", {"params": {"date": "2026-02-30", "service": "facial"}}),
        ("GET", "/availability", {"params": {"date": day}}),
    )
    assert unknown.status_code == 422
    assert error_of(unknown)["details"]["violations"][0]["rule"] == "unknown_service"
    assert bad_date.status_code == 422
    assert missing.status_code == 422


# --- the race ----------------------------------------------------------------------


@pytest.mark.parametrize("round_", range(20))
def test_fifty_requests_for_one_slot_make_exactly_one_booking(
    round_: int, async_api: str, db: PostgresDatabase
) -> None:
    start = NOW.replace(hour=10 + 2 * (round_ % 5)) + timedelta(days=60 + round_ // 5)
    body = facial(start)

    async def go() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=60)
        async with httpx.AsyncClient(base_url=async_api, timeout=120, limits=limits) as client:
            return list(
                await asyncio.gather(*(client.post("/bookings", json=body) for _ in range(50)))
            )

    responses = asyncio.run(go())
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 49}
    (winner,) = [r.json() for r in responses if r.status_code == 201]
    for refused in (error_of(r) for r in responses if r.status_code == 409):
        assert refused["code"] == "booking_refused"
        assert {x["booking"] for x in refused["details"]["reasons"]} == {winner["id"]}
        assert {x["code"] for x in refused["details"]["reasons"]} == {"conflict"}
        assert len(refused["details"]["alternatives"]) == 3
    assert [b.id for b in stored_bookings(db, start)] == [winner["id"]]


# --- the database killed mid-request ------------------------------------------------


def _blocked_backend(admin: psycopg.Connection[Any], deadline: float) -> int:
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchone()
        if row is not None:
            return int(row[0])
        time.sleep(0.05)
    msg = "the request never blocked on the lock"
    raise AssertionError(msg)


def test_a_request_whose_connection_is_killed_gets_503_and_writes_nothing(
    api: str, database_url: str, db: PostgresDatabase
) -> None:
    start = fresh_start()
    body = facial(start, customer_id="c-003")
    key = f"killed-{start.isoformat()}"
    # Make sure li's row exists to be locked (any booking on li creates it).
    assert call(api, "POST", "/bookings", json=facial(fresh_start())).status_code == 201
    with (
        psycopg.connect(database_url) as blocker,
        psycopg.connect(database_url, autocommit=True) as admin,
    ):
        blocker.execute(
            "SELECT resource FROM clubrules.booking_resources WHERE resource = 'li' FOR UPDATE"
        )

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(base_url=api, timeout=60) as client:
                pending = asyncio.create_task(
                    client.post("/bookings", json=body, headers={"Idempotency-Key": key})
                )
                pid = await asyncio.to_thread(_blocked_backend, admin, time.monotonic() + 30)
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                return await pending

        response = asyncio.run(go())
        blocker.rollback()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    error = error_of(response)
    assert error["code"] == "storage_unavailable"
    assert error["details"] == {"retry_after": 1}
    with db.connection() as conn:
        assert conn.execute(
            "SELECT count(*) FROM clubrules.bookings WHERE idempotency_key = %s", (key,)
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM clubrules.booking_occupancy AS o"
            " LEFT JOIN clubrules.bookings AS b ON b.id = o.booking_id WHERE b.id IS NULL"
        ).fetchone() == (0,)
    # The client retries as told, with the same key: it goes through, once.
    retried = call(api, "POST", "/bookings", json=body, headers={"Idempotency-Key": key})
    assert retried.status_code == 201, retried.text
    assert [b.id for b in stored_bookings(db, start)] == [retried.json()["id"]]


def test_a_complaint_step_whose_connection_is_killed_gets_503_and_writes_nothing(
    api: str, database_url: str, db: PostgresDatabase
) -> None:
    case = call(api, "POST", "/complaints", json=COMPLAINT).json()
    step: dict[str, Any] = {
        "json": {"action": "start_investigation", "expected_version": 1, "by": "cs-07"},
        "headers": {"Idempotency-Key": f"killed-step-{case['id']}"},
    }
    url = f"/complaints/{case['id']}/events"
    with (
        psycopg.connect(database_url) as blocker,
        psycopg.connect(database_url, autocommit=True) as admin,
    ):
        # Reads go on; the append waits.
        blocker.execute(
            "LOCK TABLE clubrules.complaint_cases, clubrules.complaint_events IN EXCLUSIVE MODE"
        )

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(base_url=api, timeout=60) as client:
                pending = asyncio.create_task(client.post(url, **step))
                pid = await asyncio.to_thread(_blocked_backend, admin, time.monotonic() + 30)
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                return await pending

        response = asyncio.run(go())
        blocker.rollback()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert error_of(response)["code"] == "storage_unavailable"
    assert PostgresComplaintRepository(db).version(case["id"]) == 1
    retried = call(api, "POST", url, **step)
    assert retried.status_code == 201, retried.text
    assert PostgresComplaintRepository(db).version(case["id"]) == 2


# --- the error mapping --------------------------------------------------------------


def test_unexpected_errors_are_500_without_a_trace_or_a_value(api: str) -> None:
    response = call(api, "POST", "/_test/boom")
    assert response.status_code == 500
    assert error_of(response) == {
        "code": "internal_error",
        "message": "internal error; the request may be retried later",
        "details": {},
    }
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text


def test_storage_failures_are_503_with_retry_after(api: str) -> None:
    lost, unavailable = run(
        api, ("POST", "/_test/commit-lost", {}), ("POST", "/_test/unavailable", {})
    )
    assert lost.status_code == 503
    assert lost.headers["Retry-After"] == "1"
    assert error_of(lost)["code"] == "outcome_unknown"
    assert "outcome is unknown" in error_of(lost)["message"]
    assert unavailable.status_code == 503
    assert unavailable.headers["Retry-After"] == "1"
    assert "57P01" not in unavailable.text


def test_unknown_routes_answer_in_the_same_shape(api: str) -> None:
    response = call(api, "GET", "/nowhere")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- complaints --------------------------------------------------------------------

COMPLAINT = {
    "customer_id": "c-001",
    "channel": "phone",
    "contact": "+86 138 0013 8000",
    "content": "The facial left a rash.",
    "category": "service",
}


def test_a_complaint_is_registered_moved_and_read_with_its_sla(api: str) -> None:
    made = call(api, "POST", "/complaints", json=COMPLAINT)
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["state"] == "registered"
    assert case["version"] == 1
    assert "+86 138 0013 8000" not in made.text
    assert "rash" not in made.text
    url = f"/complaints/{case['id']}"
    contacted = call(
        api,
        "POST",
        f"{url}/events",
        json={
            "action": "contact_customer",
            "expected_version": 1,
            "by": "cs-07",
            "channel": "phone",
        },
    )
    assert contacted.status_code == 201, contacted.text
    assert contacted.json()["state"] == "acknowledged"
    assert contacted.json()["version"] == 2
    read = call(api, "GET", url)
    assert read.status_code == 200
    sla = {s["target"]: s for s in read.json()["sla"]}
    assert sla["first_response"]["status"] == "achieved"
    assert sla["first_response"]["breached"] is False
    assert sla["resolution"]["status"] == "active"
    assert datetime.fromisoformat(sla["resolution"]["due_at"]) == NOW + timedelta(days=7)
    assert read.json()["sla_at"] == NOW.isoformat()


def test_bad_complaint_steps_are_refused(api: str) -> None:
    case = call(api, "POST", "/complaints", json=COMPLAINT).json()
    url = f"/complaints/{case['id']}/events"
    stale, illegal, unknown_action, unknown_field, missing = run(
        api,
        (
            "POST",
            url,
            {
                "json": {
                    "action": "contact_customer",
                    "expected_version": 3,
                    "by": "cs-07",
                    "channel": "phone",
                }
            },
        ),
        (
            "POST",
            url,
            {
                "json": {
                    "action": "follow_up",
                    "expected_version": 1,
                    "by": "cs-07",
                    "channel": "phone",
                    "satisfied": True,
                }
            },
        ),
        ("POST", url, {"json": {"action": "shout", "expected_version": 1}}),
        (
            "POST",
            url,
            {
                "json": {
                    "action": "start_investigation",
                    "expected_version": 1,
                    "by": "cs-07",
                    "colour": "red",
                }
            },
        ),
        (
            "POST",
            "/complaints/case-nope/events",
            {"json": {"action": "start_investigation", "expected_version": 1, "by": "x"}},
        ),
    )
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "stale_version"
    assert illegal.status_code == 409
    assert error_of(illegal)["code"] == "illegal_transition"
    assert unknown_action.status_code == 422
    assert error_of(unknown_action)["details"]["violations"][0]["field"] == "action"
    assert unknown_field.status_code == 422
    assert error_of(unknown_field)["details"]["violations"][0]["field"] == "colour"
    assert missing.status_code == 404
    no_by, bad_money = run(
        api,
        ("POST", url, {"json": {"action": "start_investigation", "expected_version": 1}}),
        (
            "POST",
            url,
            {
                "json": {
                    "action": "propose_resolution",
                    "expected_version": 1,
                    "by": "cs-07",
                    "channel": "phone",
                    "compensation": {"amount": "50.00", "colour": "red"},
                }
            },
        ),
    )
    assert no_by.status_code == 422, no_by.text
    assert [(v["field"], v["rule"]) for v in error_of(no_by)["details"]["violations"]] == [
        ("by", "required")
    ]
    assert bad_money.status_code == 422, bad_money.text
    assert error_of(bad_money)["details"]["violations"][0]["field"] == "compensation"
    blank = call(api, "POST", "/complaints", json={**COMPLAINT, "channel": " "})
    assert blank.status_code == 422
    assert error_of(blank)["details"]["violations"][0]["field"] == "channel"


def test_a_retried_complaint_and_event_are_answered_again_and_stored_once(
    api: str, db: PostgresDatabase
) -> None:
    key = f"complaint-{api}"
    headers = {"Idempotency-Key": key}
    first, retry = run(
        api,
        ("POST", "/complaints", {"json": COMPLAINT, "headers": headers}),
        ("POST", "/complaints", {"json": COMPLAINT, "headers": headers}),
    )
    assert first.status_code == 201, first.text
    assert retry.status_code == 200, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    case_id = first.json()["id"]
    repo = PostgresComplaintRepository(db)
    assert repo.version(case_id) == 1
    other = call(api, "POST", "/complaints", json={**COMPLAINT, "content": "x"}, headers=headers)
    assert other.status_code == 409
    assert error_of(other)["code"] == "duplicate"

    step = {
        "json": {"action": "start_investigation", "expected_version": 1, "by": "cs-07"},
        "headers": {"Idempotency-Key": f"{key}-step"},
    }
    url = f"/complaints/{case_id}/events"
    done, again = run(api, ("POST", url, step), ("POST", url, step))
    assert done.status_code == 201, done.text
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == done.json()
    assert repo.version(case_id) == 2


# --- allergies: the audited read ---------------------------------------------------


def read_allergies(api: str, customer: str, actor: str, role: str) -> httpx.Response:
    headers = {"X-Actor": actor, "X-Role": role, "X-Purpose": "service_delivery"}
    return call(api, "GET", f"/customers/{customer}/allergies", headers=headers)


def test_the_front_desk_is_refused_allergies_and_the_refusal_is_logged(
    api: str, db: PostgresDatabase
) -> None:
    actor = f"desk-{api.rsplit(':', 1)[1]}"
    response = read_allergies(api, "c-001", actor, "front_desk")
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "access_denied",
        "message": "this role may not read this field for this purpose",
        "details": {"reason": "role_policy"},
    }
    assert "penicillin" not in response.text
    (event,) = PostgresAccessLog(db).by_actor(actor)
    assert (event.customer_id, event.field, event.role, event.allowed, event.reason) == (
        "c-001",
        "allergies",
        "front_desk",
        False,
        "role_policy",
    )


def test_a_beautician_reads_allergies_with_consent_and_the_read_is_logged(
    api: str, db: PostgresDatabase
) -> None:
    actor = f"beautician-{api.rsplit(':', 1)[1]}"
    allowed = read_allergies(api, "c-001", actor, "beautician")
    assert allowed.status_code == 200, allowed.text
    assert allowed.json() == {
        "customer_id": "c-001",
        "field": "allergies",
        "value": ["penicillin", "pollen"],
    }
    assert allowed.headers["Cache-Control"] == "no-store"
    no_consent = read_allergies(api, "c-002", actor, "beautician")
    assert no_consent.status_code == 403
    assert error_of(no_consent)["code"] == "consent_required"
    assert "latex" not in no_consent.text
    log = PostgresAccessLog(db).by_actor(actor)
    assert [(e.customer_id, e.allowed, e.reason) for e in log] == [
        ("c-001", True, "allowed"),
        ("c-002", False, "no_consent"),
    ]
    no_record, no_customer = (
        read_allergies(api, "c-003", actor, "beautician"),
        read_allergies(api, "c-404", actor, "beautician"),
    )
    assert no_record.status_code == 404
    assert no_customer.status_code == 404
    bad_purpose = call(
        api,
        "GET",
        "/customers/c-001/allergies",
        headers={"X-Actor": actor, "X-Role": "beautician", "X-Purpose": "curiosity"},
    )
    assert bad_purpose.status_code == 422
    assert error_of(bad_purpose)["details"]["violations"][0]["field"] == "header.X-Purpose"


def test_instants_are_answered_by_the_instant_not_by_the_wall_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 02:30 happens twice in Berlin on 2026-10-25: equal as datetimes, an hour apart.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin)
    second = first.replace(fold=1)
    assert instant(first) == "2026-10-25T08:30:00+08:00"
    assert instant(second) == "2026-10-25T09:30:00+08:00"
