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
from clubrules.cli._io import counted
from clubrules.errors import ValidationError
from clubrules.storage.sqlite import SQLiteDatabase
from clubrules.words import message, use_locale

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
        story.say("demo.intro")
        where = str(path) if kept else message("demo.temporary_file")
        story.say("demo.stored_in", where=where, version=version)
        for chapter in _chapters():
            chapter(story, salon)
        story.chapter("demo.chapter.database")
        counts = salon.row_counts()
        story.say("demo.tables")
        for table, rows in counts.items():
            count = counted("demo.rows", rows)
            story.line(f"  {table:<32} {count}")
    story.line()
    if kept:
        story.say("demo.kept", path=path)
    else:
        story.say("demo.deleted")
    story.say("demo.done")


def run_demo(
    out: TextIO | None = None, *, database: str | Path | None = None, locale: str | None = None
) -> None:
    """Tell the whole story, printing to `out` (standard output by default).

    Args:
        out: Where to print.
        database: A path for the SQLite file to keep; by default the story
            runs on a temporary file that is deleted afterwards.
        locale: `"en"` or `"zh"`; by default the locale in force.

    Raises:
        ValidationError: `database` names a file that already exists, or
            an unknown locale.
    """
    if locale is not None:
        with use_locale(locale):
            run_demo(out, database=database)
        return
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
