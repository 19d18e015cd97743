"""Helpers shared by rules: index coverage, names for new objects, fix SQL in its safe forms."""

from __future__ import annotations

import hashlib
import re

from aishell.analyze.context import AnalysisContext
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_ident_list
from aishell.model import Index, Table


def qname(table: Table) -> str:
    return table.qualified_name


def q(table: Table) -> str:
    return qualify(table.schema, table.name)


def plain_columns(ix: Index) -> list[str | None]:
    """Key columns of an index; ``None`` for expression parts."""
    out: list[str | None] = []
    for i, c in enumerate(ix.columns):
        expr = ix.expressions[i] if i < len(ix.expressions) else False
        out.append(None if expr else c)
    return out


def candidate_keys(table: Table) -> list[tuple[list[str | None], Index | None, str]]:
    """Every ordered column list an index of ``table`` leads with, with its index and method.

    Includes the primary key and unique constraints even when a designed model does not list their
    backing indexes. Partial and invalid indexes are left out: they do not serve every row.
    """
    keys: list[tuple[list[str | None], Index | None, str]] = []
    for ix in table.indexes:
        if ix.where or not ix.valid:
            continue
        keys.append((plain_columns(ix), ix, ix.method))
    if table.primary_key:
        keys.append((list(table.primary_key), None, "btree"))
    for uc in table.unique:
        keys.append((list(uc.columns), None, "btree"))
    return keys


def leads_with(key: list[str | None], columns: list[str], method: str) -> bool:
    """True when the first len(columns) key parts are exactly ``columns`` in any order (btree), or
    the single column of a hash index."""
    n = len(columns)
    if method == "hash":
        return n == 1 and key[:1] == columns
    if method not in ("btree",):
        return False
    return len(key) >= n and set(key[:n]) == set(columns) and None not in key[:n]


_KEYS_CACHE: dict[int, tuple[Table, int, list]] = {}


def has_leading_index(table: Table, columns: list[str]) -> bool:
    # Memoised per table object (and its index count, so a model edited in place is re-read).
    hit = _KEYS_CACHE.get(id(table))
    if hit is None or hit[0] is not table or hit[1] != len(table.indexes):
        if len(_KEYS_CACHE) > 100_000:
            _KEYS_CACHE.clear()
        hit = (table, len(table.indexes), candidate_keys(table))
        _KEYS_CACHE[id(table)] = hit
    return any(leads_with(k, columns, m) for k, _, m in hit[2])


def object_name(prefix: str, table: Table, columns: list[str], suffix: str = "") -> str:
    """``idx_orders_user_id``-style name, shortened with a hash to fit PostgreSQL's 63 bytes."""
    base = "_".join([prefix, table.name, *columns]) + (f"_{suffix}" if suffix else "")
    base = re.sub(r"[^A-Za-z0-9_]+", "_", base).lower()
    if len(base.encode()) <= 63:
        return base
    digest = hashlib.sha1(base.encode()).hexdigest()[:8]
    return base.encode()[:54].decode(errors="ignore").rstrip("_") + "_" + digest


def create_index_sql(
    table: Table,
    columns: list[str],
    *,
    name: str | None = None,
    unique: bool = False,
    method: str = "btree",
    where: str | None = None,
    include: list[str] | None = None,
    opclass: str | None = None,
    concurrently: bool = True,
) -> str:
    """CREATE INDEX in its online form; a key part in parentheses is an expression, kept as written."""
    name = name or object_name("idx", table, [re.sub(r"\W+", "_", c).strip("_") for c in columns])
    cols = ", ".join(
        (c if c.startswith("(") else quote_ident(c)) + (f" {opclass}" if opclass else "") for c in columns
    )
    using = f" USING {method}" if method != "btree" else ""
    inc = f" INCLUDE ({quote_ident_list(include)})" if include else ""
    wh = f" WHERE {where}" if where else ""
    if not concurrently:  # the plain form hypopg accepts
        return f"CREATE {'UNIQUE ' if unique else ''}INDEX ON {q(table)}{using} ({cols}){inc}{wh}"
    return (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(name)} "
        f"ON {q(table)}{using} ({cols}){inc}{wh};"
    )


def drop_index_sql(table: Table, index: str) -> str:
    return f"DROP INDEX CONCURRENTLY IF EXISTS {qualify(table.schema, index)};"


def add_check_sql(table: Table, name: str, expr: str) -> list[str]:
    return [
        f"ALTER TABLE {q(table)} ADD CONSTRAINT {quote_ident(name)} CHECK ({expr}) NOT VALID;",
        f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {quote_ident(name)};",
    ]


def set_not_null_sql(table: Table, column: str) -> list[str]:
    """SET NOT NULL without a long exclusive scan: a validated CHECK lets PostgreSQL 12+ skip it."""
    cname = object_name("chk", table, [column], "not_null")
    return [
        f"ALTER TABLE {q(table)} ADD CONSTRAINT {quote_ident(cname)} CHECK ({quote_ident(column)} IS NOT NULL) NOT VALID;",
        f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {quote_ident(cname)};",
        f"ALTER TABLE {q(table)} ALTER COLUMN {quote_ident(column)} SET NOT NULL;",
        f"ALTER TABLE {q(table)} DROP CONSTRAINT {quote_ident(cname)};",
    ]


def checks_mention(table: Table, column: str) -> bool:
    """True when a CHECK constraint of ``table`` mentions ``column``."""
    pat = re.compile(r'(?<![A-Za-z0-9_"])"?' + re.escape(column) + r'"?(?![A-Za-z0-9_"])')
    return any(pat.search(c.expression or c.definition or "") for c in table.checks)


def human_bytes(n: float | int | None) -> str:
    if n is None:
        return "?"
    n = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{int(n)} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def require_live(ctx: AnalysisContext, what: str = "statistics") -> None:
    from aishell.analyze.context import RuleSkipped

    if not ctx.live:
        raise RuleSkipped(f"needs a live database ({what}); a {ctx.source_kind} source has none")
