"""Kill tests (issue 9): SIGINT and SIGKILL at each phase of ``migrate --apply``, ``version apply`` and
``fix --apply-all``.

Each run is stopped at a named point (aishell/testpoints.py) and signalled there. Killed in the
pre-checks or inside the transaction, the database is exactly as before and the history says nothing
new. Killed in the online phase (after the transaction committed, before or after a CREATE INDEX
CONCURRENTLY and before its record), the transaction's work is there, no INVALID index is left or
counted, the history says how far it got, and running the command again finishes the job.
"""

from __future__ import annotations

import signal

import psycopg
import pytest

from tests.conftest import run_cli
from tests.diff.fixture_harness import reset_database
from tests.migrate.killing import start_paused, state, stop, wait_until

BASE = """CREATE TABLE items (id int PRIMARY KEY, code text, name text, note text);
INSERT INTO items SELECT g, 'c' || g, 'name ' || g, 'n' FROM generate_series(1, 200) g;
"""
DESIRED = """CREATE TABLE items (id int PRIMARY KEY, code varchar(20), name text, added int DEFAULT 0);
CREATE UNIQUE INDEX items_code_key ON items (code);
CREATE INDEX items_name_idx ON items (name);
"""


@pytest.fixture(scope="module")
def db(pg_server):
    with pg_server.temporary_database(prefix="aishell_test_kill_") as conninfo:
        yield conninfo


