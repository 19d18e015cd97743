"""A workload benchmark with PostgreSQL's own pgbench: one pgbench script per query, so every query has
its own latency distribution (from pgbench's per-transaction log) and the mix has one TPS figure.

The default workload is derived from the schema and the data in it: primary-key lookups on the biggest
tables, parent-to-children joins along foreign keys, recent-rows range scans on timestamp columns, and
inserts into child tables, each inside ``BEGIN ... ROLLBACK`` so the data stays as it was. Keys are
drawn at random from the keys that exist (``random(min, max)`` when they are dense integers, otherwise
an array of up to 1,000 sampled keys built into the prepared statement). Every query runs once before
the benchmark, so a broken one is reported as an error instead of a pgbench abort.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aishell.dialects.postgres.client import CONNINFO, run_client
from aishell.dialects.postgres.quote import qualify, quote_ident, quote_literal
from aishell.errors import SandboxError, UserError

MAX_PER_KIND = 3
SAMPLE_KEYS = 1000
BIG_TABLES = 3
MAX_PATTERN_QUERIES = 10


@dataclass
class Query:
    name: str
    kind: str
    sql: str  # what the user sees
    script: str  # the pgbench script
    weight: int = 1


def run_benchmark(conninfo: str, *, duration: float = 10.0, clients: int = 4, queries: str | None = None,
                  seed: int | None = None, hints: Any = None) -> dict[str, Any]:
    """Run the workload (``queries`` FILE, else derived from ``hints``' access patterns, the indexes of the
    biggest tables and the foreign keys) with pgbench; per query its latencies and the index serving it."""
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as conn:
        major = int(conn.info.server_version) // 10000
        if queries:
            workload = _user_queries(Path(queries))
            label = f"queries from {queries}"
        else:
            from aishell.dialects.postgres.inspect import inspect

            schema = inspect(conninfo, include_stats=False)
            counts = _row_counts(conn, schema)
            if not any(counts.values()):
                raise UserError("the database holds no rows to benchmark: fill it first with "
                                "`aishell schema test --database TARGET --data-size 100K`, or run "
                                "`aishell schema benchmark --from SOURCE` to generate data on the fly")
            workload = derive_workload(conn, schema, counts, hints=hints)
            if not workload:
                raise UserError("no query to build from this schema (no table with a primary key and rows)")
            kinds = sorted({q.kind for q in workload})
            label = "derived from the schema: " + ", ".join(kinds)
        _dry_run(conn, workload)
        plans = {q.name: explain(conn, q) for q in workload}
    pgbench = _pgbench(major)
    result = _run_pgbench(pgbench, conninfo, workload, duration=duration, clients=clients, seed=seed)
    for q in result["queries"]:
        q.update(plans.get(q["name"], {}))
        q["per_second"] = round(q["count"] / result["seconds"], 1) if result["seconds"] else None
    result.update({"workload": label, "driver": f"pgbench ({pgbench})", "clients": clients,
                   "duration": duration})
    return result


# -- the workload --------------------------------------------------------------------------------------------
def _row_counts(conn: Any, schema: Any) -> dict[str, int]:
    tables = [t for t in schema.tables if not t.partition_of]
    out = {}
    for t in tables:
        out[t.qualified_name] = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {qualify(t.schema, t.name)} LIMIT 10000000) s").fetchone()[0]
    return out


def derive_workload(conn: Any, schema: Any, counts: dict[str, int], hints: Any = None) -> list[Query]:
    tables = {t.qualified_name: t for t in schema.tables if not t.partition_of}
    big = sorted((t for t in tables.values() if counts.get(t.qualified_name)),
                 key=lambda t: -counts[t.qualified_name])
    out: list[Query] = []
    seen: set[tuple] = set()
    for ap in (hints.access_patterns() if hints is not None else []):  # what the design says is asked
        q = _pattern_query(conn, tables, counts, ap, seen)
        if q is not None:
            out.append(q)
    for t in big[:BIG_TABLES]:  # what the indexes of the biggest tables were made for
        for ix in t.indexes:
            if len(out) >= MAX_PATTERN_QUERIES:
                break
            q = _index_query(conn, t, ix, seen)
            if q is not None:
                out.append(q)
    # Primary-key lookups.
    for t in [t for t in big if len(t.primary_key) >= 1][:MAX_PER_KIND]:
        pick = _key_picker(conn, t, t.primary_key, "k")
        if pick is None:
            continue
        setup, exprs = pick
        cond = " AND ".join(f"{quote_ident(c)} = {e}" for c, e in zip(t.primary_key, exprs))
        sql = f"SELECT * FROM {qualify(t.schema, t.name)} WHERE {cond}"
        out.append(Query(f"pk lookup {t.name}", "primary-key lookups", _show(sql), setup + sql + ";\n", 4))
    # Parent -> children joins.
    fks = []
    for t in big:
        for fk in t.foreign_keys:
            parent = tables.get(f"{fk.ref_schema}.{fk.ref_table}")
            if parent is None or parent is t or not counts.get(parent.qualified_name):
                continue
            fks.append((counts[t.qualified_name], t, fk, parent))
    for _n, child, fk, parent in sorted(fks, key=lambda x: -x[0])[:MAX_PER_KIND]:
        pick = _key_picker(conn, parent, fk.ref_columns, "p")
        if pick is None:
            continue
        setup, exprs = pick
        on = " AND ".join(f"c.{quote_ident(a)} = p.{quote_ident(b)}" for a, b in zip(fk.columns, fk.ref_columns))
        cond = " AND ".join(f"p.{quote_ident(c)} = {e}" for c, e in zip(fk.ref_columns, exprs))
        sql = (f"SELECT p.*, c.* FROM {qualify(parent.schema, parent.name)} p JOIN "
               f"{qualify(child.schema, child.name)} c ON {on} WHERE {cond} LIMIT 100")
        out.append(Query(f"join {parent.name} -> {child.name}", "parent-to-children joins", _show(sql),
                         setup + sql + ";\n", 3))
    # Recent rows on timestamp columns.
    n = 0
    for t in big:
        if n >= MAX_PER_KIND:
            break
        col = _time_column(t)
        if col is None:
            continue
        rel = qualify(t.schema, t.name)
        since = conn.execute(f"SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY {quote_ident(col.name)}) "
                             f"FROM {rel}").fetchone()[0]
        if since is None:
            continue
        sql = (f"SELECT * FROM {rel} WHERE {quote_ident(col.name)} >= {quote_literal(str(since))} "
               f"ORDER BY {quote_ident(col.name)} DESC LIMIT 50")
        out.append(Query(f"recent {t.name}.{col.name}", "recent-rows range scans", _show(sql), sql + ";\n", 2))
        n += 1
    # Inserts into child tables (rolled back).
    n = 0
    for t in big:
        if n >= MAX_PER_KIND - 1:
            break
        if not t.foreign_keys or len(t.primary_key) != 1 or t.unique or any(i.unique and not i.constraint
                                                                            for i in t.indexes):
            continue
        pkcol = t.column(t.primary_key[0])
        if pkcol is None or not (pkcol.identity or (pkcol.default or "").startswith("nextval(")):
            continue
        pick = _key_picker(conn, t, t.primary_key, "r")
        if pick is None:
            continue
        setup, exprs = pick
        cols = [c.name for c in t.columns if c.name != pkcol.name and not c.generated and c.identity != "always"]
        collist = ", ".join(quote_ident(c) for c in cols)
        rel = qualify(t.schema, t.name)
        sql = f"INSERT INTO {rel} ({collist}) SELECT {collist} FROM {rel} WHERE {quote_ident(pkcol.name)} = {exprs[0]}"
        out.append(Query(f"insert {t.name}", "inserts into child tables (rolled back)", _show(sql),
                         setup + "BEGIN;\n" + sql + ";\nROLLBACK;\n", 1))
        n += 1
    return out


def _cols_of(t: Any) -> dict[str, Any]:
    return {c.name: c for c in t.columns}


def _is_time(col: Any) -> bool:
    return col is not None and re.match(r"^(timestamp|date)", col.type.lower()) is not None


def _filter_query(conn: Any, t: Any, eq: list[str], rng: str | None, order: str | None, label: str, kind: str,
                  seen: set[tuple], weight: int = 3) -> Query | None:
    """SELECT * FROM t WHERE eq columns = a sampled row's values [AND rng within the day before that
    row's] [ORDER BY order DESC] LIMIT 50: one query per distinct shape."""
    shape = (t.qualified_name, tuple(eq), rng)
    cols = eq + ([rng] if rng else [])
    if shape in seen or not cols:
        return None
    pick = _key_picker(conn, t, cols, "v", dense_ok=False)
    if pick is None:
        return None
    setup, exprs = pick
    conds = [f"{quote_ident(c)} = {e}" for c, e in zip(eq, exprs)]
    if rng:
        e = exprs[-1]
        conds.append(f"{quote_ident(rng)} > {e} - interval '1 day' AND {quote_ident(rng)} <= {e}")
    sql = f"SELECT * FROM {qualify(t.schema, t.name)} WHERE {' AND '.join(conds)}"
    if order:
        sql += f" ORDER BY {quote_ident(order)} DESC"
    sql += " LIMIT 50"
    seen.add(shape)
    return Query(label, kind, _show(sql), setup + sql + ";\n", weight)


