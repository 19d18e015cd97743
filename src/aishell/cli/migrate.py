"""``aishell schema migrate SOURCE TARGET --preview | --apply``: the plan with its hazards, then running it."""

from __future__ import annotations

import sys

import click

from aishell.cli.diff import check_unsafe, common_plan_options, console, run_verify
from aishell.cli.output import json_option


@click.command()
@click.argument("source")
@click.argument("target")
@click.option("--preview", "mode", flag_value="preview", help="Show the plan, its hazards and its SQL; change nothing.")
@click.option("--apply", "mode", flag_value="apply", help="Run the plan against TARGET.")
@common_plan_options
@json_option
def migrate(source: str, target: str, mode: str | None, renames: tuple[str, ...], fills: tuple[str, ...],
            unsafe: bool, no_verify: bool, lock_timeout: str, statement_timeout: str, as_json: bool) -> int:
    """Make TARGET (a database) match SOURCE (the desired state).

    --preview shows the ordered plan with each statement's hazards (locks, rewrites, data loss) and the
    SQL; --apply runs it with lock and statement timeouts, in transactions where PostgreSQL allows them,
    and stops at the first error with an account of what was applied and what was not. Destructive
    statements need --unsafe. The plan is first tried on a throwaway copy of TARGET (--no-verify skips).

    \b
    Examples:
      aishell schema migrate staging production --preview
      aishell schema migrate design postgresql://app@db/app --apply
      aishell schema migrate new.sql app_db --apply --rename users.fullname:name
      aishell schema migrate design app_db --apply --fill users.organization_id=1
    """
    from aishell.errors import UserError
    from aishell.migrate.compare import compare

    if mode is None:
        raise UserError("say what to do: --preview (show the plan) or --apply (run it)")
    comp = compare(source, target, renames=list(renames), lock_timeout=lock_timeout,
                   statement_timeout=statement_timeout, fills=fills)
    if mode == "apply" and (comp.target is None or not comp.target.is_live):
        raise UserError(f"TARGET {target!r} is not a database: --apply needs a URL, environment or database name")
    plan = comp.plan
    if not plan.statements:
        if as_json:
            from aishell.cli.output import print_json

            print_json({"equal": True, "statements": [], "applied": mode == "apply"})
        else:
            click.echo(f"{comp.target_name} already matches {comp.source_name}: nothing to do.")
        return 0
    verified = None
    if mode == "apply":
        check_unsafe(plan, unsafe)
    if not no_verify:
        verified = run_verify(comp)
    if mode == "preview":
        if as_json:
            from aishell.cli.output import print_json

            print_json(plan_json(comp, verified is not None))
        else:
            print_plan(comp, verified is not None)
        return 0
    return apply_plan(comp, as_json)


def plan_json(comp, verified: bool) -> dict:
    return {
        "source": comp.source_name, "target": comp.target_name, "verified": verified,
        "statements": [{"sql": s.sql, "description": s.description, "transactional": s.transactional,
                        "hazards": [{"code": h.code, "message": h.message, "unsafe": h.unsafe} for h in s.hazards]}
                       for s in comp.plan.statements],
        "unsafe": [s.sql for s in comp.plan.unsafe_statements],
        "probable_renames": [{"kind": p.kind, "old": p.old, "new": p.new} for p in comp.changes.probable_renames],
    }


def print_plan(comp, verified: bool) -> None:
    from rich.markup import escape

    from aishell.cli.diff import migration_header
    from aishell.cli.output import rule

    out = console()
    plan = comp.plan
    out.print(rule(f"🛠  Migration plan: {comp.target_name} → {comp.source_name}"))
    out.print()
    out.print(f"{len(plan.statements)} statements, {len(plan.groups())} steps "
              f"(lock_timeout {plan.lock_timeout}, statement_timeout {plan.statement_timeout})")
    if verified:
        out.print("[green]✓ verified[/green] on a throwaway copy of TARGET: afterwards it matches SOURCE")
    out.print()
    n = 0
    for transactional, stmts in plan.groups():
        label = "transaction" if transactional else "outside a transaction"
        out.print(f"[bold]Step ({label}):[/bold]")
        for s in stmts:
            n += 1
            first = s.sql.strip().splitlines()[0]
            more = " …" if "\n" in s.sql.strip() else ""
            out.print(f"  {n:>3}. {escape(first)}{more}")
            for h in s.hazards:
                style = "red" if h.unsafe else "yellow"
                out.print(f"       [{style}]⚠ {h.code}[/{style}]: {escape(h.message)}")
    unsafe = plan.unsafe_statements
    out.print()
    if unsafe:
        out.print(f"[red]{len(unsafe)} destructive or risky statement(s): --apply needs --unsafe[/red]")
    for pr in comp.changes.probable_renames:
        out.print(f"[yellow]? probable rename[/yellow] {pr.kind} {pr.old} → {pr.new}: confirm with {pr.hint()}")
    out.print("━" * 50)
    out.print("SQL:")
    sys.stdout.flush()
    sys.stdout.write(plan.sql(migration_header(comp, None)))


def apply_plan(comp, as_json: bool) -> int:
    from aishell.cli.output import print_json, progress
    from aishell.migrate.execute import MigrationFailed, execute_plan

    plan = comp.plan
    conninfo = comp.target.conninfo
    with progress("Migrating", total=len(plan.statements), enabled=not as_json) as bar:
        task = bar.add_task("Migrating", total=len(plan.statements))
        try:
            report = execute_plan(plan, conninfo, on_statement=lambda s: bar.advance(task))
        except MigrationFailed as exc:
            report = exc.report
            if as_json:
                print_json({"applied": False, **report.to_dict()})
            else:
                print_failure(report)
            raise
    if as_json:
        print_json({"applied": True, **report.to_dict()})
    else:
        console().print(f"[green]✓[/green] applied {len(report.applied)} statements to {comp.target_name} "
                        f"in {report.seconds:.2f}s")
    return 0


def print_failure(report) -> None:
    from rich.markup import escape

    
    out = console()
    out.print("[red]Migration stopped at the first error.[/red]")
    out.print(f"  applied and committed: {len(report.applied)} statement(s)")
    for s in report.applied:
        out.print(f"    ✓ {escape(s.sql.splitlines()[0])}")
    if report.failed is not None:
        out.print(f"  failed: {escape(report.failed.sql.splitlines()[0])}")
        out.print(f"    error: {escape(report.error or '')}")
    if report.rolled_back:
        out.print(f"  rolled back with it (same transaction): {len(report.rolled_back)} statement(s)")
        for s in report.rolled_back:
            out.print(f"    ↺ {escape(s.sql.splitlines()[0])}")
    out.print(f"  not run: {len(report.not_applied)} statement(s)")
    for s in report.not_applied:
        out.print(f"    · {escape(s.sql.splitlines()[0])}")
