"""Migration 10 (tenants) keeps every row of every table and puts it in the tenant 'default'.

A database at version 9 is filled by raw SQL, every table with a few rows
(rows that refer to each other, AUTOINCREMENT and identity counters moved
past a deleted row), then migrated to version 10. The tables are walked
from the catalogue, so a table added later is covered without editing this
file, and a table the fixture leaves empty fails the test.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import errors
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg.types.range import Range

from clubrules.storage.migrations import available_migrations, migrate, schema_version
from clubrules.storage.sqlite._migrate import split_sqlite_script

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

TENANTS = 10
"""The version that adds the tenant column."""
BEFORE = TENANTS - 1
# Tables without a tenant column: the migrations' own record, and SQLite's
# bound on the longest busy time, which stays one row for the whole file.
NO_TENANT = frozenset({"schema_version", "booking_longest"})
# Tables whose rows the migration itself adds to.
MIGRATION_RECORDS = frozenset({"schema_version"})

T0_US = 1_772_445_600_000_000  # 2026-03-02 10:00 UTC, in epoch microseconds
HOUR_US = 3_600_000_000
FAR_US = 253_402_300_799_000_000  # 9999-12-31 23:59:59 UTC: "blocks for ever"
PAST_US = -62_135_596_800_000_000  # 0001-01-01: "blocks no longer"

# --- the SQLite fixture: version 9's columns (version 8's too; 9 only renames) ---------

_SQLITE_ROWS: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "customers": (
        (
            "id, name, registered_at_us, registered_at_tz, phone_e164, gender, birthday,"
            " occupation, email, wechat, tags, needs, health, allergies, beauty_needs"
        ),
        [
            (
                "c-1",
                "王芳",
                T0_US,
                "Asia/Shanghai",
                "+8613800138000",
                "female",
                "1990-05-01",
                "teacher",
                "wf@example.com",
                "wf88",
                '["vip"]',
                '["quiet room"]',
                b"\x01\x02",
                None,
                b"\x03",
            ),
            (
                "c-2",
                "Li Na",
                T0_US + 1,
                None,
                None,
                "undisclosed",
                None,
                None,
                None,
                None,
                "[]",
                "[]",
                None,
                b"\x00",
                None,
            ),
        ],
    ),
    "consumption_records": (
        "id, customer_id, at_us, at_tz, service, amount, currency, kind, refund_of",
        [
            ("r-1", "c-1", T0_US, "Asia/Shanghai", "facial", "388.00", "CNY", "purchase", None),
            ("r-2", "c-1", T0_US + HOUR_US, None, "facial", "388.00", "CNY", "refund", "r-1"),
            ("r-3", "c-2", T0_US, "+08:00", "massage", "0.50", "CNY", "redemption", None),
        ],
    ),
    "service_records": (
        "id, customer_id, at_us, at_tz, service, staff_id, notes, effect",
        [
            ("s-1", "c-1", T0_US, "Asia/Shanghai", "facial", "st-1", "calm skin", "good"),
            ("s-2", "c-2", T0_US + HOUR_US, None, "massage", "st-2", "", "neutral"),
        ],
    ),
    "data_keys": (
        "customer_id, wrapped",
        [("c-1", b"\x10" * 40), ("c-2", b"\x20" * 40)],
    ),
    "consents": (
        (
            "id, customer_id, purpose, scope, given_at_us, given_at_tz, separate, expires_at_us,"
            " expires_at_tz, withdrawn_at_us, withdrawn_at_tz, recipient, evidence"
        ),
        [
            (
                "k-1",
                "c-1",
                "marketing",
                '["phone"]',
                T0_US,
                "Asia/Shanghai",
                1,
                T0_US + 365 * 24 * HOUR_US,
                "Asia/Shanghai",
                None,
                None,
                None,
                "form 7",
            ),
            (
                "k-2",
                "c-2",
                "service_delivery",
                '["allergies", "health"]',
                T0_US,
                None,
                0,
                None,
                None,
                T0_US + HOUR_US,
                None,
                "partner-spa",
                "app",
            ),
        ],
    ),
    "access_events": (
        "at_us, at_tz, actor, role, purpose, customer_id, field, allowed, reason",
        [
            (
                T0_US,
                "Asia/Shanghai",
                "st-1",
                "beautician",
                "service_delivery",
                "c-1",
                "allergies",
                1,
                "allowed",
            ),
            (
                T0_US + 1,
                None,
                "st-2",
                "front_desk",
                "marketing",
                "c-1",
                "health",
                0,
                "role_not_allowed",
            ),
            (
                T0_US + 2,
                None,
                "st-1",
                "beautician",
                "service_delivery",
                "c-2",
                "allergies",
                1,
                "allowed",
            ),
        ],
    ),
    "staff_rubrics": (
        "id, version, document",
        [
            ("rubric-1", 1, '{"criteria": [{"key": "service", "max": "60"}]}'),
            ("rubric-1", 2, '{"criteria": [{"key": "service", "max": "55.50"}]}'),
        ],
    ),
    "staff_sheets": (
        (
            "id, staff_id, kind, period_start_us, period_start_tz, period_end_us, period_end_tz,"
            " period_label, cycle, cycle_months, assessed_at_us, assessed_at_tz, rubric_id,"
            " rubric_version, total, band, outcome"
        ),
        [
            (
                "sh-1",
                "st-1",
                "periodic",
                T0_US,
                "Asia/Shanghai",
                T0_US + 720 * HOUR_US,
                "Asia/Shanghai",
                "2026-03",
                24315,
                1,
                T0_US + 721 * HOUR_US,
                "Asia/Shanghai",
                "rubric-1",
                2,
                "55.50",
                "C",
                "warning",
            ),
            (
                "sh-2",
                "st-2",
                "ad_hoc",
                T0_US,
                None,
                T0_US + HOUR_US,
                None,
                "incident",
                None,
                None,
                T0_US + 2 * HOUR_US,
                None,
                "rubric-1",
                1,
                "90",
                "A",
                "reward",
            ),
        ],
    ),
    "staff_sheet_criteria": (
        "sheet_id, position, key, name, max_points, effective_max, points",
        [
            ("sh-1", 0, "service", "Service", "60", "55.50", "30.25"),
            ("sh-1", 1, "hygiene", "Hygiene", "40", "40", "25.25"),
            ("sh-2", 0, "service", "Service", "100", "100", "90"),
        ],
    ),
    "staff_sheet_lines": (
        (
            "sheet_id, position, criterion, item, name, method, max_points, effective_max,"
            " points, source, no_events"
        ),
        [
            (
                "sh-1",
                0,
                "service",
                "smile",
                "Smiles",
                "scale",
                "30",
                "27.75",
                "15",
                "manager",
                None,
            ),
            (
                "sh-1",
                1,
                "service",
                "complaints",
                "Complaints",
                "deduction",
                "30",
                "27.75",
                "15.25",
                "complaints",
                "full_marks",
            ),
            (
                "sh-2",
                0,
                "service",
                "smile",
                "Smiles",
                "scale",
                "100",
                "100",
                "90",
                "manager",
                "neutral",
            ),
        ],
    ),
    "staff_warnings": (
        (
            "id, staff_id, sheet_id, issued_at_us, issued_at_tz, improve_by_us, improve_by_tz,"
            " total, band"
        ),
        [
            (
                "w-1",
                "st-1",
                "sh-1",
                T0_US + 721 * HOUR_US,
                "Asia/Shanghai",
                T0_US + 1441 * HOUR_US,
                "Asia/Shanghai",
                "55.50",
                "C",
            ),
            ("w-2", "st-3", "sh-9", T0_US, None, T0_US + HOUR_US, None, "10", "E"),
        ],
    ),
    "bookings": (
        (
            "id, service, start_us, start_tz, end_us, end_tz, status, headcount, customer_id,"
            " expires_at_us, expires_at_tz, late_cancel, confirmation_code, idempotency_key,"
            " taken_by, created_at_us, created_at_tz, version, blocking_until_us"
        ),
        [
            (
                "b-1",
                "facial",
                T0_US,
                "Asia/Shanghai",
                T0_US + HOUR_US,
                "Asia/Shanghai",
                "confirmed",
                1,
                "c-1",
                None,
                None,
                0,
                "K7Q2",
                "key-1",
                "st-1",
                T0_US - HOUR_US,
                "Asia/Shanghai",
                2,
                FAR_US,
            ),
            (
                "b-2",
                "yoga",
                T0_US,
                None,
                T0_US + 2 * HOUR_US,
                None,
                "held",
                3,
                None,
                T0_US + 600_000_000,
                None,
                0,
                None,
                None,
                None,
                None,
                None,
                1,
                T0_US + 600_000_000,
            ),
            (
                "b-3",
                "facial",
                T0_US + HOUR_US,
                None,
                T0_US + 2 * HOUR_US,
                None,
                "cancelled",
                1,
                "c-2",
                None,
                None,
                1,
                None,
                "key-2",
                None,
                T0_US,
                None,
                3,
                PAST_US,
            ),
        ],
    ),
    "booking_occupancy": (
        (
            "booking_id, position, resource, start_us, end_us, units, capacity, role,"
            " blocking_until_us"
        ),
        [
            ("b-1", 0, "room-1", T0_US, T0_US + HOUR_US, 1, 1, "room", FAR_US),
            ("b-1", 1, "st-1", T0_US - 900_000_000, T0_US + HOUR_US, 1, 1, "staff", FAR_US),
            ("b-2", 0, "studio", T0_US, T0_US + 2 * HOUR_US, 3, 12, "room", T0_US + 600_000_000),
            ("b-3", 0, "room-1", T0_US + HOUR_US, T0_US + 2 * HOUR_US, 1, 1, "room", PAST_US),
        ],
    ),
    "survey_responses": (
        "id, questionnaire_id, customer_id, at_us, at_tz, answers, nps, staff_id",
        [
            ("sv-1", "q-1", "c-1", T0_US, "Asia/Shanghai", '[["q1", 5], ["q2", 4]]', 9, "st-1"),
            ("sv-2", "q-1", "c-2", T0_US + 1, None, "[]", None, None),
        ],
    ),
    "complaint_cases": (
        "id, kind, customer_id, registered_us, registered_tz",
        [
            ("case-1", "service", "c-1", T0_US, "Asia/Shanghai"),
            ("case-2", "billing", "c-2", T0_US + HOUR_US, None),
        ],
    ),
    "complaint_events": (
        "case_id, version, type, at_us, at_tz, document",
        [
            ("case-1", 1, "registered", T0_US, "Asia/Shanghai", '{"type": "registered"}'),
            (
                "case-1",
                2,
                "acknowledged",
                T0_US + HOUR_US,
                "Asia/Shanghai",
                '{"type": "acknowledged", "by": "st-1"}',
            ),
            ("case-2", 1, "registered", T0_US + HOUR_US, None, '{"type": "registered"}'),
        ],
    ),
    "training_sessions": (
        (
            "id, kind, topic, method, starts_at_us, starts_at_tz, ends_at_us, ends_at_tz,"
            " trainer, cost, currency"
        ),
        [
            (
                "ts-1",
                "safety",
                "Fire drill",
                "internal",
                T0_US,
                "Asia/Shanghai",
                T0_US + HOUR_US,
                "Asia/Shanghai",
                "st-9",
                "120.00",
                "CNY",
            ),
            (
                "ts-2",
                "privacy",
                "PIPL",
                "online",
                T0_US,
                None,
                T0_US + HOUR_US,
                None,
                None,
                None,
                None,
            ),
        ],
    ),
    "training_attendance": (
        "session_id, staff_id, status",
        [("ts-1", "st-1", "attended"), ("ts-1", "st-2", "absent"), ("ts-2", "st-1", "excused")],
    ),
    "training_completions": (
        "id, staff_id, kind, topic, method, completed_at_us, completed_at_tz, session_id",
        [
            (
                "tc-1",
                "st-1",
                "safety",
                "Fire drill",
                "internal",
                T0_US + HOUR_US,
                "Asia/Shanghai",
                "ts-1",
            ),
            ("tc-2", "st-2", "special", "First aid", "external", T0_US, None, "outside-7"),
        ],
    ),
    "activities": (
        (
            "id, name, kind, starts_at_us, starts_at_tz, ends_at_us, ends_at_tz, capacity,"
            " audience, waitlist_limit, booking_id"
        ),
        [
            (
                "a-1",
                "Spring tea",
                "member",
                T0_US,
                "Asia/Shanghai",
                T0_US + 2 * HOUR_US,
                "Asia/Shanghai",
                2,
                '{"tiers": ["gold"]}',
                1,
                "b-2",
            ),
            (
                "a-2",
                "Trial yoga",
                "trial",
                T0_US,
                None,
                T0_US + HOUR_US,
                None,
                10,
                "{}",
                None,
                None,
            ),
        ],
    ),
    "activity_invitations": (
        "activity_id, customer_id, at_us, at_tz, channel, consent_id",
        [
            ("a-1", "c-1", T0_US - HOUR_US, "Asia/Shanghai", "sms", "k-1"),
            ("a-1", "c-2", T0_US - HOUR_US, None, "wechat", "k-2"),
        ],
    ),
    "activity_sign_ups": (
        (
            "activity_id, customer_id, status, position, signed_up_at_us, signed_up_at_tz,"
            " updated_at_us, updated_at_tz"
        ),
        [
            (
                "a-1",
                "c-1",
                "confirmed",
                1,
                T0_US - 100,
                "Asia/Shanghai",
                T0_US - 100,
                "Asia/Shanghai",
            ),
            ("a-1", "c-2", "waitlisted", 2, T0_US - 50, None, T0_US - 40, None),
            ("a-2", "c-1", "cancelled", 1, T0_US - 10, None, T0_US - 5, None),
        ],
    ),
    "care_tasks": (
        "customer_id, kind, due, at_us, at_tz, rule, note, assignee",
        [
            ("c-1", "birthday", "2026-05-01", T0_US, "Asia/Shanghai", "birthday", "call", "st-1"),
            ("c-2", "invitation", "2026-03-10", T0_US, None, "activity", "a-1", None),
            ("c-1", "survey", "2026-03-03", T0_US, None, "survey", "q-1", None),
        ],
    ),
}
# AUTOINCREMENT tables: the last row is deleted, so the counter is ahead of max(seq).
_SQLITE_AFTER = (
    "DELETE FROM {p}access_events WHERE seq = 3",
    "DELETE FROM {p}care_tasks WHERE seq = 3",
)


def _fill_sqlite(conn: sqlite3.Connection, prefix: str) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    with conn:
        for table, (columns, rows) in _SQLITE_ROWS.items():
            marks = ", ".join("?" * len(columns.split(",")))
            conn.executemany(
                f"INSERT INTO {prefix}{table} ({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )
        for statement in _SQLITE_AFTER:
            conn.execute(statement.format(p=prefix))


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]


def _logical(name: str) -> str:
    return name.removeprefix("clubrules_")


def _sqlite_snapshot(conn: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows as column -> value, sorted, keyed by the unprefixed table name."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for table in _sqlite_tables(conn):
        cursor = conn.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - catalogue names
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor]
        snapshot[_logical(table)] = sorted(rows, key=repr)
    return snapshot


def _without_tenant(
    snapshot: dict[str, list[dict[str, Any]]],
) -> dict[str, list[dict[str, Any]]]:
    return {
        table: sorted(({k: v for k, v in row.items() if k != "tenant"} for row in rows), key=repr)
        for table, rows in snapshot.items()
        if table not in MIGRATION_RECORDS
    }


def _sqlite_sequences(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        _logical(name): seq for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence")
    }


def _sqlite_foreign_keys(conn: sqlite3.Connection) -> set[tuple[str, str, tuple[str, ...]]]:
    """(child, parent, child columns) of every foreign key, by unprefixed table names."""
    found: dict[tuple[str, str, int], list[str]] = {}
    for table in _sqlite_tables(conn):
        for row in conn.execute(
            'SELECT id, seq, "table", "from" FROM pragma_foreign_key_list(?)', (table,)
        ):
            key_id, _seq, parent, column = row
            found.setdefault((table, parent, key_id), []).append(column)
    return {(_logical(c), _logical(p), tuple(cols)) for (c, p, _), cols in found.items()}


def _check_sqlite_after(
    conn: sqlite3.Connection,
    before: dict[str, list[dict[str, Any]]],
    sequences: dict[str, int],
    foreign_keys: set[tuple[str, str, tuple[str, ...]]],
    *,
    applied: int,
) -> None:
    after = _sqlite_snapshot(conn)
    _check_same_rows(before, after, applied=applied)
    # The AUTOINCREMENT counters are where they were, ahead of the largest seq.
    assert _sqlite_sequences(conn) == sequences
    assert sequences == {"access_events": 3, "care_tasks": 3}
    with conn:
        conn.execute(
            "INSERT INTO clubrules_access_events (tenant, at_us, actor, role, purpose,"
            " customer_id, field, allowed, reason) VALUES"
            " ('default', 1, 'st-1', 'r', 'p', 'c-1', 'f', 1, 'allowed')"
        )
        conn.execute(
            "INSERT INTO clubrules_care_tasks (tenant, customer_id, kind, due, at_us, rule, note)"
            " VALUES ('default', 'c-9', 'survey', '2026-01-01', 1, 'r', 'n')"
        )
    for table in ("access_events", "care_tasks"):
        newest = conn.execute(f"SELECT max(seq) FROM clubrules_{table}").fetchone()  # noqa: S608
        assert newest == (sequences[table] + 1,), table
    # The foreign keys: the same ones, each leading with the tenant, and enforced.
    after_keys = _sqlite_foreign_keys(conn)
    assert {(c, p) for c, p, _ in after_keys} == {(c, p) for c, p, _ in foreign_keys}
    assert len(after_keys) >= 7
    assert all(columns[0] == "tenant" for _, _, columns in after_keys)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.execute("PRAGMA foreign_keys = ON")
    for child in sorted({c for c, _, _ in after_keys}):
        # A copy of a row in another tenant refers to a parent that tenant lacks.
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("clubrules_{child}")')]
        values = ", ".join("'elsewhere'" if c == "tenant" else f'"{c}"' for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), conn:
            conn.execute(
                f"INSERT INTO clubrules_{child} ({names})"  # noqa: S608 - catalogue names
                f" SELECT {values} FROM clubrules_{child} LIMIT 1"
            )


def _counts(snapshot: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {t: len(rows) for t, rows in snapshot.items() if t not in MIGRATION_RECORDS}


def _check_same_rows(
    before: dict[str, list[dict[str, Any]]],
    after: dict[str, list[dict[str, Any]]],
    *,
    applied: int,
) -> None:
    """The same tables, the same rows column by column (but the new tenant), all 'default'."""
    assert sorted(after) == sorted(before)
    assert _counts(after) == _counts(before)
    assert _without_tenant(after) == _without_tenant(before)
    assert len(after["schema_version"]) == len(before["schema_version"]) + applied
    for table, rows in after.items():
        if table in NO_TENANT:
            assert all("tenant" not in row for row in rows), table
        else:
            assert {row["tenant"] for row in rows} == {"default"}, table


def _check_filled(before: dict[str, list[dict[str, Any]]]) -> None:
    empty = sorted(table for table, rows in before.items() if not rows)
    assert empty == [], f"the fixture leaves these tables empty: add rows for them: {empty}"


def test_sqlite_version_9_rows_move_into_the_default_tenant(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "club.db")
    try:
        assert migrate(conn, to=BEFORE).version == BEFORE
        _fill_sqlite(conn, "clubrules_")
        before = _sqlite_snapshot(conn)
        _check_filled(before)
        assert all("tenant" not in row for rows in before.values() for row in rows)
        sequences = _sqlite_sequences(conn)
        foreign_keys = _sqlite_foreign_keys(conn)
        result = migrate(conn)
        assert (result.previous_version, result.version) == (BEFORE, TENANTS)
        _check_sqlite_after(conn, before, sequences, foreign_keys, applied=1)
    finally:
        conn.close()


# As the loader of clubrules before version 9 made it.
_OLD_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS clubrules_schema_version (
    version       INTEGER PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    checksum      TEXT NOT NULL,
    applied_at_us INTEGER NOT NULL
)"""


