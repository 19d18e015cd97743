"""The analyze command line: both SOURCE forms, --json, skipped rules on files, --fail-on, --rule."""

from __future__ import annotations

import json

from tests.conftest import CORPUS, run_cli


def test_json_on_live_database_with_both_source_forms(planted_db):
    a = run_cli("schema", "analyze", planted_db, "--json", "--rule", "missing-fk-index")
    b = run_cli("schema", "analyze", "--database", planted_db, "--json", "--rule", "missing-fk-index")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    assert ja["findings"] == jb["findings"]
    f = next(x for x in ja["findings"] if x["table"] == "public.orders")
    assert set(f) >= {"rule", "severity", "table", "columns", "message", "evidence", "fix", "impact"}
    assert all(e["kind"] in ("exact", "estimated") for e in f["evidence"])
    assert f["fix"]["safe"] is True and f["fix"]["sql"][0].startswith("CREATE INDEX CONCURRENTLY")
    assert ja["format_version"] == 1
    assert 0 <= ja["health"]["score"] <= 100
    assert set(ja["health"]["categories"]) == {"performance", "maintainability", "scalability"}


def test_fail_on_exits_2(planted_db):
    r = run_cli(
        "schema", "analyze", planted_db, "--rule", "missing-fk-index", "--fail-on", "critical", "--json"
    )
    assert r.returncode == 2, r.stderr
    ok = run_cli(
        "schema", "analyze", planted_db, "--rule", "duplicate-index", "--fail-on", "critical", "--json"
    )
    assert ok.returncode == 0, ok.stderr


def test_sql_source_runs_structural_rules_and_lists_skipped(pg_server):
    """pagila as a .sql file: structure only, zero critical findings, the data rules listed as skipped.

    pagila-schema.sql uses uuidv7() (PostgreSQL 18); the corpus has a PostgreSQL 15 variant.
    """
    from aishell.dialects.postgres.server import scratch_server

    name = "pagila-schema.sql" if scratch_server().server_major() >= 18 else "pagila-schema-pg15.sql"
    r = run_cli("schema", "analyze", str(CORPUS / name), "--json", "--deep")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["live"] is False
    assert [f for f in data["findings"] if f["severity"] == "critical"] == []
    assert data["counts"]["warning"] <= 10
    skipped = {s["rule"]: s["reason"] for s in data["skipped"]}
    assert "unused-index" in skipped and "live database" in skipped["unused-index"]
    assert {"data-quality", "table-bloat"} <= set(skipped)
    assert data["normalization"]["level"] is None and data["normalization"]["kind"] == "structural"


def test_terminal_report_sections(planted_db):
    r = run_cli("schema", "analyze", planted_db)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for text in (
        "Schema Analysis",
        "Current Schema Health",
        "Critical Issues",
        "Schema Statistics",
        "Priority Action Plan",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id",
        "Rests on: the structure of 13 table(s); statistics covering",  # issue 13 item 12
        "Advice:",  # findings without SQL still say what to do
    ):
        assert text in out, text
    assert "move warehouse_city to a table keyed by warehouse_id" in " ".join(out.split())


def test_unknown_rule_is_a_user_error(planted_db):
    r = run_cli("schema", "analyze", planted_db, "--rule", "no-such-rule")
    assert r.returncode == 1 and "unknown rule" in r.stderr


def test_docs_list_every_rule_as_the_code_says():
    from pathlib import Path

    from aishell.analyze.docs import BEGIN, END, rules_markdown

    text = (Path(__file__).resolve().parents[2] / "docs" / "analyze.md").read_text()
    assert text[text.index(BEGIN) : text.index(END) + len(END)] == rules_markdown(), (
        "docs/analyze.md is stale: run python -m aishell.analyze.docs"
    )


def test_list_rules_json():
    r = run_cli("schema", "analyze", "--list-rules", "--json")
    assert r.returncode == 0, r.stderr
    ids = {x["id"] for x in json.loads(r.stdout)}
    assert {
        "missing-fk-index",
        "missing-primary-key",
        "duplicate-index",
        "redundant-index",
        "unused-index",
        "invalid-index",
        "denormalized-column",
        "data-quality",
        "inefficient-type",
        "table-bloat",
        "index-bloat",
        "workload-missing-index",
        "full-text-search-opportunity",
        "partitioning-opportunity",
        "materialized-view-opportunity",
        "normalization",
        "over-normalization",
        "sequence-overflow",
        "fk-type-mismatch",
        "nullable-fk",
        "no-comment",
    } <= ids


def test_json_model_source_runs_structural_rules(planted_db, tmp_path):
    from aishell.dialects.postgres.inspect import inspect
    from aishell.model import dumps

    path = tmp_path / "shop.json"
    path.write_text(dumps(inspect(planted_db)))
    r = run_cli("schema", "analyze", str(path), "--json", "--check-indexes")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["live"] is False
    fk = {(f["table"], f["severity"]) for f in data["findings"] if f["rule"] == "missing-fk-index"}
    # without data every missing FK index is a warning: row counts are unknown
    assert fk == {
        ("public.orders", "warning"),
        ("public.order_items", "warning"),
        ("public.product_tags", "warning"),
    }
    assert "unused-index" in {s["rule"] for s in data["skipped"]}


def test_thresholds_from_aishell_toml(planted_db, tmp_path):
    (tmp_path / "aishell.toml").write_text("[analyze.thresholds]\ncritical_fk_rows = 100000\n")
    r = run_cli("schema", "analyze", planted_db, "--json", "--rule", "missing-fk-index", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    sev = {f["table"]: f["severity"] for f in json.loads(r.stdout)["findings"]}
    assert sev["public.orders"] == "warning"  # 20,000 rows is below the configured 100,000
    (tmp_path / "aishell.toml").write_text("[analyze.thresholds]\nno_such_threshold = 1\n")
    bad = run_cli("schema", "analyze", planted_db, "--json", cwd=tmp_path)
    assert bad.returncode == 1 and "unknown threshold 'no_such_threshold'" in bad.stderr


def test_progress_bar_on_a_terminal_only(planted_db, tmp_path):
    """On a TTY the progress bar goes to stderr; the report on stdout is unchanged; piped, no bar."""
    import shutil
    import subprocess
    import sys

    import pytest

    if shutil.which("script") is None:
        pytest.skip("util-linux script(1) is needed to give the command a terminal")
    out = tmp_path / "report.txt"
    cmd = (
        f"{sys.executable} -m aishell.cli.main schema analyze '{planted_db}' --rule missing-fk-index > {out}"
    )
    tty = subprocess.run(
        ["script", "-qec", cmd, str(tmp_path / "typescript")], capture_output=True, text=True, timeout=120
    )
    assert tty.returncode == 0, tty.stdout + tty.stderr
    assert "Analyzing" in (tmp_path / "typescript").read_text(errors="replace")
    assert "Missing Foreign Key Indexes" in out.read_text()
    piped = run_cli("schema", "analyze", planted_db, "--rule", "missing-fk-index")
    assert "Analyzing" not in piped.stderr
