"""``aishell schema refactor``: a refactoring plan (migration up and down, locks, effort), proved on a copy,
applied only with --apply."""

from __future__ import annotations

import sys

import click

from aishell.cli.diff import console
from aishell.cli.output import TIMEOUT, json_option, print_json


@click.command()
@click.argument("request", nargs=-1)
@click.option("--list", "list_", is_flag=True, help="List the refactors and exit.")
@click.option(
    "--database",
    "-d",
    "database",
    metavar="SOURCE",
    help="Refactor this live database (default: the current design).",
)
@click.option("--apply", "apply_", is_flag=True, help="Apply the plan (a backup is written first).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask on a terminal (same as --apply).")
@click.option("--sql", "show_sql", type=click.Choice(["up", "down"]), help="Print only the migration SQL.")
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Also write the migration as DIR/refactor_<name>.up.sql and .down.sql.",
)
@click.option("--no-verify", is_flag=True, help="Do not try the migration on a copy first.")
@click.option(
    "--copy-limit",
    type=click.FloatRange(min=0),
    default=256,
    show_default=True,
    metavar="MB",
    help="Copy the rows too when the database is at most this big (else the schema only).",
)
@click.option("--lock-timeout", type=TIMEOUT, default="5s", show_default=True, help="lock_timeout of every statement.")
@click.option(
    "--statement-timeout",
    type=TIMEOUT,
    default="60s",
    show_default=True,
    help="statement_timeout (fills, index builds and validation get 30min).",
)
@click.option(
    "--backup-dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Where the backup goes (default ./aishell/backups).",
)
@click.option("--table", "tables", multiple=True, metavar="TABLE", help="A table the refactor applies to.")
@click.option("--column", "column", metavar="TABLE.COLUMN", help="The column (extract-lookup).")
@click.option("--columns", "columns", metavar="A,B,...", help="Columns to move (split-table).")
@click.option(
    "--as", "as_", type=click.Choice(["table", "enum"]), help="extract-lookup: a table or an enum type."
)
@click.option("--name", "new_name", metavar="NAME", help="The new table's or type's name.")
@click.option("--by", "by", metavar="COLUMN", help="partition: the partition key column.")
@click.option(
    "--interval",
    type=click.Choice(["day", "week", "month", "quarter", "year"]),
    help="partition: range size (default month).",
)
@click.option(
    "--tenant-table", metavar="TABLE", help="multi-tenant: the tenant table (default: found or created)."
)
@click.option("--tenant-column", metavar="NAME", help="multi-tenant: the tenant column's name.")
@click.option(
    "--global", "global_", multiple=True, metavar="TABLE", help="multi-tenant: keep this table global."
)
@click.option("--owned", multiple=True, metavar="TABLE", help="multi-tenant: this table is tenant-owned.")
@click.option(
    "--default-tenant", metavar="ID", help="multi-tenant: the tenant of rows no foreign key attributes."
)
@json_option
def refactor(
    request,
    list_,
    database,
    apply_,
    yes,
    show_sql,
    output,
    no_verify,
    copy_limit,
    lock_timeout,
    statement_timeout,
    backup_dir,
    tables,
    column,
    columns,
    as_,
    new_name,
    by,
    interval,
    tenant_table,
    tenant_column,
    global_,
    owned,
    default_tenant,
    as_json,
) -> int:
    """Plan a refactoring of the current design or a live database, and apply it with consent.

    REQUEST is plain words ("add soft delete to orders") or a refactor's name and its targets
    (`multi-tenant`, `extract-lookup orders.status`); `--list` shows them. The plan lists the changes,
    the migration up and down (tried on a copy: schema and, for a small database, every row, with
    per-table checksums), the locks each step takes, and the effort — measured on the copy, or
    computed from table sizes. Nothing changes without --apply (on a terminal it asks); applying checks
    for blocking sessions and writes a backup first, with lock and statement timeouts.

    \b
    Examples:
      aishell schema refactor "Optimize for multi-tenancy. Each company should have isolated data."
      aishell schema refactor multi-tenant --database production --apply
      aishell schema refactor extract-lookup orders.status --as enum --database staging
      aishell schema refactor --list
    """
    from pathlib import Path

    from aishell.errors import UserError
    from aishell.refactor import RefactorOptions, apply_refactor, estimate, plan_refactor, verify

    if list_:
        return _list(as_json)
    if not request:
        raise UserError(
            'say what to refactor, e.g. aishell schema refactor "add soft delete to orders" (or --list)'
        )
    from aishell.cli.fix import _duration

    opts = RefactorOptions(
        database=database,
        verify=not no_verify,
        copy_limit_mb=copy_limit,
        lock_timeout=_duration(lock_timeout, "--lock-timeout"),
        statement_timeout=_duration(statement_timeout, "--statement-timeout"),
        backup_dir=Path(backup_dir) if backup_dir else None,
    )
    extra = {
        "tables": list(tables),
        "column": column,
        "columns": [c.strip() for c in columns.split(",") if c.strip()] if columns else None,
        "as": as_,
        "name": new_name,
        "by": by,
        "interval": interval,
        "tenant_table": tenant_table,
        "tenant_column": tenant_column,
        "global": list(global_),
        "owned": list(owned),
        "default_tenant": default_tenant,
    }
    words = list(request)
    if len(words) == 1 and " " in words[0].strip():
        words = [words[0].strip()]
    report = plan_refactor(words, opts, extra)
    if opts.verify:
        report.verification = verify(report, opts)
    estimate(report, opts)
    if output:
        d = Path(output)
        d.mkdir(parents=True, exist_ok=True)
        (d / f"refactor_{report.name.replace('-', '_')}.up.sql").write_text(
            report.up.sql(_header(report, "up"))
        )
        (d / f"refactor_{report.name.replace('-', '_')}.down.sql").write_text(
            report.down.sql(_header(report, "down"))
        )
    if show_sql:
        plan = report.up if show_sql == "up" else report.down
        sys.stdout.write(plan.sql(_header(report, show_sql)))
        return 0
    do_apply = apply_ or yes
    if not do_apply and not as_json and sys.stdin.isatty() and sys.stdout.isatty():
        _print(report)
        do_apply = click.confirm("Apply refactoring?", default=False)
        if not do_apply:
            return 0
        printed = True
    else:
        printed = False
    if do_apply:
        from aishell.cli.output import progress

        with progress("Refactoring", total=len(report.up.statements), enabled=not as_json) as bar:
            task = bar.add_task("Refactoring", total=len(report.up.statements))
            report.applied = apply_refactor(report, opts, on_statement=lambda s: bar.advance(task))
    if as_json:
        print_json(report.to_dict())
    elif not printed:
        _print(report)
    if do_apply and report.applied and not as_json:
        _print_applied(report)
    return 0


