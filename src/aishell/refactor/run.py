"""Plan a refactor, prove it on a copy, estimate it, and apply it only when asked.

``plan_refactor(request, options)`` reads the schema (the current design, or a live database with its
statistics), runs the chosen refactor and wraps its statements in a migration ``Plan`` (the same object
``schema migrate`` shows and runs). ``verify`` builds a throwaway copy on the scratch server — the
schema and, when the database is small enough (``copy_limit_mb``), every row — runs the migration up,
checks the copy then matches the planned schema and that every row survived (per-table checksums over
the columns both sides have, plus the refactor's own before/after queries), runs it down and checks the
copy is back where it started. ``apply_refactor`` runs it for real: pre-checks, blocking sessions,
backup, then the plan's own executor (``aishell.migrate.execute``), with row counts before and after.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aishell.diff.plan import DEFAULT_LOCK_TIMEOUT, Plan, Statement
from aishell.errors import AishellError, UnsafeError, UserError
from aishell.model import Schema
from aishell.refactor.base import REGISTRY, Refactoring, Request, user_tables


@dataclass
class RefactorOptions:
    database: str | None = None  # SOURCE text; None: the current design
    verify: bool = True
    copy_limit_mb: float = 256.0
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT
    statement_timeout: str = "60s"
    backup_dir: Path | None = None


@dataclass
class RefactorReport:
    name: str
    matched: dict[str, Any]
    source: str
    live: bool
    current: Schema
    refactoring: Refactoring
    up: Plan
    down: Plan
    verification: dict[str, Any] = field(default_factory=dict)
    prechecks: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    estimate: dict[str, Any] = field(default_factory=dict)
    applied: dict[str, Any] | None = None
    conninfo: str | None = None
    desired_canon: Schema | None = None

    def to_dict(self) -> dict[str, Any]:
        rf = self.refactoring
        return {
            "refactor": self.name,
            "title": rf.title,
            "matched": self.matched,
            "source": self.source,
            "current": rf.current_line,
            "target": rf.target_line,
            "strategy": rf.strategy,
            "changes": [{"heading": h, "details": d} for h, d in rf.changes],
            "impact": rf.impact,
            "app_changes": rf.app_changes,
            "assumptions": rf.assumptions,
            "notes": rf.notes,
            "params": rf.params,
            "prechecks": self.prechecks,
            "steps": self.steps,
            "estimate": self.estimate,
            "verification": self.verification,
            "up": [
                {
                    "sql": s.sql,
                    "description": s.description,
                    "transactional": s.transactional,
                    "hazards": [
                        {"code": h.code, "message": h.message, "unsafe": h.unsafe} for h in s.hazards
                    ],
                }
                for s in self.up.statements
            ],
            "down": [s.sql for s in self.down.statements],
            "applied": self.applied,
        }


# -- planning -----------------------------------------------------------------------------------------------
def choose(words: list[str]) -> tuple[str, Request, dict[str, Any]]:
    """``["multi-tenant", ...]`` (a name and its targets) or free text → (name, request, how it matched)."""
    from aishell.refactor.intent import match

    if words and words[0] in REGISTRY:
        return words[0], Request(text=" ".join(words[1:]), targets=list(words[1:])), {"by": "name"}
    text = " ".join(words)
    m = match(text)
    return m.name, Request(text=text), {"by": "text", "keywords": m.hits, "score": m.score}


def load_current(database: str | None) -> tuple[Schema, str, bool, str | None]:
    from aishell.sources import parse_source

    if database:
        src = parse_source(database)
        if not src.is_live:
            raise UserError(
                f"--database {database!r} is not a database (a URL, environment or database name)"
            )
        from aishell.dialects.postgres.inspect import inspect

        return inspect(src.conninfo or ""), src.display, True, src.conninfo
    from aishell.sources import load_schema

    return load_schema(parse_source("design")), "current design", False, None


def plan_refactor(
    words: list[str], options: RefactorOptions, extra: dict[str, Any] | None = None
) -> RefactorReport:
    name, request, matched = choose(words)
    request.options.update({k: v for k, v in (extra or {}).items() if v not in (None, (), [])})
    current, display, live, conninfo = load_current(options.database)
    if live:
        request.options["_conninfo"] = conninfo  # refactors may read values and ranges (read-only)
    refactoring = REGISTRY[name].plan(copy.deepcopy(current), request)
    up = Plan(
        refactoring.up,
        [],
        lock_timeout=options.lock_timeout,
        statement_timeout=options.statement_timeout,
        ordered=True,
    )
    desired_canon = canonical(refactoring.desired)
    down = _down(refactoring, current, desired_canon, options)
    report = RefactorReport(name, matched, display, live, current, refactoring, up, down, conninfo=conninfo)
    report.desired_canon = desired_canon
    if live and refactoring.prechecks:
        report.prechecks = run_prechecks(conninfo or "", refactoring.prechecks)
    return report


def _down(rf: Refactoring, current: Schema, desired: Schema, options: RefactorOptions) -> Plan:
    if rf.down is not None:
        return Plan(
            rf.down,
            [],
            lock_timeout=options.lock_timeout,
            statement_timeout=options.statement_timeout,
            ordered=True,
        )
    from aishell.diff import build_plan, diff_schemas

    try:
        back = canonical(current)
    except AishellError:
        back = strip_grants(current)
    cs = diff_schemas(desired, back)
    cs.changes = [c for c in cs.changes if c.kind != "privilege"]
    return build_plan(
        cs, desired, back, lock_timeout=options.lock_timeout, statement_timeout=options.statement_timeout
    )


def strip_grants(schema: Schema) -> Schema:
    """The schema without owners and grants: a throwaway copy has none of the user's roles."""
    s = copy.deepcopy(schema)
    for group in (
        s.tables,
        s.views,
        s.sequences,
        s.functions,
        s.enums,
        s.domains,
        s.composite_types,
        s.schemas,
    ):
        for o in group:
            if hasattr(o, "privileges"):
                o.privileges = []
            if hasattr(o, "owner"):
                o.owner = None
    return s