def _index_query(conn: Any, t: Any, ix: Any, seen: set[tuple]) -> Query | None:
    """The query an index of a big table was made for: equality on its leading columns, a one-day range
    on a leading timestamp, newest first when the index ends in one."""
    if ix.constraint or not ix.columns or (ix.method or "btree").lower() != "btree" or ix.where:
        return None
    cols = _cols_of(t)
    exprs = ix.expressions or [False] * len(ix.columns)
    eq: list[str] = []
    rng = order = None
    for c, is_expr in zip(ix.columns, exprs):
        if is_expr or c not in cols:
            break
        if _is_time(cols[c]):
            if eq:
                order = c
            else:
                rng = order = c
            break
        eq.append(c)
    if not eq and rng is None:
        return None
    label = f"{t.name} by {', '.join(eq + ([rng] if rng else []))}"
    return _filter_query(conn, t, eq, rng, order, label, "access paths of the biggest tables (their indexes)",
                         seen)


def _pattern_query(conn: Any, tables: dict[str, Any], counts: dict[str, int], ap: Any, seen: set[tuple]
                   ) -> Query | None:
    """A stated access pattern: a dict naming its table and columns (``table``/``entity``, ``columns``/
    ``filter``/``where``/``by``, ``order_by``/``sort``), or a sentence naming them."""
    if isinstance(ap, str):
        text = ap
    elif isinstance(ap, dict):
        text = " ".join(str(v) for v in ap.values() if isinstance(v, (str, list)))
    else:
        return None
    words = re.findall(r"[a-z_][a-z0-9_]*", text.lower())
    t = None
    if isinstance(ap, dict) and isinstance(ap.get("table") or ap.get("entity"), str):
        t = _find_table(tables, ap.get("table") or ap.get("entity"))
    for w in words:
        if t is not None:
            break
        t = _find_table(tables, w)
    if t is None or not counts.get(t.qualified_name):
        return None
    cols = _cols_of(t)
    wanted: list[str] = []
    if isinstance(ap, dict):
        for key in ("columns", "filter", "where", "by", "keys", "lookup"):
            v = ap.get(key)
            for c in (v if isinstance(v, list) else [v] if isinstance(v, str) else []):
                wanted += [x for x in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(c)) if x in cols]
    if not wanted:
        joined = " ".join(words)
        wanted = [c for c in cols if c in words or ("_" in c and c.replace("_", " ") in joined)]
        wanted += [c for c in cols if c.endswith("_id") and c[:-3] in words and c not in wanted]
    order = None
    if isinstance(ap, dict):
        o = ap.get("order_by") or ap.get("sort")
        if isinstance(o, str) and o.split() and o.split()[0] in cols:
            order = o.split()[0]
    eq = [c for c in wanted if not _is_time(cols[c]) and c not in t.primary_key][:3]
    rng = next((c for c in wanted if _is_time(cols[c])), None)
    order = order or rng
    if not eq and rng is None:
        return None
    name = ap.get("name") if isinstance(ap, dict) and isinstance(ap.get("name"), str) else None
    label = name or f"{t.name} by {', '.join(eq + ([rng] if rng else []))}"
    return _filter_query(conn, t, eq, rng, order, f"stated: {label}"[:80], "stated access patterns", seen, 4)


