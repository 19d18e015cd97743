"""The refactors besides multi-tenant (issue 12, item 1): each planned on a live database with rows,
proved on a copy (up lands on the planned schema and keeps every row; down restores schema and rows),
a few applied for real; natural language reaches the same plan as the name; a design is refactored
and saved only with --apply."""

from __future__ import annotations

import json

import pytest

from aishell.dialects.postgres.connect import connect
from tests.conftest import run_cli

SHOP = """
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE,
  name text NOT NULL, bio text, avatar_url text, preferences jsonb,
  status varchar(20) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'closed')));
CREATE INDEX customers_status_idx ON customers (status);
CREATE TABLE customer_profiles (customer_id bigint PRIMARY KEY REFERENCES customers (id), twitter text, website text);
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id), state text NOT NULL, total numeric NOT NULL);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint REFERENCES customers (id),
  kind text NOT NULL, occurred_at timestamptz NOT NULL);
CREATE INDEX events_customer_idx ON events (customer_id, occurred_at);
INSERT INTO customers (email, name, bio, status) SELECT 'c' || g || '@x.org', 'C ' || g,
  CASE WHEN g % 3 = 0 THEN 'bio ' || g END, (ARRAY['active', 'blocked', 'closed'])[1 + g % 3]
  FROM generate_series(1, 500) g;
INSERT INTO customer_profiles SELECT id, 'tw' || id, NULL FROM customers WHERE id % 2 = 0;
INSERT INTO orders (customer_id, state, total) SELECT 1 + g % 500, (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + g % 4], g
  FROM generate_series(1, 3000) g;
INSERT INTO events (customer_id, kind, occurred_at) SELECT 1 + g % 500, 'click',
  timestamptz '2025-01-01' + g * interval '37 minutes' FROM generate_series(1, 5000) g;
ANALYZE;
"""


@pytest.fixture(scope="module")
def shop(pg_server):
    with pg_server.temporary_database(prefix="aishell_test_rf_") as db:
        with connect(db, autocommit=True) as conn:
            conn.execute(SHOP)
        yield db


CASES = [
    (["soft-delete", "customers"], {}),
    (["audit-trail", "orders", "customers"], {}),
    (["extract-lookup", "orders.state"], {}),
    (["extract-lookup", "orders.state"], {"as": "enum"}),
    (["split-table", "customers"], {"columns": ["bio", "avatar_url", "preferences"]}),
    (["merge-tables", "customers", "customer_profiles"], {}),
    (["partition", "events"], {"by": "occurred_at", "interval": "month"}),
    (["rename", "orders", "purchases"], {}),
]


@pytest.mark.parametrize(
    ("words", "extra"), CASES, ids=[" ".join(w) + str(e.get("as", "")) for w, e in CASES]
)
def test_each_refactor_is_proved_on_a_copy_with_rows(shop, words, extra):
    from aishell.refactor import RefactorOptions, plan_refactor, verify

    opts = RefactorOptions(database=shop)
    report = plan_refactor(words, opts, extra)
    v = verify(report, opts)
    assert v.get("with_data") and v["rows_checked"] > 8000, v
    assert v["ok"], v


def test_natural_language_reaches_the_named_refactor():
    from aishell.refactor import match

    said = {
        "Add soft delete to customers": "soft-delete",
        "Keep an audit trail of every change to orders": "audit-trail",
        "Extract the order state into a lookup table": "extract-lookup",
        "The customers table is too wide: move bio into a separate table": "split-table",
        "Merge customer_profiles back into customers": "merge-tables",
        "Partition events by month": "partition",
        "Rename orders to purchases, keep a compatibility view": "rename",
        "Optimize for multi-tenancy. Each company should have isolated data.": "multi-tenant",
    }
    for text, name in said.items():
        assert match(text).name == name, text
    from aishell.errors import UserError

    with pytest.raises(UserError, match="no refactor matches"):
        match("make it faster")


def test_apply_soft_delete_and_partition_keep_rows(shop, tmp_path):
    with connect(shop) as conn:
        before = conn.execute("SELECT count(*), sum(id), min(occurred_at) FROM events").fetchone()
    r = run_cli(
        "schema",
        "refactor",
        "Partition events by month",
        "--database",
        shop,
        "--apply",
        "--json",
        "--backup-dir",
        str(tmp_path),
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["refactor"] == "partition" and out["verification"]["ok"]
    assert out["applied"]["rows_lost"] == []
    with connect(shop, autocommit=True) as conn:
        assert conn.execute("SELECT count(*), sum(id), min(occurred_at) FROM events").fetchone() == before
        assert (
            conn.execute("SELECT relkind FROM pg_class WHERE oid = 'events'::regclass").fetchone()[0] == "p"
        )
        assert (
            conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass").fetchone()[
                0
            ]
            > 12
        )
        new_id = conn.execute(
            "INSERT INTO events (kind, occurred_at) VALUES ('x', now()) RETURNING id"
        ).fetchone()[0]
        assert new_id > before[0]  # the identity goes on where the old one was
    r = run_cli(
        "schema", "refactor", "soft-delete", "customers", "--database", shop, "--apply", "--no-verify"
    )
    assert r.returncode == 0, r.stderr
    with connect(shop, autocommit=True) as conn:
        conn.execute("UPDATE customers SET deleted_at = now() WHERE id = 1")
        assert conn.execute("SELECT count(*) FROM active_customers").fetchone()[0] == 499
        # a deleted customer's email can be used again (unique among live rows only)
        conn.execute("INSERT INTO customers (email, name) VALUES ('c1@x.org', 'again')")


