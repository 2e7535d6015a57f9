"""The salon the demo's chapters share: its calendar, people, storage and results."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from clubrules.calendar import BusinessCalendar
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteActivityRepository,
    SQLiteAssessmentRepository,
    SQLiteBookingRepository,
    SQLiteCareTaskRepository,
    SQLiteComplaintRepository,
    SQLiteConsentStore,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDataKeyStore,
)
from clubrules.words import day, message, when

if TYPE_CHECKING:
    from clubrules.complaints import Case
    from clubrules.storage.sqlite import SQLiteDatabase

__all__ = ["DESK", "SHANGHAI", "Salon", "Story", "at", "hm", "show", "show_day"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The customer-service clerk whose month the staff chapter scores: she takes
# the bookings at the front desk and owns the complaints.
DESK = "cs-07"
SPRING_FESTIVAL = {date(2026, 2, 15) + timedelta(days=i): "春节" for i in range(9)}
# The salon works Sunday 1 March to make up for the long closure (调休).
MAKE_UP_DAY = date(2026, 3, 1)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in Shanghai in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def show(value: datetime) -> str:
    """A time as `Thu 12 Feb 20:00` (or in Chinese), in Shanghai."""
    return when(value, SHANGHAI)


def show_day(value: date) -> str:
    """A day as `Thu 12 Feb` (or in Chinese)."""
    return day(value)


def hm(when: datetime | None) -> str:
    """A time as `14:30`, in Shanghai; `?` for None."""
    return "?" if when is None else when.astimezone(SHANGHAI).strftime("%H:%M")


class Salon:
    """The Lotus salon: one calendar, one SQLite database, and what the chapters found."""

    def __init__(self, db: SQLiteDatabase) -> None:
        self.db = db
        self.calendar = BusinessCalendar(
            SHANGHAI,
            weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
            holidays=SPRING_FESTIVAL,
            extra_working_days=[MAKE_UP_DAY],
            holiday_years=frozenset(),
        )
        self.customers = SQLiteCustomerRepository(db)
        self.ledger = SQLiteConsumptionRepository(db)
        self.activity = SQLiteActivityRepository(db, zone=SHANGHAI)
        self.bookings = SQLiteBookingRepository(db)
        self.complaints = SQLiteComplaintRepository(db)
        self.care_tasks = SQLiteCareTaskRepository(db)
        self.assessments = SQLiteAssessmentRepository(db)
        self.data_keys = SQLiteDataKeyStore(db)
        self.consents = SQLiteConsentStore(db)
        self.access_log = SQLiteAccessLog(db)
        # Filled in by the complaints chapter for the staff chapter.
        self.cases: list[Case] = []

    def row_counts(self) -> dict[str, int]:
        """Rows per table that holds any, by table name."""
        with self.db.connection() as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            counts = {
                table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608 - names from sqlite_master
                for table in tables
            }
        return {
            table: rows
            for table, rows in counts.items()
            if rows and table != "clubrules_schema_version"
        }


class Story:
    """Prints the demo's chapters, sections and lines to a text stream."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def chapter(self, key: str) -> None:
        """Start a chapter, titled by the catalogue's message `key`."""
        self._out.write(f"\n== {message(key)} ==\n")

    def line(self, text: str = "") -> None:
        """Print one line of the story."""
        self._out.write(f"  {text}\n" if text else "\n")

    def say(self, key: str, /, **params: object) -> None:
        """Print the catalogue's message `key` in the locale in force."""
        fields: dict[str, Any] = params
        self.line(message(key, **fields))
