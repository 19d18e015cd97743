"""Loading a planned data set: one transaction, binary COPY fed by a second process, indexes built after.

The whole run is one transaction. Inside it, the indexes, primary keys, unique constraints and foreign
keys of the tables being filled are dropped (their definitions recorded first), the rows are streamed
with binary ``COPY`` while a forked process generates the next buffers (``stream.py``), each table's
keys and indexes are rebuilt right after its rows (sorted builds instead of row-by-row inserts), and
each foreign key is added back once both its tables hold their rows, which validates every row in one
pass as ``pg_restore`` does. CHECK and NOT NULL constraints stay in place and are checked row by row;
triggers stay enabled (our designs' triggers fire on UPDATE or DELETE only, never during a load;
INSERT triggers are part of what a row means, pagila's full-text column for one). Before COMMIT the
catalog's definitions of every index, constraint and trigger of those tables are compared with the
ones recorded before: any difference aborts the run. Any error, or Ctrl-C, rolls everything back: no
row is left half-loaded and no index missing.

Keys: identity and serial columns are numbered by the generator (and the sequences moved past them),
so children know their parents' keys without reading them back; other parent keys are kept by the
generator as it makes them, or read back from the database when a CHECK filtered the parent's rows.
A table with more existing rows than it receives keeps its indexes and foreign keys (rebuilding them
would cost more than checking the new rows).
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
from aishell.datagen import groups
from aishell.datagen.catalog import ColInfo, read_columns
from aishell.datagen.plan import TablePlan, allocate, build_plans
from aishell.datagen.plan import _propagate_skips as propagate_skips
from aishell.datagen.stream import Producer
from aishell.datagen.values import TEXT_TYPES, Context, partition_rows
from aishell.dialects.postgres.quote import qualify, quote_ident
from aishell.errors import UserError
from aishell.model import Schema

FIXED_ANCHOR = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LOCK_TIMEOUT = "10s"
MAINTENANCE_WORK_MEM = "128MB"

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
    rebuild_seconds: float = 0.0  # summed over the connections that rebuild (they may overlap)
    prepare_seconds: float = 0.0  # reading the catalog, numbering, dropping keys and indexes
    rebuild_wait_seconds: float = 0.0  # after the last row: waiting for the other connections' rebuilds
    wait_seconds: float = 0.0  # the loader waiting for the generator
    copy_seconds: float = 0.0  # from a table's first buffer to its last row in (waits included)
    analyze_seconds: float = 0.0
    seconds_before_analyze: float = 0.0
    rebuilt: dict[str, int] = field(default_factory=dict)
    restored_exactly: bool = False

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
                {"table": t.table, "requested": t.requested, "rows": t.rows, "seconds": round(t.seconds, 3),
                 "rows_per_second": round(t.rows / t.seconds) if t.seconds and t.rows else None,
                 "method": t.method, "skipped": t.skipped, **({"partitions": t.partitions} if t.partitions else {})}
                for t in self.tables
            ],
            "constraints": {
                "foreign_keys_checked": self.fk_checked, "foreign_key_violations": self.fk_violations,
                "checks_checked": self.check_checked, "check_violations": self.check_violations,
                # how the CHECKs were checked: kept in place, PostgreSQL checked every row as it went in
                "checks_enforced_by": "postgresql",
                "verify_seconds": round(self.verify_seconds, 3),
            },
            "rebuilt": {**self.rebuilt, "seconds": round(self.rebuild_seconds, 3),
                        "restored_exactly": self.restored_exactly},
            "end_to_end_seconds": round(self.seconds_before_analyze, 3),
            "end_to_end_rows_per_second": round(self.rows / self.seconds_before_analyze)
            if self.seconds_before_analyze else None,
            "analyze_seconds": round(self.analyze_seconds, 3),
            "waiting_for_rebuilds_seconds": round(self.rebuild_wait_seconds, 3),
            "prepare_seconds": round(self.prepare_seconds, 3),
            "waiting_for_generator_seconds": round(self.wait_seconds, 3),
            "copy_seconds": round(self.copy_seconds, 3),
            "counts": self.counts,
            "notes": self.notes,
        }


# -- public entry points ----------------------------------------------------------------------------------
def plan_data(conninfo: str, total: int, *, seed: int | None = None, throwaway: bool = True,
              schema: Schema | None = None, hints: Any = None
              ) -> tuple[Any, list[TablePlan], dict[str, int], Context]:
    """Inspect the database, and plan ``total`` rows: (schema, plans, existing row counts, context).

    ``hints`` (``volumes.DesignHints``) carries what the design states: scale figures, retention."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.inspect import inspect

    if schema is None:
        schema = inspect(conninfo, include_stats=False)
    # A given seed fixes everything, the time anchor too; otherwise timestamps end today.
    anchor = FIXED_ANCHOR if seed is not None else \
        dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    ctx = Context(seed, anchor, schema, hints)
    with connect(conninfo, autocommit=True) as conn:
        columns = read_columns(conn)
        _prepare_partitions(conn, schema)
        existing = _existing_counts(conn, schema)
    plans = build_plans(schema, columns, ctx, throwaway=throwaway, existing=existing)
    if hints is not None:
        groups.attach(plans, hints, existing)
        propagate_skips(plans, {p.name: p for p in plans}, existing)
    allocate(plans, total, existing, hints=hints)
    groups.fit(plans, {p.name: p for p in plans}, existing)
    return schema, plans, existing, ctx


