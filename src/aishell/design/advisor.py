"""Scale-aware advice and estimates, computed from the stated figures and the model.

Nothing here is canned: every recommendation names the table, the figure it came from and the
arithmetic; estimates are sums over the model's columns and indexes. Thresholds are module constants so
tests and docs can quote them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from aishell.design import kb
from aishell.design.intent import Requirements
from aishell.model import Schema, Table

INT_MAX = 2_147_483_647
PARTITION_ROWS_PER_YEAR = 3_000_000  # ≈ 8K rows/day: monthly partitions of ≥ 250K rows pay off
PARTITION_TOTAL_ROWS = 10_000_000
MATVIEW_CATALOG_ROWS = 10_000  # catalog aggregates worth precomputing from here
READ_REPLICA_ROWS = 1_000_000  # accounts/rows that suggest separating read traffic
HORIZON_YEARS = 3

TIME_KINDS = {"transaction", "booking", "log", "timeseries", "movement", "event", "content"}
_EVERY = re.compile(r"every\s+(?:(\d+)\s+)?(second|minute|hour|day)s?", re.IGNORECASE)
_PERIOD_PER_YEAR = {"second": 31_557_600, "minute": 525_960, "hour": 8_766, "day": 365.25}


@dataclass
class Recommendation:
    title: str
    reason: str
    numbers: str = ""
    table: str | None = None
    applied: bool = False  # True when the design already does it

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v not in (None, "")}


@dataclass
class Advice:
    partition: dict[str, str] = field(default_factory=dict)  # entity -> reason
    integer_keys: list[str] = field(default_factory=list)
    bigint_keys: list[str] = field(default_factory=list)
    yearly_rows: dict[str, float] = field(default_factory=dict)  # entity -> rows per year (stated or derived)
    total_rows: dict[str, float] = field(default_factory=dict)  # entity -> rows after HORIZON_YEARS
    derivations: dict[str, str] = field(default_factory=dict)  # entity -> how the figure was obtained

    def as_planner_input(self) -> dict[str, Any]:
        return {
            "partition": dict(self.partition),
            "integer_keys": list(self.integer_keys),
            "bigint_keys": list(self.bigint_keys),
        }


def human(n: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            v = n / size
            return f"{v:.1f}{unit}".replace(".0" + unit, unit)
    return f"{n:.0f}"


def human_bytes(n: float) -> str:
    for unit, size in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def _kind(req: Requirements, name: str) -> str:
    e = req.entities.get(name)
    if e is None or not e.archetype:
        return "thing"
    return kb.archetypes()[e.archetype].kind


def _flags(req: Requirements, name: str) -> set[str]:
    e = req.entities.get(name)
    if e is None or not e.archetype:
        return set()
    return kb.archetypes()[e.archetype].flags_for(e.noun)


def decide(req: Requirements, *, force_partition: set[str] | None = None) -> Advice:
    """Before planning: which entities to partition, which keys may be INTEGER, from the stated figures."""
    adv = Advice()
    for s in req.scale:
        if not s.entity:
            continue
        if s.period:
            adv.yearly_rows[s.entity] = s.rows_per_day * 365.25  # type: ignore[operator]
            adv.total_rows[s.entity] = s.rows_after(HORIZON_YEARS)
            adv.derivations[s.entity] = f"{s.text} → {human(adv.yearly_rows[s.entity])} rows/year"
        else:
            adv.total_rows[s.entity] = s.count
            adv.derivations[s.entity] = f"{s.text}"
    # "5,000 sensors reporting every minute": a reading per sensor per minute
    m = _EVERY.search(req.text)
    if m:
        every = int(m.group(1) or 1)
        per_year = _PERIOD_PER_YEAR[m.group(2).lower()] / every
        for name in req.entities:
            if _kind(req, name) != "timeseries" or name in adv.yearly_rows:
                continue
            source = next(
                (
                    r.target
                    for r in req.relationships
                    if r.source == name and r.kind == "many_to_one" and r.target in adv.total_rows
                ),
                None,
            )
            if source:
                adv.yearly_rows[name] = adv.total_rows[source] * per_year
                adv.total_rows[name] = adv.yearly_rows[name] * HORIZON_YEARS
                adv.derivations[name] = (
                    f"{human(adv.total_rows[source])} {req.entities[source].table} × one per "
                    f"{m.group(0).lower().replace('every ', '')} → "
                    f"{human(adv.yearly_rows[name])} rows/year"
                )
    for name in req.entities:
        kind = _kind(req, name)
        flags = _flags(req, name)
        yearly = adv.yearly_rows.get(name, 0)
        total = adv.total_rows.get(name, 0)
        timed = kind in TIME_KINDS or "time_ordered" in flags
        if force_partition and name in force_partition:
            adv.partition[name] = "time-series pattern: readings are partitioned by time for retention"
        elif timed and (yearly >= PARTITION_ROWS_PER_YEAR or total >= PARTITION_TOTAL_ROWS):
            adv.partition[name] = (
                f"{adv.derivations.get(name, human(total) + ' rows')}: "
                f"≥ {human(PARTITION_ROWS_PER_YEAR)} rows/year or {human(PARTITION_TOTAL_ROWS)} "
                f"rows in total"
            )
        if ("small_key" in flags or kind in ("classifier", "tag")) and total < INT_MAX / 20:
            adv.integer_keys.append(name)
        elif "small_key" in flags:
            adv.bigint_keys.append(name)
    return adv


# -- estimates ------------------------------------------------------------------------------------------

_FIXED = {
    "BIGINT": 8,
    "INT8": 8,
    "INTEGER": 4,
    "INT": 4,
    "INT4": 4,
    "SMALLINT": 2,
    "BOOLEAN": 1,
    "TIMESTAMPTZ": 8,
    "TIMESTAMP": 8,
    "DATE": 4,
    "TIME": 8,
    "UUID": 16,
    "DOUBLE PRECISION": 8,
    "REAL": 4,
    "INTERVAL": 16,
    "INET": 7,
    "MONEY": 8,
}
_TEXT_GUESS = {
    "email": 24,
    "password_hash": 61,
    "first_name": 7,
    "last_name": 8,
    "phone": 13,
    "name": 20,
    "title": 30,
    "slug": 24,
    "sku": 12,
    "description": 200,
    "body": 400,
    "notes": 60,
}


def column_width(name: str, type_: str, enums: set[str]) -> float:
    """Average stored bytes of one value: exact for fixed-width types, assumed for variable ones."""
    t = type_.upper()
    if t in _FIXED:
        return _FIXED[t]
    if type_ in enums or type_.split(".")[-1] in enums:
        return 4
    base = t.split("(")[0].strip()
    if base in ("NUMERIC", "DECIMAL"):
        return 8
    if base in ("CHAR", "CHARACTER"):
        m = re.search(r"\((\d+)\)", t)
        return (int(m.group(1)) if m else 1) + 1
    if base in ("VARCHAR", "CHARACTER VARYING"):
        m = re.search(r"\((\d+)\)", t)
        cap = int(m.group(1)) if m else 255
        return min(_TEXT_GUESS.get(name, cap / 4), cap) + 1
    if base == "TEXT":
        return _TEXT_GUESS.get(name, 120) + 4
    if base == "JSONB":
        return 200
    return 16


def row_width(t: Table, enums: set[str]) -> float:
    """Heap bytes per row: 24-byte tuple header + 4-byte line pointer + the columns, 8-byte aligned."""
    data = sum(column_width(c.name, c.type, enums) for c in t.columns)
    return 28 + math.ceil(data / 8) * 8


def index_width(t: Table, cols: list[str], enums: set[str], expression: bool = False) -> float:
    """B-tree bytes per entry: 8-byte index tuple header + 4-byte pointer + key, at 90% leaf fill."""
    if expression:
        return 120.0  # a tsvector GIN entry per document, assumed
    key = 0.0
    for c in cols:
        col = t.column(c)
        key += column_width(c, col.type, enums) if col else 8
    return (12 + math.ceil(key / 8) * 8) / 0.9


def estimates(schema: Schema, req: Requirements, adv: Advice) -> dict[str, Any]:
    enums = {e.name for e in schema.enums}
    base_tables = [t for t in schema.tables if not t.partition_of]
    rows: dict[str, float] = {}
    origin: dict[str, str] = {}
    ent_table = {e.name: e.table for e in req.entities.values()}
    for name, total in adv.total_rows.items():
        if name in ent_table:
            rows[ent_table[name]] = total
            origin[ent_table[name]] = "stated" if name in {s.entity for s in req.scale} else "derived"
    # children inherit a multiple of their parent's rows when nothing was stated
    fanout = {"line": 3, "junction": 5, "dependent": 2, "content": 3, "transaction": 1, "booking": 2}
    for _ in range(3):
        for t in base_tables:
            if t.name in rows:
                continue
            kind = t.attrs.get("design", {}).get("kind", "thing")
            parents = [
                fk.ref_table for fk in t.foreign_keys if fk.ref_table in rows and fk.ref_table != t.name
            ]
            if parents and kind in fanout:
                rows[t.name] = max(rows[p] for p in parents) * fanout[kind]
                origin[t.name] = f"{fanout[kind]} per {parents[0]} row (assumed)"
    per_table = []
    total_bytes = 0.0
    for t in base_tables:
        width = row_width(t, enums)
        idx_bytes_per_row = sum(index_width(t, i.columns, enums, any(i.expressions)) for i in t.indexes)
        n = rows.get(t.name)
        size = (width + idx_bytes_per_row) * n if n else None
        if size:
            total_bytes += size
        per_table.append(
            {
                "table": t.name,
                "row_bytes": round(width),
                "index_bytes_per_row": round(idx_bytes_per_row),
                "rows": n,
                "rows_origin": origin.get(t.name),
                "estimated_bytes": size,
            }
        )
    index_count = sum(len(t.indexes) for t in base_tables) + sum(len(v.indexes) for v in schema.views)
    return {
        "tables": len(base_tables),
        "partitions": len([t for t in schema.tables if t.partition_of]),
        "indexes": index_count,
        "foreign_keys": sum(len(t.foreign_keys) for t in base_tables),
        "check_constraints": sum(len(t.checks) for t in base_tables),
        "unique_constraints": sum(len(t.unique) for t in base_tables),
        "views": len([v for v in schema.views if not v.materialized]),
        "materialized_views": len([v for v in schema.views if v.materialized]),
        "per_table": per_table,
        "estimated_total_bytes": total_bytes or None,
        "method": (
            "estimated: heap row = 24-byte header + 4-byte item pointer + column widths (fixed types exact, "
            "variable types at assumed averages) aligned to 8; each B-tree entry = 12 bytes + key at 90% "
            f"fill; rows = stated figures over {HORIZON_YEARS} years, children a fixed multiple of their parent"
        ),
    }


# -- recommendations --------------------------------------------------------------------------------------


def recommendations(schema: Schema, req: Requirements, adv: Advice) -> list[Recommendation]:
    recs: list[Recommendation] = []
    ent_table = {e.name: e.table for e in req.entities.values()}
    # keys
    for name, total in sorted(adv.total_rows.items(), key=lambda kv: -kv[1]):
        table = ent_table.get(name)
        t = schema.table(table) if table else None
        if t is None or t.column("id") is None:
            continue
        typ = t.column("id").type.upper()
        yearly = adv.yearly_rows.get(name)
        if typ == "BIGINT":
            if yearly:
                years = INT_MAX / yearly
                when = (
                    f" within {years * 365:.0f} days"
                    if years < 1
                    else f" in about {years:.0f} years"
                    if years < 200
                    else " eventually; BIGINT costs 4 bytes per row"
                )
                recs.append(
                    Recommendation(
                        f"BIGINT key on {table}",
                        "a 4-byte INTEGER key would run out" + when,
                        f"{adv.derivations.get(name)}; INTEGER max {human(INT_MAX)}",
                        table,
                        True,
                    )
                )
            else:
                recs.append(
                    Recommendation(
                        f"BIGINT key on {table}",
                        f"{human(total)} rows stated; BIGINT never needs a key-type migration "
                        "on a growing table, for 4 bytes per row",
                        adv.derivations.get(name, ""),
                        table,
                        True,
                    )
                )
    small = [ent_table[n] for n in adv.integer_keys if n in ent_table]
    if small:
        recs.append(
            Recommendation(
                f"INTEGER keys on {', '.join(small)}",
                "reference tables stay small: 4-byte keys halve the key "
                "size in every referencing row and index",
                f"INTEGER max {human(INT_MAX)} rows",
                None,
                True,
            )
        )
    # partitioning
    for name, reason in adv.partition.items():
        table = ent_table.get(name)
        t = schema.table(table) if table else None
        if t is None or not t.partition_by:
            continue
        per_month = (adv.yearly_rows.get(name) or 0) / 12
        recs.append(
            Recommendation(
                f"Partition {table} by month on {t.partition_by[7:-1]}",
                "keeps recent partitions and their indexes small, lets queries on a time range skip old months "
                "(partition pruning), and turns retention into DROP TABLE of a partition instead of a huge DELETE",
                reason + (f"; ≈ {human(per_month)} rows per monthly partition" if per_month else ""),
                table,
                True,
            )
        )
    # catalog materialized view
    for v in schema.views:
        if v.materialized and v.name.endswith("_catalog"):
            base = v.depends_on[0].split(".")[-1] if v.depends_on else ""
            ent = next((e.name for e in req.entities.values() if e.table == base), None)
            n = adv.total_rows.get(ent or "", 0)
            numbers = (
                f"{human(n)} {base} stated"
                if n
                else f"{len(v.depends_on) - 1} aggregated tables joined per read"
            )
            recs.append(
                Recommendation(
                    f"Materialized view {v.name} for catalog pages",
                    f"catalog reads aggregate {', '.join(d.split('.')[-1] for d in v.depends_on[1:])}; precompute them "
                    f"and refresh with REFRESH MATERIALIZED VIEW CONCURRENTLY (unique index on id) every few minutes",
                    numbers,
                    v.name,
                    True,
                )
            )
        elif v.materialized and v.name.endswith("_hourly"):
            recs.append(
                Recommendation(
                    f"Hourly rollup {v.name}",
                    "dashboards read the rollup, not raw rows; refresh it CONCURRENTLY "
                    "after each hour closes",
                    "",
                    v.name,
                    True,
                )
            )
    # read replicas
    biggest = max(adv.total_rows.items(), key=lambda kv: kv[1], default=None)
    if biggest and biggest[1] >= READ_REPLICA_ROWS:
        recs.append(
            Recommendation(
                "Add a read replica for reads and reports",
                "send catalog browsing, search and reporting to a streaming replica so writes on the primary are "
                "not slowed by long reads",
                f"{adv.derivations.get(biggest[0], human(biggest[1]))} (≥ {human(READ_REPLICA_ROWS)})",
                None,
                False,
            )
        )
    # public identifiers
    for t in schema.tables:
        for c in t.columns:
            if c.name in ("order_number", "invoice_number") and c.default is None:
                recs.append(
                    Recommendation(
                        f"Non-guessable {t.name}.{c.name}",
                        f"generate {c.name} from gen_random_uuid() or a keyed sequence so customers cannot enumerate "
                        "other customers' records; the BIGINT id stays internal",
                        "",
                        t.name,
                        False,
                    )
                )
    # multi-tenant
    tenant = schema.attrs.get("design", {}).get("tenant")
    if tenant:
        n = len([t for t in schema.tables if t.rls_enabled])
        recs.append(
            Recommendation(
                "Connect as a non-owner role and set the tenant per transaction",
                f"row-level security on {n} tables filters by {tenant['column']}; table owners bypass RLS, so the "
                f"application must use another role and run SET LOCAL {tenant['setting']} = '<id>'",
                "",
                None,
                True,
            )
        )
    # time series retention
    for t in schema.tables:
        if t.partition_by and t.attrs.get("design", {}).get("kind") in ("timeseries", "log", "event"):
            recs.append(
                Recommendation(
                    f"Retention on {t.name}",
                    f"schedule drop_old_{t.name}_partitions('90 days') and "
                    f"create_{t.name}_partitions(3) monthly (pg_cron or an external scheduler)",
                    "",
                    t.name,
                    True,
                )
            )
    if any(t.partition_by for t in schema.tables):
        recs.append(
            Recommendation(
                "TimescaleDB (optional)",
                "on a server with the timescaledb extension, hypertables add compression and "
                "continuous aggregates; this design uses native partitioning, which runs everywhere",
                "",
                None,
                False,
            )
        )
    return recs


# -- checked claims --------------------------------------------------------------------------------------


def normal_form(schema: Schema) -> tuple[str, list[str]]:
    """Check the model for the usual normal-form violations; return the level reached and the problems.

    1NF: no array columns and no numbered repeating columns (phone1, phone2). 2NF: tables with a composite
    key have no column named after only part of the key's entity. 3NF: no column copies an attribute of a
    table it references (orders.user_email next to user_id).
    """
    problems_1nf: list[str] = []
    problems_2nf: list[str] = []
    problems_3nf: list[str] = []
    tables = {t.name: t for t in schema.tables if not t.partition_of}
    for t in tables.values():
        names = [c.name for c in t.columns]
        for c in t.columns:
            if c.type.endswith("[]"):
                problems_1nf.append(f"{t.name}.{c.name} is an array")
            m = re.match(r"^(.*?)(\d+)$", c.name)
            if m and int(m.group(2)) == 1 and all(f"{m.group(1)}{k}" in names for k in (2, 3)):
                problems_1nf.append(f"{t.name}.{c.name} repeats a group")
        if len(t.primary_key) > 1:
            key_ents = {k[:-3] for k in t.primary_key if k.endswith("_id")}
            for c in t.columns:
                if c.name in t.primary_key:
                    continue
                if any(c.name.startswith(k + "_") and not c.name.endswith("_id") for k in key_ents):
                    problems_2nf.append(f"{t.name}.{c.name} depends on part of the key")
        for fk in t.foreign_keys:
            ref = tables.get(fk.ref_table)
            if ref is None or ref.name == t.name:
                continue
            prefix = fk.columns[0][:-3] + "_" if fk.columns[0].endswith("_id") else None
            if not prefix:
                continue
            fk_cols = {col for f in t.foreign_keys for col in f.columns}
            for c in t.columns:
                if c.name in fk_cols:
                    continue  # part of a (composite) foreign key, not a copy
                if (
                    c.name.startswith(prefix)
                    and not c.name.endswith("_id")
                    and ref.column(c.name[len(prefix) :])
                    and c.name[len(prefix) :] not in ("created_at", "updated_at")
                ):
                    problems_3nf.append(f"{t.name}.{c.name} copies {ref.name}.{c.name[len(prefix) :]}")
    if problems_1nf:
        return "unnormalized", problems_1nf
    if problems_2nf:
        return "1NF", problems_2nf
    if problems_3nf:
        return "2NF", problems_3nf
    return "3NF", []


def timescaledb_statements(design: Any) -> None:
    """When the validation server offers TimescaleDB: the exact statements to use it, as a recommendation.

    The model keeps native partitioning (it runs everywhere); these statements convert a time-series
    table on a server where ``CREATE EXTENSION timescaledb`` is possible.
    """
    for t in design.schema.tables:
        d = t.attrs.get("design", {})
        if not t.partition_by or d.get("kind") not in ("timeseries",):
            continue
        key = d.get("partitioned", {}).get("key", "created_at")
        stmts = [
            "CREATE EXTENSION IF NOT EXISTS timescaledb;",
            f"-- create {t.name} without PARTITION BY (and without its partitions), then:",
            f"SELECT create_hypertable('public.{t.name}', '{key}', chunk_time_interval => INTERVAL '1 day');",
            f"SELECT add_retention_policy('public.{t.name}', INTERVAL '90 days');",
            f"ALTER TABLE public.{t.name} SET (timescaledb.compress);",
            f"SELECT add_compression_policy('public.{t.name}', INTERVAL '7 days');",
        ]
        design.recommendations.append(
            Recommendation(
                f"TimescaleDB is available: hypertable for {t.name}",
                "the validation server offers the timescaledb extension: " + " ".join(stmts),
                "",
                t.name,
                False,
            )
        )
