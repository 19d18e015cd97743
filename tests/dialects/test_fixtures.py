"""Every shared SQL fixture, loaded through ``load_schema``, goes through all three generators and the
output runs on MariaDB, in sqlite3 and under ``node --check``: whatever a fixture holds, a generator
reports it or expresses it, and never writes something the target refuses."""

from __future__ import annotations

import pytest

from aishell.errors import SourceError
from tests.conftest import FIXTURES

SQL_FIXTURES = sorted((FIXTURES / "objects").glob("*.sql"))


@pytest.fixture(scope="module")
def models(pg_server):
    from aishell.sources import load_schema

    out = {}
    for path in SQL_FIXTURES:
        try:
            if path.name == "catalog.sql":
                # Superuser-only objects (event triggers, wrappers): no .sql SOURCE may hold them, so
                # the fixture is run as our own text and the database inspected.
                from aishell.dialects.postgres.inspect import inspect
                from aishell.sources import run_sql_text

                with pg_server.temporary_database(prefix="aishell_test_") as conninfo:
                    run_sql_text(conninfo, path.read_text(), label=path.name)
                    out[path.name] = inspect(conninfo)
                continue
            out[path.name] = load_schema(str(path))
        except SourceError as exc:  # e.g. PostgreSQL 18 syntax on the PostgreSQL 15 CI run
            out[path.name] = exc
    return out


def _model(models, name):
    m = models[name]
    if isinstance(m, Exception):
        pytest.skip(f"{name} does not load on this server: {m}")
    return m


@pytest.mark.mysql
@pytest.mark.parametrize("name", [p.name for p in SQL_FIXTURES])
def test_fixture_runs_on_mariadb(models, name, mysql_db):
    from aishell.dialects.mysql.generate import generate_with_report

    sql, _ = generate_with_report(_model(models, name))
    mysql_db.run(sql)
    schema = _model(models, name)
    created = set(mysql_db.tables())
    made = {t.name for t in schema.tables if not t.partition_of}
    # Flattened names (two schemas holding one name) are the only renames.
    assert len(created & made) >= len(made) - sum(1 for t in schema.tables if t.schema != "public")


@pytest.mark.parametrize("name", [p.name for p in SQL_FIXTURES])
def test_fixture_runs_in_sqlite(models, name, sqlite_db):
    from aishell.dialects.sqlite.generate import generate_with_report

    sql, _ = generate_with_report(_model(models, name))
    sqlite_db.executescript(sql)
    assert sqlite_db.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize("name", [p.name for p in SQL_FIXTURES])
def test_fixture_parses_in_node(models, name, node_check):
    from aishell.dialects.mongo.generate import generate_with_report

    js, _ = generate_with_report(_model(models, name))
    node_check(js)
