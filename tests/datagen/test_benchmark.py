"""schema benchmark: a 2-second pgbench run over a derived workload, a user's query file, and no data."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.datagen.test_datagen import SHOP, _fill, _load_sql


def test_benchmark_derived_workload_reports_tps(pg_server, scratch_db, tmp_path):
    _load_sql(pg_server, scratch_db, SHOP)
    r = run_cli("schema", "benchmark", "--database", scratch_db, "--json")
    assert r.returncode == 1 and "no rows" in r.stderr and "schema test" in r.stderr
    assert r.stderr.count("\n") == 1
    _plans, report = _fill(scratch_db, 3000, seed=3)
    orders = report.counts["public.orders"]
    r = run_cli("schema", "benchmark", "--database", scratch_db, "--duration", "2", "--clients", "2",
                "--seed", "1", "--json", timeout=120)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["tps"] > 0 and data["transactions"] > 0
    kinds = {q["kind"] for q in data["queries"]}
    assert {"primary-key lookups", "parent-to-children joins", "recent-rows range scans"} <= kinds
    assert any(k.startswith("inserts") for k in kinds)
    for q in data["queries"]:
        assert q["count"] > 0 and q["failed"] == 0, q
        assert 0 < q["p50_ms"] <= q["p95_ms"] <= q["p99_ms"]
    # The inserts were rolled back: the data is as it was.
    from tests.datagen.test_datagen import _fetch

    assert _fetch(scratch_db, "SELECT count(*) FROM orders")[0][0] == orders

    queries = tmp_path / "workload.sql"
    queries.write_text("SELECT count(*) FROM orders WHERE status = 'paid';\n"
                       "SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.id LIMIT 10;\n")
    r = run_cli("schema", "benchmark", "--database", scratch_db, "--duration", "1", "--clients", "1",
                "--queries", str(queries), "--json", timeout=120)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [q["name"] for q in data["queries"]] == ["q1", "q2"] and data["tps"] > 0

    bad = tmp_path / "bad.sql"
    bad.write_text("SELECT no_such_column FROM orders;\n")
    r = run_cli("schema", "benchmark", "--database", scratch_db, "--duration", "1", "--queries", str(bad))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "q1 fails" in r.stderr
