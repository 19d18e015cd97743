"""The fixture suite (tests/fixtures/diff/<case>/a.sql, b.sql), in migra's style, on PostgreSQL 15 and 18.

For every case: our migration applied to ``a`` leaves no difference from ``b`` and the same
``pg_dump --schema-only`` (column order aside); the reversed migration brings ``a`` back exactly (by
the model on both servers, and by ``pg_dump`` too on 18).
On PostgreSQL 18 the generated up and down files must also pass squawk.

One database per server serves every case in turn (emptied between cases): creating a database
costs about a second on the system PostgreSQL 15, which would double the suite's time.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import CORPUS, installed_tool
from tests.diff.fixture_harness import case_names, reset_database, run_case, run_pair

CASES = case_names()


def test_there_are_enough_cases():
    assert len(CASES) >= 40


@pytest.fixture(scope="module", params=["embedded", "pg15"])
def case_db(request):
    server = request.getfixturevalue("sandbox" if request.param == "embedded" else "pg15_server")
    with server.temporary_database(prefix="aishell_test_diff_") as conninfo:
        yield request.param, server, conninfo


@pytest.mark.parametrize("case", CASES)
def test_case_round_trip(case, case_db, tmp_path):
    which, server, conninfo = case_db
    reset_database(conninfo)
    # The down migration is checked on the model on both servers, and by pg_dump on 18 (time budget).
    result = run_case(server, conninfo, case, dump_down=(which == "embedded"))
    assert not result.problems, f"{case}:\n" + "\n".join(result.problems)
    squawk = installed_tool("squawk")
    if which == "embedded" and squawk:
        files = []
        for name, text in (("up.sql", result.up_sql), ("down.sql", result.down_sql)):
            f = tmp_path / name
            f.write_text(text)
            files.append(str(f))
        proc = subprocess.run([squawk, *files], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"squawk on {case}:\n{proc.stdout[-3000:]}"


def test_pagila_from_nothing_and_back(case_db):
    """A real schema (pagila: partitions, domains, aggregates, triggers, views, full-text) built from an
    empty database by our migration, and torn down again by its reverse."""
    which, server, conninfo = case_db
    path = CORPUS / ("pagila-schema.sql" if which == "embedded" else "pagila-schema-pg15.sql")
    reset_database(conninfo)
    # Owners are not part of the model: start from the owner pagila gives the public schema.
    result = run_pair(server, conninfo, "ALTER SCHEMA public OWNER TO postgres;", path.read_text(),
                      dump_down=(which == "embedded"), label="pagila")
    assert not result.problems, "\n".join(p[:3000] for p in result.problems)
