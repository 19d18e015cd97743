"""Canonical forms used to compare two models: types, expressions, definitions, constraints.

Two schemas read from PostgreSQL spell everything the same way already; designs and hand-written
models use common SQL spellings (``VARCHAR(255)``, ``TIMESTAMPTZ``, ``price >= 0``). These helpers map
the common spellings onto ``format_type``'s so the differ does not report noise.
"""

from __future__ import annotations

import re

from aishell.dialects.postgres.quote import qualify, quote_ident, quote_ident_list
from aishell.diff.changes import TableConstraint
from aishell.model import ForeignKey, Index, Table

_WS = re.compile(r"\s+")

_TYPE_ALIASES = {
    "int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint", "bool": "boolean",
    "float8": "double precision", "float4": "real", "float": "double precision", "decimal": "numeric",
    "timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone",
    "timetz": "time with time zone", "time": "time without time zone", "varchar": "character varying",
    "char": "character", "bpchar": "character", "serial": "integer", "bigserial": "bigint",
    "smallserial": "smallint", "serial4": "integer", "serial8": "bigint",
}
_TYPE_RE = re.compile(r"^(?P<base>[a-z_][a-z0-9_ .\"]*?)\s*(?P<mod>\([^)]*\))?\s*(?P<tz>with(out)? time zone)?\s*(?P<arr>(\[\d*\])*)$")


def norm_ws(text: str | None) -> str | None:
    if text is None:
        return None
    return _WS.sub(" ", text.strip()).rstrip(";").strip()


def norm_type(t: str | None) -> str:
    """Canonical text of a type name: aliases resolved, ``public.`` dropped, spaces normalised."""
    if not t:
        return ""
    s = _WS.sub(" ", t.strip().lower())
    s = s.replace("public.", "").replace('"', "")
    s = re.sub(r"\s*\(\s*", "(", s)
    s = re.sub(r"\s*,\s*", ",", s)
    s = re.sub(r"\s*\)", ")", s)
    m = _TYPE_RE.match(s)
    if not m:
        return s
    base, mod, tz, arr = m["base"].strip(), m["mod"] or "", m["tz"], m["arr"] or ""
    base = _TYPE_ALIASES.get(base, base)
    if tz:
        base = base.replace(" without time zone", "").replace(" with time zone", "")
        base = f"{base}{mod} {tz}"
        mod = ""
    elif base in ("timestamp without time zone", "time without time zone", "timestamp with time zone",
                  "time with time zone") and mod:
        parts = base.split(" ", 1)
        base, mod = f"{parts[0]}{mod} {parts[1]}", ""
    arr = re.sub(r"\[\d+\]", "[]", arr)
    return f"{base}{mod}{arr}"


def norm_default(d: str | None) -> str | None:
    if d is None:
        return None
    s = norm_ws(d) or ""
    s = s.replace("'public.", "'")
    low = s.lower()
    if low in ("current_timestamp", "now()"):
        return "now()"
    return s


def strip_not_valid(definition: str) -> tuple[str, bool]:
    d = norm_ws(definition) or ""
    if d.upper().endswith(" NOT VALID"):
        return d[: -len(" NOT VALID")].rstrip(), False
    return d, True


def fk_definition(fk: ForeignKey) -> str:
    """Definition text of a foreign key from its fields (for designs without ``definition``)."""
    s = (f"FOREIGN KEY ({quote_ident_list(fk.columns)}) REFERENCES {qualify(fk.ref_schema, fk.ref_table)}"
         f"({quote_ident_list(fk.ref_columns)})")
    if fk.match and fk.match.upper() not in ("SIMPLE", ""):
        s += f" MATCH {fk.match.upper()}"
    if fk.on_update and fk.on_update.upper() != "NO ACTION":
        s += f" ON UPDATE {fk.on_update.upper()}"
    if fk.on_delete and fk.on_delete.upper() != "NO ACTION":
        s += f" ON DELETE {fk.on_delete.upper()}"
    if fk.deferrable:
        s += " DEFERRABLE"
        if fk.initially_deferred:
            s += " INITIALLY DEFERRED"
    return s


