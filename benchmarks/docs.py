"""Benchmark: documentation and ER diagrams of a synthetic 375-table schema.

The schema (``tests/render/synthetic.py``) has 375 tables in modules of 10-20 around hub tables, with
lookup tables, junction tables and keys across modules: about 800 foreign keys and 3,500 columns.
Each command runs as a user would run it (a fresh ``aishell`` process, the model read from a .json
file), ``--repeat`` times; the median wall time and the peak resident memory of the largest process
(aishell or Graphviz) are reported. Goal: docs and a diagram in under 10 s, under 1 GB.

    python benchmarks/docs.py [--tables 375] [--repeat 3] [--write]
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/ holds scripts named like stdlib modules: keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MARK_BEGIN = "<!-- benchmarks/docs.py: begin -->"
MARK_END = "<!-- benchmarks/docs.py: end -->"

# Runs a command and prints its wall time and the peak RSS (KiB) of its largest descendant.
_MEASURE = r"""
import resource, subprocess, sys, time
t = time.perf_counter()
out = open(sys.argv[1], "wb")
p = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE)
dt = time.perf_counter() - t
if p.returncode:
    sys.stderr.write(p.stderr.decode()); sys.exit(p.returncode)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss)
"""


def measure(args: list[str], out: Path, repeat: int) -> tuple[float, float, float]:
    times, cpus, rss = [], [], []
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", _MEASURE, str(out), sys.executable, "-m",
                               "aishell.cli.main", *args], capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit(f"failed: aishell {' '.join(args)}\n{proc.stderr}")
        t, cpu, kib = proc.stdout.split()
        times.append(float(t))
        cpus.append(float(cpu))
        rss.append(int(kib) / 1024)
    return statistics.median(times), statistics.median(cpus), max(rss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=375)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="record the figures in docs/benchmarks.md")
    opts = ap.parse_args()

    from tests.render.synthetic import synthetic_schema

    from aishell.model import dumps

    schema = synthetic_schema(opts.tables)
    n_fk = sum(len(t.foreign_keys) for t in schema.tables)
    n_col = sum(len(t.columns) for t in schema.tables)
    work = Path(tempfile.mkdtemp(prefix="aishell-docs-bench-"))
    try:
        model = work / "model.json"
        model.write_text(dumps(schema))
        site = work / "site"
        cases = [
            ("document --format html -o DIR (site, diagrams)",
             ["schema", "document", "--from", str(model), "--format", "html", "-o", str(site)], "out.txt"),
            ("document --format markdown > file",
             ["schema", "document", "--from", str(model), "--format", "markdown"], "docs.md"),
            ("diagram --format svg > file", ["schema", "diagram", "--from", str(model), "--format", "svg"],
             "d.svg"),
            ("diagram --format png > file", ["schema", "diagram", "--from", str(model), "--format", "png"],
             "d.png"),
            ("diagram --format mermaid > file",
             ["schema", "diagram", "--from", str(model), "--format", "mermaid"], "d.mmd"),
            ("diagram --simplify --max-tables 40 --format png",
             ["schema", "diagram", "--from", str(model), "--simplify", "--max-tables", "40", "--format", "png"],
             "s.png"),
        ]
        rows = []
        for label, args, out in cases:
            if site.exists():
                shutil.rmtree(site)
            t, cpu, mb = measure(args, work / out, opts.repeat)
            size = (work / out).stat().st_size if out != "out.txt" else sum(
                p.stat().st_size for p in site.rglob("*") if p.is_file())
            rows.append({"command": label, "seconds": round(t, 2), "cpu_seconds": round(cpu, 2),
                         "peak_mb": round(mb), "bytes": size})
            print(f"{label:50s} {t:6.2f} s  {cpu:6.2f} s CPU  {mb:6.0f} MB  {size / 1e6:6.1f} MB written",
                  flush=True)
        total = rows[0]["seconds"] + rows[3]["seconds"]
        total_cpu = rows[0]["cpu_seconds"] + rows[3]["cpu_seconds"]
        svg_total = rows[0]["seconds"] + rows[2]["seconds"]
        svg_total_cpu = rows[0]["cpu_seconds"] + rows[2]["cpu_seconds"]
        peak = max(r["peak_mb"] for r in rows)
        print(f"{'HTML docs + PNG diagram':50s} {total:6.2f} s  {total_cpu:6.2f} s CPU  {peak:6.0f} MB peak")
        result = {"tables": opts.tables, "foreign_keys": n_fk, "columns": n_col, "rows": rows,
                  "docs_plus_png_seconds": round(total, 2), "docs_plus_png_cpu_seconds": round(total_cpu, 2),
                  "docs_plus_svg_seconds": round(svg_total, 2), "docs_plus_svg_cpu_seconds": round(svg_total_cpu, 2),
                  "peak_mb": peak, "cpus": os.cpu_count(),
                  "load_average": [round(x, 2) for x in os.getloadavg()],
                  "date": time.strftime("%Y-%m-%d")}
        print(json.dumps(result))
        if opts.write:
            write_section(result)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_section(r: dict) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    lines = [
        MARK_BEGIN,
        "## Documentation and diagrams (`benchmarks/docs.py`)",
        "",
        (f"Synthetic schema: {r['tables']} tables, {r['columns']:,} columns, {r['foreign_keys']} foreign keys "
         "(modules around hub tables, lookups, junctions, keys across modules). Each command is a fresh "
         "`aishell` process reading a .json model; median of repeated runs; peak memory is the largest "
         f"process (aishell or Graphviz). Measured {r['date']} on {r['cpus']} cores shared with other "
         f"work (load average {r['load_average'][0]}): CPU time is the steadier figure."),
        "",
        "| command | wall time | CPU time | peak memory | written |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in r["rows"]:
        lines.append(f"| `aishell schema {row['command']}` | {row['seconds']:.2f} s | {row['cpu_seconds']:.2f} s | "
                     f"{row['peak_mb']} MB | "
                     f"{row['bytes'] / 1e6:.1f} MB |")
    lines += [
        "",
        (f"Goal: docs and a diagram in under 10 s and 1 GB. HTML site ({r['tables']} table pages, each "
         "with its neighbourhood diagram, plus the overview diagram) and an SVG of the whole schema: "
         f"**{r['docs_plus_svg_seconds']:.1f} s** wall, **{r['docs_plus_svg_cpu_seconds']:.1f} s** CPU; "
         f"with a PNG of the whole schema instead: **{r['docs_plus_png_seconds']:.1f} s** wall, "
         f"**{r['docs_plus_png_cpu_seconds']:.1f} s** CPU. Peak memory **{r['peak_mb']} MB**. On a machine "
         "to itself wall time is close to CPU time (Graphviz runs one process per core for the page "
         "diagrams); the PNG is rasterised at about 16 million pixels (text at full size) by vl-convert, "
         "which is most of its cost."),
        "",
        "Reproduce: `python benchmarks/docs.py --repeat 3` (add `--write` to update this section).",
        MARK_END,
    ]
    section = "\n".join(lines) + "\n"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if MARK_BEGIN in text and MARK_END in text:
        head, rest = text.split(MARK_BEGIN, 1)
        tail = rest.split(MARK_END, 1)[1]
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    print(f"updated {path}")


if __name__ == "__main__":
    main()
