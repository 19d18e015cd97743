"""``aishell schema document``: Markdown or HTML documentation of a schema."""

from __future__ import annotations

import sys

import click

from aishell.cli.output import json_option


@click.command()
@click.option("--from", "source", metavar="SOURCE", help="Schema to document (default: the current design).")
@click.option("--format", "-f", "fmt", type=click.Choice(["markdown", "html"]), default="markdown",
              show_default=True, help="Output format.")
@click.option("--output", "-o", metavar="DIR",
              help="Write an index and a page per table into DIR (default: one document on stdout).")
@click.option("--simplify", "simplified", is_flag=True,
              help="Draw the simplified view in the embedded diagram (junctions collapsed, lookups grouped).")
@click.option("--max-tables", type=click.IntRange(1, None), metavar="N",
              help="At most N tables in the embedded diagram (all tables are still documented).")
@click.option("--no-diagram", is_flag=True, help="Do not embed an ER diagram.")
@json_option
def document(source, fmt, output, simplified, max_tables, no_diagram, as_json):
    """Write documentation for a schema: an index and every table's columns, keys, indexes, foreign
    keys in and out, triggers and policies (row estimates and sizes for a live database), plus
    views, types and functions.

    HTML is a self-contained offline site: a search box filtering tables, links between related
    tables, and the ER diagram as SVG (needs Graphviz).

    \b
    Examples:
      aishell schema document --format markdown > schema-docs.md
      aishell schema document --from postgresql://app@db/app --format html -o docs/schema
      aishell schema document --from schema.sql --simplify --max-tables 40 -f html -o site
    """
    from aishell.cli.diagram import load_source
    from aishell.render.document import write_docs

    schema = load_source(source)
    to_stdout = output is None or output == "-"
    result = write_docs(schema, fmt, None if to_stdout else output, simplified=simplified,
                        max_tables=max_tables, diagram=not no_diagram)
    if as_json:
        from aishell.cli.output import print_json

        report = result.as_dict(None if to_stdout else output)
        if to_stdout:
            report["content"] = result.text
        print_json(report)
        return
    if to_stdout:
        assert result.text is not None
        sys.stdout.write(result.text)
        return
    from rich.markup import escape

    from aishell.cli.output import console

    c = console()
    c.print(f"Wrote {len(result.files)} files to {escape(output)}: {result.tables} tables, {result.views} views, "
            f"{result.enums} enums, {result.functions} functions"
            + (f"; diagram of {result.diagram_tables} tables" if result.diagram else ""))
    for note in result.notes:
        c.print(f"[dim]{escape(note)}[/dim]")
