"""Issue 13 item 11: `fix --benchmark` credits the fix only with what its control set cannot explain."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.conftest import run_cli
from tests.fix.test_fix import _load


@dataclass
class _Q:
    name: str


def _round(tps: float, lat: dict[str, float]) -> dict:
    return {"tps": tps, "transactions": 100, "seconds": 1.0, "latency_ms": {"avg": 1.0, "p95": 2.0},
            "queries": [{"name": n, "kind": "k", "sql": n, "count": 50, "avg_ms": v, "p95_ms": v * 2}
                        for n, v in lat.items()]}


def test_drift_that_the_control_set_shows_is_not_credited_to_the_fix():
    """The issue's case: the changed join got 2.2-2.4× faster, but so did the untouched key lookups."""
    from aishell.fix.benchmark import Phase, compare

    names = ["join", "pk lookup a", "pk lookup b"]
    before = Phase([_round(100, {"join": 2.4, "pk lookup a": 1.0, "pk lookup b": 1.1}),
                    _round(95, {"join": 2.5, "pk lookup a": 1.05, "pk lookup b": 1.0})],
                   {"join": "Seq Scan", "pk lookup a": "Index Scan", "pk lookup b": "Index Scan"})
    after = Phase([_round(230, {"join": 1.05, "pk lookup a": 0.45, "pk lookup b": 0.5}),
                   _round(240, {"join": 1.1, "pk lookup a": 0.5, "pk lookup b": 0.46})],
                  {"join": "Index Scan", "pk lookup a": "Index Scan", "pk lookup b": "Index Scan"})
    cmp = compare(before, after, [_Q(n) for n in names])
    assert cmp["changed"]["queries"] == ["join"] and cmp["control"]["queries"] == ["pk lookup a", "pk lookup b"]
    assert cmp["tps"]["ratio"] > 2.3  # the naive figure
    assert 2.1 < cmp["control"]["speedup"] < 2.3  # what everything gained anyway
    lo, hi = cmp["gain"]["interval"]
    assert lo <= cmp["gain"]["ratio"] <= hi and lo < 1 < hi
    assert cmp["gain"]["verdict"] == "no gain beyond the noise"

    # the same, with the control set unchanged: the join's gain is the fix's
    steady = Phase([_round(100, {"join": 1.05, "pk lookup a": 1.0, "pk lookup b": 1.1}),
                    _round(102, {"join": 1.1, "pk lookup a": 1.05, "pk lookup b": 1.0})], after.plans)
    cmp = compare(before, steady, [_Q(n) for n in names])
    assert cmp["gain"]["interval"][0] > 1 and cmp["gain"]["verdict"] == "gain beyond the noise"


def test_fix_benchmark_reports_interval_and_control_set(pg_server, scratch_db, tmp_path):
    _load(pg_server, scratch_db)
    r = run_cli("schema", "fix", "--database", scratch_db, "--rule", "missing-fk-index", "--apply-all",
                "--backup-dir", str(tmp_path), "--benchmark", "2", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    b = json.loads(r.stdout)["benchmark"]
    cmp = b["comparison"]
    assert cmp["kind"] == "measured" and cmp["rounds"]["per_phase"] == 2
    assert len(b["before"]["tps_rounds"]) == 2 and len(b["after"]["tps_rounds"]) == 2
    names = {q["name"]: q for q in cmp["queries"]}
    # every query is in one set, by whether EXPLAIN shows the same plan before and after; the lookup by
    # primary key on order_items (an index scan both times) is a control query, and the new FK indexes
    # changed some join's plan
    assert {n for n, q in names.items() if q["plan_changed"]} == set(cmp["changed"]["queries"])
    assert {n for n, q in names.items() if not q["plan_changed"]} == set(cmp["control"]["queries"])
    assert "pk lookup order_items" in cmp["control"]["queries"]
    assert any(n.startswith("join") for n in cmp["changed"]["queries"]), cmp
    for part in ("tps", "changed", "control", "gain"):
        lo, hi = cmp[part]["interval"]
        assert lo <= hi
    g = cmp["gain"]
    assert g["verdict"] == ("gain beyond the noise" if g["interval"][0] > 1 else
                            "slower beyond the noise" if g["interval"][1] < 1 else "no gain beyond the noise")
    r = run_cli("schema", "fix", "--database", scratch_db, "--rule", "missing-fk-index", "--dry-run", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