def _find_table(tables: dict[str, Any], word: str) -> Any:
    w = word.lower()
    for t in tables.values():
        n = t.name.lower()
        if w in (n, n[:-1]) or (n.endswith("es") and n[:-2] == w) or (n.endswith("ies") and n[:-3] + "y" == w):
            return t
    return None


def explain(conn: Any, q: Query) -> dict[str, Any]:
    """Which index serves the query, from EXPLAIN of one instance of it (pgbench variables filled)."""
    stmts = [s for s in _instance(q).split(";\n") if s.strip()]
    if not stmts:
        return {"index": None, "plan": None}
    try:
        with conn.transaction(force_rollback=True):
            for s in stmts[:-1]:
                conn.execute(s)
            plan = conn.execute("EXPLAIN (FORMAT JSON) " + stmts[-1]).fetchone()[0]
    except Exception as exc:  # a statement EXPLAIN cannot take (a utility command)
        return {"index": None, "plan": f"not explained: {str(exc).splitlines()[0]}"}
    root = plan[0]["Plan"] if isinstance(plan, list) else plan["Plan"]
    indexes: list[str] = []
    scans: list[str] = []

    def walk(node: dict) -> None:
        name = node.get("Index Name")
        if name and name not in indexes:
            indexes.append(name)
        nt = node.get("Node Type", "")
        if "Scan" in nt:
            rel = node.get("Relation Name")
            scans.append(f"{nt}{' using ' + name if name else ''}{' on ' + rel if rel else ''}")
        for child in node.get("Plans", []):
            walk(child)

    walk(root)
    if indexes:  # a partition's index is reported as the partitioned index it belongs to
        rows = conn.execute(
            "WITH RECURSIVE up(child, top) AS (SELECT c.oid, c.oid FROM pg_class c WHERE c.relname = ANY(%s) "
            "AND c.relkind IN ('i', 'I') UNION ALL SELECT up.child, h.inhparent FROM up "
            "JOIN pg_inherits h ON h.inhrelid = up.top) "
            "SELECT c.relname, t.relname FROM up JOIN pg_class c ON c.oid = up.child JOIN pg_class t ON t.oid = up.top "
            "WHERE NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = up.top)", (indexes,)).fetchall()
        top = dict(rows)
        indexes = list(dict.fromkeys(top.get(i, i) for i in indexes))
    return {"index": ", ".join(indexes) if indexes else None,
            "plan": "; ".join(dict.fromkeys(scans[:6])) or root.get("Node Type")}