def test_an_unprefixed_version_8_database_moves_into_the_default_tenant(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.db")
    try:
        # Made by a clubrules before version 9: the shipped files as written, unprefixed.
        conn.execute(_OLD_VERSION_TABLE)
        for migration in available_migrations("sqlite")[: BEFORE - 1]:
            for statement in split_sqlite_script(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO clubrules_schema_version VALUES (?, ?, ?, 0)",
                (migration.version, migration.name, migration.checksum),
            )
        conn.commit()
        assert schema_version(conn) == BEFORE - 1
        assert "customers" in _sqlite_tables(conn)
        _fill_sqlite(conn, "")
        before = _sqlite_snapshot(conn)
        _check_filled(before)
        sequences = _sqlite_sequences(conn)
        foreign_keys = _sqlite_foreign_keys(conn)
        result = migrate(conn)
        assert (result.previous_version, result.version) == (BEFORE - 1, TENANTS)
        assert all(t.startswith("clubrules_") for t in _sqlite_tables(conn))
        _check_sqlite_after(conn, before, sequences, foreign_keys, applied=2)
    finally:
        conn.close()


# --- the PostgreSQL fixture: version 9's columns -------------------------------------------

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
H = timedelta(hours=1)
FOREVER = 253_402_300_799_000_000

_PG_ROWS: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "customers": (
        (
            "id, name, registered_at, registered_at_tz, phone_e164, gender, birthday, occupation,"
            " email, wechat, tags, needs, health, allergies, beauty_needs"
        ),
        [
            (
                "c-1",
                "王芳",
                T0,
                "Asia/Shanghai",
                "+8613800138000",
                "female",
                date(1990, 5, 1),
                "teacher",
                "wf@example.com",
                "wf88",
                ["vip"],
                ["quiet room"],
                b"\x01\x02",
                None,
                b"\x03",
            ),
            (
                "c-2",
                "Li Na",
                T0 + timedelta(microseconds=1),
                None,
                None,
                "undisclosed",
                None,
                None,
                None,
                None,
                [],
                [],
                None,
                b"\x00",
                None,
            ),
        ],
    ),
    "consumption_records": (
        "id, customer_id, at, at_tz, service, amount, currency, kind, refund_of",
        [
            (
                "r-1",
                "c-1",
                T0,
                "Asia/Shanghai",
                "facial",
                Decimal("388.00"),
                "CNY",
                "purchase",
                None,
            ),
            ("r-2", "c-1", T0 + H, None, "facial", Decimal("388.00"), "CNY", "refund", "r-1"),
            ("r-3", "c-2", T0, "+08:00", "massage", Decimal("0.50"), "CNY", "redemption", None),
        ],
    ),
    "service_records": (
        "id, customer_id, at, at_tz, service, staff_id, notes, effect",
        [
            ("s-1", "c-1", T0, "Asia/Shanghai", "facial", "st-1", "calm skin", "good"),
            ("s-2", "c-2", T0 + H, None, "massage", "st-2", "", "neutral"),
        ],
    ),
    "data_keys": ("customer_id, wrapped", [("c-1", b"\x10" * 40), ("c-2", b"\x20" * 40)]),
    "consents": (
        (
            "id, customer_id, purpose, scope, given_at, given_at_tz, separate, expires_at,"
            " expires_at_tz, withdrawn_at, withdrawn_at_tz, recipient, evidence"
        ),
        [
            (
                "k-1",
                "c-1",
                "marketing",
                ["phone"],
                T0,
                "Asia/Shanghai",
                True,
                T0 + 365 * 24 * H,
                "Asia/Shanghai",
                None,
                None,
                None,
                "form 7",
            ),
            (
                "k-2",
                "c-2",
                "service_delivery",
                ["allergies", "health"],
                T0,
                None,
                False,
                None,
                None,
                T0 + H,
                None,
                "partner-spa",
                "app",
            ),
        ],
    ),
    "access_events": (
        "at, at_tz, actor, role, purpose, customer_id, field, allowed, reason",
        [
            (
                T0,
                "Asia/Shanghai",
                "st-1",
                "beautician",
                "service_delivery",
                "c-1",
                "allergies",
                True,
                "allowed",
            ),
            (
                T0 + H,
                None,
                "st-2",
                "front_desk",
                "marketing",
                "c-1",
                "health",
                False,
                "role_not_allowed",
            ),
            (
                T0 + 2 * H,
                None,
                "st-1",
                "beautician",
                "service_delivery",
                "c-2",
                "allergies",
                True,
                "allowed",
            ),
        ],
    ),
    "staff_rubrics": (
        "id, version, document",
        [
            ("rubric-1", 1, Jsonb({"criteria": [{"key": "service", "max": "60"}]})),
            ("rubric-1", 2, Jsonb({"criteria": [{"key": "service", "max": "55.50"}]})),
        ],
    ),
    "staff_sheets": (
        (
            "id, staff_id, kind, period_start, period_start_tz, period_end, period_end_tz,"
            " period_label, cycle, cycle_months, assessed_at, assessed_at_tz, rubric_id,"
            " rubric_version, total, band, outcome"
        ),
        [
            (
                "sh-1",
                "st-1",
                "periodic",
                T0,
                "Asia/Shanghai",
                T0 + 720 * H,
                "Asia/Shanghai",
                "2026-03",
                24315,
                1,
                T0 + 721 * H,
                "Asia/Shanghai",
                "rubric-1",
                2,
                Decimal("55.50"),
                "C",
                "warning",
            ),
            (
                "sh-2",
                "st-2",
                "ad_hoc",
                T0,
                None,
                T0 + H,
                None,
                "incident",
                None,
                None,
                T0 + 2 * H,
                None,
                "rubric-1",
                1,
                Decimal(90),
                "A",
                "reward",
            ),
        ],
    ),
    "staff_sheet_criteria": (
        "sheet_id, position, key, name, max_points, effective_max, points",
        [
            ("sh-1", 0, "service", "Service", Decimal(60), Decimal("55.50"), Decimal("30.25")),
            ("sh-1", 1, "hygiene", "Hygiene", Decimal(40), Decimal(40), Decimal("25.25")),
            ("sh-2", 0, "service", "Service", Decimal(100), Decimal(100), Decimal(90)),
        ],
    ),
    "staff_sheet_lines": (
        (
            "sheet_id, position, criterion, item, name, method, max_points, effective_max, points,"
            " source, no_events"
        ),
        [
            (
                "sh-1",
                0,
                "service",
                "smile",
                "Smiles",
                "scale",
                Decimal(30),
                Decimal("27.75"),
                Decimal(15),
                "manager",
                None,
            ),
            (
                "sh-1",
                1,
                "service",
                "complaints",
                "Complaints",
                "deduction",
                Decimal(30),
                Decimal("27.75"),
                Decimal("15.25"),
                "complaints",
                "full_marks",
            ),
            (
                "sh-2",
                0,
                "service",
                "smile",
                "Smiles",
                "scale",
                Decimal(100),
                Decimal(100),
                Decimal(90),
                "manager",
                "neutral",
            ),
        ],
    ),
    "staff_warnings": (
        "id, staff_id, sheet_id, issued_at, issued_at_tz, improve_by, improve_by_tz, total, band",
        [
            (
                "w-1",
                "st-1",
                "sh-1",
                T0 + 721 * H,
                "Asia/Shanghai",
                T0 + 1441 * H,
                "Asia/Shanghai",
                Decimal("55.50"),
                "C",
            ),
            ("w-2", "st-3", "sh-9", T0, None, T0 + H, None, Decimal(10), "E"),
        ],
    ),
    "bookings": (
        (
            "id, service, start_at, start_tz, end_at, end_tz, status, headcount, customer_id,"
            " expires_at, expires_at_tz, late_cancel, confirmation_code, idempotency_key, taken_by,"
            " created_at, created_at_tz, version, blocking_until_us"
        ),
        [
            (
                "b-1",
                "facial",
                T0,
                "Asia/Shanghai",
                T0 + H,
                "Asia/Shanghai",
                "confirmed",
                1,
                "c-1",
                None,
                None,
                False,
                "K7Q2",
                "key-1",
                "st-1",
                T0 - H,
                "Asia/Shanghai",
                2,
                FOREVER,
            ),
            (
                "b-2",
                "yoga",
                T0,
                None,
                T0 + 2 * H,
                None,
                "held",
                3,
                None,
                T0 + H / 6,
                None,
                False,
                None,
                None,
                None,
                None,
                None,
                1,
                T0_US + 600_000_000,
            ),
            (
                "b-3",
                "facial",
                T0 + H,
                None,
                T0 + 2 * H,
                None,
                "cancelled",
                1,
                "c-2",
                None,
                None,
                True,
                None,
                "key-2",
                None,
                T0,
                None,
                3,
                PAST_US,
            ),
        ],
    ),
    "booking_occupancy": (
        "booking_id, position, resource, during, units, capacity, role, blocking_until_us, active",
        [
            ("b-1", 0, "room-1", Range(T0, T0 + H, "[)"), 1, 1, "room", FOREVER, True),
            ("b-1", 1, "st-1", Range(T0 - H / 4, T0 + H, "[)"), 1, 1, "staff", FOREVER, True),
            (
                "b-2",
                0,
                "studio",
                Range(T0, T0 + 2 * H, "[)"),
                3,
                12,
                "room",
                T0_US + 600_000_000,
                True,
            ),
            ("b-3", 0, "room-1", Range(T0 + H / 2, T0 + 2 * H, "[)"), 1, 1, "room", PAST_US, False),
        ],
    ),
    "booking_resources": ("resource", [("room-1",), ("studio",)]),
    "care_tasks": (
        "customer_id, kind, due, at, at_tz, rule, note, assignee",
        [
            ("c-1", "birthday", date(2026, 5, 1), T0, "Asia/Shanghai", "birthday", "call", "st-1"),
            ("c-2", "invitation", date(2026, 3, 10), T0, None, "activity", "a-1", None),
            ("c-1", "survey", date(2026, 3, 3), T0, None, "survey", "q-1", None),
        ],
    ),
    "survey_responses": (
        "id, questionnaire_id, customer_id, at, at_tz, answers, nps, staff_id",
        [
            ("sv-1", "q-1", "c-1", T0, "Asia/Shanghai", Jsonb([["q1", 5], ["q2", 4]]), 9, "st-1"),
            ("sv-2", "q-1", "c-2", T0 + H, None, Jsonb([]), None, None),
        ],
    ),
    "complaint_cases": (
        "id, kind, customer_id, registered_at, registered_tz",
        [
            ("case-1", "service", "c-1", T0, "Asia/Shanghai"),
            ("case-2", "billing", "c-2", T0 + H, None),
        ],
    ),
    "complaint_events": (
        "case_id, version, type, at, at_tz, document",
        [
            ("case-1", 1, "registered", T0, "Asia/Shanghai", Jsonb({"type": "registered"})),
            (
                "case-1",
                2,
                "acknowledged",
                T0 + H,
                "Asia/Shanghai",
                Jsonb({"type": "acknowledged", "by": "st-1"}),
            ),
            ("case-2", 1, "registered", T0 + H, None, Jsonb({"type": "registered"})),
        ],
    ),
    "training_sessions": (
        (
            "id, kind, topic, method, starts_at, starts_at_tz, ends_at, ends_at_tz, trainer, cost,"
            " currency"
        ),
        [
            (
                "ts-1",
                "safety",
                "Fire drill",
                "internal",
                T0,
                "Asia/Shanghai",
                T0 + H,
                "Asia/Shanghai",
                "st-9",
                Decimal("120.00"),
                "CNY",
            ),
            ("ts-2", "privacy", "PIPL", "online", T0, None, T0 + H, None, None, None, None),
        ],
    ),
    "training_attendance": (
        "session_id, staff_id, status",
        [("ts-1", "st-1", "attended"), ("ts-1", "st-2", "absent"), ("ts-2", "st-1", "excused")],
    ),
    "training_completions": (
        "id, staff_id, kind, topic, method, completed_at, completed_at_tz, session_id",
        [
            ("tc-1", "st-1", "safety", "Fire drill", "internal", T0 + H, "Asia/Shanghai", "ts-1"),
            ("tc-2", "st-2", "special", "First aid", "external", T0, None, "outside-7"),
        ],
    ),
    "activities": (
        (
            "id, name, kind, starts_at, starts_at_tz, ends_at, ends_at_tz, capacity, audience,"
            " waitlist_limit, booking_id"
        ),
        [
            (
                "a-1",
                "Spring tea",
                "member",
                T0,
                "Asia/Shanghai",
                T0 + 2 * H,
                "Asia/Shanghai",
                2,
                Jsonb({"tiers": ["gold"]}),
                1,
                "b-2",
            ),
            ("a-2", "Trial yoga", "trial", T0, None, T0 + H, None, 10, Jsonb({}), None, None),
        ],
    ),
    "activity_invitations": (
        "activity_id, customer_id, at, at_tz, channel, consent_id",
        [
            ("a-1", "c-1", T0 - H, "Asia/Shanghai", "sms", "k-1"),
            ("a-1", "c-2", T0 - H, None, "wechat", "k-2"),
        ],
    ),
    "activity_sign_ups": (
        (
            "activity_id, customer_id, status, position, signed_up_at, signed_up_at_tz,"
            " updated_at, updated_at_tz"
        ),
        [
            ("a-1", "c-1", "confirmed", 1, T0 - H, "Asia/Shanghai", T0 - H, "Asia/Shanghai"),
            ("a-1", "c-2", "waitlisted", 2, T0 - H / 2, None, T0 - H / 3, None),
            ("a-2", "c-1", "cancelled", 1, T0 - H / 4, None, T0 - H / 5, None),
        ],
    ),
}
# Identity columns: the last row is deleted, so the sequence is ahead of max(seq).
_PG_AFTER = (
    "DELETE FROM clubrules.access_events WHERE seq = 3",
    "DELETE FROM clubrules.care_tasks WHERE seq = 3",
)


