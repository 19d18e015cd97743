"""--with-query-patterns: pg_stat_statements parsed with pglast, proposals checked with EXPLAIN.

The embedded sandbox preloads pg_stat_statements; the system PostgreSQL 15 of the second CI run does
not, so the workload tests skip there (the "not available" message is tested on both).
"""

from __future__ import annotations

import pytest

from tests.analyze.conftest import FIXTURES, by_rule, load_sql


def _preloaded(conninfo: str) -> bool:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        return "pg_stat_statements" in conn.execute("SHOW shared_preload_libraries").fetchone()[0]


@pytest.fixture(scope="module")
def workload_db(pg_server):
    import psycopg

    from tests.analyze.fixtures.workload import WORKLOAD

    with pg_server.temporary_database(prefix="aishell_test_workload_") as conninfo:
        if not _preloaded(conninfo):
            pytest.skip(
                "pg_stat_statements is not in shared_preload_libraries on this server "
                "(the system PostgreSQL 15); workload tests need it"
            )
        load_sql(pg_server, conninfo, FIXTURES / "planted.sql")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            for sql, params, times in WORKLOAD:
                for i in range(times):
                    conn.execute(sql, params(i))
        yield conninfo


@pytest.fixture(scope="module")
def workload_report(workload_db):
    from aishell.analyze import AnalyzeOptions, analyze

    opts = AnalyzeOptions(
        with_query_patterns=True,
        thresholds={"matview_min_calls": 10, "matview_min_mean_ms": 0.0, "partition_min_rows": 10_000},
    )
    return analyze(workload_db, opts)


def test_workload_summary_attributes_calls(workload_report):
    wl = workload_report.workload
    assert wl["available"] is True and wl["kind"] == "exact"
    stmts = {s["query"]: s for s in wl["top_statements"]}
    assert stmts["SELECT id, total FROM orders WHERE user_id = $1"]["calls"] == 40
    assert stmts["SELECT id, total FROM orders WHERE user_id = $1"]["tables"] == ["public.orders"]
    join = "SELECT u.name, p.bio FROM users u JOIN user_profiles p ON p.user_id = u.id WHERE u.id = $1"
    assert stmts[join]["calls"] == 15 and stmts[join]["tables"] == ["public.user_profiles", "public.users"]
    cols = {(c["table"], c["column"]): c for c in wl["columns"]}
    assert cols[("public.order_items", "quantity")]["used_for"] == ["eq"]
    assert cols[("public.products", "name")]["used_for"] == ["ilike"]
    assert cols[("public.orders", "created_at")]["used_for"] == ["range", "sort"]
    tables = {t["table"]: t for t in wl["tables"]}
    # orders: at least the 40 lookups, 12 aggregates and 10 range reads (plus the fixture's own INSERT)
    assert tables["public.orders"]["calls"] >= 62
    assert tables["public.user_profiles"]["calls"] >= 15
    assert all(t["calls_per_hour"] > 0 for t in wl["tables"])


def test_missing_fk_index_gains_workload_evidence(workload_report):
    f = next(f for f in by_rule(workload_report, "missing-fk-index") if f.table == "public.orders")
    assert f.severity == "critical"
    assert f.value("workload_calls") == 52  # 40 lookups + 12 joins on orders.user_id
    assert f.value("calls_per_hour") > 0
    assert f.impact.startswith("Queries affected: ")
    # checked with EXPLAIN on the lookup statement: the index makes it cheaper
    assert 0 < f.value("plan_cost_after") < f.value("plan_cost_before")


def test_workload_index_proposals(workload_report):
    found = {
        (f.table, tuple(f.attrs["index_columns"]), f.attrs["kind"]): f
        for f in by_rule(workload_report, "workload-missing-index")
    }
    assert set(found) == {
        ("public.order_items", ("quantity", "unit_price"), "covering"),
        ("public.orders", ("created_at",), "covering"),  # the weekly range read
        ("public.users", ("(lower(email))",), "expression"),
    }
    f = found[("public.order_items", ("quantity", "unit_price"), "covering")]
    assert f.value("calls") == 30 and f.attrs["include"] == ["id"]
    assert f.value("plan_cost_before") > 0 and f.value("plan_cost_after") < f.value("plan_cost_before")
    assert f.fix.sql == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_order_items_quantity_unit_price "
        "ON public.order_items (quantity, unit_price) INCLUDE (id);"
    ]
    e = found[("public.users", ("(lower(email))",), "expression")]
    assert e.fix.sql == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_lower_email ON public.users ((lower(email)));"
    ]
    # orders.user_id is the missing FK index: reported there, not twice
    assert not any(t == "public.orders" and cols == ("user_id",) for t, cols, _ in found)


def test_full_text_search_materialized_view_partitioning_over_normalization(workload_report):
    fts = by_rule(workload_report, "full-text-search-opportunity")
    assert [(f.table, f.columns) for f in fts] == [("public.products", ["name"])]
    assert any("gin_trgm_ops" in s for s in fts[0].fix.sql)
    mv = by_rule(workload_report, "materialized-view-opportunity")
    assert [f.attrs["tables"] for f in mv] == [["public.orders", "public.users"]]
    assert mv[0].value("calls") == 12
    part = [f for f in by_rule(workload_report, "partitioning-opportunity") if f.table == "public.orders"]
    assert part and part[0].columns == ["created_at"] and part[0].attrs["workload_filtered"] is True
    on = by_rule(workload_report, "over-normalization")
    assert [(f.table, f.attrs["parent"], f.value("join_share")) for f in on] == [
        ("public.user_profiles", "public.users", 100.0)
    ]


def test_missing_pg_stat_statements_says_how_to_enable(planted_db):
    from aishell.analyze import AnalyzeOptions, analyze

    rep = analyze(planted_db, AnalyzeOptions(rules=["workload-missing-index"], with_query_patterns=True))
    assert rep.workload["available"] is False
    assert "shared_preload_libraries" in rep.workload["reason"]
    assert rep.skipped[0]["rule"] == "workload-missing-index"
    assert "CREATE EXTENSION pg_stat_statements" in rep.skipped[0]["reason"]


def test_deep_checks_proposals_on_a_scratch_copy(workload_db):
    """Without hypopg, --deep re-creates the tables with a sample on the scratch server and EXPLAINs
    the statement there with the proposed index; the analysed database is only read."""
    from aishell.analyze import AnalyzeOptions, analyze
    from tests.analyze.test_safety import _snapshot

    before = _snapshot(workload_db)
    rep = analyze(
        workload_db,
        AnalyzeOptions(
            with_query_patterns=True,
            deep=True,
            rules=["workload-missing-index", "full-text-search-opportunity"],
        ),
    )
    assert _snapshot(workload_db) == before  # the copy and its indexes live on the scratch server only
    if "hypopg" in (rep.workload.get("index_check") or ""):
        pytest.skip("hypopg is installed here: proposals are checked hypothetically instead")
    assert rep.workload["index_check"] == "scratch"
    f = next(
        f for f in rep.findings if f.rule == "workload-missing-index" and f.table == "public.order_items"
    )
    assert f.value("planner_uses_index") == 1
    assert f.value("plan_cost_after") < f.value("plan_cost_before")
    assert "scratch copy" in next(e.source for e in f.evidence if e.name == "plan_cost_after")
    fts = next(f for f in rep.findings if f.rule == "full-text-search-opportunity")
    assert fts.value("planner_uses_index") == 1  # the trigram GIN index, on the copy
