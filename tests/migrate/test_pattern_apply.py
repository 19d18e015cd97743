"""`schema pattern apply NAME` (issue 12, item 5): merged into the current design, not replacing it;
with --database, the migration to the merged design."""

from __future__ import annotations

import json

from aishell.dialects.postgres.connect import connect
from tests.conftest import run_cli


def test_pattern_merges_into_the_design_and_migrates_a_database(tmp_path, scratch_db):
    from aishell.model import dumps
    from aishell.model.schema import Column, Schema, Table

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
        columns=[Column("id", "bigint", nullable=False, identity="always"), Column("body", "text")],
        primary_key=["id"],
    )
    (tmp_path / "aishell").mkdir()
    design = tmp_path / "aishell" / "design.json"
    design.write_text(dumps(Schema(tables=[users, notes])))
    r = run_cli("schema", "pattern", "apply", "saas-multi-tenant", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert "users" in out["merge"]["extended"] and "organizations" in out["merge"]["added_tables"]
    saved = json.loads(design.read_text())
    names = [t["name"] for t in saved["tables"]]
    assert names.count("users") == 1 and "notes" in names and "organizations" in names
    assert "saas-multi-tenant" in saved["requirements"]["patterns"]
    assert saved["validation"]["loaded"] is True
    # Onto a database holding the old design with rows: the migration, verified on a copy.
    with connect(scratch_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);"
            "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);"
            "INSERT INTO users (email) VALUES ('a@x.org'), ('b@x.org');"
        )
    r = run_cli("schema", "pattern", "apply", "e-commerce", "--database", scratch_db, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["verified"] is True and plan["merge"]["added_tables"]
    sqls = [s["sql"] for s in plan["statements"]]
    assert any(s.startswith("CREATE TABLE public.organizations") for s in sqls)
    assert not any("DROP TABLE public.notes" in s for s in sqls)  # the design's own table stays
    # users gets organization_id: added nullable first, NOT NULL only after a fill (there are rows)
    add = next(s for s in plan["statements"] if "ADD COLUMN organization_id" in s["sql"])
    assert "NOT NULL" not in add["sql"] and any("--fill" in h["message"] for h in add["hazards"])
    # --replace keeps the old behaviour: the pattern alone
    r = run_cli(
        "schema", "pattern", "apply", "social-network", "--replace", "--no-validate", "--brief", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert "notes" not in [t["name"] for t in json.loads(design.read_text())["tables"]]
