"""Benchmark: ``aishell schema test`` end to end against the raw binary COPY limit, in the same run.

The limit: 1M simple rows ``(id bigint PRIMARY KEY, n integer, label text)`` already in memory, sent by
psycopg 3 with binary ``COPY`` and ``write_row`` (``set_types``) into an empty table on the same server,
in one transaction: what a Python program can push into PostgreSQL at best. Then, for each schema, the
whole command as a user runs it (``aishell schema test --from ... --data-size 1M --seed 1 --json`` in a
fresh process: throwaway database, plan, generate, COPY, rebuild keys/indexes/foreign keys, verify,
commit), reported as rows per second end to end (before the ANALYZE that follows the commit) and with
ANALYZE, each as a share of the limit. The limit is measured before and after each round (every schema
once, and once from the ``--baseline`` tree if given) and each run is compared with the mean of its
round's two, because the machine may be shared and the limit moves with its load (both are printed).

Schemas: the tutorial's e-commerce requirements designed by ``aishell schema design`` (16 tables,
~50 indexes, updated_at triggers, derived CHECKs), a bike-share design with stated volumes (partitioned
trips), and the hand-written 10-table ``tests/datagen/shop.sql`` (composite, self and cyclic keys,
enums, domains, arrays, jsonb).

    python benchmarks/datagen.py              # 1M rows each
    python benchmarks/datagen.py --rows 200K
    python benchmarks/datagen.py --repeat 3 --baseline /tmp/old/src   # interleaved with an older tree

``--baseline SRC`` runs the same command from another source tree (``PYTHONPATH=SRC``, e.g. an older
commit's ``src`` from ``git archive``) right after each run of this one, so that both see the same load.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/inspect.py would shadow the standard library's inspect: drop this directory from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "tests" / "datagen" / "shop.sql"
TUTORIAL = json.loads((ROOT / "benchmarks" / "design_eval" / "ecommerce_tutorial.json").read_text())["text"]
BIKES = ("A bike-share system: 800 stations, 12K bikes and 60K trips/day. Riders unlock a bike at a station "
         "and return it at another; each trip records start and end station, start and end time, distance "
         "and fare. Bikes report battery level; maintenance tickets track repairs.")


def cli(*args: str, cwd: Path | None = None, src: str | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": src} if src else None
    proc = subprocess.run([sys.executable, "-m", "aishell.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=3600, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"aishell {' '.join(args)} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def raw_copy_rate(rows: int) -> float:
    """Rows/s of psycopg binary COPY of in-memory rows into a table with a primary key (one transaction)."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.server import scratch_server

    server = scratch_server()
    server.ensure_running()
    data = [(i, i % 1000, "row") for i in range(1, rows + 1)]
    with server.temporary_database() as ci, connect(ci) as conn:
        conn.execute("CREATE TABLE raw (id bigint PRIMARY KEY, n integer, label text)")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor().copy("COPY raw (id, n, label) FROM STDIN (FORMAT BINARY)") as cp:
            cp.set_types(["int8", "int4", "text"])
            for r in data:
                cp.write_row(r)
        conn.commit()
        return rows / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1M")
    ap.add_argument("--only", default=None, help="run one schema: tutorial, bike or shop")
    ap.add_argument("--repeat", type=int, default=1, help="rounds, each: limit, every schema, limit")
    ap.add_argument("--baseline", metavar="SRC", default=None,
                    help="also run each schema from this source tree, right after this tree's run")
    args = ap.parse_args()
    from aishell.datagen import parse_size

    rows = parse_size(args.rows)
    limits = []
    runs: dict[tuple[str, str], list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = []
        for label, text in (("tutorial e-commerce design", TUTORIAL), ("bike-share design", BIKES)):
            if args.only and not (label.startswith(args.only) or args.only in label):
                continue
            d = work / label.split()[0]
            d.mkdir()
            cli("schema", "design", text, "--json", cwd=d)
            sources.append((label, str(d / "aishell" / "design.json")))
        sources.append(("hand-written shop.sql", str(SHOP)))
        if args.only:
            sources = [s for s in sources if s[0].startswith(args.only) or args.only in s[0]]
        trees = [("this tree", None)] + ([("baseline", args.baseline)] if args.baseline else [])
        for rnd in range(args.repeat):
            limits.append((raw_copy_rate(1_000_000), os.getloadavg()[0]))
            for label, source in sources:
                for tree, src in trees:
                    load0 = os.getloadavg()[0]
                    t0 = time.perf_counter()
                    data = cli("schema", "test", "--from", source, "--data-size", str(rows), "--seed", "1",
                               "--json", src=src)
                    wall = time.perf_counter() - t0
                    runs.setdefault((label, tree), []).append((data, wall, (load0 + os.getloadavg()[0]) / 2, rnd))
            limits.append((raw_copy_rate(1_000_000), os.getloadavg()[0]))
    # The limit moves with the machine's load (other users' work): each run is compared with the mean of
    # the two limits measured around its round.
    round_limit = [(limits[2 * r][0] + limits[2 * r + 1][0]) / 2 for r in range(args.repeat)]
    print("raw binary COPY limit per round (before, after; mean): " + "; ".join(
        f"{limits[2 * r][0]:,.0f} (load {limits[2 * r][1]:.1f}), {limits[2 * r + 1][0]:,.0f} "
        f"(load {limits[2 * r + 1][1]:.1f}): {round_limit[r]:,.0f}" for r in range(args.repeat)))
    print()
    print("| schema | tree | round | tables | indexes+keys rebuilt | rows | end to end s | rows/s | share of limit "
          "| with ANALYZE rows/s | share | whole process s | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (label, tree), got in runs.items():
        for d, wall, load, rnd in got:
            limit = round_limit[rnd]
            loaded = [t for t in d["tables"] if t["rows"]]
            e2e = d["end_to_end_rows_per_second"]
            full = d["rows"] / (d["end_to_end_seconds"] + d["analyze_seconds"])
            rb = d["rebuilt"]
            print(f"| {label} | {tree} | {rnd + 1} | {len(loaded)} | {rb['indexes']} + {rb['constraints']} + "
                  f"{rb['foreign_keys']} FK | {d['rows']:,} | {d['end_to_end_seconds']:.1f} | {e2e:,} "
                  f"| **{100 * e2e / limit:.0f} %** | {full:,.0f} | {100 * full / limit:.0f} % | {wall:.1f} "
                  f"| {load:.1f} |")
    if args.repeat > 1:
        print("\nmedian end to end share of its round's limit:")
        for (label, tree), got in runs.items():
            shares = sorted(100 * d["end_to_end_rows_per_second"] / round_limit[r] for d, _w, _l, r in got)
            print(f"  {label} ({tree}): {shares[len(shares) // 2]:.0f} % "
                  f"(runs: {', '.join(f'{x:.0f} %' for x in shares)})")
    for (label, tree), got in runs.items():
        if tree == "this tree":
            d = got[0][0]
            print(f"\n{label}: " + ", ".join(f"{t['table'].split('.')[-1]} {t['rows']:,}"
                                            for t in d["tables"] if t["rows"]))


if __name__ == "__main__":
    main()
