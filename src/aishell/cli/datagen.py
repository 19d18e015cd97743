"""``aishell schema test`` (realistic test data at scale) and ``aishell schema benchmark`` (a workload)."""

from __future__ import annotations

import sys
import time

import click

from aishell.cli.output import json_option


@click.command()
@click.option("--from", "source", metavar="SOURCE",
              help="Schema to build the throwaway database from (URL, environment, .sql, .json, design). "
                   "Default: the current design.")
@click.option("--database", "target", metavar="TARGET",
              help="Load into this existing database instead (its tables must be empty, or pass --append).")
@click.option("--data-size", "size", default="10K", show_default=True, metavar="N",
              help="Total rows over all tables: 5000, 10K, 1M.")
@click.option("--seed", type=int, default=None, help="Make the data reproducible (same seed, same rows).")
@click.option("--keep", is_flag=True, help="Keep the throwaway database (owned by the unprivileged role it was loaded as) and print "
                   "its connection string.")
@click.option("--append", is_flag=True, help="With --database: add rows to tables that already have some.")
@json_option
def test_data(source: str | None, target: str | None, size: str, seed: int | None, keep: bool, append: bool,
              as_json: bool) -> None:
    """Fill a database with realistic rows that honour every type and constraint, and report the speed.

    By default the schema (SOURCE, default the current design) is built in a throwaway database on the
    embedded PostgreSQL by an unprivileged role made for it, filled as that role (the schema's triggers
    and functions never run as the administrator), checked and dropped with the role (--keep keeps
    both). --database TARGET fills an existing database instead, after printing what it will write;
    tables that already hold rows are refused unless --append. N is the total over all tables, shared
    as the design states ("800 stations, 60K trips/day") and else by the schema's shape: lookup tables
    stay small, children scale with their parents. Indexes and keys are rebuilt after the rows and
    checked against the catalog. --database loads in one transaction, rolled back on any error or
    Ctrl-C; the throwaway database commits table by table, rebuilding loaded tables on two more
    sessions meanwhile, and is dropped on any error or Ctrl-C.

    \b
    Examples:
      aishell schema test --data-size 1M
      aishell schema test --from schema.sql --data-size 100K --seed 42 --keep
      aishell schema test --database postgresql://app@localhost/app_test --data-size 50K
    """
    from aishell.datagen import parse_size
    from aishell.errors import UserError

    total = parse_size(size)
    if target and source:
        raise UserError("give --from SOURCE (a throwaway copy is built) or --database TARGET, not both")
    if target and keep:
        raise UserError("--keep applies to the throwaway database; --database TARGET is always kept")
    if append and not target:
        raise UserError("--append applies to --database TARGET only")
    if target:
        from aishell.sources import parse_source

        src = parse_source(target)
        if not src.is_live:
            raise UserError(f"--database needs a database URL, environment or name, not {src.display}")
        result = _run(src.conninfo, total, seed, throwaway=False, append=append, as_json=as_json,
                      label=src.display)
        _finish(result, as_json, kept=None)
        return
    from aishell.datagen.run import throwaway_database

    with throwaway_database(source, keep=keep) as db:
        result = _run(db.conninfo, total, seed, throwaway=True, append=False, as_json=as_json,
                      label=f"throwaway database {db.name} built from {db.source.display}", hints=_hints(db.source))
        from aishell.dialects.postgres.connect import mask_url

        # The kept database is owned by the unprivileged role it was loaded as; its conninfo logs in as
        # that role (no password shown: the sandbox trusts local logins), dropping it takes the
        # administrator.
        kept = {"database": db.name, "owner": db.owner, "conninfo": mask_url(db.owner_conninfo),
                "admin_conninfo": mask_url(db.admin_conninfo)} if keep else None
    _finish(result, as_json, kept=kept)


def _hints(src):
    """What a design file states (scale figures, retention, access patterns), for volumes and queries."""
    if src.kind not in ("design", "json") or src.path is None:
        return None
    from aishell.datagen.volumes import load_hints

    return load_hints(src.path)


def _run(conninfo: str, total: int, seed: int | None, *, throwaway: bool, append: bool, as_json: bool,
         label: str, hints=None) -> dict:
    from aishell.datagen.load import plan_data
    from aishell.datagen.run import check_target, require_tables

    t0 = time.perf_counter()
    _schema, plans, existing, ctx = plan_data(conninfo, total, seed=seed, throwaway=throwaway, hints=hints)
    require_tables(plans)
    if not throwaway:
        check_target(plans, existing, append=append)
        if not as_json:
            _print_plan(plans, existing, label)
    report = _load_with_progress(conninfo, plans, ctx, throwaway, existing, total, as_json)
    data = report.to_dict()
    data["target"] = label
    data["seconds"] = round(time.perf_counter() - t0, 3)
    data["plan"] = [{"table": p.name, "rows": p.count, "existing_rows": existing.get(p.name, 0),
                     "method": "skip" if p.skip else ("staged" if p.staged else "copy")} for p in plans]
    return data


