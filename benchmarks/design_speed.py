"""Time ``aishell schema design`` on a 20-table schema: parse → plan → review data → DDL validated on PostgreSQL.

Goal: design + validation under 1 s with the sandbox running. Reports the in-process time (median of
several runs after one warm-up, the way a long-lived process or the library API sees it), the first run
in a fresh process (imports included), and the full command line end to end.

    python benchmarks/design_speed.py [--runs 5]
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/ holds scripts named like stdlib modules (inspect.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import statistics
import subprocess
import tempfile
import time

TEXT = """An online store:
- Users with profiles and multiple addresses
- Products with categories and variants, supplied by suppliers
- Shopping carts and wishlists
- Orders with multiple items; each order has shipments
- Payments and refunds
- Product reviews and ratings
- Inventory tracking per warehouse
- Coupons for orders
- Support tickets opened by users
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from aishell.dialects.postgres.server import scratch_server

    scratch_server().ensure_running()
    code = (
        "import time,sys; t=time.perf_counter(); from aishell.design import design; "
        f"d=design({TEXT!r}); print(time.perf_counter()-t, d.validation.ok, "
        "len([t for t in d.schema.tables if not t.partition_of]))"
    )
    first = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    from aishell.design import design

    design(TEXT)  # warm-up: imports, lexicon, the scratch database
    times, totals = [], []
    tables = 0
    ok = True
    for _ in range(args.runs):
        t = time.perf_counter()
        d = design(TEXT)
        times.append(time.perf_counter() - t)
        totals.append(d.timings)
        ok = ok and d.validation.ok
        tables = len([t for t in d.schema.tables if not t.partition_of])
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "aishell.cli.main", "schema", "design", "--brief", TEXT],
            cwd=tmp,
            capture_output=True,
            check=True,
        )
        cli = time.perf_counter() - t
    result = {
        "tables": tables,
        "validated": ok,
        "runs": args.runs,
        "in_process_median_s": round(statistics.median(times), 3),
        "in_process_max_s": round(max(times), 3),
        "phases_median_s": {k: round(statistics.median(x[k] for x in totals), 3) for k in totals[0]},
        "first_run_fresh_process_s": round(float(first[0]), 3),
        "cli_end_to_end_s": round(cli, 3),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"20-table design ({tables} tables, validated: {ok})")
        print(
            f"  design + validation, in process: median {result['in_process_median_s']:.3f} s, "
            f"max {result['in_process_max_s']:.3f} s over {args.runs} runs (goal < 1 s)"
        )
        print(
            "  phases (median): " + ", ".join(f"{k} {v:.3f} s" for k, v in result["phases_median_s"].items())
        )
        print(
            f"  first design in a fresh process (imports included): {result['first_run_fresh_process_s']:.3f} s"
        )
        print(f"  `aishell schema design` end to end (process start, review printed, saved): {cli:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