def load(conninfo: str, sql: str = BASE) -> None:
    reset_database(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as c:
        c.execute(sql)


def migrated(conninfo: str) -> bool:
    """Fully migrated to DESIRED, with the rows kept."""
    s = state(conninfo)
    cols = {(c[0], c[1]) for c in s["columns"] if c[0] == "items"}
    return (
        cols == {("items", "id"), ("items", "code"), ("items", "name"), ("items", "added")}
        and ("items_code_key", True) in s["indexes"]
        and ("items_name_idx", True) in s["indexes"]
        and s["data"]["items"][0] == 200
    )


def no_invalid_index(conninfo: str) -> bool:
    return all(valid for _, valid in state(conninfo)["indexes"])


SIGNALS = [signal.SIGINT, signal.SIGKILL]


def _exit_ok(rc: int, sig: int) -> bool:
    return rc == (130 if sig == signal.SIGINT else -signal.SIGKILL)


# -- migrate --apply ------------------------------------------------------------------------------------
@pytest.mark.parametrize("sig", SIGNALS, ids=["SIGINT", "SIGKILL"])
def test_migrate_killed_at_each_phase(sig, db, tmp_path):
    (tmp_path / "d.sql").write_text(DESIRED)
    args = [
        "schema",
        "migrate",
        str(tmp_path / "d.sql"),
        db,
        "--apply",
        "--unsafe",
        "--no-verify",
        "--wait",
        "20s",
    ]
    pause = tmp_path / "pause"
    load(db)
    before = state(db)
    for point in ("precheck", "transaction"):
        rc, _, err = stop(start_paused(args, point, pause), sig)
        assert _exit_ok(rc, sig), err
        assert state(db) == before, point  # nothing at all changed
    rc, _, err = stop(start_paused(args, "online", pause), sig)
    assert _exit_ok(rc, sig), err
    after = state(db)
    assert ("items", "added", "integer", None, "YES") in after["columns"]  # the transaction committed
    assert ("items", "note", "text", None, "YES") not in after["columns"]
    assert not any(name == "items_code_key" for name, _ in after["indexes"]) and no_invalid_index(db)
    r = run_cli(*args)  # running it again finishes the job
    assert r.returncode == 0, r.stderr
    assert migrated(db)


# -- version apply ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def versions(db, tmp_path_factory):
    """A migrations folder: the baseline BASE (1.0.0) and DESIRED (1.1.0)."""
    cwd = tmp_path_factory.mktemp("versions")
    load(db)
    (cwd / "d.sql").write_text(DESIRED)
    assert run_cli("schema", "version", "init", "--database", db, cwd=cwd).returncode == 0
    r = run_cli("schema", "version", "create", "desired", "--from", "d.sql", cwd=cwd)
    assert r.returncode == 0, r.stderr
    return cwd


def history(conninfo: str) -> list[tuple]:
    with psycopg.connect(conninfo) as c:
        return c.execute(
            "SELECT version, state, steps_done, steps_total FROM aishell_schema_versions ORDER BY version"
        ).fetchall()


def load_baseline(conninfo: str) -> None:
    """BASE, and a history holding only the baseline 1.0.0 (as `version init` recorded it)."""
    cols = "version, description, script, checksum, down_checksum, tables, indexes"
    with psycopg.connect(conninfo, autocommit=True) as c:
        row = c.execute(f"SELECT {cols} FROM aishell_schema_versions WHERE version = '1.0.0'").fetchone()
    load(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as c:
        from aishell.migrate.versions import HISTORY_DDL

        c.execute(HISTORY_DDL)
        c.execute(
            f"INSERT INTO aishell_schema_versions ({cols}, state, steps_done, steps_total) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 'applied', 1, 1)",
            row,
        )


@pytest.mark.parametrize("sig", SIGNALS, ids=["SIGINT", "SIGKILL"])
def test_version_apply_killed_at_each_phase(sig, db, versions, tmp_path):
    args = ["schema", "version", "apply", "--database", db, "--unsafe", "--wait", "20s"]
    pause = tmp_path / "pause"
    load_baseline(db)
    before, base_history = state(db), history(db)
    assert base_history == [("1.0.0", "applied", 1, 1)]
    for point in ("precheck", "transaction"):
        rc, _, err = stop(start_paused(args, point, pause, cwd=versions), sig)
        assert _exit_ok(rc, sig), err
        assert state(db) == before and history(db) == base_history, point
    # Between the transaction and the first index build: the history says step 1 of 3 is done.
    rc, _, err = stop(start_paused(args, "online", pause, cwd=versions), sig)
    assert _exit_ok(rc, sig), err
    assert history(db)[1] == ("1.1.0", "partial", 1, 3) and no_invalid_index(db)
    r = run_cli("schema", "version", "status", "--database", db, cwd=versions)
    assert r.returncode == 2 and "resumes at step 2" in r.stdout
    # Killed after the unique index was built but before its record: the rerun builds nothing twice.
    rc, _, err = stop(start_paused(args, "history", pause, cwd=versions), sig)
    assert _exit_ok(rc, sig), err
    assert history(db)[1] == ("1.1.0", "partial", 1, 3) and ("items_code_key", True) in state(db)["indexes"]
    r = run_cli(*args, cwd=versions)
    assert r.returncode == 0, r.stderr
    assert "resumed at step 2" in r.stdout
    assert migrated(db) and history(db)[1] == ("1.1.0", "applied", 3, 3)
    assert run_cli("schema", "version", "status", "--database", db, cwd=versions).returncode == 0


@pytest.mark.parametrize("sig", SIGNALS, ids=["SIGINT", "SIGKILL"])
def test_interrupted_index_build_is_never_counted(sig, db, versions, tmp_path):
    """Interrupted while CREATE INDEX CONCURRENTLY waits: the INVALID index it leaves is not recorded as
    applied, status says so (exit 2), and the next apply drops it and builds it again. Ctrl-C cancels the
    build (psycopg); after a SIGKILL the server cancels it itself within seconds, since aishell's
    sessions set client_connection_check_interval, so it does not run on unseen."""
    load_baseline(db)
    args = ["schema", "version", "apply", "--database", db, "--unsafe"]
    pause = tmp_path / "pause"
    proc = start_paused(args, "online", pause, cwd=versions)
    with psycopg.connect(db) as blocker:
        blocker.execute("LOCK TABLE items IN ROW EXCLUSIVE MODE")  # the build waits for this transaction
        pause.unlink()
        wait_until(
            db,
            "SELECT EXISTS (SELECT FROM pg_index WHERE indexrelid::regclass::text = 'items_code_key' "
            "AND NOT indisvalid)",
        )
        rc, _, err = stop(proc, sig)
        assert _exit_ok(rc, sig), err
        wait_until(
            db,
            "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE 'CREATE UNIQUE INDEX "
            "CONCURRENTLY%' AND pid <> pg_backend_pid())",
            timeout=30,
        )
        blocker.rollback()
    assert history(db)[1] == ("1.1.0", "partial", 1, 3)
    r = run_cli("schema", "version", "status", "--database", db, cwd=versions)
    if ("items_code_key", False) in state(db)["indexes"]:  # unless the interrupted run could drop it at once
        assert r.returncode == 2 and "items_code_key on items is INVALID" in r.stdout
    r = run_cli(*args, cwd=versions)
    assert r.returncode == 0, r.stderr
    assert migrated(db) and no_invalid_index(db) and history(db)[1] == ("1.1.0", "applied", 3, 3)


def test_history_table_of_an_earlier_aishell_is_upgraded(db, versions):
    """A history table without the step columns (written by an earlier aishell) gets them, in place."""
    load_baseline(db)
    with psycopg.connect(db, autocommit=True) as c:
        c.execute(
            "ALTER TABLE aishell_schema_versions DROP COLUMN state, DROP COLUMN steps_done, "
            "DROP COLUMN steps_total"
        )
    r = run_cli("schema", "version", "apply", "--database", db, "--unsafe", cwd=versions)
    assert r.returncode == 0, r.stderr
    assert history(db) == [("1.0.0", "applied", None, None), ("1.1.0", "applied", 3, 3)]


def test_version_rollback_killed_then_resumed(db, versions, tmp_path):
    load_baseline(db)
    assert run_cli("schema", "version", "apply", "--database", db, "--unsafe", cwd=versions).returncode == 0
    applied_state, applied_history = state(db), history(db)
    args = ["schema", "version", "rollback", "1.0.0", "--database", db, "--unsafe", "--wait", "20s"]
    pause = tmp_path / "pause"
    rc, _, _ = stop(start_paused(args, "transaction", pause, cwd=versions), signal.SIGKILL)
    assert rc == -signal.SIGKILL
    assert state(db) == applied_state and history(db) == applied_history
    r = run_cli(*args, cwd=versions)
    assert r.returncode == 0, r.stderr
    assert history(db) == [("1.0.0", "applied", 1, 1)]
    assert {c[1] for c in state(db)["columns"] if c[0] == "items"} == {"id", "code", "name", "note"}


# -- fix --apply-all ----------------------------------------------------------------------------------------
SHOP = """CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (id bigint PRIMARY KEY, author_id bigint NOT NULL REFERENCES authors (id), title text NOT NULL,
                    price numeric(10, 2));
CREATE TABLE book_authors (book_id bigint NOT NULL REFERENCES books (id),
                           author_id bigint NOT NULL REFERENCES authors (id));
INSERT INTO authors SELECT g, 'a' || g FROM generate_series(1, 50) g;
INSERT INTO books SELECT g, 1 + g % 50, 't' || g, g FROM generate_series(1, 200) g;
INSERT INTO book_authors SELECT g, 1 + g % 50 FROM generate_series(1, 200) g;
"""


def fixed(conninfo: str) -> bool:
    s = state(conninfo)
    names = {n for n, _ in s["indexes"]}
    cons = dict(s["constraints"])
    return (
        "book_authors_pkey" in names
        and "idx_books_author_id" in names
        and no_invalid_index(conninfo)
        and cons.get("chk_books_price_non_negative") is True
    )


@pytest.mark.parametrize("sig", SIGNALS, ids=["SIGINT", "SIGKILL"])
def test_fix_killed_at_each_phase(sig, db, tmp_path):
    args = [
        "schema",
        "fix",
        "--database",
        db,
        "--apply-all",
        "--priority",
        "critical,warning,optimization",
        "--rule",
        "missing-primary-key",
        "--rule",
        "missing-fk-index",
        "--rule",
        "data-quality",
        "--rule",
        "not-valid-constraint",
        "--wait",
        "20s",
        "--backup-dir",
        str(tmp_path / "backups"),
    ]
    pause = tmp_path / "pause"
    load(db, SHOP)
    before = state(db)
    for point in ("precheck", "transaction"):
        rc, _, err = stop(start_paused(args, point, pause), sig)
        assert _exit_ok(rc, sig), err
        assert state(db) == before, point
    rc, _, err = stop(start_paused(args, "online", pause), sig)
    assert _exit_ok(rc, sig), err
    after = state(db)
    assert ("chk_books_price_non_negative", False) in after[
        "constraints"
    ]  # added NOT VALID in the transaction
    assert after["data"] == before["data"] and no_invalid_index(db)
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert fixed(db)
