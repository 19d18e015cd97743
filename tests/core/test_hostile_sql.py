"""Hostile .sql SOURCEs (and model files whose fields carry SQL) run nothing: every one ends with one line
``FILE:LINE: refused ...`` (or PostgreSQL's refusal of an unprivileged role), exit 1, no traceback, and
the marker file the attack would create does not appear. Legitimate files (pg_dump output with its
meta-commands, owners, extensions, set_config/setval) still load."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli


@pytest.fixture
def marker():
    # World-writable place: COPY ... PROGRAM would run as the server's OS user, \! as ours.
    path = Path(f"/tmp/aishell-hostile-{secrets.token_hex(6)}")
    yield path
    if path.exists():
        path.unlink()


def _write(tmp_path: Path, text: str, name: str = "hostile.sql") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


HEAD = "CREATE TABLE t (id int PRIMARY KEY, note text);\n\n"

# (name, body with {m} for the marker path, line of the refused statement, words the message names)
BATTERY = [
    ("shell escape", "\\! touch {m}\n", 3, "meta-command \\!"),
    ("shell escape after a statement on the same line", "SELECT 1; \\! touch {m}\n", 3, "meta-command \\!"),
    ("psql copy", "\\copy t to '{m}'\n", 3, "meta-command \\copy"),
    ("include", "\\i {m}\n", 3, "meta-command \\i"),
    ("output redirection", "\\o {m}\n", 3, "meta-command \\o"),
    ("gexec", "SELECT format('COPY t TO PROGRAM %L', 'touch {m}') \\gexec\n", 3, "meta-command \\gexec"),
    ("copy from program", "COPY t FROM PROGRAM 'touch {m}';\n", 3, "COPY t FROM PROGRAM"),
    ("copy to program", "\n\nCOPY t TO PROGRAM 'touch {m}';\n", 5, "COPY t TO PROGRAM"),
    ("copy to file", "COPY t TO '{m}';\n", 3, "COPY t TO"),
    ("do block", "DO $$ BEGIN EXECUTE 'COPY t TO PROGRAM ''touch {m}'''; END $$;\n", 3, "DO $$"),
    ("untrusted language", "CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u\n"
     "AS $$ open('{m}', 'w') $$;\n", 3, "language plpython3u"),
    ("c function", "CREATE FUNCTION f() RETURNS int AS '/tmp/x.so', 'f' LANGUAGE c;\n", 3, "language c"),
    ("alter system", "ALTER SYSTEM SET archive_command = 'touch {m}';\n", 3, "ALTER SYSTEM"),
    ("load", "LOAD '/tmp/x.so';\n", 3, "LOAD"),
    ("read a file", "SELECT pg_read_file('/etc/passwd');\n", 3, "SELECT pg_read_file"),
    ("large object import", "SELECT lo_import('/etc/passwd');\n", 3, "lo_import"),
    ("large object export", "SELECT lo_export(1, '{m}');\n", 3, "lo_export"),
    ("default reads a file", "CREATE TABLE u (a text DEFAULT pg_read_file('/etc/passwd'));\n", 3,
     "pg_read_file()"),
    ("view lists a directory", "CREATE VIEW v AS SELECT pg_ls_dir('/');\n", 3, "pg_ls_dir()"),
    ("sql function reads a file", "CREATE FUNCTION f() RETURNS text LANGUAGE sql\n"
     "AS $$ SELECT pg_read_file('/etc/passwd') $$;\n", 3, "pg_read_file()"),
    ("file_fdw", "CREATE EXTENSION file_fdw;\n", 3, "'file_fdw'"),
    ("adminpack", "CREATE EXTENSION adminpack;\n", 3, "'adminpack'"),
    ("dblink", "CREATE EXTENSION IF NOT EXISTS dblink;\n", 3, "'dblink'"),
    ("superuser role", "CREATE ROLE evil SUPERUSER LOGIN;\n", 3, "CREATE ROLE"),
    ("set role", "SET ROLE postgres;\n", 3, "SET ROLE postgres"),
    ("session authorization", "SET SESSION AUTHORIZATION postgres;\n", 3, "SET SESSION AUTHORIZATION"),
    ("a query", "SELECT * FROM pg_authid;\n", 3, "a query"),
    ("event trigger", "CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION f();\n", 3, "event triggers"),
]


def _assert_refused(result, path: Path, line: int, words: str, marker: Path) -> None:
    assert result.returncode == 1, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{path}:{line}: refused " in lines[0], lines[0]
    assert words in lines[0], lines[0]
    assert not marker.exists(), "the hostile file ran something"


@pytest.mark.parametrize("name,body,line,words", BATTERY, ids=[b[0] for b in BATTERY])
def test_hostile_file_is_refused_by_inspect(pg_server, tmp_path, marker, name, body, line, words):
    path = _write(tmp_path, HEAD + body.format(m=marker))
    _assert_refused(run_cli("schema", "inspect", str(path)), path, line, words, marker)


@pytest.mark.parametrize("command", [
    ("schema", "diff", "{good}", "{bad}"),
    ("schema", "diff", "{bad}", "{good}"),
    ("schema", "validate", "{bad}"),
    ("schema", "generate", "--from", "{bad}"),
])
def test_every_command_taking_a_sql_source_checks_it(pg_server, tmp_path, marker, command):
    good = _write(tmp_path, HEAD, "good.sql")
    bad = _write(tmp_path, HEAD + f"COPY t FROM PROGRAM 'touch {marker}';\n\\! touch {marker}\n")
    args = [a.format(good=good, bad=bad) for a in command]
    result = run_cli(*args)
    # The first refusal in the file is reported.
    _assert_refused(result, bad, 3, "COPY t FROM PROGRAM", marker)


def test_a_file_that_passes_the_check_still_runs_unprivileged(pg_server, tmp_path, marker):
    # Nothing here is on a deny list: the COPY hides in a string that plpgsql runs when the
    # materialized view is filled, during the load. The load's role may not run programs.
    path = _write(tmp_path, HEAD + (
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {marker}''';\n"
        "  RETURN 1;\n"
        "END $$;\n"
        "CREATE MATERIALIZED VIEW mv AS SELECT f() AS x;\n"
    ))
    result = run_cli("schema", "inspect", str(path))
    assert result.returncode == 1, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert f"{path}: line 8: " in lines[0] and "pg_execute_server_program" in lines[0], lines[0]
    assert not marker.exists()


def test_a_file_cannot_read_what_only_a_superuser_may(pg_server, tmp_path):
    path = _write(tmp_path, HEAD + (
        "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $$\n"
        "BEGIN RETURN (SELECT string_agg(rolname || ':' || coalesce(rolpassword, ''), ',') FROM pg_authid); END $$;\n"
        "CREATE MATERIALIZED VIEW mv AS SELECT f() AS x;\n"
    ))
    result = run_cli("schema", "inspect", str(path))
    assert result.returncode == 1, result.stderr
    assert "permission denied for table pg_authid" in result.stderr
    assert f"{path}: line 5: " in result.stderr


def test_sql_in_a_model_field_runs_nothing(pg_server, tmp_path, marker):
    source = _write(tmp_path, HEAD + "CREATE VIEW v AS SELECT id FROM t;\n", "source.sql")
    result = run_cli("schema", "inspect", str(source), "--json")
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    tables = model["tables"]
    column = next(c for c in tables[0]["columns"] if c["name"] == "note")
    column["default"] = f"NULL); COPY public.t FROM PROGRAM 'touch {marker}'; CREATE TABLE z (a int"
    path = _write(tmp_path, json.dumps(model), "model.json")
    result = run_cli("schema", "validate", str(path))
    assert result.returncode == 1
    # refused by the model check (a field closing its clause) before any DDL reaches the loader
    assert "note.default" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists()

    column["default"] = None
    view = model["views"][0]
    view["definition"] = f" SELECT id FROM public.t;\n\\! touch {marker}\nSELECT 1"
    path.write_text(json.dumps(model))
    result = run_cli("schema", "validate", str(path))
    assert result.returncode == 1
    assert "views.public.v.definition" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists()


PG_DUMP_STYLE = r"""--
-- PostgreSQL database dump
--

