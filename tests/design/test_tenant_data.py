"""A multi-tenant design (references composite with the tenant key) can be filled with test data: every
row's tenant-scoped references find a row of the same tenant."""

from __future__ import annotations

from tests.conftest import run_cli


def test_schema_test_fills_a_multi_tenant_design(tmp_path, pg_server):
    r = run_cli(
        "schema",
        "design",
        "--yes",
        "--no-validate",
        "--brief",
        "A multi-tenant helpdesk: companies have agents and customers; customers open tickets; "
        "agents are assigned tickets; keep an audit trail.",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    r = run_cli("schema", "test", "--data-size", "2K", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "0 violations" in r.stdout
