"""DDL to turn a table into a RANGE-partitioned one: the partitioned table, its partitions, its indexes
and keys, and the migration that moves the rows and swaps the names.

``partition_ddl(table, column, oldest, newest)`` is a plain function over the schema model, so that
``partitioning-opportunity`` can show it in a finding and ``schema refactor`` can reuse it. Every
statement runs as written on PostgreSQL 13+ (tested on a real database: tests/analyze/test_partitioning.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.model import ForeignKey, Table

MAX_MONTHLY = 120  # more months than this: yearly partitions
AHEAD = 3  # partitions created ahead of the newest row


@dataclass
class PartitionPlan:
    table: str  # schema.name of the table partitioned
    column: str
    interval: str  # month | year
    create: list[str] = field(default_factory=list)  # the partitioned table, its keys and indexes
    partitions: list[str] = field(default_factory=list)
    migrate: list[str] = field(default_factory=list)  # copy the rows, one statement per partition
    swap: list[str] = field(default_factory=list)  # one transaction: catch up, rename, sequences
    notes: list[str] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        return self.create + self.partitions + self.migrate + self.swap


def _first(day: dt.date, interval: str) -> dt.date:
    return day.replace(day=1) if interval == "month" else day.replace(month=1, day=1)


def _next(day: dt.date, interval: str) -> dt.date:
    if interval == "year":
        return day.replace(year=day.year + 1)
    return day.replace(year=day.year + (day.month == 12), month=day.month % 12 + 1)


def _date(text: str | dt.date | dt.datetime) -> dt.date:
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    return dt.date.fromisoformat(str(text).strip()[:10])


def partition_ddl(
    table: Table,
    column: str,
    oldest: str | dt.date,
    newest: str | dt.date,
    *,
    referenced_by: list[tuple[Table, ForeignKey]] | None = None,
    interval: str | None = None,
) -> PartitionPlan:
    """Partition ``table`` by RANGE on the date/timestamp ``column``, with a partition per month (per
    year beyond ten years) from ``oldest`` to ``AHEAD`` months past ``newest`` and a DEFAULT one."""
    lo, hi = _date(oldest), _date(newest)
    if interval is None:
        months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
        interval = "month" if months <= MAX_MONTHLY else "year"
    base = table.name
    new_name = f"{base}_partitioned"[:63]
    old_name = f"{base}_unpartitioned"[:63]
    target = qualify(table.schema, new_name)
    source = qualify(table.schema, base)
    col = quote_ident(column)
    plan = PartitionPlan(table.qualified_name, column, interval)

    # The table: columns, defaults, NOT NULL and CHECKs, generated columns and identity, storage.
    plan.create.append(
        f"CREATE TABLE {target} (LIKE {source} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY "
        f"INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({col});"
    )
    # A key of a partitioned table must hold the partition column.
    if table.primary_key:
        pk = list(table.primary_key) + ([column] if column not in table.primary_key else [])
        plan.create.append(
            f"ALTER TABLE {target} ADD PRIMARY KEY ({', '.join(quote_ident(c) for c in pk)});"
        )
        if column not in table.primary_key:
            plan.notes.append(
                f"the primary key becomes ({', '.join(pk)}): a partitioned table's keys must hold {column}"
            )
    for uc in table.unique:
        cols = list(uc.columns) + ([column] if column not in uc.columns else [])
        plan.create.append(f"ALTER TABLE {target} ADD UNIQUE ({', '.join(quote_ident(c) for c in cols)});")
        if column not in uc.columns:
            plan.notes.append(f"UNIQUE ({', '.join(uc.columns)}) becomes UNIQUE ({', '.join(cols)})")
    for ix in table.indexes:
        if ix.constraint or not ix.definition:
            continue
        m = re.match(r"CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ (USING .*)$", ix.definition, re.IGNORECASE | re.DOTALL)
        if not m:
            plan.notes.append(f"index {ix.name} not carried over: {ix.definition}")
            continue
        if m.group(1) and column not in ix.columns:
            plan.notes.append(f"unique index {ix.name} cannot be carried over without {column} in its key")
            continue
        plan.create.append(f"CREATE {m.group(1) or ''}INDEX ON {target} {m.group(3)};")
    for fk in table.foreign_keys:
        if fk.definition:
            text = re.sub(r"\s+NOT VALID\s*$", "", fk.definition, flags=re.IGNORECASE)
            plan.create.append(f"ALTER TABLE {target} ADD {text};")
    for child, fk in referenced_by or []:
        plan.notes.append(
            f"{child.qualified_name}({', '.join(fk.columns)}) references {table.qualified_name}: a foreign key "
            f"to a partitioned table must name its whole key ({column} included); drop {fk.name} before the "
            "swap and re-create it against the new key, or keep it in the application"
        )

    # Partitions: one per month (or year), a few ahead, and a DEFAULT for anything outside.
    day = _first(lo, interval)
    end = hi
    for _ in range(AHEAD):
        end = _next(end, "month")
    while day <= end:
        nxt = _next(day, interval)
        suffix = f"{day:%Y_%m}" if interval == "month" else f"{day:%Y}"
        part = qualify(table.schema, f"{base}_p{suffix}"[:63])
        plan.partitions.append(
            f"CREATE TABLE {part} PARTITION OF {target} "
            f"FOR VALUES FROM ({quote_literal(day.isoformat())}) TO ({quote_literal(nxt.isoformat())});"
        )
        plan.migrate.append(
            f"INSERT INTO {target} ({{cols}}) {{override}}SELECT {{cols}} FROM {source} "
            f"WHERE {col} >= {quote_literal(day.isoformat())} AND {col} < {quote_literal(nxt.isoformat())};"
        )
        day = nxt
    plan.partitions.append(
        f"CREATE TABLE {qualify(table.schema, f'{base}_default'[:63])} PARTITION OF {target} DEFAULT;"
    )
    plan.notes.append(
        f"create the next {interval}'s partition before it starts (a scheduled job or pg_partman); rows "
        "outside every range land in the DEFAULT partition"
    )

    cols = [c for c in table.columns if not c.generated]
    collist = ", ".join(quote_ident(c.name) for c in cols)
    override = "OVERRIDING SYSTEM VALUE " if any(c.identity == "always" for c in cols) else ""
    plan.migrate = [s.format(cols=collist, override=override) for s in plan.migrate]
    plan.migrate.append(
        f"INSERT INTO {target} ({collist}) {override}SELECT {collist} FROM {source} "
        f"WHERE {col} IS NULL OR {col} < {quote_literal(_first(lo, interval).isoformat())} "
        f"OR {col} >= {quote_literal(day.isoformat())};"
    )
    # The swap: one short transaction; rows inserted since their batch are copied under the lock.
    key = list(table.primary_key)
    plan.swap.append("BEGIN;")
    plan.swap.append(f"LOCK TABLE {source} IN ACCESS EXCLUSIVE MODE;")
    if key:
        on = " AND ".join(f"n.{quote_ident(c)} = o.{quote_ident(c)}" for c in key)
        plan.swap.append(
            f"INSERT INTO {target} ({collist}) {override}SELECT {', '.join('o.' + quote_ident(c.name) for c in cols)} "
            f"FROM {source} o WHERE NOT EXISTS (SELECT 1 FROM {target} n WHERE {on});"
        )
    else:
        plan.notes.append("without a primary key, rows written during the copy are not caught up: stop writes first")
    plan.swap.append(f"ALTER TABLE {source} RENAME TO {quote_ident(old_name)};")
    plan.swap.append(f"ALTER TABLE {target} RENAME TO {quote_ident(base)};")
    renamed = qualify(table.schema, base)
    for c in table.columns:
        if c.identity:
            plan.swap.append(
                f"SELECT setval(pg_get_serial_sequence({quote_literal(renamed)}, {quote_literal(c.name)}), "
                f"coalesce(max({quote_ident(c.name)}), 0) + 1, false) FROM {renamed};"
            )
        elif c.default and (m := re.search(r"nextval\('([^']+)'", c.default)):
            plan.swap.append(f"ALTER SEQUENCE {m.group(1)} OWNED BY {renamed}.{quote_ident(c.name)};")
    plan.swap.append("COMMIT;")
    plan.notes.append(
        f"rows updated in {table.qualified_name} after their batch was copied are not caught up: run the "
        "migration in a quiet period, or copy again the rows changed since; keep "
        f"{old_name} until the application is checked, then drop it"
    )
    return plan
