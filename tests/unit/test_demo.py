"""`clubrules demo`: one story on one SQLite file, each chapter using what the last stored."""

from __future__ import annotations

import io
import itertools
import re
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from clubrules.booking import success_rate
from clubrules.cli import EXIT_OK, EXIT_USAGE, main
from clubrules.cli._demo._story import run_demo
from clubrules.errors import ValidationError
from clubrules.storage.sqlite import SQLiteBookingRepository, SQLiteDatabase

if TYPE_CHECKING:
    from pathlib import Path

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    path = tmp_path_factory.mktemp("demo") / "salon.db"
    out = io.StringIO()
    run_demo(out, database=path)
    return out.getvalue(), path


def _chapter(text: str, title: str) -> str:
    start = text.index(f"== {title}")
    end = text.find("\n== ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_story_runs_on_a_temporary_file_and_removes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("  clubrules demo")
    assert "a temporary SQLite file" in out
    assert "The temporary file is deleted now" in out
    assert out.rstrip().endswith("Done.")


def test_every_chapter_is_told(kept: tuple[str, Path]) -> None:
    text, _ = kept
    for title in (
        "Customers",
        "Calendar",
        "Booking",
        "Privacy",
        "Complaints",
        "Tiering",
        "Care",
        "Staff",
        "The database",
    ):
        assert f"== {title}" in text


def test_the_booking_chapter_refuses_with_reasons_and_offers_alternatives(
    kept: tuple[str, Path],
) -> None:
    text = _chapter(kept[0], "Booking")
    assert "short_notice" in text
    assert "conflict: st-li is busy with booking bk-0302-1" in text
    assert "conflict: room-1 is busy with booking bk-0302-1" in text
    # The two clash windows differ, and the story says why: processing time.
    assert "is free while the colour processes for 40 minutes" in text
    assert "Staff are released during processing, rooms are not." in text
    assert len(re.findall(r"- \d\d:\d\d-\d\d:\d\d with Li", text)) == 3
    assert "SQLite refuses it" in text
    assert "nothing is double-booked" in text


def test_the_staff_sheet_takes_its_kpis_from_the_stored_bookings_and_complaints(
    kept: tuple[str, Path],
) -> None:
    text, path = kept
    booking = _chapter(text, "Booking")
    staff = _chapter(text, "Staff")
    served, settled = map(int, re.search(r"for March is (\d+)/(\d+)", booking).groups())  # type: ignore[union-attr]
    # The booking figure the sheet scores is the one the booking chapter printed ...
    assert f"KPI booking_success_rate {served}/{settled} =" in staff
    # ... and the one the stored bookings give when read back independently.
    with SQLiteDatabase(path) as db:
        stored = SQLiteBookingRepository(db).find()
    assert "Score sheet cs-07-2026-03" in staff
    rate = success_rate(
        stored,
        start=datetime(2026, 3, 1, tzinfo=SHANGHAI),
        end=datetime(2026, 4, 1, tzinfo=SHANGHAI),
        taken_by="cs-07",
        exclude_timely_cancellations=True,
    )
    assert (rate.completed, rate.settled) == (served, settled)
    met, breached = map(
        int,
        re.search(r"(\d+) were met and (\d+) breached", staff).groups(),  # type: ignore[union-attr]
    )
    assert breached >= 1  # the waiting-time case was resolved late
    assert f"KPI complaint_timeliness_rate {met}/{met + breached} =" in staff
    total = re.search(r"Total: ([\d.]+) / 100 -> (\w+)", staff)
    assert total is not None
    assert f"March: {total.group(1)} -> {total.group(2)}" in staff
    assert "Warning talk recorded; improve by 2026-05-31" in staff
    assert "dismissal review due for cs-07: 2026-04" in staff


def test_the_complaint_pauses_warns_reopens_and_closes(kept: tuple[str, Path]) -> None:
    text = _chapter(kept[0], "Complaints")
    assert "paused for 11 days" in text
    assert "(closed: reminders wait): nothing due" in text
    assert "warning on resolution" in text
    assert "investigating again" in text
    assert "closed, customer satisfied" in text
    assert "resolution breached" in text


def test_the_month_end_run_warns_about_the_fading_customer_and_plans_care(
    kept: tuple[str, Path],
) -> None:
    tiering = _chapter(kept[0], "Tiering")
    care = _chapter(kept[0], "Care")
    assert "downgraded" in tiering
    assert "qualified" in tiering
    assert re.search(r"c-005: \d+ visits, then 1: visits per day down", care)
    assert "0 warnings (30-day cooldown" in care
    assert "churn_follow_up c-005" in care
    # c-002's birthday is Sunday 5 April, when the salon is closed: greeted the day before.
    assert "Sat 4 Apr 10:00 birthday        c-002" in care


def test_the_member_event_invites_with_consent_and_fills_its_seats(
    kept: tuple[str, Path],
) -> None:
    text, path = kept
    chapter = _chapter(text, "Activities")
    assert "refused: room-2, st-wang already taken" in chapter
    assert "not invited: c-012 (no_marketing_consent)" in chapter
    assert "c-005 waitlisted" in chapter
    assert "c-005 confirmed" in chapter  # promoted when c-003 cancelled
    with sqlite3.connect(path) as conn:
        invited = {
            r[0] for r in conn.execute("SELECT customer_id FROM clubrules_activity_invitations")
        }
        seats = conn.execute(
            "SELECT count(*) FROM clubrules_activity_sign_ups"
            " WHERE status IN ('confirmed', 'attended', 'no_show')"
        ).fetchone()[0]
        (capacity,) = conn.execute("SELECT capacity FROM clubrules_activities").fetchone()
        marketing = {
            r[0]
            for r in conn.execute(
                "SELECT customer_id FROM clubrules_consents WHERE purpose = 'marketing'"
            )
        }
        tasks = conn.execute(
            "SELECT count(*) FROM clubrules_care_tasks WHERE kind = 'invitation'"
        ).fetchone()
    assert invited == {"c-003", "c-005", "c-009"}
    assert invited <= marketing
    assert tasks == (3,)
    assert seats == capacity == 2


def test_no_plaintext_allergy_or_phone_is_stored_or_printed(kept: tuple[str, Path]) -> None:
    text, path = kept
    assert "penicillin" not in text
    assert "13800138000" not in text
    assert "read" in _chapter(text, "Privacy")
    raw = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert b"penicillin" not in raw
    with sqlite3.connect(path) as conn:
        (blob,) = conn.execute(
            "SELECT allergies FROM clubrules_customers WHERE id = 'c-001'"
        ).fetchone()
        events = conn.execute("SELECT count(*) FROM clubrules_access_events").fetchone()[0]
    assert isinstance(blob, bytes)
    assert events == 2


def test_the_kept_database_has_no_double_booking(kept: tuple[str, Path]) -> None:
    _, path = kept
    with SQLiteDatabase(path) as db:
        bookings = SQLiteBookingRepository(db).find()
    assert len(bookings) > 20
    # No two blocking bookings share a resource at overlapping times: sorted by
    # resource and start, each busy time ends before the next one on its resource.
    blocking = [b for b in bookings if b.status.value in {"confirmed", "checked_in", "completed"}]
    spans = sorted((o.resource, o.start_us, o.end_us, b.id) for b in blocking for o in b.occupancy)
    for (resource, _, end, first), (other, start, _, second) in itertools.pairwise(spans):
        assert resource != other or end <= start, (first, second)


def test_the_database_option_refuses_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "taken.db"
    path.write_bytes(b"")
    with pytest.raises(ValidationError, match="database"):
        run_demo(io.StringIO(), database=path)
    assert main(["demo", "--database", str(path)]) == EXIT_USAGE
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == b""


_RAW_TIMEDELTA = re.compile(r"\d+:\d\d:\d\d|\bdays?, \d")
_BARE_NUMBER = re.compile(r"\d\.\d+ (overdue|left)|\d+\.\d business hours")


@pytest.fixture(scope="module")
def chinese() -> str:
    out = io.StringIO()
    run_demo(out, locale="zh")
    return out.getvalue()


def test_no_line_shows_a_raw_timedelta_or_a_number_without_its_unit(
    kept: tuple[str, Path], chinese: str
) -> None:
    for text in (kept[0], chinese):
        assert not _RAW_TIMEDELTA.search(text)
        assert not _BARE_NUMBER.search(text)
    assert "minimum notice (2 hours)" in kept[0]
    assert "15 business hours overdue" in kept[0]
    assert "paused for 11 days 4 hours" in kept[0]
    assert "超时15个营业小时" in chinese


def test_the_chinese_demo_has_no_english_sentence(chinese: str) -> None:
    # Ids and code names (cs-07, short_notice, SQLite, KPI booking_success_rate) are fine;
    # three English words in a row, or an English function word, are a sentence left over.
    assert not re.findall(r"[A-Za-z][A-Za-z'-]+(?: [A-Za-z][A-Za-z'-]+){2,}", chinese)
    function_words = r"\b(the|and|of|to|is|are|with|for|in|on|at|by|a|an|not|no|from)\b"
    assert not re.findall(function_words, chinese)
    assert "== 预约：检查请求，冲突时推荐其他时间 ==" in chinese  # noqa: RUF001
    assert "开始时间早于最短提前预约时间（2小时）的要求" in chinese  # noqa: RUF001
    assert chinese.rstrip().endswith("完毕。")


def test_the_demo_takes_lang(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--lang", "zh"]) == EXIT_OK
    assert "莲花美容会所的一个春天" in capsys.readouterr().out
    assert main(["demo", "--lang", "fr"]) == EXIT_USAGE