def test_design_is_refactored_and_saved_only_with_apply(tmp_path):
    from aishell.model import dumps
    from aishell.model.schema import Column, ForeignKey, Schema, Table

    users = Table(
        "users",
        columns=[
            Column("id", "bigint", nullable=False, identity="always"),
            Column("email", "text", nullable=False),
        ],
        primary_key=["id"],
    )
    notes = Table(
        "notes",
        columns=[
            Column("id", "bigint", nullable=False, identity="always"),
            Column("user_id", "bigint", nullable=False),
            Column("body", "text"),
        ],
        primary_key=["id"],
        foreign_keys=[ForeignKey("notes_user_id_fkey", ["user_id"], "users", ["id"])],
    )
    (tmp_path / "aishell").mkdir()
    design = tmp_path / "aishell" / "design.json"
    design.write_text(dumps(Schema(tables=[users, notes])))
    text = "Optimize for multi-tenancy. Each company should have isolated data."
    r = run_cli("schema", "refactor", text, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["params"]["tenant_table"] == "companies" and plan["params"]["tenant_created"] is True
    assert plan["verification"]["ok"] and plan["assumptions"]
    assert "companies" not in design.read_text()
    r = run_cli("schema", "refactor", text, "--apply", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    saved = json.loads(design.read_text())
    names = {t["name"] for t in saved["tables"]}
    assert "companies" in names
    assert any(
        c["name"] == "company_id" for t in saved["tables"] if t["name"] == "notes" for c in t["columns"]
    )
    r = run_cli("schema", "refactor", "--list", "--json")
    assert {x["name"] for x in json.loads(r.stdout)} >= {"multi-tenant", "partition", "rename", "soft-delete"}


def test_effort_is_computed_from_table_sizes_without_a_full_copy(shop):
    """Above --copy-limit the copy holds no rows: the effort is computed from table sizes and throughput
    measured on a calibration table, and says so."""
    from aishell.refactor import RefactorOptions, estimate, plan_refactor, verify

    opts = RefactorOptions(database=shop, copy_limit_mb=0)
    report = plan_refactor(["extract-lookup", "orders.state"], opts)
    report.verification = verify(report, opts)
    assert report.verification["ok"] and not report.verification["with_data"]
    estimate(report, opts)
    est = report.estimate
    assert est["kind"] == "computed" and "calibration" in est["how"] and est["rates"]["write"] > 0
    fill = next(s for s in report.steps if any("fill orders.state_id" in w for w in s["what"]))
    assert fill["seconds_computed"] > 0 and fill["seconds_measured"] is None
    assert any(lk["mode"] == "ROW EXCLUSIVE" and lk["table"] == "public.orders" for lk in fill["locks"])


def test_multi_tenant_apply_is_refused_while_rows_have_no_tenant(scratch_db):
    """A table no foreign key ties to a tenant: the pre-check counts its rows and --apply refuses (exit 3)
    until --default-tenant (or --global) says what to do; then it applies."""
    with connect(scratch_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE organizations (id bigint PRIMARY KEY, name text NOT NULL);"
            "INSERT INTO organizations VALUES (1, 'a'), (2, 'b');"
            "CREATE TABLE users (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations (id));"
            "INSERT INTO users SELECT g, 1 + g % 2 FROM generate_series(1, 20) g;"
            "CREATE TABLE notes (id bigint PRIMARY KEY, body text);"
            "INSERT INTO notes SELECT g, 'n' FROM generate_series(1, 5) g;"
        )
    r = run_cli("schema", "refactor", "multi-tenant", "--database", scratch_db, "--apply", "--no-verify")
    assert (
        r.returncode == 3
        and "notes: rows no foreign key attributes" in r.stderr
        and "--default-tenant" in r.stderr
    )
    with connect(scratch_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_policy").fetchone()[0] == 0  # nothing applied
    r = run_cli(
        "schema",
        "refactor",
        "multi-tenant",
        "--database",
        scratch_db,
        "--default-tenant",
        "2",
        "--apply",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["params"]["tenant_column"] == "organization_id" and out["verification"]["ok"]
    with connect(scratch_db) as conn:
        assert conn.execute("SELECT count(*) FROM notes WHERE organization_id = 2").fetchone()[0] == 5
