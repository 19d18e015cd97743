"""Health score, category scores, schema statistics and the priority action plan.

The formula (documented in docs/analyze.md):

* each severity weighs ``critical`` 10, ``warning`` 3, ``optimization`` 1;
* a rule that reports ``n`` findings of one severity adds ``w × (1 + log2 n)`` penalty points to every
  category it belongs to (repeats count, with diminishing weight, so one pattern repeated on 500 tables
  does not drown everything else);
* a category scores ``round(100 × exp(−P / 60))`` where ``P`` is its penalty (0 findings → 100);
* the health score is ``round(0.4 × performance + 0.3 × maintainability + 0.3 × scalability)``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from aishell.analyze.findings import SEVERITY_RANK

if TYPE_CHECKING:
    from aishell.analyze.context import AnalysisContext
    from aishell.analyze.engine import Report

WEIGHTS = {"critical": 10.0, "warning": 3.0, "optimization": 1.0}
CATEGORY_WEIGHTS = {"performance": 0.4, "maintainability": 0.3, "scalability": 0.3}
SCALE = 60.0


def label(score: int) -> str:
    if score >= 90:
        return "Excellent"
    if score >= 75:
        return "Good"
    if score >= 50:
        return "Needs Improvement"
    return "Poor"


def score(report: Report, rules: list) -> dict[str, Any]:
    from aishell.analyze.registry import all_rules

    known = all_rules()
    groups: dict[tuple[str, str], int] = defaultdict(int)
    for f in report.findings:
        groups[(f.rule, f.severity)] += 1
    penalty = {c: 0.0 for c in CATEGORY_WEIGHTS}
    for (rule, sev), n in groups.items():
        cats = known[rule].categories if rule in known else ("maintainability",)
        p = WEIGHTS[sev] * (1 + math.log2(n))
        for c in cats:
            if c in penalty:
                penalty[c] += p
    cats = {c: round(100 * math.exp(-penalty[c] / SCALE)) for c in CATEGORY_WEIGHTS}
    health = round(sum(CATEGORY_WEIGHTS[c] * cats[c] for c in CATEGORY_WEIGHTS))
    return {
        "score": health,
        "label": label(health),
        "categories": cats,
        "penalties": {c: round(p, 2) for c, p in penalty.items()},
        "kind": "exact",
        "partial": False,
        "formula": "category = round(100*exp(-P/60)), P = sum over (rule, severity) of w*(1+log2 n), "
        "w: critical 10, warning 3, optimization 1; health = 0.4*performance + "
        "0.3*maintainability + 0.3*scalability",
        "rules_counted": len(report.rules_run),
    }


def mark_partial(report: Report, unreadable: list[str], denied: list[str]) -> None:
    """Withhold the health score of an analysis whose probes were denied: the findings that need the
    rows of those tables are missing, so the number would praise what was never looked at. The
    arithmetic on what could be read stays, as ``partial_score``."""
    if not unreadable and not denied:
        return
    sc = report.scores
    tables = report.scores.get("evidence", {}).get("tables")
    if unreadable:
        names = ", ".join(unreadable[:5]) + (f" and {len(unreadable) - 5} more" if len(unreadable) > 5 else "")
        of = f" of {tables}" if tables else ""
        reason = (f"this role cannot read {len(unreadable)}{of} table(s) ({names}); {len(denied)} probe(s) were "
                  "denied, so the rules that read rows did not judge them")
    else:
        reason = f"{len(denied)} probe(s) were denied ({denied[0]}), so the rules that needed them did not judge"
    sc.update({"partial_score": sc.get("score"), "score": None, "label": "withheld (partial analysis)",
               "kind": "partial", "partial": True, "partial_reason": reason,
               "unreadable_tables": list(unreadable), "denied_probes": len(denied)})
    ev = sc.get("evidence")
    if isinstance(ev, dict) and ev.get("text"):
        ev["text"] += (f"; the rows of {len(unreadable)} table(s) not readable by this role" if unreadable
                       else f"; {len(denied)} probe(s) denied")
    if report.normalization is not None:
        report.normalization["partial"] = True
        report.normalization["partial_reason"] = reason
    norm = report.statistics.get("normalization")
    if norm is not None:
        norm["kind"] = "partial"


def statistics(ctx: AnalysisContext, report: Report) -> dict[str, Any]:
    tables = ctx.tables
    out: dict[str, Any] = {
        "tables": {"value": len(tables), "kind": "exact"},
        "indexes": {"value": sum(len(t.indexes) for t in tables), "kind": "exact"},
        "foreign_keys": {"value": sum(len(t.foreign_keys) for t in tables), "kind": "exact"},
        "constraints": {
            "value": sum(
                len(t.checks)
                + len(t.unique)
                + len(t.foreign_keys)
                + (1 if t.primary_key else 0)
                + len(t.exclusions)
                for t in tables
            ),
            "kind": "exact",
        },
        "views": {
            "value": len(
                [
                    v
                    for v in ctx.schema.views
                    if ctx.options.schemas is None or v.schema in ctx.options.schemas
                ]
            ),
            "kind": "exact",
        },
    }
    if "workload-missing-index" in report.rules_run:
        out["index_proposals"] = {
            "value": sum(1 for f in report.findings if f.rule == "workload-missing-index"),
            "kind": "exact",
        }
    if "missing-fk-index" in report.rules_run:
        missing_fk = sum(1 for f in report.findings if f.rule == "missing-fk-index")
        out["missing_fk_indexes"] = {"value": missing_fk, "kind": "exact"}
    if ctx.live and "stats" in ctx.__dict__:
        st = ctx.stats
        names = {
            t.qualified_name
            for t in ctx.schema.tables
            if ctx.options.schemas is None or t.schema in ctx.options.schemas
        }
        size = sum(int(v.get("total_bytes") or 0) for k, v in st.tables.items() if k in names)
        rows = sum(
            max(0, int(v.get("reltuples") or 0))
            for k, v in st.tables.items()
            if k in names and v.get("relkind") != "p"
        )
        out["total_bytes"] = {"value": size, "kind": "exact", "source": "pg_total_relation_size"}
        out["total_rows"] = {"value": rows, "kind": "estimated", "source": "sum of pg_class.reltuples"}
        if st.database.get("stats_reset"):
            out["stats_reset"] = {"value": str(st.database["stats_reset"]), "kind": "exact"}
    if report.normalization:
        out["normalization"] = {
            "value": report.normalization.get("level"),
            "kind": report.normalization.get("kind", "estimated"),
        }
    return out


# rule -> (headline in the action plan)
HEADLINES = {
    "missing-fk-index": "Add missing foreign key indexes",
    "missing-primary-key": "Add primary keys",
    "invalid-index": "Rebuild invalid indexes",
    "data-quality": "Add constraints for data quality (clean up violating rows first)",
    "denormalized-column": "Remove or synchronise denormalized columns",
    "duplicate-index": "Drop duplicate indexes",
    "redundant-index": "Drop redundant indexes",
    "unused-index": "Review and drop unused indexes",
    "inefficient-type": "Optimize data types",
    "table-bloat": "Reclaim table bloat (VACUUM, pg_repack)",
    "index-bloat": "Rebuild bloated indexes (REINDEX CONCURRENTLY)",
    "workload-missing-index": "Add indexes the workload needs",
    "full-text-search-opportunity": "Add trigram or full-text search indexes",
    "partitioning-opportunity": "Partition large time-ordered tables",
    "materialized-view-opportunity": "Create materialized views for repeated aggregates",
    "sequence-overflow": "Widen sequences close to their maximum",
    "normalization": "Normalize repeating groups and dependencies",
    "fk-type-mismatch": "Align foreign key column types",
}

# Cheap and online fixes of these rules go to "do now" even as warnings.
DO_NOW_WARNINGS = {
    "invalid-index",
    "duplicate-index",
    "sequence-overflow",
    "data-quality",
    "workload-missing-index",
}


def _heading(rule_id: str) -> str:
    from aishell.analyze.registry import all_rules

    rule = all_rules().get(rule_id)
    return f"Fix: {rule.heading()}" if rule else rule_id


def action_plan(report: Report) -> dict[str, list[dict[str, Any]]]:
    buckets: dict[str, dict[str, dict[str, Any]]] = {"now": {}, "week": {}, "month": {}}
    for f in sorted(report.findings, key=lambda f: SEVERITY_RANK[f.severity]):
        if f.severity == "critical" or (f.severity == "warning" and f.rule in DO_NOW_WARNINGS):
            b = "now"
        elif f.severity == "warning":
            b = "week"
        else:
            b = "month"
        if any(f.rule in buckets[x] for x in buckets):
            b = next(x for x in buckets if f.rule in buckets[x])
        item = buckets[b].setdefault(
            f.rule, {"rule": f.rule, "action": HEADLINES.get(f.rule) or _heading(f.rule), "findings": 0, "tables": set()}
        )
        item["findings"] += 1
        if f.table:
            item["tables"].add(f.table)
    out: dict[str, list[dict[str, Any]]] = {}
    for b, items in buckets.items():
        out[b] = [{**v, "tables": sorted(v["tables"])} for v in items.values()]
    return out


def evidence(ctx: AnalysisContext, report: Report) -> dict[str, Any]:
    """What the health score rests on: structure only, statistics (and how old), data, a workload;
    and what rules left unjudged for lack of evidence (short statistics window, small tables)."""
    tables = ctx.tables
    out: dict[str, Any] = {
        "tables": len(tables),
        "rules_run": len(report.rules_run),
        "rules_skipped": len(report.skipped),
        "live": ctx.live,
        "not_judged": dict(ctx.insufficient),
    }
    parts = [f"the structure of {len(tables)} table(s)"]
    if ctx.live and "stats" in ctx.__dict__:
        st = ctx.stats
        with_rows = sum(1 for t in tables if (st.rows(t.qualified_name) or 0) > 0)
        out["tables_with_rows"] = with_rows
        db = st.database
        start = db.get("stats_reset") or db.get("started")
        if start and db.get("now"):
            hours = round((db["now"] - start).total_seconds() / 3600, 2)
            out["stats_window_hours"] = hours
            parts.append(f"statistics covering {hours:g} h" + ("" if db.get("stats_reset") else " (at least)"))
        parts.append(f"data in {with_rows} of {len(tables)} table(s)")
    elif not ctx.live:
        parts.append("no statistics, data or workload (not a live database)")
    wl = ctx.__dict__.get("workload")
    if wl is not None and getattr(wl, "available", False):
        out["workload_statements"] = len(wl.statements)
        parts.append(f"a workload of {len(wl.statements)} statement(s)")
    unjudged = sum(ctx.insufficient.values())
    if unjudged:
        parts.append(f"{unjudged} object(s) not judged for lack of evidence (see notes)")
    out["text"] = "; ".join(parts)
    return out
