"""Benchmark: ``aishell schema analyze``.

1. **Live, ~1M rows, data probes included** (goal < 15 s): a shop database on the embedded
   PostgreSQL (users, products, orders, order_items, product_tags, events...) with the same planted
   problems as tests/analyze/fixtures/planted.sql at scale; then ``analyze`` with the default rules
   (statistics, pgstattuple, one profile scan per table, duplicate/mismatch counts, dependency
   sampling) is timed, in-process and as the whole CLI command.
2. **Static, 2,000 tables** (goal < 5 s): a synthetic model (each table with a primary key, one or
   two foreign keys, some indexed and some not, a unique constraint, a check, secondary indexes) is
   written as a ``.json`` model and analysed with ``aishell schema analyze model.json`` (load +
   every structural rule), plus the rule run alone in-process.

Each timing is the median of ``--repeat`` runs after one warm-up. ``--write`` replaces the analyze
section of docs/benchmarks.md with the figures.

    python benchmarks/analyze.py [--rows 1000000] [--tables 2000] [--repeat 3] [--write] [--keep]
"""

from __future__ import annotations

import os
import sys

# benchmarks/inspect.py shadows the standard library's inspect module: keep this directory off the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse
import datetime as dt
import json
import platform
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- analyze:begin -->", "<!-- analyze:end -->"


def shop_sql(rows: int) -> str:
    """DDL and data for about ``rows`` rows in total, with planted problems at scale."""
    orders = int(rows * 0.55)
    items = int(rows * 0.25)
    users = max(1000, int(rows * 0.08))
    products = max(500, int(rows * 0.02))
    tags = int(rows * 0.05)
    events = int(rows * 0.05)
    return f"""
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgstattuple;
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL, age integer,
    is_active char(1) NOT NULL, created_at timestamp NOT NULL);
INSERT INTO users SELECT g, CASE WHEN g % 97 = 0 THEN 'user' || g ELSE 'user' || g || '@example.com' END,
    'User ' || g, 18 + g % 60, CASE WHEN g % 3 = 0 THEN 'N' ELSE 'Y' END, timestamp '2024-01-01' + g * interval '1 minute'
FROM generate_series(1, {users}) g;
CREATE TABLE categories (id integer PRIMARY KEY, name text NOT NULL UNIQUE);
INSERT INTO categories SELECT g, 'Category ' || g FROM generate_series(1, 50) g;
CREATE TABLE products (id bigint PRIMARY KEY, category_id integer NOT NULL REFERENCES categories,
    sku varchar(50) NOT NULL UNIQUE, name text NOT NULL, price numeric(10,2), status varchar(20) NOT NULL);
CREATE INDEX ON products (category_id);
CREATE INDEX idx_products_sku_copy ON products (sku);
INSERT INTO products SELECT g, 1 + g % 50, 'SKU-' || g, 'Product ' || g,
    CASE WHEN g % 91 = 0 THEN NULL ELSE 10 + g % 90 END, (ARRAY['active', 'draft', 'discontinued'])[1 + g % 3]
FROM generate_series(1, {products}) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, user_email text NOT NULL,
    status text NOT NULL, total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX idx_orders_status ON orders (status);
CREATE INDEX idx_orders_status_created ON orders (status, created_at);
INSERT INTO orders SELECT g, 1 + g % {users}, CASE WHEN g % 1000 = 0 THEN 'stale@old.example.com'
    ELSE 'user' || (1 + g % {users}) || '@example.com' END,
    (ARRAY['pending', 'paid', 'shipped', 'delivered'])[1 + (g / 7) % 4],
    CASE WHEN g % 800 = 0 THEN -5 ELSE 20 + g % 500 END, timestamptz '2024-01-01' + g * interval '1 minute'
FROM generate_series(1, {orders}) g;
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders,
    product_id bigint NOT NULL REFERENCES products, quantity integer NOT NULL, unit_price numeric(10,2) NOT NULL);
CREATE INDEX ON order_items (order_id);
INSERT INTO order_items SELECT g, 1 + g % {orders}, 1 + g % {products}, 1 + g % 5, 10 FROM generate_series(1, {items}) g;
CREATE TABLE tags (id integer PRIMARY KEY, name text NOT NULL UNIQUE);
INSERT INTO tags SELECT g, 'tag' || g FROM generate_series(1, 100) g;
CREATE TABLE product_tags (product_id bigint NOT NULL REFERENCES products, tag_id integer NOT NULL REFERENCES tags);
CREATE INDEX ON product_tags (product_id, tag_id);
INSERT INTO product_tags SELECT 1 + g % {products}, 1 + (g / {products}) % 100 FROM generate_series(1, {tags}) g;
CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO events SELECT g, repeat('x', 100) FROM generate_series(1, {events}) g;
ANALYZE;
DELETE FROM events WHERE id % 2 = 0;
"""


