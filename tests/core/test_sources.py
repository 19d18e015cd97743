"""SOURCE parsing, password masking and the sandbox's throwaway databases."""

from __future__ import annotations

import pytest

from aishell.dialects.postgres.connect import connect, mask_url
from aishell.errors import ConnectError, SourceError
from aishell.sources import parse_source


@pytest.mark.parametrize(
    "text, masked",
    [
        ("postgresql://app:s3cret@db:5432/app", "postgresql://app:***@db:5432/app"),
        ("postgres://u:p%40ss@h/d?sslmode=require", "postgres://u:***@h/d?sslmode=require"),
        ("host=db password=s3cret dbname=app", "host=db password=*** dbname=app"),
        ("host=db password='a b' dbname=app", "host=db password=*** dbname=app"),
        ("postgresql://h/d?password=s3cret&x=1", "postgresql://h/d?password=***&x=1"),
        ("postgresql://app@db/app", "postgresql://app@db/app"),
    ],
)
def test_mask_url(text, masked):
    assert mask_url(text) == masked


def test_parse_source_kinds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.sql").write_text("create table t(a int);")
    (tmp_path / "m.json").write_text("{}")
    (tmp_path / "aishell.toml").write_text(
        '[environments]\nstaging = "postgresql://app@staging/app"\nprod = "${PROD_URL}"\n'
    )
    assert parse_source("postgresql://u@h/d").kind == "url"
    assert parse_source("host=h dbname=d").kind == "url"
    assert parse_source("s.sql").kind == "sql"
    assert parse_source("m.json").kind == "json"
    assert parse_source("staging").conninfo == "postgresql://app@staging/app"
    assert parse_source("production_db").kind == "dbname"
    monkeypatch.setenv("PROD_URL", "postgresql://p:pw@prod/app")
    src = parse_source("prod")
    assert src.kind == "env" and src.display == "prod"


@pytest.mark.parametrize("text, message", [
    ("", "empty SOURCE"),
    ("missing.sql", "missing.sql: no such file"),
    ("dir/", "no such file"),
    ("design", "no current design"),
])
def test_parse_source_errors(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceError) as exc:
        parse_source(text)
    assert message in str(exc.value)


def test_unset_variable_in_environment_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NOPE_URL", raising=False)
    (tmp_path / "aishell.toml").write_text('[environments]\nx = "${NOPE_URL}"\n')
    with pytest.raises(Exception) as exc:
        parse_source("x")
    assert "NOPE_URL" in str(exc.value)


def test_unreachable_server_message_is_one_line_and_masked():
    with pytest.raises(ConnectError) as exc:
        connect("postgresql://app:topsecret@127.0.0.1:1/app", connect_timeout=2)
    msg = str(exc.value)
    assert "topsecret" not in msg and "\n" not in msg
    assert "connection refused" in msg


def test_missing_database_is_a_connect_error(pg_server):
    from aishell.dialects.postgres.connect import conninfo_with_dbname

    with pytest.raises(ConnectError) as exc:
        connect(conninfo_with_dbname(pg_server.conninfo(), "no_such_db_aishell"))
    assert "no_such_db_aishell" in str(exc.value) and "does not exist" in str(exc.value)


def test_temporary_database_is_dropped(pg_server):
    with pg_server.temporary_database() as conninfo:
        with connect(conninfo) as conn:
            name = conn.execute("select current_database()").fetchone()[0]
    with connect(pg_server.conninfo()) as conn:
        left = conn.execute("select count(*) from pg_database where datname = %s", (name,)).fetchone()[0]
    assert left == 0
