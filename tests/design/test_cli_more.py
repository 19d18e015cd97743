"""Patterns, scale advice, files, bad input and the saved design as a SOURCE for other commands."""

from __future__ import annotations

import json

from aishell.model import loads
from tests.conftest import run_cli


def test_pattern_list_show_apply(tmp_path, pg_server):
    r = run_cli("schema", "pattern", "list", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    names = [p["name"] for p in json.loads(r.stdout)]
    assert names[:6] == [
        "e-commerce",
        "social-network",
        "saas-multi-tenant",
        "analytics",
        "event-sourcing",
        "time-series",
    ]
    r = run_cli("schema", "pattern", "show", "event-sourcing", "--json", cwd=tmp_path)
    shown = json.loads(r.stdout)
    assert {"events", "snapshots"} <= {t["name"] for t in shown["tables"]} and "aggregate_summaries" in shown[
        "views"
    ]
    r = run_cli("schema", "pattern", "apply", "saas-multi-tenant", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["validation"]["loaded"] is True
    rls = [t for t in doc["tables"] if t.get("rls_enabled")]
    assert len(rls) >= 5 and all(t.get("policies") for t in rls)
    assert loads((tmp_path / "aishell" / "design.json").read_text()).table("organizations") is not None


def test_unknown_pattern_is_one_line_error(tmp_path):
    for args in (("schema", "pattern", "show", "nope"), ("schema", "design", "--pattern", "nope", "x")):
        r = run_cli(*args, cwd=tmp_path)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and "unknown pattern" in r.stderr


def test_pattern_composes_with_text_and_scale_advice(tmp_path, pg_server):
    r = run_cli(
        "schema",
        "design",
        "--pattern",
        "e-commerce",
        "--json",
        "--no-save",
        "Gift cards for users. Support 1M users, 100K products and 10K orders per day.",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    tables = {t["name"]: t for t in doc["tables"]}
    assert "gift_cards" in tables and "orders" in tables
    orders = tables["orders"]
    assert orders["partition_by"] == "RANGE (created_at)" and "created_at" in orders["primary_key"]
    parts = [t for t in doc["tables"] if t.get("partition_of") == "public.orders"]
    assert any(p["partition_bound"] == "DEFAULT" for p in parts) and len(parts) >= 2
    items_fk = [fk for fk in tables["order_items"]["foreign_keys"] if fk["ref_table"] == "orders"][0]
    assert items_fk["ref_columns"] == ["id", "created_at"]  # composite key to the partitioned parent
    recs = " ".join(r["title"] + r.get("numbers", "") for r in doc["recommendations"])
    assert "Partition orders" in recs and "10K orders per day" in recs and "read replica" in recs
    assert any(v.get("materialized") and v["indexes"][0]["unique"] for v in doc["views"])
    est = doc["requirements"]["estimates"]
    assert est["tables"] == len([t for t in doc["tables"] if not t.get("partition_of")])
    assert est["estimated_total_bytes"] and "estimated" in est["method"]


def test_requirements_file_and_stdin(tmp_path, pg_server):
    (tmp_path / "req.txt").write_text("Vets treat pets. Owners have many pets. Pets have visits.\n")
    r = run_cli("schema", "design", "--file", "req.txt", "--brief", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "pets" in r.stdout
    r = run_cli(
        "schema", "requirements", "--file", "-", "--json", cwd=tmp_path, input="Teams have many players."
    )
    assert json.loads(r.stdout)["entities"][0]["name"] in ("team", "player")
    r = run_cli("schema", "design", "--file", "missing.txt", cwd=tmp_path)
    assert r.returncode == 1 and "no such file" in r.stderr
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01binary")
    r = run_cli("schema", "design", "--file", "bin.txt", cwd=tmp_path)
    assert r.returncode == 1 and "binary" in r.stderr and "Traceback" not in r.stderr


def test_text_without_entities_is_one_line_error(tmp_path):
    r = run_cli("schema", "design", "--no-validate", "1234 ??? !!", cwd=tmp_path)
    assert r.returncode == 1 and "no entities found" in r.stderr and r.stderr.count("\n") == 1


def test_saved_design_feeds_generate_and_validate(tmp_path, pg_server):
    r = run_cli(
        "schema",
        "design",
        "--brief",
        "Customers place orders; each order has several items; items reference products. Soft delete.",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    r = run_cli("schema", "generate", "sql", "--sample-data", "3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "CREATE TABLE public.orders" in r.stdout and "INSERT INTO public.orders" in r.stdout
    r = run_cli("schema", "validate", cwd=tmp_path)
    assert r.returncode == 0, r.stderr + r.stdout