def synthetic_model(n: int, seed: int = 11):
    from aishell.model import CheckConstraint, Column, ForeignKey, Index, Schema, Table, UniqueConstraint

    rnd = random.Random(seed)
    tables = []
    for i in range(n):
        name = f"t{i:04d}"
        cols = [
            Column("id", "bigint", False, identity="by default"),
            Column("code", "text", False),
            Column("name", "character varying(120)"),
            Column("amount", "numeric(12,2)", False, "0"),
            Column("status", "character(1)"),
            Column("created_at", "timestamp without time zone", False),
            Column("payload", "jsonb"),
        ]
        fks, idx = [], [Index(f"{name}_pkey", ["id"], unique=True, constraint=f"{name}_pkey")]
        for k in range(0 if i == 0 else (1 if rnd.random() < 0.5 else 2)):
            ref = f"t{rnd.randrange(0, i):04d}"
            col = f"ref{k}_id"
            cols.append(Column(col, "bigint" if rnd.random() < 0.9 else "integer"))
            fks.append(ForeignKey(f"{name}_{col}_fkey", [col], ref, ["id"]))
            if rnd.random() < 0.6:
                idx.append(Index(f"{name}_{col}_idx", [col]))
        idx.append(Index(f"{name}_code_key", ["code"], unique=True, constraint=f"{name}_code_key"))
        idx.append(Index(f"{name}_created_idx", ["created_at", "status"]))
        if rnd.random() < 0.1:
            idx.append(Index(f"{name}_created_idx2", ["created_at"]))
        tables.append(
            Table(
                name,
                "bench",
                cols,
                ["id"],
                f"{name}_pkey",
                fks,
                idx,
                [CheckConstraint(f"{name}_amount_check", "(amount >= (0)::numeric)")],
                [UniqueConstraint(f"{name}_code_key", ["code"])],
            )
        )
    return Schema(name="bench2000", tables=tables)


def median_time(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up
    times, last = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), last


