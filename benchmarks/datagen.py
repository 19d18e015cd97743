"""Benchmark: rows/s of ``aishell schema test`` for 1M rows over realistic designs.

Two schemas: the e-commerce design ``aishell schema design`` makes from a paragraph of requirements
(12 tables, self-references, checks), and the hand-built shop in ``tests/datagen/shop.sql`` (composite
and cyclic keys, enums, domains, arrays, jsonb, derived checks). Each is built in a throwaway database
on the embedded PostgreSQL 18 and filled through the real command line; the script also times the
generators alone (no database), which is the client-side ceiling.

    python benchmarks/datagen.py            # 1M rows each
    python benchmarks/datagen.py --rows 200K
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/inspect.py would shadow the standard library's inspect: drop this directory from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "tests" / "datagen" / "shop.sql"
REQUIREMENTS = ("An e-commerce site: customers with addresses, products in categories with variants, "
                "shopping carts, orders with order items, payments, shipments and product reviews with ratings")


def cli(*args: str, cwd: Path | None = None) -> dict:
    proc = subprocess.run([sys.executable, "-m", "aishell.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"aishell {' '.join(args)} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def generator_rate(source: str, rows: int) -> float:
    """Rows/s of the generators alone: the plan is made on a throwaway database, the rows are not sent."""
    from aishell.datagen.load import KeySet, _batch, plan_data
    from aishell.datagen.run import throwaway_database

    with throwaway_database(source) as (conninfo, _src, _db):
        _schema, plans, _existing, _ctx = plan_data(conninfo, rows, seed=1)
    counts = {p.name: p.count for p in plans}
    t0 = time.perf_counter()
    for p in plans:
        if p.skip or not p.count:
            continue
        for s in p.fks + [m for kind, m in p.combo if kind == "fk"]:
            n = max(1, counts.get(s.parent, 1))
            s.keys = KeySet(range(1, n + 1), 1) if len(s.fk.ref_columns) == 1 else \
                KeySet([tuple([i] * len(s.fk.ref_columns)) for i in range(1, n + 1)], len(s.fk.ref_columns))
        rng = random.Random(1)
        done = 0
        while done < p.count:
            n = min(20000, p.count - done)
            _batch(p, done, n, rng)
            done += n
    return sum(counts.values()) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1M")
    args = ap.parse_args()
    from aishell.datagen import parse_size

    rows = parse_size(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cli("schema", "design", REQUIREMENTS, "--json", cwd=work)
        design = str(work / "aishell" / "design.json")
        results = []
        for label, source in (("e-commerce design (schema design)", design), ("hand-built shop.sql", str(SHOP))):
            load = os.getloadavg()[0]
            data = cli("schema", "test", "--from", source, "--data-size", str(rows), "--seed", "1", "--json")
            gen = generator_rate(source, rows)
            results.append((label, data, gen, load))
    print(f"| schema | tables | rows | load s | rows/s (load) | checks + ANALYZE s | generators alone rows/s "
          f"| load avg |")
    print("|---|---|---|---|---|---|---|---|")
    for label, d, gen, load in results:
        loaded = [t for t in d["tables"] if t["rows"]]
        print(f"| {label} | {len(loaded)} | {d['rows']:,} | {d['load_seconds']:.1f} | {d['rows_per_second']:,} | "
              f"{d['seconds'] - d['load_seconds']:.1f} | {gen:,.0f} | {load:.1f} |")
    for label, d, _gen, _load in results:
        print(f"\n{label}: " + ", ".join(f"{t['table'].split('.')[-1]} {t['rows']:,} ({t['rows_per_second'] or 0:,}/s)"
                                         for t in d["tables"] if t["rows"]))


if __name__ == "__main__":
    main()
