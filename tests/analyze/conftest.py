"""Fixtures for analysis tests: the planted-problems database, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


def load_sql(server, conninfo: str, path: Path) -> None:
    from aishell.sources import run_sql_text

    run_sql_text(conninfo, path.read_text(), server.bin("psql"), label=path.name)


@pytest.fixture(scope="session")
def planted_db(pg_server):
    """The shop with planted problems (tests/analyze/fixtures/planted.sql)."""
    with pg_server.temporary_database(prefix="aishell_test_analyze_") as conninfo:
        load_sql(pg_server, conninfo, FIXTURES / "planted.sql")
        yield conninfo


@pytest.fixture(scope="session")
def planted_report(planted_db):
    from aishell.analyze import AnalyzeOptions, analyze

    return analyze(planted_db, AnalyzeOptions())


def by_rule(report, rule: str) -> list:
    return [f for f in report.findings if f.rule == rule]