def _load_with_progress(conninfo, plans, ctx, throwaway, existing, total, as_json):
    from aishell.cli.output import progress
    from aishell.datagen.load import load_data

    with progress("test data", enabled=not as_json) as bar:
        task = bar.add_task("loading", total=max(1, sum(p.count for p in plans)))
        done: dict[str, int] = {}

        def tick(table: str, rows: int, count: int) -> None:
            done[table] = rows
            bar.update(task, completed=sum(done.values()), description=table)

        # A throwaway database is dropped when the load fails: tables commit one by one, rebuilt alongside.
        return load_data(conninfo, plans, ctx, throwaway=throwaway, existing=existing, total=total, progress=tick,
                         disposable=throwaway)


def _print_plan(plans, existing, label) -> None:
    from rich.markup import escape

    from aishell.cli.output import console

    c = console()
    c.print(f"[bold]Will write into {escape(label)}[/bold] (one transaction: its tables locked, their "
            "indexes and keys rebuilt after the rows, all rolled back on any error or Ctrl-C):")
    for p in plans:
        if p.skip:
            c.print(f"  {escape(p.name)}: skipped ({escape(p.skip)})")
        elif p.count:
            extra = f" (has {existing.get(p.name, 0):,} rows)" if existing.get(p.name) else ""
            c.print(f"  {escape(p.name)}: {p.count:,} rows{extra}")


