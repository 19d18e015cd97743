"""`aishell schema version`: init with a baseline, create, list, status, apply, checksums, rollback."""

from __future__ import annotations

import json

from aishell.dialects.postgres.connect import connect
from tests.conftest import run_cli

V1 = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n"
V2 = V1 + ("CREATE TABLE user_preferences (user_id bigint PRIMARY KEY REFERENCES users(id), theme text);\n"
           "CREATE INDEX users_email_idx ON users (email);\n")


def test_version_workflow(tmp_path, scratch_db):
    with connect(scratch_db, autocommit=True) as conn:
        conn.execute(V1)
    cwd = tmp_path
    (cwd / "v2.sql").write_text(V2)
    db = ["--database", scratch_db]
    r = run_cli("schema", "version", "init", *db, cwd=cwd)
    assert r.returncode == 0, r.stderr
    assert "Baseline: version 1.0.0" in r.stdout
    r = run_cli("schema", "version", "create", "Add user preferences", "--from", "v2.sql", cwd=cwd)
    assert r.returncode == 0, r.stderr
    up = cwd / "migrations" / "V1.1.0__add_user_preferences.up.sql"
    down = cwd / "migrations" / "V1.1.0__add_user_preferences.down.sql"
    assert up.exists() and down.exists()
    # The database may also come from aishell.toml.
    (cwd / "aishell.toml").write_text(f'[migrations]\ndatabase = "{scratch_db}"\n')
    r = run_cli("schema", "version", "list", "--json", cwd=cwd)
    rows = json.loads(r.stdout)
    assert [(x["version"], x["state"]) for x in rows] == [("1.0.0", "applied"), ("1.1.0", "pending")]
    assert rows[1]["delta_tables"] == 1 and rows[1]["delta_indexes"] == 2
    r = run_cli("schema", "version", "apply", *db, cwd=cwd)
    assert r.returncode == 0, r.stderr
    assert run_cli("schema", "diff", "v2.sql", scratch_db, cwd=cwd).returncode == 0
    r = run_cli("schema", "version", "list", *db, cwd=cwd)
    assert "v1.1.0" in r.stdout and "← Current" in r.stdout and "+1 table, +2 indexes" in r.stdout
    # Rolling back drops a table: refused without --unsafe, then done.
    r = run_cli("schema", "version", "rollback", "1.0.0", *db, cwd=cwd)
    assert r.returncode == 3
    r = run_cli("schema", "version", "rollback", "1.0.0", *db, "--unsafe", cwd=cwd)
    assert r.returncode == 0, r.stderr
    with connect(scratch_db) as conn:
        assert conn.execute("SELECT to_regclass('public.user_preferences')").fetchone()[0] is None
        assert [v for (v,) in conn.execute("SELECT version FROM aishell_schema_versions")] == ["1.0.0"]
    # An applied file edited afterwards is caught.
    base_up = next((cwd / "migrations").glob("V1.0.0__*.up.sql"))
    base_up.write_text(base_up.read_text() + "\n-- edited\n")
    r = run_cli("schema", "version", "status", *db, cwd=cwd)
    assert r.returncode == 1 and "modified" in r.stdout
    r = run_cli("schema", "version", "apply", *db, cwd=cwd)
    assert r.returncode == 1 and "edited after it was applied" in r.stderr


def test_create_without_changes_is_an_error(tmp_path):
    (tmp_path / "s.sql").write_text(V1)
    assert run_cli("schema", "version", "init", cwd=tmp_path).returncode == 0
    assert run_cli("schema", "version", "create", "first", "--from", "s.sql", cwd=tmp_path).returncode == 0
    r = run_cli("schema", "version", "create", "again", "--from", "s.sql", cwd=tmp_path)
    assert r.returncode == 1 and "no changes since version 1.0.0" in r.stderr


def test_list_shows_the_design_as_next_draft(tmp_path):
    (tmp_path / "s.sql").write_text(V1)
    assert run_cli("schema", "version", "init", cwd=tmp_path).returncode == 0
    assert run_cli("schema", "version", "create", "first", "--from", "s.sql", cwd=tmp_path).returncode == 0
    design = {"format_version": 1, "tables": [
        {"name": "users", "columns": [{"name": "id", "type": "BIGINT", "nullable": False},
                                      {"name": "email", "type": "TEXT", "nullable": False}], "primary_key": ["id"]},
        {"name": "tags", "columns": [{"name": "id", "type": "INTEGER", "nullable": False}], "primary_key": ["id"]}]}
    (tmp_path / "aishell").mkdir()
    (tmp_path / "aishell" / "design.json").write_text(json.dumps(design))
    r = run_cli("schema", "version", "list", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Next version (draft" in r.stdout and "+ tags" in r.stdout and "users" not in r.stdout.split("draft")[1]


def test_commit_records_the_design_as_the_next_version(tmp_path):
    """`version commit "message"` (the tutorial's spelling): the current design's changes become the
    next version; the migrations folder is created on first use."""
    from aishell.model import dumps
    from aishell.model.schema import Column, Schema, Table

    design = tmp_path / "aishell" / "design.json"
    design.parent.mkdir()
    users = Table("users", columns=[Column("id", "bigint", nullable=False), Column("email", "text")],
                  primary_key=["id"])
    design.write_text(dumps(Schema(tables=[users])))
    r = run_cli("schema", "version", "commit", "Initial design", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["version"] == "1.0.0"
    users.columns.append(Column("name", "text"))
    design.write_text(dumps(Schema(tables=[users])))
    r = run_cli("schema", "version", "commit", "Description of changes", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    up = tmp_path / "migrations" / "V1.1.0__description_of_changes.up.sql"
    assert "ADD COLUMN name text" in up.read_text()
    r = run_cli("schema", "version", "commit", "again", cwd=tmp_path)
    assert r.returncode == 1 and "no changes since version 1.1.0" in r.stderr
