"""Issue 13, done when: on a planted database of our own (duplicates, text-typed numbers, a duplicate
index pair with different usage, bloat after a statistics reset, a missing foreign key with orphans)
every planted problem is found with exact counts, and nothing else (tests/analyze/fixtures/planted13.sql)."""

from __future__ import annotations

import psycopg
import pytest

from tests.analyze.conftest import FIXTURES, by_rule, load_sql


@pytest.fixture(scope="module")
def report13(pg_server):
    from aishell.analyze import AnalyzeOptions, analyze

    with pg_server.temporary_database(prefix="aishell_test_planted13_") as conninfo:
        load_sql(pg_server, conninfo, FIXTURES / "planted13.sql")
        with psycopg.connect(conninfo, autocommit=True) as c:
            c.execute("VACUUM events")
            c.execute("VACUUM audit_log")
            c.execute("ANALYZE")
            c.execute("SELECT pg_stat_reset_single_table_counters('events'::regclass)")
            assert c.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pgstattuple'").fetchone()[0] == 0
        yield analyze(conninfo, AnalyzeOptions())


def _one(report, rule, table, **attrs):
    found = [f for f in by_rule(report, rule) if f.table == table and all(f.attrs.get(k) == v for k, v in attrs.items())]
    assert len(found) == 1, [f.to_dict() for f in by_rule(report, rule)]
    return found[0]


def test_every_planted_problem_with_its_exact_count(report13):
    dup = _one(report13, "duplicate-rows", "public.page_views")
    assert (dup.value("duplicate_groups"), dup.value("duplicate_rows")) == (167, 334)
    assert dup.attrs["cleanup"] == "aishell schema cleanup duplicates --table public.page_views"
    pk = _one(report13, "missing-primary-key", "public.page_views")
    assert pk.value("exact_duplicate_rows") == 334 and any("cleanup duplicates" in n for n in pk.fix.notes)

    price = _one(report13, "inefficient-type", "public.products", kind="typed-text")
    assert price.columns == ["price_text"] and price.attrs["to"] == "numeric(12,2)"
    assert (price.value("values"), price.value("convertible_values"), price.value("values_not_converting")) == (
        100, 97, 3)
    qty = _one(report13, "inefficient-type", "public.order_lines", kind="typed-text")
    assert qty.attrs["to"] == "smallint" and qty.value("values_not_converting") == 0
    vip = _one(report13, "inefficient-type", "public.customers", kind="typed-text")
    assert vip.attrs["to"] == "boolean" and vip.value("convertible_values") == 200

    di = _one(report13, "duplicate-index", "public.order_lines")
    assert di.object == "order_lines_order_copy" and di.attrs["duplicate_of"] == "order_lines_order_used"
    assert di.value("index_scans") == 0

    bloat = _one(report13, "table-bloat", "public.events")
    assert bloat.value("dead_tuples_counter") == 0  # the reset hides it from the counter ...
    assert 45 <= bloat.value("wasted_percent") <= 55  # ... not from the pages (exactly half were freed)
    assert {e.kind for e in bloat.evidence if e.name.startswith("wasted")} == {"estimated"}

    ix = _one(report13, "index-bloat", "public.audit_log")
    assert ix.object == "audit_log_pkey" and 65 <= ix.value("wasted_percent") <= 75  # 70% of the entries gone
    assert _one(report13, "table-bloat", "public.audit_log").value("wasted_percent") >= 65

    fk = _one(report13, "missing-foreign-key", "public.orders")
    assert fk.severity == "critical" and fk.columns == ["customer_id"]
    assert (fk.value("values"), fk.value("matching_rows"), fk.value("orphan_rows")) == (2000, 1993, 7)


def test_nothing_false(report13):
    got = sorted((f.rule, f.table, f.object or ",".join(f.columns)) for f in report13.findings)
    assert got == sorted([
        ("duplicate-index", "public.order_lines", "order_lines_order_copy"),
        ("index-bloat", "public.audit_log", "audit_log_pkey"),
        ("table-bloat", "public.audit_log", ""),
        ("duplicate-rows", "public.page_views", ""),
        ("inefficient-type", "public.customers", "vip_flag"),
        ("inefficient-type", "public.order_lines", "quantity_txt"),
        ("inefficient-type", "public.products", "price_text"),
        ("missing-foreign-key", "public.orders", "customer_id"),
        ("missing-primary-key", "public.page_views", ""),
        ("table-bloat", "public.events", ""),
    ]), [f.message for f in report13.findings]
    assert all(s["reason"].startswith("workload rule") for s in report13.skipped)
    assert report13.scores["score"] < 75