def table_constraints(table: Table) -> list[TableConstraint]:
    """PK, unique, check and exclusion constraints of a table in comparable form (FKs apart)."""
    out: list[TableConstraint] = []
    if table.primary_key:
        name = table.primary_key_name or f"{table.name}_pkey"
        out.append(TableConstraint("primary key", name, f"PRIMARY KEY ({quote_ident_list(table.primary_key)})",
                                   comment=table.attrs.get("primary_key_comment")))
    for u in table.unique:
        if u.definition:
            d, valid = strip_not_valid(u.definition)
        else:
            d = "UNIQUE " + ("NULLS NOT DISTINCT " if u.nulls_not_distinct else "")
            d += f"({quote_ident_list(u.columns)})"
            if u.include:
                d += f" INCLUDE ({quote_ident_list(u.include)})"
            if u.deferrable:
                d += " DEFERRABLE" + (" INITIALLY DEFERRED" if u.initially_deferred else "")
            valid = True
        out.append(TableConstraint("unique", u.name or f"{table.name}_{'_'.join(u.columns)}_key", d, valid, u,
                                   u.comment))
    for c in table.checks:
        if c.definition:
            d, valid = strip_not_valid(c.definition)
        else:
            expr = c.expression.strip()
            if not (expr.startswith("(") and expr.endswith(")")):
                expr = f"({expr})"
            d = f"CHECK {expr}" + (" NO INHERIT" if c.no_inherit else "")
            valid = c.valid
        out.append(TableConstraint("check", c.name or f"{table.name}_check", d, valid, c, c.comment))
    for x in table.exclusions:
        d, valid = strip_not_valid(x.definition)
        if not d.upper().startswith("EXCLUDE"):
            d = "EXCLUDE " + d
        out.append(TableConstraint("exclusion", x.name or f"{table.name}_excl", d, valid, x, x.comment))
    return out


def foreign_keys(table: Table) -> list[TableConstraint]:
    out = []
    for fk in table.foreign_keys:
        if fk.definition:
            d, valid = strip_not_valid(fk.definition)
        else:
            d, valid = fk_definition(fk), fk.valid
        name = fk.name or f"{table.name}_{'_'.join(fk.columns)}_fkey"
        out.append(TableConstraint("foreign key", name, d, valid and fk.valid, fk, fk.comment))
    return out


_INDEX_HEAD = re.compile(
    r"^CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF NOT EXISTS\s+)?(\S+|\"(?:[^\"]|\"\")+\")\s+ON\s+(ONLY\s+)?(\S+)\s+",
    re.IGNORECASE,
)


def index_definition(table_sql: str, index: Index) -> str:
    """Full CREATE INDEX text: the model's ``definition`` or one composed from its fields."""
    if index.definition:
        return norm_ws(index.definition) or ""
    keys = []
    for i, col in enumerate(index.columns):
        is_expr = index.expressions[i] if i < len(index.expressions) else False
        part = f"({col})" if is_expr and not col.startswith("(") else (col if is_expr else quote_ident(col))
        if i < len(index.opclasses) and index.opclasses[i]:
            part += f" {index.opclasses[i]}"
        if i < len(index.orders) and index.orders[i]:
            part += f" {index.orders[i]}"
        keys.append(part)
    s = f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {quote_ident(index.name)} ON {table_sql} "
    s += f"USING {index.method or 'btree'} ({', '.join(keys)})"
    if index.include:
        s += f" INCLUDE ({quote_ident_list(index.include)})"
    if index.nulls_not_distinct:
        s += " NULLS NOT DISTINCT"
    if index.options:
        s += f" WITH ({', '.join(index.options)})"
    if index.where:
        w = index.where.strip()
        s += f" WHERE {w if w.startswith('(') else '(' + w + ')'}"
    return s


def index_signature(table_sql: str, index: Index) -> str:
    """The index definition with its name and table left out: equal signatures, same index."""
    d = index_definition(table_sql, index)
    m = _INDEX_HEAD.match(d)
    if not m:
        return d
    return f"{'UNIQUE ' if m.group(1) else ''}INDEX ON {d[m.end():]}"


def norm_def(text: str | None) -> str:
    """Whitespace-normalised definition text for comparing views, functions, triggers."""
    return norm_ws(text) or ""


_CAST = re.compile(r"::\s*(\"[^\"]+\"|[a-z_][a-z0-9_.]*)(\s+(varying|precision|with(out)?\s+time\s+zone))?(\(\d+(,\s*\d+)?\))?(\[\])*", re.IGNORECASE)


def loose_expr(text: str | None) -> str:
    """An expression with casts, parentheses and spacing removed: PostgreSQL deparses the same
    CHECK differently after a round trip (``(ARRAY['a'::varchar])::text[]`` vs ``ARRAY[('a'::varchar)::text]``),
    and this form compares them equal."""
    if not text:
        return ""
    s = _CAST.sub("", text)
    s = s.replace("(", " ").replace(")", " ")
    s = _WS.sub(" ", s).strip()
    return re.sub(r"\s*([\[\],])\s*", r"\1", s)


def constraint_key(c: TableConstraint) -> str:
    """What must be equal for two constraints to be the same (checks compare loosely)."""
    if c.kind in ("check",):
        return "CHECK " + loose_expr(c.definition[5:] if c.definition.upper().startswith("CHECK") else c.definition)
    return c.definition
