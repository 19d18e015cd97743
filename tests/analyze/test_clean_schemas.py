"""No false positives on clean schemas: pagila has zero critical findings, static and live."""

from __future__ import annotations

from tests.conftest import CORPUS


def _pagila_for(server) -> str:
    """pagila-schema.sql uses uuidv7() (PostgreSQL 18); the corpus has a PostgreSQL 15 variant."""
    return str(CORPUS / ("pagila-schema.sql" if server.server_major() >= 18 else "pagila-schema-pg15.sql"))


def test_pagila_static_has_no_critical(pg_server):
    from aishell.analyze import AnalyzeOptions, analyze
    from aishell.dialects.postgres.server import scratch_server

    rep = analyze(_pagila_for(scratch_server()), AnalyzeOptions(deep=True))
    assert rep.live is False
    assert [f.to_dict() for f in rep.findings if f.severity == "critical"] == []
    assert rep.counts()["warning"] <= 10
    skipped = {s["rule"] for s in rep.skipped}
    assert {"unused-index", "data-quality", "table-bloat"} <= skipped
    assert rep.normalization["level"] is None and rep.normalization["kind"] == "structural"


def test_pagila_live_has_no_critical(sandbox):
    from aishell.analyze import AnalyzeOptions, analyze
    from tests.analyze.conftest import load_sql

    with sandbox.temporary_database(prefix="aishell_test_pagila_") as conninfo:
        load_sql(sandbox, conninfo, CORPUS / "pagila-schema.sql")
        rep = analyze(conninfo, AnalyzeOptions(deep=True, with_query_patterns=True))
    assert [f.to_dict() for f in rep.findings if f.severity == "critical"] == []
    assert rep.normalization["level"] == "BCNF"  # no data: no dependency can be claimed
