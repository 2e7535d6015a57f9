"""An attack on tenant isolation in PostgreSQL: tenant A's handle and raw SQL never reach B's rows.

Every clubrules table holds rows of two tenants with the same ids (B's rows
are copies of A's, plus some of B's own). The application role (not the
tables' owner, no BYPASSRLS) then works as tenant A: through the library's
tenant handle, and through hand-written SQL with A's setting. The tables
are found by walking the catalogue, so a table added without a policy (or
left out of the fill) fails this test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import sql

from clubrules.booking import Booking, Occupancy
from clubrules.complaints import Case, CaseKind, default_book, register
from clubrules.customers import Customer
from clubrules.errors import NotFoundError
from clubrules.privacy import AccessEvent
from clubrules.storage.migrations import migrate
from clubrules.storage.postgres import (
    PostgresAccessLog,
    PostgresBookingRepository,
    PostgresComplaintRepository,
    PostgresConsentStore,
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
    PostgresDataKeyStore,
)

if TYPE_CHECKING:
    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

A = "club-a"
B = "club-b"
APP = "clubrules_attack_app"
LOGIN = "clubrules_attack_web"
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

# One or more rows in every clubrules table, as tenant `clubrules.tenant` (the
# column's default): written once for A, then copied into B.
FILL = """
INSERT INTO clubrules.customers (id, name, registered_at, gender, allergies)
    VALUES ('c-1', 'Wang Fang', '2026-01-05 10:00+08', 'female', '\\x00010203'),
           ('c-2', 'Li Na', '2026-01-06 10:00+08', 'female', NULL);
INSERT INTO clubrules.consumption_records (id, customer_id, at, service, amount, currency, kind)
    VALUES ('r-1', 'c-1', '2026-02-01 10:00+08', 'facial', 288.00, 'CNY', 'purchase');
INSERT INTO clubrules.service_records (id, customer_id, at, service, staff_id, notes, effect)
    VALUES ('s-1', 'c-1', '2026-02-01 10:00+08', 'facial', 'st-7', 'calm skin', 'good');
INSERT INTO clubrules.data_keys (customer_id, wrapped) VALUES ('c-1', '\\x0102');
INSERT INTO clubrules.consents (id, customer_id, purpose, scope, given_at, separate, evidence)
    VALUES ('k-1', 'c-1', 'marketing', '{sms}', '2026-01-05 10:00+08', true, 'signed form');
INSERT INTO clubrules.access_events (at, actor, role, purpose, customer_id, field, allowed,
        reason)
    VALUES ('2026-02-01 10:00+08', 'st-7', 'beautician', 'service_delivery', 'c-1', 'allergies',
        true, 'allowed');
INSERT INTO clubrules.staff_rubrics (id, version, document) VALUES ('rub', 1, '{}');
INSERT INTO clubrules.staff_sheets (id, staff_id, kind, period_start, period_end, period_label,
        assessed_at, rubric_id, rubric_version, total, band, outcome)
    VALUES ('sh-1', 'st-7', 'ad_hoc', '2026-01-01 00:00+08', '2026-02-01 00:00+08', 'Jan',
        '2026-02-02 10:00+08', 'rub', 1, 90, 'excellent', 'reward');
INSERT INTO clubrules.staff_sheet_criteria (sheet_id, position, key, name, max_points,
        effective_max, points)
    VALUES ('sh-1', 0, 'service', 'Service', 100, 100, 90);
INSERT INTO clubrules.staff_sheet_lines (sheet_id, position, criterion, item, name, method,
        max_points, effective_max, points, source)
    VALUES ('sh-1', 0, 'service', 'smile', 'Smile', 'manual', 100, 100, 90, 'manual');
INSERT INTO clubrules.staff_warnings (id, staff_id, sheet_id, issued_at, improve_by, total, band)
    VALUES ('w-1', 'st-7', 'sh-1', '2026-02-02 10:00+08', '2026-03-02 10:00+08', 50, 'poor');
INSERT INTO clubrules.bookings (id, service, start_at, end_at, status, headcount, late_cancel,
        version, blocking_until_us)
    VALUES ('b-1', 'facial', '2026-03-02 09:00+00', '2026-03-02 10:00+00', 'confirmed', 1, false,
        1, 9223372036854775807);
