"""Where the time of ``aishell schema inspect --json`` goes, phase by phase, next to pg_dump.

Measures, on one database, in the same run (median of ``--repeat`` runs, CPU time of each fresh
process as well as wall time, since the machine is shared):

* interpreter start (``python -c pass``) and the imports the command pays for (click, the model, the
  inspector, the libpq reader; psycopg for comparison, which the command no longer imports when it
  can load libpq), each in a fresh process;
* in one process: connecting, the catalog queries with the model built as their results arrive, and
  writing the JSON;
* the whole command, and ``pg_dump --schema-only`` of the same database.

    python benchmarks/where_time_goes.py CONNINFO [--repeat 5]
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse
import resource
import statistics
import subprocess
import tempfile
import time


def timed(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


PHASES = """
import sys, time
t0 = time.perf_counter()
from aishell.dialects.postgres.inspect import inspect
from aishell.model.serialize import write_json
t1 = time.perf_counter()
schema = inspect(sys.argv[1])
t2 = time.perf_counter()
chunks = []
write_json(schema, chunks.append)
t3 = time.perf_counter()
print(f"{t1 - t0} {t2 - t1} {t3 - t2}")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("conninfo")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    # Run from compiled bytecode, as an installed package does (see benchmarks/inspect.py).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "aishell-bench-pycache")
    from aishell.dialects.postgres.server import get_sandbox

    pg_dump = str(get_sandbox().bin("pg_dump"))
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "import psycopg (no longer on the path)": [py, "-c", "import psycopg"],
        "import the libpq reader (ctypes)": [py, "-c", "from aishell.dialects.postgres import catalog_read, libpq; "
                                                       "libpq.library()"],
        "import click": [py, "-c", "import click"],
        "import aishell.model": [py, "-c", "import aishell.model"],
        "import inspector + JSON writer": [py, "-c", "import aishell.dialects.postgres.inspect, "
                                                     "aishell.model.serialize"],
        "aishell schema inspect --json": [py, "-m", "aishell.cli.main", "schema", "inspect", "--json",
                                          args.conninfo],
        "pg_dump --schema-only": [pg_dump, "--schema-only", "-d", args.conninfo],
    }
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    phases: list[list[float]] = []
    for name, cmd in commands.items():  # warm-up
        timed(cmd)
    for _ in range(args.repeat):
        for name, cmd in commands.items():
            results[name].append(timed(cmd))
        out = subprocess.run([py, "-c", PHASES, args.conninfo], capture_output=True, text=True, check=True)
        phases.append([float(x) for x in out.stdout.split()])
    print(f"median of {args.repeat} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print(f"{'':40} {'wall':>7} {'CPU':>7}")
    for name, runs in results.items():
        print(f"{name:40} {statistics.median(r[0] for r in runs):7.3f} {statistics.median(r[1] for r in runs):7.3f}")
    for i, name in enumerate(("  in process: imports", "  in process: queries + model", "  in process: JSON")):
        print(f"{name:40} {statistics.median(p[i] for p in phases):7.3f}")
    ratio = statistics.median(r[0] for r in results["aishell schema inspect --json"]) / statistics.median(
        r[0] for r in results["pg_dump --schema-only"])
    print(f"\ninspect / pg_dump = {ratio:.2f}x (median wall time)")


if __name__ == "__main__":
    main()