@dataclass
class _Dropped:
    fks: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # child, parent, rel, name, def
    constraints: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # table: (rel, name, def)
    indexes: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)  # table: (schema, name, def)
    children: dict[str, dict[str, str]] = field(default_factory=dict)  # parent index: {partition: index name}
    comments: list[str] = field(default_factory=list)  # COMMENT statements to replay
    # (rel, key name): (CREATE UNIQUE INDEX ..., "PRIMARY KEY USING INDEX ...") for a key of an ordinary
    # table, so that its index can be built beside the table's other indexes (rebuild.py)
    key_index: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # partitioned index (schema.name): [(partition rel, its index's name, CREATE INDEX on the partition)],
    # when every partition is a plain table; and how a key's partition indexes become keys (USING INDEX)
    leaf_indexes: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    key_using: dict[str, str] = field(default_factory=dict)


def load_data(conninfo: str, plans: list[TablePlan], ctx: Context, *, throwaway: bool,
              existing: dict[str, int], total: int,
              progress: Callable[[str, int, int], None] | None = None, disposable: bool = False) -> LoadReport:
    """Load the planned rows; verify; ANALYZE. Returns the report.

    One transaction, unless ``disposable``: the caller drops the database when this raises (the
    throwaway one), so each table is committed once its rows are in, and its keys, indexes and
    foreign keys are rebuilt on other connections while the next tables load (``rebuild.py``)."""
    from aishell.dialects.postgres.connect import connect

    report = LoadReport(ctx.seed, total)
    t0 = time.perf_counter()
    by_name = {p.name: p for p in plans}
    results = {p.name: TableResult(p.name, p.count) for p in plans}
    report.tables = [results[p.name] for p in plans]
    live = [p for p in plans if not p.skip and p.count > 0]
    for p in plans:
        if p.skip:
            results[p.name].skipped = p.skip
        elif p.count <= 0:
            results[p.name].method = "none"
    with connect(conninfo) as conn:
        if not disposable:  # a throwaway database has no other sessions to wait for
            conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        conn.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        schemas = sorted({p.table.schema for p in plans})
        _number(conn, live, existing)
        retain = _key_routes(conn, plans, by_name, existing)
        for p in live:  # appended combinations may meet existing ones: let the database skip those
            if existing.get(p.name, 0) and (p.combo or p.table.unique):
                p.on_conflict_skip = True
        for p in live:  # range-partitioned tables: rows in partition order (values.interval_gen)
            lay = p.part_layout
            if lay is not None and "widths" in lay:
                lay["rows"] = partition_rows(lay, p.count)
                names = lay.get("names") or []
                lay["parts"] = [names[k] if k < len(names) else None for k in lay["kept"]]
        # The generator starts now: its first buffers are made while the catalog is read and the keys
        # and indexes dropped.
        producer = Producer(plans, ctx, retain)
        producer.start()
        try:
            before = _catalog(conn, schemas)
            # a table with a count or sum trigger keeps its indexes: the trigger counts each row's
            # group, an index scan with them, a scan of the whole table without
            rebuild = [p for p in live if existing.get(p.name, 0) <= p.count and not p.staged
                       and p.group is None]
            dropped = _drop(conn, rebuild, live)
        except BaseException:
            producer.stop()
            raise
        report.rebuilt = {"indexes": sum(len(v) for v in dropped.indexes.values()),
                          "constraints": sum(len(v) for v in dropped.constraints.values()),
                          "foreign_keys": len(dropped.fks)}
        report.prepare_seconds = time.perf_counter() - t0
        pool = None
        if disposable:
            from aishell.datagen.rebuild import RebuildPool

            try:
                conn.commit()  # the other sessions must see the keys and indexes dropped
            except BaseException:
                producer.stop()
                raise
            pool = RebuildPool(conninfo, dropped, report, {p.name for p in plans if p.skip or p.count <= 0},
                               maintenance_work_mem=MAINTENANCE_WORK_MEM)
            # Keys closing a cycle are filled by UPDATE after the load: their foreign keys wait for it.
            pool.hold({(qualify(p.table.schema, p.table.name), fk.name) for p in plans for fk in p.deferred})
        try:
            loaded = _stream(conn, plans, producer, dropped, results, report, progress, existing, pool)
            _fill_deferred(conn, plans, loaded, ctx, report)
            if pool is not None:
                conn.commit()
                w0 = time.perf_counter()
                pool.release()
                pool.drain()
                report.rebuild_wait_seconds = time.perf_counter() - w0
            else:
                _add_foreign_keys(conn, dropped, None, report)
        except BaseException:
            if pool is not None:
                pool.close()
            raise
        report.load_seconds = time.perf_counter() - t0
        v0 = time.perf_counter()
        _verify(conn, plans, loaded, report, results, existing)
        after = _catalog(conn, schemas)
        if after != before:
            diff = sorted(set(before) ^ set(after))[:3]
            raise UserError("the rebuilt indexes and constraints differ from the originals "
                            f"({'; '.join(str(d[:4]) for d in diff)}); nothing was written")
        report.restored_exactly = True
        report.verify_seconds = time.perf_counter() - v0
        conn.commit()
        report.seconds_before_analyze = time.perf_counter() - t0
        a0 = time.perf_counter()
        conn.autocommit = True
        names = [p for p in plans if p.name in loaded]
        if names:
            conn.execute("ANALYZE " + ", ".join(qualify(p.table.schema, p.table.name) for p in names))
        report.analyze_seconds = time.perf_counter() - a0
    report.seconds = time.perf_counter() - t0
    return report


