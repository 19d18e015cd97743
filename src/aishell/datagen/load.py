"""Loading a planned data set with binary COPY, and checking it afterwards.

Tables load parents first (``aishell.model.graph.creation_order``); a child's foreign-key columns take
keys read back from its parents (so serial keys stay the database's), skewed so some parents have many
children and some none. Foreign keys that close a cycle, and self-references, are filled by one UPDATE
once every table is loaded.

On a throwaway database the foreign-key constraints are dropped for the load and added back afterwards,
which re-checks every row in one pass (as pg_restore does); on a user's database they stay and the
database checks each row. CHECK, NOT NULL and UNIQUE constraints always stay. Rows a table's checks may
reject (a check we cannot build by construction) go through a staging table, and only rows that pass
are inserted (``INSERT ... SELECT ... WHERE <check> ON CONFLICT DO NOTHING``), topped up until the table
has its rows. A table that still fails is skipped with PostgreSQL's reason; nothing half-loaded stays.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aishell.datagen import checks as _checks
from aishell.datagen.catalog import ColInfo, read_columns
from aishell.datagen.plan import TablePlan, allocate, build_plans
from aishell.datagen.values import TEXT_TYPES, Context
from aishell.dialects.postgres.quote import qualify, quote_ident
from aishell.errors import UserError
from aishell.model import Schema

BATCH = 20000
FIXED_ANCHOR = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class KeySet:
    values: Any  # range or list of scalars or tuples
    width: int

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class TableResult:
    table: str
    requested: int
    rows: int = 0
    seconds: float = 0.0
    method: str = ""
    skipped: str | None = None
    partitions: int = 0


@dataclass
class LoadReport:
    seed: int
    total_requested: int
    tables: list[TableResult] = field(default_factory=list)
    seconds: float = 0.0
    load_seconds: float = 0.0
    fk_checked: int = 0
    fk_violations: int = 0
    check_checked: int = 0
    check_violations: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    verify_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "requested_rows": self.total_requested,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "load_seconds": round(self.load_seconds, 3),
            "rows_per_second": round(self.rows / self.load_seconds) if self.load_seconds else None,
            "tables": [
                {
                    "table": t.table,
                    "requested": t.requested,
                    "rows": t.rows,
                    "seconds": round(t.seconds, 3),
                    "rows_per_second": round(t.rows / t.seconds) if t.seconds and t.rows else None,
                    "method": t.method,
                    "skipped": t.skipped,
                    **({"partitions": t.partitions} if t.partitions else {}),
                }
                for t in self.tables
            ],
            "constraints": {
                "foreign_keys_checked": self.fk_checked,
                "foreign_key_violations": self.fk_violations,
                "checks_checked": self.check_checked,
                "check_violations": self.check_violations,
                "verify_seconds": round(self.verify_seconds, 3),
            },
            "counts": self.counts,
            "notes": self.notes,
        }


# -- public entry points ----------------------------------------------------------------------------------
def plan_data(
    conninfo: str,
    total: int,
    *,
    seed: int | None = None,
    throwaway: bool = True,
    schema: Schema | None = None,
) -> tuple[Any, list[TablePlan], dict[str, int], Context]:
    """Inspect the database, and plan ``total`` rows: (schema, plans, existing row counts, context)."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.inspect import inspect

    if schema is None:
        schema = inspect(conninfo, include_stats=False)
    # A given seed fixes everything, the time anchor too; otherwise timestamps end today.
    anchor = (
        FIXED_ANCHOR
        if seed is not None
        else dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    ctx = Context(seed, anchor, schema)
    with connect(conninfo, autocommit=True) as conn:
        columns = read_columns(conn)
        _prepare_partitions(conn, schema)
        existing = _existing_counts(conn, schema)
    plans = build_plans(schema, columns, ctx, throwaway=throwaway, existing=existing)
    allocate(plans, total, existing)
    return schema, plans, existing, ctx


def load_data(
    conninfo: str,
    plans: list[TablePlan],
    ctx: Context,
    *,
    throwaway: bool,
    existing: dict[str, int],
    total: int,
    progress: Callable[[str, int, int], None] | None = None,
) -> LoadReport:
    """Load the planned rows; ANALYZE; verify constraints and count rows. Returns the report."""
    from aishell.dialects.postgres.connect import connect

    report = LoadReport(ctx.seed, total)
    t0 = time.perf_counter()
    by_name = {p.name: p for p in plans}
    with connect(conninfo, autocommit=True) as conn:
        _register_dumpers(conn, plans)
        dropped: list[tuple[str, str, str]] = []
        indexes: list[tuple[str, str]] = []
        if throwaway:
            dropped = _drop_foreign_keys(conn, plans)
            indexes = _drop_secondary_indexes(conn)
        keys: dict[tuple[str, tuple[str, ...]], KeySet] = {}
        needed = _needed_keys(plans)
        loaded: set[str] = set()
        for p in plans:
            res = TableResult(p.name, p.count)
            report.tables.append(res)
            if p.skip:
                res.skipped = p.skip
                continue
            blocked = _missing_parent(p, loaded, existing)
            if blocked:
                res.skipped = blocked
                continue
            for src in p.fks + [m for kind, m in p.combo if kind == "fk"]:
                src.keys = keys.get((src.parent, tuple(src.fk.ref_columns)))
                if src.keys is None or len(src.keys) == 0:
                    src.keys = _read_keys(conn, by_name.get(src.parent), src.parent, src.fk.ref_columns)
                    keys[(src.parent, tuple(src.fk.ref_columns))] = src.keys
            if p.count <= 0:
                res.method = "none"
                continue
            start = time.perf_counter()
            try:
                res.rows, res.method = _load_table(conn, p, existing.get(p.name, 0), progress)
                loaded.add(p.name)
            except Exception as exc:  # PostgreSQL refused the rows: say why, and move on
                conn.rollback() if not conn.autocommit else None
                res.skipped = "PostgreSQL refused the rows: " + _first_line(exc)
                res.rows = 0
            res.seconds = time.perf_counter() - start
            res.partitions = int(p.table.attrs.get("_dg_partition_count", 0))
            for key in needed.get(p.name, []):
                keys[(p.name, key)] = _read_keys(conn, p, p.name, list(key))
        _fill_deferred(conn, plans, loaded, ctx, report)
        for name, definition in indexes:  # built once, sorted, instead of row by row during COPY
            try:
                conn.execute(definition)
            except Exception as exc:
                report.notes.append(f"index {name} could not be rebuilt: {_first_line(exc)}")
        report.load_seconds = time.perf_counter() - t0
        v0 = time.perf_counter()
        if dropped:
            _restore_foreign_keys(conn, dropped, report)
        names = [p for p in plans if p.name in loaded]
        if names:
            conn.execute("ANALYZE " + ", ".join(qualify(p.table.schema, p.table.name) for p in names))
        _verify(conn, plans, loaded, report, skip_fk=bool(dropped))
        report.verify_seconds = time.perf_counter() - v0
    report.seconds = time.perf_counter() - t0
    return report


# -- preparing -------------------------------------------------------------------------------------------
def _existing_counts(conn: Any, schema: Schema) -> dict[str, int]:
    out: dict[str, int] = {}
    tables = [t for t in schema.tables if not t.partition_of]
    if not tables:
        return out
    sql = " UNION ALL ".join(
        f"SELECT {i}, (SELECT count(*) FROM (SELECT 1 FROM {qualify(t.schema, t.name)} LIMIT 1000000) s)"
        for i, t in enumerate(tables)
    )
    for i, n in conn.execute(sql).fetchall():
        out[tables[i].qualified_name] = n
    return out


def _prepare_partitions(conn: Any, schema: Schema) -> None:
    """Record, on a partitioned parent, the key column and the value ranges its partitions accept."""
    children: dict[str, list[Any]] = {}
    for t in schema.tables:
        if t.partition_of:
            children.setdefault(t.partition_of, []).append(t)
    for t in schema.tables:
        if not t.partition_by or t.qualified_name not in children:
            continue
        kids = children[t.qualified_name]
        t.attrs["_dg_partition_count"] = len(kids)
        m = re.match(
            r"^\s*(RANGE|LIST|HASH)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*|\"[^\"]+\")\s*\)\s*$", t.partition_by, re.I
        )
        if not m or any((k.partition_bound or "").strip().upper() == "DEFAULT" for k in kids):
            continue
        method, col = m.group(1).upper(), m.group(2).strip('"')
        column = t.column(col)
        if column is None or method == "HASH":
            continue
        if method == "RANGE":
            intervals = []
            for k in kids:
                b = re.match(r"FOR VALUES FROM \((.*)\) TO \((.*)\)\s*$", k.partition_bound or "", re.S)
                if not b or "MINVALUE" in b.group(0).upper() or "MAXVALUE" in b.group(0).upper():
                    intervals = []
                    break
                lo, hi = conn.execute(
                    f"SELECT {b.group(1)}::{column.type}, {b.group(2)}::{column.type}"
                ).fetchone()
                intervals.append((lo, hi))
            if intervals:
                t.attrs["_dg_partition"] = (col, intervals)


def _register_dumpers(conn: Any, plans: list[TablePlan]) -> None:
    """Binary dumpers, by type OID only, for enums and text-like types (their binary form is UTF-8)."""
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    oids = set()
    for p in plans:
        for c in p.cols:
            if c.typtype == "e" or c.base in TEXT_TYPES:
                oids.add(c.base_oid)
    for oid in oids:
        cls = type(
            f"TextAsBinary{oid}",
            (Dumper,),
            {"format": Format.BINARY, "oid": oid, "dump": lambda self, obj: str(obj).encode()},
        )
        conn.adapters.register_dumper(None, cls)


def _binary_oid(c: ColInfo) -> int:
    return c.type_oid if c.is_array else c.base_oid


def _drop_foreign_keys(conn: Any, plans: list[TablePlan]) -> list[tuple[str, str, str]]:
    """On the throwaway database (every table is ours): every foreign key, partitions' own included."""
    if not plans:
        return []
    rows = conn.execute(
        "SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE k.contype = 'f' AND k.conparentid = 0 ORDER BY k.oid"
    ).fetchall()
    dropped = []
    with conn.transaction():
        for schema, table, name, definition in rows:
            conn.execute(f"ALTER TABLE {qualify(schema, table)} DROP CONSTRAINT {quote_ident(name)}")
            dropped.append((qualify(schema, table), name, definition))
    return dropped


def _drop_secondary_indexes(conn: Any) -> list[tuple[str, str]]:
    """On the throwaway database: drop plain (non-unique, non-constraint) indexes of the tables for the
    load; ``load_data`` rebuilds them afterwards from their own definitions."""
    rows = conn.execute(
        "SELECT n.nspname, x.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = x.relnamespace "
        "WHERE NOT i.indisunique AND NOT x.relispartition AND c.relkind IN ('r', 'p') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = i.indexrelid AND d.deptype = 'i') "
        "ORDER BY x.oid"
    ).fetchall()
    out = []
    with conn.transaction():
        for schema, name, definition in rows:
            conn.execute(f"DROP INDEX {qualify(schema, name)}")
            out.append((name, re.sub(r" ON ONLY ", " ON ", definition, count=1)))
    return out


def _restore_foreign_keys(conn: Any, dropped: list[tuple[str, str, str]], report: LoadReport) -> None:
    for table, name, definition in dropped:
        try:
            conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote_ident(name)} {definition}")
            report.fk_checked += 1
        except Exception as exc:
            report.fk_violations += 1
            report.notes.append(f"foreign key {name} on {table}: {_first_line(exc)}")