def _instance(q: Query) -> str:
    """The query's statements with pgbench variables replaced by the lowest value they can take."""
    body = "\n".join(ln for ln in q.script.splitlines() if not ln.strip().startswith("\\"))
    body = re.sub(r"^\s*(BEGIN|ROLLBACK|COMMIT)\s*;\s*$", "", body, flags=re.MULTILINE | re.IGNORECASE)
    setvals = dict(re.findall(r"\\set\s+(\w+)\s+random\((-?\d+),", q.script))
    return re.sub(r":(\w+)\b", lambda m: setvals.get(m.group(1), m.group(0)), body)


def _show(sql: str) -> str:
    return re.sub(r"\(ARRAY\[[^\]]*\]", "(ARRAY[...]", sql)


def _time_column(t: Any) -> Any:
    cands = [c for c in t.columns if re.match(r"^(timestamp|date)", c.type.lower()) and not c.generated]
    if not cands:
        return None
    indexed = {ix.columns[0] for ix in t.indexes if ix.columns}
    cands.sort(key=lambda c: (c.name not in indexed, not c.name.endswith(("_at", "_date", "_on")), c.nullable))
    return cands[0]


def _key_picker(conn: Any, t: Any, columns: list[str], var: str, dense_ok: bool = True
                ) -> tuple[str, list[str]] | None:
    """(pgbench meta-commands, SQL expression per key column) picking an existing key at random."""
    rel = qualify(t.schema, t.name)
    cols = ", ".join(quote_ident(c) for c in columns)
    if len(columns) == 1:
        col = t.column(columns[0])
        if dense_ok and col is not None and col.type.lower() in ("integer", "bigint", "smallint"):
            lo, hi, n = conn.execute(f"SELECT min({cols}), max({cols}), count({cols}) FROM {rel}").fetchone()
            if n and hi - lo + 1 == n:
                return f"\\set {var} random({lo}, {hi})\n", [f":{var}"]
    rows = conn.execute(f"SELECT {cols} FROM {rel} TABLESAMPLE SYSTEM (100) "
                        f"WHERE {' AND '.join(f'{quote_ident(c)} IS NOT NULL' for c in columns)} "
                        f"ORDER BY random() LIMIT {SAMPLE_KEYS}").fetchall()
    if not rows:
        return None
    types = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0", (rel,)).fetchall()
    tmap = dict(types)
    exprs = []
    for j, c in enumerate(columns):
        lits = ", ".join(quote_literal(str(r[j])) for r in rows)
        exprs.append(f"(ARRAY[{lits}]::{tmap.get(c, 'text')}[])[:{var}]")
    return f"\\set {var} random(1, {len(rows)})\n", exprs