INSERT INTO clubrules.booking_occupancy (booking_id, position, resource, during, units,
        capacity, role, blocking_until_us, active)
    VALUES ('b-1', 0, 'room-1', tstzrange('2026-03-02 09:00+00', '2026-03-02 10:00+00', '[)'),
        1, 1, 'room', 9223372036854775807, true);
INSERT INTO clubrules.booking_resources (resource) VALUES ('room-1');
INSERT INTO clubrules.care_tasks (customer_id, kind, due, at, rule, note)
    VALUES ('c-1', 'birthday', '2026-03-01', '2026-02-20 10:00+08', 'birthday', 'call');
INSERT INTO clubrules.survey_responses (id, questionnaire_id, customer_id, at, answers, nps)
    VALUES ('sv-1', 'q-1', 'c-1', '2026-02-01 10:00+08', '[["q1", 5]]', 9);
INSERT INTO clubrules.training_sessions (id, kind, topic, method, starts_at, ends_at)
    VALUES ('ts-1', 'safety', 'fire', 'internal', '2026-02-01 10:00+08', '2026-02-01 12:00+08');
INSERT INTO clubrules.training_attendance (session_id, staff_id, status)
    VALUES ('ts-1', 'st-7', 'attended');
INSERT INTO clubrules.training_completions (id, staff_id, kind, topic, method, completed_at)
    VALUES ('tc-1', 'st-7', 'safety', 'fire', 'internal', '2026-02-01 12:00+08');
INSERT INTO clubrules.activities (id, name, kind, starts_at, ends_at, capacity, audience)
    VALUES ('act-1', 'Tea party', 'salon', '2026-03-05 14:00+08', '2026-03-05 16:00+08', 10,
        '{}');
INSERT INTO clubrules.activity_invitations (activity_id, customer_id, at, channel, consent_id)
    VALUES ('act-1', 'c-1', '2026-02-20 10:00+08', 'sms', 'k-1');
INSERT INTO clubrules.activity_sign_ups (activity_id, customer_id, status, position,
        signed_up_at, updated_at)
    VALUES ('act-1', 'c-1', 'confirmed', 1, '2026-02-21 10:00+08', '2026-02-21 10:00+08');
"""


def _complaint(case_id: str) -> Case:
    return register(
        default_book(),
        case_id=case_id,
        at=T0 - timedelta(days=1),
        kind=CaseKind.COMPLAINT,
        channel="wechat",
        customer_id="c-1",
        contact="wx-id",
        content="the towel was not clean",
        category="hygiene",
    )


def _tables(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    """Every table of the clubrules schema but the migrations' own history, from the catalogue."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_version'"
        " ORDER BY c.relname",
        (schema,),
    ).fetchall()
    return [r[0] for r in rows]


def _copy_into(conn: psycopg.Connection[Any], schema: str, table: str, tenant: str) -> None:
    """Copy tenant A's rows of `table` into `tenant`, the same ids (as the superuser)."""
    columns = [
        r[0]
        for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attidentity = '' AND attname <> 'tenant' ORDER BY attnum",
            (f"{schema}.{table}",),
        )
    ]
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    conn.execute(
        sql.SQL(
            "INSERT INTO {t} (tenant, {c}) SELECT {tenant}, {c} FROM {t} WHERE tenant = {a}"
        ).format(
            t=sql.Identifier(schema, table), c=names, tenant=sql.Literal(tenant), a=sql.Literal(A)
        )
    )


