"""``aishell schema diagram`` and ``aishell schema simplify``: ER diagrams and a simplified view."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aishell.cli.output import json_option

SUFFIX_FORMAT = {".png": "png", ".svg": "svg", ".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot",
                 ".gv": "dot", ".dbml": "dbml"}


def load_source(text: str | None):
    """The schema named by ``--from`` (default: the current design)."""
    from aishell.sources import load_schema, parse_source

    return load_schema(parse_source(text or "design"))


def write_bytes(data: bytes, output: str | None, *, binary: bool) -> str | None:
    """Write to ``output`` (creating its folder) or to stdout; returns the path written, or None."""
    from aishell.errors import UserError

    if output is None or output == "-":
        if binary and sys.stdout.isatty():
            raise UserError("refusing to write a binary image to the terminal: give --output FILE or "
                            "redirect stdout (> diagram.png)")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return None
    path = Path(output)
    if path.is_dir():
        raise UserError(f"{output}: is a directory (give a file name)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise UserError(f"{output}: cannot write ({exc.strerror})") from None
    return str(path)


def _format_for(fmt: str | None, output: str | None) -> str:
    if fmt:
        return fmt
    if output and output != "-":
        suffix = Path(output).suffix.lower()
        if suffix in SUFFIX_FORMAT:
            return SUFFIX_FORMAT[suffix]
    return "mermaid"


@click.command()
@click.option("--from", "source", metavar="SOURCE", help="Schema to draw (default: the current design).")
@click.option("--format", "-f", "fmt", type=click.Choice(["png", "svg", "mermaid", "dot", "dbml"]),
              help="Output format (default: from --output's suffix, else mermaid).")
@click.option("--output", "-o", metavar="FILE", help="Write here instead of stdout.")
@click.option("--schema", "schemas", multiple=True, metavar="S", help="Only tables of this schema (repeatable).")
@click.option("--table", metavar="T", help="Draw the neighbourhood of this table.")
@click.option("--depth", type=click.IntRange(0, 20), default=1, show_default=True,
              help="With --table: how many foreign-key hops around it.")
@click.option("--max-tables", type=click.IntRange(1, None), metavar="N",
              help="Keep the N most connected tables.")
@click.option("--simplify", "simplified", is_flag=True,
              help="Collapse junction tables, group lookup tables (see `schema simplify`).")
@click.option("--partitions", is_flag=True, help="Draw partitions as tables (default: folded into their parent).")
@click.option("--columns", type=click.Choice(["auto", "all", "keys", "none"]), default="auto",
              show_default=True, help="Columns shown per table (auto: all up to 40 tables, keys up to 100).")
@click.option("--cluster", "cluster", type=click.Choice(["auto", "schema", "community", "none"]),
              default="auto", show_default=True,
              help="Group tables by schema or by foreign-key community (auto: when large).")
@json_option
def diagram(source, fmt, output, schemas, table, depth, max_tables, simplified, partitions, columns, cluster,
            as_json):
    """Draw an ER diagram: tables with columns and PK/FK markers, crow's-foot relationships.

    PNG and SVG are laid out by Graphviz (`apt-get install graphviz`); Mermaid, dot and DBML are
    text. Large schemas are clustered by schema or by foreign-key community.

    \b
    Examples:
      aishell schema diagram --format png > schema-diagram.png
      aishell schema diagram --from schema.sql --format svg -o erd.svg
      aishell schema diagram --from app.json --table orders --depth 2 --format mermaid
      aishell schema diagram --from prod --simplify --max-tables 40 -f png -o overview.png
    """
    from aishell.render import erd

    fmt = _format_for(fmt, output)
    if as_json and fmt == "png" and (output is None or output == "-"):
        from aishell.errors import UserError

        raise UserError("--json with --format png needs --output FILE (stdout carries the JSON)")
    if fmt == "png" and (output is None or output == "-") and not as_json and sys.stdout.isatty():
        from aishell.errors import UserError

        raise UserError("refusing to write a binary image to the terminal: give --output FILE or "
                        "redirect stdout (> diagram.png)")
    schema = load_source(source)
    g = erd.build_erd(schema, schemas=list(schemas) or None, table=table, depth=depth, max_tables=max_tables,
                      simplified=simplified, columns=columns, clusters=cluster, partitions=partitions)
    data, text = render_diagram(g, fmt)
    path = None
    if not (as_json and output is None):
        path = write_bytes(data, output, binary=fmt == "png")
    if as_json:
        from aishell.cli.output import print_json

        report = {
            "format": fmt, "output": path, "bytes": len(data),
            "tables": len(g.tables), "relationships": len(g.edges),
            "groups": [n.name for n in g.nodes if n.kind == "group"],
            "clusters": [name for name, _ in g.clusters], "omitted": len(g.omitted),
            "source_tables": len(schema.tables), "notes": g.notes,
        }
        if path is None and text is not None:
            report["content"] = text
        print_json(report)


def render_diagram(g, fmt: str) -> tuple[bytes, str | None]:
    """Bytes to write, and the text when the format is textual."""
    from aishell.render import erd

    if fmt == "mermaid":
        text = erd.to_mermaid(g)
    elif fmt == "dbml":
        text = erd.to_dbml(g)
    elif fmt == "dot":
        text = erd.layout_dot(g)
    elif fmt == "svg":
        text = erd.to_svg(g)
    else:
        return erd.svg_to_png(erd.to_svg(g)), None
    return text.encode(), text


@click.command()
@click.option("--from", "source", metavar="SOURCE", help="Schema to simplify (default: the current design).")
@click.option("--max-tables", type=click.IntRange(1, None), metavar="N",
              help="Keep at most N tables (the most connected), after collapsing and grouping.")
@click.option("--no-junctions", is_flag=True, help="Keep junction tables as tables.")
@click.option("--no-lookups", is_flag=True, help="Do not group lookup tables.")
@click.option("--output", "-o", metavar="FILE",
              help="Write the simplified model as JSON (usable as --from for diagram and document).")
@json_option
def simplify(source, max_tables, no_junctions, no_lookups, output, as_json):
    """A simplified view of a large schema, for docs and diagrams.

    Junction tables become many-to-many edges, lookup tables are grouped, and with --max-tables the
    most connected tables are kept. Every rule applied is listed.

    \b
    Examples:
      aishell schema simplify --from prod --max-tables 40
      aishell schema simplify --from schema.sql --max-tables 30 -o view.json
      aishell schema diagram --from view.json --format png -o overview.png
    """
    from aishell.model import dumps
    from aishell.render.simplify import simplified_info
    from aishell.render.simplify import simplify as do_simplify

    schema = load_source(source)
    view = do_simplify(schema, max_tables, junctions=not no_junctions, lookups=not no_lookups)
    info = simplified_info(view) or {}
    path = write_bytes(dumps(view).encode() + b"\n", output, binary=False) if output else None
    if as_json:
        from aishell.cli.output import print_json

        print_json({
            "output": path, "source_tables": info.get("source_tables"), "tables": info.get("tables"),
            "kept": [t.qualified_name for t in view.tables], "omitted": info.get("omitted", []),
            "m2m": info.get("m2m", []), "groups": info.get("groups", []), "rules": info.get("rules", []),
        })
        return
    _print_simplified(view, info, path)


def _print_simplified(view, info: dict, path: str | None) -> None:
    from rich.markup import escape
    from rich.table import Table as RichTable

    from aishell.cli.output import console

    c = console()
    c.print(f"[bold]Simplified[/bold] {escape(view.name or 'schema')}: "
            f"{info.get('source_tables')} → {info.get('tables')} tables")
    rules = info.get("rules", [])
    if rules:
        t = RichTable(title="Rules applied", show_header=True, header_style="bold")
        t.add_column("rule")
        t.add_column("what", overflow="fold")
        for r in rules:
            t.add_row(r["rule"], escape(r["detail"]))
        c.print(t)
    else:
        c.print("No rule applied: nothing to collapse, group or omit.")
    grouped = {m for g in info.get("groups", []) for m in g["tables"]}
    kept = [t.qualified_name for t in view.tables if t.qualified_name not in grouped]
    c.print(f"[bold]Tables kept[/bold] ({len(kept)}): " + escape(", ".join(kept)))
    if path:
        c.print(f"Wrote {escape(path)} (use it as --from for `schema diagram` or `schema document`).")