def _needed_keys(plans: list[TablePlan]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for p in plans:
        for src in p.fks + [m for kind, m in p.combo if kind == "fk"]:
            key = tuple(src.fk.ref_columns)
            if key not in out.setdefault(src.parent, []):
                out[src.parent].append(key)
    return out


def _missing_parent(p: TablePlan, loaded: set[str], existing: dict[str, int]) -> str | None:
    for src in p.fks + [m for kind, m in p.combo if kind == "fk"]:
        if src.parent in loaded or existing.get(src.parent, 0) > 0:
            continue
        if src.nullable and src in p.fks:
            continue
        return f"its parent {src.parent} has no rows (foreign key {src.fk.name or ', '.join(src.fk.columns)})"
    return None


def _read_keys(conn: Any, plan: TablePlan | None, table: str, columns: list[str]) -> KeySet:
    schema, name = table.split(".", 1)
    rel = qualify(schema, name)
    cols = ", ".join(quote_ident(c) for c in columns)
    notnull = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in columns)
    if len(columns) == 1:
        ci = plan.col(columns[0]) if plan else None
        if ci is not None and ci.base in ("int2", "int4", "int8"):
            lo, hi, n = conn.execute(f"SELECT min({cols}), max({cols}), count({cols}) FROM {rel}").fetchone()
            if n and hi - lo + 1 == n:
                return KeySet(range(lo, hi + 1), 1)
        vals = [r[0] for r in conn.execute(f"SELECT {cols} FROM {rel} WHERE {notnull} ORDER BY {cols}")]
        return KeySet(vals, 1)
    vals = [tuple(r) for r in conn.execute(f"SELECT {cols} FROM {rel} WHERE {notnull} ORDER BY {cols}")]
    return KeySet(vals, len(columns))