def _stream(conn: Any, plans: list[TablePlan], producer: Any, dropped: _Dropped,
            results: dict[str, TableResult], report: LoadReport, progress: Callable | None,
            existing: dict[str, int], pool: Any = None) -> set[str]:
    """Feed the producer's buffers to COPY, table by table; rebuild each table right after its rows (on
    this connection, or, with a ``pool``, commit and hand the table to the pool's connections)."""
    import psycopg

    from aishell.datagen.encode import HEADER, TRAILER

    loaded: set[str] = set()
    failed: set[str] = set()
    done_tables = {p.name for p in plans if p.skip or p.count <= 0}
    handed: set[str] = set()
    try:
        freezable = _freezable(conn, plans, existing)
        if pool is not None:
            pool.start()  # after the fork: the generator process must not inherit the pool's threads
    except BaseException:
        producer.stop()
        raise

    def rebuild(p: TablePlan) -> None:
        if pool is None:
            _rebuild_table(conn, p, dropped, report)
            return
        conn.commit()
        handed.add(p.name)
        pool.table_done(p)
    state: dict[str, Any] = {"i": None, "cm": None, "cp": None, "cur": None, "sp": None, "t": 0.0, "sent": 0,
                             "stage": None, "inserted": 0, "rounds": 0, "discard": False, "truncated": False,
                             "committed": False, "copied": 0}

    def open_copy(p: TablePlan) -> None:
        target = state["stage"] or qualify(p.table.schema, p.table.name)
        cols = ", ".join(quote_ident(c) for c in (p.copy_order or p.copy_cols))
        fmt = "BINARY" if p.binary else "TEXT"
        freeze = ""
        if not state["stage"] and p.name in freezable and not state["truncated"]:
            state["truncated"] = True
            # An empty table truncated in this transaction gets new files: with wal_level=minimal its rows
            # and indexes are written without WAL, and (not for a partitioned table) its rows go in
            # frozen, so index builds, foreign-key checks and ANALYZE have no hint bits to set. A
            # rollback brings the old (empty) files back.
            conn.execute(f"TRUNCATE {target}")
            freeze = "" if p.table.partition_by else ", FREEZE"
        state["cur"] = conn.cursor()
        state["cm"] = state["cur"].copy(f"COPY {target} ({cols}) FROM STDIN (FORMAT {fmt}{freeze})")
        state["cp"] = state["cm"].__enter__()
        if p.binary:
            state["cp"].write(HEADER)

    def close_copy(p: TablePlan) -> None:
        if state["cp"] is not None:
            if p.binary:
                state["cp"].write(TRAILER)
            state["cm"].__exit__(None, None, None)
            state["cp"] = state["cm"] = None
            # PostgreSQL's own count of the rows COPY stored (a BEFORE trigger may have skipped some)
            state["copied"] += max(state["cur"].rowcount, 0)

    def fail(p: TablePlan, exc: BaseException) -> None:
        state["cp"] = state["cm"] = None
        if state["sp"] is not None:
            state["sp"].__exit__(type(exc), exc, None)
            state["sp"] = None
        results[p.name].skipped = "PostgreSQL refused the rows: " + _first_line(exc)
        results[p.name].rows = 0
        failed.add(p.name)
        state["discard"] = True

    try:
        while True:
            w0 = time.perf_counter()
            msg = producer.get()
            report.wait_seconds += time.perf_counter() - w0
            kind = msg[0]
            if kind == "done":
                break
            if kind == "error":
                raise RuntimeError("generating rows failed: " + msg[1].strip().splitlines()[-1])
            if kind == "ask":
                if msg[1] == "keys":
                    _, _, parent, cols = msg
                    producer.reply(_read_keys(conn, parent, list(cols)))
                    continue
                p = plans[msg[2]]
                answer = 0
                if not state["discard"]:
                    try:
                        close_copy(p)
                        got = _insert_staged(conn, p, state["stage"], p.count - state["inserted"])
                        state["inserted"] += got
                        state["rounds"] += 1
                        if state["inserted"] < p.count and state["rounds"] < 30:
                            answer = p.count - state["inserted"]
                            open_copy(p)
                    except psycopg.Error as exc:
                        fail(p, exc)
                producer.reply(answer)
                continue
            i = msg[1]
            p = plans[i]
            if state["i"] != i:  # a new table
                state.update(i=i, t=time.perf_counter(), sent=0, stage=None, inserted=0, rounds=0,
                             discard=_blocked(p, failed), truncated=False, committed=False, copied=0)
                if state["discard"]:
                    results[p.name].skipped = state["discard"]
                    failed.add(p.name)
                else:
                    state["sp"] = conn.transaction()
                    state["sp"].__enter__()
                    try:
                        if p.staged:
                            state["stage"] = _create_stage(conn, p, i)
                        open_copy(p)
                    except psycopg.Error as exc:
                        fail(p, exc)
            if kind == "part":  # a partition has all its rows: commit them, its indexes are built meanwhile
                parts = (p.part_layout or {}).get("parts") or []
                rel = parts[msg[2]] if msg[2] < len(parts) else None
                if pool is None or state["discard"] or p.staged or rel is None:
                    continue
                try:
                    close_copy(p)
                    state["sp"].__exit__(None, None, None)
                    state["committed"] = True
                    state["sp"] = conn.transaction()
                    state["sp"].__enter__()
                    pool.partition_done(p, rel)
                    open_copy(p)
                except psycopg.Error as exc:
                    fail(p, exc)
                continue
            if kind == "data":
                state["sent"] += msg[2]
                if state["discard"]:
                    continue
                try:
                    state["cp"].write(msg[3])
                except psycopg.Error as exc:
                    fail(p, exc)
                    continue
                if progress and not p.staged:
                    progress(p.name, min(state["sent"], p.count), p.count)
                continue
            # kind == "end"
            res = results[p.name]
            if not state["discard"]:
                try:
                    if p.staged:
                        close_copy(p)
                        conn.execute(f"DROP TABLE {state['stage']}")
                        res.rows, res.method = state["inserted"], "staged (verified in database)"
                    else:
                        close_copy(p)
                        res.rows, res.method = state["copied"], ("binary COPY" if p.binary else "text COPY")
                    report.copy_seconds += time.perf_counter() - state["t"]
                    if pool is None:
                        _rebuild_table(conn, p, dropped, report)
                    state["sp"].__exit__(None, None, None)
                    state["sp"] = None
                    loaded.add(p.name)
                    if pool is not None:
                        rebuild(p)
                    if progress:
                        progress(p.name, res.rows, p.count)
                except psycopg.Error as exc:
                    fail(p, exc)
            if p.name not in loaded:
                if state["committed"]:  # partitions committed before PostgreSQL refused a later row
                    conn.execute(f"TRUNCATE {qualify(p.table.schema, p.table.name)}")
                rebuild(p)  # the table is empty: its indexes back all the same
            res.seconds = time.perf_counter() - state["t"]
            res.partitions = int(p.table.attrs.get("_dg_partition_count", 0))
            done_tables.add(p.name)
            if pool is None:
                _add_foreign_keys(conn, dropped, done_tables, report)
            state["i"] = None
        for p in plans:  # tables the producer had nothing for, or that failed, get their indexes back
            if p.name not in loaded and p.name not in handed:
                rebuild(p)
    except BaseException as exc:  # Ctrl-C or an error mid-COPY: end the COPY so the rollback can run
        if state["cm"] is not None:
            try:
                state["cm"].__exit__(type(exc), exc, exc.__traceback__)
            except BaseException:  # noqa: S110 - the COPY is failing anyway; the rollback follows
                pass
        raise
    finally:
        producer.stop()
    return loaded


