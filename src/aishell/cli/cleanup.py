"""``aishell schema cleanup KIND``: move rows that break a planned constraint into quarantine, with the way back."""

from __future__ import annotations

import click

from aishell.cli.diff import console
from aishell.cli.output import TIMEOUT, json_option, print_json

EXAMPLES = """
\b
Examples:
  aishell schema cleanup invalid-emails --database production
  aishell schema cleanup invalid-emails --table users --column email --apply
  aishell schema cleanup duplicates --table wishlist --apply
  aishell schema cleanup check --table orders --check "total >= 0"
  aishell schema cleanup nulls --table products --column price --cascade --apply
"""


def _common(f):
    f = json_option(f)
    f = click.option("--statement-timeout", type=TIMEOUT, default="10min", show_default=True, help="statement_timeout.")(f)
    f = click.option("--lock-timeout", type=TIMEOUT, default="5s", show_default=True, help="lock_timeout.")(f)
    f = click.option(
        "--cascade",
        is_flag=True,
        help="Also move the rows that reference the ones moved (else those are held back).",
    )(f)
    f = click.option(
        "--apply", "apply_", is_flag=True, help="Move the rows (default: show what would move)."
    )(f)
    f = click.option(
        "--database",
        "-d",
        "database",
        metavar="SOURCE",
        help="The database (default: [defaults] database in aishell.toml).",
    )(f)
    return f


def _run(
    kind: str, options: dict, database, apply_, cascade, lock_timeout, statement_timeout, as_json
) -> int:
    from aishell.cleanup import apply_cleanup, plan_cleanup
    from aishell.cli.fix import _duration
    from aishell.config import default_database
    from aishell.errors import UserError
    from aishell.sources import parse_source

    text = database or default_database()
    if not text:
        raise UserError("which database? --database SOURCE, or [defaults] database in aishell.toml")
    src = parse_source(text)
    if not src.is_live:
        raise UserError(f"{text!r} is not a database (a URL, environment or database name)")
    plan = plan_cleanup(src.conninfo or "", kind, options, cascade=cascade)
    if apply_:
        plan = apply_cleanup(
            src.conninfo or "",
            plan,
            lock_timeout=_duration(lock_timeout, "--lock-timeout"),
            statement_timeout=_duration(statement_timeout, "--statement-timeout"),
        )
    if as_json:
        print_json({"database": src.display, **plan.to_dict()})
    else:
        _print(plan, src.display, kind, options)
    return 0


def _print(plan, display: str, kind: str, options: dict) -> None:
    from rich.markup import escape as e

    from aishell.cli.output import rule

    out = console()
    out.print(rule(f"🧹 Cleanup: {kind} ({display})"))
    out.print()
    for t in plan.checked or plan.targets:
        out.print(f"{e(t.reason)}: [bold]{t.violations or 0:,}[/bold] row(s)")
    out.print()
    if not plan.moves:
        out.print("[green]✓[/green] no row breaks it: nothing to move.")
        return
    verb = "Moved" if plan.applied else "Would move"
    for m in sorted(plan.moves, key=lambda m: m.depth):
        rows = plan.after.get("moved", {}).get(f"{m.table.schema}.{m.table.name}") if plan.applied else m.rows
        rows = m.rows if rows is None else rows
        out.print(
            f"  {verb} {rows:,} row(s) of {m.table.qualified_name} → {m.quarantine}"
            + (f" [dim]({e(m.reason)})[/dim]" if m.depth else "")
        )
        if m.held_back:
            out.print(
                f"  [yellow]Held back {m.held_back:,} row(s) of {m.table.qualified_name}: other rows reference "
                "them (moving them would fail, cascade or null those references); --cascade moves the "
                "referencing rows too[/yellow]"
            )
    out.print()
    if plan.applied:
        for qn, before in plan.before["rows"].items():
            out.print(
                f"  {qn}: {before:,} rows before, {plan.after['rows'][qn]:,} after; violations "
                f"{plan.before['violations'].get(qn, '-')} → {plan.after['violations'].get(qn, '-')}"
            )
        out.print()
        out.print(f"[green]✓[/green] one transaction; batch [bold]{plan.batch}[/bold]. The way back:")
    else:
        out.print("The statements (one transaction):")
        for s in plan.statements():
            out.print(f"  {s};", markup=False, soft_wrap=True)
        out.print()
        out.print("The way back, once applied:")
    for s in plan.way_back():
        out.print(f"  {s};", markup=False, soft_wrap=True)
    if not plan.applied:
        out.print()
        out.print("Preview only: nothing changed. Add --apply to move the rows.")


@click.group()
def cleanup() -> None:
    """Move the rows that break a planned constraint into a quarantine table, with the way back.

    Each kind counts the violating rows (exactly) and, with --apply, moves them in one transaction into
    aishell_quarantine.<schema>__<table>, printing the statements that put them back. Rows other rows
    reference are held back unless --cascade moves the referencing rows too; nothing is deleted silently.
    """


cleanup.help = (cleanup.help or "") + EXAMPLES


