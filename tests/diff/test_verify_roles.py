"""Verification of a plan on the scratch server creates the roles SOURCE and TARGET name but the
scratch server lacks (as NOLOGIN roles), and drops them afterwards."""

from __future__ import annotations

import psycopg

from aishell.migrate.compare import compare, verify
from aishell.sources import run_sql_text

ROLE = "aishell_test_pg15_only_auditor"

TARGET = """
CREATE TABLE ledger (id integer PRIMARY KEY, owner text NOT NULL);
ALTER TABLE ledger ENABLE ROW LEVEL SECURITY;
"""
SOURCE = TARGET + f"""
CREATE POLICY ledger_audit ON ledger FOR SELECT TO {ROLE} USING (true);
GRANT SELECT ON ledger TO {ROLE};
"""


def _role_exists(conninfo: str) -> bool:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone() is not None


def test_policy_roles_missing_on_the_scratch_server(pg15_server, sandbox):
    with psycopg.connect(pg15_server.conninfo(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone():
            conn.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    assert not _role_exists(sandbox.conninfo())
    psql = pg15_server.bin("psql")
    with pg15_server.temporary_database(prefix="aishell_test_vr_") as target, \
            pg15_server.temporary_database(prefix="aishell_test_vr_") as source:
        run_sql_text(target, TARGET, psql)
        run_sql_text(source, SOURCE, psql)
        comp = compare(source, target)
        assert any(c.kind == "policy" for c in comp.changes.changes)
        result = verify(comp)
        assert result.ok, result.describe()
    assert not _role_exists(sandbox.conninfo()), "the role made for the check is dropped after it"