def _freezable(conn: Any, plans: list[TablePlan], existing: dict[str, int]) -> set[str]:
    """Empty, ordinary tables without TRUNCATE triggers whose foreign keys are all dropped for the load."""
    out = set()
    for p in plans:
        if p.skip or p.count <= 0 or existing.get(p.name, 0) or p.staged:
            continue
        rel = qualify(p.table.schema, p.table.name)
        busy = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgtype & 32 <> 0) "
            "OR EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f' AND (conrelid = %s::regclass "
            "OR confrelid = %s::regclass)) OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = %s::regclass) "
            "OR EXISTS (SELECT 1 FROM pg_inherits h JOIN pg_trigger t ON t.tgrelid = h.inhrelid "
            "WHERE h.inhparent = %s::regclass AND t.tgtype & 32 <> 0)", (rel,) * 5).fetchone()[0]
        if not busy:
            out.add(p.name)
    return out


def _blocked(p: TablePlan, failed: set[str]) -> str | bool:
    for src in p.fks + [m for kind, m in p.combo if kind == "fk"]:
        if src.parent in failed and not src.self_ref:
            return f"its parent {src.parent} was skipped"
    return False


# -- preparing -------------------------------------------------------------------------------------------
def _existing_counts(conn: Any, schema: Schema) -> dict[str, int]:
    out: dict[str, int] = {}
    tables = [t for t in schema.tables if not t.partition_of]
    if not tables:
        return out
    sql = " UNION ALL ".join(
        f"SELECT {i}, (SELECT count(*) FROM (SELECT 1 FROM {qualify(t.schema, t.name)} LIMIT 1000000) s)"
        for i, t in enumerate(tables))
    for i, n in conn.execute(sql).fetchall():
        out[tables[i].qualified_name] = n
    return out