# -- generating and loading -----------------------------------------------------------------------------------
def _batch(p: TablePlan, start: int, n: int, rng: random.Random) -> list[tuple]:
    vals: dict[str, list] = {}
    for c, g in p.gens.items():
        vals[c] = g.batch(start, n)
    rnd = rng.random
    for src in p.fks:
        keys = src.keys.values if src.keys is not None else []
        m = len(keys)
        cols = src.fk.columns
        if m == 0:
            for c in cols:
                vals[c] = [None] * n
            continue
        # Skewed fan-out: a few parents have many children, many have few (the top 10% hold ~30%).
        if src.nullable:
            picked = [None if rnd() < 0.08 else keys[int(m * rnd() ** 2.0)] for _ in range(n)]
        else:
            picked = [keys[int(m * rnd() ** 2.0)] for _ in range(n)]
        if len(cols) == 1:
            vals[cols[0]] = picked
        else:
            for j, c in enumerate(cols):
                vals[c] = [None if k is None else k[j] for k in picked]
    if p.combo:
        _combo(p, start, n, vals, rng)
    for c, v in p.placeholders.items():
        vals[c] = [v] * n
    for later, op, earlier in p.rules.order:
        if later in vals and earlier in vals:
            vals[later] = _after(p.col(later), vals[earlier], vals[later], op, rng)
    for a, b in p.rules.distinct:  # a <> b: where a row has them equal, the nullable one becomes NULL
        if a in vals and b in vals:
            ca, cb = p.col(a), p.col(b)
            target = (
                a if ca is not None and not ca.not_null else b if cb is not None and not cb.not_null else None
            )
            if target is not None:
                va, vb = vals[a], vals[b]
                vals[target] = [
                    None if x is not None and x == y else (x if target == a else y) for x, y in zip(va, vb)
                ]
    for c, expr in p.rules.derived.items():
        ci = p.col(c)
        scale = ci.scale if ci is not None and ci.scale is not None else None
        from decimal import Decimal

        names, fn = _checks.compile_arith(expr)
        cols = [
            [v if not isinstance(v, float) else Decimal(repr(v)) for v in vals[k]]
            if k in vals
            else [None] * n
            for k in names
        ]
        out = [fn(*t) for t in zip(*cols)] if cols else [fn()] * n
        if ci is not None and ci.base in ("int2", "int4", "int8"):
            out = [None if v is None else int(v) for v in out]
        elif scale is not None:
            q = Decimal(1).scaleb(-scale)
            out = [None if v is None else Decimal(v).quantize(q) for v in out]
        vals[c] = out
    return list(zip(*[vals[c] for c in p.copy_cols]))


