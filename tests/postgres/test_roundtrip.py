"""The exact round trip: pg_dump of a source and of a database built from our DDL are identical.

For each source (every fixture in tests/fixtures/objects/, and the Pagila corpus): load it into
temporary database A, inspect A, generate DDL, run it with psql (ON_ERROR_STOP) in temporary database B,
and compare ``pg_dump --schema-only`` of A and B, both made by the server's own pg_dump. The only
normalisation is the random key of PostgreSQL 18's ``\\restrict`` line (aishell.dialects.postgres.dump).
Then B is inspected and generated again: the DDL must be the same text (a fixed point).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from tests.conftest import CORPUS, FIXTURES

OBJECT_FIXTURES = sorted((FIXTURES / "objects").glob("*.sql"))


def _required_major(path: Path) -> int:
    """A fixture whose first line says ``PostgreSQL NN only`` needs that major version."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    m = re.search(r"PostgreSQL (\d+) only", first)
    return int(m.group(1)) if m else 0


_MAJORS: dict[str, int] = {}


def _major(server) -> int:
    key = str(server.admin_conninfo)
    if key not in _MAJORS:
        _MAJORS[key] = server.server_major()
    return _MAJORS[key]


def round_trip(server, sql_text: str, label: str) -> None:
    from aishell.dialects.postgres.dump import client_binary, dump_schema, normalise_dump
    from aishell.dialects.postgres.generate import generate
    from aishell.dialects.postgres.inspect import inspect
    from aishell.sources import run_sql_text

    psql = client_binary(server, "psql")
    with server.temporary_database(prefix="aishell_rt_") as a, server.temporary_database(prefix="aishell_rt_") as b:
        run_sql_text(a, sql_text, psql, label=label)
        model = inspect(a, include_stats=False)
        ddl = generate(model, header=False)
        run_sql_text(b, ddl, psql, label=f"generated from {label}")
        dump_a = normalise_dump(dump_schema(server, a))
        dump_b = normalise_dump(dump_schema(server, b))
        if dump_a != dump_b:
            diff = "".join(difflib.unified_diff(dump_a.splitlines(True), dump_b.splitlines(True),
                                                "source", "generated", n=2))
            pytest.fail(f"pg_dump differs for {label}:\n{diff[:6000]}")
        again = generate(inspect(b, include_stats=False), header=False)
        assert again == ddl, f"generate → inspect → generate is not a fixed point for {label}"


def _has_icu(server) -> bool:
    import psycopg

    with psycopg.connect(server.conninfo()) as conn:
        return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_collation "
                                 "WHERE collprovider = 'i' AND collname = 'und-x-icu')").fetchone()[0])


@pytest.mark.parametrize("fixture", OBJECT_FIXTURES, ids=[p.stem for p in OBJECT_FIXTURES])
def test_fixture_round_trip(any_server, fixture):
    need = _required_major(fixture)
    if need and _major(any_server) < need:
        pytest.skip(f"{fixture.name} needs PostgreSQL {need}")
    if "needs ICU" in fixture.read_text(encoding="utf-8").split("\n", 1)[0] and not _has_icu(any_server):
        pytest.skip(f"{fixture.name} needs a server built with ICU")
    round_trip(any_server, fixture.read_text(encoding="utf-8"), fixture.name)


def test_pagila_round_trip_pg18(sandbox):
    round_trip(sandbox, (CORPUS / "pagila-schema.sql").read_text(encoding="utf-8"), "pagila-schema.sql")


def test_pagila_round_trip_pg15(pg15_server):
    round_trip(pg15_server, (CORPUS / "pagila-schema-pg15.sql").read_text(encoding="utf-8"),
               "pagila-schema-pg15.sql")
