"""Safe by construction: read-only transactions, timeouts, sampling, a monitoring-only role, and a proof
that analysis wrote nothing."""

from __future__ import annotations

import json
import secrets

import pytest

from tests.conftest import run_cli


def _conninfo_as(conninfo: str, user: str) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(conninfo, user=user)


@pytest.fixture(scope="module")
def monitor_role(pg_server, planted_db):
    """A login role holding only pg_monitor and pg_read_all_data (created and dropped by the test)."""
    import psycopg

    name = f"aishell_monitor_{secrets.token_hex(4)}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        conn.execute(f'GRANT pg_monitor, pg_read_all_data TO "{name}"')
    try:
        yield _conninfo_as(planted_db, name)
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def _snapshot(conninfo: str) -> dict:
    """Everything a write would change: table contents, catalog objects, sequences, write counters."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables ORDER BY 1"
            )
        ]
        content = {
            t: conn.execute(
                f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {t} x"
            ).fetchone()[0]
            for t in tables
        }
        catalog = conn.execute(
            "SELECT md5(string_agg(format('%s %s %s %s', c.oid, c.relname, c.relkind, c.relnatts), ',' ORDER BY c.oid))"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        ).fetchone()[0]
        constraints = conn.execute(
            "SELECT count(*), md5(string_agg(oid::text, ',' ORDER BY oid)) FROM pg_constraint"
        ).fetchone()
        sequences = conn.execute(
            "SELECT string_agg(format('%s=%s', sequencename, last_value), ',' ORDER BY 1) FROM pg_sequences"
        ).fetchone()[0]
        conn.execute("SELECT pg_stat_clear_snapshot()")
        writes = conn.execute(
            "SELECT sum(n_tup_ins), sum(n_tup_upd), sum(n_tup_del) FROM pg_stat_user_tables"
        ).fetchone()
        extensions = sorted(r[0] for r in conn.execute("SELECT extname FROM pg_extension"))
    return {
        "content": content,
        "catalog": catalog,
        "constraints": constraints,
        "sequences": sequences,
        "writes": writes,
        "extensions": extensions,
    }


def test_analysis_writes_nothing(planted_db):
    before = _snapshot(planted_db)
    r = run_cli("schema", "analyze", planted_db, "--deep", "--with-query-patterns", "--json")
    assert r.returncode == 0, r.stderr
    r2 = run_cli("schema", "optimize-types", planted_db, "--json")
    assert r2.returncode == 0, r2.stderr
    after = _snapshot(planted_db)
    assert after == before


def test_probe_session_refuses_writes_and_times_out(planted_db):
    from aishell.analyze.probes.session import ProbeFailed, ProbeSession

    s = ProbeSession(planted_db, timeout_ms=200)
    try:
        with pytest.raises(ProbeFailed, match="read-only transaction"):
            s.query("CREATE TABLE aishell_should_not_exist (a int)")
        with pytest.raises(ProbeFailed, match="read-only transaction"):
            s.query("UPDATE orders SET total = 0 WHERE id = 1")
        with pytest.raises(ProbeFailed, match="timed out after 200 ms"):
            s.query("SELECT pg_sleep(2)")
        assert s.scalar("SHOW transaction_read_only") == "on"
        assert s.scalar("SELECT 1") == 1  # the session survives a failed probe
    finally:
        s.close()


def test_monitoring_role_gets_the_same_findings(planted_db, monitor_role):
    rules = [
        "missing-fk-index",
        "missing-primary-key",
        "data-quality",
        "denormalized-column",
        "table-bloat",
        "index-bloat",
        "sequence-overflow",
        "inefficient-type",
        "unused-index",
    ]
    args = [a for rule in rules for a in ("--rule", rule)]
    su = run_cli("schema", "analyze", planted_db, "--json", *args)
    mon = run_cli("schema", "analyze", monitor_role, "--json", *args)
    assert su.returncode == 0 and mon.returncode == 0, su.stderr + mon.stderr
    a, b = json.loads(su.stdout), json.loads(mon.stdout)
    assert b["skipped"] == [] and b["notes"] == a["notes"]

    # Scan counters move between the two runs, and so do bloat measurements: the first run's reads
    # prune dead tuples from heap pages (opportunistic pruning is not a write analysis can avoid), so
    # pgstattuple sees other dead-tuple and free-space figures in the second run. Bloat findings are
    # compared by presence; everything else must match to the number.
    moving = {"table-bloat", "index-bloat"}

    def key(d):
        return sorted(
            (
                f["rule"],
                f["table"],
                tuple(f["columns"]),
                "" if f["rule"] in moving else f["message"],
                tuple(
                    (e["name"], e["value"])
                    for e in f["evidence"]
                    if f["rule"] not in moving and e["name"] not in ("seq_scans", "index_scans", "last_vacuum")
                ),
            )
            for f in d["findings"]
        )

    assert key(a) == key(b)


def test_big_tables_are_sampled_and_labelled_estimated(planted_db):
    from aishell.analyze import AnalyzeOptions, analyze

    rep = analyze(planted_db, AnalyzeOptions(rules=["data-quality"], sample_threshold=1000))
    f = next(f for f in rep.findings if f.table == "public.orders" and f.columns == ["total"])
    assert {e.kind for e in f.evidence} == {"estimated"}
    assert "TABLESAMPLE" in f.evidence[0].source
    exact_rep = analyze(planted_db, AnalyzeOptions(rules=["data-quality"], deep=True, sample_threshold=1000))
    g = next(f for f in exact_rep.findings if f.table == "public.orders" and f.columns == ["total"])
    assert g.value("negative_rows") == 23 and {e.kind for e in g.evidence} == {"exact"}


def test_role_without_data_access_gets_notes_not_errors(pg_server, planted_db):
    """pg_monitor alone: catalog and statistics rules run; data probes are refused and say so."""
    import psycopg

    name = f"aishell_nodata_{secrets.token_hex(4)}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
        conn.execute(f'GRANT pg_monitor TO "{name}"')
    try:
        r = run_cli(
            "schema",
            "analyze",
            _conninfo_as(planted_db, name),
            "--json",
            "--rule",
            "missing-fk-index",
            "--rule",
            "data-quality",
            "--rule",
            "table-bloat",
        )
        assert r.returncode == 0, r.stderr
        data = json.loads(r.stdout)
        assert {f["rule"] for f in data["findings"]} >= {"missing-fk-index", "table-bloat"}
        assert not [f for f in data["findings"] if f["rule"] == "data-quality"]
        assert any("permission denied" in n for n in data["notes"])
    finally:
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_unreachable_server_is_exit_4():
    r = run_cli("schema", "analyze", "postgresql://nobody:secret@127.0.0.1:1/nothing", "--json")
    assert r.returncode == 4 and r.stderr.startswith("aishell: error: cannot connect")
    assert "secret" not in r.stderr and r.stderr.count("\n") == 1


def test_empty_database_is_healthy(scratch_db):
    from aishell.analyze import AnalyzeOptions, analyze

    rep = analyze(scratch_db, AnalyzeOptions(deep=True))
    assert rep.findings == [] and rep.scores["score"] == 100


def test_aishell_history_table_is_not_judged(scratch_db):
    """`schema version init` puts aishell's own history table in the user's database; analysis of that
    database must not report findings about our bookkeeping (its text primary key, say)."""
    from aishell.analyze import AnalyzeOptions, analyze
    from aishell.dialects.postgres.connect import connect
    from aishell.migrate.versions import HISTORY_DDL

    with connect(scratch_db, autocommit=True) as conn:
        conn.execute(HISTORY_DDL)
        conn.execute("CREATE TABLE app_users (id bigint, name text)")  # no primary key
    rep = analyze(scratch_db, AnalyzeOptions())
    assert not [f for f in rep.findings if f.table == "public.aishell_schema_versions"]
    assert any(f.table == "public.app_users" for f in rep.findings)  # the user's table is still judged


def _scan_counters(conninfo: str) -> dict:
    """seq_scan and idx_scan of every table and index, once the server's statistics have settled."""
    import time

    import psycopg

    last = None
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for _ in range(20):  # backends flush their counters shortly after a transaction or at exit
            conn.execute("SELECT pg_stat_clear_snapshot()")
            now = (
                {r[0]: (r[1], r[2]) for r in conn.execute("SELECT relname, seq_scan, idx_scan FROM pg_stat_user_tables")},
                {r[0]: r[1] for r in conn.execute("SELECT indexrelname, idx_scan FROM pg_stat_user_indexes")},
            )
            if now == last:
                return now
            last = now
            time.sleep(0.5)
    return last


