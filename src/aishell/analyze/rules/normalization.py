"""normalization: repeating groups, partial and transitive dependencies found in the data."""

from __future__ import annotations

from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix
from aishell.analyze.normalization import (
    TableForm,
    candidate_columns,
    find_dependencies,
    level_of,
    lowest,
    repeating_groups,
)
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import qname

VIOLATION_TEXT = {
    "partial": ("partial dependency on part of the primary key", "2NF"),
    "transitive": ("transitive dependency through a non-key column", "3NF"),
    "bcnf": ("a non-key column determines part of a key", "BCNF"),
}


class Normalization(Rule):
    """Repeating groups, partial and transitive dependencies: the normal form each table reaches.

    Anti-patterns: ``phone1, phone2, phone3`` (a repeating group: not 1NF); ``inventory(warehouse_id,
    product_id, warehouse_city)`` where ``warehouse_city`` depends on ``warehouse_id`` alone (partial
    dependency: not 2NF); ``orders(user_id, user_email)`` where ``user_email`` depends on
    ``user_id`` (transitive dependency: not 3NF).

    Better: move the repeated or dependent columns to their own table, keyed by their determinant,
    and reference it. The level (1NF…BCNF) comes with the dependencies found in sampled data as its
    evidence; on a schema without data only the structural checks (repeating groups, missing keys)
    run and no level is claimed.
    """

    id = "normalization"
    title = "Normalization"
    severity = "warning"
    categories = ("maintainability",)
    groups = frozenset({"normalization"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        forms: list[TableForm] = []
        for table in ctx.tables:
            groups = repeating_groups(table)
            for cols in groups:
                yield self.finding(
                    qname(table),
                    f"{table.name} repeats one attribute in numbered columns: {', '.join(cols)} (not 1NF)",
                    columns=cols,
                    evidence=[Evidence("columns", len(cols), "exact", "columns")],
                    fix=Fix(
                        [],
                        safe=False,
                        notes=[
                            f"move {', '.join(cols)} to a child table "
                            f"({table.name}_{cols[0].rstrip('0123456789_')}s) with one row per value"
                        ],
                    ),
                    impact="queries must search every numbered column; a fourth value needs a schema change",
                    attrs={"violation": "repeating-group", "normal_form": "1NF"},
                )
            form = TableForm(qname(table), None, "structural", repeating_groups=groups)
            if not table.primary_key and not table.unique:
                form.reasons.append("no primary or unique key")
            if ctx.live and table.columns:
                deps = yield from self._dependencies(ctx, table, form)
                form.dependencies = deps
                form.level = level_of(bool(table.primary_key or table.unique), groups, deps)
            forms.append(form)
        level = lowest([f.level for f in forms]) if ctx.live else None
        ctx.normalization_result = {
            "level": level,
            "kind": "estimated" if ctx.live else "structural",
            "note": (
                "lowest level over all tables; dependencies are found in the data, so a level is an upper "
                "bound the data shows, not a proof"
            )
            if ctx.live
            else "no data to look for dependencies: only repeating groups and keys were checked",
            "tables": [f.to_dict() for f in forms],
        }

    def _dependencies(self, ctx: AnalysisContext, table, form: TableForm):
        lhs, rhs = candidate_columns(
            table, lambda c: ctx.stats.column(table.qualified_name, c), int(ctx.t("fd_max_columns"))
        )
        if not lhs or not rhs:
            return []
        columns = list(dict.fromkeys(lhs + rhs))
        try:
            rows, kind = ctx.data.sample(table, columns, int(ctx.t("fd_sample_rows")))
        except ProbeFailed as exc:
            ctx.notes.append(f"{self.id}: {qname(table)} not sampled: {exc}")
            return []
        form.kind = kind
        deps = find_dependencies(
            table, rows, columns, lhs, rhs, min_support=int(ctx.t("fd_min_support")), kind=kind
        )
        for d in deps:
            text, nf = VIOLATION_TEXT[d.violation]
            exc = f", {d.exceptions} rows disagree" if d.exceptions else ""
            yield self.finding(
                qname(table),
                f"{table.name}: {', '.join(d.lhs)} → {d.rhs} ({text}; not {nf}){exc}",
                severity="optimization" if d.violation == "bcnf" else "warning",
                columns=[*d.lhs, d.rhs],
                evidence=[
                    Evidence(
                        "repeated_values",
                        d.support,
                        d.kind,
                        "values",
                        f"values of {d.lhs[0]} seen at least twice in the rows read",
                    ),
                    Evidence(
                        "rows_read",
                        d.sample_rows,
                        d.kind,
                        "rows",
                        "all rows" if d.kind == "exact" else "TABLESAMPLE SYSTEM page sample",
                    ),
                    Evidence(
                        "exceptions",
                        d.exceptions,
                        d.kind,
                        "rows",
                        "rows whose value differs from the majority for their determinant",
                    ),
                ],
                fix=Fix(
                    [],
                    safe=False,
                    notes=[f"move {d.rhs} to a table keyed by {', '.join(d.lhs)} and reference it"],
                ),
                impact=f"{d.rhs} is stored once per row instead of once per {', '.join(d.lhs)}; copies can disagree",
                attrs={"violation": d.violation, "normal_form": nf, "dependency": d.to_dict()},
            )
        return deps
