"""Versioned SQL migrations: loading them from the package, and applying them once.

The SQL files live in `clubrules/storage/migrations/<dialect>/NNNN_name.sql`,
shipped as package data. Version numbers start at 1 and have no gaps; both
dialects have the same versions, each meaning the same logical schema. A
database records what was applied in a version table (`clubrules_schema_version`
in SQLite, `clubrules.schema_version` in PostgreSQL), with each file's SHA-256,
so that an edited migration or a database newer than the package is refused
rather than guessed at.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import attrs

from clubrules._checks import shown
from clubrules.errors import MigrationError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DIALECTS",
    "Dialect",
    "Migration",
    "MigrationResult",
    "available_migrations",
    "check_history",
    "forward_only",
    "latest_version",
    "target_version",
]

Dialect = Literal["postgres", "sqlite"]
"""The SQL dialects that migrations ship for."""
DIALECTS: tuple[Dialect, ...] = ("postgres", "sqlite")
"""Every `Dialect`, sorted."""

_FILE = re.compile(r"(?P<version>[0-9]{4})_(?P<name>[a-z0-9_]+)\.sql")


@attrs.frozen
class Migration:
    """One versioned SQL migration shipped with clubrules.

    Attributes:
        version: Its number, from 1, without gaps.
        name: What it does, from its file name (`customers_and_privacy`).
        dialect: `"sqlite"` or `"postgres"`.
        sql: The SQL script.
    """

    version: int
    name: str
    dialect: Dialect
    sql: str = attrs.field(repr=False)

    @property
    def checksum(self) -> str:
        """The SHA-256 of the script, recorded when it is applied."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        """The file stem, such as `0001_customers_and_privacy`."""
        return f"{self.version:04d}_{self.name}"


@attrs.frozen
class MigrationResult:
    """What `migrate` did.

    Attributes:
        dialect: `"sqlite"` or `"postgres"`.
        previous_version: The schema version before (0 for an empty database).
        version: The schema version now.
        applied: The labels of the migrations applied by this call, in order;
            empty when the database was already up to date.
    """

    dialect: Dialect
    previous_version: int
    version: int
    applied: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether this call applied anything."""
        return bool(self.applied)

    def as_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (what `clubrules db migrate --json` prints)."""
        return {
            "dialect": self.dialect,
            "previous_version": self.previous_version,
            "version": self.version,
            "applied": list(self.applied),
        }


@functools.cache
def available_migrations(dialect: Dialect) -> tuple[Migration, ...]:
    """Every migration shipped for `dialect`, in version order.

    Raises:
        ValidationError: `dialect` is not `"sqlite"` or `"postgres"`.
        MigrationError: the shipped files are misnumbered (a broken install).
    """
    if dialect not in DIALECTS:
        raise ValidationError(
            f"{shown(dialect)} is not one of {', '.join(DIALECTS)}", field="dialect", rule="dialect"
        )
    folder = resources.files("clubrules.storage").joinpath("migrations", dialect)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _FILE.fullmatch(entry.name)
        if match is None:
            continue
        found.append(
            Migration(
                version=int(match["version"]),
                name=match["name"],
                dialect=dialect,
                sql=entry.read_text(encoding="utf-8"),
            )
        )
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise MigrationError(f"the {dialect} migrations shipped with clubrules are misnumbered")
    return tuple(found)


def latest_version(dialect: Dialect) -> int:
    """The newest schema version that this clubrules ships for `dialect`."""
    return len(available_migrations(dialect))


def target_version(dialect: Dialect, to: int | None) -> int:
    latest = latest_version(dialect)
    if to is None:
        return latest
    given: object = to
    if isinstance(given, bool) or not isinstance(given, int) or not 0 <= given <= latest:
        raise ValidationError(
            f"must be a schema version from 0 to {latest}", field="to", rule="unknown_version"
        )
    return to


def check_history(dialect: Dialect, rows: Sequence[tuple[Any, ...]]) -> int:
    """The current version, after checking the recorded history against the package."""
    shipped = available_migrations(dialect)
    versions = [int(r[0]) for r in rows]
    if not versions:
        return 0
    current = max(versions)
    if current > len(shipped):
        raise MigrationError(
            f"the database is at schema version {current}, newer than this clubrules "
            f"knows ({len(shipped)}): upgrade clubrules"
        )
    if versions != list(range(1, current + 1)):
        raise MigrationError(f"the schema version history is incomplete: {versions}")
    for version, _name, checksum in rows:
        if checksum != shipped[int(version) - 1].checksum:
            raise MigrationError(
                f"migration {shipped[int(version) - 1].label} was applied from different SQL "
                "than this clubrules ships (an edited migration?)"
            )
    return current


def forward_only(previous: int, target: int) -> None:
    if target < previous:
        raise MigrationError(f"the database is at version {previous}; migrations only go forward")
