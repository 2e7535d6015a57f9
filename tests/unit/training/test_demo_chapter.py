"""`clubrules demo`'s training chapter tells its figures from what it stored."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from clubrules.cli._demo._story import run_demo
from clubrules.storage.sqlite import SQLiteDatabase, SQLiteTrainingRepository

if TYPE_CHECKING:
    from pathlib import Path


def test_the_training_chapter_reads_back_sessions_and_march_complaints(tmp_path: Path) -> None:
    out = io.StringIO()
    run_demo(out, database=tmp_path / "salon.db")
    text = out.getvalue()
    start = text.index("== Training")
    chapter = text[start : text.index("\n== ", start + 1)]
    # After the staff chapter, before the database tally.
    assert text.index("== Staff") < start < text.index("== The database")
    assert "4 March sessions and 6 attendance records, read back from SQLite." in chapter
    # The desk clerk was excused from the second service session of March.
    assert "cs-07 service 2026-03: 1 of 2 session(s); overdue by 1 business day(s)" in chapter
    assert "cs-02 induction on hire: 1 of 1 session(s); met" in chapter
    assert "2026-Q1 safety: spent 1800.00 CNY of 3000 CNY" in chapter
    # The towel complaint was found substantiated in March (twice, counted once).
    assert "hygiene standards (special training) for cs-07" in chapter
    assert "1 complaint(s) about 'hygiene' found substantiated (k-2026-0042)" in chapter
    assert "complaint handling on time (special training) for cs-07" in chapter
    with SQLiteDatabase(tmp_path / "salon.db") as db:
        training = SQLiteTrainingRepository(db)
        assert len(training.sessions()) == 4
        assert len(training.attendance(staff_id="cs-07")) == 3