def _finish(data: dict, as_json: bool, kept: dict | None) -> None:
    if kept:
        data["kept"] = kept
    if as_json:
        from aishell.cli.output import print_json

        print_json(data)
        return
    from rich.markup import escape
    from rich.table import Table

    from aishell.cli.output import console

    c = console()
    c.print(f"[bold]Test data: {escape(data['target'])}[/bold] (seed {data['seed']})")
    c.print("━" * 50)
    t = Table(show_edge=False, box=None, pad_edge=False)
    for col, just in (("table", "left"), ("rows", "right"), ("seconds", "right"), ("rows/s", "right"),
                      ("how", "left")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in data["tables"]:
        if r["skipped"]:
            t.add_row(escape(r["table"]), "0", "", "", f"[yellow]skipped[/yellow]: {escape(r['skipped'])}")
            continue
        how = r["method"] + (f", {r['partitions']} partitions" if r.get("partitions") else "")
        how = escape(how)
        if r["rows"] < r["requested"]:
            how += f" [yellow](short of {r['requested']:,}: the rest failed its checks)[/yellow]"
        t.add_row(escape(r["table"]), f"{r['rows']:,}", f"{r['seconds']:.2f}",
                  f"{r['rows_per_second']:,}" if r["rows_per_second"] else "", how)
    c.print(t)
    rps = data["rows_per_second"]
    c.print(f"Loaded {data['rows']:,} of {data['requested_rows']:,} rows in {data['load_seconds']:.2f} s"
            + (f" ({rps:,} rows/s)" if rps else "") + f"; total {data['seconds']:.2f} s with checks and ANALYZE")
    k = data["constraints"]
    mark = "[green]✓[/green]" if k["foreign_key_violations"] == 0 and k["check_violations"] == 0 else "[red]✗[/red]"
    c.print(f"{mark} Constraints: {k['foreign_keys_checked']} foreign keys checked, "
            f"{k['foreign_key_violations']} violations; {k['checks_checked']} CHECK constraints enforced by "
            f"PostgreSQL on every row, {k['check_violations']} violations ({k['verify_seconds']:.2f} s)")
    rb = data.get("rebuilt") or {}
    if rb.get("indexes") or rb.get("constraints") or rb.get("foreign_keys"):
        mark = "[green]✓[/green]" if rb.get("restored_exactly") else "[red]✗[/red]"
        c.print(f"{mark} Rebuilt after the load: {rb.get('indexes', 0)} indexes, {rb.get('constraints', 0)} keys, "
                f"{rb.get('foreign_keys', 0)} foreign keys in {rb.get('seconds', 0):.2f} s, "
                + ("as they were (catalog checked)" if rb.get("restored_exactly") else "NOT as they were"))
    skipped = [r for r in data["tables"] if r["skipped"]]
    if skipped:
        c.print(f"[yellow]{len(skipped)} table(s) skipped[/yellow] (reasons above)")
    for n in data.get("notes", []):
        c.print(f"  note: {escape(n)}")
    if kept:
        c.print(f"Kept database [bold]{escape(kept['database'])}[/bold], owned by the unprivileged role "
                f"[bold]{escape(kept['owner'])}[/bold]: {escape(kept['conninfo'])}")
        c.print(f"  benchmark it: aishell schema benchmark --database \"{escape(kept['conninfo'])}\"")
        c.print(f"  drop it: psql \"{escape(kept['admin_conninfo'])}\" "
                f"-c 'DROP DATABASE \"{escape(kept['database'])}\"' -c 'DROP ROLE \"{escape(kept['owner'])}\"'")


@click.command()
@click.option("--database", "target", metavar="TARGET", help="Benchmark this database (it must hold data).")
@click.option("--from", "source", metavar="SOURCE",
              help="Build a throwaway database from SOURCE, fill it (--data-size) and benchmark it. "
                   "Default when neither is given: the current design.")
@click.option("--data-size", "size", default="100K", show_default=True, metavar="N",
              help="Rows to generate first when benchmarking a throwaway database.")
@click.option("--duration", type=click.FloatRange(min=0.5, max=3600), default=10.0, show_default=True,
              help="Seconds to run.")
@click.option("--clients", type=click.IntRange(min=1, max=256), default=4, show_default=True,
              help="Concurrent client connections.")
@click.option("--queries", "queries", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="Run the SQL statements in FILE instead of the workload derived from the schema.")
@click.option("--seed", type=int, default=None, help="Seed for the generated data and the key choices.")
@json_option
def benchmark(target: str | None, source: str | None, size: str, duration: float, clients: int,
              queries: str | None, seed: int | None, as_json: bool) -> None:
    """Run a workload and report transactions per second and latency (avg, p50, p95, p99) per query.

    The default workload comes from the design and the data: the access patterns a design states, the
    lookups the indexes of the biggest tables were made for, primary-key lookups, parent-to-children
    joins along foreign keys, recent rows, and inserts into child tables (rolled back, so the data stays
    as it was). It runs with PostgreSQL's pgbench; each query shows the index that serves it (EXPLAIN).

    \b
    Examples:
      aishell schema benchmark
      aishell schema benchmark --database postgresql://app@localhost/app_test --duration 30 --clients 8
      aishell schema benchmark --from schema.sql --data-size 200K --queries workload.sql --json
    """
    from aishell.datagen import parse_size
    from aishell.datagen.bench import run_benchmark
    from aishell.errors import UserError

    if target and source:
        raise UserError("give --database TARGET or --from SOURCE, not both")
    if target:
        from aishell.sources import parse_source

        src = parse_source(target)
        if not src.is_live:
            raise UserError(f"--database needs a database URL, environment or name, not {src.display}")
        data = run_benchmark(src.conninfo, duration=duration, clients=clients, queries=queries, seed=seed)
        data["target"] = src.display
        _bench_out(data, as_json)
        return
    total = parse_size(size)
    from aishell.datagen.load import plan_data
    from aishell.datagen.run import throwaway_database

    with throwaway_database(source) as db:  # db.conninfo logs in as the schema's unprivileged owner
        hints = _hints(db.source)
        _schema, plans, existing, ctx = plan_data(db.conninfo, total, seed=seed, throwaway=True, hints=hints)
        if not as_json:
            sys.stderr.write(f"aishell: generating {total:,} rows in a throwaway database built from "
                             f"{db.source.display} ...\n")
        report = _load_with_progress(db.conninfo, plans, ctx, True, existing, total, as_json)
        data = run_benchmark(db.conninfo, duration=duration, clients=clients, queries=queries, seed=seed,
                             hints=hints)
        data["target"] = f"throwaway database built from {db.source.display}"
        data["data"] = {"rows": report.rows, "seconds": round(report.load_seconds, 3), "seed": report.seed}
    _bench_out(data, as_json)


def _bench_out(data: dict, as_json: bool) -> None:
    if as_json:
        from aishell.cli.output import print_json

        print_json(data)
        return
    from rich.markup import escape
    from rich.table import Table

    from aishell.cli.output import console

    c = console()
    c.print(f"[bold]Benchmark: {escape(data['target'])}[/bold]")
    c.print("━" * 50)
    c.print(f"Workload: {escape(data['workload'])}; {data['clients']} clients for {data['duration']:.0f} s "
            f"with {escape(data['driver'])}")
    t = Table(show_edge=False, box=None, pad_edge=False)
    for col, just in (("query", "left"), ("count", "right"), ("per s", "right"), ("avg ms", "right"),
                      ("p50", "right"), ("p95", "right"), ("p99", "right"), ("failed", "right"),
                      ("index (EXPLAIN)", "left")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for q in data["queries"]:
        served = q.get("index") or ("[yellow]none: " + escape(q.get("plan") or "?") + "[/yellow]")
        t.add_row(escape(q["name"]), f"{q['count']:,}", f"{q.get('per_second') or 0:,.1f}", f"{q['avg_ms']:.3f}",
                  f"{q['p50_ms']:.3f}", f"{q['p95_ms']:.3f}", f"{q['p99_ms']:.3f}", str(q.get("failed", 0)),
                  served if not q.get("index") else escape(served))
    c.print(t)
    c.print(f"[bold]{data['tps']:,.1f} transactions/s[/bold] ({data['transactions']:,} in "
            f"{data['seconds']:.1f} s), latency avg {data['latency_ms']['avg']:.3f} ms, "
            f"p95 {data['latency_ms']['p95']:.3f} ms, p99 {data['latency_ms']['p99']:.3f} ms")
    for q in data["queries"]:
        c.print(f"  [dim]{escape(q['name'])}:[/dim] {escape(q['sql'])}")
