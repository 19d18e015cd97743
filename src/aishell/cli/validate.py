"""``aishell schema validate [SOURCE]``: build the schema in a throwaway database and check it."""

from __future__ import annotations

import click

from aishell.cli.output import json_option


@click.command()
@click.argument("source", required=False)
@click.option("--strict", is_flag=True, help="Exit 2 when a check fails (a table without a primary key, ...).")
@json_option
def validate(source: str | None, strict: bool, as_json: bool) -> None:
    """Load SOURCE's DDL into a throwaway database on the embedded PostgreSQL and check the result.

    SOURCE defaults to the current design. Reports how long the DDL took to load, what was created,
    whether every table has a primary key, whether every foreign key has an index leading with its
    columns, and whether inspect → generate is stable. DDL that fails to load ends with exit 1 and the
    failing line with PostgreSQL's message.

    \b
    Examples:
      aishell schema validate
      aishell schema validate model.json --json
      aishell schema validate schema.sql --strict
    """
    from aishell.cli.generate import load_source_schema
    from aishell.dialects.postgres.validate import validate_schema
    from aishell.errors import DifferencesFound

    src, schema = load_source_schema(source)
    report = validate_schema(schema)
    report["source"] = src.display
    if as_json:
        from aishell.cli.output import print_json

        print_json(report)
    else:
        _render(report)
    if strict and not report["ok"]:
        raise DifferencesFound("validation found problems (see above)")


def _render(report: dict) -> None:
    from rich.console import Console
    from rich.markup import escape

    c = Console(highlight=False, soft_wrap=True)
    ok, bad = "[green]✓[/green]", "[red]✗[/red]"
    c.print(f"[bold]Validation of {escape(report['source'])}[/bold]")
    c.print("━" * 50)
    c.print(f"{ok} DDL loaded on PostgreSQL {escape(str(report['server_version']))} in "
            f"{report['load_seconds']:.2f} s ({report['statements']} statements)")
    n = report["counts"]
    c.print(f"{ok} Created: {n['tables']} tables, {n['views']} views, {n['materialized_views']} materialized views, "
            f"{n['indexes']} indexes, {n['constraints']} constraints, {n['functions']} functions, "
            f"{n['triggers']} triggers, {n['sequences']} sequences, {n['types']} types")
    if report.get("placeholder_roles"):
        c.print(f"{ok} Created placeholder roles (NOLOGIN) the schema names: "
                f"{escape(', '.join(report['placeholder_roles']))}")
    for check in report["checks"]:
        mark = ok if check["ok"] else bad
        c.print(f"{mark} {escape(check['title'])}")
        for d in check["details"][:20]:
            c.print(f"    {escape(d)}")
        if len(check["details"]) > 20:
            c.print(f"    ... and {len(check['details']) - 20} more")
    c.print("[green]Schema is valid.[/green]" if report["ok"] else "[yellow]Schema loads, with problems.[/yellow]")
