"""A throwaway PostgreSQL cluster for tests: started in a temporary directory, then removed.

The server binaries (`initdb`, `pg_ctl`) must be installed; no server needs to
be running. When the current user is root, the cluster runs as the `postgres`
system user (PostgreSQL refuses to run as root). The server listens only on a
Unix socket inside the temporary directory, never on a network port.

```python
with throwaway_cluster() as cluster:
    print(cluster.url)   # postgresql://postgres@/postgres?host=/tmp/...
```
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator  # noqa: TC003
from pathlib import Path

import attrs

from clubrules._checks import require_flag
from clubrules.errors import ValidationError

__all__ = ["PostgresCluster", "PostgresUnavailableError", "find_pg_bin", "throwaway_cluster"]


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server binaries are missing, or the cluster would not start."""


def find_pg_bin() -> Path | None:
    """The directory holding `initdb` and `pg_ctl`, or None if there is none.

    `PG_BIN` in the environment wins; then the Debian layout (newest version
    first); then the `PATH`.
    """
    env = os.environ.get("PG_BIN")
    if env and (Path(env) / "initdb").exists():
        return Path(env)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        for version in sorted(debian.iterdir(), key=lambda p: p.name, reverse=True):
            candidate = version / "bin"
            if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
                return candidate
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    return None


@attrs.frozen
class PostgresCluster:
    """A running throwaway cluster.

    Attributes:
        directory: The temporary directory holding the data and the socket.
        socket_dir: Where the Unix socket lives (the `host` to connect to).
        port: The port number that names the socket file.
        user: The database superuser.
        bin_dir: Where the server binaries were found.
    """

    directory: Path
    socket_dir: Path
    port: int
    user: str
    bin_dir: Path

    @property
    def url(self) -> str:
        """A libpq connection URL for the `postgres` database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        """A libpq connection URL for `database` on this cluster."""
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    def create_database(self, prefix: str = "test") -> str:
        """Create an empty database with a name of its own; its connection URL.

        The name is `prefix`, an underscore and a random suffix, so tests
        (and processes) that each create one never meet. Give each test
        module or class its own database rather than sharing `postgres`, and
        migrate it with `PostgresDatabase(url).migrate()`.

        Args:
            prefix: The start of the name: a lowercase letter, then up to 39
                lowercase letters, digits or underscores.

        Raises:
            ValidationError: `prefix` is not such a name.
            PostgresUnavailableError: `createdb` failed; the message says why.
        """
        if type(prefix) is not str or not _PREFIX.fullmatch(prefix):
            raise ValidationError(
                "must be a lowercase letter, then up to 39 lowercase letters, digits or"
                " underscores",
                field="prefix",
                rule="invalid_name",
            )
        name = f"{prefix}_{uuid.uuid4().hex[:16]}"
        _run(
            [
                str(self.bin_dir / "createdb"),
                "--host",
                str(self.socket_dir),
                "--port",
                str(self.port),
                "--username",
                self.user,
                name,
            ]
        )
        return self.url_for(name)

    def pg_ctl(self, *args: str) -> None:
        """Run `pg_ctl` against this cluster (for example `"restart"` in fault tests)."""
        _run_as_owner(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.directory / "data"), "-w", *args]
        )


_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _owner() -> tuple[str, int, int] | None:
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError as error:
        msg = "running as root, but there is no 'postgres' user to run the server as"
        raise PostgresUnavailableError(msg) from error
    return entry.pw_name, entry.pw_uid, entry.pw_gid


def _run_as_owner(command: list[str]) -> None:
    owner = _owner()
    _run(["runuser", "-u", owner[0], "--", *command] if owner else command, name=command[0])


def _run(command: list[str], *, name: str | None = None) -> None:
    """Run a server binary; `PostgresUnavailableError` with its output if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        program = Path(name or command[0]).name
        msg = f"{program} failed: {result.stderr.strip() or result.stdout.strip()}"
        raise PostgresUnavailableError(msg)


@contextlib.contextmanager
def throwaway_cluster(port: int = 54329, *, fsync: bool = False) -> Iterator[PostgresCluster]:
    """Start a PostgreSQL cluster in a temporary directory; stop and remove it afterwards.

    Args:
        port: The port number in the socket's file name (no TCP port is opened).
        fsync: Keep `fsync` on; off by default, since the data is thrown away.

    Raises:
        ValidationError: `fsync` is not True or False (rule `not_a_bool`).
        PostgresUnavailableError: the binaries are missing or the server failed
            to start; the message says why.
    """
    require_flag(fsync, "fsync")
    bin_dir = find_pg_bin()
    if bin_dir is None:
        msg = "PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BIN"
        raise PostgresUnavailableError(msg)
    owner = _owner()
    directory = Path(tempfile.mkdtemp(prefix="clubrules-pg-"))
    try:
        directory.chmod(0o755)
        if owner:
            os.chown(directory, owner[1], owner[2])
        data = directory / "data"
        _run_as_owner(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{directory}' -p {port}"
            f" -c fsync={'on' if fsync else 'off'} -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=100"
        )
        _run_as_owner(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(directory / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        cluster = PostgresCluster(directory, directory, port, "postgres", bin_dir)
        try:
            yield cluster
        finally:
            with contextlib.suppress(PostgresUnavailableError):
                _run_as_owner(
                    [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
                )
            time.sleep(0.05)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
