"""index-with-nulls, boolean-index, btree-array-index, timestamp-in-middle-index, unnecessary-where-index:
index designs pg-index-health flags."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Finding, Fix, estimated
from aishell.analyze.probes.data import base_type
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import create_index_sql, drop_index_sql, plain_columns, qname, require_live


class IndexWithNulls(Rule):
    """Single-column indexes on mostly-NULL columns that index the NULLs too.

    Anti-pattern: ``CREATE INDEX ON orders (cancelled_at)`` where 95% of rows are NULL: the index
    stores every NULL although queries look for the non-NULL rows.

    Better: a partial index ``WHERE cancelled_at IS NOT NULL``: a fraction of the size. Uses the
    planner's ``pg_stats.null_frac`` (estimated); reported from 50% NULLs.
    """

    id = "index-with-nulls"
    title = "Indexes Full of NULLs"
    severity = "optimization"
    categories = ("performance",)
    needs = frozenset({"live", "stats"})
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        require_live(ctx)
        for table in ctx.tables:
            for ix in table.indexes:
                cols = plain_columns(ix)
                if len(cols) != 1 or cols[0] is None or ix.where or ix.unique or ix.constraint:
                    continue
                col = table.column(cols[0])
                if col is None or not col.nullable:
                    continue
                frac = ctx.stats.column(table.qualified_name, col.name).get("null_frac")
                if frac is None or frac < 0.5:
                    continue
                new = create_index_sql(
                    table, [col.name], name=f"{ix.name}_not_null"[:63], where=f"{col.name} IS NOT NULL"
                )
                yield self.finding(
                    qname(table),
                    f"index {ix.name} on {col.name}: {frac:.0%} of rows are NULL and indexed anyway",
                    columns=[col.name],
                    object=ix.name,
                    evidence=[
                        estimated("null_fraction", round(float(frac) * 100, 1), "%", "pg_stats.null_frac")
                    ],
                    fix=Fix(
                        [new, drop_index_sql(table, ix.name)],
                        safe=True,
                        notes=[
                            "queries must say WHERE col IS NOT NULL (or an operator that implies it) "
                            "for the partial index to be used"
                        ],
                    ),
                    impact="the index is larger than the rows queries look for",
                )


class BooleanIndex(Rule):
    """Indexes with a boolean column as a key.

    Anti-pattern: ``CREATE INDEX ON users (is_active)``: two values, so the index rarely beats a
    scan, and a composite index with a boolean key part splits in two.

    Better: a partial index on what the queries filter: ``CREATE INDEX ... (created_at) WHERE is_active``.
    """

    id = "boolean-index"
    title = "Indexes on Boolean Columns"
    severity = "optimization"
    categories = ("performance",)
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for ix in table.indexes:
                bools = [
                    c
                    for c in plain_columns(ix)
                    if c and table.column(c) and base_type(table.column(c).type) == "boolean"
                ]
                if not bools:
                    continue
                yield self.finding(
                    qname(table),
                    f"index {ix.name} has boolean key column(s) {', '.join(bools)}",
                    columns=bools,
                    object=ix.name,
                    fix=Fix(
                        [],
                        safe=True,
                        notes=[
                            f"replace by a partial index: ... WHERE {bools[0]} (or NOT {bools[0]}) "
                            "on the columns queries sort or filter by"
                        ],
                    ),
                    impact="low selectivity: the planner seldom uses it, writes always pay for it",
                )


class BtreeArrayIndex(Rule):
    """B-tree indexes on array columns.

    Anti-pattern: ``CREATE INDEX ON posts (tags)`` with ``tags text[]``: a b-tree compares whole
    arrays, so ``tags @> ARRAY['x']`` and ``'x' = ANY(tags)`` cannot use it.

    Better: ``USING gin (tags)``, which serves containment and overlap.
    """

    id = "btree-array-index"
    title = "B-tree Indexes on Arrays"
    severity = "warning"
    categories = ("performance",)
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for ix in table.indexes:
                if ix.method != "btree":
                    continue
                arrays = [
                    c
                    for c in plain_columns(ix)
                    if c and table.column(c) and table.column(c).type.endswith("[]")
                ]
                if not arrays:
                    continue
                yield self.finding(
                    qname(table),
                    f"b-tree index {ix.name} on array column(s) {', '.join(arrays)}",
                    columns=arrays,
                    object=ix.name,
                    fix=Fix(
                        [create_index_sql(table, arrays[:1], method="gin"), drop_index_sql(table, ix.name)],
                        safe=True,
                        notes=["keep the b-tree only if queries compare whole arrays"],
                    ),
                    impact="containment and ANY() searches scan the table",
                )


class TimestampInMiddleIndex(Rule):
    """Composite indexes with a timestamp key part before other columns.

    Anti-pattern: ``(created_at, status)``: a range on ``created_at`` stops the index from narrowing
    by ``status``; equality columns belong first, the range column last.

    Better: ``(status, created_at)``.
    """

    id = "timestamp-in-middle-index"
    title = "Timestamp Before Other Index Columns"
    severity = "optimization"
    categories = ("performance",)
    groups = frozenset({"indexes"})

    TIME = ("timestamp with time zone", "timestamp without time zone", "date")

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for ix in table.indexes:
                cols = plain_columns(ix)
                if len(cols) < 2 or ix.method != "btree":
                    continue
                for i, c in enumerate(cols[:-1]):
                    col = table.column(c) if c else None
                    if col is not None and base_type(col.type) in self.TIME:
                        rest = [x for x in cols if x and x != c]
                        yield self.finding(
                            qname(table),
                            f"index {ix.name} puts timestamp {c} before {', '.join(rest)}",
                            columns=[x for x in cols if x],
                            object=ix.name,
                            fix=Fix(
                                [create_index_sql(table, rest + [c]), drop_index_sql(table, ix.name)],
                                safe=True,
                                notes=["unless queries filter the timestamp by equality, or only sort by it"],
                            ),
                            impact="range conditions on the timestamp leave the later columns unusable",
                        )
                        break


class UnnecessaryWhereIndex(Rule):
    """Partial indexes whose WHERE clause says ``col IS NOT NULL`` about a NOT NULL column.

    Anti-pattern: the predicate is always true, so the index is a plain index that the planner can
    only use when a query repeats the predicate.

    Better: drop the WHERE clause (re-create the index without it).
    """

    id = "unnecessary-where-index"
    title = "Always-True Partial Index Predicates"
    severity = "optimization"
    categories = ("maintainability",)
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        for table in ctx.tables:
            for ix in table.indexes:
                if not ix.where:
                    continue
                m = re.fullmatch(
                    r'\(*\s*"?([A-Za-z_][\w$]*)"?\s+IS\s+NOT\s+NULL\s*\)*', ix.where.strip(), re.I
                )
                if not m:
                    continue
                col = table.column(m.group(1))
                if col is None or col.nullable:
                    continue
                cols = [c for c in plain_columns(ix) if c]
                yield self.finding(
                    qname(table),
                    f"index {ix.name}: WHERE {m.group(1)} IS NOT NULL is always true ({m.group(1)} is NOT NULL)",
                    columns=cols,
                    object=ix.name,
                    fix=Fix(
                        [
                            create_index_sql(table, cols, name=f"{ix.name}_full"[:63], unique=ix.unique),
                            drop_index_sql(table, ix.name),
                        ],
                        safe=True,
                    ),
                    impact="queries that do not repeat the predicate cannot use the index",
                )