def _header(report, direction: str) -> str:
    from aishell import __version__

    rf = report.refactoring
    lines = [
        f"Refactoring: {rf.title} ({direction}), written by aishell {__version__}",
        f"on {report.source}: {rf.target_line}",
    ]
    v = report.verification
    if v.get("ok"):
        lines.append(
            f"verified on a copy ({v['copy']}): up matches the plan and keeps every row; down restores it"
        )
    return "\n".join(lines)


def _list(as_json: bool) -> int:
    from aishell.refactor import REGISTRY, knowledge

    info = knowledge()["refactors"]
    rows = [
        {"name": n, "title": info[n]["title"], "summary": info[n]["summary"], "example": info[n]["example"]}
        for n in info
        if n in REGISTRY
    ]
    if as_json:
        print_json(rows)
        return 0
    out = console()
    for r in rows:
        out.print(f"[bold]{r['name']}[/bold]: {r['title']}")
        out.print(f"    {r['summary']}", markup=False)
        out.print(f"    {r['example']}", markup=False)
    return 0


def _print(report) -> None:
    from rich.markup import escape as e

    from aishell.cli.output import rule

    rf = report.refactoring
    out = console()
    out.print(rule(f"🤖 Refactoring Plan: {rf.title}"))
    out.print()
    m = report.matched
    if m.get("by") == "text":
        out.print(
            f"[dim]Request matched {report.name} (keywords: {e(', '.join(m['keywords']))}); "
            f"the same plan: aishell schema refactor {report.name}[/dim]"
        )
    out.print(f"Source: {e(report.source)}")
    out.print(f"Current: {e(rf.current_line)}")
    out.print(f"Target: {e(rf.target_line)}")
    out.print()
    out.print(f"Strategy: {e(rf.strategy)}")
    out.print()
    out.print("[bold]Changes Required:[/bold]")
    for i, (heading, details) in enumerate(rf.changes, 1):
        out.print(f"\n{i}. {e(heading)}")
        for d in details[:14]:
            out.print(f"   - {e(d)}")
        if len(details) > 14:
            out.print(f"   … and {len(details) - 14} more")
    if rf.assumptions:
        out.print("\n[bold]Assumed[/bold] (say otherwise with the options in --help):")
        for a in rf.assumptions:
            out.print(f"  • {e(a)}")
    if report.prechecks:
        out.print("\n[bold]Pre-checks on the data[/bold] (read-only, exact counts):")
        for p in report.prechecks:
            ok = p["rows"] == 0
            mark = "[green]✓[/green]" if ok else "[red]✗[/red]"
            val = f"{p['rows']:,} rows" if p["rows"] is not None else f"could not run: {p.get('error')}"
            out.print(f"  {mark} {e(p['check'])}: {e(val)}")
    if rf.impact:
        out.print("\n[bold]Performance Impact:[/bold]")
        for line in rf.impact:
            out.print(f"  {e(line)}")
    _print_steps(report, out)
    est = report.estimate
    out.print()
    out.print(
        f"Migration Complexity: [bold]{est.get('complexity')}[/bold] [dim]({e(est.get('complexity_rule', ''))})"
        "[/dim]"
    )
    if est.get("seconds") is not None:
        out.print(f"Estimated time: {est['seconds']:.2f} s of database work [dim]({e(est['how'])})[/dim]")
    else:
        out.print(f"Estimated time: [dim]{e(est.get('how', ''))}[/dim]")
    out.print(f"Requires application code changes: {'YES' if rf.app_changes else 'NO'}")
    for a in rf.app_changes:
        out.print(f"  - {e(a)}")
    for n in rf.notes:
        out.print(f"[yellow]note:[/yellow] {e(n)}")
    v = report.verification
    out.print()
    if not v:
        out.print("[yellow]Not verified (--no-verify).[/yellow]")
    elif v.get("ok"):
        rows = (
            f"kept every row ({v.get('rows_checked', 0):,} rows, per-table checksums)"
            if v.get("with_data")
            else "(a copy without rows: the data steps ran on empty tables)"
        )
        out.print(
            f"[green]✓ Verified[/green] on a throwaway copy ({e(v['copy'])}): the migration up produced the "
            f"planned schema and {rows}; the migration down restored the original schema"
            + (" and rows." if v.get("with_data") else ".")
        )
    else:
        out.print(
            f"[red]✗ Verification failed[/red] on a copy ({e(v.get('copy', ''))}): "
            f"{e(v.get('error') or '; '.join(v.get('up_differences', []) + v.get('data_differences', []) + v.get('down_differences', [])))}"
        )
    out.print()
    up = report.up
    down_unsafe = len(report.down.unsafe_statements)
    out.print(
        f"Migration: {len(up.statements)} statements up, {len(report.down.statements)} down"
        + (f" (down drops data the refactor added: {down_unsafe} statement(s))" if down_unsafe else "")
        + "; see it with --sql up / --sql down, or write it with --output DIR"
    )
    if report.applied is None:
        target = f" --database {report.source}" if report.live else ""
        what = "apply it" if report.live else "save it as the current design"
        out.print(
            f"Preview only: nothing changed. To {what}: aishell schema refactor {report.name}{e(target)} --apply"
        )


