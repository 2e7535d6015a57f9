"""The throwaway PostgreSQL cluster that the storage tests run on."""

from __future__ import annotations

import psycopg
import pytest

from clubrules.testing.postgres import PostgresCluster, find_pg_bin

pytestmark = pytest.mark.postgres


def test_cluster_accepts_connections_and_has_btree_gist(postgres_cluster: PostgresCluster) -> None:
    with psycopg.connect(postgres_cluster.url, autocommit=True) as conn:
        row = conn.execute("show server_version_num").fetchone()
        assert row is not None
        assert int(row[0]) >= 150000
        conn.execute("create extension if not exists btree_gist")
        names = {r[0] for r in conn.execute("select extname from pg_extension")}
        assert "btree_gist" in names


def test_cluster_listens_only_on_its_socket(postgres_cluster: PostgresCluster) -> None:
    with psycopg.connect(postgres_cluster.url, autocommit=True) as conn:
        row = conn.execute("show listen_addresses").fetchone()
        assert row == ("",)
    assert postgres_cluster.socket_dir.exists()
    assert find_pg_bin() is not None
