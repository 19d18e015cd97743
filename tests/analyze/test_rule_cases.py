"""Every rule has a passing and a failing case as data files: tests/analyze/cases/<rule>/{pass,fail}.sql,
and more named cases beside them (``fail-<what>.sql``, ``pass-<what>.sql``) for behaviours of their own.

All cases load into one database, each into its own PostgreSQL schema, and each rule runs scoped to
that schema. ``-- expect: N`` in a file is the number of findings the rule must report there;
``-- thresholds: name=value ...`` overrides thresholds; ``-- then: SQL`` lines run (autocommit, ``{s}``
standing for the case's schema) after every case is loaded and analysed, for what a script cannot do
inside psql's run (VACUUM, resetting a table's statistics); ``-- evidence: name=value ...`` requires one
finding carrying all those evidence values, ``-- attrs: name=value ...`` one with those attrs, and
``-- note: text`` a report note containing the text, ``-- sql: text`` a finding whose fix SQL contains the text,
``-- options: deep=1`` runs with ``--deep``; ``<kind>.workload.sql`` holds statements run 20
times each before analysis (those cases need pg_stat_statements and skip without it).
"""

from __future__ import annotations

import re

import pytest

from tests.analyze.conftest import HERE

CASES = HERE / "cases"
RULE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())
REPEAT = 20


def _kinds(d) -> list[str]:
    """fail, pass, then the named cases of a rule directory."""
    named = sorted(p.stem for p in d.glob("*.sql") if not p.name.endswith(".workload.sql"))
    return [k for k in ("fail", "pass") if k in named] + [k for k in named if k not in ("fail", "pass")]


CASE_IDS = [(d.name, kind) for d in RULE_DIRS for kind in _kinds(d)]


def _schema_name(rule: str, kind: str) -> str:
    return f"{rule.replace('-', '_')}__{kind.replace('-', '_')}"


def _pairs(text: str, header: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(rf"^-- {header}: (.*)$", text, re.MULTILINE):
        for item in m.group(1).split():
            k, v = item.split("=", 1)
            out[k] = v
    return out


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
        for rule, kind in CASE_IDS:
            s = _schema_name(rule, kind)
            parts += [
                f"CREATE SCHEMA {s};",
                f"SET search_path = {s}, public;",
                (CASES / rule / f"{kind}.sql").read_text(),
                "RESET search_path;",
            ]
        run_sql_text(conninfo, "\n".join(parts), pg_server.bin("psql"), label="rule cases")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("ANALYZE")
            for rule, kind in CASE_IDS:
                text = (CASES / rule / f"{kind}.sql").read_text()
                for stmt in re.findall(r"^-- then: (.*)$", text, re.MULTILINE):
                    conn.execute(stmt.replace("{s}", _schema_name(rule, kind)))
                # A concurrent build that fails on duplicates leaves its index behind, INVALID.
                for stmt in re.findall(r"^-- then, failing: (.*)$", text, re.MULTILINE):
                    with pytest.raises(psycopg.errors.UniqueViolation):
                        conn.execute(stmt.replace("{s}", _schema_name(rule, kind)))
            if has_pss:
                for d in RULE_DIRS:
                    for kind in _kinds(d):
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


@pytest.mark.parametrize("rule,kind", CASE_IDS, ids=[f"{r}-{k}" for r, k in CASE_IDS])
def test_rule_case(rule, kind, cases_session):
    from aishell.analyze import AnalyzeOptions, analyze_schema

    session, model, has_pss = cases_session
    text = (CASES / rule / f"{kind}.sql").read_text()
    expect, thresholds = _header(text)
    workload = (CASES / rule / f"{kind}.workload.sql").exists()
    if workload and not has_pss:
        pytest.skip("pg_stat_statements is not preloaded on this server (system PostgreSQL 15)")
    opts = AnalyzeOptions(
        rules=[rule],
        schemas=[_schema_name(rule, kind)],
        with_query_patterns=workload,
        thresholds=thresholds,
        deep="deep" in _pairs(text, "options"),
    )
    report = analyze_schema(model, opts, session=session, source_kind="url")
    assert report.skipped == [], report.skipped
    found = [f for f in report.findings if f.rule == rule]
    assert len(found) == expect, [f.to_dict() for f in found]
    for f in found:
        assert f.severity in ("critical", "warning", "optimization")
        assert f.message and (f.table is None or "." in f.table)
        assert all(e.kind in ("exact", "estimated") for e in f.evidence)
    want = _pairs(text, "evidence")
    if want:
        assert any(all(str(f.value(k)) == v for k, v in want.items()) for f in found), [
            f.to_dict() for f in found
        ]
    attrs = _pairs(text, "attrs")
    if attrs:
        assert any(all(str(f.attrs.get(k)) == v for k, v in attrs.items()) for f in found), [
            f.to_dict() for f in found
        ]
    for note in re.findall(r"^-- note: (.*)$", text, re.MULTILINE):
        assert any(note in n for n in report.notes), report.notes
    for part in re.findall(r"^-- sql: (.*)$", text, re.MULTILINE):
        assert any(part in sql for f in found if f.fix for sql in f.fix.sql), [f.fix for f in found]


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