def _print_steps(report, out) -> None:
    """Each step with its locks; runs of alike steps (index builds, validations) on one line each."""
    from rich.markup import escape as e

    steps = report.steps
    if not steps:
        return
    out.print("\n[bold]Steps and locks[/bold] (what other sessions wait for while each step runs):")
    runs: list[list[tuple[int, dict]]] = []
    for i, s in enumerate(steps, 1):
        key = (s["transaction"], tuple(sorted({lk["mode"] for lk in s["locks"]})))
        if runs and not s["transaction"] and runs[-1][0][1]["_key"] == key and len(runs[-1]) < 50:
            s["_key"] = key
            runs[-1].append((i, s))
        else:
            s["_key"] = key
            runs.append([(i, s)])
    for run in runs:
        first_i, first = run[0]
        last_i = run[-1][0]
        label = f"{first_i:>3}." if len(run) == 1 else f"{first_i}-{last_i}."
        measured = [s["seconds_measured"] for _, s in run if s["seconds_measured"] is not None]
        computed = [s["seconds_computed"] for _, s in run if s["seconds_computed"] is not None]
        secs = ""
        if measured:
            secs = f", {sum(measured):.2f} s measured on the copy"
        elif computed and sum(computed) > 0:
            secs = f", ~{sum(computed):.1f} s computed"
        kind = "one transaction" if first["transaction"] else "each alone, outside a transaction"
        whats = [w for _, s in run for w in s["what"]]
        what = "; ".join(whats[:2]) + (f"; … {len(whats) - 2} more" if len(whats) > 2 else "")
        if not what:
            what = f"{sum(s['statements'] for _, s in run)} statement(s)"
        n = sum(s["statements"] for _, s in run)
        out.print(f"  {label} {e(what)} [dim]({kind}, {n} statement{'s' if n != 1 else ''}{secs})[/dim]")
        modes: dict[str, list[str]] = {}
        for _, s in run:
            for lk in s["locks"]:
                tables = modes.setdefault(lk["mode"], [])
                name = lk["table"].removeprefix("public.")
                if name not in tables:
                    tables.append(name)
        for mode, ts in modes.items():
            style = (
                "red"
                if mode == "ACCESS EXCLUSIVE"
                else "yellow"
                if mode in ("SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE")
                else "dim"
            )
            from aishell.lint.locks import BLOCKS

            out.print(
                f"      [{style}]{mode}[/{style}] on {e(', '.join(ts[:6]))}{' …' if len(ts) > 6 else ''} "
                f"[dim](blocks {e(BLOCKS[mode])})[/dim]"
            )
    for s in steps:
        s.pop("_key", None)


def _print_applied(report) -> None:
    a = report.applied
    out = console()
    if "saved" in a:
        out.print(f"[green]✓[/green] saved the refactored design to {a['saved']}")
        return
    out.print(
        f"[green]✓[/green] applied {a['statements']} statements in {a['seconds']:.2f} s; "
        f"backup: {a['backup']['path']}"
    )
    for r in a["rows"]:
        after = "not readable (row-level security)" if r["after"] is None else f"{r['after']:,}"
        out.print(f"  {r['table']}: {r['before']:,} rows before, {after} after", markup=False)
    if a["rows_lost"]:
        out.print(f"[red]rows missing after the refactor: {a['rows_lost']}[/red]")
