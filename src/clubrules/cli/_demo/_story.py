"""The end-to-end story that `clubrules demo` tells.

One salon, one SQLite file, one spring: every chapter writes to and reads
from the same database through the SQLite adapters, and later chapters use
what earlier ones stored (the staff score sheet takes its booking and
complaint figures from the booking and complaint chapters). Each chapter is
a module in this package with a `run(story, salon)` function. The demo wires
everything explicitly: no global registry, no environment lookup.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from clubrules.cli._demo._salon import Salon, Story
from clubrules.errors import ValidationError
from clubrules.storage.sqlite import SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["run_demo"]


def _chapters() -> list[Callable[[Story, Salon], None]]:
    # Chapters are imported here so that `clubrules --help` stays fast.
    from clubrules.cli._demo import (  # noqa: PLC0415 - lazy, see above
        _activities,
        _booking,
        _calendar,
        _care,
        _complaints,
        _customers,
        _privacy,
        _staff,
        _tiering,
        _training,
    )

    return [
        _customers.run,
        _calendar.run,
        _booking.run,
        _privacy.run,
        _complaints.run,
        _tiering.run,
        _care.run,
        _staff.run,
        _training.run,
        _activities.run,
    ]


def _tell(story: Story, path: Path, *, kept: bool) -> None:
    with SQLiteDatabase(path) as db:
        version = db.migrate().version
        salon = Salon(db)
        story.line("clubrules demo: a spring at the Lotus salon (莲花美容会所), rule by rule.")
        where = str(path) if kept else "a temporary SQLite file"
        story.line(f"Everything is stored in {where} (schema version {version}).")
        for chapter in _chapters():
            chapter(story, salon)
        story.chapter("The database")
        counts = salon.row_counts()
        story.line("What the story left in SQLite, table by table:")
        for table, rows in counts.items():
            story.line(f"  {table:<32} {rows:>5} row{'' if rows == 1 else 's'}")
    story.line()
    if kept:
        story.line(f"Kept: {path}. Open it with any SQLite client.")
    else:
        story.line("The temporary file is deleted now. Keep it with --database PATH.")
    story.line("Done.")


def run_demo(out: TextIO | None = None, *, database: str | Path | None = None) -> None:
    """Tell the whole story, printing to `out` (standard output by default).

    Args:
        out: Where to print.
        database: A path for the SQLite file to keep; by default the story
            runs on a temporary file that is deleted afterwards.

    Raises:
        ValidationError: `database` names a file that already exists.
    """
    story = Story(out if out is not None else sys.stdout)
    if database is not None:
        path = Path(database)
        if path.exists():
            raise ValidationError(
                "names a file that already exists; give a new path", field="database"
            )
        _tell(story, path, kept=True)
        return
    with tempfile.TemporaryDirectory(prefix="clubrules-demo-") as directory:
        _tell(story, Path(directory) / "salon.db", kept=False)
