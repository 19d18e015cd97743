"""Fix SQL is quoted correctly and runs as written: applying the safe fixes clears the findings
(migra's habit: apply the result, analyse again, expect nothing left)."""

from __future__ import annotations

from tests.analyze.conftest import FIXTURES, load_sql

RULES = ["missing-fk-index", "duplicate-index", "data-quality", "missing-primary-key"]


def test_fix_sql_runs_and_clears_findings(pg_server):
    from aishell.analyze import AnalyzeOptions, analyze
    from aishell.sources import run_sql_text

    with pg_server.temporary_database(prefix="aishell_test_fixsql_") as conninfo:
        load_sql(pg_server, conninfo, FIXTURES / "quoting.sql")
        opts = AnalyzeOptions(rules=RULES, schemas=["Sales"])
        before = analyze(conninfo, opts)
        got = {(f.rule, f.table, tuple(f.columns)) for f in before.findings}
        assert ("missing-fk-index", "Sales.Order Items", ("Customer Id",)) in got
        assert ("duplicate-index", "Sales.Order Items", ("order",)) in got
        assert ("data-quality", "Sales.Order Items", ("Total",)) in got  # never negative: add the CHECK
        assert ("missing-primary-key", "Sales.Tag Links", ("Customer Id", "Tag")) not in got  # not a junction
        fk = next(f for f in before.findings if f.rule == "missing-fk-index")
        assert fk.fix.sql == [
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_order_items_customer_id "
            'ON "Sales"."Order Items" ("Customer Id");'
        ]
        sql = [s for f in before.findings if f.fix and f.fix.safe for s in f.fix.sql]
        run_sql_text(conninfo, "\n".join(sql), pg_server.bin("psql"), label="fixes")
        after = analyze(conninfo, opts)
        left = [f.to_dict() for f in after.findings if f.rule != "missing-primary-key"]
        assert left == []
