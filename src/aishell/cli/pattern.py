"""``aishell schema pattern list|show|apply``: the built-in schema patterns."""

from __future__ import annotations

import click

from aishell.cli.output import console, json_option, print_json
from aishell.errors import UserError


def _pattern(name: str) -> dict:
    from aishell.design import kb

    data = kb.resolve_pattern(name)
    if data is None:
        raise UserError(f"unknown pattern {name!r} (choose from {', '.join(kb.pattern_names())})")
    return data


@click.group()
def pattern() -> None:
    """Built-in schema patterns: e-commerce, social-network, saas-multi-tenant, analytics, event-sourcing,
    time-series. A pattern is requirements text run through the same designer, so it composes with your own.

    \b
    Examples:
      aishell schema pattern list
      aishell schema pattern show event-sourcing
      aishell schema pattern apply e-commerce "with gift cards; 1M users, 10K orders per day"
    """


@pattern.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List the patterns."""
    from aishell.design import kb

    rows = [
        {"name": n, "title": kb.patterns()[n]["title"], "summary": kb.patterns()[n]["summary"]}
        for n in kb.pattern_names()
    ]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    t.add_column("Pattern", no_wrap=True)
    t.add_column("What it gives you")
    for r in rows:
        t.add_row(r["name"], r["summary"])
    console().print(t)


@pattern.command()
@click.argument("name")
@json_option
def show(name: str, as_json: bool) -> None:
    """Show a pattern: its requirements and the tables it designs (not saved)."""
    from aishell.design import design

    data = _pattern(name)
    d = design(None, pattern=data["name"], validate=False)
    tables = [t for t in d.schema.tables if not t.partition_of]
    if as_json:
        print_json(
            {
                "name": data["name"],
                "title": data["title"],
                "summary": data["summary"],
                "requirements": data["text"],
                "tables": [
                    {"name": t.name, "columns": [c.name for c in t.columns], "comment": t.comment}
                    for t in tables
                ],
                "views": [v.name for v in d.schema.views],
                "functions": [f.name for f in d.schema.functions],
            }
        )
        return
    c = console()
    c.print(f"[bold]{data['title']}[/bold] ({data['name']})")
    c.print(data["summary"])
    c.print("")
    c.print("[bold]Requirements:[/bold]")
    for line in data["text"].splitlines():
        c.print(f"  {line}")
    c.print("")
    c.print(f"[bold]Tables ({len(tables)}):[/bold]")
    for t in tables:
        extra = f" (partitioned: {t.partition_by})" if t.partition_by else ""
        c.print(f"  {t.name}{extra}: {', '.join(col.name for col in t.columns)}")
    if d.schema.views:
        c.print(
            f"[bold]Views:[/bold] {', '.join(v.name + (' (materialized)' if v.materialized else '') for v in d.schema.views)}"
        )
    if d.schema.functions:
        c.print(f"[bold]Functions:[/bold] {', '.join(f.name for f in d.schema.functions)}")
    c.print("")
    c.print(f'Apply it: aishell schema pattern apply {data["name"]} ["more requirements"]')


@pattern.command()
@click.argument("name")
@click.argument("text", required=False)
@click.option("--output", "-o", metavar="FILE", help="Also write the design document (JSON) to FILE.")
@click.option("--no-save", is_flag=True, help="Do not save the design as aishell/design.json.")
@click.option("--no-validate", is_flag=True, help="Skip loading the DDL on the embedded PostgreSQL.")
@click.option("--brief", is_flag=True, help="Summary, features and validation only.")
@json_option
@click.pass_context
def apply(
    ctx: click.Context,
    name: str,
    text: str | None,
    output: str | None,
    no_save: bool,
    no_validate: bool,
    brief: bool,
    as_json: bool,
) -> None:
    """Design from a pattern (plus optional TEXT), validate it and save it as the current design."""
    from aishell.cli.design import design as design_cmd

    data = _pattern(name)
    ctx.invoke(
        design_cmd,
        text=text,
        from_file=None,
        pattern=data["name"],
        llm=None,
        uuid_keys=False,
        output=output,
        no_save=no_save,
        no_validate=no_validate,
        brief=brief,
        force_wizard=False,
        as_json=as_json,
    )
