"""Values for a NOT NULL column added to a table that already has rows.

``ALTER TABLE t ADD COLUMN c ... NOT NULL`` with no default fails on a table with rows (and one with a
volatile default rewrites it). A plan that keeps the rows adds the column nullable, fills it, proves
``c IS NOT NULL`` with a validated CHECK and only then sets NOT NULL. This module finds the fill:

* a value the caller gives (``fills``: a literal from ``--fill``, or an expression a refactor computes);
* else a parent reached through a foreign key of the desired table that has a column of the same name
  and type (``addresses.company_id`` from ``users.company_id`` through ``addresses.user_id``): the
  backfill follows existing foreign keys, one candidate key after another, each filling only rows
  still NULL.

Fills run in batches of ``BATCH_ROWS`` rows in key order, each batch committed (a ``DO`` block with
``COMMIT``, run outside a transaction), so no long transaction holds row locks on the whole table.
A table without a single-column primary key is filled by one ``UPDATE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aishell.dialects.postgres.quote import qualify, quote_ident
from aishell.diff.normalize import norm_type
from aishell.model import Column, Schema, Table

BATCH_ROWS = 10_000


@dataclass
class Fill:
    sql: str
    description: str
    batched: bool
    source: str  # "given" | "foreign key"


def fill_statements(
    current: Table,
    desired: Table,
    column: Column,
    desired_schema: Schema,
    *,
    given: str | None = None,
    parents_with_column: set[str] | None = None,
) -> list[Fill]:
    """How to fill ``column`` (new on ``current``) for existing rows; empty when nothing says how.

    ``parents_with_column`` are qualified names of tables that have the column filled by the time this
    runs (it exists already, or this plan fills it first).
    """
    tsql = qualify(current.schema, current.name)
    col = quote_ident(column.name)
    if given is not None:
        return [
            batched_fill(
                current,
                tsql,
                col,
                given,
                None,
                f"fill {desired.qualified_name}.{column.name} for existing rows: {given}",
                "given",
            )
        ]
    out: list[Fill] = []
    have = {c.name for c in current.columns}
    for fk in desired.foreign_keys:
        if column.name in fk.columns and len(fk.columns) == 1:
            continue  # the column's own key says nothing about its value
        pairs = [(a, b) for a, b in zip(fk.columns, fk.ref_columns) if a != column.name]
        if not pairs or any(a not in have for a, _ in pairs):
            continue
        parent_qn = f"{fk.ref_schema}.{fk.ref_table}"
        parent = desired_schema.table(fk.ref_table, fk.ref_schema)
        if parent is None or parent_qn == desired.qualified_name:
            continue
        pcol = parent.column(column.name)
        if pcol is None or norm_type(pcol.type) != norm_type(column.type):
            continue
        if parents_with_column is not None and parent_qn not in parents_with_column:
            continue
        psql = qualify(parent.schema, parent.name)
        join = " AND ".join(f"t.{quote_ident(a)} = p.{quote_ident(b)}" for a, b in pairs)
        expr = f"p.{col}"
        out.append(
            batched_fill(
                current,
                tsql,
                col,
                expr,
                (psql, join),
                f"fill {desired.qualified_name}.{column.name} from {parent_qn}.{column.name} "
                f"through {', '.join(a for a, _ in pairs)}",
                "foreign key",
            )
        )
    return out


def batched_fill(
    t: Table, tsql: str, col: str, expr: str, via: tuple[str, str] | None, description: str, source: str
) -> Fill:
    """``UPDATE tsql AS t SET col = expr [FROM via[0] AS p WHERE via[1]]`` for rows where ``col`` is NULL,
    in batches in primary-key order, each committed (a DO block to run outside a transaction)."""
    frm = f" FROM {via[0]} AS p" if via else ""
    cond = f"{via[1]} AND " if via else ""
    key = _single_key(t)
    if key is None:
        return Fill(
            f"UPDATE {tsql} AS t SET {col} = {expr}{frm} WHERE {cond}t.{col} IS NULL",
            description,
            False,
            source,
        )
    kname, ktype = key
    k = quote_ident(kname)
    sql = (
        "DO $aishell_fill$\n"
        "DECLARE\n"
        f"    last_key {ktype};\n"
        f"    upto {ktype};\n"
        "BEGIN\n"
        "    LOOP\n"
        f"        SELECT max(b.{k}) INTO upto FROM (SELECT {k} FROM {tsql}\n"
        f"            WHERE last_key IS NULL OR {k} > last_key ORDER BY {k} LIMIT {BATCH_ROWS}) AS b;\n"
        "        EXIT WHEN upto IS NULL;\n"
        f"        UPDATE {tsql} AS t SET {col} = {expr}{frm}\n"
        f"            WHERE {cond}t.{col} IS NULL AND (last_key IS NULL OR t.{k} > last_key) AND t.{k} <= upto;\n"
        "        last_key := upto;\n"
        "        COMMIT;\n"
        "    END LOOP;\n"
        "END\n"
        "$aishell_fill$"
    )
    return Fill(sql, f"{description} (batches of {BATCH_ROWS:,} rows, each committed)", True, source)


def _single_key(t: Table) -> tuple[str, str] | None:
    if len(t.primary_key) != 1:
        return None
    c = t.column(t.primary_key[0])
    if c is None:
        return None
    return c.name, c.type
