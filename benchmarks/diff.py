"""Benchmark: diff an empty database against a 375-table schema, aishell vs migra, in one run.

The schema is synthetic and deterministic: 375 tables, about 800 foreign keys and 1,300 indexes
(primary keys, one index per foreign key, and some multi-column and partial ones), a few enums and
views. Both tools run as their command lines would, end to end: connect, introspect both databases,
compare and print the migration SQL (``aishell schema diff FULL EMPTY --sql`` with its verification on,
the same with ``--no-verify``, and ``migra EMPTY FULL --unsafe``). Each is run ``--runs`` times,
interleaved; the median wall time and client CPU are reported. Verification runs the plan on a scratch
copy of EMPTY on the embedded server and reads the result back: it is server work (creating 375 tables
and 1,300 indexes) that migra never does.

    pip install -e '.[bench]'        # migra, psycopg2-binary
    python benchmarks/diff.py [--runs 3] [--json]

The databases live on the embedded sandbox (``AISHELL_SANDBOX_DIR``), reached over its Unix socket
(``host=/path`` in the URL query for migra/psycopg2), and are dropped afterwards.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this folder comes first on sys.path, and benchmarks/inspect.py would shadow the
# standard library's inspect module.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time

TABLES = 375
TARGET_FKS = 800
TARGET_INDEXES = 1300


def synthetic_schema(seed: int = 375) -> str:
    rnd = random.Random(seed)
    out = ["CREATE TYPE status AS ENUM ('new', 'active', 'suspended', 'closed');",
           "CREATE TYPE priority AS ENUM ('low', 'normal', 'high');"]
    fks = 0
    extra_indexes = 0
    fk_left = TARGET_FKS
    for i in range(TABLES):
        cols = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                "name text NOT NULL", "created_at timestamptz NOT NULL DEFAULT now()",
                "updated_at timestamptz", "amount numeric(12,2) DEFAULT 0 CHECK (amount >= 0)",
                "status status NOT NULL DEFAULT 'new'", "notes text", f"code varchar({rnd.choice([16, 32, 64])})"]
        refs = []
        if i > 0:
            remaining_tables = TABLES - i
            want = round(fk_left / remaining_tables) if remaining_tables else 0
            want = max(0, min(want + rnd.choice([-1, 0, 0, 1]), 4, i))
            refs.extend(rnd.sample(range(i), want))
        for n, r in enumerate(refs):
            cols.append(f"t{r:03d}_id{n} bigint REFERENCES t{r:03d}(id) ON DELETE {rnd.choice(['CASCADE', 'RESTRICT', 'SET NULL'])}")
        fks += len(refs)
        fk_left -= len(refs)
        out.append(f"CREATE TABLE t{i:03d} (\n    " + ",\n    ".join(cols) + "\n);")
        for n, r in enumerate(refs):
            out.append(f"CREATE INDEX t{i:03d}_t{r:03d}_id{n}_idx ON t{i:03d} (t{r:03d}_id{n});")
        out.append(f"COMMENT ON TABLE t{i:03d} IS 'synthetic table {i}';")
    # Top up to the index target with composite and partial indexes.
    indexes = TABLES + fks
    i = 0
    while indexes < TARGET_INDEXES:
        t = i % TABLES
        kind = i % 3
        if kind == 0:
            out.append(f"CREATE INDEX t{t:03d}_status_created_idx ON t{t:03d} (status, created_at DESC);")
        elif kind == 1:
            out.append(f"CREATE INDEX t{t:03d}_code_idx ON t{t:03d} (code) WHERE code IS NOT NULL;")
        else:
            out.append(f"CREATE UNIQUE INDEX t{t:03d}_name_key ON t{t:03d} (lower(name), id);")
        indexes += 1
        extra_indexes += 1
        i += 1
    for v in range(10):
        out.append(f"CREATE VIEW v{v:02d} AS SELECT id, name, status FROM t{v * 30:03d} WHERE status <> 'closed';")
    return "\n".join(out) + "\n"


CPU: dict[str, list[float]] = {}


def _median_time(cmd: list[str], runs: int, env: dict, expect: tuple[int, ...],
                 key: str | None = None) -> tuple[float, list[float], str]:
    import resource

    times = []
    out = ""
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU.setdefault(key or cmd[0], []).append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if proc.returncode not in expect:
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        out = proc.stdout
    return statistics.median(times), times, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.server import get_sandbox
    from aishell.sources import run_sql_text

    migra = shutil.which("migra")
    if migra is None:
        raise SystemExit("migra is not installed: pip install -e '.[bench]' (migra, psycopg2-binary)")
    box = get_sandbox()
    box.ensure_running()
    psql = box.bin("psql")
    sql = synthetic_schema()
    with box.temporary_database(prefix="aishell_bench_full_") as full, \
            box.temporary_database(prefix="aishell_bench_empty_") as empty:
        run_sql_text(full, sql, psql, label="synthetic schema")
        with connect(full) as conn:
            tables, fks, indexes = conn.execute(
                "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public'),"
                " (SELECT count(*) FROM pg_constraint WHERE contype = 'f'),"
                " (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')").fetchone()
        env = dict(os.environ)
        # An installed package runs from compiled bytecode (pip writes .pyc files, as it did for migra);
        # with PYTHONDONTWRITEBYTECODE set, as in some shells here, every run would recompile aishell
        # from source. Cache the bytecode outside the tree instead; the warm-up run fills it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "aishell-bench-pycache")
        full_db = re.search(r"dbname=(\S+)", full).group(1)
        empty_db = re.search(r"dbname=(\S+)", empty).group(1)
        host = str(box.socket_dir)
        ours_cmd = [sys.executable, "-m", "aishell.cli.main", "schema", "diff", full, empty, "--sql", "--no-verify",
                    "--unsafe"]
        verified_cmd = [c for c in ours_cmd if c != "--no-verify"]
        migra_cmd = [migra, f"postgresql+psycopg2://postgres@/{empty_db}?host={host}",
                     f"postgresql+psycopg2://postgres@/{full_db}?host={host}", "--unsafe"]
        # One warm-up each (imports, catalog caches), then the measured runs, interleaved fairly.
        _median_time(ours_cmd, 1, env, (0, 2), "ours")
        _median_time(verified_cmd, 1, env, (0, 2), "verified")
        _median_time(migra_cmd, 1, env, (0, 2))
        # Interleaved, so a burst of load on a shared machine hits the tools alike.
        ours_all, verified_all, theirs_all = [], [], []
        for _ in range(args.runs):
            _, t, ours_sql = _median_time(ours_cmd, 1, env, (0, 2), "ours")
            ours_all += t
            _, t, verified_sql = _median_time(verified_cmd, 1, env, (0, 2), "verified")
            verified_all += t
            _, t, migra_sql = _median_time(migra_cmd, 1, env, (0, 2))
            theirs_all += t
        ours, theirs = statistics.median(ours_all), statistics.median(theirs_all)
        verified = statistics.median(verified_all)
        ours_cpu = statistics.median(CPU["ours"][-args.runs:])
        verified_cpu = statistics.median(CPU["verified"][-args.runs:])
        theirs_cpu = statistics.median(CPU[migra_cmd[0]][-args.runs:])
        # The verified run prints the same migration, under a header saying it was verified.
        assert "verified" in verified_sql.split("BEGIN;")[0].lower(), "the verified run did not verify"
        # Sanity: our SQL builds the schema exactly.
        with box.temporary_database(prefix="aishell_bench_check_") as check:
            from aishell.dialects.postgres.inspect import inspect
            from aishell.diff import diff_schemas

            # Timed: the floor of any verification that runs the plan (the server creating the schema).
            t = time.perf_counter()
            run_sql_text(check, ours_sql, psql, label="aishell migration")
            load_seconds = time.perf_counter() - t
            left = diff_schemas(inspect(check), inspect(full))
    result = {
        "schema": {"tables": tables, "foreign_keys": fks, "indexes": indexes},
        "aishell_seconds": round(ours, 3), "aishell_runs": [round(t, 3) for t in ours_all],
        "migra_seconds": round(theirs, 3), "migra_runs": [round(t, 3) for t in theirs_all],
        "speedup": round(theirs / ours, 2) if ours else None,
        "aishell_verified_seconds": round(verified, 3), "aishell_verified_runs": [round(t, 3) for t in verified_all],
        "speedup_verified": round(theirs / verified, 2) if verified else None,
        "aishell_verified_cpu_seconds": round(verified_cpu, 3),
        "aishell_cpu_seconds": round(ours_cpu, 3), "migra_cpu_seconds": round(theirs_cpu, 3),
        "cpu_ratio": round(theirs_cpu / ours_cpu, 2) if ours_cpu else None,
        "load_average": round(os.getloadavg()[0], 2),
        "aishell_sql_lines": ours_sql.count("\n"), "migra_sql_lines": migra_sql.count("\n"),
        "aishell_result_matches": not left.changes,
        "migration_load_seconds": round(load_seconds, 3),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"schema: {tables} tables, {fks} foreign keys, {indexes} indexes (empty database → full)")
    print(f"aishell schema diff --sql (verified): {verified:.2f}s median of {args.runs} "
          f"{result['aishell_verified_runs']}, client CPU {verified_cpu:.2f}s")
    print(f"aishell schema diff --sql --no-verify: {ours:.2f}s median of {args.runs} {result['aishell_runs']}")
    print(f"migra:                     {theirs:.2f}s median of {args.runs} {result['migra_runs']}")
    print(f"client CPU: aishell {ours_cpu:.2f}s, migra {theirs_cpu:.2f}s ({result['cpu_ratio']}×); "
          f"load average {result['load_average']}")
    print(f"speedup with verification: {result['speedup_verified']}×   (goal: at least 3×); running the "
          f"migration alone with psql on an empty database (what verification must at least do): {load_seconds:.2f}s")
    print(f"speedup: {result['speedup']}×   aishell's migration rebuilds the schema exactly: "
          f"{result['aishell_result_matches']}")


if __name__ == "__main__":
    main()