@pytest.fixture(scope="module")
def attacked(postgres_cluster: PostgresCluster) -> tuple[str, str]:
    """A migrated database holding both tenants' rows: (the superuser's URL, the app role's)."""
    url = postgres_cluster.create_database("attack")
    # The tables' owner migrates and grants the application role (`db migrate --app-role`);
    # the application logs in as a role that is a member of it.
    migrate(url, app_role=APP)
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (LOGIN,)).fetchone() is None:
            conn.execute(f"CREATE ROLE {LOGIN} LOGIN")
        conn.execute(f"GRANT {APP} TO {LOGIN}")
        with conn.transaction():
            conn.execute("SELECT set_config('clubrules.tenant', %s, true)", (A,))
            conn.execute(FILL)
        with PostgresDatabase(url) as db:
            PostgresComplaintRepository(db.for_tenant(A)).append(
                "case-1", 0, _complaint("case-1").events
            )
        # Parents before children, so that the copies' foreign keys hold.
        order = [
            "customers", "consumption_records", "service_records", "data_keys", "consents",
            "access_events", "staff_rubrics", "staff_sheets", "staff_sheet_criteria",
            "staff_sheet_lines", "staff_warnings", "bookings", "booking_occupancy",
            "booking_resources", "care_tasks", "survey_responses", "complaint_cases",
            "complaint_events", "training_sessions", "training_attendance",
            "training_completions", "activities", "activity_invitations", "activity_sign_ups",
        ]  # fmt: skip
        assert sorted(order) == _tables(conn, "clubrules"), "a table is missing from the fill"
        for table in order:
            _copy_into(conn, "clubrules", table, B)
    # Rows only B has, written through B's handle (as the superuser).
    with PostgresDatabase(url) as db:
        b = db.for_tenant(B)
        PostgresCustomerRepository(b).add(
            Customer(id="c-b", name="Zhao Min", registered_at=T0 - timedelta(days=30))
        )
        start, end = T0 + timedelta(hours=3), T0 + timedelta(hours=4)
        PostgresBookingRepository(b).add(
            Booking(
                id="b-b",
                service="massage",
                start=start,
                end=end,
                occupancy=[Occupancy.between("room-9", start, end)],
            ),
            now=T0 - timedelta(days=1),
        )
        PostgresComplaintRepository(b).append("case-b", 0, _complaint("case-b").events)
        PostgresAccessLog(b).append(
            AccessEvent(
                at=T0,
                actor="st-9",
                role="beautician",
                purpose="service_delivery",
                customer_id="c-b",
                field="allergies",
                allowed=True,
                reason="allowed",
            )
        )
    return url, url.replace("postgres@", f"{LOGIN}@", 1)


def _count(conn: psycopg.Connection[Any], table: str, tenant: str | None = None) -> int:
    where = (
        sql.SQL("") if tenant is None else sql.SQL(" WHERE tenant = {}").format(sql.Literal(tenant))
    )
    query = sql.SQL("SELECT count(*) FROM {}{}").format(sql.Identifier("clubrules", table), where)
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def test_the_app_role_is_neither_owner_nor_bypasses_security(attacked: tuple[str, str]) -> None:
    _, app_url = attacked
    with psycopg.connect(app_url) as conn:
        row = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert row == (False, False)
        owned = conn.execute(
            "SELECT count(*) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'clubrules' AND pg_get_userbyid(c.relowner) = current_user"
        ).fetchone()
        assert owned == (0,)


def test_every_table_has_forced_row_level_security_and_a_policy(attacked: tuple[str, str]) -> None:
    url, _ = attacked
    with psycopg.connect(url) as conn:
        for table in _tables(conn, "clubrules"):
            flags = conn.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass",
                (f"clubrules.{table}",),
            ).fetchone()
            assert flags == (True, True), table
            policies = conn.execute(
                "SELECT count(*) FROM pg_policy WHERE polrelid = %s::regclass",
                (f"clubrules.{table}",),
            ).fetchone()
            assert policies is not None, table
            assert policies[0] >= 1, table


