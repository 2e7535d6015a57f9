"""The application's PostgreSQL role: it owns nothing, so row-level security holds it to a tenant.

Superusers, roles with BYPASSRLS and the tables' owner get past row-level
security; `migrate(..., app_role=...)`, `app_role_statements` and the
`db migrate --app-role` / `db grants` commands make a role that does not.
The rows here are written by the superuser in raw SQL, each with its tenant,
and read back through a login role that is a member of the app role.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import errors

from clubrules.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from clubrules.errors import MigrationError, ValidationError
from clubrules.storage.migrations import (
    app_role_statements,
    latest_version,
    migrate,
    schema_version,
)
from clubrules.storage.postgres import PostgresDatabase
from clubrules.storage.sqlite import SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

_names = itertools.count()
START = datetime(2026, 3, 2, 10, tzinfo=UTC)
_INSERT_CUSTOMER = (
    "INSERT INTO clubrules.customers (tenant, id, name, registered_at, gender)"
    " VALUES (%s, %s, %s, %s, 'undisclosed')"
)


def _unique(stem: str) -> str:
    """A name no other test of the session uses (roles belong to the whole cluster)."""
    return f"{stem}_{next(_names)}"


@pytest.fixture
def fresh_url(postgres_cluster: PostgresCluster) -> Callable[[], str]:
    def make() -> str:
        return postgres_cluster.create_database("app_role")

    return make


def _as(cluster: PostgresCluster, url: str, user: str) -> str:
    """`url` (a database on `cluster`) for another user (the cluster trusts local sockets)."""
    database = url.split("?", 1)[0].rsplit("/", 1)[1]
    return f"postgresql://{user}@/{database}?host={cluster.socket_dir}&port={cluster.port}"


def _login_member(admin: psycopg.Connection[Any], role: str) -> str:
    """A new login role that is a member of `role`, as the application would connect."""
    login = _unique("web")
    admin.execute(f"CREATE ROLE {login} LOGIN")
    admin.execute(f"GRANT {role} TO {login}")
    return login


def _tables(conn: psycopg.Connection[Any], schema: str = "clubrules") -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = to_regnamespace(%s)"
            " AND relkind IN ('r', 'p') ORDER BY relname",
            (schema,),
        )
    ]


def _privileges(
    conn: psycopg.Connection[Any], role: str, schema: str = "clubrules"
) -> dict[str, set[str]]:
    """Which table privileges `role` holds on each table of `schema`."""
    found: dict[str, set[str]] = {}
    for table in _tables(conn, schema):
        found[table] = {
            privilege
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES")
            if conn.execute(
                "SELECT has_table_privilege(%s, %s, %s)",
                (role, f'"{schema}".{table}', privilege),
            ).fetchone()
            == (True,)
        }
    return found


def _expected_privileges(
    conn: psycopg.Connection[Any], schema: str = "clubrules"
) -> dict[str, set[str]]:
    crud = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    return {t: ({"SELECT"} if t == "schema_version" else crud) for t in _tables(conn, schema)}


# --- the role ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_app_role_owns_nothing_and_gets_past_nothing(fresh_url: Callable[[], str]) -> None:
    url, role = fresh_url(), _unique("clubrules_app")
    result = migrate(url, app_role=role)
    assert result.version == latest_version("postgres")
    with psycopg.connect(url, autocommit=True) as conn:
        attributes = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb"
            " FROM pg_roles WHERE rolname = %s",
            (role,),
        ).fetchone()
        assert attributes == (False, False, False, False, False)
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class"
            " WHERE relnamespace = 'clubrules'::regnamespace"
        ).fetchall()
        assert owners == [("postgres",)]
        schema_owner = conn.execute(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'clubrules'"
        ).fetchone()
        assert schema_owner == ("postgres",)
        assert _privileges(conn, role) == _expected_privileges(conn)
        assert len(_tables(conn)) > 20
        assert conn.execute(
            "SELECT has_schema_privilege(%s, 'clubrules', 'USAGE'),"
            " has_schema_privilege(%s, 'clubrules', 'CREATE')",
            (role, role),
        ).fetchone() == (True, False)
        sequences = conn.execute(
            "SELECT relname, has_sequence_privilege(%s, oid, 'USAGE') FROM pg_class"
            " WHERE relnamespace = 'clubrules'::regnamespace AND relkind = 'S'",
            (role,),
        ).fetchall()
        assert sequences
        assert all(usable for _, usable in sequences)
        # Every table is under row-level security, forced on the owner too.
        flags = conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
            " WHERE relnamespace = 'clubrules'::regnamespace AND relkind = 'r'"
            " AND relname <> 'schema_version'"
        ).fetchall()
        assert flags
        assert all(enabled and forced for _, enabled, forced in flags)


@pytest.mark.postgres
def test_granting_again_is_fine(fresh_url: Callable[[], str]) -> None:
    url, role = fresh_url(), _unique("clubrules_app")
    assert migrate(url, app_role=role).changed
    again = migrate(url, app_role=role)
    assert not again.changed
    assert again.version == latest_version("postgres")
    # Also on a database migrated earlier without the role, and by the statements themselves.
    other = _unique("clubrules_app")
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(2):
            for statement in app_role_statements(other):
                conn.execute(statement.encode())
        assert _privileges(conn, role) == _expected_privileges(conn)
        assert _privileges(conn, other) == _expected_privileges(conn)


@pytest.mark.postgres
def test_a_member_of_the_app_role_sees_and_writes_only_its_tenant(
    fresh_url: Callable[[], str], postgres_cluster: PostgresCluster
) -> None:
    url, role = fresh_url(), _unique("clubrules_app")
    migrate(url, app_role=role)
    with psycopg.connect(url, autocommit=True) as admin:
        for tenant, customer, name in [
            ("club-a", "c-1", "王芳"),
            ("club-a", "c-2", "李娜"),
            ("club-b", "c-1", "张伟"),
            ("default", "c-3", "陈静"),
        ]:
            admin.execute(_INSERT_CUSTOMER, (tenant, customer, name, START))
        login = _login_member(admin, role)
    app_url = _as(postgres_cluster, url, login)

    def customers(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
        return conn.execute(
            "SELECT tenant, id, name FROM clubrules.customers ORDER BY tenant, id"
        ).fetchall()

    # With the setting for the session: that tenant's rows, none of another's.
    with psycopg.connect(app_url, autocommit=True) as app:
        app.execute("SELECT set_config('clubrules.tenant', 'club-a', false)")
        assert customers(app) == [("club-a", "c-1", "王芳"), ("club-a", "c-2", "李娜")]
        # Another tenant's row cannot be written, whether inserted, updated or deleted.
        with pytest.raises(errors.InsufficientPrivilege):
            app.execute(_INSERT_CUSTOMER, ("club-b", "c-9", "x", START))
        assert (
            app.execute(
                "UPDATE clubrules.customers SET name = 'x' WHERE tenant = 'club-b'"
            ).rowcount
            == 0
        )
        assert app.execute("DELETE FROM clubrules.customers WHERE id = 'c-3'").rowcount == 0
        # Nor can its own row be moved to another tenant.
        with pytest.raises(errors.InsufficientPrivilege):
            app.execute("UPDATE clubrules.customers SET tenant = 'club-b' WHERE id = 'c-2'")
        # Its own tenant's rows can; a new row's tenant defaults to the setting.
        app.execute(
            "INSERT INTO clubrules.customers (id, name, registered_at, gender)"
            " VALUES ('c-4', '赵敏', %s, 'female')",
            (START,),
        )
        assert (
            app.execute("UPDATE clubrules.customers SET name = '王芳芳' WHERE id = 'c-1'").rowcount
            == 1
        )
        assert app.execute("SELECT count(*) FROM clubrules.customers").fetchone() == (3,)
        # Per transaction (SET LOCAL), as the library sets it.
        with app.transaction():
            app.execute("SELECT set_config('clubrules.tenant', 'club-b', true)")
            assert customers(app) == [("club-b", "c-1", "张伟")]
        assert len(customers(app)) == 3
        # The version table is read-only to the application.
        assert app.execute("SELECT count(*) FROM clubrules.schema_version").fetchone() == (
            latest_version("postgres"),
        )
        with pytest.raises(errors.InsufficientPrivilege):
            app.execute("DELETE FROM clubrules.schema_version")
        # And it cannot switch the policies off.
        with pytest.raises(errors.InsufficientPrivilege):
            app.execute("ALTER TABLE clubrules.customers DISABLE ROW LEVEL SECURITY")
    # With no setting: no rows at all, and no writes.
    with psycopg.connect(app_url, autocommit=True) as app:
        assert customers(app) == []
        with pytest.raises(errors.InsufficientPrivilege):
            app.execute(_INSERT_CUSTOMER, ("club-a", "c-8", "x", START))
        with pytest.raises(errors.UndefinedObject):
            app.execute(
                "INSERT INTO clubrules.customers (id, name, registered_at, gender)"
                " VALUES ('c-8', 'x', %s, 'female')",
                (START,),
            )
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute(
            "SELECT tenant, id, name FROM clubrules.customers ORDER BY tenant, id"
        ).fetchall() == [
            ("club-a", "c-1", "王芳芳"),
            ("club-a", "c-2", "李娜"),
            ("club-a", "c-4", "赵敏"),
            ("club-b", "c-1", "张伟"),
            ("default", "c-3", "陈静"),
        ]


@pytest.mark.postgres
def test_a_role_that_bypasses_row_security_is_refused(
    fresh_url: Callable[[], str], postgres_cluster: PostgresCluster
) -> None:
    bypassing = _unique("bypassing")
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {bypassing} NOLOGIN BYPASSRLS")
    for role in ("postgres", bypassing):
        url = fresh_url()
        with pytest.raises(MigrationError, match="superuser or has BYPASSRLS"):
            migrate(url, app_role=role)
        # The migration and the grants are one transaction: nothing was applied.
        assert schema_version(url) == 0
    # The printed statements refuse it too.
    url = fresh_url()
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        statements = app_role_statements(bypassing)
        conn.execute(statements[0].encode())
        with pytest.raises(errors.RaiseException, match="bypasses row-level security"):
            conn.execute(statements[1].encode())


@pytest.mark.postgres
def test_the_tables_owner_is_refused(
    fresh_url: Callable[[], str], postgres_cluster: PostgresCluster
) -> None:
    url = fresh_url()
    owner, member = _unique("migrator"), _unique("migrator_member")
    database = url.split("?", 1)[0].rsplit("/", 1)[1]
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE")
        admin.execute(f"GRANT CREATE ON DATABASE {database} TO {owner}")
        admin.execute(f"CREATE ROLE {member} NOLOGIN IN ROLE {owner}")
    as_owner = _as(postgres_cluster, url, owner)
    # A migrator that is no superuser: it owns the tables it made.
    assert migrate(as_owner).version == latest_version("postgres")
    for role in (owner, member):
        with pytest.raises(MigrationError, match="owns the clubrules tables"):
            migrate(as_owner, app_role=role)
    # It can make another role the application's.
    role = _unique("clubrules_app")
    assert not migrate(as_owner, app_role=role).changed
    with psycopg.connect(url, autocommit=True) as conn:
        assert _privileges(conn, role) == _expected_privileges(conn)


@pytest.mark.postgres
def test_a_database_on_another_schema_grants_that_schema(
    fresh_url: Callable[[], str], postgres_cluster: PostgresCluster
) -> None:
    url, role = fresh_url(), _unique("clubrules_app")
    with PostgresDatabase(url, schema="salon") as db:
        assert migrate(db, app_role=role).version == latest_version("postgres")
    with psycopg.connect(url, autocommit=True) as admin:
        assert _privileges(admin, role, "salon") == _expected_privileges(admin, "salon")
        admin.execute(
            "INSERT INTO salon.customers (tenant, id, name, registered_at, gender)"
            " VALUES ('club-a', 'c-1', 'x', %s, 'female'), ('club-b', 'c-1', 'y', %s, 'male')",
            (START, START),
        )
        login = _login_member(admin, role)
    with psycopg.connect(_as(postgres_cluster, url, login), autocommit=True) as app:
        app.execute("SELECT set_config('clubrules.tenant', 'club-b', false)")
        assert app.execute("SELECT tenant, name FROM salon.customers").fetchall() == [
            ("club-b", "y")
        ]
    # And on a psycopg connection, in the schema named.
    other = _unique("clubrules_app")
    with psycopg.connect(url) as conn:
        assert not migrate(conn, schema="salon", app_role=other).changed
        conn.commit()
        assert _privileges(conn, other, "salon") == _expected_privileges(conn, "salon")


# --- refusals that need no server ---------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["", "App", "clubrules-app", 'app"; DROP TABLE x; --', "pg_app", "public", "none", 7]
)
def test_a_role_that_is_not_a_plain_identifier_is_refused(role: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        app_role_statements(role)
    assert caught.value.violations[0].field == "role"
    with pytest.raises(ValidationError) as caught:
        migrate("postgresql://nobody@/nowhere?host=/nonexistent", app_role=role)
    assert caught.value.violations[0].field == "app_role"


def test_the_statements_quote_the_schema_and_role() -> None:
    statements = app_role_statements("clubrules_app", schema="salon")
    assert 'GRANT USAGE ON SCHEMA "salon" TO "clubrules_app"' in statements
    assert 'GRANT SELECT ON "salon".schema_version TO "clubrules_app"' in statements
    assert all("clubrules." not in s for s in statements)
    with pytest.raises(ValidationError) as caught:
        app_role_statements("clubrules_app", schema="Salon")
    assert caught.value.violations[0].field == "schema"


def test_sqlite_has_no_app_role(tmp_path: Path) -> None:
    path = tmp_path / "club.db"
    with pytest.raises(ValidationError) as caught:
        migrate(f"sqlite:///{path}", app_role="clubrules_app")
    assert caught.value.violations[0].rule == "not_postgres"
    assert not path.exists()
    with SQLiteDatabase(path) as db, pytest.raises(ValidationError):
        migrate(db, app_role="clubrules_app")
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(ValidationError):
            migrate(conn, app_role="clubrules_app")
        assert schema_version(conn) == 0
    finally:
        conn.close()


# --- the command line ---------------------------------------------------------------------


def test_db_grants_prints_the_statements(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "grants", "--app-role", "clubrules_app", "--schema", "salon"]) == EXIT_OK
    printed = capsys.readouterr().out
    expected = app_role_statements("clubrules_app", schema="salon")
    assert printed == "".join(f"{statement};\n" for statement in expected)


@pytest.mark.parametrize("role", ["App", "pg_app"])
def test_db_grants_refuses_a_bad_role(role: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "grants", "--app-role", role]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "role" in captured.err


def test_db_migrate_refuses_an_app_role_for_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/club.db"
    assert main(["db", "migrate", "--url", url, "--app-role", "clubrules_app"]) == EXIT_USAGE
    assert "PostgreSQL only" in capsys.readouterr().err
    assert not (tmp_path / "club.db").exists()


@pytest.mark.postgres
def test_db_migrate_grants_the_app_role(
    fresh_url: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, role = fresh_url(), _unique("clubrules_app")
    assert main(["db", "migrate", "--url", url, "--app-role", role]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("postgres schema migrated from version 0")
    assert out.endswith(f"role {role} granted the clubrules tables\n")
    assert main(["db", "migrate", "--url", url, "--app-role", role, "--json"]) == EXIT_OK
    found = json.loads(capsys.readouterr().out)
    assert found["app_role"] == role
    assert found["applied"] == []
    with psycopg.connect(url, autocommit=True) as conn:
        assert _privileges(conn, role) == _expected_privileges(conn)
    # A superuser is refused: exit 1, nothing granted.
    assert main(["db", "migrate", "--url", url, "--app-role", "postgres"]) == EXIT_FAILED
    assert "BYPASSRLS" in capsys.readouterr().err