def _prepare_partitions(conn: Any, schema: Schema) -> None:
    """Record, on a partitioned parent, the key column and the value ranges of its partitions (a DEFAULT
    partition is left out: rows go to the partitions the design made, never all to the default)."""
    children: dict[str, list[Any]] = {}
    for t in schema.tables:
        if t.partition_of:
            children.setdefault(t.partition_of, []).append(t)
    for t in schema.tables:
        if not t.partition_by or t.qualified_name not in children:
            continue
        kids = children[t.qualified_name]
        t.attrs["_dg_partition_count"] = len(kids)
        m = re.match(r"^\s*(RANGE|LIST|HASH)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*|\"[^\"]+\")\s*\)\s*$",
                     t.partition_by, re.IGNORECASE)
        if not m:
            continue
        method, col = m.group(1).upper(), m.group(2).strip('"')
        column = t.column(col)
        if column is None or method != "RANGE":
            continue
        intervals = []
        names = []
        for k in kids:
            bound = (k.partition_bound or "").strip()
            if bound.upper() == "DEFAULT":
                continue
            names.append(qualify(k.schema, k.name) if not k.partition_by else None)
            b = re.match(r"FOR VALUES FROM \((.*)\) TO \((.*)\)\s*$", bound, re.DOTALL)
            if not b or "MINVALUE" in b.group(0).upper() or "MAXVALUE" in b.group(0).upper():
                intervals = []
                break
            lo, hi = conn.execute(f"SELECT {b.group(1)}::{column.type}, {b.group(2)}::{column.type}").fetchone()
            intervals.append((lo, hi))
        if intervals:
            t.attrs["_dg_partition"] = (col, intervals)
            t.attrs["_dg_partition_names"] = names


def _number(conn: Any, live: list[TablePlan], existing: dict[str, int]) -> None:
    """First number of each identity/serial column we fill; the sequence is moved past the new rows now
    (a sequence is not transactional: a rolled-back run leaves a gap, never a collision)."""
    for p in live:
        rel = qualify(p.table.schema, p.table.name)
        for c in p.seq_cols:
            seq = conn.execute("SELECT pg_get_serial_sequence(%s, %s)", (rel, c)).fetchone()[0]
            p.seq_cols[c] = seq
            first = 1
            if existing.get(p.name, 0):
                top = conn.execute(f"SELECT max({quote_ident(c)}) FROM {rel}").fetchone()[0]
                first = max(first, (top or 0) + 1)
            if seq:
                last, called = conn.execute(f"SELECT last_value, is_called FROM {seq}").fetchone()
                first = max(first, last + 1 if called else last)
                conn.execute("SELECT setval(%s, %s, true)", (seq, first + p.count - 1))
            p.seq_first[c] = first


def _key_routes(conn: Any, plans: list[TablePlan], by_name: dict[str, TablePlan], existing: dict[str, int]
                ) -> dict[str, set]:
    """How each foreign key finds its parent's keys: a numbered range, values the producer keeps, or the
    database (read back once the parent is loaded). Returns the columns the producer must keep."""
    from aishell.datagen.rows import KeySpace

    retain: dict[str, set] = {}
    for p in plans:
        p._db_parents = set()  # type: ignore[attr-defined]
        if p.skip or p.count <= 0:
            continue
        for src in p.fks + [m for kind, m in p.combo if kind == "fk"]:
            parent = by_name.get(src.parent)
            ref = tuple(src.fk.ref_columns)
            src.keys = None
            has_rows = existing.get(src.parent, 0) > 0
            if src.self_ref:
                if parent is not None and not (len(ref) == 1 and ref[0] in parent.seq_cols):
                    retain.setdefault(p.name, set()).add(ref)
                continue
            live = parent is not None and not parent.skip and parent.count > 0
            if not live:
                src.keys = _read_keys(conn, src.parent, list(ref)) if has_rows else None
                continue
            if len(ref) == 1 and ref[0] in parent.seq_cols and not parent.staged:
                src.keys = KeySpace.of_range(parent.seq_first[ref[0]], parent.count)
                if has_rows:
                    old = _read_keys(conn, src.parent, list(ref))
                    src.keys.extend(old.cols if old.dense is None else [range(*old.dense)])
                continue
            generated = all(c in parent.copy_cols for c in ref)
            if generated and not parent.staged and not has_rows:
                retain.setdefault(parent.name, set()).add(ref)
            else:
                p._db_parents.add(src.parent)  # type: ignore[attr-defined]
    return retain


