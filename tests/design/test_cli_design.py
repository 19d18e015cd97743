"""End-to-end: the real CLI designs, validates on PostgreSQL, saves, and prints JSON that is a SOURCE."""

from __future__ import annotations

import json

from aishell.model import loads
from tests.conftest import run_cli

TUTORIAL = """
  I need a database for an e-commerce site with:
  - Users with profiles and multiple addresses
  - Products with categories and variants
  - Shopping carts and wishlist
  - Orders with multiple items
  - Payments and refunds
  - Product reviews and ratings
  - Inventory tracking
"""

EXPECTED_TUTORIAL_TABLES = {
    "users",
    "addresses",
    "categories",
    "products",
    "product_variants",
    "carts",
    "cart_items",
    "wishlists",
    "orders",
    "order_items",
    "payments",
    "refunds",
    "reviews",
    "inventory_movements",
}


def test_tutorial_text_designs_validates_and_saves(tmp_path, pg_server):
    r = run_cli("schema", "design", TUTORIAL, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Requirements Summary" in r.stdout and "Schema Features" in r.stdout
    assert "DDL loads on PostgreSQL" in r.stdout
    saved = tmp_path / "aishell" / "design.json"
    schema = loads(saved.read_text())
    names = {t.name for t in schema.tables}
    assert EXPECTED_TUTORIAL_TABLES <= names


def test_json_output_is_a_source(tmp_path, pg_server):
    r = run_cli(
        "schema",
        "design",
        "--json",
        "--no-save",
        "a blog where authors write posts; posts have comments",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {"requirements", "validation", "tables"} <= set(doc)
    assert doc["validation"]["loaded"] is True
    schema = loads(r.stdout)
    assert schema.table("posts") is not None and schema.table("comments") is not None
    assert not (tmp_path / "aishell").exists()
    (tmp_path / "d.json").write_text(r.stdout)
    r2 = run_cli("schema", "design", "--output", "out.json", "--no-save", "tasks with a title", cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert loads((tmp_path / "out.json").read_text()).table("tasks") is not None


def test_empty_text_is_one_line_error(tmp_path):
    r = run_cli("schema", "design", "   ", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.startswith("aishell: error: empty requirements") and r.stderr.count("\n") == 1


def test_no_text_no_terminal_is_one_line_error(tmp_path):
    r = run_cli("schema", "design", cwd=tmp_path, input="")
    assert r.returncode == 1
    assert "no terminal" in r.stderr and r.stderr.count("\n") == 1


def test_requirements_prints_only_the_summary(tmp_path):
    r = run_cli(
        "schema",
        "requirements",
        "Support 1M users. Handle 10K orders/day. Need search across products. "
        "Must support multiple currencies. Need audit trail.",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "Entities" in r.stdout and "Scale" in r.stdout and "1M user" in r.stdout
    assert "Generated Schema" not in r.stdout
    r = run_cli("schema", "requirements", "--json", "students enroll in courses", cwd=tmp_path)
    data = json.loads(r.stdout)
    assert any(rel["kind"] == "many_to_many" for rel in data["relationships"])
