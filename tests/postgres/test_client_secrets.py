"""Passwords never reach another process's argv, nor any command aishell suggests or prints.

The end-to-end test gives a role a password and makes the embedded server ask for it (a
``scram-sha-256`` line for that role alone in pg_hba.conf), then catches the real pg_dump that
``schema diff --sql`` starts while it waits for a table lock the test holds, and reads its
/proc/PID/cmdline: what any local user's ``ps`` would show.
"""

from __future__ import annotations

import ast
import os
import secrets
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from aishell.dialects.postgres.client import CONNINFO, client_command

SRC = Path(__file__).resolve().parents[2] / "src" / "aishell"
PASSWORD = "Pw'7 q@x=z%" + secrets.token_hex(4)  # quote, space, @, = and % in one


@pytest.mark.parametrize("conninfo", [
    f"postgresql://alice:{quote(PASSWORD, safe='')}@db.example:5433/app?sslmode=disable",
    "host=db.example user=alice dbname=app password='" + PASSWORD.replace("'", "\\'") + "'",
    f"postgresql://alice@db.example/app?password={quote(PASSWORD, safe='')}",
], ids=["url", "key-value", "url-query"])  # ids without the random password: pytest-xdist workers must agree
def test_the_password_goes_to_the_environment_not_the_argv(conninfo):
    argv, env = client_command(["pg_dump", "--schema-only", "-d", CONNINFO], conninfo, {"PATH": "/usr/bin"})
    joined = " ".join(argv)
    assert PASSWORD not in joined and quote(PASSWORD, safe="") not in joined
    assert "password" not in joined
    assert env == {"PATH": "/usr/bin", "PGPASSWORD": PASSWORD}
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(argv[-1])
    assert (params["host"], params["user"], params["dbname"]) == ("db.example", "alice", "app")


def test_only_the_client_module_starts_processes():
    """Every PostgreSQL client program goes through run_client (server.py runs initdb/pg_ctl, which
    take no conninfo; erd.py runs Graphviz)."""
    allowed = {"dialects/postgres/client.py", "dialects/postgres/server.py", "render/erd.py"}
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "subprocess" and node.attr in ("run", "Popen", "call", "check_call",
                                                                         "check_output")):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