CPU: list[float] = []


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI; its user+system CPU seconds are appended to CPU (stable when the machine is busy)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "aishell.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return proc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--tables", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the live database (printed) for inspection")
    args = ap.parse_args()

    from aishell.analyze import AnalyzeOptions, analyze, analyze_schema
    from aishell.dialects.postgres.server import get_sandbox
    from aishell.model import dumps
    from aishell.sources import run_sql_text

    results: dict[str, object] = {}
    # -- static, 2,000 tables --------------------------------------------------------------------------
    model = synthetic_model(args.tables)
    t_rules, rep = median_time(lambda: analyze_schema(model, AnalyzeOptions()), args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench2000.json"
        path.write_text(dumps(model))
        CPU.clear()
        t_cli, proc = median_time(lambda: run_cli("schema", "analyze", str(path), "--json"), args.repeat)
        assert proc.returncode == 0, proc.stderr
        cpu_cli = statistics.median(CPU[1:] or CPU)
        cli_counts = json.loads(proc.stdout)["counts"]
        # CPU seconds per phase, in this process: where the static time goes.
        from aishell.sources import load_model_file

        c0 = time.process_time()
        loaded = load_model_file(path)
        c1 = time.process_time()
        rep2 = analyze_schema(loaded, AnalyzeOptions())
        c2 = time.process_time()
        json.dumps(rep2.to_dict(), indent=2, ensure_ascii=False, default=str)
        c3 = time.process_time()
        phases = {"load_json_model": round(c1 - c0, 2), "rules": round(c2 - c1, 2), "json_output": round(c3 - c2, 2)}
    results["static"] = {
        "cpu_phases_s": phases,
        "tables": args.tables,
        "rules_in_process_s": round(t_rules, 3),
        "cli_json_s": round(t_cli, 3),
        "cli_cpu_s": round(cpu_cli, 3),
        "findings": rep.counts(),
        "cli_counts": cli_counts,
    }
    print(
        f"static {args.tables} tables: rules {t_rules:.2f} s in-process, {t_cli:.2f} s CLI (.json, "
        f"{cpu_cli:.2f} s CPU); "
        f"findings {rep.counts()}"
    )

    # -- live, ~1M rows ------------------------------------------------------------------------------------
    box = get_sandbox()
    box.ensure_running()
    ctx = box.temporary_database(prefix="aishell_bench_analyze_")
    conninfo = ctx.__enter__()
    try:
        t0 = time.perf_counter()
        run_sql_text(conninfo, shop_sql(args.rows), box.bin("psql"), label="bench data")
        load = time.perf_counter() - t0
        import psycopg

        with psycopg.connect(conninfo) as conn:  # an exact count of the rows analysed
            tables = [r[0] for r in conn.execute(
                "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables")]
            total_rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)
        t_live, rep = median_time(lambda: analyze(conninfo, AnalyzeOptions()), args.repeat)
        t_deep, rep_deep = median_time(lambda: analyze(conninfo, AnalyzeOptions(deep=True)), 1)
        t_cli, proc = median_time(lambda: run_cli("schema", "analyze", conninfo, "--json"), 1)
        assert proc.returncode == 0, proc.stderr
        results["live"] = {
            "rows": int(total_rows),
            "load_s": round(load, 1),
            "analyze_s": round(t_live, 2),
            "deep_s": round(t_deep, 2),
            "cli_s": round(t_cli, 2),
            "findings": rep.counts(),
            "probe_queries": rep.timings.get("probe_queries"),
            "slowest_rules": sorted(
                ((k[5:], round(v, 2)) for k, v in rep.timings.items() if k.startswith("rule:")),
                key=lambda x: -x[1],
            )[:5],
        }
        print(
            f"live {int(total_rows):,} rows (loaded in {load:.1f} s): analyze {t_live:.2f} s, --deep {t_deep:.2f} s, "
            f"CLI {t_cli:.2f} s; findings {rep.counts()}; slowest {results['live']['slowest_rules']}"
        )
    finally:
        if args.keep:
            print(f"kept: {conninfo}")
        else:
            ctx.__exit__(None, None, None)
    results["machine"] = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    results["date"] = dt.date.today().isoformat()
    results["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(results, indent=2))
    if args.write:
        write_doc(results)


def write_doc(r: dict) -> None:
    s, lv = r["static"], r["live"]
    text = f"""{BEGIN}
## schema analyze

`python benchmarks/analyze.py` ({r["date"]}, {r["machine"]}, embedded PostgreSQL 18; the machine was shared
with other jobs (load average {r["load_average"][0]} on 2 cores), so wall times are inflated: the CPU time of
the static CLI run is the stable figure. Medians of 3 runs after a warm-up unless noted.

| case | goal | measured |
|---|---|---|
| live database, {lv["rows"]:,} rows, default rules with data probes (`analyze()` in-process) | < 15 s | **{lv["analyze_s"]} s** |
| same, whole CLI command (`aishell schema analyze URL --json`, one run) | | {lv["cli_s"]} s |
| same with `--deep` (no sampling, every row counted, optional rules; one run) | | {lv["deep_s"]} s |
| static analysis of a {s["tables"]:,}-table model (`aishell schema analyze model.json --json`) | < 5 s | **{s["cli_json_s"]} s** wall, {s["cli_cpu_s"]} s CPU |
| same, rules only in-process | | {s["rules_in_process_s"]} s |

Live run: {lv["probe_queries"]:.0f} probe queries; slowest rules {", ".join(f"{n} {t} s" for n, t in lv["slowest_rules"])};
findings {lv["findings"]}. Loading the data (not timed above) took {lv["load_s"]} s.
Static run findings: {s["findings"]}; CPU seconds by phase in-process: {s["cpu_phases_s"]}
(the rest of the CLI's CPU time is interpreter start-up and imports).
{END}"""
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if BEGIN in doc:
        doc = doc[: doc.index(BEGIN)] + text + doc[doc.index(END) + len(END) :]
    else:
        doc = doc.rstrip() + "\n\n" + text + "\n"
    DOC.write_text(doc)


if __name__ == "__main__":
    main()