def test_raw_sql_as_tenant_a_sees_and_changes_only_a(attacked: tuple[str, str]) -> None:
    url, app_url = attacked
    with psycopg.connect(url) as owner:
        tables = _tables(owner, "clubrules")
        expected = {t: (_count(owner, t, A), _count(owner, t, B)) for t in tables}
    with psycopg.connect(app_url, autocommit=True) as conn:
        conn.execute("SELECT set_config('clubrules.tenant', %s, false)", (A,))
        for table, (rows_a, rows_b) in expected.items():
            assert rows_a >= 1, table
            assert rows_b >= 1, table
            ident = sql.Identifier("clubrules", table)
            seen = conn.execute(sql.SQL("SELECT * FROM {}").format(ident)).fetchall()
            assert len(seen) == rows_a, table
            tenants = conn.execute(sql.SQL("SELECT DISTINCT tenant FROM {}").format(ident))
            assert tenants.fetchall() == [(A,)], table
            assert _count(conn, table, B) == 0, table
            # B's rows can be neither changed nor deleted: they are not there for A.
            changed = conn.execute(
                sql.SQL("UPDATE {} SET tenant = tenant WHERE tenant = {}").format(
                    ident, sql.Literal(B)
                )
            )
            assert changed.rowcount == 0, table
            deleted = conn.execute(
                sql.SQL("DELETE FROM {} WHERE tenant = {}").format(ident, sql.Literal(B))
            )
            assert deleted.rowcount == 0, table
            # Nor can A write a row into B, or move its own rows there.
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql.SQL("UPDATE {} SET tenant = {}").format(ident, sql.Literal(B)))
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute(
                "INSERT INTO clubrules.customers (tenant, id, name, registered_at, gender)"
                " VALUES (%s, 'c-new', 'x', now(), 'female')",
                (B,),
            )
    with psycopg.connect(url) as owner:
        after = {t: (_count(owner, t, A), _count(owner, t, B)) for t in tables}
    assert after == expected


def test_raw_sql_without_a_tenant_sees_nothing_and_writes_nothing(
    attacked: tuple[str, str],
) -> None:
    _, app_url = attacked
    with psycopg.connect(app_url, autocommit=True) as conn:
        for leftover in (False, True):
            if leftover:
                # After a transaction that set it locally, PostgreSQL leaves '' behind.
                with conn.transaction():
                    conn.execute("SELECT set_config('clubrules.tenant', %s, true)", (A,))
                row = conn.execute("SELECT current_setting('clubrules.tenant', true)").fetchone()
                assert row == ("",)
            for table in _tables(conn, "clubrules"):
                assert _count(conn, table) == 0, table
            with pytest.raises(psycopg.Error), conn.transaction():
                conn.execute(
                    "INSERT INTO clubrules.customers (id, name, registered_at, gender)"
                    " VALUES ('c-new', 'x', now(), 'female')"
                )
            with pytest.raises(psycopg.Error), conn.transaction():
                conn.execute(
                    "INSERT INTO clubrules.customers (tenant, id, name, registered_at, gender)"
                    " VALUES ('', 'c-new', 'x', now(), 'female')"
                )


def test_a_handle_for_a_reaches_none_of_b(attacked: tuple[str, str]) -> None:
    url, app_url = attacked
    with PostgresDatabase(app_url) as db:
        a = db.for_tenant(A)
        customers = PostgresCustomerRepository(a)
        with pytest.raises(NotFoundError):
            customers.get("c-b")
        assert sorted(c.id for c in customers.customers()) == ["c-1", "c-2"]
        # B's booking of room-9 is not in A's calendar; A's own booking of room-1 is.
        bookings = PostgresBookingRepository(a)
        assert [b.id for b in bookings.find(start=T0, end=T0 + timedelta(hours=6))] == ["b-1"]
        assert bookings.find(resource="room-9") == []
        with pytest.raises(NotFoundError):
            bookings.get("b-b")
        # Complaint replays, access reports, consents and keys: A's only.
        complaints = PostgresComplaintRepository(a)
        with pytest.raises(NotFoundError):
            complaints.events("case-b")
        assert complaints.case_ids() == ["case-1"]
        log = PostgresAccessLog(a)
        assert log.for_customer("c-b") == []
        assert log.by_actor("st-9") == []
        assert [e.customer_id for e in log.by_actor("st-7")] == ["c-1"]
        assert PostgresConsentStore(a).for_customer("c-b") == []
        keys = PostgresDataKeyStore(a)
        assert keys.get("c-b") is None
        assert list(keys.customer_ids()) == ["c-1"]
        assert [r.id for r in PostgresConsumptionRepository(a).records("c-1")] == ["r-1"]
        # A may take B's ids for rows of its own: they are different rows.
        customers.add(Customer(id="c-b", name="A's own", registered_at=T0))
        assert customers.get("c-b").name == "A's own"
    with PostgresDatabase(url) as db:
        assert PostgresCustomerRepository(db.for_tenant(B)).get("c-b").name == "Zhao Min"
