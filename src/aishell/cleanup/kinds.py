"""Cleanup kinds: which rows of which table break the constraint about to be added.

Each kind is a small registered function ``(schema, options) -> [Target]``; a target's ``where`` is a
predicate over the alias ``t`` built from identifiers and literals only (quoted), never from pasted
text: a ``check`` expression given on the command line is parsed by PostgreSQL's grammar (pglast),
restricted to columns of the table, operators, literals and a few plain functions, and re-printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.errors import UserError
from aishell.model import Schema, Table


@dataclass
class Target:
    table: Table
    where: str  # rows to move: SQL over alias t
    reason: str
    violations: int | None = None


KINDS: dict[str, Callable[[Schema, dict[str, Any]], list[Target]]] = {}


def kind(name: str):
    def wrap(fn):
        KINDS[name] = fn
        return fn

    return wrap


def _table(schema: Schema, name: str | None) -> Table:
    from aishell.model.schema import is_aishell_table

    if not name:
        raise UserError("which table? --table TABLE")
    t = schema.table(name)
    if t is None or is_aishell_table(t.schema, t.name):
        raise UserError(f"no table {name!r}")
    return t


def _column(t: Table, name: str | None) -> str:
    if not name:
        raise UserError("which column? --column COLUMN")
    if t.column(name) is None:
        raise UserError(f"{t.name} has no column {name!r}")
    return name


@kind("invalid-emails")
def invalid_emails(schema: Schema, options: dict[str, Any]) -> list[Target]:
    """Rows whose e-mail column is not an address (the analyzer's CHECK: ``col ~* EMAIL_REGEX``)."""
    from aishell.analyze.probes.data import EMAIL_REGEX, is_email_column

    tables = (
        [_table(schema, options["table"])]
        if options.get("table")
        else [t for t in schema.tables if not t.partition_of and t.schema != "aishell_quarantine"]
    )
    out = []
    for t in tables:
        cols = (
            [_column(t, options["column"])]
            if options.get("column")
            else [c.name for c in t.columns if is_email_column(c)]
        )
        for c in cols:
            out.append(
                Target(
                    t,
                    f"t.{quote_ident(c)} IS NOT NULL AND t.{quote_ident(c)} !~* {quote_literal(EMAIL_REGEX)}",
                    f"{t.name}.{c} is not a valid e-mail address",
                )
            )
    return out


@kind("nulls")
def nulls(schema: Schema, options: dict[str, Any]) -> list[Target]:
    """Rows with NULL in a column about to become NOT NULL."""
    t = _table(schema, options.get("table"))
    c = _column(t, options.get("column"))
    return [Target(t, f"t.{quote_ident(c)} IS NULL", f"{t.name}.{c} is NULL (NOT NULL planned)")]


@kind("duplicates")
def duplicates(schema: Schema, options: dict[str, Any]) -> list[Target]:
    """Rows beyond the first of each group of equal rows: every column (exact duplicates), or --key."""
    t = _table(schema, options.get("table"))
    key = options.get("key") or []
    for c in key:
        _column(t, c)
    tsql = qualify(t.schema, t.name)
    if key:
        part = ", ".join(f"d.{quote_ident(c)}" for c in key)
        notnull = " AND ".join(f"d.{quote_ident(c)} IS NOT NULL" for c in key)
        what = f"duplicates under ({', '.join(key)}) (the first row of each key stays)"
    else:
        cols = ", ".join(f"d.{quote_ident(c.name)}" for c in t.columns if not c.generated)
        part = f"(ROW({cols}))::text"
        notnull = "true"
        what = "exact duplicate rows (the first of each group stays)"
    where = (
        f"t.ctid IN (SELECT x.ctid FROM (SELECT d.ctid, row_number() OVER (PARTITION BY {part} "
        f"ORDER BY d.ctid) AS n FROM {tsql} AS d WHERE {notnull}) AS x WHERE x.n > 1)"
    )
    return [Target(t, where, f"{t.name}: {what}")]


@kind("orphans")
def orphans(schema: Schema, options: dict[str, Any]) -> list[Target]:
    """Rows whose foreign key (a NOT VALID one, named with --constraint) points at no row."""
    t = _table(schema, options.get("table"))
    name = options.get("constraint")
    fks = [fk for fk in t.foreign_keys if not name or fk.name == name]
    if not fks:
        raise UserError(f"{t.name} has no foreign key {name!r}" if name else f"{t.name} has no foreign key")
    out = []
    for fk in fks:
        notnull = " AND ".join(f"t.{quote_ident(c)} IS NOT NULL" for c in fk.columns)
        pairs = " AND ".join(
            f"p.{quote_ident(b)} = t.{quote_ident(a)}" for a, b in zip(fk.columns, fk.ref_columns)
        )
        out.append(
            Target(
                t,
                f"{notnull} AND NOT EXISTS (SELECT 1 FROM {qualify(fk.ref_schema, fk.ref_table)} AS p "
                f"WHERE {pairs})",
                f"{t.name}.{', '.join(fk.columns)} points at no {fk.ref_table} row ({fk.name})",
            )
        )
    return out


_SAFE_FUNCTIONS = {
    "lower",
    "upper",
    "length",
    "char_length",
    "btrim",
    "trim",
    "ltrim",
    "rtrim",
    "abs",
    "coalesce",
    "nullif",
    "now",
    "current_date",
    "date_trunc",
    "round",
    "floor",
    "ceil",
    "greatest",
    "least",
    "substring",
    "position",
    "strpos",
    "left",
    "right",
    "extract",
    "date_part",
    "array_length",
    "cardinality",
    "jsonb_typeof",
    "octet_length",
}


@kind("check")
def check(schema: Schema, options: dict[str, Any]) -> list[Target]:
    """Rows that break ``--check EXPR`` (the CHECK constraint planned), a boolean over the table's columns."""
    t = _table(schema, options.get("table"))
    expr = options.get("check")
    if not expr or not expr.strip():
        raise UserError('which rule? --check "EXPRESSION", e.g. --check "total >= 0"')
    safe = safe_expression(expr, t)
    return [Target(t, f"NOT coalesce(({safe}), true)", f"{t.name}: breaks CHECK ({safe})")]


def safe_expression(text: str, t: Table) -> str:
    """``text`` re-printed from its parse tree, refused unless it only uses ``t``'s columns, literals,
    operators and a few plain functions (no subquery, no other table, no side effect)."""
    from pglast import parse_sql
    from pglast.parser import ParseError
    from pglast.stream import RawStream
    from pglast.visitors import Visitor

    try:
        stmts = parse_sql(f"SELECT 1 WHERE {text}")
    except ParseError as exc:
        raise UserError(f"--check {text!r} does not parse: {exc.args[0] if exc.args else exc}") from None
    if len(stmts) != 1 or type(stmts[0].stmt).__name__ != "SelectStmt" or stmts[0].stmt.fromClause:
        raise UserError(f"--check {text!r}: give one boolean expression")
    where = stmts[0].stmt.whereClause
    columns = {c.name for c in t.columns}
    bad: list[str] = []

    class V(Visitor):
        def visit_SubLink(self, ancestors, node):
            bad.append("a subquery")

        def visit_FuncCall(self, ancestors, node):
            name = node.funcname[-1].sval.lower()
            if (
                name not in _SAFE_FUNCTIONS
                or len(node.funcname) > 1
                and node.funcname[0].sval != "pg_catalog"
            ):
                bad.append(f"function {name}()")

        def visit_ColumnRef(self, ancestors, node):
            names = [getattr(f, "sval", "*") for f in node.fields]
            if len(names) != 1 or names[0] not in columns:
                bad.append(f"{'.'.join(names)} (not a column of {t.name})")

        def visit_ParamRef(self, ancestors, node):
            bad.append("a parameter")

    V()(where)
    if bad:
        raise UserError(
            f"--check may use only {t.name}'s columns, literals, operators and plain functions; "
            f"found {', '.join(dict.fromkeys(bad))}"
        )
    # Unqualified: wherever the predicate is used, the table being cleaned is the nearest FROM.
    return RawStream()(where)