def _user_queries(path: Path) -> list[Query]:
    from aishell.sources import read_text_file

    text = read_text_file(path)
    if not text.strip():
        raise UserError(f"{path}: empty file")
    if re.search(r"^\s*\\", text, re.MULTILINE):  # pgbench meta-commands: the file is one script
        return [Query(path.name, "user script", " ".join(text.split())[:200], text, 1)]
    try:
        from pglast import split

        stmts = [s.strip() for s in split(text) if s.strip()]
    except Exception as exc:
        raise UserError(f"{path}: not valid SQL ({str(exc).splitlines()[0]})") from None
    if not stmts:
        raise UserError(f"{path}: no SQL statements")
    return [Query(f"q{i + 1}", "user queries", " ".join(s.split())[:200], s + ";\n", 1) for i, s in enumerate(stmts)]


def _dry_run(conn: Any, workload: list[Query]) -> None:
    """Run each query once (rolled back) with a key of 1 for pgbench variables: a broken query is an error."""
    for q in workload:
        body = _instance(q)
        try:
            with conn.transaction(force_rollback=True):
                for stmt in [s for s in body.split(";\n") if s.strip()]:
                    conn.execute(stmt)
        except Exception as exc:
            if q.kind in ("user queries", "user script"):
                raise UserError(f"{q.name} fails: {str(exc).splitlines()[0]}") from None
            raise UserError(f"derived query {q.name!r} fails: {str(exc).splitlines()[0]}") from None


# -- running pgbench -------------------------------------------------------------------------------------------
def _pgbench(major: int) -> Path:
    from aishell.dialects.postgres.server import embedded_bin_dir

    cands = []
    if major >= 18:
        cands.append(embedded_bin_dir() / "pgbench")
    cands += [Path(f"/usr/lib/postgresql/{major}/bin/pgbench"), embedded_bin_dir() / "pgbench"]
    for c in cands:
        if c.exists():
            return c
    found = shutil.which("pgbench")
    if found:
        return Path(found)
    raise SandboxError("no pgbench binary on this machine")