@pytest.fixture
def fresh_url(postgres_cluster: PostgresCluster) -> Callable[[], str]:
    def make() -> str:
        return postgres_cluster.create_database("tenant_migration")

    return make


def _pg_tables(conn: psycopg.Connection[Any]) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'clubrules'::regnamespace"
            " AND relkind IN ('r', 'p') ORDER BY relname"
        )
    ]


def _pg_snapshot(conn: psycopg.Connection[Any]) -> dict[str, list[dict[str, Any]]]:
    snapshot: dict[str, list[dict[str, Any]]] = {}
    with conn.cursor(row_factory=dict_row) as cursor:
        for table in _pg_tables(conn):
            rows = cursor.execute(f"SELECT * FROM clubrules.{table}").fetchall()  # noqa: S608
            snapshot[table] = sorted(rows, key=repr)
    return snapshot


def _pg_foreign_keys(conn: psycopg.Connection[Any]) -> set[tuple[str, str, tuple[str, ...]]]:
    rows = conn.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text,"
        " array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)"
        "       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)"
        " FROM pg_constraint c WHERE c.contype = 'f'"
        " AND c.connamespace = 'clubrules'::regnamespace"
    ).fetchall()
    return {
        (child.removeprefix("clubrules."), parent.removeprefix("clubrules."), tuple(columns))
        for child, parent, columns in rows
    }


