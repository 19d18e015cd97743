"""Migrating a design onto a database that has rows (issue 12, item 6): NOT NULL columns added without
a default are added nullable, filled (through a foreign key, or a value given with --fill), proved by a
validated CHECK and only then set NOT NULL; the verification compares comments and policies."""

from __future__ import annotations

import json

from aishell.dialects.postgres.connect import connect
from tests.conftest import run_cli

CURRENT = """
CREATE TABLE companies (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL,
                    company_id bigint NOT NULL REFERENCES companies (id));
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                     user_id bigint NOT NULL REFERENCES users (id), total numeric NOT NULL);
CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
INSERT INTO companies (name) VALUES ('a'), ('b');
INSERT INTO users (email, company_id) SELECT 'u' || g || '@x.org', 1 + g % 2 FROM generate_series(1, 30) g;
INSERT INTO orders (user_id, total) SELECT 1 + g % 30, g FROM generate_series(1, 25000) g;
INSERT INTO notes (body) SELECT 'n' || g FROM generate_series(1, 5) g;
"""

DESIRED = """
CREATE TABLE companies (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL,
                    company_id bigint NOT NULL REFERENCES companies (id));
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                     user_id bigint NOT NULL REFERENCES users (id), total numeric NOT NULL,
                     company_id bigint NOT NULL REFERENCES companies (id),
                     status text NOT NULL DEFAULT 'new');
CREATE INDEX orders_company_id_idx ON orders (company_id);
COMMENT ON COLUMN orders.company_id IS 'The company this order belongs to';
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_tenant ON orders USING (company_id = 1);
COMMENT ON POLICY orders_tenant ON orders IS 'one company only';
CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL,
                    author text NOT NULL);
"""


def test_design_onto_rows_fills_then_sets_not_null(tmp_path, scratch_db):
    with connect(scratch_db, autocommit=True) as conn:
        conn.execute(CURRENT)
    desired = tmp_path / "desired.sql"
    desired.write_text(DESIRED)
    # The preview is verified (comments and policies compared) and says how each column is filled.
    r = run_cli("schema", "migrate", str(desired), scratch_db, "--preview", "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["verified"] is True
    sqls = [s["sql"] for s in plan["statements"]]
    fill = next(s for s in sqls if "SET company_id = p.company_id" in s)
    assert "FROM public.users AS p" in fill and "COMMIT;" in fill  # batched, through orders.user_id
    assert not any("ADD COLUMN company_id bigint NOT NULL" in s for s in sqls)
    author = next(s for s in plan["statements"] if "ADD COLUMN author" in s["sql"])
    assert any("--fill notes.author=VALUE" in h["message"] for h in author["hazards"])
    assert any(s.startswith("ALTER TABLE public.orders ADD COLUMN status text DEFAULT 'new'") for s in sqls)
    # Without a value for notes.author the pre-check counts the rows and the apply stops before any change.
    r = run_cli("schema", "migrate", str(desired), scratch_db, "--apply", "--no-verify")
    assert r.returncode == 1 and "--fill notes.author=VALUE" in r.stderr and "nothing was changed" in r.stderr
    with connect(scratch_db) as conn:
        assert conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE (table_name, column_name) IN "
            "(('notes', 'author'), ('orders', 'company_id'))"
        ).fetchone()[0] == 0
    with connect(scratch_db, autocommit=True) as conn:  # start again from the original database
        conn.execute("DROP TABLE notes, orders, users, companies CASCADE")
        conn.execute(CURRENT)
    r = run_cli("schema", "migrate", str(desired), scratch_db, "--apply", "--fill", "notes.author=unknown")
    assert r.returncode == 0, r.stdout + r.stderr
    assert run_cli("schema", "diff", str(desired), scratch_db).returncode == 0
    with connect(scratch_db) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 25000
        wrong = conn.execute(
            "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id "
            "WHERE o.company_id IS DISTINCT FROM u.company_id"
        ).fetchone()[0]
        assert wrong == 0
        assert conn.execute("SELECT count(*) FROM notes WHERE author = 'unknown'").fetchone()[0] == 5


def test_fill_refers_to_a_real_column(tmp_path, scratch_db):
    with connect(scratch_db, autocommit=True) as conn:
        conn.execute(CURRENT)
    desired = tmp_path / "desired.sql"
    desired.write_text(DESIRED)
    r = run_cli("schema", "migrate", str(desired), scratch_db, "--preview", "--fill", "notes.nope=1")
    assert r.returncode == 1 and "no column notes.nope" in r.stderr
    r = run_cli("schema", "migrate", str(desired), scratch_db, "--preview", "--fill", "garbage")
    assert r.returncode == 1 and "TABLE.COLUMN=VALUE" in r.stderr