@pytest.fixture
def password_database(sandbox, pg_server):
    """A database owned by a role that must give its password over the embedded server's socket."""
    if pg_server.server_major() < sandbox.server_major():
        # The verification copies go to the test server; a newer server's dump does not load into it
        # (pg_dump 18 writes SET transaction_timeout, which PostgreSQL 15 does not know).
        pytest.skip("the password server is the embedded one, newer than the scratch server of this pass")
    role = f"aishell_pw_{secrets.token_hex(4)}"
    hba = Path(sandbox.pgdata) / "pg_hba.conf"
    original = hba.read_text()
    with psycopg.connect(sandbox.admin_conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(PASSWORD)))
        hba.write_text(f"local all {role} scram-sha-256\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    try:
        with sandbox.temporary_database(prefix="aishell_pw_") as conninfo:
            dbname = psycopg.conninfo.conninfo_to_dict(conninfo)["dbname"]
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(dbname),
                                                                           sql.Identifier(role)))
                conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
                conn.execute("CREATE TABLE public.customers (id bigint PRIMARY KEY, name text NOT NULL)")
            url = f"postgresql://{role}:{quote(PASSWORD, safe='')}@/{dbname}?host={sandbox.socket_dir}"
            with pytest.raises(psycopg.OperationalError):  # the server really asks for the password
                psycopg.connect(f"host={sandbox.socket_dir} dbname={dbname} user={role}").close()
            yield url, conninfo
    finally:
        hba.write_text(original)
        with psycopg.connect(sandbox.admin_conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _client_cmdlines(marker: str) -> list[str]:
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        args = raw.decode(errors="replace").split("\0")
        if args and Path(args[0]).name in ("pg_dump", "psql", "pg_restore", "pgbench") and marker in raw.decode(
                errors="replace"):
            out.append(" ".join(args))
    return out


def test_pg_dump_gets_the_password_through_its_environment(password_database, tmp_path, cli, monkeypatch):
    """The real pg_dump of ``schema diff --sql``'s verification, caught while it waits for a lock: no
    password in its argv; and the whole command works against a server that asks for one."""
    import threading

    from aishell.migrate.compare import pg_dump_schema

    url, admin = password_database
    dbname = psycopg.conninfo.conninfo_to_dict(admin)["dbname"]
    monkeypatch.delenv("PGPASSWORD", raising=False)
    seen: list[str] = []
    result: dict[str, object] = {}

    def dump() -> None:
        try:
            result["dump"] = pg_dump_schema(url)
        except Exception as exc:  # reported by the assertion below
            result["error"] = exc

    with psycopg.connect(admin) as holder:
        holder.execute("LOCK TABLE public.customers IN ACCESS EXCLUSIVE MODE")  # pg_dump waits for it
        worker = threading.Thread(target=dump)
        worker.start()
        try:
            deadline = time.monotonic() + 120
            while not seen and worker.is_alive() and time.monotonic() < deadline:
                seen = _client_cmdlines(dbname)
                time.sleep(0.05)
        finally:
            holder.rollback()
            worker.join(300)
    assert seen, f"pg_dump was never seen running: {result}"
    for cmdline in seen:
        assert PASSWORD not in cmdline and quote(PASSWORD, safe="") not in cmdline, cmdline
    assert "error" not in result, result
    assert "CREATE TABLE public.customers" in str(result["dump"])

    desired = tmp_path / "desired.sql"
    desired.write_text("CREATE TABLE public.customers (id bigint PRIMARY KEY, name text NOT NULL, email text);\n")
    r = cli("schema", "diff", str(desired), url, "--sql", env={"PGPASSWORD": ""})
    assert r.returncode == 2, r.stderr  # differences found, and the plan verified: pg_dump logged in
    assert "ADD COLUMN email" in r.stdout
    assert PASSWORD not in r.stdout + r.stderr and quote(PASSWORD, safe="") not in r.stdout + r.stderr


def test_suggested_commands_are_masked(password_database, tmp_path, cli):
    url, _ = password_database
    desired = tmp_path / "desired.sql"
    desired.write_text("CREATE TABLE public.customers (id bigint PRIMARY KEY, name text NOT NULL, email text);\n")
    for args in (["schema", "diff", str(desired), url], ["schema", "diff", str(desired), url, "--json"],
                 ["schema", "migrate", str(desired), url, "--preview"]):
        r = cli(*args, env={"PGPASSWORD": ""})
        assert r.returncode in (0, 2), r.stderr
        text = r.stdout + r.stderr
        assert PASSWORD not in text and quote(PASSWORD, safe="") not in text, args
    r = cli("schema", "diff", str(desired), url)
    assert "aishell schema migrate" in r.stdout and ":***@" in r.stdout


def test_fix_backs_up_and_rehearses_with_a_password_it_never_shows(password_database, tmp_path, cli):
    """``fix --apply-all`` runs pg_dump twice (the scratch copy of the schema, then the backup) against
    a server that asks for the password: both log in, and no output names it."""
    url, admin = password_database
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL "
                     "REFERENCES public.customers)")
    r = cli("schema", "fix", "--database", url, "--apply-all", "--rule", "missing-fk-index",
            "--backup-dir", str(tmp_path / "backups"), "--json", env={"PGPASSWORD": ""}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert PASSWORD not in r.stdout + r.stderr and quote(PASSWORD, safe="") not in r.stdout + r.stderr
    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1 and "CREATE TABLE public.orders" in backups[0].read_text()
    with psycopg.connect(admin) as conn:
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'orders'").fetchone()[0] == 2
