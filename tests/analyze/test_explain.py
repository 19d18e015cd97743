"""EXPLAIN checks of proposed indexes: hypopg when the server has it, else a labelled estimate."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def explain_db(pg_server):
    import psycopg

    with pg_server.temporary_database(prefix="aishell_test_explain_") as conninfo:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE items (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL)")
            conn.execute("INSERT INTO items SELECT g, g % 500, g % 7 FROM generate_series(1, 20000) g")
            conn.execute("ANALYZE items")
            hypopg = conn.execute(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'"
            ).fetchone()[0]
            if hypopg:
                conn.execute("CREATE EXTENSION hypopg")
        yield conninfo, bool(hypopg)


def test_estimate_without_hypopg_is_labelled(explain_db):
    from aishell.analyze.probes.explain import check_index
    from aishell.analyze.probes.session import ProbeSession

    conninfo, _ = explain_db
    s = ProbeSession(conninfo)
    try:
        chk = check_index(
            s,
            "SELECT id FROM items WHERE a = $1",
            1,
            ("public", "items"),
            "CREATE INDEX ON public.items (a)",
            False,
            20000,
            100,
        )
    finally:
        s.close()
    assert chk.method == "estimate" and chk.scan_before == "Seq Scan"
    assert chk.cost_after < chk.cost_before and "hypopg is not installed" in chk.note


def test_hypothetical_index_with_hypopg(explain_db):
    from aishell.analyze.probes.explain import check_index, hypopg_available
    from aishell.analyze.probes.session import ProbeSession

    conninfo, has = explain_db
    if not has:
        pytest.skip(
            "hypopg is not installed on this server (apt: postgresql-15-hypopg); the estimate is tested instead"
        )
    s = ProbeSession(conninfo)
    try:
        assert hypopg_available(s, {"hypopg": "x"})
        chk = check_index(
            s,
            "SELECT id FROM items WHERE a = $1",
            1,
            ("public", "items"),
            "CREATE INDEX ON public.items (a)",
            True,
            20000,
            100,
        )
        assert chk.method == "hypopg" and chk.used is True and chk.cost_after < chk.cost_before
        # hypothetical indexes live in the session only and are reset after each check
        assert s.scalar("SELECT count(*) FROM hypopg_list_indexes") == 0
    finally:
        s.close()


def test_write_statements_are_explained_not_executed(explain_db):
    """UPDATE/DELETE from the workload are PREPAREd and EXPLAINed inside a READ ONLY transaction."""
    from aishell.analyze.probes.explain import check_index
    from aishell.analyze.probes.session import ProbeSession

    conninfo, _ = explain_db
    s = ProbeSession(conninfo)
    try:
        before = s.scalar("SELECT count(*) FROM items")
        chk = check_index(
            s,
            "DELETE FROM items WHERE b = $1 AND a = $2",
            2,
            ("public", "items"),
            "CREATE INDEX ON public.items (a, b)",
            False,
            20000,
            100,
        )
        assert chk.scan_before == "Seq Scan" and chk.cost_after < chk.cost_before
        assert s.scalar("SELECT count(*) FROM items") == before
    finally:
        s.close()
