"""Durations: one parser for every flag that takes one; nothing else reaches PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from aishell.durations import normalise_duration, parse_duration
from aishell.errors import UserError
from tests.conftest import run_cli

INJECTION = "5s'; CREATE TABLE injected(); SELECT '1"


@pytest.mark.parametrize("text, ms", [("5s", 5000), ("500ms", 500), ("500", 500), ("10min", 600_000),
                                      ("1.5s", 1500), (" 2 h ", 7_200_000), ("1d", 86_400_000),
                                      ("2000us", 2)])
def test_durations_parse(text, ms):
    assert parse_duration(text) == ms


@pytest.mark.parametrize("text", [INJECTION, "", "soon", "-1s", "5 s s", "5sec; x", "1e3", "0.5ms", "0",
                                  "30days", "5m", "99999999999h"])
def test_anything_else_is_refused(text):
    with pytest.raises(UserError, match="invalid --lock-timeout"):
        parse_duration(text, flag="--lock-timeout")


def test_canonical_text():
    assert [normalise_duration(t) for t in ("5000ms", "90s", "60s", "120s", "1500", "3600s", "1d")] == \
        ["5s", "90s", "60s", "2min", "1500ms", "1h", "24h"]
    assert parse_duration("0", default_unit="s", allow_zero=True) == 0
    assert parse_duration("3", default_unit="s") == 3000


def test_a_plan_refuses_a_timeout_that_is_not_a_duration():
    from aishell.diff.plan import Plan

    with pytest.raises(UserError, match="invalid lock_timeout"):
        Plan([], [], lock_timeout=INJECTION)
    assert Plan([], [], lock_timeout="5000ms").lock_timeout == "5s"


@pytest.fixture
def target(scratch_db):
    with psycopg.connect(scratch_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    return scratch_db


def _tables(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo) as conn:
        return {r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relkind = 'r' "
                                           "AND relnamespace = 'public'::regnamespace")}


@pytest.mark.parametrize("flag", ["--lock-timeout", "--statement-timeout"])
def test_migrate_refuses_an_injected_timeout(tmp_path, target, flag):
    desired = tmp_path / "desired.sql"
    desired.write_text("CREATE TABLE public.t (id int PRIMARY KEY, x int);\n")
    r = run_cli("schema", "migrate", str(desired), target, "--apply", "--no-verify", flag, INJECTION)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"invalid {flag}" in lines[0] and "Traceback" not in r.stderr
    assert _tables(target) == {"t"}


@pytest.mark.parametrize("args", [
    ["schema", "diff", "a.sql", "b.sql", "--sql", "--lock-timeout", INJECTION],
    ["schema", "fix", "--database", "db", "--statement-timeout", INJECTION],
    ["schema", "fix", "--database", "db", "--wait", INJECTION],
    ["schema", "refactor", "rename", "--database", "db", "--lock-timeout", INJECTION],
    ["schema", "cleanup", "nulls", "--table", "t", "--column", "c", "--database", "db", "--lock-timeout", INJECTION],
    ["schema", "version", "apply", "--database", "db", "--wait", INJECTION],
])
def test_every_duration_flag_goes_through_the_parser(args):
    r = run_cli(*args)
    assert r.returncode == 1, r.stderr
    assert "invalid --" in r.stderr and "give a duration" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_the_migration_file_holds_the_canonical_duration(tmp_path):
    (tmp_path / "a.sql").write_text("CREATE TABLE public.t (id int PRIMARY KEY, x int);\n")
    (tmp_path / "b.sql").write_text("CREATE TABLE public.t (id int PRIMARY KEY);\n")
    r = run_cli("schema", "diff", str(tmp_path / "a.sql"), str(tmp_path / "b.sql"), "--sql", "--no-verify",
                "--lock-timeout", "5000", "--statement-timeout", "90 s")
    assert r.returncode == 2, r.stderr
    assert "SET lock_timeout = '5s';" in r.stdout and "SET statement_timeout = '90s';" in r.stdout