def _combo(p: TablePlan, start: int, n: int, vals: dict[str, list], rng: random.Random) -> None:
    sizes = [len(m.keys.values) if kind == "fk" else len(m[1]) for kind, m in p.combo]
    total = 1
    for s in sizes:
        total *= s
    if total == 0:
        raise UserError(f"{p.name}: no parent rows to combine")
    a = _coprime(total)
    b = p.table.attrs.setdefault("_dg_offset", random.Random(f"{p.seed}/{p.name}").randrange(total))
    outs: list[list] = [[] for _ in p.combo]
    for k in range(start, start + n):
        idx = (a * k + b) % total
        for j, size in enumerate(sizes):
            idx, r = divmod(idx, size)
            outs[j].append(r)
    for (kind, m), idxs in zip(p.combo, outs):
        if kind == "fk":
            keys = m.keys.values
            cols = m.fk.columns
            if len(cols) == 1:
                vals[cols[0]] = [keys[i] for i in idxs]
            else:
                for j, c in enumerate(cols):
                    vals[c] = [keys[i][j] for i in idxs]
        else:
            vals[m[0]] = [m[1][i] for i in idxs]


def _coprime(total: int) -> int:
    import math

    for a in (2654435761, 40503, 7919, 104729, 1299709, 15485863):
        if math.gcd(a, total) == 1:
            return a % total or 1
    return 1


