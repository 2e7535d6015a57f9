"""`PostgresCluster.create_database`: a database of its own per call, on the session's cluster."""

from __future__ import annotations

import attrs
import psycopg
import pytest

from clubrules.errors import ValidationError
from clubrules.testing.postgres import PostgresCluster, PostgresUnavailableError

pytestmark = pytest.mark.postgres


def test_each_call_makes_a_new_empty_database(postgres_cluster: PostgresCluster) -> None:
    urls = [postgres_cluster.create_database("cluster_test") for _ in range(3)]
    assert len(set(urls)) == 3
    for url in urls:
        with psycopg.connect(url) as conn:
            name = conn.execute("SELECT current_database()").fetchone()
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN"
                " ('pg_catalog', 'information_schema')"
            ).fetchone()
        assert name is not None
        assert name[0].startswith("cluster_test_")
        assert tables == (0,)


@pytest.mark.parametrize(
    "prefix", ["", "Upper", "1starts_with_digit", "has-dash", "has space", "x" * 41, "é", None, 3]
)
def test_a_prefix_that_is_not_a_plain_name_is_refused(
    postgres_cluster: PostgresCluster, prefix: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        postgres_cluster.create_database(prefix)  # type: ignore[arg-type]
    assert refused.value.violations[0].field == "prefix"


def test_a_cluster_that_is_not_there_says_createdb_failed(
    postgres_cluster: PostgresCluster,
) -> None:
    gone = attrs.evolve(postgres_cluster, port=postgres_cluster.port + 1)
    with pytest.raises(PostgresUnavailableError, match="createdb failed"):
        gone.create_database("nowhere")
