"""``aishell schema generate FORMAT``: DDL (or a mongosh script) from a design, a database or a file."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from aishell.cli.output import json_option

# FORMAT values and the dialect each names (aishell.dialects registry names).
FORMATS = {
    "sql": "postgres", "postgres": "postgres", "postgresql": "postgres", "pg": "postgres",
    "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite", "mongodb": "mongodb", "mongo": "mongodb",
}
DIALECT_LABEL = {"postgres": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite", "mongodb": "MongoDB"}


@click.command()
@click.argument("format", required=False, default="sql", metavar="[FORMAT]")
@click.option("--from", "source", metavar="SOURCE",
              help="Where the schema comes from (URL, environment, .sql, .json). Default: the current design.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE instead of standard output.")
@click.option("--sample-data", "sample_rows", type=click.IntRange(min=1), metavar="N",
              help="Append INSERTs of N sample rows per table (PostgreSQL only).")
@click.option("--if-not-exists", is_flag=True, help="Make every statement safe to re-run (PostgreSQL).")
@click.option("--owners/--no-owners", default=None,
              help="Write ALTER ... OWNER TO for every object / for none. Default: only for objects whose "
                   "owner differs from the schema's most common owner.")
@json_option
def generate(format: str, source: str | None, output: Path | None, sample_rows: int | None,
             if_not_exists: bool, owners: bool | None, as_json: bool) -> None:
    """Generate DDL for FORMAT: sql (PostgreSQL, the default), mysql, sqlite or mongodb.

    The schema is the current design (aishell/design.json, saved by `aishell schema design`) unless
    --from names a SOURCE. PostgreSQL output runs as written on an empty database; from a live
    database or .sql file it rebuilds the schema exactly (pg_dump of both is identical).

    \b
    Examples:
      aishell schema generate sql
      aishell schema generate sql --from postgresql://app@localhost/app -o schema.sql
      aishell schema generate mysql --from model.json
      aishell schema generate sql --sample-data 10 --json
    """
    from aishell.errors import UserError

    dialect = FORMATS.get((format or "sql").lower())
    if dialect is None:
        raise UserError(f"unknown format {format!r} (choose from sql, mysql, sqlite, mongodb)")
    if sample_rows and dialect != "postgres":
        raise UserError("--sample-data is available for the sql (PostgreSQL) format only")

    src, schema = load_source_schema(source)
    text, counts, warnings = render(schema, dialect, src.display, if_not_exists=if_not_exists, owners=owners)
    if sample_rows:
        text = text.rstrip("\n") + "\n\n" + _sample_data(schema, sample_rows).rstrip("\n") + "\n"

    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{output}: cannot write ({exc.strerror})") from None
    for w in warnings:
        if not as_json:
            sys.stderr.write(f"aishell: warning: {' '.join(str(w).split())}\n")
    if as_json:
        from aishell.cli.output import print_json

        data = {"dialect": dialect, "sql": text, "output": str(output) if output else None, "counts": counts}
        if warnings:
            data["warnings"] = [str(w) for w in warnings]
        print_json(data)
        return
    if output is None:
        sys.stdout.write(text)
        return
    click.echo(f"Wrote {DIALECT_LABEL[dialect]} DDL for {src.display} to {output}: "
               f"{counts['tables']} tables, {counts['indexes']} indexes, {counts['constraints']} constraints "
               f"({text.count(chr(10))} lines)")


def load_source_schema(source: str | None):
    """The Source and its model: --from SOURCE, else the current design (with a hint when there is none)."""
    from aishell.sources import load_schema, parse_source

    src = parse_source(source if source is not None else "design")
    if src.is_live or src.kind == "sql":
        from aishell.dialects.postgres.inspect import inspect
        from aishell.sources import open_database

        with open_database(src) as conninfo:
            schema = inspect(conninfo, include_stats=False)
        schema.name = Path(src.text).stem if src.kind == "sql" else (schema.name or src.display)
        return src, schema
    return src, load_schema(src)


def render(schema, dialect: str, source_display: str, *, if_not_exists: bool = False,
           owners: bool | None = None):
    """(text, counts, warnings) for ``schema`` in ``dialect``, with a header saying what and when."""
    from aishell.dialects.postgres.generate import counts as model_counts

    counts = model_counts(schema)
    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    info = {"Source": source_display, "Generated": generated_at}
    if dialect == "postgres":
        from aishell.dialects.postgres.generate import generate as pg_generate

        text = pg_generate(schema, header=True, if_not_exists=if_not_exists, owners=owners, header_info=info)
        return text, counts, []
    from aishell.dialects import get_generator

    gen = get_generator(dialect)
    text = gen(schema)
    module = sys.modules.get(getattr(gen, "__module__", ""), None)
    warnings = list(getattr(module, "last_report", []) or [])
    prefix = "//" if dialect == "mongodb" else "--"
    head = [
        f"{prefix} Generated by aishell",
        f"{prefix} Source: {' '.join(source_display.split())}",
        f"{prefix} Generated: {generated_at}",
        f"{prefix} Dialect: {DIALECT_LABEL[dialect]}",
        f"{prefix} Tables: {counts['tables']}, indexes: {counts['indexes']}, constraints: {counts['constraints']}",
    ]
    return "\n".join(head) + "\n\n" + text, counts, warnings


def _sample_data(schema, rows: int) -> str:
    from aishell.errors import UserError

    try:
        from aishell.design.sample_data import sample_data_sql
    except ImportError:
        raise UserError("sample data is not available in this build (aishell.design.sample_data is missing)") \
            from None
    return sample_data_sql(schema, rows=rows)