def _after(col: ColInfo | None, earlier: list, later: list, op: str, rng: random.Random) -> list:
    from decimal import Decimal

    out = []
    r = rng.random
    for e, v in zip(earlier, later):
        if e is None or v is None:
            out.append(v if e is None else v)
            continue
        if isinstance(e, dt.datetime):
            out.append(e + dt.timedelta(seconds=3600 + int(r() * 86400 * 14)))
        elif isinstance(e, dt.date):
            out.append(e + dt.timedelta(days=1 + int(r() * 30)))
        elif isinstance(e, dt.time):
            out.append(dt.time(min(23, e.hour + 1), e.minute))
        elif isinstance(e, Decimal):
            out.append(e + max(Decimal(1), abs(e) * Decimal("0.1")).quantize(Decimal(1)))
        elif isinstance(e, (int, float)):
            out.append(e + 1 + int(r() * 10))
        else:
            out.append(v)
    return out


def _load_table(conn: Any, p: TablePlan, existing_rows: int, progress: Callable | None) -> tuple[int, str]:
    rel = qualify(p.table.schema, p.table.name)
    rng = random.Random(f"{p.seed}/{p.name}/rows")
    if not p.copy_cols:
        with conn.transaction():
            conn.execute(f"INSERT INTO {rel} SELECT FROM generate_series(1, %s)", (p.count,))
        return p.count, "insert defaults"
    try:
        if not p.staged:
            with conn.transaction():
                _copy_rows(conn, p, rel, 0, p.count, rng, progress)
            return p.count, "binary COPY" if p.binary else "text COPY"
    except Exception:
        # Not constructible after all: verify in the database instead.
        p.filters = [ck.expression for ck in p.table.checks] + list(p.rules.unsupported)
        p.on_conflict_skip = True
        rng = random.Random(f"{p.seed}/{p.name}/rows")
    return _load_staged(conn, p, rel, rng, progress)


def _copy_rows(
    conn: Any,
    p: TablePlan,
    rel: str,
    offset: int,
    count: int,
    rng: random.Random,
    progress: Callable | None,
    target: str | None = None,
) -> None:
    cols = ", ".join(quote_ident(c) for c in p.copy_cols)
    fmt = "BINARY" if p.binary else "TEXT"
    done = 0
    with conn.cursor() as cur:
        while done < count:
            n = min(BATCH, count - done)
            rows = _batch(p, offset + done, n, rng)
            with cur.copy(f"COPY {target or rel} ({cols}) FROM STDIN (FORMAT {fmt})") as cp:
                if p.binary:
                    cp.set_types([_binary_oid(p.col(c)) for c in p.copy_cols])
                for row in rows:
                    cp.write_row(row)
            done += n
            if progress and target is None:
                progress(p.name, done, p.count)


def _load_staged(
    conn: Any, p: TablePlan, rel: str, rng: random.Random, progress: Callable | None
) -> tuple[int, str]:
    """Rows through a staging table; only those passing the checks (and not conflicting) are inserted."""
    from psycopg import sql as _sql  # noqa: F401

    cols = ", ".join(quote_ident(c) for c in p.copy_cols)
    stage = quote_ident(f"_aishell_stage_{abs(hash(p.name)) % 10**8}")
    # Every column, so a check naming one we leave to the database (NULL at insert) still evaluates.
    typed = ", ".join(f"{quote_ident(c.name)} {_stage_type(conn, c)}" for c in p.cols if not c.generated)
    where = " AND ".join(f"({f})" for f in p.filters) or "true"
    conflict = " ON CONFLICT DO NOTHING" if p.on_conflict_skip else ""
    inserted, offset, attempts = 0, 0, 0
    with conn.transaction():
        conn.execute(f"CREATE TEMP TABLE {stage} ({typed}) ON COMMIT DROP")
        while inserted < p.count and attempts < 30:
            attempts += 1
            want = p.count - inserted
            n = min(max(want * 2, 100), BATCH)
            _copy_rows(conn, p, rel, offset, n, rng, None, target=stage)
            offset += n
            cur = conn.execute(
                f"INSERT INTO {rel} ({cols}) SELECT {cols} FROM {stage} WHERE {where} LIMIT {want}{conflict}"
            )
            inserted += cur.rowcount
            conn.execute(f"TRUNCATE {stage}")
            if progress:
                progress(p.name, inserted, p.count)
    return inserted, "staged (verified in database)"


def _stage_type(conn: Any, c: ColInfo | None) -> str:
    assert c is not None
    oid = c.base_oid if not c.is_array else c.type_oid
    return conn.execute("SELECT format_type(%s, NULL)", (oid,)).fetchone()[0] + (
        "" if not c.is_array or not c.domain else ""
    )


