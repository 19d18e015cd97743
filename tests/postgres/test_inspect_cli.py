"""``aishell schema inspect``: output forms and every kind of bad SOURCE."""

from __future__ import annotations

import json

from tests.conftest import CORPUS, FIXTURES, run_cli

OBJECTS = FIXTURES / "objects"


def one_line_error(r, code: int) -> str:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith("aishell: error:"), r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


def test_inspect_sql_file_json(pg_server):
    r = run_cli("schema", "inspect", str(OBJECTS / "core.sql"), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["format_version"] == 1 and data["name"] == "core"
    assert [t["name"] for t in data["tables"]] == ["author", "post", "post_tag"]


def test_inspect_human_summary(pg_server, scratch_db):
    from aishell.sources import load_sql_into

    load_sql_into(scratch_db, OBJECTS / "core.sql", pg_server.bin("psql"))
    r = run_cli("schema", "inspect", scratch_db)
    assert r.returncode == 0, r.stderr
    assert "PostgreSQL" in r.stdout and "Tables" in r.stdout
    for name in ("author", "post_tag", "tables", "foreign keys"):
        assert name in r.stdout


def test_missing_file():
    one_line_error(run_cli("schema", "inspect", "/nonexistent/schema.sql"), 1)


def test_garbage_sql(tmp_path, pg_server):
    p = tmp_path / "bad.sql"
    p.write_text("CREATE TABLE (oops;\n")
    err = one_line_error(run_cli("schema", "inspect", str(p)), 1)
    assert "syntax error" in err


def test_binary_file(tmp_path):
    p = tmp_path / "bin.sql"
    p.write_bytes(b"\x00\x01\x02binary")
    assert "binary" in one_line_error(run_cli("schema", "inspect", str(p)), 1)


def test_invalid_json(tmp_path):
    p = tmp_path / "m.json"
    p.write_text("{not json")
    assert "invalid JSON" in one_line_error(run_cli("schema", "inspect", str(p)), 1)


def test_wrongly_shaped_json(tmp_path):
    p = tmp_path / "m.json"
    p.write_text(json.dumps({"format_version": 1, "tables": [{"name": "t", "columns": "nope"}]}))
    assert "tables[0].columns" in one_line_error(run_cli("schema", "inspect", str(p)), 1)


def test_json_model_round_trip(tmp_path):
    r = run_cli("schema", "inspect", str(OBJECTS / "core.sql"), "--json")
    p = tmp_path / "model.json"
    p.write_text(r.stdout)
    r2 = run_cli("schema", "inspect", str(p), "--json")
    assert r2.returncode == 0, r2.stderr
    assert json.loads(r2.stdout) == json.loads(r.stdout)


def test_unreachable_server_masks_password():
    r = run_cli("schema", "inspect", "postgresql://app:s3cretpw@127.0.0.1:1/app")
    err = one_line_error(r, 4)
    assert "s3cretpw" not in err and "s3cretpw" not in r.stdout


def test_missing_database(pg_server):
    from psycopg.conninfo import make_conninfo

    url = make_conninfo(pg_server.conninfo(), dbname="aishell_no_such_db_xyz", password="hunter22")
    r = run_cli("schema", "inspect", url)
    err = one_line_error(r, 4)
    assert "does not exist" in err and "hunter22" not in err


def test_unknown_environment(tmp_path):
    (tmp_path / "aishell.toml").write_text('[environments]\nstaging = "postgresql://x@localhost/x"\n')
    r = run_cli("schema", "inspect", "stagingg.x", cwd=tmp_path)
    one_line_error(r, 1)
