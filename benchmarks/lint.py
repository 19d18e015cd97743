"""Benchmark: migration lint rule coverage, aishell (`schema migration analyze`) beside squawk.

Both linters read the same files: the hand-written cases in ``tests/lint/cases`` (one risky pattern
each, against tables that exist before the file) and the migrations aishell itself writes for the diff
fixtures (``tests/fixtures/diff/*``: ``a.sql`` → ``b.sql`` through ``build_plan``). For each file the
rules each tool reports are recorded; the table shows, per squawk rule, on how many files squawk fired
it and on how many of those aishell fired the rule of its own that covers it (``aishell.lint.rules``
names the squawk rules each of ours covers). Rules of ours squawk lacks are listed with their counts.
Timing is one run of each over all files (wall clock, this machine, shared: see the notes).

    pip install -e '.[test]'       # squawk-cli
    python benchmarks/lint.py [--write] [--json]
"""

from __future__ import annotations

import os
import sys

sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import collections
import datetime as dt
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- benchmarks/lint.py: begin -->", "<!-- benchmarks/lint.py: end -->"


def corpus(tmp: Path) -> list[Path]:
    files = sorted((ROOT / "tests" / "lint" / "cases").glob("*.sql"))
    from aishell.diff import build_plan, diff_schemas
    from aishell.migrate.compare import load_canonical

    for case in sorted((ROOT / "tests" / "fixtures" / "diff").iterdir()):
        a, b = case / "a.sql", case / "b.sql"
        if not (a.exists() and b.exists()):
            continue
        try:
            current, desired = load_canonical(str(a)), load_canonical(str(b))
        except Exception:  # noqa: BLE001, S112 - a fixture the scratch server cannot load is skipped
            continue
        plan = build_plan(diff_schemas(current, desired), current, desired)
        out = tmp / f"generated_{case.name}.sql"
        out.write_text(plan.sql(f"aishell migration for tests/fixtures/diff/{case.name}"))
        files.append(out)
    return files


def run_squawk(files: list[Path]) -> tuple[dict[str, set[str]], float, str]:
    exe = shutil.which("squawk")
    if exe is None:
        sys.exit("squawk is not installed: pip install -e '.[test]'")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    start = time.perf_counter()
    out: dict[str, set[str]] = {str(f): set() for f in files}
    for f in files:
        proc = subprocess.run(
            [exe, "--reporter", "json", str(f)], capture_output=True, text=True, check=False
        )
        for v in json.loads(proc.stdout or "[]"):
            out[str(f)].add(v["rule_name"])
    return out, time.perf_counter() - start, version


def run_ours(files: list[Path]) -> tuple[dict[str, set[str]], float]:
    from aishell.lint import lint_text

    start = time.perf_counter()
    out = {str(f): {v.rule for v in lint_text(f.read_text(), str(f)).violations} for f in files}
    return out, time.perf_counter() - start


def measure() -> dict:
    from aishell.lint import RULES

    with tempfile.TemporaryDirectory() as d:
        files = corpus(Path(d))
        sq, sq_secs, sq_version = run_squawk(files)
        ours, our_secs = run_ours(files)
    covers: dict[str, set[str]] = collections.defaultdict(set)
    for r in RULES.values():
        for name in r.squawk:
            covers[name].add(r.id)
    rows = []
    for name in sorted({n for v in sq.values() for n in v} | set(covers)):
        fired = [f for f, rules in sq.items() if name in rules]
        both = [f for f in fired if covers.get(name, set()) & ours[f]]
        rows.append(
            {
                "squawk": name,
                "ours": sorted(covers.get(name, ())),
                "squawk_files": len(fired),
                "also_ours": len(both),
                "missed": [Path(f).name for f in fired if f not in both],
            }
        )
    only_ours = collections.Counter(r for f, rules in ours.items() for r in rules if not RULES[r].squawk)
    generated = [f for f in ours if Path(f).name.startswith("generated_")]
    return {
        "files": len(files),
        "hand_written": len(files) - len(generated),
        "generated": len(generated),
        "squawk_version": sq_version,
        "squawk_seconds": round(sq_secs, 2),
        "ours_seconds": round(our_secs, 2),
        "rows": rows,
        "only_ours": dict(sorted(only_ours.items())),
        "generated_rules": dict(collections.Counter(r for f in generated for r in ours[f])),
        "generated_findings": {
            "squawk": sum(len(sq[f]) for f in generated),
            "ours": sum(len(ours[f]) for f in generated),
        },
        "measured": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": [round(x, 1) for x in os.getloadavg()],
    }


def markdown(m: dict) -> str:
    lines = [
        BEGIN,
        "## Migration lint coverage (`benchmarks/lint.py`)",
        "",
        (
            f"Measured {m['measured']} with {m['squawk_version']} on {m['files']} files: {m['hand_written']} "
            f"hand-written cases (`tests/lint/cases`, one risky pattern each) and {m['generated']} migrations "
            "aishell wrote for the diff fixtures. Per squawk rule: files where squawk reports it, and how many "
            "of those aishell also flags with the rule of its own that covers it."
        ),
        "",
        "| squawk rule | aishell rule(s) | squawk fired | aishell too | missed |",
        "|---|---|---:|---:|---|",
    ]
    for r in m["rows"]:
        lines.append(
            f"| {r['squawk']} | {', '.join(r['ours']) or '—'} | {r['squawk_files']} | {r['also_ours']} | "
            f"{', '.join(r['missed']) or ''} |"
        )
    lines += [
        "",
        "Rules of aishell that squawk lacks, and the files they fired on: "
        + ", ".join(f"`{k}` {v}" for k, v in m["only_ours"].items())
        + ".",
        "",
        (
            f"On the {m['generated']} generated migrations squawk reports {m['generated_findings']['squawk']} "
            f"rule(s) in total and aishell {m['generated_findings']['ours']} (both honour the files' "
            "`-- squawk-ignore` comments; aishell's are warnings no default squawk rule covers: "
            + ", ".join(f"`{k}` {v}" for k, v in sorted(m["generated_rules"].items()))
            + ")."
        ),
        "",
        (
            "The misses are deliberate: `not-rerunnable` flags only statements that fail when run a second time "
            "(squawk also flags idempotent ones such as `SET NOT NULL` outside a transaction), and the timeout "
            "rules ask for timeouts before statements that lock a table (squawk also asks before `CREATE "
            "DOMAIN`, `ALTER TYPE ... ADD VALUE` and `DROP DATABASE`)."
        ),
        "",
        (
            f"One pass over all files: squawk {m['squawk_seconds']} s (one process per file), aishell "
            f"{m['ours_seconds']} s (in-process); load average {m['load'][0]} (shared machine)."
        ),
        "",
        "Reproduce: `python benchmarks/lint.py` (`--write` updates this section).",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write", action="store_true", help="Update the section in docs/benchmarks.md.")
    args = ap.parse_args()
    m = measure()
    if args.json:
        print(json.dumps(m, indent=2))
        return
    text = markdown(m)
    print(text)
    if args.write:
        doc = ROOT / "docs" / "benchmarks.md"
        body = doc.read_text()
        if BEGIN in body:
            body = body[: body.index(BEGIN)] + text + body[body.index(END) + len(END) :]
        else:
            body = body.rstrip() + "\n\n" + text + "\n"
        doc.write_text(body)


if __name__ == "__main__":
    main()
