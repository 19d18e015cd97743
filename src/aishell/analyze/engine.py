"""Running an analysis: pick the rules, give them a context, collect findings, score them."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aishell.analyze.context import AnalysisContext, AnalyzeOptions, RuleSkipped
from aishell.analyze.findings import SEVERITY_RANK, Finding
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule, all_rules, get_rule
from aishell.model import Schema
from aishell.model.schema import is_aishell_table

# Bumped when a field of the JSON report changes meaning or disappears (additions do not bump it).
REPORT_FORMAT_VERSION = 1

# A rule whose needs include one of these cannot run on a schema without a database behind it.
LIVE_NEEDS = {"live", "stats", "data", "workload"}


@dataclass
class Report:
    source: str
    live: bool
    findings: list[Finding] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    rules_run: list[str] = field(default_factory=list)
    scores: dict[str, Any] = field(default_factory=dict)
    statistics: dict[str, Any] = field(default_factory=dict)
    normalization: dict[str, Any] | None = None
    workload: dict[str, Any] | None = None
    plan: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # The scan counters as read before any probe ran (AnalyzeOptions.baseline of a later analysis).
    counters: dict[str, Any] | None = None

    def counts(self) -> dict[str, int]:
        out = {"critical": 0, "warning": 0, "optimization": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def at_or_above(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if SEVERITY_RANK[f.severity] <= SEVERITY_RANK[severity]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "source": self.source,
            "live": self.live,
            "health": self.scores,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "statistics": self.statistics,
            "normalization": self.normalization,
            "workload": self.workload,
            "action_plan": self.plan,
            "rules_run": self.rules_run,
            "skipped": self.skipped,
            "notes": self.notes,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def select_rules(options: AnalyzeOptions) -> list[type[Rule]]:
    """``--rule`` names exactly; ``--check-*`` flags pick their groups; else every default rule.

    Workload rules run only with ``--with-query-patterns``; non-default rules with ``--deep``.
    """
    rules = all_rules()
    if options.rules:
        return [get_rule(r) for r in dict.fromkeys(options.rules)]
    groups = set()
    if options.check_indexes:
        groups.add("indexes")
    if options.check_normalization:
        groups.add("normalization")
    chosen = []
    for cls in rules.values():
        if "workload" in cls.needs and not options.with_query_patterns:
            continue
        if groups:
            if cls.groups & groups or (
                "workload" in cls.needs and options.with_query_patterns and "indexes" in groups
            ):
                chosen.append(cls)
            continue
        if cls.default or options.deep:
            chosen.append(cls)
    return chosen


def _numbers_only(f: Finding) -> None:
    """Evidence holds numbers; descriptive values (value lists, dates) move to ``attrs["details"]``."""
    keep = []
    for e in f.evidence:
        if isinstance(e.value, (int, float)) and not isinstance(e.value, bool):
            keep.append(e)
        else:
            f.attrs.setdefault("details", {})[e.name] = e.value
    f.evidence = keep


def not_selected_workload_rules(options: AnalyzeOptions) -> list[type[Rule]]:
    """Workload rules a run without --with-query-patterns leaves out (listed as skipped, with why)."""
    if options.rules or options.with_query_patterns:
        return []
    groups = {
        g
        for g, on in (("indexes", options.check_indexes), ("normalization", options.check_normalization))
        if on
    }
    return [
        r
        for r in all_rules().values()
        if "workload" in r.needs and (not groups or r.groups & groups or "indexes" in groups)
    ]


def run_rules(
    ctx: AnalysisContext,
    rules: list[type[Rule]],
    report: Report,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    total = len(rules)
    for i, cls in enumerate(rules):
        if progress:
            progress(cls.id, i, total)
        missing = cls.needs & LIVE_NEEDS
        if missing and not ctx.live:
            report.skipped.append(
                {
                    "rule": cls.id,
                    "reason": f"needs a live database ({', '.join(sorted(missing))}); "
                    f"a {ctx.source_kind} source has no "
                    f"{'statistics, data or workload' if ctx.source_kind != 'url' else 'data'}",
                }
            )
            continue
        t0 = time.perf_counter()
        try:
            found = list(cls().check(ctx))
        except RuleSkipped as exc:
            report.skipped.append({"rule": cls.id, "reason": str(exc)})
            continue
        except ProbeFailed as exc:
            report.skipped.append({"rule": cls.id, "reason": f"probe failed: {exc}"})
            continue
        except Exception as exc:  # a bug in one rule must not cost the whole report
            if os.environ.get("AISHELL_DEBUG"):
                raise
            first = str(exc).splitlines()[0] if str(exc) else ""
            report.skipped.append(
                {
                    "rule": cls.id,
                    "reason": f"internal error: {type(exc).__name__}: {first} "
                    "(a bug; rerun with --debug for a traceback)",
                }
            )
            continue
        finally:
            report.timings[f"rule:{cls.id}"] = time.perf_counter() - t0
        report.rules_run.append(cls.id)
        for f in found:
            _numbers_only(f)
        report.findings.extend(found)
    if progress:
        progress("done", total, total)


def unreadable_tables(session, ctx: AnalysisContext) -> list[str]:
    """The analysed tables this role may not read (no SELECT on the table nor on any column)."""
    names = [t.qualified_name for t in ctx.tables]
    if not names:
        return []
    try:
        rows = session.query(
            "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname || '.' || c.relname = ANY(%s) "
            "AND NOT pg_catalog.has_table_privilege(c.oid, 'SELECT') "
            "AND NOT pg_catalog.has_any_column_privilege(c.oid, 'SELECT') ORDER BY 1", (names,))
    except ProbeFailed:
        return []
    return [r[0] for r in rows]


def counters_of(stats) -> dict[str, Any]:
    """The scan counters a later analysis can judge deltas against (``AnalyzeOptions.baseline``)."""
    keys = ("seq_scan", "seq_tup_read", "idx_scan")
    return {
        "taken_at": stats.database.get("now"),
        "tables": {k: {c: v.get(c) for c in keys} for k, v in stats.tables.items()},
        "indexes": {k: {"idx_scan": v.get("idx_scan")} for k, v in stats.indexes.items()},
    }


def analyze_schema(
    schema: Schema,
    options: AnalyzeOptions | None = None,
    *,
    session=None,
    source: str = "schema",
    source_kind: str = "json",
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    """Analyse a schema model, with a :class:`ProbeSession` on the live database when there is one."""
    from aishell.analyze import scoring

    options = options or AnalyzeOptions()
    if any(is_aishell_table(t.schema, t.name) for t in schema.tables):
        schema = dataclasses.replace(
            schema, tables=[t for t in schema.tables if not is_aishell_table(t.schema, t.name)]
        )
    ctx = AnalysisContext(schema, options, session=session, source_kind=source_kind)
    report = Report(source=source, live=session is not None)
    rules = select_rules(options)
    ctx.selected_rules = {r.id for r in rules}
    t0 = time.perf_counter()
    if session is not None:
        # Statistics first: the data probes that follow add to the scan counters they read.
        for what, why in ctx.stats.failures.items():
            ctx.notes.append(f"statistics probe '{what}' failed: {why}")
        if options.with_query_patterns:
            wl = ctx.workload  # before our own probes run
            ctx.notes.extend(wl.notes)
        report.counters = counters_of(ctx.stats)
        report.timings["stats"] = time.perf_counter() - t0
    try:
        run_rules(ctx, rules, report, progress)
    finally:
        for cleanup in ctx.cleanups:
            cleanup()
    for cls in not_selected_workload_rules(options):
        report.skipped.append(
            {
                "rule": cls.id,
                "reason": "workload rule: run with --with-query-patterns (reads pg_stat_statements), "
                "--query-log FILE or --queries FILE",
            }
        )
    report.timings["rules"] = time.perf_counter() - t0
    report.findings.sort(
        key=lambda f: (SEVERITY_RANK[f.severity], f.rule, f.table or "", f.object or "", ",".join(f.columns))
    )
    report.notes.extend(ctx.notes)
    norm = getattr(ctx, "normalization_result", None)
    if norm is not None:
        report.normalization = norm
    wl = ctx.__dict__.get("workload")
    if wl is not None:
        report.workload = wl.summary()
    report.statistics = scoring.statistics(ctx, report)
    report.scores = scoring.score(report, rules)
    report.scores["evidence"] = scoring.evidence(ctx, report)
    if session is not None:
        scoring.mark_partial(report, unreadable_tables(session, ctx), list(session.denied))
    report.plan = scoring.action_plan(report)
    return report


def analyze(
    source_text: str,
    options: AnalyzeOptions | None = None,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    """Analyse SOURCE (URL, environment, database name, ``.sql`` or ``.json``).

    A live database gets every selected rule, its probes in READ ONLY transactions. A ``.sql`` file is
    loaded into a throwaway sandbox database and introspected; a ``.json`` model is read as is: both
    run only the structural rules, and the report lists the others as skipped with the reason.
    """
    from aishell.sources import load_model_file, open_database, parse_source

    options = options or AnalyzeOptions()
    src = parse_source(source_text)
    t0 = time.perf_counter()
    if src.kind in ("json", "design"):
        assert src.path is not None
        schema = load_model_file(src.path)
        report = analyze_schema(schema, options, source=src.display, source_kind=src.kind, progress=progress)
        report.timings["total"] = time.perf_counter() - t0
        return report
    if src.kind == "sql":
        from aishell.dialects.postgres.inspect import inspect

        with open_database(src) as conninfo:
            schema = inspect(conninfo, schemas=options.schemas, include_stats=False)
        t1 = time.perf_counter()
        report = analyze_schema(schema, options, source=src.display, source_kind="sql", progress=progress)
        report.timings["inspect"] = t1 - t0
        report.timings["total"] = time.perf_counter() - t0
        return report
    from aishell.analyze.probes.session import ProbeSession
    from aishell.dialects.postgres.inspect import inspect_connection

    assert src.conninfo is not None
    session = ProbeSession(src.conninfo, timeout_ms=options.timeout_ms)
    try:
        schema = inspect_connection(session.conn, schemas=options.schemas, include_stats=False)
        session.conn.isolation_level = None
        session.conn.read_only = True
        t1 = time.perf_counter()
        report = analyze_schema(
            schema, options, session=session, source=src.display, source_kind=src.kind, progress=progress
        )
        report.timings["inspect"] = t1 - t0
        report.timings["probe_queries"] = float(session.queries)
    finally:
        session.close()
    report.timings["total"] = time.perf_counter() - t0
    return report
