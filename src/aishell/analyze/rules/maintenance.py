"""table-bloat, index-bloat, sequence-overflow, seq-scan-heavy-table: what statistics and pgstattuple show."""

from __future__ import annotations

import math
from collections.abc import Iterator

from aishell.analyze.bloat import btree_estimate, table_estimate
from aishell.analyze.context import AnalysisContext
from aishell.analyze.findings import Evidence, Finding, Fix, estimated, exact
from aishell.analyze.probes.data import base_type
from aishell.analyze.probes.session import ProbeFailed
from aishell.analyze.registry import Rule
from aishell.analyze.rules._common import human_bytes, q, qname, require_live
from aishell.dialects.postgres.quote import qualify, quote_literal

TYPE_MAX = {"smallint": 32767, "integer": 2**31 - 1, "bigint": 2**63 - 1}


class TableBloat(Rule):
    """Tables carrying dead tuples and free space they do not reuse.

    Anti-pattern: autovacuum that cannot keep up (or is disabled) leaves dead row versions behind;
    scans read them, the table and its cache footprint grow.

    Better: find why vacuum lags (long transactions, disabled autovacuum, cost limits), VACUUM, and
    to return space to the OS use pg_repack (online) rather than VACUUM FULL (exclusive lock).
    Measured with pgstattuple when installed (exact; pgstattuple_approx above a size limit, estimated;
    pgstattuple adds one to the table's ``seq_scan``). Without it, estimated the classic way
    (ioguide/pgexperts): the pages ``pg_class.reltuples`` rows need at the column widths of
    ``pg_stats``, against ``relpages``, which finds bloat after a statistics reset or a copied
    database (``n_dead_tup`` reads 0 there), or from the dead-tuple counter when that shows more.
    """

    id = "table-bloat"
    title = "Table Bloat"
    severity = "warning"
    categories = ("performance", "scalability")
    needs = frozenset({"live", "stats"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        require_live(ctx)
        has_pst = "pgstattuple" in ctx.stats.extensions
        block_size = int(ctx.stats.database.get("block_size") or 8192)
        min_bytes, min_pct = ctx.t("bloat_min_bytes"), ctx.t("bloat_min_percent")
        for table in ctx.physical_tables:
            st = ctx.stats.table(table.qualified_name)
            size = int(st.get("table_bytes") or 0)
            if st.get("relkind") != "r" or size < min_bytes:
                continue
            live, dead = int(st.get("n_live_tup") or 0), int(st.get("n_dead_tup") or 0)
            ev: list[Evidence] = [
                exact("dead_tuples_counter", dead, "tuples", "pg_stat_user_tables.n_dead_tup"),
                exact("table_bytes", size, "bytes", "pg_table_size"),
            ]
            wasted = pct = None
            if has_pst:
                approx = size > ctx.t("pgstattuple_max_bytes") and not ctx.options.deep
                try:
                    wasted, pct, extra = self._pgstattuple(ctx, table, approx)
                    ev += extra
                except ProbeFailed as exc:
                    ctx.notes.append(
                        f"{self.id}: pgstattuple on {qname(table)} failed ({exc}); using statistics"
                    )
            if wasted is None:
                # Pages the live rows need against the pages there are (survives a statistics reset, where
                # n_dead_tup reads 0), or the dead-tuple counter, whichever shows more.
                est = table_estimate(
                    table, st, lambda c, n=table.qualified_name: ctx.stats.column(n, c), block_size
                )
                by_pages = (est.wasted_bytes, est.wasted_percent) if est else (0, 0.0)
                by_dead = (
                    (int(size * dead / (live + dead)), 100.0 * dead / (live + dead)) if live + dead else (0, 0.0)
                )
                if est is None and live + dead == 0:
                    continue
                if est is not None and by_pages[0] >= by_dead[0]:
                    wasted, pct = by_pages
                    src = (
                        "pg_class.relpages against the pages pg_class.reltuples rows need at pg_stats "
                        "widths (the ioguide/pgexperts estimate)"
                    )
                    ev += [
                        exact("pages", est.pages, "pages", "pg_class.relpages"),
                        estimated("pages_needed", est.expected_pages, "pages", src),
                    ]
                else:
                    wasted, pct = by_dead
                    src = "table bytes × dead/(live+dead) from pg_stat_user_tables"
                ev += [
                    estimated("wasted_bytes", wasted, "bytes", src),
                    estimated("wasted_percent", round(pct, 1), "%", src),
                ]
            if pct < min_pct or wasted < min_bytes:
                continue
            notes = [
                "plain VACUUM does not block reads or writes; it makes the space reusable",
                "pg_repack returns the space to the OS online; VACUUM FULL does too but locks the table",
            ]
            if any(o.replace(" ", "").lower() == "autovacuum_enabled=false" for o in table.options):
                notes.insert(0, "autovacuum is disabled on this table (autovacuum_enabled=false)")
            if st.get("last_autovacuum") or st.get("last_vacuum"):
                ev.append(exact("last_vacuum", str(st.get("last_autovacuum") or st.get("last_vacuum"))))
            yield self.finding(
                qname(table),
                f"{qname(table)}: {pct:.0f}% bloat ({human_bytes(wasted)} of {human_bytes(size)})",
                evidence=ev,
                fix=Fix([f"VACUUM (ANALYZE) {q(table)};"], safe=True, notes=notes),
                impact=f"scans read {human_bytes(wasted)} of dead rows and free space",
            )

    @staticmethod
    def _pgstattuple(ctx, table, approx: bool):
        reg = quote_literal(qualify(table.schema, table.name))
        if approx:
            r = ctx.session.query_dicts(
                f"SELECT * FROM pgstattuple_approx({reg}::regclass)", timeout_ms=60000
            )[0]
            wasted = int(r["dead_tuple_len"]) + int(r["approx_free_space"])
            pct = 100.0 * wasted / max(1, int(r["table_len"]))
            return (
                wasted,
                pct,
                [
                    estimated("dead_tuples", int(r["dead_tuple_count"]), "tuples", "pgstattuple_approx"),
                    estimated("wasted_bytes", wasted, "bytes", "pgstattuple_approx: dead + free space"),
                    estimated("wasted_percent", round(pct, 1), "%", "pgstattuple_approx"),
                ],
            )
        r = ctx.session.query_dicts(f"SELECT * FROM pgstattuple({reg}::regclass)", timeout_ms=60000)[0]
        wasted = int(r["dead_tuple_len"]) + int(r["free_space"])
        pct = 100.0 * wasted / max(1, int(r["table_len"]))
        return (
            wasted,
            pct,
            [
                exact("dead_tuples", int(r["dead_tuple_count"]), "tuples", "pgstattuple"),
                exact("wasted_bytes", wasted, "bytes", "pgstattuple: dead tuple bytes + free space"),
                exact("wasted_percent", round(pct, 1), "%", "pgstattuple"),
            ],
        )


class IndexBloat(Rule):
    """B-tree indexes whose leaf pages are mostly empty.

    Anti-pattern: after mass deletes or updates a b-tree keeps its half-empty pages: more pages to
    read and cache for the same keys.

    Better: ``REINDEX INDEX CONCURRENTLY`` (PostgreSQL 12+), which rebuilds without blocking writes.
    With the pgstattuple extension (``pgstatindex``) leaf density is measured exactly and the wasted
    bytes are estimated against a 90% fill target; without it, the classic b-tree estimate: the pages
    the index's ``reltuples`` entries need at the key columns' ``pg_stats`` widths and the index's
    fillfactor, against its ``relpages`` (expression keys are not estimated).
    """

    id = "index-bloat"
    title = "Index Bloat"
    severity = "warning"
    categories = ("performance",)
    needs = frozenset({"live", "stats"})
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        require_live(ctx)
        has_pst = "pgstattuple" in ctx.stats.extensions
        block_size = int(ctx.stats.database.get("block_size") or 8192)
        min_bytes, min_pct = ctx.t("bloat_min_bytes"), ctx.t("bloat_min_percent")
        for table in ctx.physical_tables:
            for ix in table.indexes:
                if not has_pst:
                    yield from self._estimated(ctx, table, ix, block_size, min_bytes, min_pct)
                    continue
                st = ctx.stats.indexes.get(f"{table.schema}.{ix.name}")
                if (
                    not st
                    or st.get("method") != "btree"
                    or int(st.get("bytes") or 0) < min_bytes
                    or not ix.valid
                ):
                    continue
                reg = quote_literal(qualify(table.schema, ix.name))
                try:
                    r = ctx.session.query_dicts(
                        f"SELECT * FROM pgstatindex({reg}::regclass)", timeout_ms=60000
                    )[0]
                except ProbeFailed as exc:
                    ctx.notes.append(f"{self.id}: {ix.name}: {exc}")
                    continue
                density = float(r["avg_leaf_density"] or 0)
                if density <= 0 or math.isnan(density):  # empty index
                    continue
                size = int(r["index_size"])
                wasted_frac = max(0.0, 1 - density / 90.0)
                wasted = int(size * wasted_frac)
                if 100 * wasted_frac < min_pct or wasted < min_bytes:
                    continue
                yield self.finding(
                    qname(table),
                    f"index {ix.name}: leaf pages {density:.0f}% full, about {human_bytes(wasted)} "
                    f"of {human_bytes(size)} wasted",
                    object=ix.name,
                    columns=[c for c in ix.columns],
                    evidence=[
                        exact("avg_leaf_density", round(density, 1), "%", "pgstatindex"),
                        exact(
                            "leaf_fragmentation",
                            round(float(r["leaf_fragmentation"] or 0), 1),
                            "%",
                            "pgstatindex",
                        ),
                        exact("index_bytes", size, "bytes", "pgstatindex"),
                        estimated("wasted_bytes", wasted, "bytes", "index size × (1 − density/90%)"),
                    ],
                    fix=Fix([f"REINDEX INDEX CONCURRENTLY {qualify(table.schema, ix.name)};"], safe=True),
                    impact=f"about {human_bytes(wasted)} more to read and cache",
                )


    def _estimated(self, ctx, table, ix, block_size, min_bytes, min_pct) -> Iterator[Finding]:
        st = ctx.stats.indexes.get(f"{table.schema}.{ix.name}")
        if not st or st.get("method") != "btree" or int(st.get("bytes") or 0) < min_bytes or not ix.valid:
            return
        est = btree_estimate(
            table, ix, st, lambda c, n=table.qualified_name: ctx.stats.column(n, c), block_size
        )
        if est is None or est.wasted_percent < min_pct or est.wasted_bytes < min_bytes:
            return
        src = (
            "pg_class.relpages of the index against the pages its reltuples entries need at the key "
            "columns' pg_stats widths and its fillfactor (the ioguide b-tree estimate; pgstattuple "
            "not installed)"
        )
        yield self.finding(
            qname(table),
            f"index {ix.name}: about {est.wasted_percent:.0f}% of its {human_bytes(est.pages * block_size)} "
            f"is empty space ({human_bytes(est.wasted_bytes)}, estimated)",
            object=ix.name,
            columns=list(ix.columns),
            evidence=[
                exact("pages", est.pages, "pages", "pg_class.relpages"),
                estimated("pages_needed", est.expected_pages, "pages", src),
                estimated("wasted_bytes", est.wasted_bytes, "bytes", src),
                estimated("wasted_percent", round(est.wasted_percent, 1), "%", src),
            ],
            fix=Fix([f"REINDEX INDEX CONCURRENTLY {qualify(table.schema, ix.name)};"], safe=True),
            impact=f"about {human_bytes(est.wasted_bytes)} more to read and cache",
        )


class SequenceOverflow(Rule):
    """Sequences (serial and identity included) close to the largest value they, or their column, can hold.

    Anti-pattern: an ``integer`` id at 2.1 billion stops every INSERT with "nextval: reached maximum
    value" or "integer out of range"; a bigint sequence feeding an integer column overflows at the
    column's limit, not the sequence's.

    Better: widen the column (and the sequence) to bigint well before: warning at
    ``sequence_warning`` (75%) of the range, critical at ``sequence_critical`` (90%).
    """

    id = "sequence-overflow"
    title = "Sequence Overflow"
    severity = "critical"
    categories = ("scalability",)
    needs = frozenset({"live", "stats"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        require_live(ctx)
        keep = ctx.options.schemas
        for key, s in sorted(ctx.stats.sequences.items()):
            if keep is not None and s["schema"] not in keep:
                continue
            if s.get("last_value") is None or int(s.get("increment_by") or 1) < 0:
                continue
            limit = int(s["max_value"])
            col_type = base_type(s["owner_type"]) if s.get("owner_type") else None
            if col_type in TYPE_MAX:
                limit = min(limit, TYPE_MAX[col_type])
            used = int(s["last_value"]) / limit
            if used < ctx.t("sequence_warning"):
                continue
            sev = "critical" if used >= ctx.t("sequence_critical") else "warning"
            table = s.get("owner_table")
            col = s.get("owner_column")
            fix_sql = []
            if table and col and col_type in ("smallint", "integer"):
                t = ctx.by_name.get(table)
                if t is not None:
                    fix_sql.append(f"ALTER TABLE {q(t)} ALTER COLUMN {qualify(None, col)} TYPE bigint;")
            fix_sql.append(
                f"ALTER SEQUENCE {qualify(s['schema'], s['name'])} AS bigint MAXVALUE 9223372036854775807;"
            )
            remaining = limit - int(s["last_value"])
            yield self.finding(
                table,
                f"sequence {key} is at {used:.1%} of its range ({int(s['last_value']):,} of {limit:,})",
                severity=sev,
                columns=[col] if col else [],
                object=key,
                evidence=[
                    exact("last_value", int(s["last_value"]), None, "pg_sequences.last_value"),
                    exact("max_value", limit, None, "min(sequence max, column type max)"),
                    exact("used_percent", round(100 * used, 2), "%"),
                    exact("values_left", remaining),
                ],
                fix=Fix(
                    fix_sql,
                    safe=False,
                    notes=[
                        "changing an integer column to bigint rewrites the table; "
                        "for big tables add a bigint column, backfill, and swap"
                    ],
                ),
                impact=f"INSERTs fail after {remaining:,} more values",
            )


class SeqScanHeavyTable(Rule):
    """Tables read mostly by sequential scans although they are large enough for indexes to matter.

    Anti-pattern: ``seq_scan`` far above ``idx_scan`` on a table of thousands of rows: some frequent
    query filters on a column no index serves. (pg-index-health: tables with missing indexes.)

    Better: find the statement (``--with-query-patterns`` names it and proposes the index).
    aishell's own probes read tables through ``TABLESAMPLE``, which moves neither counter, so the
    scans are the application's. The counters add up since the last statistics reset: with a baseline
    (``fix`` re-analyses against the counters it read before applying) only the scans since then count,
    and fewer than ``seq_scan_min_scans`` of them is a note, not a finding.
    """

    id = "seq-scan-heavy-table"
    title = "Tables Read by Sequential Scans"
    severity = "warning"
    categories = ("performance",)
    needs = frozenset({"live", "stats"})
    groups = frozenset({"indexes"})

    def check(self, ctx: AnalysisContext) -> Iterator[Finding]:
        require_live(ctx)
        base = (ctx.options.baseline or {}).get("tables")
        since = " since the baseline" if base is not None else ""
        quiet = 0
        for table in ctx.tables:
            st = dict(ctx.stats.table(table.qualified_name))
            seq, idx = st.get("seq_scan"), st.get("idx_scan")
            if seq is None:
                continue
            idx = idx or 0
            was_heavy = seq + idx >= ctx.t("seq_scan_min_scans") and seq > idx
            if base is not None:
                prev = base.get(table.qualified_name) or {}
                seq -= int(prev.get("seq_scan") or 0)
                idx -= int(prev.get("idx_scan") or 0)
                st["seq_tup_read"] = int(st.get("seq_tup_read") or 0) - int(prev.get("seq_tup_read") or 0)
            rows = ctx.rows(table) or 0
            if rows < ctx.t("seq_scan_min_rows"):
                continue
            if seq + idx < ctx.t("seq_scan_min_scans"):
                quiet += base is not None and was_heavy
                continue
            if seq <= idx:
                continue
            yield self.finding(
                qname(table),
                f"{qname(table)}: {seq:,} sequential scans vs {idx:,} index scans on ~{rows:,} rows",
                evidence=[
                    exact("seq_scans", seq, "scans", f"pg_stat_user_tables.seq_scan{since}"),
                    exact(
                        "seq_tuples_read",
                        int(st.get("seq_tup_read") or 0),
                        "rows",
                        f"pg_stat_user_tables.seq_tup_read{since}",
                    ),
                    exact("index_scans", idx, "scans", f"pg_stat_user_tables.idx_scan{since}"),
                    estimated("rows", rows, "rows", "pg_class.reltuples"),
                ],
                fix=Fix(
                    [],
                    safe=True,
                    notes=["run with --with-query-patterns to find the filters and the index to add"],
                ),
                impact=f"{int(st.get('seq_tup_read') or 0):,} rows read by sequential scans",
            )
        if quiet:
            ctx.notes.append(
                f"seq-scan-heavy-table: insufficient evidence, {quiet} table(s) had fewer than "
                f"{ctx.t('seq_scan_min_scans'):g} scans since the baseline; not judged"
            )
            ctx.insufficient[self.id] = quiet
