"""A large realistic schema of our own (tests/fixtures/large_schema.py: a text search configuration
with unaccent mappings, ~150 tables, link tables, partitions, inheritance, ~40 views with UNIONs of
NULL::integer columns) round-trips exactly on PostgreSQL 15 and 18, and ``schema diff`` from an empty
database to it produces a plan that its own verification accepts."""

from __future__ import annotations

from tests.fixtures.large_schema import large_schema_sql
from tests.postgres.test_roundtrip import round_trip

SQL = large_schema_sql(12)


def test_large_schema_round_trip(any_server):
    round_trip(any_server, SQL, "large_schema.py")


def test_diff_from_empty_is_verified(pg_server):
    """On the server the suite runs against (the embedded 18, or 15 in CI's second pass), where the
    verification's scratch databases are made too."""
    from aishell.migrate.compare import compare, verify
    from aishell.sources import run_sql_text

    with pg_server.temporary_database(prefix="aishell_test_large_") as source, \
            pg_server.temporary_database(prefix="aishell_test_large_") as empty:
        run_sql_text(source, SQL, pg_server.bin("psql"), label="large schema")
        comp = compare(source, empty)
        assert len(comp.desired.tables) > 150 and len(comp.desired.views) >= 38
        result = verify(comp)
        assert result.ok, result.describe()[:10]
