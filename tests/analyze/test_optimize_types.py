"""``aishell schema optimize-types``: suggestions with bytes saved per row × rows."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def test_optimize_types_json(planted_db):
    r = run_cli("schema", "optimize-types", planted_db, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    got = {(s["table"], s["column"]): s for s in data["suggestions"]}
    age = got[("public.users", "age")]
    assert (age["from"], age["to"], age["bytes_per_row"], age["rows"]) == ("integer", "smallint", 2, 2000)
    assert age["bytes_total"] == 4000 and age["kind"] == "estimated"
    flag = got[("public.users", "is_active")]
    assert (flag["to"], flag["bytes_per_row"], flag["bytes_total"]) == ("boolean", 1, 2000)
    assert got[("public.orders", "status")]["kind_of_change"] == "low-cardinality"
    assert data["total_bytes"] == sum(s["bytes_total"] or 0 for s in data["suggestions"])


def test_optimize_types_terminal(planted_db):
    r = run_cli("schema", "optimize-types", planted_db)
    assert r.returncode == 0, r.stderr
    assert "users.age: integer → smallint (saves 2 bytes/row × 2,000 rows" in r.stdout
    assert "users.is_active: character(1) → boolean" in r.stdout
