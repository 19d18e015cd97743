"""Workload analysis: pg_stat_statements, a server log, or a file of queries, parsed with PostgreSQL's
own parser (pglast).

Each normalised statement is parsed into the tables it reads and the columns it filters, joins,
sorts and groups on; its calls and execution time are attributed to those tables and columns.
``calls_per_hour`` is ``calls / hours`` of the window the source covers (since pg_stat_statements was
last reset; from the first to the last entry of a log): an exact average over that window. A file of
queries has no window: it gives calls (each statement once, or ``-- calls: N`` before it), no rates.
Our own probes carry the ``aishell-analyze`` marker and are left out.

A log (``--query-log``) is PostgreSQL's csvlog, jsonlog or stderr output with
``log_min_duration_statement`` (``duration: ... statement:``/``execute``) or auto_explain
(``duration: ... plan:`` with ``Query Text``): constants are replaced by parameters (pglast's
normalize, as pg_stat_statements does) so that one statement shape is one entry; a plan and the
duration line of the same execution count once.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aishell.analyze.findings import Evidence, exact
from aishell.analyze.probes.session import PROBE_ALIAS, ProbeFailed

if TYPE_CHECKING:
    from aishell.analyze.context import AnalysisContext
    from aishell.model import Schema

ENABLE_HINT = (
    "add shared_preload_libraries = 'pg_stat_statements' to postgresql.conf, restart the server, "
    "then run CREATE EXTENSION pg_stat_statements in this database; or give a server log "
    "(--query-log FILE: csvlog, jsonlog or stderr with log_min_duration_statement = 0, or auto_explain) "
    "or a file of queries (--queries FILE)"
)
AGGREGATES = {
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "array_agg",
    "string_agg",
    "json_agg",
    "jsonb_agg",
    "bool_and",
    "bool_or",
    "every",
    "stddev",
    "variance",
    "percentile_cont",
    "percentile_disc",
}
RANGE_OPS = {"<", ">", "<=", ">="}


@dataclass
class Use:
    table: str
    column: str
    role: str  # eq | in | range | like | ilike | null | notnull | join | sort | group | expr
    detail: str | None = None  # function name for expression filters, partner for joins


@dataclass
class Statement:
    queryid: int | None
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int
    tables: set[str] = field(default_factory=set)
    uses: list[Use] = field(default_factory=list)
    selected: dict[str, set[str]] = field(default_factory=dict)
    star: bool = False
    aggregate: bool = False
    kind: str = "select"
    params: int = 0

    def uses_of(self, table: str) -> list[Use]:
        return [u for u in self.uses if u.table == table]


class Workload:
    def __init__(self) -> None:
        self.available = False
        self.reason = ""
        self.statements: list[Statement] = []
        self.unparsed = 0
        self.stats_reset: datetime | None = None
        self.now: datetime | None = None
        self.total_ms = 0.0
        self.checked_with: str | None = None
        self.source = "pg_stat_statements"
        # A file of queries lists what runs, not how often: every statement counts, rates are unknown.
        self.min_calls_apply = True
        self.notes: list[str] = []

    @property
    def hours(self) -> float:
        if not self.stats_reset or not self.now:
            return 0.0
        return max((self.now - self.stats_reset).total_seconds() / 3600.0, 1e-9)

    def per_hour(self, calls: int) -> float:
        return calls / self.hours if self.hours else 0.0

    def rate_text(self, calls: int) -> str:
        if not self.hours:
            return f"{calls:,} calls in {self.source}"
        return f"{self.per_hour(calls):,.1f} calls/hour"

    def rate_evidence(self, calls: int, label: str = "calls_per_hour") -> Evidence | None:
        if not self.hours:
            return None  # a file of queries: no time window, no rate
        if self.source == "pg_stat_statements":
            since = (
                f"calls / {self.hours:.2f} h since pg_stat_statements reset ({self.stats_reset:%Y-%m-%d %H:%M})"
                if self.stats_reset
                else "calls / hours since reset"
            )
        else:
            since = f"calls / {self.hours:.4f} h from the first to the last entry of {self.source}"
        return exact(label, round(self.per_hour(calls), 2), "calls/hour", since)

    def table_calls(self, table: str) -> int:
        return sum(s.calls for s in self.statements if table in s.tables)

    def column_usage_evidence(self, table: str, columns: list[str]) -> list[Evidence]:
        hits = [
            s
            for s in self.statements
            if any(
                u.table == table and u.column in columns and u.role in ("join", "eq", "in", "range")
                for u in s.uses
            )
        ]
        if not hits:
            return []
        calls = sum(s.calls for s in hits)
        total = self.table_calls(table)
        ev = [
            exact("workload_calls", calls, "calls", f"calls in {self.source} of statements using the column"),
        ]
        rate = self.rate_evidence(calls)
        if rate is not None:
            ev.append(rate)
        if total:
            ev.append(
                exact(
                    "share_of_table_calls",
                    round(100.0 * calls / total, 1),
                    "%",
                    f"of {total:,} calls touching {table}",
                )
            )
        return ev

    def summary(self) -> dict[str, Any]:
        if not self.available:
            return {"available": False, "reason": self.reason}
        tables: dict[str, dict[str, float]] = defaultdict(lambda: {"calls": 0, "total_ms": 0.0})
        for s in self.statements:
            for t in s.tables:
                tables[t]["calls"] += s.calls
                tables[t]["total_ms"] += s.total_ms
        rows = [
            {
                "table": t,
                "calls": int(v["calls"]),
                "calls_per_hour": round(self.per_hour(int(v["calls"])), 2),
                "total_ms": round(v["total_ms"], 2),
                "share_of_time": round(100 * v["total_ms"] / self.total_ms, 1) if self.total_ms else 0.0,
            }
            for t, v in tables.items()
        ]
        rows.sort(key=lambda r: -r["total_ms"])
        cols: dict[tuple[str, str], dict[str, Any]] = {}
        for s in self.statements:
            for u in {(u.table, u.column, u.role) for u in s.uses}:
                c = cols.setdefault(u[:2], {"calls": 0, "total_ms": 0.0, "roles": set()})
                c["roles"].add(u[2])
            for key in {(u.table, u.column) for u in s.uses}:
                cols[key]["calls"] += s.calls
                cols[key]["total_ms"] += s.total_ms
        col_rows = [
            {
                "table": t,
                "column": c,
                "calls": v["calls"],
                "calls_per_hour": round(self.per_hour(v["calls"]), 2),
                "total_ms": round(v["total_ms"], 2),
                "used_for": sorted(v["roles"]),
            }
            for (t, c), v in cols.items()
        ]
        col_rows.sort(key=lambda r: -r["total_ms"])
        return {
            "available": True,
            "source": self.source,
            "statements": len(self.statements),
            "calls": sum(s.calls for s in self.statements),
            "hours": round(self.hours, 4),
            "stats_reset": str(self.stats_reset) if self.stats_reset else None,
            "total_ms": round(self.total_ms, 2),
            "tables": rows,
            "columns": col_rows[:100],
            "unparsed": self.unparsed,
            "index_check": self.checked_with,
            "kind": "exact",
            "top_statements": [
                {
                    "query": s.query,
                    "calls": s.calls,
                    "calls_per_hour": round(self.per_hour(s.calls), 2),
                    "mean_ms": round(s.mean_ms, 3),
                    "total_ms": round(s.total_ms, 2),
                    "tables": sorted(s.tables),
                }
                for s in self.statements[:100]
            ],
        }


def read_workload(ctx: AnalysisContext) -> Workload:
    if ctx.options.query_log:
        return read_query_log(ctx.options.query_log, ctx.schema, ctx.stats.database.get("name"))
    if ctx.options.queries_file:
        return read_query_file(ctx.options.queries_file, ctx.schema)
    wl = Workload()
    session = ctx.session
    assert session is not None
    if "pg_stat_statements" not in ctx.stats.extensions:
        wl.reason = f"pg_stat_statements is not installed in this database: {ENABLE_HINT}"
        return wl
    try:
        info = (
            session.query("SELECT stats_reset, now() FROM pg_stat_statements_info")
            if session.major >= 14
            else []
        )
        rows = session.query_dicts(
            "SELECT s.queryid, s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.rows "
            "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE d.datname = current_database() AND s.query NOT LIKE %s "
            "ORDER BY s.total_exec_time DESC LIMIT 5000",
            (f"%{PROBE_ALIAS}%",),
            timeout_ms=max(session.timeout_ms, 15000),
        )
    except ProbeFailed as exc:
        wl.reason = f"pg_stat_statements cannot be read ({exc}): {ENABLE_HINT}"
        return wl
    wl.available = True
    if info:
        wl.stats_reset, wl.now = info[0]
    else:  # PostgreSQL 13: the database's statistics reset time is the best window we have
        wl.stats_reset = ctx.stats.database.get("stats_reset")
        wl.now = ctx.stats.database.get("now")
    merged: dict[str, Statement] = {}
    for r in rows:
        st = parse_statement(r["query"], ctx.schema)
        if st is None:
            wl.unparsed += 1
            continue
        if not st.tables:
            continue  # catalog or utility statements
        key = r["query"]
        if key in merged:  # same text under different users or top-level flags
            m = merged[key]
            m.calls += int(r["calls"])
            m.total_ms += float(r["total_exec_time"])
            m.mean_ms = m.total_ms / max(m.calls, 1)
            continue
        st.queryid, st.calls = r["queryid"], int(r["calls"])
        st.total_ms, st.mean_ms, st.rows = (
            float(r["total_exec_time"]),
            float(r["mean_exec_time"]),
            int(r["rows"]),
        )
        merged[key] = st
    wl.statements = sorted(merged.values(), key=lambda s: -s.total_ms)
    wl.total_ms = sum(s.total_ms for s in wl.statements)
    return wl


# -- logs and files ------------------------------------------------------------------------------
_DURATION = re.compile(
    r"^duration: ([0-9.]+) ms\s+(statement|execute [^:]*|plan):\s*(.*)$", re.DOTALL
)
_STATEMENT = re.compile(r"^(statement|execute [^:]*):\s*(.*)$", re.DOTALL)
_STDERR_START = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


@dataclass
class LogEntry:
    at: datetime | None
    session: str
    database: str | None
    message: str


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    m = re.match(r"(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)", text)
    if not m:
        return None
    try:
        return datetime.fromisoformat(m.group(1).replace("T", " "))
    except ValueError:
        return None


def _log_entries(text: str) -> tuple[str, list[LogEntry]]:
    """(format, entries) of a csvlog, jsonlog or stderr log."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if first.lstrip().startswith("{"):
        out = []
        for ln in text.splitlines():
            if not ln.strip():
                continue
            try:
                d = json.loads(ln)
            except ValueError:
                continue
            out.append(LogEntry(_parse_time(d.get("timestamp")), str(d.get("session_id") or d.get("pid")),
                                d.get("dbname"), d.get("message") or ""))
        return "jsonlog", out
    if re.match(r"^\d{4}-\d{2}-\d{2} [0-9:.]+ \S*,", first):
        import csv
        import io

        out = []
        for row in csv.reader(io.StringIO(text)):
            if len(row) < 14:
                continue
            out.append(LogEntry(_parse_time(row[0]), row[5] or row[3], row[2] or None, row[13]))
        return "csvlog", out
    records: list[list[str]] = []
    for ln in text.splitlines():
        if _STDERR_START.match(ln) or not records:
            records.append([ln])
        else:
            records[-1].append(ln)
    out = []
    for rec in records:
        head = rec[0]
        m = re.search(r"\b(LOG|STATEMENT|DETAIL|ERROR|WARNING|NOTICE|FATAL|PANIC|INFO|DEBUG\d?):  (.*)$", head)
        if not m or m.group(1) != "LOG":
            continue
        pid = re.search(r"\[(\d+)\]", head)
        db = re.search(r"\bdb=([^\s,]+)", head)
        body = "\n".join([m.group(2), *(ln.removeprefix("\t") for ln in rec[1:])])
        out.append(LogEntry(_parse_time(head), pid.group(1) if pid else "", db.group(1) if db else None, body))
    return "stderr", out


def _plan_query(body: str) -> str | None:
    """The query text of an auto_explain plan (text or JSON format)."""
    body = body.strip()
    if body.startswith("{"):
        try:
            return json.loads(body).get("Query Text")
        except ValueError:
            return None
    m = re.search(r"^Query Text: (.*?)(?:\n(?:Query Parameters:|\S[^\n]*\(cost=)|\Z)", body, re.DOTALL | re.MULTILINE)
    return m.group(1).strip() if m else None


def read_query_log(path: str, schema: Schema, database: str | None) -> Workload:
    """The workload a PostgreSQL log records (see the module docstring for the formats)."""
    from aishell.sources import read_text_file

    wl = Workload()
    wl.source = f"the log {path}"
    try:
        text = read_text_file(Path(path))
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable file is reported, not raised
        wl.reason = f"query log {path} cannot be read: {exc}"
        return wl
    fmt, entries = _log_entries(text)
    dbs = {e.database for e in entries if e.database}
    if database and database in dbs:
        entries = [e for e in entries if e.database in (database, None)]
    elif dbs and database:
        wl.notes.append(
            f"the log's entries are from {', '.join(sorted(dbs))}, not {database}: used as this database's workload"
        )
    calls: list[tuple[str, float, datetime | None]] = []
    pending: dict[str, tuple[str, float, datetime | None]] = {}  # auto_explain plans waiting for their line
    for e in entries:
        m = _DURATION.match(e.message.strip())
        if m:
            ms, what, rest = float(m.group(1)), m.group(2), m.group(3)
            if what == "plan":
                q = _plan_query(rest)
                if q:
                    if e.session in pending:
                        calls.append(pending.pop(e.session))
                    pending[e.session] = (q, ms, e.at)
                continue
            query = rest
        else:
            m = _STATEMENT.match(e.message.strip())
            if not m:
                continue
            ms, query = 0.0, m.group(2)
        prev = pending.pop(e.session, None)
        if prev is not None and " ".join(prev[0].split()) != " ".join(query.split()):
            calls.append(prev)  # the plan of another statement: both count
        calls.append((query, ms, e.at))
    calls.extend(pending.values())
    if not calls:
        wl.reason = (
            f"the log {path} ({fmt}) holds no statements: set log_min_duration_statement = 0 (or load "
            "auto_explain with auto_explain.log_min_duration = 0) for the period to capture"
        )
        return wl
    times = [t for _, _, t in calls if t is not None]
    if times:
        wl.stats_reset, wl.now = min(times), max(times)
    _fill(wl, [(q, 1, ms) for q, ms, _ in calls], schema)
    return wl


def read_query_file(path: str, schema: Schema) -> Workload:
    """A file of SQL statements, each run once (or ``-- calls: N`` times, written before it)."""
    from pglast import split

    from aishell.sources import read_text_file

    wl = Workload()
    wl.source = f"the file {path}"
    wl.min_calls_apply = False
    try:
        text = read_text_file(Path(path))
        stmts = split(text)
    except Exception as exc:  # noqa: BLE001 - reported as the reason the workload rules are skipped
        wl.reason = f"queries file {path} cannot be read: {str(exc).splitlines()[0] if str(exc) else exc}"
        return wl
    items = []
    pos = 0
    for stmt in stmts:
        at = text.find(stmt, pos)
        before = text[pos:at] if at >= 0 else ""
        pos = at + len(stmt) if at >= 0 else pos
        m = re.findall(r"--\s*calls:\s*(\d+)", before)
        items.append((stmt, int(m[-1]) if m else 1, 0.0))
    if not items:
        wl.reason = f"queries file {path} holds no statements"
        return wl
    _fill(wl, items, schema)
    return wl


def _fill(wl: Workload, items: list[tuple[str, int, float]], schema: Schema) -> None:
    """Normalise, parse and merge (query, calls, milliseconds) items into ``wl.statements``."""
    from pglast.parser import fingerprint, normalize

    merged: dict[str, Statement] = {}
    for query, calls, ms in items:
        query = query.strip().rstrip(";").strip()
        if not query:
            continue
        try:
            norm = normalize(query)
            key = fingerprint(query)
        except Exception:  # noqa: BLE001 - PostgreSQL's parser rejects it
            wl.unparsed += 1
            continue
        if key in merged:
            m = merged[key]
            m.calls += calls
            m.total_ms += ms
            m.mean_ms = m.total_ms / max(m.calls, 1)
            continue
        st = parse_statement(norm, schema)
        if st is None:
            wl.unparsed += 1
            continue
        if not st.tables or PROBE_ALIAS in norm:
            continue
        st.calls, st.total_ms, st.mean_ms = calls, ms, ms / max(calls, 1)
        merged[key] = st
    wl.available = bool(merged)
    if not merged:
        wl.reason = f"no statement of {wl.source} reads a table of this schema"
    wl.statements = sorted(merged.values(), key=lambda s: (-s.total_ms, -s.calls))
    wl.total_ms = sum(s.total_ms for s in wl.statements)


# -- parsing ---------------------------------------------------------------------------------------
def parse_statement(query: str, schema: Schema) -> Statement | None:
    """Tables and column uses of one normalised statement; None when PostgreSQL's parser rejects it."""
    from pglast import parser

    try:
        tree = json.loads(parser.parse_sql_json(query))
    except Exception:
        return None
    stmts = tree.get("stmts") or []
    if len(stmts) != 1:
        return None
    node = stmts[0].get("stmt", {})
    kind = next(iter(node), "")
    st = Statement(
        None,
        query,
        0,
        0.0,
        0.0,
        0,
        kind={
            "SelectStmt": "select",
            "UpdateStmt": "update",
            "DeleteStmt": "delete",
            "InsertStmt": "insert",
        }.get(kind, "other"),
    )
    if st.kind == "other":
        return st
    st.params = max([int(m) for m in re.findall(r"\$(\d+)", query)] or [0])
    _Walker(st, schema).statement(node)
    return st


class _Walker:
    def __init__(self, st: Statement, schema: Schema):
        self.st = st
        self.schema = schema
        self.tables = {t.name: t for t in schema.tables}
        self.qtables = {t.qualified_name: t for t in schema.tables}

    # scopes: alias -> qualified table name
    def statement(self, node: dict) -> None:
        kind, body = next(iter(node.items()))
        scope: dict[str, str] = {}
        if kind == "SelectStmt":
            self.select(body, scope)
        elif kind in ("UpdateStmt", "DeleteStmt"):
            self.rangevar(body.get("relation", {}), scope)
            for item in body.get("fromClause", []) + body.get("usingClause", []):
                self.from_item(item, scope)
            self.expr(body.get("whereClause"), scope)
        elif kind == "InsertStmt":
            self.rangevar(body.get("relation", {}), scope)
            sel = body.get("selectStmt")
            if sel and "SelectStmt" in sel:
                self.select(sel["SelectStmt"], {})

    def select(self, body: dict, outer: dict[str, str]) -> None:
        if body.get("op") not in (None, "SETOP_NONE"):
            for side in ("larg", "rarg"):
                if body.get(side):
                    self.select(body[side], dict(outer))
            return
        for cte in (body.get("withClause") or {}).get("ctes", []):
            q = cte.get("CommonTableExpr", {}).get("ctequery", {})
            if "SelectStmt" in q:
                self.select(q["SelectStmt"], {})
        scope = dict(outer)
        for item in body.get("fromClause", []):
            self.from_item(item, scope)
        self.expr(body.get("whereClause"), scope)
        self.expr(body.get("havingClause"), scope)
        for g in body.get("groupClause", []) or []:
            self.st.aggregate = True
            ref = self.column(g, scope)
            if ref:
                self.use(ref, "group")
        for s in body.get("sortClause", []) or []:
            ref = self.column(s.get("SortBy", {}).get("node"), scope)
            if ref:
                self.use(ref, "sort")
        for t in body.get("targetList", []) or []:
            val = t.get("ResTarget", {}).get("val")
            self.target(val, scope)

    def target(self, val: Any, scope: dict[str, str]) -> None:
        if not isinstance(val, dict):
            return
        if "ColumnRef" in val:
            fields = val["ColumnRef"]["fields"]
            if any("A_Star" in f for f in fields):
                self.st.star = True
                return
            ref = self.column(val, scope)
            if ref:
                self.st.selected.setdefault(ref[0], set()).add(ref[1])
            return
        if "FuncCall" in val:
            fname = val["FuncCall"]["funcname"][-1]["String"]["sval"].lower()
            if fname in AGGREGATES or val["FuncCall"].get("agg_star"):
                self.st.aggregate = True
        for sub in _children(val):
            self.target(sub, scope)

    def from_item(self, item: dict, scope: dict[str, str]) -> None:
        if "RangeVar" in item:
            self.rangevar(item["RangeVar"], scope)
        elif "JoinExpr" in item:
            j = item["JoinExpr"]
            self.from_item(j["larg"], scope)
            self.from_item(j["rarg"], scope)
            self.expr(j.get("quals"), scope)
            for name in j.get("usingClause") or []:
                col = name.get("String", {}).get("sval")
                owners = [t for t in scope.values() if self._has(t, col)]
                for t in owners:
                    self.use((t, col), "join")
        elif "RangeSubselect" in item:
            sub = item["RangeSubselect"].get("subquery", {})
            if "SelectStmt" in sub:
                self.select(sub["SelectStmt"], {})

    def rangevar(self, rv: dict, scope: dict[str, str]) -> None:
        name = rv.get("relname")
        if not name:
            return
        sch = rv.get("schemaname")
        table = None
        if sch:
            table = self.qtables.get(f"{sch}.{name}")
        else:
            table = self.qtables.get(f"public.{name}") or self.tables.get(name)
        if table is None:
            return  # a CTE, a view or a catalog relation
        q = table.qualified_name
        self.st.tables.add(q)
        alias = (rv.get("alias") or {}).get("aliasname") or name
        scope[alias] = q

    def _has(self, qtable: str, col: str | None) -> bool:
        t = self.qtables.get(qtable)
        return t is not None and col is not None and t.column(col) is not None

    def column(self, node: Any, scope: dict[str, str]) -> tuple[str, str] | None:
        if not isinstance(node, dict):
            return None
        if "TypeCast" in node:
            return self.column(node["TypeCast"].get("arg"), scope)
        if "ColumnRef" not in node:
            return None
        fields = [f.get("String", {}).get("sval") for f in node["ColumnRef"]["fields"]]
        if None in fields:
            return None
        if len(fields) >= 2:
            alias, col = fields[-2], fields[-1]
            t = scope.get(alias)
            return (t, col) if t and self._has(t, col) else None
        col = fields[0]
        owners = [t for t in dict.fromkeys(scope.values()) if self._has(t, col)]
        return (owners[0], col) if len(owners) == 1 else None

    def use(self, ref: tuple[str, str], role: str, detail: str | None = None) -> None:
        self.st.uses.append(Use(ref[0], ref[1], role, detail))

    def expr(self, node: Any, scope: dict[str, str]) -> None:
        if not isinstance(node, dict):
            return
        if "BoolExpr" in node:
            for a in node["BoolExpr"].get("args", []):
                self.expr(a, scope)
            return
        if "NullTest" in node:
            ref = self.column(node["NullTest"].get("arg"), scope)
            if ref:
                self.use(ref, "null" if node["NullTest"].get("nulltesttype") == "IS_NULL" else "notnull")
            return
        if "A_Expr" in node:
            e = node["A_Expr"]
            kind = e.get("kind")
            op = (e.get("name") or [{}])[-1].get("String", {}).get("sval", "")
            left, right = e.get("lexpr"), e.get("rexpr")
            lref, rref = self.column(left, scope), self.column(right, scope)
            if kind == "AEXPR_OP" and op == "=" and lref and rref:
                if lref[0] != rref[0]:
                    self.use(lref, "join", f"{rref[0]}.{rref[1]}")
                    self.use(rref, "join", f"{lref[0]}.{lref[1]}")
                return
            ref = lref or rref
            if ref is None:
                fn = _func_on_column(left) or _func_on_column(right)
                if fn:
                    ref2 = self.column(fn[1], scope)
                    if ref2:
                        self.use(ref2, "expr", fn[0])
                for sub in _children(node):
                    if isinstance(sub, dict) and ("SubLink" in sub or "BoolExpr" in sub):
                        self.expr(sub, scope)
                return
            if kind == "AEXPR_OP":
                role = (
                    "eq"
                    if op == "="
                    else "range"
                    if op in RANGE_OPS
                    else "like"
                    if op == "~~"
                    else "ilike"
                    if op == "~~*"
                    else None
                )
                if role:
                    self.use(ref, role)
            elif kind == "AEXPR_IN":
                self.use(ref, "in")
            elif kind in ("AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN"):
                self.use(ref, "range")
            elif kind == "AEXPR_LIKE":
                self.use(ref, "like")
            elif kind == "AEXPR_ILIKE":
                self.use(ref, "ilike")
            return
        if "SubLink" in node:
            sub = node["SubLink"].get("subselect", {})
            if "SelectStmt" in sub:
                self.select(sub["SelectStmt"], dict(scope))
            return


def _func_on_column(node: Any) -> tuple[str, Any] | None:
    if isinstance(node, dict) and "FuncCall" in node:
        f = node["FuncCall"]
        args = f.get("args") or []
        if len(args) == 1:
            return f["funcname"][-1]["String"]["sval"].lower(), args[0]
    return None


def _children(node: Any):
    if isinstance(node, dict):
        for v in node.values():
            if isinstance(v, dict):
                yield v
            elif isinstance(v, list):
                yield from (x for x in v if isinstance(x, dict))
    elif isinstance(node, list):
        yield from (x for x in node if isinstance(x, dict))
