"""A small HTTP/1.1 load generator and a uvicorn runner, for the http suite.

The client speaks just enough HTTP/1.1 over asyncio streams (keep-alive,
`Content-Length` bodies) to keep its own cost per request in the tens of
microseconds: a general client such as httpx costs several hundred, which
on a 2-core machine would measure the client rather than the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping


@dataclass
class LoadResult:
    """What a bounded run saw: statuses, latencies, the wall time and the server's CPU time."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_cpu: float | None = None

    @property
    def cpu_per_request(self) -> float | None:
        """The server process's CPU seconds per request answered, if known."""
        if self.server_cpu is None or not self.latencies:
            return None
        return self.server_cpu / len(self.latencies)

    @property
    def requests(self) -> int:
        """Requests answered."""
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        """Requests answered per second of the run."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The `p`-th percentile latency in seconds (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        rank = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank]


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


def encode_post(
    path: str, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> bytes:
    """An HTTP/1.1 POST with a JSON body, as bytes."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


async def run_load(
    port: int,
    make_request: Callable[[int, int], bytes],
    *,
    clients: int,
    seconds: float,
    check: Callable[[int, bytes], None] | None = None,
) -> LoadResult:
    """`clients` connections sending `make_request(client, n)` one after another for `seconds`."""
    result = LoadResult(seconds=seconds)
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            n = 0
            while time.perf_counter() < deadline:
                request = make_request(number, n)
                n += 1
                start = time.perf_counter()
                status, body = await _exchange(reader, writer, request)
                result.latencies.append(time.perf_counter() - start)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if check is not None:
                    check(status, body)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.seconds = time.perf_counter() - began
    return result


@dataclass(frozen=True)
class Served:
    """A server started by `uvicorn_server`: its port and process id."""

    port: int
    pid: int

    def cpu_seconds(self) -> float | None:
        """The CPU time (user + system) the server process has used, or None off Linux."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime, the 14th and 15th fields (11th and 12th after the name).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def uvicorn_server(
    app: str, *, env: Mapping[str, str], pythonpath: list[str], timeout: float = 60.0
) -> Iterator[Served]:
    """Serve `module:factory` with uvicorn (one worker) on a loopback port; yield the server."""
    port = free_port()
    full_env = {
        **os.environ,
        **env,
        "PYTHONPATH": os.pathsep.join([*pythonpath, os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "asyncio",
        "--http",
        "h11",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=full_env)  # noqa: S603 - our interpreter and uvicorn
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server {app} exited with {process.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server {app} did not listen within {timeout} s")
            time.sleep(0.1)
        yield Served(port, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            process.kill()
            process.wait()
