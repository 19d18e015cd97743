"""workload-missing-index, full-text-search-opportunity, materialized-view-opportunity,
partitioning-opportunity, over-normalization: rules read from the workload and statistics (and, for
over-normalization, the structure)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aishell.analyze.context import AnalysisContext, RuleSkipped
from aishell.analyze.findings import Evidence, Finding, Fix, estimated, exact
from aishell.analyze.probes.data import base_type
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import create_index_sql, human_bytes, object_name, q, qname, require_live
from aishell.dialects.postgres.quote import quote_ident


def _workload(ctx: AnalysisContext):
    require_live(ctx, "pg_stat_statements")
    wl = ctx.workload
    if not wl.available:
        raise RuleSkipped(wl.reason)
    return wl


def _stmt_evidence(wl, statements) -> list[Evidence]:
    calls = sum(s.calls for s in statements)
    total = sum(s.total_ms for s in statements)
    src = wl.source
    ev = [exact("calls", calls, "calls", f"calls in {src}")]
    rate = wl.rate_evidence(calls)
    if rate is not None:
        ev.append(rate)
    if total:  # a file of queries has no timings
        ev += [
            exact("total_time_ms", round(total, 2), "ms", f"execution time in {src}"),
            exact("mean_time_ms", round(total / max(calls, 1), 3), "ms", "total time / calls"),
        ]
    if wl.total_ms:
        ev.append(
            exact(
                "share_of_workload_time",
                round(100 * total / wl.total_ms, 1),
                "%",
                "of execution time of every parsed statement in this database",
            )
        )
    return ev


def _check(ctx: AnalysisContext, wl, p, table) -> tuple[list[Evidence], bool, list[str]]:
    """EXPLAIN the heaviest statement with and without the index: evidence, keep?, notes."""
    from aishell.analyze.probes.explain import check_index, hypopg_available

    if "hypopg" not in ctx.__dict__:
        ctx.__dict__["hypopg"] = hypopg_available(ctx.session, ctx.stats.extensions)
    hypopg = ctx.__dict__["hypopg"] and p.method == "btree"
    st = max(p.statements, key=lambda s: s.total_ms)
    plain = create_index_sql(
        table,
        p.columns,
        method=p.method,
        where=p.where,
        include=p.include,
        opclass=p.opclass,
        concurrently=False,
    )
    notes = []
    chk = None
    # hypopg checks b-trees only: a GIN (trigram) proposal is checked on the scratch copy, --deep or not
    if not hypopg and (ctx.options.deep or ctx.options.verify_on_copy or p.method != "btree"):
        try:
            chk = _scratch(ctx).check(
                st.query, st.params, sorted(st.tables), (table.schema, table.name), plain
            )
        except Exception as exc:  # the scratch server: say so and fall back to the estimate
            notes.append(
                f"EXPLAIN on a scratch copy failed ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}); estimated instead"
            )
    if chk is None:
        try:
            tst = ctx.stats.table(table.qualified_name)
            chk = check_index(
                ctx.session,
                st.query,
                st.params,
                (table.schema, table.name),
                plain,
                hypopg,
                ctx.stats.rows(table.qualified_name),
                tst.get("relpages"),
                covering=bool(p.include),
            )
        except ProbeFailed as exc:
            return [], True, notes + [f"EXPLAIN of the statement failed ({exc}); the index is not verified"]
    used = set(filter(None, (wl.checked_with or "").split(", "))) | {chk.method}
    wl.checked_with = ", ".join(sorted(used))
    src = "EXPLAIN generic plan of the heaviest statement" + (
        " on the scratch copy" if chk.method == "scratch" else " on the analysed database"
    )
    ev = [estimated("plan_cost_before", round(chk.cost_before, 2), "cost units", src)]
    if chk.cost_after is not None:
        how = {
            "hypopg": "EXPLAIN with a hypothetical index (hypopg)",
            "scratch": chk.note or "EXPLAIN on a scratch copy",
        }.get(
            chk.method,
            "formula on the planner's row estimate; hypopg not installed, the planner was not asked",
        )
        ev.append(estimated("plan_cost_after", round(chk.cost_after, 2), "cost units", how))
        if chk.cost_after > 0:
            ev.append(estimated("cost_ratio", round(chk.cost_before / chk.cost_after, 1), "×", how))
    if chk.note:
        notes.append(chk.note)
    keep = verdict(ctx, chk, p.method)[0]
    if chk.method in ("hypopg", "scratch"):
        ev.append(
            exact("planner_uses_index", int(bool(chk.used)), None, f"{chk.method} plan: 1 = uses the index")
        )
    return ev, keep, notes


def verdict(ctx: AnalysisContext, chk, method: str = "btree") -> tuple[bool, str]:
    """Is a proposed index worth it, by its own measurement? (worth it, why not in words).

    Measured by the planner (hypopg or a scratch copy): it must use the index and cost at least
    ``index_min_cost_ratio`` (1.1×) less; by the formula (no hypopg, b-trees only): the after-cost must
    be lower. A GIN proposal nobody could measure is kept, its evidence saying it was not verified.
    """
    ratio = chk.cost_before / chk.cost_after if chk.cost_after else None
    shown = f"cost ratio {ratio:.2f}×" if ratio is not None else "no cost after"
    if chk.method in ("hypopg", "scratch"):
        if not chk.used:
            return False, f"the planner would not use it ({shown}, {chk.method})"
        if ratio is not None and ratio < ctx.t("index_min_cost_ratio"):
            return False, f"the planner's cost barely moves ({shown}, {chk.method})"
        return True, ""
    if method == "btree" and chk.cost_after is not None and chk.cost_after >= chk.cost_before:
        return False, f"the estimated cost does not drop ({shown})"
    return True, ""


def _why_not(evidence: list[Evidence]) -> str:
    ratio = next((e.value for e in evidence if e.name == "cost_ratio"), None)
    used = next((e for e in evidence if e.name == "planner_uses_index"), None)
    parts = []
    if used is not None:
        parts.append("the planner would not use it" if not used.value else "the planner uses it")
    if ratio is not None:
        parts.append(f"cost ratio {ratio:.2f}×")
    method = next((e.source for e in evidence if e.name == "plan_cost_after"), None)
    return ", ".join(parts) + (f" ({method})" if method else "") if parts else "its measurement shows no gain"


def _scratch(ctx: AnalysisContext):
    """One scratch copy per analysis, closed when the analysis ends."""
    sc = ctx.__dict__.get("scratch_copy")
    if sc is None:
        from aishell.analyze.probes.scratch import ScratchCopy

        sc = ScratchCopy(ctx.session, ctx.schema)
        ctx.__dict__["scratch_copy"] = sc
        ctx.cleanups.append(sc.close)
    return sc


class WorkloadMissingIndex(Rule):
    """Filter, join and sort columns of frequent statements with no index that fits.

    Anti-pattern: ``SELECT ... FROM order_items WHERE quantity = $1 AND unit_price > $2`` run
    thousands of times an hour over a sequential scan.

    Better: the index the statement needs: equality columns first, then the range or sort column;
    partial (``WHERE deleted_at IS NULL``) when the statement always filters that way; covering
    (``INCLUDE``) when it reads only a few more columns; an expression index for ``lower(email)``.
    Each proposal is checked with EXPLAIN: hypothetically with hypopg when it is installed, otherwise
    with a labelled estimate. Needs ``--with-query-patterns`` and pg_stat_statements.
    """

    id = "workload-missing-index"
    title = "No Indexes on WHERE Clauses"
    severity = "warning"
    categories = ("performance",)
    needs = frozenset({"live", "workload"})
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        from aishell.analyze.advisor import propose_indexes

        wl = _workload(ctx)
        for p in propose_indexes(ctx, wl)[:25]:
            table = ctx.by_name[p.table]
            ev = _stmt_evidence(wl, p.statements)
            chk, keep, notes = _check(ctx, wl, p, table)
            if not keep:
                ctx.notes.append(
                    f"{self.id}: an index on {p.table}({', '.join(p.columns)}) is not worth it: "
                    f"{_why_not(chk)}; not proposed"
                )
                continue
            sql = create_index_sql(table, p.columns, where=p.where, include=p.include)
            cols = ", ".join(p.columns)
            extra = (f" INCLUDE ({', '.join(p.include)})" if p.include else "") + (
                f" WHERE {p.where}" if p.where else ""
            )
            calls = sum(s.calls for s in p.statements)
            ratio = next((e.value for e in chk if e.name == "cost_ratio"), None)
            gain = f"; expected: planner cost {ratio}× lower (estimated)" if ratio and ratio > 1 else ""
            yield self.finding(
                p.table,
                f"{len(p.statements)} statement(s), {calls:,} calls, filter {p.table} on ({cols}){extra} "
                f"without a fitting index",
                columns=[c for c in p.columns if not c.startswith("(")],
                evidence=ev + chk,
                fix=Fix(
                    [sql], safe=True, notes=notes + ["CONCURRENTLY: no write lock; run outside a transaction"]
                ),
                impact=f"Queries affected: {wl.rate_text(calls)}{gain}",
                attrs={
                    "kind": p.kind,
                    "index_columns": p.columns,
                    "include": p.include,
                    "where": p.where,
                    "queries": [s.query for s in p.statements[:5]],
                },
            )


class FullTextSearchOpportunity(Rule):
    """LIKE/ILIKE searches on text columns that no trigram or full-text index serves.

    Anti-pattern: ``WHERE name ILIKE '%phone%'`` reads every row: a b-tree cannot serve a pattern
    with a leading wildcard, nor ILIKE at all. (pg_stat_statements hides the literal pattern, so any
    LIKE/ILIKE with a run-time pattern is a candidate.)

    Better: ``CREATE EXTENSION pg_trgm`` and a GIN index with ``gin_trgm_ops`` (serves LIKE, ILIKE and
    similarity), or a ``to_tsvector`` GIN index for word search.
    """

    id = "full-text-search-opportunity"
    title = "Full-Text Search Missing"
    severity = "optimization"
    categories = ("performance",)
    needs = frozenset({"live", "workload"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        from aishell.analyze.advisor import propose_trigram

        wl = _workload(ctx)
        for p in propose_trigram(ctx, wl):
            table = ctx.by_name[p.table]
            col = p.columns[0]
            ev = _stmt_evidence(wl, p.statements)
            chk, keep, notes = _check(ctx, wl, p, table)
            if not keep:  # its own measurement contradicts it: shown as not worth it, never proposed
                ctx.notes.append(
                    f"{self.id}: a trigram index on {p.table}.{col} is not worth it: {_why_not(chk)}; "
                    "not proposed"
                )
                continue
            rows = ctx.stats.rows(p.table)
            if rows is not None:
                ev.append(estimated("rows", rows, "rows", "pg_class.reltuples"))
            name = object_name("idx", table, [col], "trgm")
            sql = []
            if "pg_trgm" not in ctx.stats.extensions:
                sql.append("CREATE EXTENSION IF NOT EXISTS pg_trgm;")
            sql.append(create_index_sql(table, [col], name=name, method="gin", opclass="gin_trgm_ops"))
            calls = sum(s.calls for s in p.statements)
            yield self.finding(
                p.table,
                f"{table.name}.{col} is searched with LIKE/ILIKE ({calls:,} calls) without a trigram index",
                columns=[col],
                evidence=ev + chk,
                fix=Fix(sql, safe=True, notes=notes + ["patterns shorter than 3 characters still scan"]),
                impact=f"Queries affected: {wl.rate_text(calls)}, each a full scan",
                attrs={"queries": [s.query for s in p.statements[:5]]},
            )


class MaterializedViewOpportunity(Rule):
    """Expensive aggregate statements run again and again.

    Anti-pattern: a dashboard query joining and aggregating big tables, recomputed from scratch on
    every call.

    Better: a materialized view refreshed on a schedule (REFRESH MATERIALIZED VIEW CONCURRENTLY,
    which needs a unique index on it), or a summary table kept by triggers. Reported when a statement
    with GROUP BY or aggregates averages at least ``matview_min_mean_ms`` over ``matview_min_calls`` calls.
    """

    id = "materialized-view-opportunity"
    title = "Materialized View Opportunities"
    severity = "optimization"
    categories = ("performance", "scalability")
    needs = frozenset({"live", "workload"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        wl = _workload(ctx)
        scope = {t.qualified_name for t in ctx.tables}
        for st in wl.statements:
            if st.kind != "select" or not st.aggregate or not st.tables <= scope:
                continue
            if st.calls < ctx.t("matview_min_calls") or st.mean_ms < ctx.t("matview_min_mean_ms"):
                continue
            tables = sorted(st.tables)
            base = ctx.by_name[tables[0]]
            name = object_name("mv", base, [t.split(".", 1)[1] for t in tables[1:]], "summary")
            notes = [
                "REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on the view",
                "decide how stale the results may be and schedule the refresh accordingly",
            ]
            if st.params:
                notes.insert(
                    0,
                    f"the statement takes {st.params} parameter(s): turn the filtered columns into "
                    "GROUP BY columns of the view and filter the view instead",
                )
                sql = []
            else:
                sql = [
                    f"CREATE MATERIALIZED VIEW {quote_ident(base.schema)}.{quote_ident(name)} AS {st.query};"
                ]
            yield self.finding(
                tables[0],
                f"aggregate over {', '.join(tables)} runs {st.calls:,} times at {st.mean_ms:,.1f} ms each",
                columns=[],
                evidence=_stmt_evidence(wl, [st]),
                fix=Fix(sql, safe=True, notes=notes),
                impact=f"runs {wl.rate_text(st.calls)}",
                attrs={"query": st.query, "tables": tables},
            )


class PartitioningOpportunity(Rule):
    """Large tables with a time column, queried by recent ranges, that are not partitioned.

    Anti-pattern: a 100-million-row ``orders`` table where queries read last week's rows and old
    rows are deleted in bulk: every index is huge, VACUUM and deletes touch everything.

    Better: declarative RANGE partitioning on the time column (monthly, say): queries prune to the
    recent partitions and old data is dropped by DETACH/DROP PARTITION. Reported from
    ``partition_min_rows`` rows or ``partition_min_bytes``; the workload's range filters on the column
    are added as evidence when ``--with-query-patterns`` is given. The fix is the DDL
    (``aishell.analyze.partitioning.partition_ddl``): the partitioned table (its key extended with the
    partition column), one partition per month from the oldest row to three months past the newest
    and a DEFAULT one, the indexes and foreign keys, the copy one partition at a time, and one short
    transaction that copies what arrived meanwhile and swaps the names.
    """

    id = "partitioning-opportunity"
    title = "Partitioning Opportunity"
    severity = "optimization"
    categories = ("scalability",)
    needs = frozenset({"live", "stats"})

    TIME = ("timestamp with time zone", "timestamp without time zone", "date")

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        require_live(ctx)
        wl = None
        if ctx.options.with_query_patterns:
            w = ctx.workload
            wl = w if w.available else None
        for table in ctx.tables:
            if table.partition_by or table.partition_of:
                continue
            st = ctx.stats.table(table.qualified_name)
            rows = ctx.stats.rows(table.qualified_name) or 0
            size = int(st.get("total_bytes") or 0)
            if rows < ctx.t("partition_min_rows") and size < ctx.t("partition_min_bytes"):
                continue
            cols = [c for c in table.columns if base_type(c.type) in self.TIME]
            if not cols:
                continue
            ranged = {}
            if wl:
                for c in cols:
                    hits = [
                        s
                        for s in wl.statements
                        if any(
                            u.table == table.qualified_name
                            and u.column == c.name
                            and u.role in ("range", "sort")
                            for u in s.uses
                        )
                    ]
                    if hits:
                        ranged[c.name] = hits
            pick = (
                max(ranged, key=lambda c: sum(s.calls for s in ranged[c]))
                if ranged
                else next(
                    (c.name for c in cols if re.search(r"created|date|time|_at$", c.name)), cols[0].name
                )
            )
            ev = [
                estimated("rows", rows, "rows", "pg_class.reltuples"),
                exact("total_bytes", size, "bytes", "pg_total_relation_size"),
            ]
            lo = hi = None
            try:
                src, _, kind = ctx.data.source(table)
                lo, hi = ctx.session.query(
                    f"SELECT min({quote_ident(pick)})::text, max({quote_ident(pick)})::text FROM {src}",
                    timeout_ms=ctx.data.timeout_ms,
                )[0]
                what = "" if kind == "exact" else " (of a sample)"
                ev += [
                    Evidence("oldest", lo, kind, None, f"min({pick}){what}"),
                    Evidence("newest", hi, kind, None, f"max({pick}){what}"),
                ]
            except ProbeFailed as exc:
                ctx.notes.append(f"{self.id}: {qname(table)}: {exc}")
            if pick in ranged:
                ev += _stmt_evidence(wl, ranged[pick])
            sql: list[str] = []
            notes = ["test the migration on a copy first; `aishell schema refactor` can plan it as a migration"]
            if lo is not None and hi is not None:
                from aishell.analyze.partitioning import partition_ddl

                plan = partition_ddl(table, pick, lo, hi, referenced_by=ctx.referenced_by(table))
                sql = plan.statements
                notes = [
                    f"{len(plan.partitions) - 1} {plan.interval}ly partitions from {lo[:10]} on and a DEFAULT one; "
                    f"rows are copied one partition at a time, then one short transaction swaps the names",
                    *plan.notes,
                    *notes,
                ]
            yield self.finding(
                qname(table),
                f"{qname(table)} ({rows:,} rows, {human_bytes(size)}) could be RANGE-partitioned on {pick}",
                columns=[pick],
                evidence=ev,
                fix=Fix(sql, safe=False, notes=notes),
                impact="queries on recent ranges would read only the matching partitions; old ranges are "
                "dropped with DROP TABLE instead of DELETE",
                attrs={"workload_filtered": pick in ranged},
            )


class OverNormalization(Rule):
    """One concept split over many small tables, or a one-to-one table the workload always joins back.

    Anti-patterns: the tutorial's ``address_street``, ``address_city``, ``address_state``, each its own
    table holding one attribute of an address (one-to-one with ``addresses``, or referenced by it and
    named after it): every read of an address joins four tables, and nothing is gained. And
    ``user_profiles(user_id PRIMARY KEY REFERENCES users)`` read only as ``users JOIN user_profiles``.

    Better: merge the attribute tables into one table of the concept (the fix adds the columns and
    copies the values; then switch reads and drop the pieces), or keep a one-to-one split on purpose
    for wide, rarely-read columns or different access rights. The split is found in the structure
    (two or more such attribute tables, at most two attribute columns each); the join-back with
    ``--with-query-patterns``, its evidence the share of statements reading the child that also read
    the parent.
    """

    id = "over-normalization"
    title = "Over-Normalization"
    severity = "optimization"
    categories = ("performance", "maintainability")
    groups = frozenset({"normalization"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        yield from self._split_concepts(ctx)
        if not ctx.options.with_query_patterns or not ctx.live:
            return
        from aishell.analyze.advisor import one_to_one_pairs

        wl = ctx.workload
        if not wl.available:
            ctx.notes.append(f"{self.id}: join-back not checked: {wl.reason}")
            return
        for child, parent, cols in one_to_one_pairs(ctx):
            touching = [s for s in wl.statements if child.qualified_name in s.tables and s.kind == "select"]
            if not touching:
                continue
            joined = [s for s in touching if parent.qualified_name in s.tables]
            calls_all = sum(s.calls for s in touching)
            calls_joined = sum(s.calls for s in joined)
            share = calls_joined / calls_all if calls_all else 0.0
            if share < ctx.t("over_normalization_join_share"):
                continue
            yield self.finding(
                qname(child),
                f"{child.qualified_name} is 1:1 with {parent.qualified_name} and "
                f"{share:.0%} of its reads join them",
                columns=cols,
                evidence=[
                    exact("calls_joined", calls_joined, "calls", "pg_stat_statements"),
                    exact("calls_reading_child", calls_all, "calls", "pg_stat_statements"),
                    exact("join_share", round(100 * share, 1), "%"),
                ],
                fix=Fix(
                    [],
                    safe=False,
                    notes=[
                        f"move the columns of {child.name} into {parent.name}, backfill, "
                        "switch reads, then drop the child table"
                    ],
                ),
                impact="every read pays a join",
                attrs={"parent": parent.qualified_name, "kind": "join-back"},
            )

    def _split_concepts(self, ctx: AnalysisContext) -> Iterator[Finding]:
        """A table with two or more attribute tables: 1:1 children holding one or two attributes, or
        referenced single-attribute tables named after it (addresses -> address_city)."""
        from aishell.analyze.advisor import one_to_one_pairs

        pieces: dict[str, list[tuple]] = {}
        for child, parent, cols in one_to_one_pairs(ctx):
            attrs = _attributes(child, cols)
            if 1 <= len(attrs) <= 2 and not ctx.referenced_by(child):
                pieces.setdefault(parent.qualified_name, []).append((child, attrs, cols, None))
        for table in ctx.tables:
            stem = _singular(table.name)
            for fk in table.foreign_keys:
                ref = ctx.ref_table(fk)
                if ref is None or ref is table or len(fk.columns) != 1 or len(fk.ref_columns) != 1:
                    continue
                if not ref.name.startswith(f"{stem}_") or len(ctx.referenced_by(ref)) != 1:
                    continue
                attrs = _attributes(ref, list(fk.ref_columns))
                if len(attrs) == 1:
                    pieces.setdefault(table.qualified_name, []).append((ref, attrs, fk.columns, fk))
        for parent_name, found in sorted(pieces.items()):
            if len(found) < 2:
                continue
            parent = ctx.by_name[parent_name]
            names = [c.name for c, _, _, _ in found]
            sql = []
            for child, attrs, cols, fk in found:
                for a in attrs:
                    col = child.column(a)
                    sql.append(f"ALTER TABLE {q(parent)} ADD COLUMN {quote_ident(a)} {col.type};")
                    if fk is None:  # 1:1 child keyed by the parent's key
                        on = " AND ".join(
                            f"c.{quote_ident(c)} = p.{quote_ident(k)}" for c, k in zip(cols, parent.primary_key)
                        )
                    else:  # referenced by the parent
                        on = f"c.{quote_ident(fk.ref_columns[0])} = p.{quote_ident(fk.columns[0])}"
                    sql.append(
                        f"UPDATE {q(parent)} p SET {quote_ident(a)} = c.{quote_ident(a)} FROM {q(child)} c WHERE {on};"
                    )
            yield self.finding(
                parent_name,
                f"{parent.name} is split over {len(found)} attribute tables ({', '.join(names)}), "
                f"holding {sum(len(a) for _, a, _, _ in found)} attribute(s) in all",
                columns=[a for _, attrs, _, _ in found for a in attrs],
                evidence=[Evidence("attribute_tables", len(found), "exact", "tables", "foreign keys and keys")],
                fix=Fix(
                    sql if all(len(parent.primary_key) == len(c) or f for _, _, c, f in found) else [],
                    safe=False,
                    notes=[
                        f"denormalize into one {parent.name} table: add the columns, copy the values, switch "
                        f"reads to {parent.name}, then drop {', '.join(names)}",
                    ],
                ),
                impact=f"every read of a whole {stem_of(parent)} joins {len(found) + 1} tables",
                attrs={"kind": "split-concept", "tables": [c.qualified_name for c, _, _, _ in found]},
            )


def _singular(name: str) -> str:
    from aishell.analyze.rules.denormalized import _singular as singular

    return singular(name)


def stem_of(table) -> str:
    return _singular(table.name)


def _attributes(table, key_cols: list[str]) -> list[str]:
    """Columns of ``table`` that are neither its key, nor foreign keys, nor bookkeeping."""
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    skip = set(key_cols) | set(table.primary_key) | fk_cols
    return [
        c.name
        for c in table.columns
        if c.name not in skip and c.name not in ("created_at", "updated_at", "id")
    ]