def _pg_sequences(conn: psycopg.Connection[Any]) -> dict[str, int]:
    return dict(
        conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'clubrules'"
        ).fetchall()
    )


@pytest.mark.postgres
def test_postgres_version_9_rows_move_into_the_default_tenant(
    fresh_url: Callable[[], str],
) -> None:
    url = fresh_url()
    with psycopg.connect(url, autocommit=True) as conn:
        assert migrate(conn, to=BEFORE).version == BEFORE
        with conn.transaction():
            for table, (columns, rows) in _PG_ROWS.items():
                marks = ", ".join(["%s"] * len(columns.split(",")))
                with conn.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO clubrules.{table} ({columns}) VALUES ({marks})",  # noqa: S608
                        rows,
                    )
            for statement in _PG_AFTER:
                conn.execute(statement)
        before = _pg_snapshot(conn)
        _check_filled(before)
        assert all("tenant" not in row for rows in before.values() for row in rows)
        sequences = _pg_sequences(conn)
        foreign_keys = _pg_foreign_keys(conn)

        result = migrate(conn)
        assert (result.previous_version, result.version) == (BEFORE, TENANTS)

        _check_same_rows(before, _pg_snapshot(conn), applied=1)
        # The identity sequences go on from where they were.
        assert _pg_sequences(conn) == sequences
        assert sorted(sequences.values()) == [3, 3]
        seqs = [
            conn.execute(
                "INSERT INTO clubrules.access_events (tenant, at, actor, role, purpose,"
                " customer_id, field, allowed, reason) VALUES ('default', now(), 'st-1', 'r',"
                " 'p', 'c-1', 'f', true, 'allowed') RETURNING seq"
            ).fetchone(),
            conn.execute(
                "INSERT INTO clubrules.care_tasks (tenant, customer_id, kind, due, at, rule, note)"
                " VALUES ('default', 'c-9', 'survey', '2026-01-01', now(), 'r', 'n')"
                " RETURNING seq"
            ).fetchone(),
        ]
        assert seqs == [(4,), (4,)]
        # The same foreign keys, each leading with the tenant, and enforced.
        after_keys = _pg_foreign_keys(conn)
        assert {(c, p) for c, p, _ in after_keys} == {(c, p) for c, p, _ in foreign_keys}
        assert len(after_keys) >= 7
        assert all(columns[0] == "tenant" for _, _, columns in after_keys)
        for child in sorted({c for c, _, _ in after_keys}):
            child_columns = [
                name
                for (name,) in conn.execute(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass"
                    " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    (f"clubrules.{child}",),
                )
            ]
            values = ", ".join("'elsewhere'" if c == "tenant" else f'"{c}"' for c in child_columns)
            names = ", ".join(f'"{c}"' for c in child_columns)
            with pytest.raises(errors.ForeignKeyViolation):
                conn.execute(
                    f"INSERT INTO clubrules.{child} ({names})"  # noqa: S608 - catalogue names
                    f" SELECT {values} FROM clubrules.{child} LIMIT 1"
                )
