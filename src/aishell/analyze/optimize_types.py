"""``optimize-types``: the inefficient-type rule's suggestions, with bytes saved per row × rows.

Savings are estimates: PostgreSQL aligns columns (a smaller type may land in padding) and the row
count is the planner's ``reltuples``. Both are labelled so in the output.
"""

from __future__ import annotations

from typing import Any

from aishell.analyze.context import AnalyzeOptions


def optimize_types(source: str, options: AnalyzeOptions | None = None) -> dict[str, Any]:
    from aishell.analyze.engine import analyze

    opts = options or AnalyzeOptions()
    opts.rules = ["inefficient-type"]
    report = analyze(source, opts)
    out: list[dict[str, Any]] = []
    total = 0
    for f in report.findings:
        per_row = f.attrs.get("bytes_per_row")
        rows = f.value("table_rows", f.value("rows"))
        saved = per_row * rows if per_row is not None and rows is not None else None
        if saved:
            total += saved
        out.append(
            {
                "table": f.table,
                "column": f.columns[0] if f.columns else None,
                "from": f.attrs.get("from"),
                "to": f.attrs.get("to"),
                "kind_of_change": f.attrs.get("kind"),
                "reason": f.message,
                "severity": f.severity,
                "bytes_per_row": per_row,
                "rows": rows,
                "bytes_total": saved,
                "kind": "estimated",
                "sql": f.fix.sql if f.fix else [],
                "safe": f.fix.safe if f.fix else None,
            }
        )
    out.sort(key=lambda s: -(s["bytes_total"] or 0))
    return {
        "source": report.source,
        "live": report.live,
        "suggestions": out,
        "total_bytes": total,
        "total_kind": "estimated",
        "skipped": [f"{s['rule']}: {s['reason']}" for s in report.skipped] + report.notes,
    }
