"""`aishell schema diff` end to end through the real CLI."""

from __future__ import annotations

import json

from tests.conftest import run_cli

A = "CREATE TABLE users (id serial PRIMARY KEY, email varchar(100));\n"
B = ("CREATE TABLE users (id serial PRIMARY KEY, email varchar(200) NOT NULL, name text);\n"
     "CREATE INDEX users_email_idx ON users (email);\n")


def test_diff_exit_codes_summary_sql_json(tmp_path, pg_server):
    a, b = tmp_path / "a.sql", tmp_path / "b.sql"
    a.write_text(A)
    b.write_text(B)
    same = run_cli("schema", "diff", str(a), str(a))
    assert same.returncode == 0, same.stderr
    r = run_cli("schema", "diff", str(b), str(a))
    assert r.returncode == 2, r.stderr
    assert "+ name text" in r.stdout and "users_email_idx" in r.stdout and "Data:" in r.stdout
    r = run_cli("schema", "diff", str(b), str(a), "--sql")
    assert r.returncode == 2, r.stderr
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx" in r.stdout and "verified" in r.stdout
    r = run_cli("schema", "diff", str(b), str(a), "--json")
    data = json.loads(r.stdout)
    assert data["differences"] >= 3 and data["data_impact"]["estimated"] is True


def test_destructive_sql_refused_without_unsafe(tmp_path, pg_server):
    a, b = tmp_path / "a.sql", tmp_path / "b.sql"
    a.write_text(A)
    b.write_text(B)
    r = run_cli("schema", "diff", str(a), str(b), "--sql")
    assert r.returncode == 3
    assert "DROP COLUMN name" in r.stderr and "--unsafe" in r.stderr
    r = run_cli("schema", "diff", str(a), str(b), "--sql", "--unsafe")
    assert r.returncode == 2 and "DROP COLUMN name" in r.stdout