def _read_keys(conn: Any, table: str, columns: list[str]) -> Any:
    import numpy as np

    from aishell.datagen.rows import KeySpace

    schema, name = table.split(".", 1)
    rel = qualify(schema, name)
    cols = ", ".join(quote_ident(c) for c in columns)
    notnull = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in columns)
    rows = conn.execute(f"SELECT {cols} FROM {rel} WHERE {notnull} ORDER BY {cols}").fetchall()
    out = []
    for j in range(len(columns)):
        vals = [r[j] for r in rows]
        if vals and all(isinstance(v, int) for v in vals):
            out.append(np.array(vals, dtype=np.int64))
        else:
            out.append(vals)
    return KeySpace.of_values(out)


# -- dropping and rebuilding -------------------------------------------------------------------------------
_CATALOG = """
SELECT 'index', n.nspname, c.relname, x.relname, pg_get_indexdef(i.indexrelid),
       coalesce(obj_description(i.indexrelid, 'pg_class'), ''), x.reltablespace::text, i.indisvalid::text
FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%(s)s)
UNION ALL
SELECT 'constraint', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid),
       coalesce(obj_description(k.oid, 'pg_constraint'), ''), k.convalidated::text, k.contype::text
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(s)s)
UNION ALL
SELECT 'trigger', n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), '', t.tgenabled::text, ''
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(s)s) AND NOT t.tgisinternal
"""


def _catalog(conn: Any, schemas: list[str]) -> list[tuple]:
    """Every index, constraint and trigger of the schemas, as the catalog prints them (sorted)."""
    return sorted(tuple(r) for r in conn.execute(_CATALOG, {"s": schemas}).fetchall())


def _drop(conn: Any, rebuild: list[TablePlan], live: list[TablePlan]) -> _Dropped:
    """Drop the foreign keys touching the tables being filled (a cycle's rows arrive before their parents),
    then the keys and indexes of the tables to rebuild; record each definition."""
    out = _Dropped()
    if not live:
        return out
    oid_of = {p.name: conn.execute("SELECT %s::regclass::oid", (qualify(p.table.schema, p.table.name),)
                                   ).fetchone()[0] for p in live}
    all_oids = list(oid_of.values())
    oids = [oid_of[p.name] for p in rebuild]
    name_of = {oid_of[p.name]: p.name for p in rebuild}
    fks = conn.execute(
        "SELECT k.conrelid, k.confrelid, n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid), "
        "obj_description(k.oid, 'pg_constraint'), pn.nspname || '.' || pc.relname "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_class pc ON pc.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
        "WHERE k.contype = 'f' AND k.conparentid = 0 AND (k.conrelid = ANY(%s) OR k.confrelid = ANY(%s)) "
        "ORDER BY k.oid", (all_oids, all_oids)).fetchall()
    for _child, _parent, schema, table, name, definition, comment, parent in fks:
        rel = qualify(schema, table)
        conn.execute(f"ALTER TABLE {rel} DROP CONSTRAINT {quote_ident(name)}")
        out.fks.append((f"{schema}.{table}", parent, rel, name, definition))
        if comment is not None:
            out.comments.append(("fk", f"{schema}.{table}", _comment("CONSTRAINT", quote_ident(name) + f" ON {rel}",
                                                                     comment)))
    cons = conn.execute(
        "SELECT k.conrelid, n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid), k.conindid, "
        "obj_description(k.oid, 'pg_constraint'), obj_description(k.conindid, 'pg_class'), "
        "CASE WHEN c.relkind = 'r' AND x.relname = k.conname THEN pg_get_indexdef(k.conindid) END, "
        "k.contype, k.condeferrable, k.condeferred, t.spcname "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_index i ON i.indexrelid = k.conindid JOIN pg_class x ON x.oid = k.conindid "
        "LEFT JOIN pg_tablespace t ON t.oid = x.reltablespace "
        "WHERE k.contype IN ('p', 'u') AND k.conparentid = 0 AND k.conrelid = ANY(%s) "
        "AND NOT i.indisclustered AND NOT i.indisreplident ORDER BY k.oid", (oids,)).fetchall()
    for relid, schema, table, name, definition, indid, comment, icomment, idef, kind, dfr, dfd, space in cons:
        owner = name_of[relid]
        rel = qualify(schema, table)
        using = f"{'PRIMARY KEY' if kind == 'p' else 'UNIQUE'} USING INDEX %s"
        using += (" DEFERRABLE" if dfr else "") + (" INITIALLY DEFERRED" if dfd else "")
        if idef:
            out.key_index[(rel, name)] = (idef + (f" TABLESPACE {quote_ident(space)}" if space else ""),
                                          using % quote_ident(name))
        _leaf_indexes(conn, out, schema, name, indid)
        out.key_using[f"{schema}.{name}"] = using
        out.children[f"{schema}.{name}"] = _child_indexes(conn, indid)
        conn.execute(f"ALTER TABLE {rel} DROP CONSTRAINT {quote_ident(name)}")
        out.constraints.setdefault(owner, []).append((rel, name, definition))
        if comment is not None:
            out.comments.append(("table", owner, _comment("CONSTRAINT", quote_ident(name) + f" ON {rel}", comment)))
        if icomment is not None:
            out.comments.append(("table", owner, _comment("INDEX", qualify(schema, name), icomment)))
    idx = conn.execute(
        "SELECT i.indrelid, n.nspname, x.relname, pg_get_indexdef(i.indexrelid), i.indexrelid, "
        "obj_description(i.indexrelid, 'pg_class'), t.spcname "
        "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace n ON n.oid = x.relnamespace "
        "LEFT JOIN pg_tablespace t ON t.oid = x.reltablespace "
        "WHERE i.indrelid = ANY(%s) AND NOT x.relispartition AND NOT i.indisclustered AND NOT i.indisreplident "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = i.indexrelid AND d.deptype = 'i') "
        "ORDER BY x.oid", (oids,)).fetchall()
    for relid, schema, name, definition, indid, comment, space in idx:
        owner = name_of[relid]
        out.children[f"{schema}.{name}"] = _child_indexes(conn, indid)
        _leaf_indexes(conn, out, schema, name, indid)
        conn.execute(f"DROP INDEX {qualify(schema, name)}")
        definition = re.sub(r" ON ONLY ", " ON ", definition, count=1)
        if space:
            definition += f" TABLESPACE {quote_ident(space)}"
        out.indexes.setdefault(owner, []).append((schema, name, definition))
        if comment is not None:
            out.comments.append(("table", owner, _comment("INDEX", qualify(schema, name), comment)))
    return out