@cleanup.command("invalid-emails")
@click.option("--table", metavar="TABLE", help="Only this table (default: every e-mail column).")
@click.option("--column", metavar="COLUMN", help="Only this column.")
@_common
def invalid_emails(table, column, database, apply_, cascade, lock_timeout, statement_timeout, as_json) -> int:
    """Rows whose e-mail column is not a valid address (the CHECK `schema fix` would add).

    \b
    Examples:
      aishell schema cleanup invalid-emails --database production
      aishell schema cleanup invalid-emails --table users --column email --apply
    """
    return _run(
        "invalid-emails",
        {"table": table, "column": column},
        database,
        apply_,
        cascade,
        lock_timeout,
        statement_timeout,
        as_json,
    )


@cleanup.command()
@click.option("--table", required=True, metavar="TABLE", help="The table.")
@click.option("--key", metavar="A,B", help="Duplicates under these columns (default: whole rows).")
@_common
def duplicates(table, key, database, apply_, cascade, lock_timeout, statement_timeout, as_json) -> int:
    """Duplicate rows (whole rows, or under --key): all but the first of each group move.

    \b
    Examples:
      aishell schema cleanup duplicates --table wishlist --apply
      aishell schema cleanup duplicates --table users --key email
    """
    keys = [k.strip() for k in key.split(",") if k.strip()] if key else []
    return _run(
        "duplicates",
        {"table": table, "key": keys},
        database,
        apply_,
        cascade,
        lock_timeout,
        statement_timeout,
        as_json,
    )


@cleanup.command()
@click.option("--table", required=True, metavar="TABLE", help="The table.")
@click.option(
    "--check", "check_", required=True, metavar="EXPR", help='The planned CHECK, e.g. "total >= 0".'
)
@_common
def check(table, check_, database, apply_, cascade, lock_timeout, statement_timeout, as_json) -> int:
    """Rows that break a planned CHECK (EXPR over the table's columns).

    \b
    Examples:
      aishell schema cleanup check --table orders --check "total >= 0"
    """
    return _run(
        "check",
        {"table": table, "check": check_},
        database,
        apply_,
        cascade,
        lock_timeout,
        statement_timeout,
        as_json,
    )


@cleanup.command()
@click.option("--table", required=True, metavar="TABLE", help="The table.")
@click.option("--column", required=True, metavar="COLUMN", help="The column about to become NOT NULL.")
@_common
def nulls(table, column, database, apply_, cascade, lock_timeout, statement_timeout, as_json) -> int:
    """Rows with NULL in a column about to become NOT NULL.

    \b
    Examples:
      aishell schema cleanup nulls --table products --column price
    """
    return _run(
        "nulls",
        {"table": table, "column": column},
        database,
        apply_,
        cascade,
        lock_timeout,
        statement_timeout,
        as_json,
    )


@cleanup.command()
@click.option("--table", required=True, metavar="TABLE", help="The table.")
@click.option(
    "--constraint", metavar="NAME", help="The foreign key (default: every foreign key of the table)."
)
@_common
def orphans(table, constraint, database, apply_, cascade, lock_timeout, statement_timeout, as_json) -> int:
    """Rows whose foreign key points at no row (before VALIDATE CONSTRAINT).

    \b
    Examples:
      aishell schema cleanup orphans --table orders --constraint orders_user_id_fkey
    """
    return _run(
        "orphans",
        {"table": table, "constraint": constraint},
        database,
        apply_,
        cascade,
        lock_timeout,
        statement_timeout,
        as_json,
    )


@click.command()
@click.option("--table", metavar="TABLE", help="Only this table (default: every e-mail column).")
@click.option("--column", metavar="COLUMN", help="Only this column.")
@_common
def cleanup_invalid_emails(
    table, column, database, apply_, cascade, lock_timeout, statement_timeout, as_json
) -> int:
    """The tutorial's spelling of `schema cleanup invalid-emails`.

    \b
    Examples:
      aishell schema cleanup-invalid-emails
      aishell schema cleanup-invalid-emails --apply
    """
    return _run(
        "invalid-emails",
        {"table": table, "column": column},
        database,
        apply_,
        cascade,
        lock_timeout,
        statement_timeout,
        as_json,
    )


def command_for(step, database: str | None) -> str | None:
    """The `aishell schema cleanup ...` line for a fix step skipped because of violating rows."""
    import shlex

    table = step.table
    if not table:
        return None
    name = table.removeprefix("public.")
    db = f" --database {shlex.quote(database)}" if database else ""
    kind = (step.finding or {}).get("attrs", {}).get("kind")
    for s in step.statements:
        if not s.precheck:
            continue
        what, arg = s.precheck
        if what == "check":
            if kind == "email-format" and step.columns:
                return f"aishell schema cleanup invalid-emails --table {name} --column {step.columns[0]}{db}"
            return f"aishell schema cleanup check --table {name} --check {shlex.quote(str(arg))}{db}"
        if what == "not-null":
            return f"aishell schema cleanup nulls --table {name} --column {arg}{db}"
        if what == "unique":
            return f"aishell schema cleanup duplicates --table {name} --key {','.join(arg)}{db}"
        if what == "validate":
            return f"aishell schema cleanup orphans --table {name} --constraint {arg}{db}"
    return None
