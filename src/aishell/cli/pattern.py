"""``aishell schema pattern list|show|apply``: the built-in schema patterns."""

from __future__ import annotations

from pathlib import Path

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
@click.option("--replace", is_flag=True, help="Replace the current design instead of merging the pattern into it.")
@click.option("--database", "-d", "database", metavar="SOURCE",
              help="Also show the migration that brings this database to the merged design.")
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
    replace: bool,
    database: str | None,
    as_json: bool,
) -> None:
    """Apply a pattern (plus optional TEXT) to the current design: its entities are merged in (a table
    the design has already is extended, not duplicated), validated and saved. With no current design
    (or --replace) the pattern becomes the design. With --database, the migration that brings that
    database to the result is shown (verified on a copy).

    \b
    Examples:
      aishell schema pattern apply e-commerce
      aishell schema pattern apply saas-multi-tenant --database staging
      aishell schema pattern apply social-network --replace
    """
    from aishell.cli.design import design as design_cmd
    from aishell.config import design_path

    data = _pattern(name)
    if replace or not design_path().exists():
        ctx.invoke(design_cmd, text=text, from_file=None, pattern=data["name"], llm=None, uuid_keys=False,
                   output=output, no_save=no_save, no_validate=no_validate, brief=brief, force_wizard=False,
                   as_json=as_json and not database)
        if database:
            _migration(database, as_json, None)
        return
    merged, report, doc = merge_into_design(data["name"], text, validate=not no_validate)
    path = design_path()
    if output:
        from aishell.cli.design import _save

        _save(doc, Path(output))
    if not no_save:
        from aishell.cli.design import _save

        _save(doc, path)
    if as_json and not database:
        print_json({"pattern": data["name"], "merge": report.to_dict(), "saved": None if no_save else str(path),
                    "validation": doc.get("validation"), "tables": [t.name for t in merged.tables]})
    elif not as_json:
        _print_merge(data, report, doc, None if no_save else path)
    if database:
        _migration(database, as_json, merged if no_save else None, report=report if as_json else None)


def merge_into_design(pattern_name: str, text: str | None, *, validate: bool = True):
    """The current design with the pattern merged in: (schema, report, document to save)."""
    import json

    from aishell.config import design_path
    from aishell.design import design
    from aishell.design.validate import model_checks
    from aishell.model import loads, to_dict
    from aishell.model.merge import merge_schemas

    path = design_path()
    base_doc = json.loads(path.read_text(encoding="utf-8"))
    base = loads(path.read_text(encoding="utf-8"))
    d = design(text, pattern=pattern_name, validate=False)
    merged, report = merge_schemas(base, d.schema)
    doc = to_dict(merged)
    req = dict(base_doc.get("requirements") or {})
    req["patterns"] = list(dict.fromkeys(list(req.get("patterns") or []) + [pattern_name]))
    req["notes"] = list(req.get("notes") or []) + [
        (f"pattern {pattern_name} merged: {len(report.added_tables)} table(s) added, "
        f"{len(report.extended)} extended")]
    doc["requirements"] = req
    if "recommendations" in base_doc:
        doc["recommendations"] = base_doc["recommendations"]
    if validate:
        from aishell.design.validate import validate as run_validation

        doc["validation"] = run_validation(merged).to_dict()
        if not doc["validation"].get("loaded"):
            from aishell.errors import UserError

            raise UserError(f"the merged design does not load on PostgreSQL: {doc['validation'].get('error')}; "
                            "nothing was saved (--replace applies the pattern alone)")
    else:
        from aishell.design.validate import Validation

        doc["validation"] = Validation(checks=model_checks(merged)).to_dict()
    return merged, report, doc


def _print_merge(data: dict, report, doc: dict, path) -> None:
    c = console()
    c.print(f"[bold]Pattern {data['name']} merged into the current design[/bold]")
    c.print(f"  added tables ({len(report.added_tables)}): {', '.join(report.added_tables) or 'none'}",
            markup=False)
    for table, notes in report.extended.items():
        c.print(f"  extended {table}: {'; '.join(notes)}", markup=False)
    for other in report.added_other:
        c.print(f"  added {other}", markup=False)
    for conflict in report.conflicts:
        c.print(f"  [yellow]kept[/yellow] {conflict}")
    v = doc.get("validation") or {}
    for check in v.get("checks", []):
        mark = "✓" if check.get("ok") else "✗"
        c.print(f"  {mark} {check.get('name')}", markup=False)
    if path:
        c.print(f"Saved to {path}. Next: aishell schema generate sql, or aishell schema migrate design DATABASE --preview")


def _migration(database: str, as_json: bool, schema, report=None) -> None:
    """The migration from DATABASE to the design (verified on a copy), as `migrate --preview` shows it."""
    from aishell.cli.diff import run_verify
    from aishell.cli.migrate import plan_json, print_plan
    from aishell.migrate.compare import compare

    comp = compare(schema if schema is not None else "design", database)
    verified = False
    if comp.plan.statements:
        run_verify(comp)
        verified = True
    if as_json:
        out = plan_json(comp, verified)
        if report is not None:
            out["merge"] = report.to_dict()
        print_json(out)
    elif comp.plan.statements:
        print_plan(comp, verified)
    else:
        console().print(f"{comp.target_name} already matches the design: no migration needed.")
