"""`aishell schema migrate` end to end: preview, apply, refusal of unsafe plans, failure account."""

from __future__ import annotations

import json

from aishell.dialects.postgres.connect import connect
from tests.conftest import ROOT, run_cli

A = """CREATE TABLE users (id int PRIMARY KEY, email text, nickname text);
CREATE VIEW v_users AS SELECT id, email FROM users;
INSERT INTO users VALUES (1, NULL, 'x');
"""
B = """CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text, created_at timestamptz DEFAULT now());
CREATE INDEX users_email_idx ON users (email);
CREATE VIEW v_users AS SELECT id, email FROM users;
"""


def _load(conninfo: str, sql: str) -> None:
    with connect(conninfo, autocommit=True) as conn:
        conn.execute(sql)


def test_preview_then_apply(tmp_path, scratch_db):
    _load(scratch_db, A)
    b = tmp_path / "b.sql"
    b.write_text(B)
    r = run_cli("schema", "migrate", str(b), scratch_db, "--preview")
    assert r.returncode == 0, r.stderr
    assert "verified" in r.stdout and "CREATE INDEX CONCURRENTLY" in r.stdout and "DROP VIEW" in r.stdout
    # TARGET named by an environment of aishell.toml, as in the tutorial.
    (tmp_path / "aishell.toml").write_text(f'[environments]\nproduction = "{scratch_db}"\n')
    r = run_cli("schema", "migrate", str(b), "production", "--apply", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["applied"] is True
    assert run_cli("schema", "diff", str(b), scratch_db).returncode == 0
    with connect(scratch_db) as conn:  # the data survived the type change and the view came back
        assert conn.execute("SELECT id, nickname FROM v_users JOIN users USING (id)").fetchall() == [(1, "x")]


def test_unsafe_refused_and_failure_accounted(tmp_path, scratch_db):
    _load(scratch_db, A)
    c = tmp_path / "c.sql"
    c.write_text("CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);\n"
                 "CREATE INDEX users_id_email ON users (id, email);\n")
    r = run_cli("schema", "migrate", str(c), scratch_db, "--apply")
    assert r.returncode == 3
    # The refusal says what would be lost, counted on TARGET.
    assert "DROP COLUMN nickname" in r.stderr and "1 non-null value(s) in public.users.nickname" in r.stderr
    # With --unsafe the pre-checks stop it before anything runs: email holds a NULL.
    r = run_cli("schema", "migrate", str(c), scratch_db, "--apply", "--unsafe", "--no-verify")
    assert r.returncode == 1
    assert "1 row(s) with NULL in public.users.email" in r.stderr and "nothing was changed" in r.stderr
    with connect(scratch_db) as conn:  # nothing ran: the column is still there, with its value
        assert conn.execute("SELECT nickname FROM users").fetchall() == [("x",)]


def test_apply_needs_a_database(tmp_path):
    a, b = tmp_path / "a.sql", tmp_path / "b.sql"
    a.write_text("CREATE TABLE t (id int);")
    b.write_text("CREATE TABLE t (id int, x int);")
    r = run_cli("schema", "migrate", str(b), str(a), "--apply")
    assert r.returncode == 1 and "not a database" in r.stderr


def test_verification_across_major_versions(pg15_server, sandbox):
    """SOURCE and TARGET on PostgreSQL 15, the throwaway copy on the embedded 18: the plan is still
    checked fairly (18 prints view bodies its own way)."""
    case = ROOT / "tests" / "fixtures" / "diff" / "ecommerce_evolution"
    with pg15_server.temporary_database(prefix="aishell_test_") as a, \
            pg15_server.temporary_database(prefix="aishell_test_") as b:
        _load(a, (case / "a.sql").read_text())
        _load(b, (case / "b.sql").read_text())
        r = run_cli("schema", "migrate", b, a, "--apply", "--unsafe", env={"AISHELL_SCRATCH_URL": ""})
        assert r.returncode == 0, r.stderr
        assert run_cli("schema", "diff", b, a).returncode == 0
