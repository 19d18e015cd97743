"""Every rule has a passing and a failing case as data files: tests/analyze/cases/<rule>/{pass,fail}.sql.

All cases load into one database, each into its own PostgreSQL schema, and each rule runs scoped to
that schema. ``-- expect: N`` in a file is the number of findings the rule must report there;
``-- thresholds: name=value ...`` overrides thresholds; ``<kind>.workload.sql`` holds statements run
20 times each before analysis (those cases need pg_stat_statements and skip without it).
"""

from __future__ import annotations

import re

import pytest

from tests.analyze.conftest import HERE

CASES = HERE / "cases"
RULE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())
REPEAT = 20


def _schema_name(rule: str, kind: str) -> str:
    return f"{rule.replace('-', '_')}__{kind}"


def _header(text: str) -> tuple[int, dict[str, float]]:
    expect = int(re.search(r"^-- expect: (\d+)$", text, re.M).group(1))
    thresholds = {}
    m = re.search(r"^-- thresholds: (.*)$", text, re.M)
    if m:
        for item in m.group(1).split():
            k, v = item.split("=")
            thresholds[k] = float(v)
    return expect, thresholds


@pytest.fixture(scope="module")
def cases_db(pg_server):
    import psycopg

    from aishell.sources import run_sql_text

    with pg_server.temporary_database(prefix="aishell_test_cases_") as conninfo:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            preload = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
        has_pss = "pg_stat_statements" in preload
        parts = ["CREATE EXTENSION IF NOT EXISTS pgstattuple;", "CREATE EXTENSION IF NOT EXISTS pg_trgm;"]
        if has_pss:
            parts.append("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;")
        for d in RULE_DIRS:
            for kind in ("fail", "pass"):
                s = _schema_name(d.name, kind)
                parts += [
                    f"CREATE SCHEMA {s};",
                    f"SET search_path = {s}, public;",
                    (d / f"{kind}.sql").read_text(),
                    "RESET search_path;",
                ]
        run_sql_text(conninfo, "\n".join(parts), pg_server.bin("psql"), label="rule cases")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("ANALYZE")
            if has_pss:
                for d in RULE_DIRS:
                    for kind in ("fail", "pass"):
                        wf = d / f"{kind}.workload.sql"
                        if wf.exists():
                            for stmt in wf.read_text().strip().splitlines():
                                for _ in range(REPEAT):
                                    conn.execute(stmt.replace("{s}", _schema_name(d.name, kind)))
        yield conninfo, has_pss


@pytest.fixture(scope="module")
def cases_session(cases_db):
    from aishell.analyze.probes.session import ProbeSession
    from aishell.dialects.postgres.inspect import inspect_connection

    conninfo, has_pss = cases_db
    session = ProbeSession(conninfo)
    model = inspect_connection(session.conn, include_stats=False)
    session.conn.isolation_level = None
    session.conn.read_only = True
    yield session, model, has_pss
    session.close()


@pytest.mark.parametrize("kind", ["fail", "pass"])
@pytest.mark.parametrize("rule", [d.name for d in RULE_DIRS])
def test_rule_case(rule, kind, cases_session):
    from aishell.analyze import AnalyzeOptions, analyze_schema

    session, model, has_pss = cases_session
    text = (CASES / rule / f"{kind}.sql").read_text()
    expect, thresholds = _header(text)
    workload = (CASES / rule / f"{kind}.workload.sql").exists()
    if workload and not has_pss:
        pytest.skip("pg_stat_statements is not preloaded on this server (system PostgreSQL 15)")
    opts = AnalyzeOptions(
        rules=[rule], schemas=[_schema_name(rule, kind)], with_query_patterns=workload, thresholds=thresholds
    )
    report = analyze_schema(model, opts, session=session, source_kind="url")
    assert report.skipped == [], report.skipped
    found = [f for f in report.findings if f.rule == rule]
    assert len(found) == expect, [f.to_dict() for f in found]
    for f in found:
        assert f.severity in ("critical", "warning", "optimization")
        assert f.message and (f.table is None or "." in f.table)
        assert all(e.kind in ("exact", "estimated") for e in f.evidence)


def test_every_rule_has_cases():
    from aishell.analyze.registry import all_rules

    assert sorted(all_rules()) == [d.name for d in RULE_DIRS]
    for d in RULE_DIRS:
        assert (d / "fail.sql").exists() and (d / "pass.sql").exists(), d.name


def test_partitioned_parents_get_the_sum_of_their_partitions(cases_session):
    from aishell.analyze.probes.stats import read_stats

    session, _, _ = cases_session
    st = read_stats(session)
    parent = st.tables["partitioning_opportunity__pass.readings"]
    assert parent["relkind"] == "p" and parent["partitions"] == 1
    assert st.rows("partitioning_opportunity__pass.readings") == 2000
    assert (
        parent["total_bytes"] == st.tables["partitioning_opportunity__pass.readings_2024"]["total_bytes"] > 0
    )