def _fill_deferred(
    conn: Any, plans: list[TablePlan], loaded: set[str], ctx: Context, report: LoadReport
) -> None:
    """Self-references and foreign keys that close a cycle: one UPDATE per key, once all tables exist."""
    for p in plans:
        if p.name not in loaded:
            continue
        for fk in p.deferred:
            parent = f"{fk.ref_schema}.{fk.ref_table}"
            if parent not in loaded:
                continue
            child = qualify(p.table.schema, p.table.name)
            prel = qualify(fk.ref_schema, fk.ref_table)
            pc = ", ".join(f"p.{quote_ident(c)}" for c in fk.ref_columns)
            order = ", ".join(quote_ident(c) for c in fk.ref_columns)
            nullable = all(p.col(c) is not None and not p.col(c).not_null for c in fk.columns)
            sets = ", ".join(
                f"{quote_ident(c)} = par.{quote_ident(r)}" for c, r in zip(fk.columns, fk.ref_columns)
            )
            first = quote_ident(fk.columns[0])
            only_new = f"WHERE {first} IS NULL" if nullable else ""
            keep_null = "AND src.rn % 10 <> 1" if nullable else ""
            if parent == p.name:  # a row never refers to itself
                keep_null += " AND ROW({}) IS DISTINCT FROM ROW({})".format(
                    ", ".join(f"par.{quote_ident(r)}" for r in fk.ref_columns),
                    ", ".join(f"c.{quote_ident(r)}" for r in fk.ref_columns),
                )
            seed = ctx.seed % 1000003
            np = conn.execute(f"SELECT count(*) FROM {prel}").fetchone()[0]
            conn.execute(f"ANALYZE {child}")
            sql = (
                f"WITH src AS MATERIALIZED (SELECT tableoid AS toid, ctid AS rid, "
                f"row_number() OVER (ORDER BY tableoid, ctid) AS rn FROM {child} {only_new}), "
                f"tgt AS MATERIALIZED (SELECT src.toid, src.rid, src.rn, floor({np} * power((abs(hashint8("
                f"src.rn * 7919 + {seed})) % 1000000) / 1000000.0, 2))::bigint AS pn FROM src), "
                f"par AS MATERIALIZED (SELECT {pc}, row_number() OVER (ORDER BY {order}) - 1 AS pn FROM {prel} p) "
                f"UPDATE {child} AS c SET {sets} FROM tgt AS src JOIN par ON par.pn = src.pn "
                f"WHERE c.tableoid = src.toid AND c.ctid = src.rid {keep_null}"
            )
            try:
                with conn.transaction():
                    conn.execute(sql)
            except Exception as exc:
                report.notes.append(f"{p.name}: could not fill {', '.join(fk.columns)}: {_first_line(exc)}")


def _verify(
    conn: Any, plans: list[TablePlan], loaded: set[str], report: LoadReport, *, skip_fk: bool
) -> None:
    """Count rows per table, and rows violating each CHECK and foreign key (zero: PostgreSQL enforces them)."""
    for p in plans:
        if p.skip and p.name not in loaded:
            continue
        rel = qualify(p.table.schema, p.table.name)
        report.counts[p.name] = conn.execute(f"SELECT count(*) FROM {rel}").fetchone()[0]
        if p.name not in loaded:
            continue
        exprs = [(ck.name or "check", ck.expression) for ck in p.table.checks if ck.expression]
        exprs += [
            (f"{c.domain} on {c.name}", _checks._sql_for(e, c.name)) for c in p.cols for e in c.domain_checks
        ]
        for name, expr in exprs:
            try:
                n = conn.execute(f"SELECT count(*) FROM {rel} WHERE NOT ({expr})").fetchone()[0]
            except Exception as exc:
                report.notes.append(f"check {name} on {p.name} not verified: {_first_line(exc)}")
                continue
            report.check_checked += 1
            report.check_violations += n
        if skip_fk:
            continue
        for fk in p.table.foreign_keys:
            prel = qualify(fk.ref_schema, fk.ref_table)
            cond = " AND ".join(
                f"r.{quote_ident(a)} = c.{quote_ident(b)}" for a, b in zip(fk.ref_columns, fk.columns)
            )
            nn = " AND ".join(f"c.{quote_ident(b)} IS NOT NULL" for b in fk.columns)
            n = conn.execute(
                f"SELECT count(*) FROM {rel} c WHERE {nn} AND NOT EXISTS "
                f"(SELECT 1 FROM {prel} r WHERE {cond})"
            ).fetchone()[0]
            report.fk_checked += 1
            report.fk_violations += n


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