def _leaf_indexes(conn: Any, out: _Dropped, schema: str, name: str, index_oid: int) -> None:
    """Record the partitions' own index definitions of a partitioned index whose partitions are all plain
    tables: they can then be built one by one, side by side, and attached by the parent's CREATE INDEX."""
    rows = conn.execute(
        "SELECT pn.nspname, pc.relname, x.relname, pg_get_indexdef(i.indexrelid), pc.relkind, t.spcname "
        "FROM pg_inherits h JOIN pg_index i ON i.indexrelid = h.inhrelid JOIN pg_class x ON x.oid = i.indexrelid "
        "JOIN pg_class pc ON pc.oid = i.indrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
        "LEFT JOIN pg_tablespace t ON t.oid = x.reltablespace WHERE h.inhparent = %s ORDER BY pc.oid",
        (index_oid,)).fetchall()
    if not rows or any(r[4] != "r" for r in rows):
        return
    out.leaf_indexes[f"{schema}.{name}"] = [
        (qualify(ps, pt), iname, idef + (f" TABLESPACE {quote_ident(space)}" if space else ""))
        for ps, pt, iname, idef, _kind, space in rows]


def _comment(kind: str, target: str, text: str) -> str:
    from aishell.dialects.postgres.quote import quote_literal

    return f"COMMENT ON {kind} {target} IS {quote_literal(text)}"


def _child_indexes(conn: Any, index_oid: int) -> dict[str, str]:
    """{partition (schema.table): its index's name} for a partitioned index (empty otherwise)."""
    rows = conn.execute(
        "WITH RECURSIVE tree(oid) AS (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s "
        "UNION ALL SELECT h.inhrelid FROM pg_inherits h JOIN tree ON h.inhparent = tree.oid) "
        "SELECT n.nspname || '.' || c.relname, x.relname FROM tree JOIN pg_index i ON i.indexrelid = tree.oid "
        "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace", (index_oid,)).fetchall()
    return dict(rows)


def _rename_children(conn: Any, schema: str, name: str, wanted: dict[str, str]) -> None:
    """Partition indexes made by a rebuild on the parent get the names they had."""
    if not wanted:
        return
    oid = conn.execute("SELECT %s::regclass::oid", (qualify(schema, name),)).fetchone()[0]
    now = _child_indexes(conn, oid)
    for part, current in now.items():
        old = wanted.get(part)
        if old and old != current:
            conn.execute(f"ALTER INDEX {qualify(part.split('.', 1)[0], current)} RENAME TO {quote_ident(old)}")


def _rebuild_table(conn: Any, p: TablePlan, dropped: _Dropped, report: LoadReport) -> None:
    t0 = time.perf_counter()
    for rel, name, definition in dropped.constraints.pop(p.name, []):
        conn.execute(f"ALTER TABLE {rel} ADD CONSTRAINT {quote_ident(name)} {definition}")
        _rename_children(conn, p.table.schema, name, dropped.children.get(f"{p.table.schema}.{name}", {}))
    for schema, name, definition in dropped.indexes.pop(p.name, []):
        conn.execute(definition)
        _rename_children(conn, schema, name, dropped.children.get(f"{schema}.{name}", {}))
    for kind, owner, sql in dropped.comments:
        if kind == "table" and owner == p.name:
            conn.execute(sql)
    report.rebuild_seconds += time.perf_counter() - t0