def test_analysis_leaves_scan_counters_alone(planted_db):
    """Issue 13 item 4: probes read rows through TABLESAMPLE SYSTEM (100), which PostgreSQL counts as
    neither a sequential nor an index scan; only pgstattuple adds one seq_scan per table it measures."""
    import psycopg

    from aishell.analyze import AnalyzeOptions, analyze

    before = _scan_counters(planted_db)
    analyze(planted_db, AnalyzeOptions(deep=True, with_query_patterns=True))
    after = _scan_counters(planted_db)
    assert after[1] == before[1]  # no index scan, anywhere
    with psycopg.connect(planted_db) as conn:
        measured = {
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND pg_table_size(c.oid) >= 1048576 "
                "AND EXISTS (SELECT FROM pg_extension WHERE extname = 'pgstattuple')"
            )
        }
    expected = {t: (seq + (1 if t in measured else 0), idx) for t, (seq, idx) in before[0].items()}
    assert after[0] == expected


@pytest.fixture
def reader_role(pg_server, scratch_db):
    """A login role with no privilege on the tables of a small shop (created and dropped by the test)."""
    import psycopg

    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_email text, status text, total numeric);
            INSERT INTO public.orders SELECT g, 'c' || g % 50 || '@example.org', 'new', g
              FROM generate_series(1, 2000) g;
            CREATE TABLE public.items (order_id bigint REFERENCES public.orders, sku text, qty int);
            INSERT INTO public.items SELECT g, 's', 1 FROM generate_series(1, 2000) g;
            ANALYZE""")
    name = f"aishell_noread_{secrets.token_hex(4)}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER')
    try:
        yield name, _conninfo_as(scratch_db, name)
    finally:
        with psycopg.connect(scratch_db, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{name}"')
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_a_role_that_cannot_read_the_tables_gets_no_score(scratch_db, reader_role):
    """Its probes are denied: the health score is withheld (text and --json say partial, and why);
    the owner's analysis of the same database keeps its score."""
    name, as_reader = reader_role
    r = run_cli("schema", "analyze", as_reader, "--json")
    assert r.returncode == 0, r.stderr
    health = json.loads(r.stdout)["health"]
    assert health["score"] is None and health["partial"] is True and health["kind"] == "partial"
    assert health["unreadable_tables"] == ["public.items", "public.orders"] and health["denied_probes"] > 0
    assert "cannot read 2 of 2 table(s)" in health["partial_reason"]
    assert isinstance(health["partial_score"], int)
    text = run_cli("schema", "analyze", as_reader)
    assert text.returncode == 0, text.stderr
    head = text.stdout.split("Issues Found")[0]
    assert "withheld, partial analysis" in head and "Partial: this role cannot read 2 of 2 table(s)" in head
    assert "/100 (Excellent)" not in head and "/100 (Good)" not in head
    owner = json.loads(run_cli("schema", "analyze", scratch_db, "--json").stdout)["health"]
    assert isinstance(owner["score"], int) and owner["partial"] is False


def test_fix_stops_with_the_permission_exit_code(scratch_db, reader_role):
    import psycopg

    from aishell.errors import EXIT_PERMISSION

    name, as_reader = reader_role
    r = run_cli("schema", "fix", "--database", as_reader, "--dry-run")
    assert r.returncode == EXIT_PERMISSION == 77, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert f"permission denied: role {name} cannot read 2 table(s) (public.items, public.orders)" in r.stderr
    with psycopg.connect(scratch_db, autocommit=True) as conn:  # it may read now, but owns nothing
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{name}"')
    r = run_cli("schema", "fix", "--database", as_reader, "--apply-all")
    assert r.returncode == 77, r.stderr
    assert r.stderr.count("\n") == 1 and f"role {name} does not own public.items" in r.stderr
    with psycopg.connect(scratch_db) as conn:  # nothing was changed
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'items'").fetchone()[0] == 0
