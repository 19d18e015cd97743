"""``aishell schema inspect SOURCE``: read a schema from a database, a .sql file or a .json model."""

from __future__ import annotations

import click

from aishell.cli.output import console, json_option


@click.command()
@click.argument("source")
@click.option("--schema", "schemas", multiple=True, metavar="NAME",
              help="Only this PostgreSQL schema (repeat for several). Default: every non-system schema.")
@click.option("--no-stats", is_flag=True, help="Leave out live statistics (row estimates, sizes, scans).")
@json_option
def inspect(source: str, schemas: tuple[str, ...], no_stats: bool, as_json: bool) -> None:
    """Read a schema from SOURCE and summarise it (or print the model with --json).

    SOURCE is a PostgreSQL URL or conninfo, an environment name from aishell.toml, a database name,
    a .sql file (loaded into the embedded PostgreSQL) or a .json model. A live database is read in
    one READ ONLY transaction with a constant number of catalog queries.

    \b
    Examples:
      aishell schema inspect postgresql://app@localhost/app
      aishell schema inspect schema.sql --json > model.json
      aishell schema inspect staging --schema billing
    """
    from aishell.errors import ConnectError
    from aishell.sources import load_schema, parse_source

    src = parse_source(source)
    if src.is_live or src.kind == "sql":
        try:
            schema = load_schema(src, schemas=list(schemas) or None, include_stats=not no_stats)
        except ConnectError as exc:
            raise _explain_bare_name(src, exc) from None
    else:
        schema = load_schema(src)
        if schemas:
            _filter_schemas(schema, set(schemas))
    if as_json:
        # JSON is UTF-8 whatever the locale says: write bytes, in chunks, as the text is produced.
        from aishell.model.serialize import write_json

        out = click.get_binary_stream("stdout")
        write_json(schema, lambda text: out.write(text.encode("utf-8")))
        out.write(b"\n")
        out.flush()
        return
    render_summary(schema, src.display)


def _explain_bare_name(src, exc):
    """A bare word that names no database may have been meant as an environment: say which exist."""
    from aishell.config import load_config
    from aishell.errors import ConnectError

    if src.kind != "dbname":
        return exc
    config = load_config()
    if not config.environments:
        return exc
    names = ", ".join(sorted(config.environments))
    return ConnectError(f"{exc.message} ({src.text!r} is not an environment in {config.path} either: {names})")


def _filter_schemas(schema, names: set[str]) -> None:
    from aishell.errors import UserError

    present = {n.name for n in schema.schemas} | {t.schema for t in schema.tables}
    missing = sorted(names - present)
    if missing:
        raise UserError(f"no schema named {missing[0]!r} in this model")
    schema.schemas = [n for n in schema.schemas if n.name in names]
    for kind in ("enums", "domains", "composite_types", "sequences", "tables", "views", "functions"):
        setattr(schema, kind, [o for o in getattr(schema, kind) if o.schema in names])


def _human_bytes(n: int | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)


def render_summary(schema, display: str) -> None:
    """Print a Rich summary of a schema model: where it came from, counts per kind, and its tables."""
    from rich.markup import escape
    from rich.table import Table as RichTable

    from aishell.dialects.postgres.quote import quote_ident

    import contextlib
    import sys

    with contextlib.suppress(AttributeError, ValueError):
        # A terminal that cannot show a name (PYTHONIOENCODING=ascii) gets an escape, not a crash.
        sys.stdout.reconfigure(errors="backslashreplace")
    c = console()
    title = schema.name or display
    c.print(f"[bold]Schema[/bold] {escape(str(title))}")
    if schema.server_version:
        c.print(f"PostgreSQL {schema.server_version}")
    n_idx = sum(len(t.indexes) for t in schema.tables) + sum(len(v.indexes) for v in schema.views)
    n_fk = sum(len(t.foreign_keys) for t in schema.tables)
    counts = [
        ("schemas", len(schema.schemas)),
        ("extensions", len(schema.extensions)),
        ("tables", len(schema.tables)),
        ("partitions", sum(1 for t in schema.tables if t.partition_of)),
        ("views", sum(1 for v in schema.views if not v.materialized)),
        ("materialized views", sum(1 for v in schema.views if v.materialized)),
        ("columns", sum(len(t.columns) for t in schema.tables)),
        ("indexes", n_idx),
        ("foreign keys", n_fk),
        ("check constraints", sum(len(t.checks) for t in schema.tables)),
        ("unique constraints", sum(len(t.unique) for t in schema.tables)),
        ("exclusion constraints", sum(len(t.exclusions) for t in schema.tables)),
        ("triggers", sum(len(t.triggers) for t in schema.tables) + sum(len(v.triggers) for v in schema.views)),
        ("policies", sum(len(t.policies) for t in schema.tables)),
        ("sequences", len(schema.sequences)),
        ("enums", len(schema.enums)),
        ("domains", len(schema.domains)),
        ("composite types", len(schema.composite_types)),
        ("functions", sum(1 for f in schema.functions if f.kind in ("function", "window"))),
        ("procedures", sum(1 for f in schema.functions if f.kind == "procedure")),
        ("aggregates", sum(1 for f in schema.functions if f.kind == "aggregate")),
    ]
    summary = RichTable(title="Objects", show_header=True, header_style="bold")
    summary.add_column("kind")
    summary.add_column("count", justify="right")
    for kind, n in counts:
        if n:
            summary.add_row(kind, str(n))
    c.print(summary)
    invalid = [(t, i) for t in schema.tables for i in t.indexes if not i.valid]
    if invalid:
        c.print(f"[yellow]⚠ {len(invalid)} INVALID index(es)[/yellow] (a CREATE INDEX CONCURRENTLY that failed or "
                "was interrupted: never used, still maintained; `aishell schema fix --rule invalid-index` rebuilds, "
                "`schema migrate` drops or rebuilds them):", soft_wrap=True)
        for t, i in invalid:
            c.print(f"  {escape(quote_ident(t.schema))}.{escape(quote_ident(i.name))} on {escape(quote_ident(t.name))}")
    if not schema.tables:
        c.print("No tables.")
        return
    several = len({t.schema for t in schema.tables}) > 1
    if not c.is_terminal:
        # Piped or captured output: never fold a table name, whatever its length.
        longest = max(len(f"{quote_ident(t.schema)}.{quote_ident(t.name)}") + 14 for t in schema.tables)
        c.width = max(c.width, longest + 75)
    has_stats = any("row_estimate" in t.attrs for t in schema.tables)
    tables = RichTable(title="Tables", show_header=True, header_style="bold")
    tables.add_column("table", overflow="fold")
    tables.add_column("columns", justify="right")
    tables.add_column("indexes", justify="right")
    tables.add_column("FKs", justify="right")
    tables.add_column("primary key", overflow="fold")
    if has_stats:
        tables.add_column("rows (est.)", justify="right")
        tables.add_column("size", justify="right")
    for t in schema.tables:
        name = escape(f"{quote_ident(t.schema)}.{quote_ident(t.name)}" if several or t.schema != "public"
                      else quote_ident(t.name))
        if t.partition_of:
            name += " [dim](partition)[/dim]"
        elif t.partition_by:
            name += " [dim](partitioned)[/dim]"
        row = [name, str(len(t.columns)), str(len(t.indexes)), str(len(t.foreign_keys)),
               escape(", ".join(t.primary_key)) or "[yellow]none[/yellow]"]
        if has_stats:
            est = t.attrs.get("row_estimate")
            row += ["" if est is None else f"{est:,}", _human_bytes(t.attrs.get("total_bytes"))]
        tables.add_row(*row)
    c.print(tables)