def _add_foreign_keys(conn: Any, dropped: _Dropped, done: set[str] | None, report: LoadReport) -> None:
    """Add back the foreign keys whose two tables are complete (all of them when ``done`` is None)."""
    t0 = time.perf_counter()
    held = getattr(dropped, "held", set())
    keep = []
    for child, parent, rel, name, definition in dropped.fks:
        if done is not None and (child not in done or parent not in done or (rel, name) in held):
            keep.append((child, parent, rel, name, definition))
            continue
        conn.execute(f"ALTER TABLE {rel} ADD CONSTRAINT {quote_ident(name)} {definition}")
        report.fk_checked += 1
        for kind, owner, sql in dropped.comments:
            if kind == "fk" and owner == child and quote_ident(name) in sql:
                conn.execute(sql)
    dropped.fks = keep
    report.rebuild_seconds += time.perf_counter() - t0


# -- staged tables -------------------------------------------------------------------------------------------
def _create_stage(conn: Any, p: TablePlan, i: int) -> str:
    stage = quote_ident(f"_aishell_stage_{i}")
    typed = ", ".join(f"{quote_ident(c.name)} {_stage_type(conn, c)}" for c in p.cols if not c.generated)
    conn.execute(f"CREATE TEMP TABLE {stage} ({typed}) ON COMMIT DROP")
    return stage


def _insert_staged(conn: Any, p: TablePlan, stage: str, want: int) -> int:
    """Rows of the stage passing the table's checks (and not conflicting) go in; the stage is emptied."""
    rel = qualify(p.table.schema, p.table.name)
    cols = ", ".join(quote_ident(c) for c in p.copy_cols)
    where = " AND ".join(f"({f})" for f in p.filters) or "true"
    conflict = " ON CONFLICT DO NOTHING" if p.on_conflict_skip else ""
    if want <= 0:
        conn.execute(f"TRUNCATE {stage}")
        return 0
    override = " OVERRIDING SYSTEM VALUE" if any((p.col(c).identity or "") == "a" for c in p.copy_cols) else ""
    cur = conn.execute(f"INSERT INTO {rel} ({cols}){override} SELECT {cols} FROM {stage} WHERE {where} "
                       f"LIMIT {want}{conflict}")
    conn.execute(f"TRUNCATE {stage}")
    return cur.rowcount


def _stage_type(conn: Any, c: ColInfo) -> str:
    if not c.is_array and c.base in TEXT_TYPES and c.base != "citext":
        return "text"  # char(n) without its length would be char(1); the table checks the length
    oid = c.base_oid if not c.is_array else c.type_oid
    return conn.execute("SELECT format_type(%s, NULL)", (oid,)).fetchone()[0]


def _fill_deferred(conn: Any, plans: list[TablePlan], loaded: set[str], ctx: Context, report: LoadReport) -> None:
    """Foreign keys closing a cycle whose keys were not known ahead: one UPDATE per key after the load."""
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
            sets = ", ".join(f"{quote_ident(c)} = par.{quote_ident(r)}" for c, r in zip(fk.columns, fk.ref_columns))
            first = quote_ident(fk.columns[0])
            only_new = f"WHERE {first} IS NULL" if nullable else ""
            keep_null = "AND src.rn % 10 <> 1" if nullable else ""
            seed = ctx.seed % 1000003
            np_ = conn.execute(f"SELECT count(*) FROM {prel}").fetchone()[0]
            sql = (
                f"WITH src AS MATERIALIZED (SELECT tableoid AS toid, ctid AS rid, "
                f"row_number() OVER (ORDER BY tableoid, ctid) AS rn FROM {child} {only_new}), "
                f"tgt AS MATERIALIZED (SELECT src.toid, src.rid, src.rn, floor({np_} * power((abs(hashint8("
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


def _verify(conn: Any, plans: list[TablePlan], loaded: set[str], report: LoadReport,
            results: dict[str, TableResult], existing: dict[str, int]) -> None:
    """Row counts, and the CHECK constraints PostgreSQL enforced on the new rows.

    No scan: the CHECKs (and domains' checks) stay in place during the load, so PostgreSQL checked each
    of them on every row COPY or INSERT stored and every row the cycle-closing UPDATEs changed; a row
    breaking one would have failed its table. A scan for violations could only find zero (measured:
    0.23-0.30 s of PostgreSQL CPU per 1M-row run). A loaded table's count is PostgreSQL's own count of
    the rows stored (COPY's and INSERT's command tags) plus the rows it had."""
    for p in plans:
        if p.skip:
            continue
        rel = qualify(p.table.schema, p.table.name)
        had = existing.get(p.name, 0)
        if p.name in loaded and had < 1_000_000:  # _existing_counts counts up to a million
            report.counts[p.name] = had + results[p.name].rows
            report.check_checked += len(_enforced_checks(p)) if results[p.name].rows else 0
        else:
            report.counts[p.name] = conn.execute(f"SELECT count(*) FROM {rel}").fetchone()[0]
            if p.name in loaded and results[p.name].rows:
                report.check_checked += len(_enforced_checks(p))


def _enforced_checks(p: TablePlan) -> list[str]:
    """The table's CHECK constraints and its columns' domain checks: PostgreSQL checks each on every row."""
    return [ck.expression for ck in p.table.checks if ck.expression] + \
        [_checks._sql_for(e, c.name) for c in p.cols for e in c.domain_checks]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
