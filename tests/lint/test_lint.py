"""`schema migration analyze` / `fix` (issue 12, item 2): the rules on hand-written cases, the rewrite
applied to a real database with rows, and the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aishell.dialects.postgres.connect import connect
from tests.conftest import run_cli

CASES = sorted((Path(__file__).parent / "cases").glob("*.sql"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_rule_cases(case):
    from aishell.lint import lint_text

    text = case.read_text()
    want = {x.strip() for x in re.match(r"-- expect:(.*)", text).group(1).split(",") if x.strip()}
    got = {v.rule for v in lint_text(text, str(case)).violations}
    assert got == want


def test_ignore_comments_in_squawk_or_our_spelling():
    from aishell.lint import lint_text

    sql = (
        "SET lock_timeout = '5s'; SET statement_timeout = '60s';\n"
        "-- squawk-ignore ban-drop-column\nALTER TABLE t DROP COLUMN IF EXISTS a;\n"
        "-- aishell-ignore drop-column\nALTER TABLE t DROP COLUMN IF EXISTS b;\n"
        "ALTER TABLE t DROP COLUMN IF EXISTS c;\n"
    )
    found = [v for v in lint_text(sql).violations if v.rule == "drop-column"]
    assert [v.line for v in found] == [6]


def test_every_default_squawk_rule_has_ours():
    """The rules squawk enables by default (as squawk 2.70 reports them on tests/lint/cases) map to ours."""
    from aishell.lint.rules import by_squawk_name

    defaults = {
        "adding-field-with-default",
        "adding-foreign-key-constraint",
        "adding-not-nullable-field",
        "adding-required-field",
        "adding-serial-primary-key-field",
        "ban-alter-domain-with-add-constraint",
        "ban-char-field",
        "ban-concurrent-index-creation-in-transaction",
        "ban-create-domain-with-constraint",
        "ban-drop-column",
        "ban-drop-constraint",
        "ban-drop-database",
        "ban-drop-default",
        "ban-drop-not-null",
        "ban-drop-table",
        "ban-truncate-cascade",
        "ban-uncommitted-transaction",
        "changing-column-type",
        "constraint-missing-not-valid",
        "disallowed-unique-constraint",
        "identifier-too-long",
        "prefer-bigint-over-int",
        "prefer-bigint-over-smallint",
        "prefer-identity",
        "prefer-robust-stmts",
        "prefer-text-field",
        "prefer-timestamp-tz",
        "renaming-column",
        "renaming-table",
        "require-concurrent-index-creation",
        "require-concurrent-index-deletion",
        "require-concurrent-partition-detach",
        "require-concurrent-reindex",
        "require-enum-value-ordering",
        "require-lock-timeout",
        "require-statement-timeout",
        "transaction-nesting",
        "ban-drop-view",
        "ban-set-schema",
        "ban-alter-identity",
        "syntax-error",
    }
    from aishell.lint import RULES  # noqa: F401 - registers syntax-error

    assert defaults - set(by_squawk_name()) == set()


SHOP = """
CREATE TABLE companies (id bigint PRIMARY KEY);
INSERT INTO companies VALUES (1), (2), (3);
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text, name text,
                    company_id bigint REFERENCES companies (id));
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                     user_id bigint NOT NULL REFERENCES users (id), total numeric NOT NULL);
INSERT INTO users (email, name, company_id) SELECT 'u' || g || '@x.org', 'n' || g, 1 + g % 3
  FROM generate_series(1, 200) g;
INSERT INTO orders (user_id, total) SELECT 1 + g % 200, g FROM generate_series(1, 30000) g;
"""

MIGRATION = """-- hand-written, unsafe
BEGIN;
ALTER TABLE orders ADD COLUMN company_id bigint NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_company_id_fkey FOREIGN KEY (company_id) REFERENCES companies (id);
CREATE INDEX orders_user_id_idx ON orders (user_id);
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
COMMIT;
"""


def test_fix_rewrites_and_the_result_runs_on_rows(tmp_path, scratch_db):
    with connect(scratch_db, autocommit=True) as conn:
        conn.execute(SHOP)
    f = tmp_path / "m.sql"
    f.write_text(MIGRATION)
    r = run_cli("schema", "migration", "analyze", str(f), "--database", scratch_db, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    rules = {v["rule"]: v for v in data["files"][0]["violations"]}
    assert {
        "required-column",
        "foreign-key-not-valid",
        "index-not-concurrent",
        "unique-constraint",
        "not-null-scan",
        "lock-timeout",
    } <= set(rules)
    assert (
        rules["index-not-concurrent"]["rows"] == 30000
        and rules["index-not-concurrent"]["rows_kind"] == "exact"
    )
    # The diff is shown; nothing is written without --write.
    r = run_cli("schema", "migration", "fix", str(f), "--auto", "--database", scratch_db)
    assert r.returncode == 0, r.stderr
    assert "+CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx" in r.stdout
    assert f.read_text() == MIGRATION
    r = run_cli("schema", "migration", "fix", str(f), "--auto", "--write", "--database", scratch_db)
    assert r.returncode == 0, r.stderr
    fixed = f.read_text()
    assert "NOT VALID" in fixed and "USING INDEX users_email_key" in fixed and "COMMIT;" in fixed
    r = run_cli("schema", "migration", "analyze", str(f), "--json")
    left = {v["rule"] for v in json.loads(r.stdout)["files"][0]["violations"]}
    assert not left & {
        "required-column",
        "foreign-key-not-valid",
        "index-not-concurrent",
        "unique-constraint",
        "not-null-scan",
        "lock-timeout",
        "statement-timeout",
        "concurrently-in-transaction",
    }
    # The rewritten file runs as psql runs it (statement by statement, autocommit), on the rows.
    from aishell.migrate.versions import split_statements

    with connect(scratch_db, autocommit=True) as conn:
        for stmt in split_statements(fixed):
            conn.execute(stmt)
        assert conn.execute("SELECT count(*) FROM orders WHERE company_id IS NULL").fetchone()[0] == 0
        wrong = conn.execute(
            "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id "
            "WHERE o.company_id <> u.company_id"
        ).fetchone()[0]
        assert wrong == 0
        nn = conn.execute(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass "
            "AND attname = 'company_id'"
        ).fetchone()[0]
        assert nn is True
        valid = conn.execute(
            "SELECT bool_and(convalidated) FROM pg_constraint WHERE conrelid IN "
            "('orders'::regclass, 'users'::regclass)"
        ).fetchone()[0]
        assert valid is True


def test_cli_versions_list_rules_and_errors(tmp_path):
    r = run_cli("schema", "migration", "analyze", "--list-rules", "--json")
    ids = {x["id"] for x in json.loads(r.stdout)}
    assert {"required-column", "index-not-concurrent", "syntax-error"} <= ids
    r = run_cli("schema", "migration", "analyze", cwd=tmp_path)
    assert r.returncode == 1 and "no migrations folder" in r.stderr
    bad = tmp_path / "bad.sql"
    bad.write_text("ALTER TABLE;")
    r = run_cli("schema", "migration", "analyze", str(bad), "--fail-on", "error")
    assert r.returncode == 2 and "syntax-error" in r.stdout
    r = run_cli("schema", "migration", "analyze", "9.9.9", cwd=tmp_path)
    assert r.returncode == 1
