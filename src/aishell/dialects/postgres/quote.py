"""Quoting for PostgreSQL: every identifier and literal that goes into generated SQL passes here.

Rules follow PostgreSQL's own ``quote_ident``: an identifier stays bare only when it is all lower-case
ASCII letters, digits and underscores, does not start with a digit, and is not a keyword of a category
PostgreSQL quotes; otherwise it is double-quoted with inner quotes doubled.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SAFE = re.compile(r"^[a-z_][a-z0-9_]*$")


# Keywords PostgreSQL's quote_ident quotes: every category but the unreserved one (an unreserved keyword
# is a legal bare identifier, and quoting it would differ from pg_dump). PostgreSQL 18's list, as
# libpg_query has it; kept literal because importing pglast costs ~0.1 s on every command that quotes,
# and tests/core/test_quote.py checks it against pglast's list.
QUOTED_KEYWORDS = frozenset({
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization",
    "between", "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character",
    "check", "coalesce", "collate", "collation", "column", "concurrently", "constraint", "create",
    "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
    "current_timestamp", "current_user", "dec", "decimal", "default", "deferrable", "desc", "distinct",
    "do", "else", "end", "except", "exists", "extract", "false", "fetch", "float", "for", "foreign",
    "freeze", "from", "full", "grant", "greatest", "group", "grouping", "having", "ilike", "in",
    "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into", "is", "isnull",
    "join", "json", "json_array", "json_arrayagg", "json_exists", "json_object", "json_objectagg",
    "json_query", "json_scalar", "json_serialize", "json_table", "json_value", "lateral", "leading",
    "least", "left", "like", "limit", "localtime", "localtimestamp", "merge_action", "national",
    "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric", "offset",
    "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing", "position",
    "precision", "primary", "real", "references", "returning", "right", "row", "select",
    "session_user", "setof", "similar", "smallint", "some", "substring", "symmetric", "system_user",
    "table", "tablesample", "then", "time", "timestamp", "to", "trailing", "treat", "trim", "true",
    "union", "unique", "user", "using", "values", "varchar", "variadic", "verbose", "when", "where",
    "window", "with", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest",
    "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
})


# Names repeat a lot in big schemas (every column of every table, every plan step): quote each once.
@lru_cache(maxsize=65536)
def quote_ident(name: str) -> str:
    """Quote an identifier exactly when PostgreSQL's quote_ident would."""
    if _SAFE.match(name) and name not in QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualify(schema: str | None, name: str) -> str:
    """``schema.name`` with both parts quoted as needed; no schema part when ``schema`` is None."""
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def quote_literal(value: str) -> str:
    """A string literal; uses E'' syntax when the value holds backslashes, as quote_literal does."""
    escaped = value.replace("'", "''")
    if "\\" in value:
        return "E'" + escaped.replace("\\", "\\\\") + "'"
    return "'" + escaped + "'"


def quote_ident_list(names: list[str]) -> str:
    return ", ".join(quote_ident(n) for n in names)


def split_ident_list(text: str) -> list[str]:
    """The names of a comma-separated identifier list as PostgreSQL prints it (``a, "B c"``)."""
    out: list[str] = []
    for m in re.finditer(r'\s*("(?:[^"]|"")*"|[^,\s]+)\s*(?:,|$)', text):
        part = m.group(1)
        out.append(part[1:-1].replace('""', '"') if part.startswith('"') else part)
    return out
