"""The libpq reader of ``inspect`` (no psycopg, rows read with COPY) builds the model psycopg's does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from aishell.dialects.postgres import libpq
from aishell.dialects.postgres.inspect import inspect
from aishell.model.serialize import dumps, to_dict
from aishell.sources import load_sql_into
from tests.conftest import CORPUS, FIXTURES

pytestmark = pytest.mark.skipif(libpq.library() is None, reason="no libpq to load")

OBJECTS = FIXTURES / "objects"


def load(server, conninfo: str, path: Path) -> None:
    load_sql_into(conninfo, path, server.bin("psql"))


def both(conninfo: str, **options):
    return inspect(conninfo, **options), inspect(conninfo, reader="psycopg", **options)


@pytest.mark.parametrize("server_name", ["embedded", "pg15"])
def test_pagila_model_is_the_one_psycopg_reads(request, server_name):
    server = request.getfixturevalue("sandbox" if server_name == "embedded" else "pg15_server")
    source = CORPUS / ("pagila-schema.sql" if server_name == "embedded" else "pagila-schema-pg15.sql")
    with server.temporary_database(prefix="aishell_test_") as conninfo:
        load(server, conninfo, source)
        fast, slow = both(conninfo)
        assert len(fast.tables) > 60
        assert dumps(fast) == dumps(slow)
        fast, slow = both(conninfo, include_stats=False, schemas=["public"])
        assert dumps(fast) == dumps(slow)


@pytest.mark.parametrize("server_name", ["embedded", "pg15"])
def test_every_object_kind_model_is_the_one_psycopg_reads(request, server_name):
    """The object fixtures, superuser-only kinds and a subscription with a password included."""
    from aishell.sources import run_sql_text
    from tests.postgres.test_inspect_catalog import COMMON, SECRETS

    server = request.getfixturevalue("sandbox" if server_name == "embedded" else "pg15_server")
    with server.temporary_database(prefix="aishell_test_") as conninfo:
        for name in COMMON + (["pg18.sql"] if server_name == "embedded" else []):
            run_sql_text(conninfo, (OBJECTS / name).read_text(), label=name)
        run_sql_text(conninfo, "SET client_min_messages = error;" + SECRETS, server.bin("psql"))
        fast, slow = both(conninfo)
        assert fast.subscriptions and fast.event_triggers and fast.text_search_configs
        assert dumps(fast) == dumps(slow)
        # The one-pass JSON writer writes what json.dumps writes, on every object kind.
        assert dumps(fast) == json.dumps(to_dict(fast), indent=2, ensure_ascii=False)
        fast, slow = both(conninfo, include_stats=False)
        assert dumps(fast) == dumps(slow)


def test_escapes_arrays_and_odd_names(pg_server, scratch_db):
    """Text with tabs, newlines and backslashes (COPY escapes them), array elements that need quotes
    or read NULL, and a schema name with quotes and a backslash given to --schema."""
    import psycopg

    odd = 'we"ird\\sch,ema {x}'
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{odd.replace(chr(34), chr(34) * 2)}"')
        conn.execute("CREATE SCHEMA plain")
        conn.execute("CREATE TYPE plain.mood AS ENUM ('NULL', 'a,b', 'say \"hi\"', 'back\\slash', 'tab\there', '')")
        conn.execute("CREATE TABLE plain.t (id int PRIMARY KEY, \"col\ttab\" text DEFAULT E'line\\nbreak\\\\x')")
        conn.execute("COMMENT ON TABLE plain.t IS E'two\\nlines\\twith tab and \\\\ backslash, é ✓'")
        conn.execute("COMMENT ON COLUMN plain.t.id IS E'\\\\N'")
        conn.execute(f'CREATE TABLE "{odd.replace(chr(34), chr(34) * 2)}".u (a plain.mood)')
    fast, slow = both(scratch_db)
    assert dumps(fast) == dumps(slow)
    assert fast.enums[0].values == ["NULL", "a,b", 'say "hi"', "back\\slash", "tab\there", ""]
    assert fast.table("t").comment == "two\nlines\twith tab and \\ backslash, é ✓"
    assert fast.table("t").column("id").comment == "\\N"
    fast, slow = both(scratch_db, schemas=[odd])
    assert [t.name for t in fast.tables] == ["u"] and dumps(fast) == dumps(slow)
    from aishell.errors import UserError

    with pytest.raises(UserError, match="no schema named"):
        inspect(scratch_db, schemas=["missing"])


def test_array_items():
    assert libpq._array_items("{}") == []
    assert libpq._array_items("{a,NULL,\"NULL\",\"x,y\",\"q\\\"z\",\"b\\\\s\"}") == [
        "a", None, "NULL", "x,y", 'q"z', "b\\s"]
    assert libpq._int_array("[0:2]={1,2,3}") == [1, 2, 3]


def test_second_connection_reads_the_same_model(pg_server, scratch_db, monkeypatch):
    from aishell.dialects.postgres import catalog_read

    load(pg_server, scratch_db, OBJECTS / "core.sql")
    single = inspect(scratch_db)
    monkeypatch.setattr(catalog_read, "SIDE_MIN_INDEXES", 0)
    ran = []
    real = catalog_read._LibpqSide.start
    monkeypatch.setattr(catalog_read._LibpqSide, "start", lambda self, *a: ran.append(a[0]) or real(self, *a))
    assert dumps(inspect(scratch_db)) == dumps(single)
    assert ran and ran[0]  # a snapshot was exported and handed over


def test_read_only_transaction(scratch_db):
    """The queries run in a READ ONLY, REPEATABLE READ transaction, with the statement timeout and an
    empty search_path."""
    from aishell.dialects.postgres import catalog_read

    conn = libpq.Connection(scratch_db)
    try:
        catalog_read._begin_libpq(conn, "45s", None)
        assert conn.execute("SELECT current_setting('transaction_read_only'),"
                            " current_setting('transaction_isolation'), current_setting('statement_timeout'),"
                            " current_setting('search_path')") == [("on", "repeatable read", "45s", "")]
        with pytest.raises(libpq.LibpqError) as err:
            conn.execute("CREATE TABLE sneaky (a int)")
        assert err.value.sqlstate == "25006"
    finally:
        conn.close()


def test_a_failure_while_building_stops_the_reader(pg_server, scratch_db, monkeypatch):
    from aishell.dialects.postgres import inspect as mod

    load(pg_server, scratch_db, OBJECTS / "core.sql")

    def boom(self, rows):
        raise KeyboardInterrupt

    monkeypatch.setattr(mod._Builder, "_on_columns", boom)
    with pytest.raises(KeyboardInterrupt):
        mod.inspect(scratch_db)
    assert not any(t.name.startswith("aishell-inspect") for t in threading.enumerate())
    monkeypatch.undo()
    assert mod.inspect(scratch_db).table("post")


def test_connection_errors(pg_server):
    from aishell.errors import ConnectError, UserError

    with pytest.raises(UserError, match="invalid connection string"):
        inspect("host=localhost dbname")
    with pytest.raises(ConnectError, match="does not exist"):
        from psycopg.conninfo import make_conninfo

        inspect(make_conninfo(pg_server.conninfo(), dbname="aishell_no_such_db_xyz"))
    with pytest.raises(ConnectError, match="connection refused"):
        inspect("host=127.0.0.1 port=1 dbname=x user=u password=kvsecret77")


def test_libpq_without_pipeline_mode(pg_server, scratch_db, monkeypatch):
    """A libpq older than 14 (no pipeline mode) runs the set-up statements one by one: same model."""
    load(pg_server, scratch_db, OBJECTS / "core.sql")
    piped = inspect(scratch_db)
    monkeypatch.setattr(libpq.library(), "pipeline", False)
    assert dumps(inspect(scratch_db)) == dumps(piped)


@pytest.mark.skipif(not shutil.which("pg_virtualenv"), reason="needs Debian's pg_virtualenv")
def test_password_from_pgpassword_and_sslmode(tmp_path):
    """A scram-sha-256 server over TCP: libpq takes the password from PGPASSWORD (never in argv), a
    wrong one is one line and exit 4 without the password, and sslmode is libpq's to honour."""
    out = tmp_path / "out"
    script = tmp_path / "run.sh"
    cli = f'"{sys.executable}" -c "import sys; sys.modules[\'psycopg\'] = None; from aishell.cli.main import main; main()"'
    script.write_text(
        "#!/bin/sh\n"
        f'{cli} schema inspect --json "postgresql://postgres@127.0.0.1:$PGPORT/postgres?sslmode=prefer" '
        f'>"{out}.right.stdout" 2>"{out}.right.stderr"; echo $? >"{out}.right.rc"\n'
        f'PGPASSWORD=Wr0ngPassw0rd {cli} schema inspect "host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres" '
        f'>"{out}.wrong.stdout" 2>"{out}.wrong.stderr"; echo $? >"{out}.wrong.rc"\n'
    )
    script.chmod(0o755)
    subprocess.run(["pg_virtualenv", "-v", "15", str(script)], capture_output=True, timeout=120, cwd=tmp_path)
    # psycopg could not even be imported: the libpq reader did all of it.
    assert (tmp_path / "out.right.rc").read_text().strip() == "0", (tmp_path / "out.right.stderr").read_text()
    assert json.loads((tmp_path / "out.right.stdout").read_text())["server_version"].startswith("15.")
    stderr = (tmp_path / "out.wrong.stderr").read_text()
    assert (tmp_path / "out.wrong.rc").read_text().strip() == "4", stderr
    assert stderr.startswith("aishell: error:") and stderr.count("\n") == 1
    assert "password authentication failed" in stderr and "Wr0ngPassw0rd" not in stderr