def canonical(model: Schema) -> Schema:
    """``model`` as the scratch server spells it (created there by our planner, then read back)."""
    from aishell.migrate.compare import roundtrip_model

    out = roundtrip_model(strip_grants(model))
    out.server_version = out.server_version or model.server_version
    return out


def run_prechecks(conninfo: str, checks: list[tuple[str, str]]) -> list[dict[str, Any]]:
    from aishell.dialects.postgres.connect import connect

    out = []
    with connect(conninfo, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '120s'")
        for what, sql in checks:
            try:
                with conn.transaction():
                    conn.execute("SET TRANSACTION READ ONLY")
                    n = conn.execute(sql).fetchone()[0]
                out.append({"check": what, "rows": int(n)})
            except Exception as exc:  # noqa: BLE001 - a check that cannot run is reported, and blocks apply
                from aishell.migrate.execute import _pg_message

                out.append({"check": what, "rows": None, "error": _pg_message(exc)})
    return out


# -- verification on a copy ----------------------------------------------------------------------------------
def verify(report: RefactorReport, options: RefactorOptions) -> dict[str, Any]:
    from aishell.dialects.postgres.inspect import inspect
    from aishell.dialects.postgres.server import scratch_server
    from aishell.diff import diff_schemas
    from aishell.migrate.execute import MigrationFailed, execute_plan

    rf = report.refactoring
    server = scratch_server()
    result: dict[str, Any] = {"ok": False}
    total_mb = _total_mb(report.current)
    with_data = report.live and total_mb is not None and total_mb <= options.copy_limit_mb
    result["copy"] = ("schema and data" if with_data else "schema only") + (
        f" ({total_mb:.1f} MB)" if total_mb is not None else ""
    )
    with server.temporary_database(prefix="aishell_refactor_") as db:
        _copy_current(report, db, server, with_data)
        start_schema = inspect(db)
        tables = {t.qualified_name: [c.name for c in t.columns] for t in user_tables(start_schema)}
        kept = _kept_columns(tables, rf)
        before = checksums(db, kept)
        preserved_before = [_scalar(db, p.before) for p in rf.preserve]
        times: list[float] = []
        last = [time.perf_counter()]

        def tick(_s: Statement) -> None:
            now = time.perf_counter()
            times.append(now - last[0])
            last[0] = now

        try:
            last[0] = time.perf_counter()
            execute_plan(report.up, db, on_statement=tick)
        except MigrationFailed as exc:
            r = exc.report
            result["error"] = (
                f"up failed at `{(r.failed.sql if r.failed else '').splitlines()[0][:120]}`: {r.error}"
            )
            return result
        result["seconds"] = times
        after_schema = inspect(db)
        want = report.desired_canon or canonical(rf.desired)
        left = [c for c in diff_schemas(after_schema, want).changes if c.kind != "privilege"]
        result["up_matches"] = not left
        result["up_differences"] = [c.describe() for c in left[:8]]
        after = checksums(db, {rf.renamed_tables.get(k, k): v for k, v in kept.items()})
        lost = [k for k in kept if before.get(k) != after.get(rf.renamed_tables.get(k, k))]
        preserved_after = [_scalar(db, p.after) for p in rf.preserve]
        broken = [p.label for p, a, b in zip(rf.preserve, preserved_before, preserved_after) if a != b]
        result["rows"] = {k: before[k][0] for k in kept}
        result["rows_checked"] = sum(v[0] for v in before.values())
        result["data_kept"] = not lost and not broken
        result["data_differences"] = lost + broken
        try:
            execute_plan(report.down, db)
        except MigrationFailed as exc:
            r = exc.report
            result["error"] = (
                f"down failed at `{(r.failed.sql if r.failed else '').splitlines()[0][:120]}`: {r.error}"
            )
            return result
        back = inspect(db)
        left_down = [c for c in diff_schemas(back, start_schema).changes if c.kind != "privilege"]
        result["down_matches"] = not left_down
        result["down_differences"] = [c.describe() for c in left_down[:8]]
        back_sums = checksums(db, kept)
        result["down_data_kept"] = back_sums == before
        result["with_data"] = with_data
    result["ok"] = bool(
        result["up_matches"] and result["data_kept"] and result["down_matches"] and result["down_data_kept"]
    )
    return result


def _total_mb(schema: Schema) -> float | None:
    sizes = [t.attrs.get("total_bytes") for t in schema.tables]
    if not sizes or any(not isinstance(x, (int, float)) for x in sizes):
        return None
    return sum(sizes) / 1e6


def _copy_current(report: RefactorReport, db: str, server, with_data: bool) -> None:
    if not report.live:
        from aishell.migrate.compare import create_schema_in

        create_schema_in(db, strip_grants(report.current))
        return

    from aishell.dialects.postgres.client import CONNINFO, run_client
    from aishell.dialects.postgres.connect import connect, mask_url
    from aishell.fix.backup import client_bin
    from aishell.sources import run_sql_text

    with connect(report.conninfo or "") as conn:
        major = int(conn.info.server_version) // 10000
    args = [
        str(client_bin(report.conninfo or "", major, "pg_dump")),
        "--no-password",
        "--no-owner",
        "--no-privileges",
    ]
    if not with_data:
        args.append("--schema-only")
    proc = run_client([*args, "-d", CONNINFO], report.conninfo or "", capture_output=True, timeout=3600)
    if proc.returncode != 0:
        raise AishellError(
            "copying the database for the verification failed: "
            + mask_url(proc.stderr.decode(errors="replace").strip().splitlines()[0][:200])
        )
    run_sql_text(db, proc.stdout.decode(), label="copy of the database")


def _kept_columns(tables: dict[str, list[str]], rf: Refactoring) -> dict[str, list[str]]:
    """Per table, the columns that exist before and after (their values must not change)."""
    out = {}
    for qn, cols in tables.items():
        new = rf.renamed_tables.get(qn, qn)
        t = rf.desired.table(new.split(".", 1)[1], new.split(".", 1)[0])
        if t is None:
            continue
        keep = [c for c in cols if t.column(c) is not None]
        if keep:
            out[qn] = keep
    return out


def checksums(conninfo: str, tables: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """(rows, md5 over every row's values of ``columns``, order-independent) per table."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.quote import qualify, quote_ident

    out = {}
    with connect(conninfo, autocommit=True) as conn:
        for qn, cols in tables.items():
            s, n = qn.split(".", 1)
            row = "ROW(" + ", ".join(quote_ident(c) for c in cols) + ")::text"
            count, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM "
                f"(SELECT md5({row}) AS h FROM {qualify(s, n)}) x"
            ).fetchone()
            out[qn] = (int(count), digest)
    return out


def _scalar(conninfo: str, sql: str) -> Any:
    from aishell.dialects.postgres.connect import connect

    with connect(conninfo, autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


# -- locks and effort ----------------------------------------------------------------------------------------
def describe_steps(report: RefactorReport) -> None:
    """Per step (a transaction, or a statement run alone): the locks it takes and what they block."""
    from aishell.lint.locks import ACCESS_EXCLUSIVE, BLOCKS, Lock, locks_of, merge

    seconds = report.verification.get("seconds") or []
    sizes = {t.qualified_name: t.attrs.get("total_bytes") for t in report.current.tables}
    rows = {t.qualified_name: t.attrs.get("row_estimate") for t in report.current.tables}
    rates = report.estimate.get("rates")
    steps = []
    i = 0
    for transactional, stmts in report.up.groups():
        locks: list[Lock] = []
        what = []
        for s in stmts:
            locks += _locks(s, locks_of)
            if s.description:
                what.append(s.description)
        locks = merge(locks)
        measured = sum(seconds[i : i + len(stmts)]) if len(seconds) >= i + len(stmts) else None
        computed = None
        if rates:
            computed = sum(_computed_seconds(s, sizes, rates) for s in stmts)
        i += len(stmts)
        strongest = max((lk.mode for lk in locks), key=lambda m: _rank(m), default=None)
        steps.append(
            {
                "transaction": transactional and len(stmts) > 1 or (transactional and not stmts[0].alone),
                "statements": len(stmts),
                "what": what[:4] + ([f"… {len(what) - 4} more"] if len(what) > 4 else []),
                "locks": [
                    {
                        "table": lk.table,
                        "mode": lk.mode,
                        "blocks": BLOCKS[lk.mode],
                        "rows": rows.get(lk.table),
                    }
                    for lk in locks
                ],
                "strongest": strongest,
                "blocks_reads": strongest == ACCESS_EXCLUSIVE,
                "seconds_measured": round(measured, 3)
                if measured is not None and report.verification.get("with_data")
                else None,
                "seconds_computed": round(computed, 2) if computed is not None else None,
            }
        )
    report.steps = steps


def _rank(mode: str) -> int:
    from aishell.lint.locks import STRENGTH

    return STRENGTH.index(mode)


def _locks(s: Statement, locks_of) -> list:
    import re

    from aishell.lint.locks import ROW_EXCLUSIVE, Lock

    if s.sql.lstrip().upper().startswith("DO "):
        m = re.search(r"\bUPDATE\s+((?:\"[^\"]+\"|\w+)\.(?:\"[^\"]+\"|\w+))", s.sql)
        if m:
            schema, name = (x.strip('"') for x in m.group(1).split(".", 1))
            return [Lock(f"{schema}.{name}", ROW_EXCLUSIVE)]
        return []
    return locks_of(s.sql)


def _class(s: Statement) -> str:
    sql = s.sql.lstrip().upper()
    if sql.startswith(("DO ", "UPDATE", "INSERT")):
        return "write"
    if sql.startswith("CREATE") and " INDEX " in sql[:40]:
        return "index"
    if " VALIDATE CONSTRAINT " in sql:
        return "scan"
    return "catalog"


def _computed_seconds(s: Statement, sizes: dict, rates: dict) -> float:
    from aishell.lint.locks import locks_of

    kind = _class(s)
    if kind == "catalog":
        return 0.0
    total = 0.0
    for lk in _locks(s, locks_of):
        b = sizes.get(lk.table)
        if isinstance(b, (int, float)) and rates.get(kind):
            total += b / rates[kind]
    return total


def calibrate(rows: int = 100_000) -> dict[str, float]:
    """Bytes per second the scratch server writes, builds indexes and scans, on a synthetic table."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.server import scratch_server

    server = scratch_server()
    with server.temporary_database(prefix="aishell_calibrate_") as db, connect(db, autocommit=True) as conn:
        conn.execute("CREATE TABLE cal (id bigint PRIMARY KEY, a bigint, b bigint, payload text)")
        conn.execute(
            "INSERT INTO cal SELECT g, g %% 1000, NULL, repeat(md5(g::text), 2) "
            "FROM generate_series(1, %s) g",
            (rows,),
        )
        conn.execute("VACUUM ANALYZE cal")
        size = conn.execute("SELECT pg_total_relation_size('cal')").fetchone()[0]
        t = time.perf_counter()
        conn.execute("UPDATE cal SET b = a")
        write = time.perf_counter() - t
        t = time.perf_counter()
        conn.execute("CREATE INDEX CONCURRENTLY cal_b ON cal (b, id)")
        index = time.perf_counter() - t
        conn.execute("ALTER TABLE cal ADD CONSTRAINT cal_b_nn CHECK (b IS NOT NULL) NOT VALID")
        t = time.perf_counter()
        conn.execute("ALTER TABLE cal VALIDATE CONSTRAINT cal_b_nn")
        scan = time.perf_counter() - t
    return {
        "write": size / max(write, 1e-3),
        "index": size / max(index, 1e-3),
        "scan": size / max(scan, 1e-3),
        "bytes": size,
        "rows": rows,
    }


def estimate(report: RefactorReport, options: RefactorOptions) -> None:
    v = report.verification
    total_rows = sum(int(t.attrs.get("row_estimate") or 0) for t in user_tables(report.current))
    if v.get("with_data") and v.get("seconds"):
        report.estimate = {
            "kind": "measured",
            "seconds": round(sum(v["seconds"]), 2),
            "how": f"measured: the whole migration ran on a full copy ({v['copy']}) on the scratch "
            f"server; the production server's speed and load differ",
        }
    elif report.live:
        rates = calibrate()
        report.estimate = {
            "kind": "computed",
            "rates": rates,
            "how": (
                f"computed: each step's table size (pg_total_relation_size) ÷ this machine's "
                f"throughput measured on a {rates['rows']:,}-row calibration table "
                f"({rates['write'] / 1e6:.0f} MB/s rewriting rows, {rates['index'] / 1e6:.0f} MB/s "
                f"building an index, {rates['scan'] / 1e6:.0f} MB/s validating)"
            ),
        }
    else:
        report.estimate = {
            "kind": "none",
            "how": "a design holds no rows: the migration is catalog changes only",
        }
    describe_steps(report)
    if report.estimate.get("kind") == "computed":
        report.estimate["seconds"] = round(sum(s["seconds_computed"] or 0 for s in report.steps), 2)
    long_locks = [
        s
        for s in report.steps
        if s["blocks_reads"] and ((s["seconds_measured"] or 0) > 1 or (s["seconds_computed"] or 0) > 1)
    ]
    tables = len(report.refactoring.touched)
    secs = report.estimate.get("seconds") or 0
    if long_locks or secs > 3600:
        level = "HIGH"
    elif tables > 3 or total_rows > 1_000_000 or report.refactoring.app_changes:
        level = "MEDIUM"
    else:
        level = "LOW"
    report.estimate["complexity"] = level
    report.estimate["complexity_rule"] = (
        "HIGH: a step blocks reads for over a second or the whole takes over an "
        "hour; MEDIUM: more than 3 tables, over 1M rows, or application changes; "
        "else LOW"
    )
    report.estimate["rows"] = total_rows
    report.estimate["tables"] = tables


# -- applying -----------------------------------------------------------------------------------------------
def apply_refactor(
    report: RefactorReport, options: RefactorOptions, on_statement: Callable[[Statement], None] | None = None
) -> dict[str, Any]:
    if not report.live:
        return _save_design(report)
    blocked = [p for p in report.prechecks if p["rows"] is None or p["rows"] > 0]
    if blocked:
        b = blocked[0]
        raise UnsafeError(
            f"refused: {b['check']}: {b['rows'] if b['rows'] is not None else b.get('error')} "
            f"({len(blocked)} pre-check(s) failed); nothing was applied",
            hint=_precheck_hint(report),
        )
    v = report.verification
    if v and not v.get("ok", False):
        raise UnsafeError(
            "refused: the migration did not verify on a copy; nothing was applied",
            hint="see the verification above; --no-verify skips it (not advised)",
        )
    from aishell.dialects.postgres.connect import connect
    from aishell.fix.backup import default_backup_path, write_backup
    from aishell.fix.checks import blocking_sessions
    from aishell.migrate.execute import execute_plan

    conninfo = report.conninfo or ""
    tables = report.refactoring.touched
    with connect(conninfo, autocommit=True) as conn:
        major = int(conn.info.server_version) // 10000
        dbname = conn.execute("SELECT current_database()").fetchone()[0]
        blockers = blocking_sessions(conn, tables)
        if blockers:
            b = blockers[0]
            raise UnsafeError(
                f"{len({x['pid'] for x in blockers})} other session(s) hold or wait for locks on the "
                f"tables (pid {b['pid']}, {b['lock']} on {b['table']}); nothing was applied",
                hint="let them finish and run the refactor again",
            )
        t = time.perf_counter()
        backup = write_backup(conn, conninfo, major, default_backup_path(options.backup_dir, dbname), tables)
        backup["seconds"] = round(time.perf_counter() - t, 3)
    counted = {t.qualified_name: [c.name for c in t.columns] for t in user_tables(report.current)}
    before = _counts(conninfo, list(counted))
    t = time.perf_counter()
    run = execute_plan(report.up, conninfo, on_statement=on_statement)
    seconds = time.perf_counter() - t
    after = _counts(conninfo, [report.refactoring.renamed_tables.get(q, q) for q in counted])
    rows = []
    for q in counted:
        new = report.refactoring.renamed_tables.get(q, q)
        rows.append({"table": q, "before": before.get(q), "after": after.get(new)})
    return {
        "statements": len(run.applied),
        "seconds": round(seconds, 2),
        "backup": backup,
        "rows": rows,
        "rows_lost": [
            r for r in rows if r["after"] is not None and r["before"] is not None and r["after"] < r["before"]
        ],
    }


def _precheck_hint(report: RefactorReport) -> str:
    if report.name == "multi-tenant":
        return (
            "give those rows a tenant with --default-tenant ID, keep the table global with --global TABLE, "
            "or fix the rows first"
        )
    return "fix the rows the pre-check counts first"


def _counts(conninfo: str, tables: list[str]) -> dict[str, int | None]:
    """Exact row counts, read past row-level security where the role may (else None)."""
    from aishell.dialects.postgres.connect import connect
    from aishell.dialects.postgres.quote import qualify

    out: dict[str, int | None] = {}
    with connect(conninfo, autocommit=True) as conn:
        for qn in tables:
            s, n = qn.split(".", 1)
            try:
                with conn.transaction():
                    conn.execute("SET LOCAL row_security = off")
                    out[qn] = conn.execute(f"SELECT count(*) FROM {qualify(s, n)}").fetchone()[0]
            except Exception:  # noqa: BLE001 - row-level security this role may not bypass
                out[qn] = None
    return out


def _save_design(report: RefactorReport) -> dict[str, Any]:
    import json

    from aishell.config import design_path
    from aishell.model import to_dict

    path = design_path()
    doc = json.loads(path.read_text(encoding="utf-8"))
    new = to_dict(report.refactoring.desired)
    for k in ("requirements", "recommendations", "validation"):
        if k in doc:
            new[k] = doc[k]
    notes = new.setdefault("requirements", {}).setdefault("notes", [])
    notes.append(f"refactored: {report.refactoring.title} (aishell schema refactor {report.name})")
    path.write_text(json.dumps(new, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"saved": str(path), "statements": len(report.up.statements)}
