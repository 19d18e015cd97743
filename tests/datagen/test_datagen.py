"""Test data on the real PostgreSQL: exact counts, zero violations, determinism, safety, bad inputs."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.conftest import CORPUS, run_cli

HERE = Path(__file__).resolve().parent
SHOP = HERE / "shop.sql"


def _load_sql(server, conninfo: str, path: Path) -> None:
    from aishell.sources import run_sql_text

    run_sql_text(conninfo, path.read_text(), server.bin("psql"), label=path.name)


def _fill(conninfo: str, total: int, seed: int, throwaway: bool = True, disposable: bool = False):
    from aishell.datagen.load import load_data, plan_data

    _schema, plans, existing, ctx = plan_data(conninfo, total, seed=seed, throwaway=throwaway)
    report = load_data(conninfo, plans, ctx, throwaway=throwaway, existing=existing, total=total,
                       disposable=disposable)
    return plans, report


def _fetch(conninfo: str, sql: str):
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("disposable", [False, True], ids=["one-transaction", "rebuilt-alongside"])
def test_shop_exact_counts_and_zero_violations(pg_server, scratch_db, disposable):
    _load_sql(pg_server, scratch_db, SHOP)
    before = _constraints(scratch_db)
    plans, report = _fill(scratch_db, 3000, seed=7, disposable=disposable)
    # Every key, index and foreign key is back under its name, validated, with its comment.
    assert _constraints(scratch_db) == before and all(r[-1] for r in before)
    assert report.restored_exactly
    assert not [t for t in report.tables if t.skipped], [t.skipped for t in report.tables]
    assert report.rows == 3000
    for p in plans:
        assert report.counts[p.name] == p.count > 0, p.name
    # The counts are PostgreSQL's (COPY's command tags), not the plan's: the tables hold exactly that.
    for name in ("public.orders", "public.order_items", "public.customers"):
        assert _fetch(scratch_db, f"SELECT count(*) FROM {name}")[0][0] == report.counts[name], name
    assert sum(report.counts.values()) == 3000
    assert report.fk_violations == 0 and report.fk_checked == 13  # every FK re-added and validated
    assert report.check_violations == 0 and report.check_checked >= 15
    assert report.counts["Audit.Event Log"] > 0
    # Self-reference and the NOT NULL cycle were filled with real keys.
    assert _fetch(scratch_db, "SELECT count(*) FROM categories WHERE parent_id IS NOT NULL")[0][0] > 0
    assert _fetch(scratch_db, "SELECT count(*) FROM warehouses w JOIN employees e ON e.id = w.manager_id")[0][0] \
        == report.counts["public.warehouses"]
    # Derived and ordered checks hold by construction; uniques are unique; emails look like emails.
    rows = _fetch(scratch_db, "SELECT count(*) FILTER (WHERE total <> subtotal + tax), "
                              "count(*) FILTER (WHERE shipped_at <= ordered_at) FROM orders")
    assert rows[0] == (0, 0)
    assert _fetch(scratch_db, "SELECT count(*) FROM customers WHERE email !~ '^[a-z.]+[0-9]+@[a-z.]+$'")[0][0] == 0
    # Fan-out is skewed: some customers have several orders, the busiest clearly more than the average.
    busiest, avg = _fetch(scratch_db, "SELECT max(n), avg(n) FROM (SELECT count(*) n FROM orders GROUP BY customer_id) s")[0]
    assert busiest > 2 * avg
    # Lookup tables stay small, the leaves get most rows.
    assert report.counts["public.countries"] < report.counts["public.orders"] < report.counts["public.order_items"]


def _constraints(conninfo: str):
    return sorted(_fetch(conninfo, "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid), "
                            "coalesce(obj_description(k.oid, 'pg_constraint'), ''), k.convalidated "
                            "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                            "JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                            "UNION ALL SELECT c.relname, x.relname, pg_get_indexdef(i.indexrelid), "
                            "coalesce(obj_description(x.oid, 'pg_class'), ''), i.indisvalid "
                            "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
                            "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"))


def _interrupt_and_expect_one_line(proc) -> None:
    """Ctrl-C: the command ends with exit 130 and one line, no traceback."""
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] in ("aishell: error: aborted", "aishell: error: interrupted")
    assert "Traceback" not in err


def test_same_seed_same_rows(pg_server):
    digests = []
    for seed in (11, 11, 12):
        with pg_server.temporary_database(prefix="aishell_test_dg_") as ci:
            _load_sql(pg_server, ci, SHOP)
            _fill(ci, 800, seed=seed)
            digests.append(_fetch(ci, "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM ("
                                      "SELECT o::text x FROM orders o UNION ALL SELECT c::text FROM customers c "
                                      "UNION ALL SELECT i::text FROM order_items i UNION ALL SELECT p::text FROM products p"
                                      ") s")[0][0])
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_database_target_refuses_non_empty_tables(pg_server, scratch_db):
    _load_sql(pg_server, scratch_db, SHOP)
    r = run_cli("schema", "test", "--database", scratch_db, "--data-size", "400", "--seed", "1", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    # The NOT NULL cycle loads too: its foreign keys are dropped and added back inside the run's transaction.
    assert not [t for t in data["tables"] if t["skipped"]]
    assert data["rows"] == 400 and data["constraints"]["foreign_key_violations"] == 0
    assert data["constraints"]["foreign_keys_checked"] == 13 and data["rebuilt"]["restored_exactly"]
    assert _fetch(scratch_db, "SELECT count(*) FROM warehouses w JOIN employees e ON e.id = w.manager_id")[0][0] \
        == data["counts"]["public.warehouses"]
    r = run_cli("schema", "test", "--database", scratch_db, "--data-size", "100")
    assert r.returncode == 3 and r.stderr.count("\n") == 1 and "--append" in r.stderr
    r = run_cli("schema", "test", "--database", scratch_db, "--data-size", "100", "--append", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows"] == 100
    assert _fetch(scratch_db, "SELECT count(*) FROM customers")[0][0] > 0


def test_keep_prints_a_database_that_holds_the_rows(pg_server):
    from aishell.dialects.postgres.connect import connect

    r = run_cli("schema", "test", "--from", str(SHOP), "--data-size", "300", "--keep", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    kept = data["kept"]
    try:
        assert sum(n for _t, n in _fetch(kept["conninfo"], "SELECT 1, count(*) FROM orders UNION ALL "
                                                          "SELECT 2, count(*) FROM customers")) > 0
    finally:
        with connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{kept["database"]}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{kept["owner"]}"')  # the unprivileged role that owned it


@pytest.mark.parametrize("size", ["abc", "0", "1.5", "-3", "10X"])
def test_bad_data_size_is_one_line(size):
    r = run_cli("schema", "test", "--from", str(SHOP), "--data-size", size)
    assert r.returncode == 1
    assert r.stderr.startswith("aishell: error:") and r.stderr.count("\n") == 1, r.stderr


def test_bad_inputs_are_one_line(tmp_path):
    for args in (["--from", str(tmp_path / "missing.sql")],
                 ["--from", str(SHOP), "--database", "postgresql://localhost/x"],
                 ["--append"]):
        r = run_cli("schema", "test", *args, "--data-size", "10", cwd=tmp_path)
        assert r.returncode == 1, (args, r.stderr)
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_benchmark_bad_inputs_are_one_line(tmp_path):
    for args in (["--clients", "0"], ["--duration", "0"], ["--queries", str(tmp_path / "none.sql")],
                 ["--data-size", "lots"], ["--from", str(SHOP), "--database", "x"]):
        r = run_cli("schema", "benchmark", *args, cwd=tmp_path)
        assert r.returncode == 1, (args, r.stderr)
        assert r.stderr.startswith("aishell: error:") and r.stderr.count("\n") == 1, r.stderr


def test_parse_size():
    from aishell.datagen import parse_size

    assert parse_size("10K") == 10_000 and parse_size("1M") == 1_000_000 and parse_size("2.5k") == 2500
    assert parse_size("500") == 500 and parse_size("1_000") == 1000


def test_pagila_fills_every_table(any_server):
    """pagila on PostgreSQL 18 (and its PostgreSQL 15 variant on 15): partitions, domains, a NOT NULL
    cycle, tsvector, pgvector - every table gets rows, or is listed with its reason."""
    major = any_server.server_major()
    path = CORPUS / ("pagila-schema.sql" if major >= 18 else "pagila-schema-pg15.sql")
    env = {"AISHELL_SCRATCH_URL": any_server.conninfo() if major < 18 else ""}
    r = run_cli("schema", "test", "--from", str(path), "--data-size", "6000", "--seed", "5", "--json", env=env)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    loaded = [t for t in data["tables"] if t["rows"] > 0]
    skipped = [t for t in data["tables"] if t["skipped"]]
    assert all(t["skipped"] for t in data["tables"] if t["rows"] == 0 and t["requested"] > 0)
    assert len(loaded) >= 14, skipped
    assert data["rows"] == 6000
    assert data["constraints"]["foreign_key_violations"] == 0
    # the year domain's CHECK on film.release_year is counted too
    assert data["constraints"]["checks_checked"] >= 1 and data["constraints"]["check_violations"] == 0
    assert data["constraints"]["checks_enforced_by"] == "postgresql"
    payment = next(t for t in data["tables"] if t["table"] == "public.payment")
    assert payment["rows"] > 0 and payment.get("partitions", 0) > 1


def test_ctrl_c_leaves_nothing_half_loaded(pg_server, scratch_db):
    """A real SIGINT in the middle of COPY: exit 130, every table empty, every index and key as before."""
    import os
    import subprocess
    import sys
    import time

    from aishell.diff import diff_schemas
    from aishell.dialects.postgres.inspect import inspect
    from tests.migrate.killing import interruptible  # Ctrl-C even when this run inherited SIGINT ignored

    _load_sql(pg_server, scratch_db, SHOP)
    before = inspect(scratch_db, include_stats=False)
    dbname = _fetch(scratch_db, "SELECT current_database()")[0][0]
    proc = subprocess.Popen([sys.executable, "-m", "aishell.cli.main", "schema", "test", "--database", scratch_db,
                             "--data-size", "3M", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=interruptible)
    try:
        deadline = time.monotonic() + 120
        copied = 0
        while time.monotonic() < deadline and proc.poll() is None:
            rows = _fetch(scratch_db, "SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy p "
                                      f"JOIN pg_database d ON d.oid = p.datid WHERE d.datname = '{dbname}'")
            copied = rows[0][0]
            if copied > 1000:
                break
            time.sleep(0.02)
        assert copied > 1000, "the load never reached COPY"
        _interrupt_and_expect_one_line(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    counts = _fetch(scratch_db, "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) + "
                                "(SELECT count(*) FROM order_items) + (SELECT count(*) FROM \"Audit\".\"Event Log\")")
    assert counts[0][0] == 0
    after = inspect(scratch_db, include_stats=False)
    assert not diff_schemas(before, after)
    # no session of the interrupted run is left holding locks
    assert _fetch(scratch_db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND pid <> pg_backend_pid()")[0][0] == 0


def test_ctrl_c_drops_the_throwaway_database_mid_rebuild(pg_server):
    """The throwaway database commits table by table and rebuilds alongside: a real SIGINT once a table
    is committed and the next one is streaming leaves no database, no role and no session behind."""
    import os
    import subprocess
    import sys
    import time

    from aishell.dialects.postgres.connect import conninfo_with_dbname
    from tests.migrate.killing import interruptible

    admin = pg_server.conninfo()
    roles = {r[0] for r in _fetch(admin, "SELECT rolname FROM pg_roles")}
    dbs = {r[0] for r in _fetch(admin, "SELECT datname FROM pg_database")}
    proc = subprocess.Popen([sys.executable, "-m", "aishell.cli.main", "schema", "test", "--from", str(SHOP),
                             "--data-size", "3M", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=interruptible)
    name = None
    try:
        deadline = time.monotonic() + 120
        committed = 0
        while time.monotonic() < deadline and proc.poll() is None:
            rows = _fetch(admin, "SELECT d.datname FROM pg_stat_progress_copy p JOIN pg_database d "
                                 "ON d.oid = p.datid WHERE d.datname LIKE 'aishell_testdata_%' "
                                 "AND p.tuples_processed > 1000")
            if rows and rows[0][0] not in dbs:
                name = rows[0][0]
                try:  # rows of an earlier table are committed, and other sessions rebuild them
                    committed = _fetch(conninfo_with_dbname(admin, name),
                                       "SELECT count(*) FROM customers")[0][0]
                except Exception:  # noqa: S112 - the database is still being built
                    continue
                if committed:
                    break
            time.sleep(0.02)
        assert name and committed > 0, "the load never committed a table while streaming the next"
        _interrupt_and_expect_one_line(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not _fetch(admin, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    assert {r[0] for r in _fetch(admin, "SELECT rolname FROM pg_roles")} <= roles
    assert not _fetch(admin, f"SELECT 1 FROM pg_stat_activity WHERE datname = '{name}'")


PARTITIONED_REFUSING = """
CREATE TABLE ev (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL, note text,
                 PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
CREATE TABLE ev_2 PARTITION OF ev FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
CREATE TABLE ev_3 PARTITION OF ev FOR VALUES FROM ('2025-03-01') TO ('2025-04-01');
CREATE INDEX ev_note ON ev (note);
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'no rows for March'; END$$;
CREATE TRIGGER refuse BEFORE INSERT ON ev_3 FOR EACH ROW EXECUTE FUNCTION refuse();
CREATE TABLE other (id bigint PRIMARY KEY, name text);
"""


@pytest.mark.parametrize("disposable", [False, True], ids=["one-transaction", "rebuilt-alongside"])
def test_a_partition_refused_after_others_were_committed_leaves_its_table_empty(pg_server, scratch_db,
                                                                                 tmp_path, disposable):
    """Rows of a range-partitioned table arrive partition by partition, and with the rebuilding sessions
    each partition is committed as it completes: when PostgreSQL refuses the last partition's rows, the
    whole table is emptied and reported skipped with the reason; the other tables load."""
    path = tmp_path / "ev.sql"
    path.write_text(PARTITIONED_REFUSING)
    _load_sql(pg_server, scratch_db, path)
    before = _constraints(scratch_db)
    _plans, report = _fill(scratch_db, 6000, seed=3, disposable=disposable)
    ev = next(t for t in report.tables if t.table == "public.ev")
    assert ev.rows == 0 and "no rows for March" in (ev.skipped or "")
    assert _fetch(scratch_db, "SELECT count(*) FROM ev")[0][0] == 0
    assert _fetch(scratch_db, "SELECT count(*) FROM other")[0][0] == report.counts["public.other"] > 0
    assert _constraints(scratch_db) == before and report.restored_exactly


def test_buffers_through_few_small_slots_arrive_intact(pg_server, scratch_db, monkeypatch):
    """Two shared slots reused over and over, and buffers too big for a slot sent through the queue
    instead: every row arrives (a slot freed too early would hand COPY a half-overwritten buffer)."""
    from aishell.datagen import stream

    monkeypatch.setattr(stream, "SLOTS", 2)
    monkeypatch.setattr(stream, "SLOT_BYTES", 16 << 10)
    monkeypatch.setattr(stream, "BATCH_ROWS", 150)
    _load_sql(pg_server, scratch_db, SHOP)
    plans, report = _fill(scratch_db, 6000, seed=3, disposable=True)
    assert not [t for t in report.tables if t.skipped], [t.skipped for t in report.tables]
    assert report.rows == 6000
    from aishell.dialects.postgres.quote import qualify

    for p in plans:
        assert _fetch(scratch_db, f"SELECT count(*) FROM {qualify(p.table.schema, p.table.name)}")[0][0] == p.count