\restrict 4bTq0yZcJ0AbCdEf
\connect -reuse-previous=on "dbname='production'"

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

CREATE SCHEMA app;
ALTER SCHEMA app OWNER TO postgres;
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
COMMENT ON EXTENSION citext IS 'case-insensitive text';

CREATE FUNCTION app.slash(x text) RETURNS text LANGUAGE plpgsql AS $_$
BEGIN
  RETURN replace(x, '\', '\\');  -- backslashes in a body are not meta-commands
END $_$;
ALTER FUNCTION app.slash(x text) OWNER TO postgres;

CREATE TABLE app.users (
    id integer NOT NULL,
    email public.citext NOT NULL,
    note text DEFAULT E'a\\b' -- \not a command
);
ALTER TABLE app.users OWNER TO postgres;
COMMENT ON TABLE app.users IS 'who \ signs in';
CREATE SEQUENCE app.users_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE app.users_id_seq OWNED BY app.users.id;
ALTER TABLE ONLY app.users ALTER COLUMN id SET DEFAULT nextval('app.users_id_seq'::regclass);
SELECT pg_catalog.setval('app.users_id_seq', 42, true);
INSERT INTO app.users (id, email) VALUES (1, 'a@example.com');
ALTER TABLE ONLY app.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
GRANT SELECT ON TABLE app.users TO aishell_fixture_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA app GRANT SELECT ON TABLES TO aishell_fixture_reader;

\unrestrict 4bTq0yZcJ0AbCdEf
"""


def test_pg_dump_style_file_still_loads(pg_server, tmp_path):
    path = _write(tmp_path, PG_DUMP_STYLE, "dump.sql")
    result = run_cli("schema", "inspect", str(path), "--json")
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    users = next(t for t in model["tables"] if t["name"] == "users")
    assert users["owner"] == "postgres"  # as when psql, run by the administrator, loaded it
    assert users["comment"] == "who \\ signs in"
    assert any("aishell_fixture_reader" in json.dumps(p) for p in users.get("privileges", []))
    assert not any("aishell_load_" in json.dumps(x) for x in (model,))


def test_postgresql_errors_keep_their_line(pg_server, tmp_path):
    path = _write(tmp_path, HEAD + "\nCREATE TABLE u (a int REFERENCES nowhere (id));\n")
    result = run_cli("schema", "inspect", str(path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f'aishell: error: {path}: line 4: relation "nowhere" does not exist'
    ]



def test_syntax_errors_name_their_line(pg_server, tmp_path):
    path = _write(tmp_path, HEAD + "-- éééé\nCREATE TABLE u (a int,, b int);\n")
    result = run_cli("schema", "inspect", str(path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f'aishell: error: {path}: line 4: syntax error at or near ","']


@pytest.mark.parametrize("text,expected", [
    ("CREATE TABLE t (a text DEFAULT E'x\\' \\! no');", None),  # an escaped quote in an E'' string
    ("CREATE TABLE t (a text DEFAULT E'x\\\\' \\! yes');", ":1: refused psql meta-command \\!"),
    ("COMMENT ON TABLE t IS $x$ \\! $x$;", None),
    ('CREATE TABLE "a\\b" (c int);', None),
    ("/* outer /* nested \\! */ still comment \\! */ CREATE TABLE t (a int);", None),
    ("CREATE TABLE t (a int); -- \\! in a comment", None),
    ("CREATE TABLE t (a int);\n\\set x 1\nCOPY t TO PROGRAM 'id';", ":2: refused psql meta-command \\set"),
    ("CREATE TABLE t (a int); COPY t TO PROGRAM 'id';\n\\set x 1", ":1: refused `COPY t TO PROGRAM"),
])
def test_meta_commands_are_found_outside_strings_and_comments_only(text, expected):
    from aishell.dialects.postgres.sqlload import read_script
    from aishell.errors import SourceError

    if expected is None:
        assert read_script(text, "f.sql").statements
        return
    with pytest.raises(SourceError) as info:
        read_script(text, "f.sql")
    assert info.value.message.startswith("f.sql" + expected), info.value.message


TRIGGER_TOUCHES = (
    "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {m}'''; RETURN NEW; END $$;\n"
    "CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();\n"
)


def test_test_data_fires_the_files_triggers_unprivileged(pg_server, tmp_path, marker):
    path = _write(tmp_path, HEAD + TRIGGER_TOUCHES.format(m=marker))
    result = run_cli("schema", "test", "--from", str(path), "--data-size", "10", "--json")
    assert not marker.exists(), "the file's trigger ran a program as the administrator"
    # The trigger fired, as the unprivileged role the file was loaded as: PostgreSQL refused its COPY,
    # and the table is reported skipped with PostgreSQL's reason.
    assert result.returncode == 0, result.stderr
    (table,) = json.loads(result.stdout)["tables"]
    assert table["rows"] == 0
    # (PostgreSQL 16+ says "permission denied to COPY ...", 15 "must be superuser or have privileges ...")
    assert "to COPY to or from an external program" in table["skipped"], table


def test_benchmark_runs_the_files_functions_unprivileged(pg_server, tmp_path, marker):
    # The function reaches for a program only under pgbench (its fallback application_name), so the
    # fill and the dry run pass and the workload itself is what would run it.
    path = _write(tmp_path, HEAD + (
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF current_setting('application_name') = 'pgbench' THEN\n"
        f"    EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {marker}''';\n"
        "  END IF;\n"
        "  RETURN 1;\n"
        "END $$;\n"
    ))
    queries = _write(tmp_path, "SELECT f();\n", "workload.sql")
    result = run_cli("schema", "benchmark", "--from", str(path), "--data-size", "20", "--duration", "1",
                     "--clients", "1", "--queries", str(queries), "--json")
    assert "Traceback" not in result.stderr
    assert not marker.exists(), "the workload ran a program as the administrator"
    if result.returncode == 0:  # pgbench counts the refused transactions as failed ...
        assert json.loads(result.stdout)["queries"][0]["count"] == 0
    else:  # ... or stops at the first one
        assert "pgbench" in result.stderr


def test_security_definer_from_the_file_is_not_a_superusers_in_test_data(pg_server, tmp_path):
    from psycopg import sql

    from aishell.dialects.postgres.connect import connect

    path = _write(tmp_path, HEAD + (
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT current_user::text $$;\n"
        "ALTER FUNCTION f() OWNER TO postgres;\n"  # pg_dump writes it so; here it would make f a way up
    ))
    result = run_cli("schema", "test", "--from", str(path), "--data-size", "10", "--keep", "--json")
    assert result.returncode == 0, result.stderr
    kept = json.loads(result.stdout)["kept"]
    try:
        with connect(pg_server.conninfo(kept["database"])) as conn:
            owner, superuser = conn.execute(
                "SELECT r.rolname, r.rolsuper FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
                "WHERE p.proname = 'f'").fetchone()
            db_owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database "
                                    "WHERE datname = current_database()").fetchone()[0]
            assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 10
        assert not superuser, f"the file's SECURITY DEFINER function is owned by the superuser {owner}"
        assert owner == kept.get("owner") == db_owner
        assert owner.startswith("aishell_load_")
        # The kept connection string logs in as that role, and f runs as it.
        assert "password" not in kept["conninfo"]
        with connect(kept["conninfo"]) as conn:
            assert conn.execute("SELECT f(), rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() \
                == (owner, False)
    finally:
        with connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(kept["database"])))
            if kept.get("owner"):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(kept["owner"])))


def test_throwaway_test_data_leaves_no_role_behind(pg_server, tmp_path):
    from aishell.dialects.postgres.connect import connect

    def load_roles() -> set[str]:
        with connect(pg_server.conninfo()) as conn:
            return {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'aishell_load_%'")}

    before = load_roles()
    result = run_cli("schema", "test", "--from", str(_write(tmp_path, HEAD)), "--data-size", "10", "--json")
    assert result.returncode == 0, result.stderr
    failing = _write(tmp_path, HEAD + "CREATE TABLE u (a int REFERENCES nowhere (id));\n", "failing.sql")
    assert run_cli("schema", "test", "--from", str(failing), "--data-size", "10").returncode == 1
    # Other tests may run alongside (xdist) and hold a load role of their own for a few seconds: a role
    # this test left behind stays, theirs go, so the check waits for the others' to go.
    deadline = time.monotonic() + 60
    while (left := load_roles() - before) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, left


def test_migration_verification_runs_the_files_functions_unprivileged(pg_server, tmp_path, marker):
    # f reaches for a program only as a superuser: the load (unprivileged) passes, the verification copy
    # runs the plan's CREATE MATERIALIZED VIEW ... WITH DATA, which calls it.
    source = _write(tmp_path, HEAD + (
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN\n"
        f"    EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {marker}''';\n"
        "  END IF;\n"
        "  RETURN 1;\n"
        "END $$;\n"
        "CREATE MATERIALIZED VIEW mv AS SELECT f() AS x;\n"
    ), "source.sql")
    target = _write(tmp_path, HEAD, "target.sql")
    r = run_cli("schema", "migrate", str(source), str(target), "--preview")
    # SOURCE's model is checked like a model file before anything is built from it as the administrator
    assert r.returncode == 1 and "functions.public.f" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not marker.exists()
