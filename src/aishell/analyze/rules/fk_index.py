"""missing-fk-index."""

from __future__ import annotations

from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Finding, Fix, estimated, exact
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import create_index_sql, has_leading_index, qname


class MissingFkIndex(Rule):
    """Foreign-key columns that are not the leading columns of any index.

    Anti-pattern: ``orders.user_id REFERENCES users`` with no index on ``orders(user_id)``. Every join
    from ``users`` to its orders, and every DELETE or key UPDATE on ``users`` (which must look for
    referencing rows), reads the whole ``orders`` table.

    Better: an index whose leading columns are the FK columns (in any order); a composite primary key
    or unique constraint that leads with them counts. Build it with CREATE INDEX CONCURRENTLY.
    Critical when the referencing table holds at least ``critical_fk_rows`` rows (or the workload joins
    on the column); a warning otherwise and on schemas without data.
    """

    id = "missing-fk-index"
    title = "Missing Foreign Key Indexes"
    severity = "critical"
    categories = ("performance", "scalability")
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for fk in table.foreign_keys:
                if has_leading_index(table, fk.columns):
                    continue
                ref = f"{fk.ref_schema}.{fk.ref_table}"
                evidence = []
                severity = "warning"
                rows = ctx.rows(table) if ctx.live else None
                if rows is not None:
                    evidence.append(estimated("rows", rows, "rows", "pg_class.reltuples"))
                    if rows >= ctx.t("critical_fk_rows"):
                        severity = "critical"
                    st = ctx.stats.table(table.qualified_name)
                    if st.get("seq_scan") is not None:
                        evidence.append(
                            exact(
                                "seq_scans",
                                st["seq_scan"],
                                "scans",
                                "pg_stat_user_tables.seq_scan since stats reset",
                            )
                        )
                    ref_rows = ctx.stats.rows(ref)
                    if ref_rows is not None:
                        evidence.append(estimated("referenced_rows", ref_rows, "rows", f"reltuples of {ref}"))
                usage = _workload_usage(ctx, table, fk.columns)
                notes = ["CONCURRENTLY builds without blocking writes; run it outside a transaction"]
                adopted = _adopted(ctx, table, fk.columns)
                sql = create_index_sql(table, fk.columns)
                if adopted is not None and (adopted.columns != list(fk.columns) or adopted.include):
                    sql = create_index_sql(table, adopted.columns, include=adopted.include)
                    extra = f" INCLUDE ({', '.join(adopted.include)})" if adopted.include else ""
                    notes.append(
                        f"({', '.join(adopted.columns)}){extra}: leads with the foreign key's columns, so one "
                        f"index serves the key and the workload's {len(adopted.statements)} statement(s) on "
                        f"{qname(table)} ({adopted.calls:,} calls)"
                    )
                if usage:
                    evidence.extend(usage)
                    chk, more = _explain(ctx, table, fk.columns, adopted)
                    evidence.extend(chk)
                    notes += more
                    if any(e.name == "workload_calls" and e.value > 0 for e in usage):
                        severity = "critical"
                cols = ", ".join(fk.columns)
                impact = (
                    f"joins from {ref} to {qname(table)} and every DELETE/key UPDATE on {ref} "
                    f"scan {qname(table)} instead of using an index"
                )
                calls = next((e.value for e in usage if e.name == "workload_calls"), None)
                if calls is not None:
                    share = next((e.value for e in usage if e.name == "share_of_table_calls"), None)
                    impact = (
                        f"Queries affected: {ctx.workload.rate_text(calls)}"
                        + (f" ({share}% of the calls touching {qname(table)})" if share is not None else "")
                        + "; "
                        + impact
                    )
                ratio = next((e.value for e in evidence if e.name == "cost_ratio"), None)
                if ratio and ratio > 1:
                    impact += f"; expected: planner cost {ratio}× lower with the index (estimated)"
                yield self.finding(
                    qname(table),
                    f"foreign key {table.name}({cols}) → {ref} has no index leading with {cols}",
                    severity=severity,
                    columns=list(fk.columns),
                    evidence=evidence,
                    object=fk.name,
                    impact=impact,
                    fix=Fix([sql], safe=True, notes=notes),
                )


def _workload_usage(ctx: AnalysisContext, table, columns) -> list:
    """Calls per hour of workload statements that join or filter on these columns (when loaded)."""
    if not ctx.options.with_query_patterns or not ctx.live:
        return []
    try:
        wl = ctx.workload
    except Exception:
        return []
    if not wl.available:
        return []
    return wl.column_usage_evidence(table.qualified_name, list(columns))


def _adopted(ctx: AnalysisContext, table, columns):
    """The workload's index proposal leading with these FK columns, when the workload is loaded."""
    if not ctx.options.with_query_patterns or not ctx.live:
        return None
    try:
        wl = ctx.workload
    except Exception:  # noqa: BLE001 - no workload, no adoption
        return None
    if not wl.available:
        return None
    from aishell.analyze.advisor import fk_adoptions

    return fk_adoptions(ctx, wl).get((table.qualified_name, tuple(columns)))


def _explain(ctx: AnalysisContext, table, columns, adopted=None) -> tuple[list, list[str]]:
    """EXPLAIN the heaviest workload statement on these columns with and without the index."""
    from aishell.analyze.advisor import Proposal
    from aishell.analyze.rules.workload_rules import _check

    wl = ctx.workload
    if adopted is not None:
        ev, _, notes = _check(ctx, wl, adopted, table)
        return ev, notes

    def using(roles):
        return [
            s
            for s in wl.statements
            if any(
                u.table == table.qualified_name and u.column in columns and u.role in roles for u in s.uses
            )
        ]

    # Lookups by the FK value are what the index serves; a join over every row may not improve at all.
    hits = using(("eq", "in")) or using(("join",))
    if not hits:
        return [], []
    p = Proposal(table.qualified_name, list(columns), statements=hits)
    ev, _, notes = _check(ctx, wl, p, table)
    return ev, notes
