"""Issue 13 item 8: the workload from a server log or a file of queries, where pg_stat_statements is
missing. The logs were captured from a real PostgreSQL 18 running tests/analyze/fixtures/workload.py
on the planted shop (tests/analyze/fixtures/querylogs/capture.py): once with
log_min_duration_statement = 0, once with auto_explain."""

from __future__ import annotations

import json

import pytest

from tests.analyze.conftest import FIXTURES, by_rule
from tests.conftest import run_cli

LOGS = FIXTURES / "querylogs"
LOOKUP = "SELECT id, total FROM orders WHERE user_id = $1"


@pytest.fixture(scope="module")
def csv_report(planted_db):
    from aishell.analyze import AnalyzeOptions, analyze

    return analyze(planted_db, AnalyzeOptions(query_log=str(LOGS / "postgresql.csv")))


def _statements(report) -> dict[str, dict]:
    return {s["query"]: s for s in report.workload["top_statements"]}


def test_csvlog_gives_the_workload_and_its_index_proposals(csv_report):
    wl = csv_report.workload
    assert wl["available"] and wl["source"].endswith("postgresql.csv")
    st = _statements(csv_report)
    # 40 lookups logged with their durations, 40 more as auto_explain plans: 80 calls, one shape
    assert st[LOOKUP]["calls"] == 80 and st[LOOKUP]["tables"] == ["public.orders"]
    assert st["SELECT id FROM order_items WHERE quantity = $1 AND unit_price > $2"]["calls"] == 60
    assert wl["hours"] > 0 and all(t["calls_per_hour"] > 0 for t in wl["tables"])
    # the log is from database "shop": used as this database's workload, and said so
    assert any("from shop, not" in n for n in csv_report.notes)
    fk = next(f for f in by_rule(csv_report, "missing-fk-index") if f.table == "public.orders")
    assert fk.severity == "critical" and fk.value("workload_calls") == 80 + 24
    got = {(f.table, tuple(f.attrs["index_columns"])) for f in by_rule(csv_report, "workload-missing-index")}
    assert ("public.order_items", ("quantity", "unit_price")) in got
    assert ("public.users", ("(lower(email))",)) in got
    f = next(f for f in by_rule(csv_report, "workload-missing-index") if f.table == "public.order_items")
    assert "postgresql.csv" in next(e.source for e in f.evidence if e.name == "calls")


def test_jsonlog_and_auto_explain_log(planted_db):
    from aishell.analyze import AnalyzeOptions, analyze

    rep = analyze(planted_db, AnalyzeOptions(rules=["workload-missing-index"],
                                             query_log=str(LOGS / "postgresql.json")))
    assert _statements(rep)[LOOKUP]["calls"] == 80
    rep = analyze(planted_db, AnalyzeOptions(rules=["workload-missing-index"],
                                             query_log=str(LOGS / "auto_explain.log")))
    st = _statements(rep)
    assert st[LOOKUP]["calls"] == 40 and st[LOOKUP]["total_ms"] > 0  # the plans' durations
    assert {f.table for f in by_rule(rep, "workload-missing-index")} >= {"public.order_items"}


def test_queries_file_weighs_statements_and_has_no_rates(planted_db, tmp_path):
    queries = tmp_path / "queries.sql"
    queries.write_text(
        "-- calls: 500\nSELECT id FROM order_items WHERE quantity = 3 AND unit_price > 5;\n"
        "SELECT id, email FROM users WHERE lower(email) = lower('a@b.c');\n"
    )
    r = run_cli("schema", "analyze", planted_db, "--queries", str(queries), "--rule", "workload-missing-index",
                "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    st = {s["query"]: s for s in data["workload"]["top_statements"]}
    assert st["SELECT id FROM order_items WHERE quantity = $1 AND unit_price > $2"]["calls"] == 500
    assert data["workload"]["hours"] == 0
    found = {f["table"]: f for f in data["findings"]}
    assert set(found) == {"public.order_items", "public.users"}  # every statement counts, even once
    assert not any(e["name"] == "calls_per_hour" for f in data["findings"] for e in f["evidence"])
    r = run_cli("schema", "analyze", planted_db, "--queries", str(tmp_path / "missing.sql"))
    assert r.returncode == 1 and "--queries" in r.stderr and r.stderr.count("\n") == 1


def test_without_pg_stat_statements_the_report_says_how_to_get_a_workload(planted_db):
    from aishell.analyze import AnalyzeOptions, analyze

    rep = analyze(planted_db, AnalyzeOptions(rules=["workload-missing-index"], with_query_patterns=True))
    reason = rep.skipped[0]["reason"]
    assert "CREATE EXTENSION pg_stat_statements" in reason
    assert "--query-log FILE" in reason and "--queries FILE" in reason
