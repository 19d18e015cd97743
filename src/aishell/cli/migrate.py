"""``aishell schema migrate SOURCE TARGET --preview | --apply``: the plan with its hazards, then running it."""

from __future__ import annotations

import sys

import click

from aishell.cli.diff import check_unsafe, common_plan_options, console, run_verify
from aishell.cli.output import WAIT, json_option

WAIT_HELP = ("How long to wait for another aishell run changing the same database to finish (e.g. 0, 5s, "
             "2min); then exit 75 having changed nothing.")


def wait_option(f):
    return click.option("--wait", "wait", type=WAIT, default="5s", show_default=True, metavar="DURATION", help=WAIT_HELP)(f)


@click.command()
@click.argument("source")
@click.argument("target")
@click.option("--preview", "mode", flag_value="preview", help="Show the plan, its hazards and its SQL; change nothing.")
@click.option("--apply", "mode", flag_value="apply", help="Run the plan against TARGET.")
@common_plan_options
@wait_option
@json_option
def migrate(source: str, target: str, mode: str | None, renames: tuple[str, ...], fills: tuple[str, ...],
            unsafe: bool, no_verify: bool, lock_timeout: str, statement_timeout: str, wait: str,
            as_json: bool) -> int:
    """Make TARGET (a database) match SOURCE (the desired state).

    --preview shows the ordered plan with each statement's hazards (locks, rewrites, data loss), the
    rows it would cut, delete or fail on (counted on TARGET) and the SQL. --apply runs it: pre-checks
    and every transactional statement in one transaction (a failure changes nothing), then the online
    statements (CREATE INDEX CONCURRENTLY, VALIDATE), with lock and statement timeouts, holding an
    advisory lock so that one run at a time changes TARGET. Destructive statements need --unsafe. The
    plan is first tried on a throwaway copy of TARGET (--no-verify skips).

    \b
    Examples:
      aishell schema migrate staging production --preview
      aishell schema migrate design postgresql://app@db/app --apply
      aishell schema migrate new.sql app_db --apply --rename users.fullname:name
      aishell schema migrate design app_db --apply --fill users.organization_id=1
    """
    import contextlib

    from aishell.errors import UserError
    from aishell.migrate.lock import database_lock, parse_wait
    from aishell.sources import parse_source
    from aishell.testpoints import pause

    if mode is None:
        raise UserError("say what to do: --preview (show the plan) or --apply (run it)")
    wait_s = parse_wait(wait)
    tgt = parse_source(target)
    if mode == "apply" and not tgt.is_live:
        raise UserError(f"TARGET {target!r} is not a database: --apply needs a URL, environment or database name")
    # One run at a time changes TARGET: the lock is taken before TARGET is read, so the plan is not stale.
    held = database_lock(tgt.conninfo or "", wait=wait_s, what="migrate --apply") if mode == "apply" \
        else contextlib.nullcontext()
    with held:
        pause("locked")
        return _migrate(source, tgt, mode, renames, fills, unsafe, no_verify, lock_timeout, statement_timeout,
                        as_json)


def _migrate(source, tgt, mode, renames, fills, unsafe, no_verify, lock_timeout, statement_timeout,
             as_json) -> int:
    from aishell.migrate.compare import compare
    from aishell.migrate.prechecks import count_checks, raise_if_failing

    comp = compare(source, tgt, renames=list(renames), lock_timeout=lock_timeout,
                   statement_timeout=statement_timeout, fills=fills)
    plan = comp.plan
    if not plan.statements:
        if as_json:
            from aishell.cli.output import print_json

            print_json({"equal": True, "statements": [], "applied": mode == "apply"})
        else:
            click.echo(f"{comp.target_name} already matches {comp.source_name}: nothing to do.")
        return 0
    verified = None
    # Rows each statement would cut, delete or fail on, counted on TARGET (read-only).
    counts = count_checks(plan, comp.target.conninfo) if comp.target is not None and comp.target.is_live else []
    if mode == "apply":
        check_unsafe(plan, unsafe, counts)
        raise_if_failing(counts)
    if not no_verify:
        verified = run_verify(comp)
    if mode == "preview":
        if as_json:
            from aishell.cli.output import print_json

            print_json(plan_json(comp, verified is not None, counts))
        else:
            print_plan(comp, verified is not None, counts)
        return 0
    return apply_plan(comp, as_json)


def plan_json(comp, verified: bool, counts=()) -> dict:
    from aishell.migrate.prechecks import failing

    return {
        "source": comp.source_name, "target": comp.target_name, "verified": verified,
        "statements": [{"sql": s.sql, "description": s.description, "transactional": s.transactional,
                        "hazards": [{"code": h.code, "message": h.message, "unsafe": h.unsafe} for h in s.hazards],
                        "checks": [c.to_dict() for c in counts if c.statement is s]}
                       for s in comp.plan.statements],
        "steps": [{"transaction": tx, "statements": [comp.plan.statements.index(s) for s in stmts]}
                  for tx, stmts in comp.plan.groups()],
        "unsafe": [s.sql for s in comp.plan.unsafe_statements],
        "prechecks_fail": [c.to_dict() for c in failing(list(counts))],
        "probable_renames": [{"kind": p.kind, "old": p.old, "new": p.new} for p in comp.changes.probable_renames],
    }


def print_plan(comp, verified: bool, counts=()) -> None:
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
        label = ("transaction" if transactional else
                 "online, in a transaction of its own" if all(s.transactional for s in stmts) else
                 "online, outside a transaction")
        out.print(f"[bold]Step ({label}):[/bold]")
        for s in stmts:
            n += 1
            first = s.sql.strip().splitlines()[0]
            more = " …" if "\n" in s.sql.strip() else ""
            out.print(f"  {n:>3}. {escape(first)}{more}")
            for h in s.hazards:
                style = "red" if h.unsafe else "yellow"
                out.print(f"       [{style}]⚠ {h.code}[/{style}]: {escape(h.message)}")
            for c in counts:
                if c.statement is s:
                    style = "red" if c.fails else ("yellow" if c.count or c.count is None else "green")
                    mark = "✗" if c.fails else ("✓" if c.count == 0 else "•")
                    out.print(f"       [{style}]{mark} counted on TARGET[/{style}]: {escape(c.text())}")
    unsafe = plan.unsafe_statements
    out.print()
    from aishell.migrate.prechecks import failing

    bad = failing(list(counts))
    if bad:
        out.print(f"[red]{len(bad)} pre-check(s) find rows the migration cannot take: --apply would stop before "
                  f"changing anything[/red]")
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
        for d in report.dropped_invalid:
            console().print(f"  dropped INVALID index {d}")
    return 0


def print_failure(report) -> None:
    from rich.markup import escape

    out = console()
    if report.changed_nothing:
        out.print("[red]Migration failed; nothing was changed (its transaction was rolled back).[/red]")
    else:
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
    for d in report.dropped_invalid:
        out.print(f"  dropped INVALID index {escape(d)}")