def _run_pgbench(pgbench: Path, conninfo: str, workload: list[Query], *, duration: float, clients: int,
                 seed: int | None) -> dict[str, Any]:
    seconds = max(1, int(math.ceil(duration)))
    with tempfile.TemporaryDirectory(prefix="aishell-bench-") as tmp:
        d = Path(tmp)
        os.chmod(d, 0o755)
        args = [str(pgbench), "-n", "-M", "prepared", "-c", str(clients),
                "-j", str(max(1, min(clients, os.cpu_count() or 1))), "-T", str(seconds),
                "--log", f"--log-prefix={d / 'tx'}", "--random-seed", str(seed if seed is not None else "time")]
        if seconds > 60:
            args.append(f"--sampling-rate={max(0.001, 60 / seconds):.4f}")
        for i, q in enumerate(workload):
            f = d / f"q{i}.sql"
            f.write_text(q.script)
            args += ["-f", f"{f}@{q.weight}"]
        args.append(CONNINFO)
        try:
            proc = run_client(args, conninfo, capture_output=True, text=True, timeout=seconds + 120, cwd=d)
        except subprocess.TimeoutExpired:
            raise SandboxError("pgbench did not finish in time") from None
        if proc.returncode not in (0, 2) or "tps =" not in proc.stdout:
            err = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
            from aishell.dialects.postgres.connect import mask_url

            raise SandboxError(f"pgbench failed: {mask_url(err[-1] if err else 'no output')}")
        lat: dict[int, list[int]] = {i: [] for i in range(len(workload))}
        failed: dict[int, int] = {i: 0 for i in range(len(workload))}
        for log in d.glob("tx*"):
            # pgbench reads its clock lazily, so a transaction shorter than that clock's staleness is
            # logged as 0 us; each client runs its transactions back to back (no --rate), so the time
            # between its previous transaction's end and this one's is this one's latency (it matches
            # the logged figure to about 1 us where that is not 0): that is used where pgbench says 0.
            previous_end: dict[str, int] = {}
            with open(log) as fh:
                for line in fh:
                    parts = line.split()
                    if len(parts) < 6:
                        continue
                    script = int(parts[3])
                    end = int(parts[4]) * 1_000_000 + int(parts[5]) if (parts[4] + parts[5]).isdigit() else None
                    before = previous_end.get(parts[0])
                    if end is not None:
                        previous_end[parts[0]] = end
                    if parts[2].isdigit():
                        us = int(parts[2])
                        if us == 0 and end is not None and before is not None:
                            us = end - before
                        lat.setdefault(script, []).append(us)
                    else:
                        failed[script] = failed.get(script, 0) + 1
    out = proc.stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    tx = re.search(r"number of transactions actually processed: (\d+)", out)
    queries = []
    alls: list[int] = []
    for i, q in enumerate(workload):
        v = sorted(lat.get(i, []))
        alls += v
        queries.append({"name": q.name, "kind": q.kind, "sql": q.sql, "weight": q.weight, "count": len(v),
                        "failed": failed.get(i, 0), **_stats(v)})
    alls.sort()
    return {"tps": tps, "transactions": int(tx.group(1)) if tx else len(alls), "seconds": float(seconds),
            "latency_ms": {k.replace("_ms", ""): v for k, v in _stats(alls).items()}, "queries": queries}


def _stats(v: list[int]) -> dict[str, float]:
    if not v:
        return {"avg_ms": 0.0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}

    def pct(p: float) -> float:
        return v[min(len(v) - 1, int(math.ceil(p * len(v))) - 1)] / 1000

    return {"avg_ms": round(sum(v) / len(v) / 1000, 3), "p50_ms": round(pct(0.50), 3),
            "p95_ms": round(pct(0.95), 3), "p99_ms": round(pct(0.99), 3)}
